/*
 * garbage: robustness. NPROC processes each open the device and issue ITERS random ioctls:
 * half of them real cryptodev request codes of both ABIs (LP64 and ILP32), the rest
 * near-misses of type 'c' and random codes; the argument is NULL, an unmapped or PROT_NONE
 * address, or a buffer of random fields in which pointer-sized fields hold buffer
 * addresses, PROT_NONE addresses, small numbers, lengths up to a few MiB, algorithm and
 * live session ids. Only memory the process owns or addresses nobody owns are ever
 * handed out, so the daemon must EFAULT rather than corrupt the client: every value that
 * could be read as a pointer (under either layout) is checked against /proc/self/maps.
 * Return values are only counted. Afterwards, from a fresh open(), the parent checks that
 * the daemon still answers an AES-CBC and a SHA-256 known answer, and that the daemon's
 * open descriptors are back to what they were before ("daemon-fds-back") and its resident
 * memory within 64 MiB of it ("daemon-rss-back"), read from /proc/DAEMON_PID (root).
 *
 * usage: garbage [DEVICE [NPROC [ITERS [SEED [TIMEOUT_SECS [DAEMON_PID]]]]]]
 * defaults: NPROC 4, ITERS 3000, SEED 0x6761726261676521, TIMEOUT_SECS 900, DAEMON_PID as
 * daemon_pid() in common.h finds it
 */
#include "common.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ARENA (4u << 20)	 /* read/write scratch the daemon may scribble on */
#define RONLY (64u << 10)	 /* read-only: reads work, writes fault */
#define GUARD (16u << 20)	 /* PROT_NONE: everything faults */
#define MARGIN ((uint64_t)16 << 20) /* keep-out zone below foreign mappings (stack growth) */

static const char *dev;
static uint8_t *region; /* ARENA | RONLY | GUARD */

struct span {
	uint64_t lo, hi;
};
static struct span foreign[256];
static int nforeign;

/* The process's mappings other than `region`, widened downwards by MARGIN. */
static void snapshot_maps(void)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	uint64_t rlo = (uintptr_t)region, rhi = rlo + ARENA + RONLY + GUARD;

	if (f == NULL)
		die("maps", "/proc/self/maps: %s", errno_name(errno));
	nforeign = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		unsigned long long lo, hi;

		if (sscanf(line, "%llx-%llx", &lo, &hi) != 2)
			continue;
		if (lo >= rlo && hi <= rhi)
			continue;
		if (nforeign == (int)ARRAY_SIZE(foreign))
			die("maps", "too many mappings");
		foreign[nforeign].lo = lo > MARGIN ? lo - MARGIN : 0;
		foreign[nforeign].hi = hi;
		nforeign++;
	}
	fclose(f);
}

static int dangerous(uint64_t v)
{
	for (int i = 0; i < nforeign; i++)
		if (v >= foreign[i].lo && v < foreign[i].hi)
			return 1;
	return 0;
}

/* Real request codes of both ABIs (docs/ABI.md §1), the hot ones listed twice. */
static const uint32_t real_codes[] = {
	0xc0046365, /* CRIOGET */
	0xc0306366, 0xc01c6366, 0xc0306366, 0xc01c6366, /* CIOCGSESSION LP64 / ILP32 */
	0x40046367, 0x40046367,				 /* CIOCFSESSION */
	0xc0306368, 0xc01c6368, 0xc0306368, 0xc01c6368, /* CIOCCRYPT */
	0xc0906369, 0xc0506369,				 /* CIOCKEY */
	0x8004636a,					 /* CIOCASYMFEAT */
	0xc10c636b, 0xc10c636b,				 /* CIOCGSESSINFO */
	0xc048636d, 0xc02c636d,				 /* CIOCAUTHCRYPT */
	0x4030636e, 0x401c636e,				 /* CIOCASYNCCRYPT */
	0x8030636f, 0x801c636f,				 /* CIOCASYNCFETCH */
	0x40086370, 0x40086370,				 /* CIOCCPHASH */
};

