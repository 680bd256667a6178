/*
 * throughput: operations per second through a cryptodev device, for the guest benchmark
 * (benches/guest_throughput.rs).
 *
 * usage: throughput DEVICE MILLIS
 *
 * For AES-128-CBC (encryption, the IV passed with each call) and SHA-256 (one-shot digest,
 * flags 0) at 16 B, 1 KiB and 64 KiB: one session each, CIOCCRYPT in a loop for MILLIS
 * milliseconds, then one line per measurement:
 *
 *   RESULT <alg> <bytes> <driver> <hw flag> <operations> <nanoseconds>
 *
 * <driver> is CIOCGSESSINFO's cra_driver_name and <hw flag> its SIOP_FLAG_KERNEL_DRIVER_ONLY
 * bit, so the caller sees which implementation it measured. A failure prints
 * "FAIL <what>: <errno>" and exits 1.
 */
#define _GNU_SOURCE
#include <crypto/cryptodev.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define UPTR(p) ((__u8 *)(uintptr_t)(p))

static const unsigned sizes[] = { 16, 1024, 65536 };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void fail(const char *what)
{
	printf("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Runs one measurement on session `ses` (cipher if `cipher`, else digest). */
static void measure(int fd, const char *alg, uint32_t ses, int cipher, unsigned size,
		    uint64_t millis)
{
	static uint8_t buf[65536], iv[16], mac[64];
	struct session_info_op info;
	struct crypt_op op;
	uint64_t start, end, deadline, ops = 0;

	memset(&info, 0, sizeof(info));
	info.ses = ses;
	if (ioctl(fd, CIOCGSESSINFO, &info) != 0)
		fail("CIOCGSESSINFO");
	memset(&op, 0, sizeof(op));
	op.ses = ses;
	op.op = COP_ENCRYPT;
	op.flags = 0;
	op.len = size;
	op.src = UPTR(buf);
	if (cipher) {
		op.dst = UPTR(buf);
		op.iv = UPTR(iv);
	} else {
		op.mac = UPTR(mac);
	}
	start = now_ns();
	deadline = start + millis * 1000000u;
	do {
		if (ioctl(fd, CIOCCRYPT, &op) != 0)
			fail("CIOCCRYPT");
		ops++;
		end = now_ns();
	} while (end < deadline);
	printf("RESULT %s %u %s %u %llu %llu\n", alg, size,
	       cipher ? info.cipher_info.cra_driver_name : info.hash_info.cra_driver_name,
	       info.flags & SIOP_FLAG_KERNEL_DRIVER_ONLY, (unsigned long long)ops,
	       (unsigned long long)(end - start));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static const uint8_t key[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
					 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };
	struct session_op aes, sha;
	uint64_t millis;
	unsigned i;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s DEVICE MILLIS\n", argv[0]);
		return 2;
	}
	millis = strtoull(argv[2], NULL, 10);
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fail("open");

	memset(&aes, 0, sizeof(aes));
	aes.cipher = CRYPTO_AES_CBC;
	aes.keylen = sizeof(key);
	aes.key = UPTR(key);
	if (ioctl(fd, CIOCGSESSION, &aes) != 0)
		fail("CIOCGSESSION aes-128-cbc");
	memset(&sha, 0, sizeof(sha));
	sha.mac = CRYPTO_SHA2_256;
	if (ioctl(fd, CIOCGSESSION, &sha) != 0)
		fail("CIOCGSESSION sha256");

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		measure(fd, "aes-128-cbc", aes.ses, 1, sizes[i], millis);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		measure(fd, "sha256", sha.ses, 0, sizes[i], millis);

	ioctl(fd, CIOCFSESSION, &aes.ses);
	ioctl(fd, CIOCFSESSION, &sha.ses);
	close(fd);
	return 0;
}
