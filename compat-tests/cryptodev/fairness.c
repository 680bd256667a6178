/*
 * fairness: one user's lengthy operations do not hold up another user's short ones, and a
 * caller killed while its lengthy operation waits its turn is let go at once
 * (docs/ARCHITECTURE.md, "Lengthy work").
 * - two processes of uid 60001 run 4096-bit CIOCKEY MOD_EXP back to back; meanwhile a
 *   process of uid 60002 runs 16-byte AES-128-CBC encryptions (SP 800-38A F.2.1, block 1)
 *   for SECONDS: every one must be right, the median latency under 200 ms and the worst
 *   under 1 s ("fairness-short-ops"); the daemon serves the lengthy ones on its lane for
 *   lengthy work while its request workers stay free;
 * - the hogs' operations must have completed too ("fairness-lengthy-ops");
 * - NQUEUED processes of uid 60001 each start 4096-bit MOD_EXPs, one after the other until
 *   killed; the last one, queued behind the others on a guest with one vCPU, is SIGKILLed
 *   300 ms later and must be gone within 500 ms ("fairness-killed-while-queued"), not after
 *   the operations ahead of it.
 * Runs as root (it makes DEVICE 0666 for the test users and restores its mode).
 *
 * usage: fairness [DEVICE [SECONDS]]     ("-" keeps a default)
 * defaults: SECONDS 6
 */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOG_UID 60001
#define VICTIM_UID 60002
#define BITS 4096
#define BYTES (BITS / 8)
#define NQUEUED 4

static const char *dev;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void become(uid_t uid)
{
	if (setgroups(0, NULL) != 0 || setgid(uid) != 0 || setuid(uid) != 0) {
		printf("FAIL setuid: %s\n", errno_name(errno));
		_exit(100);
	}
}

static void random_bytes(uint8_t *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = getrandom(buf + done, len - done, 0);

		if (n <= 0) {
			printf("FAIL getrandom: %s\n", errno_name(errno));
			_exit(100);
		}
		done += (size_t)n;
	}
}

/* One 4096-bit MOD_EXP on fresh numbers; the ioctl's result, errno preserved. */
static int mod_exp(int fd)
{
	static uint8_t base[BYTES], exponent[BYTES], modulus[BYTES], result[BYTES];
	struct crypt_kop k;

	random_bytes(base, sizeof(base));
	random_bytes(exponent, sizeof(exponent));
	random_bytes(modulus, sizeof(modulus));
	modulus[0] |= 1;		/* odd */
	modulus[BYTES - 1] |= 0x80;	/* full length (little-endian) */
	base[BYTES - 1] &= 0x7f;	/* below the modulus */
	memset(&k, 0, sizeof(k));
	k.crk_op = CRK_MOD_EXP;
	k.crk_iparams = 3;
	k.crk_oparams = 1;
	k.crk_param[0].crp_p = UPTR(base);
	k.crk_param[0].crp_nbits = BITS;
	k.crk_param[1].crp_p = UPTR(exponent);
	k.crk_param[1].crp_nbits = BITS;
	k.crk_param[2].crp_p = UPTR(modulus);
	k.crk_param[2].crp_nbits = BITS;
	k.crk_param[3].crp_p = UPTR(result);
	k.crk_param[3].crp_nbits = BITS;
	return ioctl(fd, CIOCKEY, &k);
}