static const uint32_t alg_ids[] = {
	0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 16, 18, 19, 20, 21, 22, 23, 24, 25,
	50, 51, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 999,
};

static uint32_t live[8];
static int nlive;

/* Codes the VFS or the compat layer handle themselves ('T' tty/FIO*, 'X' freeze,
 * 0x94 clone/dedupe, 'f' FS_IOC_*, type 0 FIBMAP/FIGETBSZ): never sent. */
static int vfs_code(uint32_t cmd)
{
	uint32_t type = (cmd >> 8) & 0xff;

	return type == 0x54 || type == 0x58 || type == 0x94 || type == 0x66 || type == 0x00;
}

static uint32_t pick_cmd(rng_t *r)
{
	uint32_t p = rng_below(r, 100), cmd;

	if (p < 50)
		return real_codes[rng_below(r, ARRAY_SIZE(real_codes))];
	if (p < 75) /* near miss: type 'c', random direction / size / nr around the real ones */
		return rng_below(r, 4) << 30 | rng_below(r, 1u << 14) << 16 | 0x63u << 8 |
		       rng_range(r, 96, 120);
	do
		cmd = rng_u32(r);
	while (vfs_code(cmd));
	return cmd;
}

static uint32_t gen_len(rng_t *r)
{
	uint32_t p = rng_below(r, 100);

	if (p < 40)
		return rng_range(r, 0, 64);
	if (p < 75)
		return rng_range(r, 0, 4096);
	if (p < 95)
		return rng_range(r, 0, 256u << 10);
	return rng_range(r, 0, 3u << 20);
}

static uint64_t arena_addr(rng_t *r)
{
	return (uintptr_t)region + rng_below(r, ARENA);
}

static uint64_t bad_addr(rng_t *r)
{
	uint32_t p = rng_below(r, 4);

	if (p == 0)
		return rng_range(r, 0, 0xfff); /* NULL page */
	if (p == 1)
		return (uintptr_t)region + ARENA + rng_below(r, RONLY); /* read-only */
	if (p == 2)
		return (uintptr_t)region + ARENA - rng_range(r, 1, 64); /* straddles into RO */
	return (uintptr_t)region + ARENA + RONLY + rng_below(r, GUARD); /* PROT_NONE */
}

/* A 32-bit field value: small numbers, ids, lengths, addresses, noise. */
static uint32_t gen_word(rng_t *r)
{
	uint32_t p = rng_below(r, 100);

	if (p < 25)
		return rng_range(r, 0, 64);
	if (p < 35)
		return alg_ids[rng_below(r, ARRAY_SIZE(alg_ids))];
	if (p < 45)
		return nlive ? live[rng_below(r, (uint32_t)nlive)] : 0;
	if (p < 60)
		return gen_len(r);
	if (p < 70)
		return 1u << rng_below(r, 16); /* flag bits */
	if (p < 90)
		return (uint32_t)(rng_below(r, 2) ? arena_addr(r) : bad_addr(r));
	return rng_u32(r);
}

/* A pointer-sized field value. */
static uint64_t gen_ptr(rng_t *r)
{
	uint32_t p = rng_below(r, 100);

	if (p < 45)
		return arena_addr(r);
	if (p < 75)
		return bad_addr(r);
	if (p < 85)
		return 0;
	if (sizeof(void *) == 8 && p < 92) /* non-canonical / kernel addresses */
		return (uint64_t)rng_u32(r) << 32 | rng_u32(r) | 0x8000000000000000ull;
	return gen_word(r);
}

/* Fills `len` bytes at p (8-aligned) with fields; then drops every value that could reach
 * memory outside `region` when read as a 32-bit or (LP64) 64-bit pointer. */
