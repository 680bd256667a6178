/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A minimal raw-protocol CUSE server (no libfuse) for the guest harness self-test.
 *
 *   tiny_cuse NAME
 *
 * Opens /dev/cuse, answers CUSE_INIT (protocol 7.x, minor >= 16, DEVNAME=NAME) and then
 * OPEN, READ and RELEASE: each open file reads GREETING once, then end-of-file. Any other
 * request gets ENOSYS. Runs until killed or until the connection goes away.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/uio.h>
#include <linux/fuse.h>

#define GREETING "hello from tiny_cuse\n"
#define MAX_OPEN 1024

static unsigned char buf[128 * 1024 + 4096];
static unsigned char greeted[MAX_OPEN]; /* per fh: greeting already read */
static uint64_t next_fh = 1;

static int reply(int fd, uint64_t unique, int error, const void *body, size_t len)
{
	struct fuse_out_header out = {
		.len = (uint32_t)(sizeof(out) + len),
		.error = error,
		.unique = unique,
	};
	struct iovec iov[2] = {
		{ .iov_base = &out, .iov_len = sizeof(out) },
		{ .iov_base = (void *)body, .iov_len = len },
	};
	ssize_t n = writev(fd, iov, len ? 2 : 1);

	if (n != (ssize_t)out.len) {
		fprintf(stderr, "tiny_cuse: reply to %llu: %s\n", (unsigned long long)unique,
			n < 0 ? strerror(errno) : "short write");
		return -1;
	}
	return 0;
}

static int handle_init(int fd, const struct fuse_in_header *in, const char *name)
{
	const struct cuse_init_in *init = (const void *)(in + 1);
	struct {
		struct cuse_init_out out;
		char info[256];
	} r;
	int infolen;

	if (in->len < sizeof(*in) + sizeof(*init) || init->major != FUSE_KERNEL_VERSION ||
	    init->minor < 16) {
		fprintf(stderr, "tiny_cuse: unsupported CUSE_INIT\n");
		reply(fd, in->unique, -EPROTO, NULL, 0);
		return -1;
	}
	memset(&r, 0, sizeof(r));
	r.out.major = FUSE_KERNEL_VERSION;
	r.out.minor = init->minor < FUSE_KERNEL_MINOR_VERSION ? init->minor
							      : FUSE_KERNEL_MINOR_VERSION;
	r.out.flags = 0; /* restricted ioctls; none are served anyway */
	r.out.max_read = 65536;
	r.out.max_write = 65536;
	infolen = snprintf(r.info, sizeof(r.info), "DEVNAME=%s", name);
	if (infolen < 0 || (size_t)infolen + 1 > sizeof(r.info)) {
		fprintf(stderr, "tiny_cuse: device name too long\n");
		return -1;
	}
	/* The info block is NUL-separated and must end with a NUL. */
	return reply(fd, in->unique, 0, &r, sizeof(r.out) + (size_t)infolen + 1);
}

int main(int argc, char **argv)
{
	int fd;

	if (argc != 2 || argv[1][0] == '\0') {
		fprintf(stderr, "usage: %s DEVNAME\n", argv[0]);
		return 2;
	}
	fd = open("/dev/cuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "tiny_cuse: open /dev/cuse: %s\n", strerror(errno));
		return 1;
	}
	for (;;) {
		const struct fuse_in_header *in = (const void *)buf;
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			/* ENODEV: the connection was aborted (or the device went away). */
			fprintf(stderr, "tiny_cuse: read /dev/cuse: %s\n", strerror(errno));
			return errno == ENODEV ? 0 : 1;
		}
		if ((size_t)n < sizeof(*in) || in->len != (uint32_t)n) {
			fprintf(stderr, "tiny_cuse: malformed request (%zd bytes)\n", n);
			return 1;
		}
		switch (in->opcode) {
		case CUSE_INIT:
			if (handle_init(fd, in, argv[1]) != 0)
				return 1;
			printf("tiny_cuse: answered CUSE_INIT for /dev/%s\n", argv[1]);
			fflush(stdout);
			break;
		case FUSE_OPEN: {
			struct fuse_open_out open_out;

			memset(&open_out, 0, sizeof(open_out));
			if (next_fh >= MAX_OPEN) {
				if (reply(fd, in->unique, -EMFILE, NULL, 0))
					return 1;
				break;
			}
			open_out.fh = next_fh++;
			open_out.open_flags = FOPEN_DIRECT_IO;
			if (reply(fd, in->unique, 0, &open_out, sizeof(open_out)))
				return 1;
			break;
		}
		case FUSE_READ: {
			const struct fuse_read_in *rd = (const void *)(in + 1);
			size_t len = sizeof(GREETING) - 1;

			if (rd->fh >= MAX_OPEN || greeted[rd->fh])
				len = 0; /* end of file */
			else if (len > rd->size)
				len = rd->size;
			if (rd->fh < MAX_OPEN)
				greeted[rd->fh] = 1;
			if (reply(fd, in->unique, 0, GREETING, len))
				return 1;
			break;
		}
		case FUSE_RELEASE:
			if (reply(fd, in->unique, 0, NULL, 0))
				return 1;
			break;
		case FUSE_INTERRUPT:
			break; /* nothing is ever pending */
		default:
			if (reply(fd, in->unique, -ENOSYS, NULL, 0))
				return 1;
			break;
		}
	}
}
