/*
 * datapath: the C client of the data-path benchmark (benches/datapath.rs). Linked with the
 * host's libcrypto, which is both the in-process baseline and the reference every other
 * target's output is checked against before it is timed.
 *
 * usage:
 *   datapath cell TARGET WORKLOAD MILLIS START SIZE...
 *   datapath rtt DEVICE MILLIS
 *   datapath count DEVICE WORKLOAD SIZE OPS
 *   datapath copy MILLIS SIZE...
 *   datapath pair DEVICE MILLIS
 *
 * TARGET is "openssl" (EVP in this process), "afalg" (the kernel's AF_ALG sockets, no device)
 * or a cryptodev device path. WORKLOAD is one of
 *   aes-128-cbc   encryption, the IV passed with each call, separate source and destination;
 *   sha256        one-shot digest (CIOCCRYPT flags 0);
 *   aes-128-gcm   encryption through CIOCAUTHCRYPT on a plain AEAD session, 12-byte IV,
 *                 16 bytes of AAD, 16-byte tag appended to the ciphertext.
 *
 * cell: for each SIZE, one operation is compared with OpenSSL's answer (a mismatch prints
 * "FAIL ..." and exits 1), operations run untimed for MILLIS/10 milliseconds, then in a loop
 * for MILLIS milliseconds:
 *   RESULT <workload> <size> <operations> <nanoseconds> <start> <end>
 * <start> and <end> are CLOCK_REALTIME nanoseconds, so that the caller can add up several
 * processes; START (CLOCK_REALTIME nanoseconds, 0 for "now") is when timing begins, which
 * lines up processes started one after the other. A device refusing a size with E2BIG (CUSE's
 * RETRY protocol carries at most 128 KiB per direction) prints
 *   NA <workload> <size> E2BIG
 * and the OpenSSL target also prints "CHECK <workload> <size> <sha256 of the output>" for
 * implementations checked outside this program.
 *
 * rtt: an ioctl the device does not know (_IOWR('c', 200, __u32)) in a loop: the bare cost of
 * one round trip through the device. Every call must fail; it prints
 *   RESULT rtt 0 <failed calls> <nanoseconds> <start> <end>
 *
 * copy: what the daemon's direct memory mode adds to a round trip, measured without it: a
 * child process holds a buffer, and this process reads SIZE bytes of it with one
 * process_vm_readv and writes them back with one process_vm_writev, in a loop for MILLIS
 * milliseconds, for each SIZE:
 *   RESULT copy <size> <pairs> <nanoseconds> <start> <end>
 *
 * pair: a 16-byte AES-128-CBC CIOCCRYPT and an unknown ioctl, alternating on one open file
 * for MILLIS milliseconds, each call timed on its own, so that both see the same machine
 * state and their ratio holds even when the emulated machine's speed drifts:
 *   RESULT pair 16 <pairs> <nanoseconds in CIOCCRYPT> <nanoseconds in the unknown ioctl>
 *
 * count: opens a session and checks one operation, prints "READY", waits for a line on stdin,
 * runs exactly OPS operations, prints "DONE" and waits for another line before closing, so
 * that the caller can read the daemon's counters around exactly those operations.
 */
#define _GNU_SOURCE
#include <crypto/cryptodev.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_alg.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SOL_ALG
#define SOL_ALG 279
#endif

#define UPTR(p) ((__u8 *)(uintptr_t)(p))
#define UNKNOWN_IOCTL _IOWR('c', 200, __u32)
#define MAX_SIZE (1u << 20)
#define AAD_LEN 16
#define TAG_LEN 16
#define GCM_IV_LEN 12
/* AF_ALG keeps a whole AEAD request in the socket buffer; room for 1 MiB and more. */
#define ALG_SOCKBUF (4 << 20)

enum workload { AES_CBC, SHA256, AES_GCM };

static const char *const workload_names[] = { "aes-128-cbc", "sha256", "aes-128-gcm" };

/* The same inputs as the RustCrypto side of the benchmark (benches/datapath.rs). */
static uint8_t key[16], cbc_iv[16], gcm_iv[GCM_IV_LEN], aad[AAD_LEN];
static uint8_t *input, *output, *reference;

static void fail(const char *what)
{
	printf("FAIL %s: %s\n", what, strerror(errno));
	fflush(stdout);
	exit(1);
}