static void fill_struct(rng_t *r, uint8_t *p, uint32_t len)
{
	uint32_t slot = (uint32_t)sizeof(void *);

	for (uint32_t off = 0; off + slot <= len; off += slot) {
		uint32_t kind = rng_below(r, 3);

		if (kind == 0) {
			uint64_t v = gen_ptr(r);

			memcpy(p + off, &v, slot); /* little endian: low bytes first */
		} else if (kind == 1) {
			for (uint32_t k = 0; k < slot; k += 4) {
				uint32_t w = gen_word(r);

				memcpy(p + off + k, &w, 4);
			}
		} else {
			rng_fill(r, p + off, slot);
		}
	}
	for (uint32_t off = 0; off + 4 <= len; off += 4) {
		uint32_t w;

		memcpy(&w, p + off, 4);
		if (dangerous(w))
			memset(p + off, 0, 4);
	}
	if (sizeof(void *) == 8)
		for (uint32_t off = 0; off + 8 <= len; off += 8) {
			uint64_t v;

			memcpy(&v, p + off, 8);
			if (dangerous(v))
				memset(p + off, 0, 8);
		}
}

static void make_live_sessions(int fd, rng_t *r)
{
	static const struct {
		uint32_t cipher, keylen, mac, mackeylen;
	} s[] = {
		{ CRYPTO_AES_CBC, 16, 0, 0 },	     { CRYPTO_AES_CTR, 32, 0, 0 },
		{ 0, 0, CRYPTO_SHA2_256, 0 },	     { 0, 0, CRYPTO_SHA1_HMAC, 20 },
		{ CRYPTO_AES_CBC, 24, CRYPTO_SHA2_256_HMAC, 32 }, { CRYPTO_NULL, 0, 0, 0 },
		{ CRYPTO_DES_CBC, 8, 0, 0 },	     { 0, 0, CRYPTO_MD5, 0 },
	};
	uint8_t key[64];

	nlive = 0;
	rng_fill(r, key, sizeof(key));
	for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
		uint32_t ses;

		if (sess_create(fd, s[i].cipher, s[i].keylen ? key : NULL, s[i].keylen, s[i].mac,
				s[i].mackeylen ? key : NULL, s[i].mackeylen, &ses) == 0)
			live[nlive++] = ses;
	}
}

static int child(int id, uint32_t iters, uint64_t seed)
{
	rng_t r;
	uint32_t counts[160] = { 0 }, other = 0, ok = 0, reopen = 0;
	int fd;
	char line[1024];
	size_t off;

	rng_seed(&r, fnv64_u32(fnv64(FNV64_INIT, &seed, sizeof(seed)), (uint32_t)id));
	region = mmap(NULL, ARENA + RONLY + GUARD, PROT_NONE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE
#ifdef MAP_32BIT
			      | MAP_32BIT
#endif
		      , -1, 0);
	if (region == MAP_FAILED)
		return 100;
	if (mprotect(region, ARENA, PROT_READ | PROT_WRITE) != 0 ||
	    mprotect(region + ARENA, RONLY, PROT_READ) != 0)
		return 101;
	rng_fill(&r, region, ARENA);
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 102;
	make_live_sessions(fd, &r);
	snapshot_maps();

	for (uint32_t i = 0; i < iters; i++) {
		uint32_t cmd = pick_cmd(&r), p = rng_below(&r, 100);
		unsigned long arg;
		int rc;

		if (p < 8) {
			arg = (unsigned long)bad_addr(&r);
		} else if (p < 12) {
			arg = 0;
		} else {
			uint32_t at = rng_below(&r, ARENA - 1024) & ~7u;

			fill_struct(&r, region + at, 512);
			/* often a live session in the ses field (offset 0 of crypt_op,
			 * session_info_op, and dst_ses of cphash_op) */
			if (nlive && rng_below(&r, 3) == 0)
				memcpy(region + at, &live[rng_below(&r, (uint32_t)nlive)], 4);
			arg = (unsigned long)(uintptr_t)(region + at);
		}
		rc = ioctl(fd, cmd, arg);
		if (rc == 0)
			ok++;
		else if (rc < 0 && errno < (int)ARRAY_SIZE(counts))
			counts[errno]++;
		else
			other++;
		/* now and then: a new open file (the old one's sessions die with it) */
		if (rng_below(&r, 500) == 0) {
			if (close(fd) != 0)
				return 104;
			fd = open(dev, O_RDWR | O_CLOEXEC);
			if (fd < 0)
				return 103;
			make_live_sessions(fd, &r);
			reopen++;
		}
	}
	if (close(fd) != 0)
		return 104;
	off = (size_t)snprintf(line, sizeof(line), "child %d: %u ioctls, %u reopens, ok=%u", id,
			       iters, reopen, ok);
	for (int e = 1; e < (int)ARRAY_SIZE(counts); e++)
		if (counts[e])
			off += (size_t)snprintf(line + off, sizeof(line) - off, " %s=%u",
						errno_name(e), counts[e]);
	if (other)
		snprintf(line + off, sizeof(line) - off, " other=%u", other);
	note("%s", line);
	return 0;
}

