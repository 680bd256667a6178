/*
 * crioget: CRIOGET (docs/ABI.md §5). A CUSE daemon cannot install a descriptor in its caller,
 * so the project ships libcryptodev-crioget.so (preload/crioget.c), which answers CRIOGET
 * inside the caller with dup() semantics. This program is linked dynamically so that
 * LD_PRELOAD applies.
 *
 * MODE preload (run with LD_PRELOAD=<the library of the same ABI>):
 * - CRIOGET returns 0 and writes a new descriptor cfd != fd, without FD_CLOEXEC (fd has
 *   it), on the same open file (a status flag set through one shows through the other);
 * - a session made on either descriptor works on the other;
 * - close(fd) == 0, then the session still works on cfd; close(cfd) == 0, then the
 *   session is gone (a new open does not see it);
 * - CRIOGET with a NULL argument is EFAULT; on a descriptor that is not a CUSE device it
 *   reaches the real ioctl() (ENOTTY); other ioctls pass through.
 * MODE plain (run without the library): CRIOGET reaches the daemon, which answers EINVAL
 * and leaves the argument alone; everything else works.
 *
 * usage: crioget [DEVICE [MODE]]     MODE: preload (default) or plain
 */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *dev;

/* SP 800-38A F.2.1, the first two blocks. */
static const uint8_t key[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
				 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };
static const uint8_t pt[32] = { 0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e,
				0x11, 0x73, 0x93, 0x17, 0x2a, 0xae, 0x2d, 0x8a, 0x57, 0x1e, 0x03,
				0xac, 0x9c, 0x9e, 0xb7, 0x6f, 0xac, 0x45, 0xaf, 0x8e, 0x51 };
static const uint8_t ct[32] = { 0x76, 0x49, 0xab, 0xac, 0x81, 0x19, 0xb2, 0x46, 0xce, 0xe9, 0x8e,
				0x9b, 0x12, 0xe9, 0x19, 0x7d, 0x50, 0x86, 0xcb, 0x9b, 0x50, 0x72,
				0x19, 0xee, 0x95, 0xdb, 0x11, 0x3a, 0x91, 0x76, 0x78, 0xb2 };

/* Encrypts the vector on `f` with session `ses`; one PASS/FAIL line. */
static void crypt_on(const char *name, int f, uint32_t ses)
{
	uint8_t out[32], iv[16];

	for (int i = 0; i < 16; i++)
		iv[i] = (uint8_t)i;
	memset(out, 0, sizeof(out));
	if (cd_crypt(f, ses, COP_ENCRYPT, 0, pt, out, sizeof(pt), iv, NULL) != 0)
		fail(name, "CIOCCRYPT on fd %d: %s", f, errno_name(errno));
	else
		check_bytes(name, ct, sizeof(ct), out, sizeof(out));
}