static void failx(const char *what)
{
	printf("FAIL %s\n", what);
	fflush(stdout);
	exit(1);
}

static void fill_inputs(void)
{
	unsigned i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)i;
	for (i = 0; i < sizeof(cbc_iv); i++)
		cbc_iv[i] = (uint8_t)(0xa0 + i);
	for (i = 0; i < sizeof(gcm_iv); i++)
		gcm_iv[i] = (uint8_t)(0xb0 + i);
	for (i = 0; i < sizeof(aad); i++)
		aad[i] = (uint8_t)(0xc0 + i);
	input = malloc(MAX_SIZE);
	output = malloc(MAX_SIZE + 2 * TAG_LEN + AAD_LEN);
	reference = malloc(MAX_SIZE + TAG_LEN);
	if (!input || !output || !reference)
		failx("out of memory");
	for (i = 0; i < MAX_SIZE; i++)
		input[i] = (uint8_t)(i * 131 + 17);
}

static enum workload parse_workload(const char *name)
{
	unsigned i;

	for (i = 0; i < sizeof(workload_names) / sizeof(workload_names[0]); i++)
		if (strcmp(name, workload_names[i]) == 0)
			return (enum workload)i;
	fprintf(stderr, "unknown workload %s\n", name);
	exit(2);
}

/* How many bytes of output one operation produces. */
static size_t output_len(enum workload w, size_t size)
{
	switch (w) {
	case AES_CBC:
		return size;
	case SHA256:
		return 32;
	default:
		return size + TAG_LEN;
	}
}

