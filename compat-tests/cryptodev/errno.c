/*
 * errno: the errno table of docs/ABI.md §6-§14 (and the daemon's documented differences):
 * bad session requests, bad CIOCCRYPT arguments, invalid pointers, unknown ioctls, which
 * file descriptors see which sessions, then CIOCASYMFEAT (nothing, or with --asym all CRK operations but DH
 * announced), CIOCKEY (unknown op, wrong parameter counts, more than 8192 bits: EINVAL),
 * CIOCAUTHCRYPT and the async pair (NO_ZC: EINVAL; nothing to fetch: EBUSY).
 *
 * usage: errno [DEVICE]
 */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *dev;
static int fd;
static uint8_t *page;	  /* one read/write page ... */
static uint8_t *noaccess; /* ... followed by a PROT_NONE page */
#define BAD16 ((void *)(uintptr_t)16)

static uint8_t key[CRYPTO_HMAC_MAX_KEY_LEN + 8];

static void session_requests(void)
{
	static const struct {
		const char *name;
		uint32_t cipher, keylen, mac, mackeylen;
		int err;
	} cases[] = {
		{ "gsession:cipher=0,mac=0", 0, 16, 0, 0, EINVAL },
		{ "gsession:cipher=0,mac=0,keys-given", 0, 16, 0, 16, EINVAL },
		{ "gsession:unknown-cipher-999", 999, 16, 0, 0, EINVAL },
		{ "gsession:unknown-cipher-ALGORITHM_ALL", CRYPTO_ALGORITHM_ALL, 16, 0, 0, EINVAL },
		{ "gsession:unknown-cipher-0xffffffff", 0xffffffffu, 16, 0, 0, EINVAL },
		{ "gsession:unknown-mac-999", 0, 0, 999, 0, EINVAL },
		{ "gsession:unknown-mac-with-valid-cipher", CRYPTO_AES_CBC, 16, 999, 0, EINVAL },
		{ "gsession:skipjack-EINVAL", CRYPTO_SKIPJACK_CBC, 10, 0, 0, EINVAL },
		{ "gsession:arc4-EINVAL", CRYPTO_ARC4, 16, 0, 0, EINVAL },
		{ "gsession:md5-kpdk-EINVAL", 0, 0, CRYPTO_MD5_KPDK, 16, EINVAL },
		{ "gsession:sha1-kpdk-EINVAL", 0, 0, CRYPTO_SHA1_KPDK, 16, EINVAL },
		{ "gsession:deflate-EINVAL", CRYPTO_DEFLATE_COMP, 0, 0, 0, EINVAL },
		{ "gsession:lzs-EINVAL", CRYPTO_LZS_COMP, 0, 0, 0, EINVAL },
		{ "gsession:hash-id-in-cipher-field", CRYPTO_SHA1, 16, 0, 0, EINVAL },
		{ "gsession:sha256-id-in-cipher-field", CRYPTO_SHA2_256, 16, 0, 0, EINVAL },
		{ "gsession:hmac-id-in-cipher-field", CRYPTO_SHA2_256_HMAC, 16, 0, 0, EINVAL },
		{ "gsession:cipher-id-in-mac-field", 0, 0, CRYPTO_AES_CBC, 16, EINVAL },
		{ "gsession:null-cipher-id-in-mac-field", 0, 0, CRYPTO_NULL, 0, EINVAL },
		{ "gsession:aes-keylen-0", CRYPTO_AES_CBC, 0, 0, 0, EINVAL },
		{ "gsession:aes-keylen-15", CRYPTO_AES_CBC, 15, 0, 0, EINVAL },
		{ "gsession:aes-keylen-17", CRYPTO_AES_CBC, 17, 0, 0, EINVAL },
		{ "gsession:aes-keylen-33", CRYPTO_AES_CBC, 33, 0, 0, EINVAL },
		{ "gsession:aes-ctr-keylen-20", CRYPTO_AES_CTR, 20, 0, 0, EINVAL },
		{ "gsession:aes-ecb-keylen-31", CRYPTO_AES_ECB, 31, 0, 0, EINVAL },
		{ "gsession:keylen-65", CRYPTO_AES_CBC, 65, 0, 0, EINVAL },
		{ "gsession:keylen-65-blowfish", CRYPTO_BLF_CBC, 65, 0, 0, EINVAL },
		{ "gsession:xts-keylen-16", CRYPTO_AES_XTS, 16, 0, 0, EINVAL },
		{ "gsession:xts-keylen-40", CRYPTO_AES_XTS, 40, 0, 0, EINVAL },
		{ "gsession:des-keylen-7", CRYPTO_DES_CBC, 7, 0, 0, EINVAL },
		{ "gsession:des-keylen-16", CRYPTO_DES_CBC, 16, 0, 0, EINVAL },
		{ "gsession:3des-keylen-16", CRYPTO_3DES_CBC, 16, 0, 0, EINVAL },
		{ "gsession:blowfish-keylen-3", CRYPTO_BLF_CBC, 3, 0, 0, EINVAL },
		{ "gsession:blowfish-keylen-57", CRYPTO_BLF_CBC, 57, 0, 0, EINVAL },
		{ "gsession:cast5-keylen-4", CRYPTO_CAST_CBC, 4, 0, 0, EINVAL },
		{ "gsession:cast5-keylen-17", CRYPTO_CAST_CBC, 17, 0, 0, EINVAL },
		{ "gsession:camellia-keylen-20", CRYPTO_CAMELLIA_CBC, 20, 0, 0, EINVAL },
		{ "gsession:null-cipher-keylen-8", CRYPTO_NULL, 8, 0, 0, EINVAL },
		{ "gsession:mackeylen-513", 0, 0, CRYPTO_SHA2_256_HMAC, 513, EINVAL },
		{ "gsession:mackeylen-513-with-cipher", CRYPTO_AES_CBC, 16, CRYPTO_SHA1_HMAC, 513,
		  EINVAL },
		/* accepted edges */
		{ "gsession:blowfish-keylen-4-ok", CRYPTO_BLF_CBC, 4, 0, 0, 0 },
		{ "gsession:blowfish-keylen-56-ok", CRYPTO_BLF_CBC, 56, 0, 0, 0 },
		{ "gsession:cast5-keylen-5-ok", CRYPTO_CAST_CBC, 5, 0, 0, 0 },
		{ "gsession:cast5-keylen-16-ok", CRYPTO_CAST_CBC, 16, 0, 0, 0 },
		{ "gsession:xts-keylen-48-ok", CRYPTO_AES_XTS, 48, 0, 0, 0 },
		{ "gsession:xts-keylen-64-ok", CRYPTO_AES_XTS, 64, 0, 0, 0 },
		{ "gsession:null-cipher-keylen-0-ok", CRYPTO_NULL, 0, 0, 0, 0 },
		{ "gsession:mackeylen-512-ok", 0, 0, CRYPTO_SHA2_512_HMAC, 512, 0 },
		{ "gsession:hmac-mackeylen-0-ok", 0, 0, CRYPTO_SHA1_HMAC, 0, 0 },
		{ "gsession:plain-hash-with-mackey-ok", 0, 0, CRYPTO_SHA2_256, 32, 0 },
		{ "gsession:cipher+hmac-ok", CRYPTO_AES_CTR, 32, CRYPTO_SHA2_384_HMAC, 48, 0 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		uint32_t ses;
		int rc = sess_create(fd, cases[i].cipher, cases[i].keylen ? key : NULL,
				     cases[i].keylen, cases[i].mac,
				     cases[i].mackeylen ? key : NULL, cases[i].mackeylen, &ses);

		if (expect_errno(cases[i].name, rc, cases[i].err) && rc == 0)
			drop_session(cases[i].name, fd, ses);
		else if (rc == 0)
			sess_free(fd, ses);
	}

	/* key pointers */
	expect_errno("gsession:key-NULL-keylen-16-EFAULT",
		     sess_create(fd, CRYPTO_AES_CBC, NULL, 16, 0, NULL, 0, NULL), EFAULT);
	expect_errno("gsession:key-0x10-EFAULT",
		     sess_create(fd, CRYPTO_AES_CBC, BAD16, 16, 0, NULL, 0, NULL), EFAULT);
	expect_errno("gsession:key-PROT_NONE-EFAULT",
		     sess_create(fd, CRYPTO_AES_CBC, noaccess, 16, 0, NULL, 0, NULL), EFAULT);
	memset(noaccess - 8, 0x11, 8);
	expect_errno("gsession:key-straddles-PROT_NONE-EFAULT",
		     sess_create(fd, CRYPTO_AES_CBC, noaccess - 8, 16, 0, NULL, 0, NULL), EFAULT);
	expect_errno("gsession:mackey-0x10-EFAULT",
		     sess_create(fd, 0, NULL, 0, CRYPTO_SHA1_HMAC, BAD16, 20, NULL), EFAULT);
	expect_errno("gsession:mackey-PROT_NONE-EFAULT",
		     sess_create(fd, 0, NULL, 0, CRYPTO_SHA1_HMAC, noaccess, 20, NULL), EFAULT);
	expect_errno("gsession:mackey-PROT_NONE-plain-hash-EFAULT",
		     sess_create(fd, 0, NULL, 0, CRYPTO_SHA1, noaccess, 20, NULL), EFAULT);
	expect_errno("gsession:mackey-PROT_NONE-with-cipher-EFAULT",
		     sess_create(fd, CRYPTO_AES_CBC, key, 16, CRYPTO_SHA1_HMAC, noaccess, 20, NULL),
		     EFAULT);
	/* the argument struct itself */
	expect_errno("gsession:arg-NULL-EFAULT", ioctl(fd, CIOCGSESSION, NULL), EFAULT);
	expect_errno("gsession:arg-PROT_NONE-EFAULT", ioctl(fd, CIOCGSESSION, noaccess), EFAULT);
	{
		/* write-back faults: the struct sits in read-only memory */
		struct session_op *ro = (struct session_op *)(void *)(page + 1024);

		memset(ro, 0, sizeof(*ro));
		ro->cipher = CRYPTO_NULL;
		if (mprotect(page, 4096, PROT_READ) != 0)
			die("mprotect", "%s", errno_name(errno));
		expect_errno("gsession:arg-read-only-EFAULT", ioctl(fd, CIOCGSESSION, ro), EFAULT);
		if (mprotect(page, 4096, PROT_READ | PROT_WRITE) != 0)
			die("mprotect", "%s", errno_name(errno));
	}
}

static void crypt_requests(void)
{
	static const struct {
		const char *name;
		uint32_t alg, keylen, len;
		int err;
	} lens[] = {
		{ "crypt:aes-cbc-len-15-EINVAL", CRYPTO_AES_CBC, 16, 15, EINVAL },
		{ "crypt:aes-cbc-len-17-EINVAL", CRYPTO_AES_CBC, 16, 17, EINVAL },
		{ "crypt:aes-ecb-len-17-EINVAL", CRYPTO_AES_ECB, 16, 17, EINVAL },
		{ "crypt:aes-xts-len-20-EINVAL", CRYPTO_AES_XTS, 32, 20, EINVAL },
		{ "crypt:des-cbc-len-12-EINVAL", CRYPTO_DES_CBC, 8, 12, EINVAL },
		{ "crypt:3des-cbc-len-4-EINVAL", CRYPTO_3DES_CBC, 24, 4, EINVAL },
		{ "crypt:blowfish-cbc-len-9-EINVAL", CRYPTO_BLF_CBC, 16, 9, EINVAL },
		{ "crypt:cast5-cbc-len-7-EINVAL", CRYPTO_CAST_CBC, 16, 7, EINVAL },
		{ "crypt:camellia-cbc-len-31-EINVAL", CRYPTO_CAMELLIA_CBC, 16, 31, EINVAL },
		{ "crypt:aes-ctr-len-13-ok", CRYPTO_AES_CTR, 16, 13, 0 },
		{ "crypt:aes-cfb-len-13-ok", CRYPTO_AES_CFB, 16, 13, 0 },
		{ "crypt:aes-ofb-len-13-ok", CRYPTO_AES_OFB, 16, 13, 0 },
		{ "crypt:null-len-13-ok", CRYPTO_NULL, 0, 13, 0 },
		{ "crypt:aes-cbc-len-0-ok", CRYPTO_AES_CBC, 16, 0, 0 },
		{ "crypt:des-cbc-len-8-ok", CRYPTO_DES_CBC, 8, 8, 0 },
	};
	uint8_t src[64], dst[64], iv[16], mac[64];
	uint32_t cbc, sha, ids[2];

	memset(src, 1, sizeof(src));
	memset(iv, 2, sizeof(iv));
	for (size_t i = 0; i < ARRAY_SIZE(lens); i++) {
		uint32_t ses;

		if (need_session(lens[i].name, fd, lens[i].alg, lens[i].keylen ? key : NULL,
				 lens[i].keylen, 0, NULL, 0, &ses) != 0)
			continue;
		expect_errno(lens[i].name,
			     cd_crypt(fd, ses, COP_ENCRYPT, 0, src, dst, lens[i].len, iv, NULL),
			     lens[i].err);
		drop_session(lens[i].name, fd, ses);
	}

	if (need_session("crypt:setup", fd, CRYPTO_AES_CBC, key, 16, 0, NULL, 0, &cbc) ||
	    need_session("crypt:setup", fd, 0, NULL, 0, CRYPTO_SHA2_256, NULL, 0, &sha))
		return;
	ids[0] = cbc;
	ids[1] = sha;
	{
		uint32_t unknown = 0x600dbeef;

		while (unknown == cbc || unknown == sha)
			unknown++;
		expect_errno("crypt:unknown-session-EINVAL",
			     cd_crypt(fd, unknown, COP_ENCRYPT, 0, src, dst, 16, iv, NULL), EINVAL);
		expect_errno("crypt:unknown-session-len0-EINVAL",
			     cd_crypt(fd, unknown, COP_ENCRYPT, 0, NULL, NULL, 0, NULL, NULL), EINVAL);
		{
			struct session_info_op info;

			memset(&info, 0, sizeof(info));
			expect_errno("gsessinfo:unknown-session-EINVAL", sess_info(fd, unknown, &info),
				     EINVAL);
		}
		expect_errno("fsession:unknown-session-returns-0", sess_free(fd, unknown), 0);
	}
	(void)ids;
	expect_errno("crypt:op-2-EINVAL", cd_crypt(fd, cbc, 2, 0, src, dst, 16, iv, NULL), EINVAL);
	expect_errno("crypt:op-0xffff-EINVAL", cd_crypt(fd, cbc, 0xffff, 0, src, dst, 16, iv, NULL),
		     EINVAL);
	expect_errno("crypt:hash-session-op-2-EINVAL",
		     cd_crypt(fd, sha, 2, 0, src, NULL, 16, NULL, mac), EINVAL);
	expect_errno("crypt:hash-session-op-decrypt-ok",
		     cd_crypt(fd, sha, COP_DECRYPT, 0, src, NULL, 16, NULL, mac), 0);

	/* invalid pointers */
	expect_errno("crypt:src-NULL-EFAULT", cd_crypt(fd, cbc, COP_ENCRYPT, 0, NULL, dst, 16, iv,
						       NULL), EFAULT);
	expect_errno("crypt:src-0x10-EFAULT", cd_crypt(fd, cbc, COP_ENCRYPT, 0, BAD16, dst, 16, iv,
						       NULL), EFAULT);
	expect_errno("crypt:src-PROT_NONE-EFAULT",
		     cd_crypt(fd, cbc, COP_ENCRYPT, 0, noaccess, dst, 16, iv, NULL), EFAULT);
	expect_errno("crypt:src-straddles-PROT_NONE-EFAULT",
		     cd_crypt(fd, cbc, COP_ENCRYPT, 0, noaccess - 16, dst, 32, iv, NULL), EFAULT);
	expect_errno("crypt:dst-NULL-EFAULT", cd_crypt(fd, cbc, COP_ENCRYPT, 0, src, NULL, 16, iv,
						       NULL), EFAULT);
	expect_errno("crypt:dst-0x10-EFAULT", cd_crypt(fd, cbc, COP_ENCRYPT, 0, src, BAD16, 16, iv,
						       NULL), EFAULT);
	expect_errno("crypt:dst-PROT_NONE-EFAULT",
		     cd_crypt(fd, cbc, COP_ENCRYPT, 0, src, noaccess, 16, iv, NULL), EFAULT);
	expect_errno("crypt:dst-straddles-PROT_NONE-EFAULT",
		     cd_crypt(fd, cbc, COP_ENCRYPT, 0, src, noaccess - 16, 32, iv, NULL), EFAULT);
	expect_errno("crypt:iv-0x10-EFAULT", cd_crypt(fd, cbc, COP_ENCRYPT, 0, src, dst, 16, BAD16,
						      NULL), EFAULT);
	expect_errno("crypt:iv-PROT_NONE-EFAULT",
		     cd_crypt(fd, cbc, COP_ENCRYPT, 0, src, dst, 16, noaccess, NULL), EFAULT);
	expect_errno("crypt:iv-straddles-PROT_NONE-EFAULT",
		     cd_crypt(fd, cbc, COP_ENCRYPT, 0, src, dst, 16, noaccess - 8, NULL), EFAULT);
	expect_errno("crypt:iv-write_iv-read-only-EFAULT",
		     cd_crypt(fd, cbc, COP_ENCRYPT, COP_FLAG_WRITE_IV, src, dst, 16,
			      (void *)(uintptr_t)"0123456789abcdef", NULL),
		     EFAULT);
	expect_errno("crypt:mac-0x10-EFAULT", cd_crypt(fd, sha, COP_ENCRYPT, 0, src, NULL, 16,
						       NULL, BAD16), EFAULT);
	expect_errno("crypt:mac-PROT_NONE-EFAULT",
		     cd_crypt(fd, sha, COP_ENCRYPT, 0, src, NULL, 16, NULL, noaccess), EFAULT);
	expect_errno("crypt:mac-straddles-PROT_NONE-EFAULT",
		     cd_crypt(fd, sha, COP_ENCRYPT, 0, src, NULL, 16, NULL, noaccess - 16), EFAULT);
	expect_errno("crypt:hash-mac-NULL-EFAULT",
		     cd_crypt(fd, sha, COP_ENCRYPT, 0, src, NULL, 16, NULL, NULL), EFAULT);
	expect_errno("crypt:hash-final-mac-NULL-EFAULT",
		     cd_crypt(fd, sha, COP_ENCRYPT, COP_FLAG_FINAL, NULL, NULL, 0, NULL, NULL), EFAULT);
	expect_errno("crypt:hash-update-mac-NULL-ok",
		     cd_crypt(fd, sha, COP_ENCRYPT, COP_FLAG_UPDATE, src, NULL, 16, NULL, NULL), 0);
	expect_errno("crypt:hash-src-NULL-EFAULT",
		     cd_crypt(fd, sha, COP_ENCRYPT, 0, NULL, NULL, 16, NULL, mac), EFAULT);
	expect_errno("crypt:hash-src-PROT_NONE-EFAULT",
		     cd_crypt(fd, sha, COP_ENCRYPT, 0, noaccess, NULL, 16, NULL, mac), EFAULT);
	expect_errno("crypt:len0-NULL-buffers-ok",
		     cd_crypt(fd, cbc, COP_ENCRYPT, 0, NULL, NULL, 0, NULL, NULL), 0);
	expect_errno("crypt:arg-NULL-EFAULT", ioctl(fd, CIOCCRYPT, NULL), EFAULT);
	expect_errno("crypt:arg-PROT_NONE-EFAULT", ioctl(fd, CIOCCRYPT, noaccess), EFAULT);
	expect_errno("crypt:arg-0x10-EFAULT", ioctl(fd, CIOCCRYPT, BAD16), EFAULT);
	/* sessions survive failed operations */
	{
		uint8_t ref[16], iv2[16];

		memset(iv2, 2, 16);
		if (cd_crypt(fd, cbc, COP_ENCRYPT, 0, src, ref, 16, iv2, NULL) != 0)
			fail("crypt:session-usable-after-errors", "%s", errno_name(errno));
		else
			pass("crypt:session-usable-after-errors");
	}
	expect_errno("gsessinfo:arg-NULL-EFAULT", ioctl(fd, CIOCGSESSINFO, NULL), EFAULT);
	expect_errno("fsession:arg-NULL-EFAULT", ioctl(fd, CIOCFSESSION, NULL), EFAULT);
	expect_errno("fsession:free", sess_free(fd, cbc), 0);
	expect_errno("fsession:free-again-returns-0", sess_free(fd, cbc), 0);
	expect_errno("crypt:freed-session-EINVAL",
		     cd_crypt(fd, cbc, COP_ENCRYPT, 0, src, dst, 16, iv, NULL), EINVAL);
	drop_session("fsession:free", fd, sha);
}

/* A buffer valid as a NULL-cipher session_op in both the LP64 and the ILP32 layout. */
static void null_session_arg(uint8_t *buf)
{
	memset(buf, 0, 64);
	buf[0] = CRYPTO_NULL;
}

static void ioctl_numbers(void)
{
	uint8_t buf[512];
	__u32 word;
	uint32_t ses;
	/* the other ABI's CIOCGSESSION / CIOCCRYPT */
	const unsigned long other_gsession = sizeof(void *) == 8 ? 0xc01c6366ul : 0xc0306366ul;
	const unsigned long other_crypt = sizeof(void *) == 8 ? 0xc01c6368ul : 0xc0306368ul;

	memset(buf, 0, sizeof(buf));
	expect_errno("ioctl:_IOWR('c',108,u32)-EINVAL", ioctl(fd, _IOWR('c', 108, __u32), buf),
		     EINVAL);
	expect_errno("ioctl:_IOWR('c',120,int)-EINVAL", ioctl(fd, _IOWR('c', 120, int), buf), EINVAL);
	expect_errno("ioctl:_IO('c',102)-EINVAL", ioctl(fd, _IO('c', 102), buf), EINVAL);
	expect_errno("ioctl:TCGETS-0x5401-EINVAL", ioctl(fd, 0x5401, buf), EINVAL);
	expect_errno("ioctl:bsd-CIOCCRYPT-0xc0306367-EINVAL", ioctl(fd, 0xc0306367ul, buf), EINVAL);
	expect_errno("ioctl:bsd-CIOCGSESSION-0xc0306365-EINVAL",
		     ioctl(fd, 0xc0306365ul, buf), EINVAL);
	null_session_arg(buf);
	expect_errno("ioctl:CIOCGSESSION-wrong-size-EINVAL",
		     ioctl(fd, _IOWR('c', 102, uint8_t[40]), buf), EINVAL);
	null_session_arg(buf);
	expect_errno("ioctl:other-ABI-CIOCGSESSION-EINVAL", ioctl(fd, other_gsession, buf), EINVAL);
	null_session_arg(buf);
	expect_errno("ioctl:native-CIOCGSESSION-null-cipher-ok", ioctl(fd, CIOCGSESSION, buf), 0);
	{
		struct session_op *s = (struct session_op *)(void *)buf;
		struct crypt_op c;

		ses = s->ses;
		memset(&c, 0, sizeof(c));
		c.ses = ses;
		expect_errno("ioctl:other-ABI-CIOCCRYPT-EINVAL", ioctl(fd, other_crypt, &c), EINVAL);
		expect_errno("ioctl:native-CIOCCRYPT-len0-ok", ioctl(fd, CIOCCRYPT, &c), 0);
	}
	drop_session("ioctl:free", fd, ses);

	expect_errno("ioctl:CIOCASYMFEAT-arg-NULL-EFAULT", ioctl(fd, CIOCASYMFEAT, NULL), EFAULT);
	word = 0x12345678;
	expect_errno("ioctl:CRIOGET-EINVAL", ioctl(fd, CRIOGET, &word), EINVAL);
	check(word == 0x12345678, "ioctl:CRIOGET-leaves-arg", "arg changed to %#x", word);
}

/* Sessions belong to the open file description. */
static void fd_sharing(void)
{
	uint8_t src[32], ref[32], out[32], iv[16];
	uint32_t ses, child_ses = 0;
	int fd2, fdd, pipefd[2], status;
	pid_t pid;

	memset(src, 7, sizeof(src));
	memset(iv, 9, sizeof(iv));
	if (need_session("fd:setup", fd, CRYPTO_AES_CBC, key, 16, 0, NULL, 0, &ses) != 0)
		return;
	if (cd_crypt(fd, ses, COP_ENCRYPT, 0, src, ref, 32, iv, NULL) != 0) {
		fail("fd:setup", "CIOCCRYPT: %s", errno_name(errno));
		return;
	}

	fd2 = open_device(dev);
	expect_errno("fd:other-open-cannot-crypt-EINVAL",
		     cd_crypt(fd2, ses, COP_ENCRYPT, 0, src, out, 32, iv, NULL), EINVAL);
	{
		struct session_info_op info;

		memset(&info, 0, sizeof(info));
		expect_errno("fd:other-open-cannot-sessinfo-EINVAL", sess_info(fd2, ses, &info),
			     EINVAL);
	}
	expect_errno("fd:other-open-free-is-noop-0", sess_free(fd2, ses), 0);
	expect_errno("fd:session-survives-free-on-other-open",
		     cd_crypt(fd, ses, COP_ENCRYPT, 0, src, out, 32, iv, NULL), 0);
	xclose("fd:close", fd2);

	fdd = dup(fd);
	if (fdd < 0)
		die("dup", "%s", errno_name(errno));
	memset(out, 0, sizeof(out));
	if (expect_errno("fd:dup-sees-session",
			 cd_crypt(fdd, ses, COP_ENCRYPT, 0, src, out, 32, iv, NULL), 0))
		check_bytes("fd:dup-result", ref, 32, out, 32);
	xclose("fd:close", fdd);

	/* fork: the child uses the parent's session and makes one for the parent */
	if (pipe(pipefd) != 0)
		die("pipe", "%s", errno_name(errno));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork", "%s", errno_name(errno));
	if (pid == 0) {
		uint32_t mine = 0;
		int code = 0;

		if (close(pipefd[0]) != 0)
			code |= 16;
		memset(out, 0, sizeof(out));
		if (cd_crypt(fd, ses, COP_ENCRYPT, 0, src, out, 32, iv, NULL) != 0)
			code |= 1;
		else if (memcmp(out, ref, 32) != 0)
			code |= 2;
		if (sess_create(fd, CRYPTO_AES_CBC, key, 16, 0, NULL, 0, &mine) != 0)
			code |= 4;
		if (write(pipefd[1], &mine, sizeof(mine)) != (ssize_t)sizeof(mine))
			code |= 8;
		_exit(code);
	}
	xclose("fd:close", pipefd[1]);
	if (read(pipefd[0], &child_ses, sizeof(child_ses)) != (ssize_t)sizeof(child_ses))
		fail("fd:fork-pipe", "short read");
	xclose("fd:close", pipefd[0]);
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid", "%s", errno_name(errno));
	check(WIFEXITED(status) && (WEXITSTATUS(status) & 19) == 0, "fd:forked-child-uses-session",
	      "child status %#x", status);
	if (check(WIFEXITED(status) && (WEXITSTATUS(status) & 12) == 0,
		  "fd:forked-child-creates-session", "child status %#x", status)) {
		memset(out, 0, sizeof(out));
		if (expect_errno("fd:parent-uses-child-session",
				 cd_crypt(fd, child_ses, COP_ENCRYPT, 0, src, out, 32, iv, NULL), 0))
			check_bytes("fd:parent-uses-child-session-result", ref, 32, out, 32);
		drop_session("fd:free-child-session", fd, child_ses);
	}
	drop_session("fd:free", fd, ses);

	/* the last close frees: a dup keeps the file alive, a new open never sees it */
	{
		int a = open_device(dev), b;
		uint32_t s;

		if (need_session("fd:last-close", a, CRYPTO_AES_CBC, key, 16, 0, NULL, 0, &s) != 0)
			return;
		b = dup(a);
		xclose("fd:close", a);
		expect_errno("fd:dup-keeps-sessions-after-close-of-original",
			     cd_crypt(b, s, COP_ENCRYPT, 0, src, out, 32, iv, NULL), 0);
		xclose("fd:close", b);
		a = open_device(dev);
		expect_errno("fd:new-open-after-last-close-EINVAL",
			     cd_crypt(a, s, COP_ENCRYPT, 0, src, out, 32, iv, NULL), EINVAL);
		xclose("fd:close", a);
	}
}

/*
 * The errno table of CIOCASYMFEAT, CIOCKEY, CIOCAUTHCRYPT and the async pair (docs/ABI.md
 * §11-§14 and the daemon's documented choices). These run last, so that a daemon that
 * never answers one of them cannot hide the other results.
 */
static void key_requests(void)
{
	uint8_t *num = page + 2048; /* small numbers, all 5 */
	struct crypt_kop k;
	__u32 word;

	memset(num, 5, 64);
	word = 0xffffffffu;
	if (expect_errno("asymfeat:returns-0", ioctl(fd, CIOCASYMFEAT, &word), 0))
		/* 0, or with the daemon's --asym all but DH (asym checks which); never DH */
		check(word == 0 ||
			      word == (CRF_MOD_EXP | CRF_MOD_EXP_CRT | CRF_DSA_SIGN | CRF_DSA_VERIFY),
		      "asymfeat:none-or-all-but-dh", "features %#x", word);
	expect_errno("asymfeat:arg-PROT_NONE-EFAULT", ioctl(fd, CIOCASYMFEAT, noaccess), EFAULT);

#define KOP(op_, nin_, nout_, bits_)                                                           \
	do {                                                                                   \
		memset(&k, 0, sizeof(k));                                                      \
		k.crk_op = (op_);                                                              \
		k.crk_iparams = (nin_);                                                        \
		k.crk_oparams = (nout_);                                                       \
		for (int i_ = 0; i_ < CRK_MAXPARAM; i_++) {                                    \
			k.crk_param[i_].crp_p = num + 8 * i_;                                  \
			k.crk_param[i_].crp_nbits = (bits_);                                   \
		}                                                                              \
	} while (0)

	KOP(CRK_MOD_EXP, 3, 1, 64);
	expect_errno("key:mod-exp-ok", ioctl(fd, CIOCKEY, &k), 0);
	check(k.crk_status == 0, "key:mod-exp-status-0", "crk_status %u", k.crk_status);
	KOP(CRK_ALGORITHM_ALL, 3, 1, 64);
	expect_errno("key:unknown-op-5-EINVAL", ioctl(fd, CIOCKEY, &k), EINVAL);
	KOP(0x80000000u, 3, 1, 64);
	expect_errno("key:unknown-op-0x80000000-EINVAL", ioctl(fd, CIOCKEY, &k), EINVAL);
	KOP(CRK_MOD_EXP, 2, 1, 64);
	expect_errno("key:mod-exp-2-inputs-EINVAL", ioctl(fd, CIOCKEY, &k), EINVAL);
	KOP(CRK_MOD_EXP, 3, 2, 64);
	expect_errno("key:mod-exp-2-outputs-EINVAL", ioctl(fd, CIOCKEY, &k), EINVAL);
	KOP(CRK_MOD_EXP_CRT, 6, 0, 64);
	expect_errno("key:crt-no-output-EINVAL", ioctl(fd, CIOCKEY, &k), EINVAL);
	KOP(CRK_DSA_SIGN, 5, 1, 64);
	expect_errno("key:dsa-sign-1-output-EINVAL", ioctl(fd, CIOCKEY, &k), EINVAL);
	KOP(CRK_DSA_VERIFY, 7, 1, 64);
	expect_errno("key:dsa-verify-1-output-EINVAL", ioctl(fd, CIOCKEY, &k), EINVAL);
	KOP(CRK_DH_COMPUTE_KEY, 2, 1, 64);
	expect_errno("key:dh-2-inputs-EINVAL", ioctl(fd, CIOCKEY, &k), EINVAL);
	KOP(CRK_MOD_EXP, 8, 8, 64);
	expect_errno("key:16-params-EINVAL", ioctl(fd, CIOCKEY, &k), EINVAL);
	KOP(CRK_MOD_EXP, 3, 1, 64);
	k.crk_param[2].crp_nbits = 8193;
	expect_errno("key:input-8193-bits-EINVAL", ioctl(fd, CIOCKEY, &k), EINVAL);
	KOP(CRK_MOD_EXP, 3, 1, 64);
	k.crk_param[3].crp_nbits = 8193;
	expect_errno("key:output-8193-bits-EINVAL", ioctl(fd, CIOCKEY, &k), EINVAL);
	KOP(CRK_MOD_EXP, 3, 1, 64);
	k.crk_param[0].crp_nbits = 0xffffffffu;
	expect_errno("key:input-0xffffffff-bits-EINVAL", ioctl(fd, CIOCKEY, &k), EINVAL);
	KOP(CRK_MOD_EXP, 3, 1, 64);
	memset(num + 16, 0, 8);
	expect_errno("key:modulus-0-EINVAL", ioctl(fd, CIOCKEY, &k), EINVAL);
	memset(num + 16, 5, 8);
	/* pointers */
	expect_errno("key:arg-NULL-EFAULT", ioctl(fd, CIOCKEY, NULL), EFAULT);
	expect_errno("key:arg-PROT_NONE-EFAULT", ioctl(fd, CIOCKEY, noaccess), EFAULT);
	KOP(CRK_MOD_EXP, 3, 1, 64);
	k.crk_param[0].crp_p = NULL;
	expect_errno("key:input-NULL-EFAULT", ioctl(fd, CIOCKEY, &k), EFAULT);
	KOP(CRK_MOD_EXP, 3, 1, 64);
	k.crk_param[1].crp_p = noaccess;
	expect_errno("key:input-PROT_NONE-EFAULT", ioctl(fd, CIOCKEY, &k), EFAULT);
	KOP(CRK_MOD_EXP, 3, 1, 64);
	k.crk_param[3].crp_p = noaccess - 4;
	expect_errno("key:output-straddles-PROT_NONE-EFAULT", ioctl(fd, CIOCKEY, &k), EFAULT);
	KOP(CRK_MOD_EXP, 3, 1, 64);
	k.crk_param[3].crp_p = (__u8 *)(uintptr_t)"read-only output";
	expect_errno("key:output-read-only-EFAULT", ioctl(fd, CIOCKEY, &k), EFAULT);
#undef KOP
}

static void authcrypt_requests(void)
{
	static const uint8_t gkey[16] = { 1, 2, 3, 4 }, mackey[20] = { 5 };
	uint8_t *src = page + 512, *dst = page + 1024, *aad = page + 256, iv[16] = { 0 };
	uint8_t *big = malloc(4097);
	uint32_t gcm, cbc_hmac, ctr_hmac, sha, bad = 0x7e57ab1e;
	struct crypt_auth_op back;

	memset(src, 1, 64);
	memset(aad, 2, 32);
	memset(big, 3, 4097);
	if (need_session("authcrypt:setup", fd, CRYPTO_AES_GCM, gkey, 16, 0, NULL, 0, &gcm) ||
	    need_session("authcrypt:setup", fd, CRYPTO_AES_CBC, gkey, 16, CRYPTO_SHA1_HMAC, mackey,
			 20, &cbc_hmac) ||
	    need_session("authcrypt:setup", fd, CRYPTO_AES_CTR, gkey, 16, CRYPTO_SHA1_HMAC, mackey,
			 20, &ctr_hmac) ||
	    need_session("authcrypt:setup", fd, 0, NULL, 0, CRYPTO_SHA2_256, NULL, 0, &sha)) {
		free(big);
		return;
	}
	while (bad == gcm || bad == cbc_hmac || bad == ctr_hmac || bad == sha)
		bad++;
#define AC(name_, err_, ...)                                                                  \
	expect_errno((name_), cd_authcrypt(fd, &(struct authcrypt_args){ __VA_ARGS__ }, &back), \
		     (err_))

	AC("authcrypt:gcm-ok", 0, .ses = gcm, .auth_src = aad, .auth_len = 32, .src = src,
	   .dst = dst, .len = 64, .iv = iv);
	AC("authcrypt:unknown-session-EINVAL", EINVAL, .ses = bad, .src = src, .dst = dst,
	   .len = 64, .iv = iv);
	AC("authcrypt:hash-only-session-EINVAL", EINVAL, .ses = sha, .src = src, .dst = dst,
	   .len = 64, .iv = iv);
	AC("authcrypt:cipher+hmac-without-mode-flag-EINVAL", EINVAL, .ses = cbc_hmac, .src = src,
	   .dst = dst, .len = 64, .iv = iv);
	AC("authcrypt:op-2-EINVAL", EINVAL, .ses = gcm, .op = 2, .src = src, .dst = dst, .len = 64,
	   .iv = iv);
	AC("authcrypt:auth_len-4097-EINVAL", EINVAL, .ses = gcm, .auth_src = big,
	   .auth_len = 4097, .src = src, .dst = dst, .len = 64, .iv = iv);
	AC("authcrypt:tag_len-17-EINVAL", EINVAL, .ses = gcm, .src = src, .dst = dst, .len = 64,
	   .tag_len = 17, .iv = iv);
	AC("authcrypt:decrypt-shorter-than-tag-EINVAL", EINVAL, .ses = gcm, .op = COP_DECRYPT,
	   .src = src, .dst = dst, .len = 15, .iv = iv);
	AC("authcrypt:decrypt-bad-tag-EBADMSG", EBADMSG, .ses = gcm, .op = COP_DECRYPT,
	   .src = src, .dst = dst, .len = 64, .iv = iv);
	AC("authcrypt:tls-not-in-place-EINVAL", EINVAL, .ses = cbc_hmac,
	   .flags = COP_FLAG_AEAD_TLS_TYPE, .auth_src = aad, .auth_len = 13, .src = src,
	   .dst = dst, .len = 32, .iv = iv);
	AC("authcrypt:srtp-on-cbc-EINVAL", EINVAL, .ses = cbc_hmac,
	   .flags = COP_FLAG_AEAD_SRTP_TYPE, .auth_src = src, .auth_len = 48, .src = src + 16,
	   .dst = src + 16, .len = 32, .tag = dst, .iv = iv);
	AC("authcrypt:srtp-header-257-EINVAL", EINVAL, .ses = ctr_hmac,
	   .flags = COP_FLAG_AEAD_SRTP_TYPE, .auth_src = src - 257, .auth_len = 257 + 32,
	   .src = src, .dst = src, .len = 32, .tag = dst, .iv = iv);
	/* pointers */
	expect_errno("authcrypt:arg-NULL-EFAULT", ioctl(fd, CIOCAUTHCRYPT, NULL), EFAULT);
	expect_errno("authcrypt:arg-PROT_NONE-EFAULT", ioctl(fd, CIOCAUTHCRYPT, noaccess), EFAULT);
	AC("authcrypt:auth_src-PROT_NONE-EFAULT", EFAULT, .ses = gcm, .auth_src = noaccess,
	   .auth_len = 32, .src = src, .dst = dst, .len = 64, .iv = iv);
	AC("authcrypt:auth_src-NULL-EFAULT", EFAULT, .ses = gcm, .auth_src = NULL,
	   .auth_len = 32, .src = src, .dst = dst, .len = 64, .iv = iv);
	AC("authcrypt:src-PROT_NONE-EFAULT", EFAULT, .ses = gcm, .src = noaccess - 16, .dst = dst,
	   .len = 64, .iv = iv);
	AC("authcrypt:dst-PROT_NONE-EFAULT", EFAULT, .ses = gcm, .src = src, .dst = noaccess - 32,
	   .len = 64, .iv = iv);
	AC("authcrypt:dst-read-only-EFAULT", EFAULT, .ses = gcm, .src = src,
	   .dst = (void *)(uintptr_t)"a read-only string literal of enough bytes for 64+16 bytes "
				    "of ciphertext and tag........",
	   .len = 64, .iv = iv);
	AC("authcrypt:iv-PROT_NONE-EFAULT", EFAULT, .ses = gcm, .src = src, .dst = dst, .len = 64,
	   .iv = noaccess - 4);
	AC("authcrypt:srtp-tag-PROT_NONE-EFAULT", EFAULT, .ses = ctr_hmac,
	   .flags = COP_FLAG_AEAD_SRTP_TYPE, .auth_src = src, .auth_len = 48, .src = src + 16,
	   .dst = src + 16, .len = 32, .tag = noaccess - 4, .tag_len = 10, .iv = iv);
	AC("authcrypt:session-usable-after-errors", 0, .ses = gcm, .auth_src = aad,
	   .auth_len = 32, .src = src, .dst = dst, .len = 64, .iv = iv);
#undef AC
	drop_session("authcrypt:free", fd, gcm);
	drop_session("authcrypt:free", fd, cbc_hmac);
	drop_session("authcrypt:free", fd, ctr_hmac);
	drop_session("authcrypt:free", fd, sha);
	free(big);
}

static void async_requests(void)
{
	static const uint8_t akey[16] = { 9 };
	uint8_t src[32], dst[32], iv[16] = { 0 };
	struct crypt_op c;
	uint32_t ses;

	memset(src, 4, sizeof(src));
	memset(&c, 0, sizeof(c));
	expect_errno("async:fetch-nothing-queued-EBUSY", ioctl(fd, CIOCASYNCFETCH, &c), EBUSY);
	if (need_session("async:setup", fd, CRYPTO_AES_CBC, akey, 16, 0, NULL, 0, &ses) != 0)
		return;
	c.ses = ses;
	c.len = 32;
	c.src = src;
	c.dst = dst;
	c.iv = iv;
	c.flags = COP_FLAG_NO_ZC;
	expect_errno("async:submit-NO_ZC-EINVAL", ioctl(fd, CIOCASYNCCRYPT, &c), EINVAL);
	c.flags = 0;
	c.ses = ses + 1;
	expect_errno("async:submit-unknown-session-EINVAL", ioctl(fd, CIOCASYNCCRYPT, &c), EINVAL);
	c.ses = ses;
	expect_errno("async:submit-arg-NULL-EFAULT", ioctl(fd, CIOCASYNCCRYPT, NULL), EFAULT);
	c.src = noaccess;
	expect_errno("async:submit-src-PROT_NONE-EFAULT", ioctl(fd, CIOCASYNCCRYPT, &c), EFAULT);
	c.src = src;
	c.iv = noaccess - 8;
	expect_errno("async:submit-iv-PROT_NONE-EFAULT", ioctl(fd, CIOCASYNCCRYPT, &c), EFAULT);
	c.iv = iv;
	expect_errno("async:nothing-was-queued-EBUSY", ioctl(fd, CIOCASYNCFETCH, &c), EBUSY);
	drop_session("async:free", fd, ses);
}

int main(int argc, char **argv)
{
	dev = device_path(argc, argv);
	test_init("errno");
	note("device %s", dev);
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 1);
	page = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		die("mmap", "%s", errno_name(errno));
	noaccess = page + 4096;
	if (mprotect(noaccess, 4096, PROT_NONE) != 0)
		die("mprotect", "%s", errno_name(errno));
	fd = open_device(dev);
	session_requests();
	crypt_requests();
	ioctl_numbers();
	fd_sharing();
	key_requests();
	authcrypt_requests();
	async_requests();
	xclose("close", fd);
	return test_finish();
}