static void with_preload(void)
{
	int fd = open_device(dev), cfd, flags;
	__u32 arg = 0xffffffffu;
	uint32_t s1, s2;
	struct stat a, b;

	if (!expect_errno("crioget:returns-0", ioctl(fd, CRIOGET, &arg), 0))
		die("crioget", "is the preload library loaded? LD_PRELOAD=%s",
		    getenv("LD_PRELOAD") ? getenv("LD_PRELOAD") : "(unset)");
	cfd = (int)arg;
	check(cfd >= 0 && cfd != fd && fcntl(cfd, F_GETFD) >= 0, "crioget:new-descriptor",
	      "fd %d, CRIOGET wrote %d", fd, cfd);
	flags = fcntl(cfd, F_GETFD);
	check(flags >= 0 && !(flags & FD_CLOEXEC), "crioget:new-descriptor-without-cloexec",
	      "F_GETFD %#x", flags);
	flags = fcntl(fd, F_GETFD);
	check(flags >= 0 && (flags & FD_CLOEXEC), "crioget:original-keeps-cloexec",
	      "F_GETFD %#x", flags);
	check(fstat(fd, &a) == 0 && fstat(cfd, &b) == 0 && a.st_rdev == b.st_rdev &&
		      a.st_ino == b.st_ino,
	      "crioget:same-device", "rdev %#llx / %#llx", (unsigned long long)a.st_rdev,
	      (unsigned long long)b.st_rdev);
	/* file status flags belong to the open file description */
	flags = fcntl(fd, F_GETFL);
	if (flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0) {
		int other = fcntl(cfd, F_GETFL);

		check(other >= 0 && (other & O_NONBLOCK), "crioget:same-open-file",
		      "O_NONBLOCK set on fd, F_GETFL on cfd %#x", other);
		fcntl(fd, F_SETFL, flags);
	} else {
		fail("crioget:same-open-file", "F_SETFL: %s", errno_name(errno));
	}

	if (need_session("crioget:session-on-fd", fd, CRYPTO_AES_CBC, key, 16, 0, NULL, 0, &s1) ||
	    need_session("crioget:session-on-cfd", cfd, CRYPTO_AES_CBC, key, 16, 0, NULL, 0, &s2))
		die("crioget", "no sessions");
	crypt_on("crioget:fd-session-works-on-fd", fd, s1);
	crypt_on("crioget:fd-session-works-on-cfd", cfd, s1);
	crypt_on("crioget:cfd-session-works-on-fd", fd, s2);
	{
		struct session_info_op info;

		memset(&info, 0, sizeof(info));
		expect_errno("crioget:cfd-sees-fd-session-info", sess_info(cfd, s1, &info), 0);
	}
	expect_errno("crioget:arg-NULL-EFAULT", ioctl(fd, CRIOGET, NULL), EFAULT);
	{
		/* the library answers only for CUSE devices */
		int null = open("/dev/null", O_RDWR | O_CLOEXEC), p[2];
		__u32 w = 0x12345678;

		if (null >= 0) {
			expect_errno("crioget:dev-null-passes-through-ENOTTY",
				     ioctl(null, CRIOGET, &w), ENOTTY);
			check(w == 0x12345678, "crioget:dev-null-arg-untouched", "arg %#x", w);
			xclose("close", null);
		}
		if (pipe(p) == 0) {
			expect_errno("crioget:pipe-passes-through-ENOTTY", ioctl(p[0], CRIOGET, &w),
				     ENOTTY);
			xclose("close", p[0]);
			xclose("close", p[1]);
		}
	}
	{
		__u32 feat = 0;

		/* other ioctls go to the daemon unchanged */
		expect_errno("crioget:other-ioctls-pass-through", ioctl(cfd, CIOCASYMFEAT, &feat),
			     0);
		expect_errno("crioget:unknown-ioctl-passes-through-EINVAL",
			     ioctl(cfd, _IOWR('c', 120, __u32), &feat), EINVAL);
	}
	{
		/* a CRIOGET of the CRIOGET descriptor: a third one on the same file */
		__u32 third = 0xffffffffu;

		if (expect_errno("crioget:of-cfd-returns-0", ioctl(cfd, CRIOGET, &third), 0)) {
			check((int)third != fd && (int)third != cfd, "crioget:of-cfd-new-descriptor",
			      "got %d", (int)third);
			crypt_on("crioget:third-descriptor-shares-sessions", (int)third, s1);
			expect_errno("crioget:close-third-returns-0", close((int)third), 0);
		}
	}

	expect_errno("crioget:close-fd-returns-0", close(fd), 0);
	crypt_on("crioget:session-survives-close-of-fd", cfd, s1);
	crypt_on("crioget:cfd-session-survives-close-of-fd", cfd, s2);
	expect_errno("crioget:close-cfd-returns-0", close(cfd), 0);
	expect_errno("crioget:closed-cfd-EBADF", close(cfd), EBADF);
	{
		int f = open_device(dev);
		uint8_t out[32];

		expect_errno("crioget:sessions-gone-after-last-close",
			     cd_crypt(f, s1, COP_ENCRYPT, 0, pt, out, sizeof(out), NULL, NULL),
			     EINVAL);
		xclose("close", f);
	}
}

static void without_preload(void)
{
	int fd = open_device(dev);
	__u32 arg = 0x12345678;
	const char *pre = getenv("LD_PRELOAD");
	uint32_t ses;

	if (pre != NULL && strstr(pre, "crioget") != NULL)
		fail("plain:no-preload-library", "LD_PRELOAD=%s", pre);
	expect_errno("plain:crioget-reaches-daemon-EINVAL", ioctl(fd, CRIOGET, &arg), EINVAL);
	check(arg == 0x12345678, "plain:crioget-arg-untouched", "arg %#x", arg);
	if (need_session("plain:session", fd, CRYPTO_AES_CBC, key, 16, 0, NULL, 0, &ses) == 0) {
		crypt_on("plain:device-still-works", fd, ses);
		drop_session("plain:free", fd, ses);
	}
	expect_errno("plain:close-returns-0", close(fd), 0);
}

int main(int argc, char **argv)
{
	const char *mode = opt_arg(argc, argv, 2);

	dev = device_path(argc, argv);
	if (mode == NULL)
		mode = "preload";
	test_init("crioget");
	note("device %s mode %s LD_PRELOAD %s", dev, mode,
	     getenv("LD_PRELOAD") ? getenv("LD_PRELOAD") : "(unset)");
	if (strcmp(mode, "preload") == 0)
		with_preload();
	else if (strcmp(mode, "plain") == 0)
		without_preload();
	else
		die("args", "MODE must be preload or plain, not %s", mode);
	return test_finish();
}
