/*
 * load: many clients at once, SIGKILLed at random mid-operation, and every answer right;
 * nothing leaks.
 * - NPROC processes (uid 60003, so that they share one user's limits) run for SECONDS:
 *   each opens the device, makes sessions and runs known answers in a loop (AES-128-CBC
 *   SP 800-38A F.2.1 over 64 bytes, SHA-256 of "abc", HMAC-SHA256 RFC 4231 case 2, and
 *   AES-256-CTR round trips of random lengths through two sessions), sometimes freeing its
 *   sessions, sometimes leaving them to close(); each answer is reported to the parent;
 * - the parent SIGKILLs a random client every 50-250 ms and starts a new one;
 * - "load-answers": every answer was right, and there were at least NPROC of them;
 * - "load-sessions-closed": the daemon's statistics (SIGUSR1, STATS_FILE) count as many
 *   sessions live afterwards as before; "load-fds-back": its descriptors are back.
 * Runs as root (it makes DEVICE 0666 for the clients and restores its mode).
 *
 * usage: load [DEVICE [NPROC [SECONDS [SEED [STATS_FILE [DAEMON_PID]]]]]]
 * defaults: NPROC 8, SECONDS 15, SEED 1, STATS_FILE /tmp/cryptodev-stats
 */
#include "common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CLIENT_UID 60003
#define MAX_PROC 32

static const char *dev;

static const uint8_t cbc_key[16] = { 0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
				     0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c };
static const char cbc_pt[] = "h:6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
			     "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
static const char cbc_ct[] = "h:7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
			     "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7";
static const char sha_abc[] =
	"h:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
static const char hmac_key[] = "t:Jefe";
static const char hmac_msg[] = "t:what do ya want for nothing?";
static const char hmac_out[] =
	"h:5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One answer to the parent: 'o' right, 'w' wrong (a write of one byte is atomic). */
static void report(int out, int right)
{
	char c = right ? 'o' : 'w';

	if (write(out, &c, 1) != 1)
		_exit(2);
}

static int same(const uint8_t *a, const uint8_t *b, size_t len)
{
	return memcmp(a, b, len) == 0;
}

static void client(int out, uint64_t seed)
{
	size_t pt_len, ct_len, sha_len, hk_len, hm_len, ho_len;
	uint8_t *pt = spec_bytes(cbc_pt, &pt_len), *ct = spec_bytes(cbc_ct, &ct_len);
	uint8_t *sha = spec_bytes(sha_abc, &sha_len);
	uint8_t *hk = spec_bytes(hmac_key, &hk_len), *hm = spec_bytes(hmac_msg, &hm_len);
	uint8_t *ho = spec_bytes(hmac_out, &ho_len);
	static uint8_t buf[65536], back[65536], mid[65536];
	uint8_t ctr_key[32], digest[64];
	rng_t r;

	if (setgroups(0, NULL) != 0 || setgid(CLIENT_UID) != 0 || setuid(CLIENT_UID) != 0)
		_exit(3);
	rng_seed(&r, seed);
	rng_fill(&r, ctr_key, sizeof(ctr_key));
	for (;;) {
		uint32_t cbc, sha256, hmac, enc, dec;
		int fd = open(dev, O_RDWR | O_CLOEXEC);

		if (fd < 0) {
			report(out, 0);
			usleep(10000);
			continue;
		}
		if (sess_create(fd, CRYPTO_AES_CBC, cbc_key, 16, 0, NULL, 0, &cbc) != 0 ||
		    sess_create(fd, 0, NULL, 0, CRYPTO_SHA2_256, NULL, 0, &sha256) != 0 ||
		    sess_create(fd, 0, NULL, 0, CRYPTO_SHA2_256_HMAC, hk, (uint32_t)hk_len,
				&hmac) != 0 ||
		    sess_create(fd, CRYPTO_AES_CTR, ctr_key, 32, 0, NULL, 0, &enc) != 0 ||
		    sess_create(fd, CRYPTO_AES_CTR, ctr_key, 32, 0, NULL, 0, &dec) != 0) {
			report(out, 0);
			close(fd);
			continue;
		}
		for (uint32_t round = rng_range(&r, 1, 20); round > 0; round--) {
			uint8_t iv[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
			uint8_t civ[16];
			uint32_t len = rng_range(&r, 1, sizeof(buf));

			report(out, cd_crypt(fd, cbc, COP_ENCRYPT, 0, pt, buf, (uint32_t)pt_len, iv,
					     NULL) == 0 &&
					    same(buf, ct, ct_len));
			report(out, cd_crypt(fd, sha256, COP_ENCRYPT, 0, "abc", NULL, 3, NULL,
					     digest) == 0 &&
					    same(digest, sha, sha_len));
			report(out, cd_crypt(fd, hmac, COP_ENCRYPT, 0, hm, NULL, (uint32_t)hm_len,
					     NULL, digest) == 0 &&
					    same(digest, ho, ho_len));
			rng_fill(&r, buf, len);
			rng_fill(&r, civ, sizeof(civ));
			memcpy(iv, civ, sizeof(iv));
			if (cd_crypt(fd, enc, COP_ENCRYPT, 0, buf, mid, len, iv, NULL) != 0) {
				report(out, 0);
				continue;
			}
			memcpy(iv, civ, sizeof(iv));
			report(out, cd_crypt(fd, dec, COP_DECRYPT, 0, mid, back, len, iv, NULL) == 0 &&
					    same(back, buf, len) && !same(mid, buf, len));
		}
		if (rng_below(&r, 2)) {
			sess_free(fd, cbc);
			sess_free(fd, sha256);
			sess_free(fd, hmac);
			sess_free(fd, enc);
			sess_free(fd, dec);
		}
		close(fd);
	}
}

static pid_t start_client(int out, uint64_t seed)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork", "%s", errno_name(errno));
	if (pid == 0) {
		alarm(600);
		client(out, seed);
	}
	return pid;
}

