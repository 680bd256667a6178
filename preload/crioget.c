/*
 * libcryptodev-crioget.so: answers CRIOGET for /dev/crypto served by cryptodev-cuse.
 *
 * CRIOGET asks the driver to install a second file descriptor for the same open file in the
 * caller. A user-space (CUSE) driver cannot touch its caller's descriptor table, but dup()
 * inside the caller does exactly what the kernel module did: a new descriptor, without
 * close-on-exec, sharing the open file and so every session on it. Preload this library into
 * clients that call CRIOGET (OpenSSL 3's devcrypto engine, cryptodev's own tests):
 *
 *     LD_PRELOAD=/usr/lib/cryptodev-cuse/libcryptodev-crioget.so program ...
 *
 * The daemon's FUSE mount mode (--mount DIR) serves the same ioctls from a regular file, which
 * is treated alike. Every other ioctl, and CRIOGET on anything else, goes to the real ioctl().
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <crypto/cryptodev.h>

typedef int (*ioctl_fn)(int, unsigned long, ...);

/* Whether fd is a character device of the kernel's "cuse" class. */
static int is_cuse_device(int fd)
{
	struct stat st;
	char link[64], target[PATH_MAX];
	const char *base;
	ssize_t len;

	if (fstat(fd, &st) != 0 || !S_ISCHR(st.st_mode))
		return 0;
	snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/subsystem",
		 major(st.st_rdev), minor(st.st_rdev));
	len = readlink(link, target, sizeof(target) - 1);
	if (len <= 0)
		return 0;
	target[len] = '\0';
	base = strrchr(target, '/');
	return strcmp(base ? base + 1 : target, "cuse") == 0;
}

/* The file system type of the daemon's FUSE mount, as /proc/self/mountinfo shows it. */
#define MOUNT_FSTYPE "fuse.cryptodev-cuse"

/* Whether fd is a regular file of a cryptodev-cuse mount: the mount whose device number is the
 * file's has that file system type. */
static int is_mount_file(int fd)
{
	struct stat st;
	char line[4096];
	FILE *table;
	int found = 0;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	table = fopen("/proc/self/mountinfo", "re");
	if (table == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), table) != NULL) {
		unsigned int dev_major, dev_minor;
		const char *rest;

		/* mount id, parent id, major:minor, ..., " - " fstype source options */
		if (sscanf(line, "%*u %*u %u:%u", &dev_major, &dev_minor) != 2)
			continue;
		rest = strstr(line, " - ");
		found = rest != NULL && dev_major == major(st.st_dev) &&
			dev_minor == minor(st.st_dev) &&
			strncmp(rest + 3, MOUNT_FSTYPE " ", strlen(MOUNT_FSTYPE) + 1) == 0;
	}
	fclose(table);
	return found;
}

int ioctl(int fd, unsigned long request, ...)
{
	static ioctl_fn real_ioctl;
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);

	if ((unsigned int)request == (unsigned int)CRIOGET &&
	    (is_cuse_device(fd) || is_mount_file(fd))) {
		int copy;

		if (arg == NULL) {
			errno = EFAULT;
			return -1;
		}
		copy = dup(fd);
		if (copy < 0)
			return -1;
		*(__u32 *)arg = (__u32)copy;
		return 0;
	}
	if (real_ioctl == NULL) {
		real_ioctl = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
		if (real_ioctl == NULL) {
			errno = ENOSYS;
			return -1;
		}
	}
	return real_ioctl(fd, request, arg);
}