/* A hog: MOD_EXP until killed; reports each finished operation as one byte on `done`. */
static void hog(int done)
{
	int fd;

	become(HOG_UID);
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		_exit(101);
	for (;;) {
		char c = mod_exp(fd) == 0 ? 'k' : 'e';

		if (write(done, &c, 1) != 1)
			_exit(102);
	}
}

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The victim: short operations for `seconds`; prints its own check line, exits 0 if it passed. */
static void victim(unsigned seconds)
{
	static const uint8_t key[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
					 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };
	static const uint8_t pt[16] = { 0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96,
					0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a };
	static const uint8_t ct[16] = { 0x76, 0x49, 0xab, 0xac, 0x81, 0x19, 0xb2, 0x46,
					0xce, 0xe9, 0x8e, 0x9b, 0x12, 0xe9, 0x19, 0x7d };
	static double latency[100000];
	struct session_op s;
	unsigned count = 0, wrong = 0;
	double end, worst;
	int fd;

	become(VICTIM_UID);
	fd = open(dev, O_RDWR | O_CLOEXEC);
	memset(&s, 0, sizeof(s));
	s.cipher = CRYPTO_AES_CBC;
	s.keylen = sizeof(key);
	s.key = UPTR(key);
	if (fd < 0 || ioctl(fd, CIOCGSESSION, &s) != 0) {
		printf("# short ops: setting up failed: %s\n", errno_name(errno));
		_exit(1);
	}
	end = now_ms() + seconds * 1e3;
	while (now_ms() < end && count < ARRAY_SIZE(latency)) {
		uint8_t iv[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
		uint8_t out[16];
		double start = now_ms();
		int rc = cd_crypt(fd, s.ses, COP_ENCRYPT, 0, pt, out, sizeof(pt), iv, NULL);

		latency[count++] = now_ms() - start;
		if (rc != 0 || memcmp(out, ct, sizeof(ct)) != 0)
			wrong++;
	}
	qsort(latency, count, sizeof(latency[0]), compare_doubles);
	worst = count ? latency[count - 1] : 0;
	printf("# short ops of another user: %u, %u wrong, median %.1f ms, worst %.1f ms\n",
	       count, wrong, count ? latency[count / 2] : 0.0, worst);
	_exit(count > 0 && wrong == 0 && latency[count / 2] < 200 && worst < 1000 ? 0 : 1);
}

static void short_ops_beside_lengthy_ones(unsigned seconds)
{
	int done[2];
	pid_t hogs[2], v;
	int status = 0;
	char c;
	unsigned ok = 0, errors = 0;

	if (pipe(done) != 0)
		die("pipe", "%s", errno_name(errno));
	for (int i = 0; i < 2; i++) {
		hogs[i] = fork();
		if (hogs[i] == 0) {
			close(done[0]);
			hog(done[1]);
		}
	}
	close(done[1]);
	usleep(300 * 1000); /* the hogs' first operations are under way */
	v = fork();
	if (v == 0)
		victim(seconds);
	waitpid(v, &status, 0);
	for (int i = 0; i < 2; i++) {
		kill(hogs[i], SIGKILL);
		waitpid(hogs[i], NULL, 0);
	}
	while (read(done[0], &c, 1) == 1) {
		if (c == 'k')
			ok++;
		else
			errors++;
	}
	close(done[0]);
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fairness-short-ops",
	      "wrong or slow (see the note above; status %d)", status);
	check(ok > 0 && errors == 0, "fairness-lengthy-ops", "%u done, %u failed", ok, errors);
	note("lengthy ops done meanwhile: %u", ok);
}

static void killed_while_queued(void)
{
	pid_t pids[NQUEUED];
	double killed, gone;
	int status;

	for (int i = 0; i < NQUEUED; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			int fd;

			become(HOG_UID);
			fd = open(dev, O_RDWR | O_CLOEXEC);
			if (fd < 0)
				_exit(101);
			/* Until killed: where an operation is quick (a fast CPU), the last
			 * process still has one waiting or running when the signal comes. */
			for (;;)
				if (mod_exp(fd) != 0)
					_exit(1);
		}
		usleep(20 * 1000);
	}
	usleep(300 * 1000);
	killed = now_ms();
	kill(pids[NQUEUED - 1], SIGKILL);
	waitpid(pids[NQUEUED - 1], &status, 0);
	gone = now_ms();
	check(WIFSIGNALED(status) && gone - killed < 500, "fairness-killed-while-queued",
	      "gone %.0f ms after SIGKILL (status %d)", gone - killed, status);
	note("killed caller gone after %.0f ms", gone - killed);
	for (int i = 0; i < NQUEUED - 1; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
}

int main(int argc, char **argv)
{
	const char *a_seconds = opt_arg(argc, argv, 2);
	unsigned seconds = a_seconds ? (unsigned)parse_u64("seconds", a_seconds) : 6;
	struct stat st;

	dev = device_path(argc, argv);
	test_init("fairness");
	if (stat(dev, &st) != 0)
		die("stat", "%s: %s", dev, errno_name(errno));
	if (chmod(dev, 0666) != 0)
		die("chmod", "%s: %s", dev, errno_name(errno));
	short_ops_beside_lengthy_ones(seconds);
	killed_while_queued();
	if (chmod(dev, st.st_mode & 07777) != 0)
		fail("chmod", "restoring %s: %s", dev, errno_name(errno));
	return test_finish();
}