/* The "# sessions: O opened, C closed, L live" line of a fresh statistics report. */
static long live_sessions(pid_t daemon, const char *stats)
{
	char line[256];
	long live = -1;
	double end = now() + 10;
	FILE *f;

	if (truncate(stats, 0) != 0)
		die("stats", "%s: %s", stats, errno_name(errno));
	if (kill(daemon, SIGUSR1) != 0)
		die("stats", "SIGUSR1: %s", errno_name(errno));
	for (;;) {
		struct stat st;

		if (stat(stats, &st) == 0 && st.st_size > 0)
			break;
		if (now() > end)
			die("stats", "no statistics in %s after SIGUSR1", stats);
		usleep(20000);
	}
	usleep(20000);
	f = fopen(stats, "re");
	if (f == NULL)
		die("stats", "%s: %s", stats, errno_name(errno));
	while (fgets(line, sizeof(line), f) != NULL) {
		long opened, closed, l;

		if (sscanf(line, "# sessions: %ld opened, %ld closed, %ld live", &opened, &closed,
			   &l) == 3)
			live = l;
	}
	fclose(f);
	if (live < 0)
		die("stats", "no sessions line in %s", stats);
	return live;
}

static long open_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	long n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (d == NULL)
		die("fds", "%s: %s", path, errno_name(errno));
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int main(int argc, char **argv)
{
	const char *a_n = opt_arg(argc, argv, 2), *a_s = opt_arg(argc, argv, 3);
	const char *a_seed = opt_arg(argc, argv, 4), *a_stats = opt_arg(argc, argv, 5);
	int nproc = a_n ? (int)parse_u64("nproc", a_n) : 8;
	double seconds = a_s ? (double)parse_u64("seconds", a_s) : 15;
	uint64_t seed = a_seed ? parse_u64("seed", a_seed) : 1;
	const char *stats = a_stats ? a_stats : "/tmp/cryptodev-stats";
	pid_t pids[MAX_PROC], daemon;
	unsigned long right = 0, wrong = 0, kills = 0;
	long live_before, live_after, fds_before, fds_after;
	struct stat st;
	double end, fds_end;
	int answers[2];
	rng_t r;
	char c;

	dev = device_path(argc, argv);
	test_init("load");
	if (nproc < 1 || nproc > MAX_PROC)
		die("args", "NPROC must be 1..%d", MAX_PROC);
	daemon = daemon_pid(argc, argv, 6);
	rng_seed(&r, seed);
	live_before = live_sessions(daemon, stats);
	fds_before = open_fds(daemon);
	if (stat(dev, &st) != 0 || chmod(dev, 0666) != 0)
		die("chmod", "%s: %s", dev, errno_name(errno));
	if (pipe(answers) != 0)
		die("pipe", "%s", errno_name(errno));
	fcntl(answers[0], F_SETFL, O_NONBLOCK);
	for (int i = 0; i < nproc; i++)
		pids[i] = start_client(answers[1], seed * 1000 + (uint64_t)i);
	end = now() + seconds;
	while (now() < end) {
		int victim = (int)rng_below(&r, (uint32_t)nproc);

		usleep(rng_range(&r, 50, 250) * 1000);
		while (read(answers[0], &c, 1) == 1)
			c == 'o' ? right++ : wrong++;
		kill(pids[victim], SIGKILL);
		waitpid(pids[victim], NULL, 0);
		kills++;
		pids[victim] = start_client(answers[1], seed * 1000 + nproc + kills);
	}
	for (int i = 0; i < nproc; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
	close(answers[1]);
	fcntl(answers[0], F_SETFL, 0);
	while (read(answers[0], &c, 1) == 1)
		c == 'o' ? right++ : wrong++;
	close(answers[0]);
	if (chmod(dev, st.st_mode & 07777) != 0)
		fail("chmod", "restoring %s: %s", dev, errno_name(errno));
	note("%lu answers right, %lu wrong, %lu clients killed", right, wrong, kills);
	check(wrong == 0 && right >= (unsigned long)nproc, "load-answers",
	      "%lu right, %lu wrong", right, wrong);

	/* The kernel releases a killed client's open file asynchronously. */
	fds_end = now() + 5;
	do {
		fds_after = open_fds(daemon);
		live_after = live_sessions(daemon, stats);
		if (fds_after <= fds_before && live_after == live_before)
			break;
		usleep(100000);
	} while (now() < fds_end);
	check(live_after == live_before, "load-sessions-closed",
	      "%ld sessions live, %ld before", live_after, live_before);
	check(fds_after <= fds_before, "load-fds-back", "%ld descriptors, %ld before", fds_after,
	      fds_before);
	return test_finish();
}