/* The post-check, in a child of its own so a dead daemon cannot hang the parent. */
static int final_check(void)
{
	static const char *k = "h:2b7e151628aed2a6abf7158809cf4f3c";
	static const char *iv = "h:000102030405060708090a0b0c0d0e0f";
	static const char *pt = "h:6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51";
	static const char *ct = "h:7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2";
	static const char *d = "h:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	size_t kl, ivl, ptl, ctl, dl;
	uint8_t *key = spec_bytes(k, &kl), *ivb = spec_bytes(iv, &ivl), *p = spec_bytes(pt, &ptl);
	uint8_t *c = spec_bytes(ct, &ctl), *dg = spec_bytes(d, &dl), out[64];
	uint32_t ses;
	int fd = open(dev, O_RDWR | O_CLOEXEC), code = 0;

	if (fd < 0) {
		note("final check: open: %s", errno_name(errno));
		return 8;
	}
	if (sess_create(fd, CRYPTO_AES_CBC, key, 16, 0, NULL, 0, &ses) != 0 ||
	    cd_crypt(fd, ses, COP_ENCRYPT, 0, p, out, (uint32_t)ptl, ivb, NULL) != 0) {
		note("final check: AES-CBC: %s", errno_name(errno));
		code |= 1;
	} else if (memcmp(out, c, ctl) != 0) {
		note("final check: AES-CBC expected %s got %s", hexstr(c, ctl), hexstr(out, ctl));
		code |= 1;
	}
	if (sess_create(fd, 0, NULL, 0, CRYPTO_SHA2_256, NULL, 0, &ses) != 0 ||
	    cd_crypt(fd, ses, COP_ENCRYPT, 0, "abc", NULL, 3, NULL, out) != 0) {
		note("final check: SHA-256: %s", errno_name(errno));
		code |= 2;
	} else if (memcmp(out, dg, dl) != 0) {
		note("final check: SHA-256 expected %s got %s", hexstr(dg, dl), hexstr(out, dl));
		code |= 2;
	}
	if (close(fd) != 0) {
		note("final check: close: %s", errno_name(errno));
		code |= 4;
	}
	return code;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits for the pids until the deadline; returns how many are still running. */
static int wait_all(pid_t *pids, int *status, int n, double deadline)
{
	int left = n;

	while (left > 0 && now() < deadline) {
		left = 0;
		for (int i = 0; i < n; i++) {
			if (pids[i] <= 0)
				continue;
			if (waitpid(pids[i], &status[i], WNOHANG) == pids[i])
				pids[i] = -pids[i];
			else
				left++;
		}
		if (left)
			usleep(50000);
	}
	return left;
}

static void describe_status(char *buf, size_t n, int st)
{
	if (WIFEXITED(st))
		snprintf(buf, n, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, n, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(buf, n, "status %#x", st);
}

/* What the daemon holds: open descriptors and resident memory. */
struct vitals {
	long fds;
	long rss_kib;
};

static void read_vitals(pid_t pid, struct vitals *v)
{
	char path[64], line[256];
	struct dirent *e;
	DIR *d;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	if (d == NULL)
		die("daemon-vitals", "%s: %s", path, errno_name(errno));
	v->fds = 0;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			v->fds++;
	closedir(d);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		die("daemon-vitals", "%s: %s", path, errno_name(errno));
	v->rss_kib = -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			v->rss_kib = strtol(line + 6, NULL, 10);
	fclose(f);
}

/* The daemon's vitals once the released files have been closed (RELEASE is asynchronous). */
static void settled_vitals(pid_t pid, const struct vitals *before, struct vitals *after)
{
	double end = now() + 5;

	do {
		read_vitals(pid, after);
		if (after->fds <= before->fds)
			return;
		usleep(50 * 1000);
	} while (now() < end);
}

int main(int argc, char **argv)
{
	const char *a_n = opt_arg(argc, argv, 2), *a_it = opt_arg(argc, argv, 3);
	const char *a_seed = opt_arg(argc, argv, 4), *a_to = opt_arg(argc, argv, 5);
	int nproc = a_n ? (int)parse_u64("nproc", a_n) : 4;
	uint32_t iters = a_it ? (uint32_t)parse_u64("iters", a_it) : 3000;
	uint64_t seed = a_seed ? parse_u64("seed", a_seed) : 0x6761726261676521ULL;
	double timeout = a_to ? (double)parse_u64("timeout", a_to) : 900;
	pid_t pids[64], fin[1], daemon;
	struct vitals before, after;
	int status[64], fst[1];
	double deadline;
	char name[64], what[96];

	dev = device_path(argc, argv);
	test_init("garbage");
	if (nproc < 1 || nproc > 64)
		die("args", "nproc must be 1..64");
	note("device %s, %d processes x %u ioctls, seed %llu, timeout %.0f s", dev, nproc, iters,
	     (unsigned long long)seed, timeout);
	daemon = daemon_pid(argc, argv, 6);
	read_vitals(daemon, &before);
	signal(SIGPIPE, SIG_IGN);
	for (int i = 0; i < nproc; i++) {
		fflush(stdout);
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork", "%s", errno_name(errno));
		if (pids[i] == 0)
			_exit(child(i, iters, seed));
	}
	deadline = now() + timeout;
	if (wait_all(pids, status, nproc, deadline) > 0)
		for (int i = 0; i < nproc; i++)
			if (pids[i] > 0)
				kill(pids[i], SIGKILL);
	for (int i = 0; i < nproc; i++) {
		snprintf(name, sizeof(name), "child-%d-survived", i);
		if (pids[i] > 0) {
			fail(name, "still running after %.0f s (a request the daemon never answered?); "
			     "sent SIGKILL", timeout);
			continue;
		}
		describe_status(what, sizeof(what), status[i]);
		check(WIFEXITED(status[i]) && WEXITSTATUS(status[i]) == 0, name, "%s", what);
	}

	fflush(stdout);
	fin[0] = fork();
	if (fin[0] < 0)
		die("fork", "%s", errno_name(errno));
	if (fin[0] == 0)
		_exit(final_check());
	if (wait_all(fin, fst, 1, now() + 120) > 0) {
		kill(fin[0], SIGKILL);
		fail("daemon-answers-after-garbage", "the post-check did not finish within 120 s");
	} else {
		describe_status(what, sizeof(what), fst[0]);
		if (!WIFEXITED(fst[0]) || WEXITSTATUS(fst[0]) & 12)
			fail("daemon-answers-after-garbage", "%s", what);
		else {
			check(!(WEXITSTATUS(fst[0]) & 1), "aes128-cbc-kat-after-garbage", "%s", what);
			check(!(WEXITSTATUS(fst[0]) & 2), "sha256-kat-after-garbage", "%s", what);
		}
	}
	settled_vitals(daemon, &before, &after);
	check(after.fds <= before.fds, "daemon-fds-back", "%ld descriptors, %ld before",
	      after.fds, before.fds);
	check(after.rss_kib >= 0 && after.rss_kib <= before.rss_kib + 64 * 1024, "daemon-rss-back",
	      "%ld KiB resident, %ld KiB before", after.rss_kib, before.rss_kib);
	note("daemon: %ld -> %ld descriptors, %ld -> %ld KiB resident", before.fds, after.fds,
	     before.rss_kib, after.rss_kib);
	return test_finish();
}