static uint64_t realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void wait_until(uint64_t start)
{
	struct timespec ts;

	if (start == 0)
		return;
	ts.tv_sec = (time_t)(start / 1000000000u);
	ts.tv_nsec = (long)(start % 1000000000u);
	while (clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* ---- OpenSSL (EVP), the baseline and the reference ---- */

static EVP_CIPHER *evp_cbc, *evp_gcm;
static EVP_MD *evp_sha256;
static EVP_CIPHER_CTX *cbc_ctx, *gcm_ctx;
static EVP_MD_CTX *md_ctx;

static void openssl_setup(void)
{
	evp_cbc = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
	evp_gcm = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	evp_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	cbc_ctx = EVP_CIPHER_CTX_new();
	gcm_ctx = EVP_CIPHER_CTX_new();
	md_ctx = EVP_MD_CTX_new();
	if (!evp_cbc || !evp_gcm || !evp_sha256 || !cbc_ctx || !gcm_ctx || !md_ctx)
		failx("OpenSSL setup");
	/* The key schedule is done once, as a cryptodev session does it once. */
	if (EVP_EncryptInit_ex2(cbc_ctx, evp_cbc, key, cbc_iv, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(cbc_ctx, 0) != 1 ||
	    EVP_EncryptInit_ex2(gcm_ctx, evp_gcm, key, gcm_iv, NULL) != 1)
		failx("OpenSSL key setup");
}

/* One operation in process; writes output_len() bytes to `out`. */
static void openssl_op(enum workload w, const uint8_t *in, size_t size, uint8_t *out)
{
	unsigned mdlen;
	int n, ok;

	switch (w) {
	case AES_CBC:
		ok = EVP_EncryptInit_ex2(cbc_ctx, NULL, NULL, cbc_iv, NULL) == 1 &&
		     EVP_EncryptUpdate(cbc_ctx, out, &n, in, (int)size) == 1;
		break;
	case SHA256:
		ok = EVP_DigestInit_ex2(md_ctx, evp_sha256, NULL) == 1 &&
		     EVP_DigestUpdate(md_ctx, in, size) == 1 &&
		     EVP_DigestFinal_ex(md_ctx, out, &mdlen) == 1;
		break;
	default:
		ok = EVP_EncryptInit_ex2(gcm_ctx, NULL, NULL, gcm_iv, NULL) == 1 &&
		     EVP_EncryptUpdate(gcm_ctx, NULL, &n, aad, AAD_LEN) == 1 &&
		     EVP_EncryptUpdate(gcm_ctx, out, &n, in, (int)size) == 1 &&
		     EVP_EncryptFinal_ex(gcm_ctx, out + size, &n) == 1 &&
		     EVP_CIPHER_CTX_ctrl(gcm_ctx, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, out + size) == 1;
		break;
	}
	if (!ok)
		failx("OpenSSL operation");
}

/* ---- a cryptodev device ---- */

struct device {
	int fd;
	uint32_t ses;
	struct crypt_op op;
	struct crypt_auth_op aop;
	uint8_t iv[16];
	uint8_t mac[64];
};

static void device_open(struct device *d, const char *path, enum workload w)
{
	struct session_op s;

	memset(d, 0, sizeof(*d));
	d->fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->fd < 0)
		fail(path);
	memset(&s, 0, sizeof(s));
	switch (w) {
	case AES_CBC:
		s.cipher = CRYPTO_AES_CBC;
		break;
	case SHA256:
		s.mac = CRYPTO_SHA2_256;
		break;
	default:
		s.cipher = CRYPTO_AES_GCM;
		break;
	}
	if (w != SHA256) {
		s.keylen = sizeof(key);
		s.key = UPTR(key);
	}
	if (ioctl(d->fd, CIOCGSESSION, &s) != 0)
		fail("CIOCGSESSION");
	d->ses = s.ses;
}

/* One operation; returns 0 or the errno. */
static int device_op(struct device *d, enum workload w, const uint8_t *in, size_t size,
		     uint8_t *out)
{
	if (w == AES_GCM) {
		memcpy(d->iv, gcm_iv, GCM_IV_LEN);
		memset(&d->aop, 0, sizeof(d->aop));
		d->aop.ses = d->ses;
		d->aop.op = COP_ENCRYPT;
		d->aop.len = (__u32)size;
		d->aop.auth_len = AAD_LEN;
		d->aop.auth_src = UPTR(aad);
		d->aop.src = UPTR(in);
		d->aop.dst = UPTR(out);
		d->aop.tag_len = TAG_LEN;
		d->aop.iv = UPTR(d->iv);
		d->aop.iv_len = GCM_IV_LEN;
		return ioctl(d->fd, CIOCAUTHCRYPT, &d->aop) == 0 ? 0 : errno;
	}
	memset(&d->op, 0, sizeof(d->op));
	d->op.ses = d->ses;
	d->op.op = COP_ENCRYPT;
	d->op.len = (__u32)size;
	d->op.src = UPTR(in);
	if (w == AES_CBC) {
		memcpy(d->iv, cbc_iv, sizeof(cbc_iv));
		d->op.dst = UPTR(out);
		d->op.iv = UPTR(d->iv);
	} else {
		d->op.mac = UPTR(out);
	}
	return ioctl(d->fd, CIOCCRYPT, &d->op) == 0 ? 0 : errno;
}

/* ---- raw AF_ALG ---- */

struct alg {
	int tfm, op;
};

static void alg_open(struct alg *a, enum workload w)
{
	static const char *const types[] = { "skcipher", "hash", "aead" };
	static const char *const names[] = { "cbc(aes)", "sha256", "gcm(aes)" };
	struct sockaddr_alg sa;
	int big = ALG_SOCKBUF;

	memset(&sa, 0, sizeof(sa));
	sa.salg_family = AF_ALG;
	strcpy((char *)sa.salg_type, types[w]);
	strcpy((char *)sa.salg_name, names[w]);
	a->tfm = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (a->tfm < 0)
		fail("socket(AF_ALG)");
	if (bind(a->tfm, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		fail(names[w]);
	if (w != SHA256 && setsockopt(a->tfm, SOL_ALG, ALG_SET_KEY, key, sizeof(key)) != 0)
		fail("ALG_SET_KEY");
	if (w == AES_GCM && setsockopt(a->tfm, SOL_ALG, ALG_SET_AEAD_AUTHSIZE, NULL, TAG_LEN) != 0)
		fail("ALG_SET_AEAD_AUTHSIZE");
	a->op = accept4(a->tfm, NULL, 0, SOCK_CLOEXEC);
	if (a->op < 0)
		fail("accept(AF_ALG)");
	/* Without these a 1 MiB request waits forever for socket buffer space. */
	if (setsockopt(a->op, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) != 0 ||
	    setsockopt(a->op, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big)) != 0)
		fail("SO_SNDBUFFORCE/SO_RCVBUFFORCE");
}

static int read_all(int fd, uint8_t *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = read(fd, buf + done, len - done);
		if (n <= 0)
			return n == 0 ? EIO : errno;
		done += (size_t)n;
	}
	return 0;
}

static int alg_op(struct alg *a, enum workload w, const uint8_t *in, size_t size, uint8_t *out)
{
	/* Operation, IV and AEAD associated length, each in its own control message. */
	union {
		char buf[CMSG_SPACE(sizeof(__u32)) + CMSG_SPACE(sizeof(struct af_alg_iv) + 16) +
			 CMSG_SPACE(sizeof(__u32))];
		struct cmsghdr align;
	} control;
	struct msghdr msg;
	struct cmsghdr *c;
	struct af_alg_iv *iv;
	struct iovec iov[2];
	size_t ivlen = w == AES_GCM ? GCM_IV_LEN : sizeof(cbc_iv);
	int err;

	if (w == SHA256) {
		if (send(a->op, in, size, 0) != (ssize_t)size)
			return errno;
		return read_all(a->op, out, 32);
	}
	memset(&control, 0, sizeof(control));
	memset(&msg, 0, sizeof(msg));
	msg.msg_control = control.buf;
	msg.msg_controllen = CMSG_SPACE(sizeof(__u32)) + CMSG_SPACE(sizeof(*iv) + ivlen) +
			     (w == AES_GCM ? CMSG_SPACE(sizeof(__u32)) : 0);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_OP;
	c->cmsg_len = CMSG_LEN(sizeof(__u32));
	*(__u32 *)CMSG_DATA(c) = ALG_OP_ENCRYPT;
	c = CMSG_NXTHDR(&msg, c);
	c->cmsg_level = SOL_ALG;
	c->cmsg_type = ALG_SET_IV;
	c->cmsg_len = CMSG_LEN(sizeof(*iv) + ivlen);
	iv = (struct af_alg_iv *)CMSG_DATA(c);
	iv->ivlen = (__u32)ivlen;
	memcpy(iv->iv, w == AES_GCM ? gcm_iv : cbc_iv, ivlen);
	if (w == AES_GCM) {
		c = CMSG_NXTHDR(&msg, c);
		c->cmsg_level = SOL_ALG;
		c->cmsg_type = ALG_SET_AEAD_ASSOCLEN;
		c->cmsg_len = CMSG_LEN(sizeof(__u32));
		*(__u32 *)CMSG_DATA(c) = AAD_LEN;
		iov[0].iov_base = aad;
		iov[0].iov_len = AAD_LEN;
		iov[1].iov_base = (void *)in;
		iov[1].iov_len = size;
		msg.msg_iov = iov;
		msg.msg_iovlen = 2;
		if (sendmsg(a->op, &msg, 0) != (ssize_t)(size + AAD_LEN))
			return errno;
		/* The kernel returns the AAD in front of ciphertext and tag. */
		err = read_all(a->op, out, AAD_LEN + size + TAG_LEN);
		if (err == 0)
			memmove(out, out + AAD_LEN, size + TAG_LEN);
		return err;
	}
	iov[0].iov_base = (void *)in;
	iov[0].iov_len = size;
	msg.msg_iov = iov;
	msg.msg_iovlen = 1;
	if (sendmsg(a->op, &msg, 0) != (ssize_t)size)
		return errno;
	return read_all(a->op, out, size);
}

/* ---- the three modes ---- */

enum kind { OPENSSL, AFALG, DEVICE };

struct target {
	enum kind kind;
	struct device dev;
	struct alg alg;
};

static void target_open(struct target *t, const char *name, enum workload w)
{
	if (strcmp(name, "openssl") == 0) {
		t->kind = OPENSSL;
	} else if (strcmp(name, "afalg") == 0) {
		t->kind = AFALG;
		alg_open(&t->alg, w);
	} else {
		t->kind = DEVICE;
		device_open(&t->dev, name, w);
	}
}

static int target_op(struct target *t, enum workload w, size_t size)
{
	switch (t->kind) {
	case OPENSSL:
		openssl_op(w, input, size, output);
		return 0;
	case AFALG:
		return alg_op(&t->alg, w, input, size, output);
	default:
		return device_op(&t->dev, w, input, size, output);
	}
}

static void print_hex(const uint8_t *p, size_t n)
{
	while (n--)
		printf("%02x", *p++);
}

/* One operation compared with OpenSSL's; returns the errno of a refused operation. */
static int verify(struct target *t, enum workload w, size_t size)
{
	size_t n = output_len(w, size);
	char what[96];
	int err;

	openssl_op(w, input, size, reference);
	memset(output, 0x5a, n);
	err = target_op(t, w, size);
	if (err != 0)
		return err;
	if (memcmp(output, reference, n) != 0) {
		snprintf(what, sizeof(what), "verify %s %zu: output differs from OpenSSL's",
			 workload_names[w], size);
		failx(what);
	}
	return 0;
}

/*
 * Runs operations for a tenth of the cell's time before timing: under emulation a fresh
 * process pays for translating its code on first use, which is no part of the data path.
 */
static void warm_up(struct target *t, enum workload w, size_t size, uint64_t millis)
{
	uint64_t deadline = realtime_ns() + millis * 100000u;

	do {
		if (target_op(t, w, size) != 0)
			fail("warm-up");
	} while (realtime_ns() < deadline);
}

static int cmd_cell(int argc, char **argv)
{
	enum workload w = parse_workload(argv[3]);
	uint64_t millis = strtoull(argv[4], NULL, 10), start = strtoull(argv[5], NULL, 10);
	struct target t;
	int i, err;

	target_open(&t, argv[2], w);
	for (i = 6; i < argc; i++) {
		size_t size = strtoul(argv[i], NULL, 10);
		uint64_t begin, end, deadline, ops = 0;
		char what[96];

		if (size == 0 || size > MAX_SIZE)
			failx("bad size");
		err = verify(&t, w, size);
		if (err == E2BIG) {
			printf("NA %s %zu E2BIG\n", workload_names[w], size);
			fflush(stdout);
			continue;
		}
		if (err != 0) {
			errno = err;
			snprintf(what, sizeof(what), "%s %zu", workload_names[w], size);
			fail(what);
		}
		if (t.kind == OPENSSL) {
			uint8_t md[32];
			unsigned mdlen;

			if (EVP_Digest(reference, output_len(w, size), md, &mdlen, evp_sha256, NULL) != 1)
				failx("OpenSSL digest");
			printf("CHECK %s %zu ", workload_names[w], size);
			print_hex(md, sizeof(md));
			printf("\n");
		}
		warm_up(&t, w, size, millis);
		wait_until(start);
		begin = realtime_ns();
		deadline = begin + millis * 1000000u;
		do {
			err = target_op(&t, w, size);
			if (err != 0) {
				errno = err;
				snprintf(what, sizeof(what), "%s %zu (timed)", workload_names[w], size);
				fail(what);
			}
			ops++;
			end = realtime_ns();
		} while (end < deadline);
		printf("RESULT %s %zu %llu %llu %llu %llu\n", workload_names[w], size,
		       (unsigned long long)ops, (unsigned long long)(end - begin),
		       (unsigned long long)begin, (unsigned long long)end);
		fflush(stdout);
	}
	return 0;
}

static int cmd_rtt(char **argv)
{
	uint64_t millis = strtoull(argv[3], NULL, 10), begin, end, deadline, ops = 0;
	__u32 value = 0;
	int fd = open(argv[2], O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fail(argv[2]);
	begin = realtime_ns();
	deadline = begin + millis * 1000000u;
	do {
		if (ioctl(fd, UNKNOWN_IOCTL, &value) == 0)
			failx("an unknown ioctl succeeded");
		ops++;
		end = realtime_ns();
	} while (end < deadline);
	printf("RESULT rtt 0 %llu %llu %llu %llu\n", (unsigned long long)ops,
	       (unsigned long long)(end - begin), (unsigned long long)begin,
	       (unsigned long long)end);
	return 0;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmd_pair(char **argv)
{
	uint64_t millis = strtoull(argv[3], NULL, 10), deadline, t0, t1, t2;
	uint64_t in_crypt = 0, in_rtt = 0, pairs = 0;
	struct target t;
	__u32 value = 0;
	int err;

	target_open(&t, argv[2], AES_CBC);
	err = verify(&t, AES_CBC, 16);
	if (err != 0) {
		errno = err;
		fail("pair");
	}
	deadline = monotonic_ns() + millis * 1000000u;
	do {
		t0 = monotonic_ns();
		err = target_op(&t, AES_CBC, 16);
		t1 = monotonic_ns();
		if (err != 0) {
			errno = err;
			fail("pair CIOCCRYPT");
		}
		if (ioctl(t.dev.fd, UNKNOWN_IOCTL, &value) == 0)
			failx("an unknown ioctl succeeded");
		t2 = monotonic_ns();
		in_crypt += t1 - t0;
		in_rtt += t2 - t1;
		pairs++;
	} while (t2 < deadline);
	printf("RESULT pair 16 %llu %llu %llu\n", (unsigned long long)pairs,
	       (unsigned long long)in_crypt, (unsigned long long)in_rtt);
	return 0;
}

static void wait_for_line(void)
{
	char line[16];

	if (!fgets(line, sizeof(line), stdin))
		failx("stdin closed");
}

static int cmd_count(char **argv)
{
	enum workload w = parse_workload(argv[3]);
	size_t size = strtoul(argv[4], NULL, 10);
	uint64_t ops = strtoull(argv[5], NULL, 10), i;
	struct target t;
	int err;

	if (size == 0 || size > MAX_SIZE)
		failx("bad size");
	target_open(&t, argv[2], w);
	err = verify(&t, w, size);
	if (err != 0) {
		errno = err;
		fail("count");
	}
	printf("READY\n");
	fflush(stdout);
	wait_for_line();
	for (i = 0; i < ops; i++) {
		err = target_op(&t, w, size);
		if (err != 0) {
			errno = err;
			fail("count (counted)");
		}
	}
	printf("DONE\n");
	fflush(stdout);
	wait_for_line();
	return 0;
}

static int cmd_copy(int argc, char **argv)
{
	uint64_t millis = strtoull(argv[2], NULL, 10);
	int ready[2], hold[2], i;
	char byte;
	pid_t child;

	if (pipe(ready) != 0 || pipe(hold) != 0)
		fail("pipe");
	child = fork();
	if (child < 0)
		fail("fork");
	if (child == 0) {
		/* input is the child's copy of the buffer, at the same address as the parent's */
		memset(input, 0x5a, MAX_SIZE);
		close(ready[0]);
		close(hold[1]);
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		if (read(hold[0], &byte, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	if (read(ready[0], &byte, 1) != 1)
		failx("the copy child did not start");
	for (i = 3; i < argc; i++) {
		size_t size = strtoul(argv[i], NULL, 10);
		struct iovec local = { output, size }, remote = { input, size };
		uint64_t begin, end, deadline, ops = 0;

		if (size == 0 || size > MAX_SIZE)
			failx("bad size");
		begin = realtime_ns();
		deadline = begin + millis * 1000000u;
		do {
			if (process_vm_readv(child, &local, 1, &remote, 1, 0) != (ssize_t)size)
				fail("process_vm_readv");
			if (process_vm_writev(child, &local, 1, &remote, 1, 0) != (ssize_t)size)
				fail("process_vm_writev");
			ops++;
			end = realtime_ns();
		} while (end < deadline);
		printf("RESULT copy %zu %llu %llu %llu %llu\n", size, (unsigned long long)ops,
		       (unsigned long long)(end - begin), (unsigned long long)begin,
		       (unsigned long long)end);
		fflush(stdout);
	}
	close(hold[1]);
	waitpid(child, NULL, 0);
	return 0;
}

int main(int argc, char **argv)
{
	fill_inputs();
	openssl_setup();
	if (argc >= 7 && strcmp(argv[1], "cell") == 0)
		return cmd_cell(argc, argv);
	if (argc == 4 && strcmp(argv[1], "rtt") == 0)
		return cmd_rtt(argv);
	if (argc == 6 && strcmp(argv[1], "count") == 0)
		return cmd_count(argv);
	if (argc >= 4 && strcmp(argv[1], "copy") == 0)
		return cmd_copy(argc, argv);
	if (argc == 4 && strcmp(argv[1], "pair") == 0)
		return cmd_pair(argv);
	fprintf(stderr, "usage: %s cell TARGET WORKLOAD MILLIS START SIZE...\n"
			"       %s rtt DEVICE MILLIS\n"
			"       %s count DEVICE WORKLOAD SIZE OPS\n"
			"       %s copy MILLIS SIZE...\n"
			"       %s pair DEVICE MILLIS\n",
		argv[0], argv[0], argv[0], argv[0], argv[0]);
	return 2;
}
