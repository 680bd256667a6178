/*
 * limits: the daemon's limits per user (src/limits.rs, docs/ABI.md §4). Each open file is
 * charged to the uid that opened it. Run as root: the program makes DEVICE 0666 for the
 * duration (its mode is restored at the end) and forks two children under uids without a
 * passwd entry, "hog" (uid/gid 60001) and "victim" (uid/gid 60002). The hog:
 * - "limits-files": FILES opens succeed, the next fails with ENFILE; "limits-files-reopen":
 *   closing one makes room for exactly one open again;
 * - "limits-sessions": SESSIONS AES-128-CBC sessions on one file succeed, the next
 *   CIOCGSESSION fails with ENOMEM; "limits-sessions-free": freeing one makes room for one;
 *   "limits-sessions-per-uid": sessions on another open file of the same uid count against
 *   the same limit; "limits-sessions-close": closing a file gives its sessions' room back;
 * - "limits-held-bytes": CIOCASYNCCRYPT jobs of JOB bytes (4 MiB in MODE direct, 64 KiB in
 *   MODE retry), never fetched, spread over several files (at most 63 jobs and 48 MiB per
 *   file, so the per-file queue never is what refuses), are accepted until one is refused
 *   with EBUSY, having accepted between HELD_BYTES/2 - 2 JOB and HELD_BYTES/2 bytes;
 *   "limits-held-bytes-uid": a job of JOB bytes on a file whose queue is empty (which its
 *   own queue always accepts) is EBUSY too, so the uid's limit is what refused;
 *   "limits-held-bytes-fill": jobs of halving sizes down to 16 bytes fill the share to
 *   within 4 KiB; "limits-held-bytes-full": a 16-byte job on the empty queue is EBUSY;
 *   "limits-held-bytes-sync": a synchronous CIOCCRYPT of 4 KiB fails with ENOMEM;
 * - "limits-hog-at-limits": open() is ENFILE and CIOCGSESSION ENOMEM; then, while the
 *   victim runs, the hog keeps submitting, opening and creating sessions, and
 *   "limits-hog-refused": every one of those is refused;
 * - after the victim is done: "limits-fetch-at-limit": still at the limit, a fetch of a
 *   held job succeeds (its bytes are charged already; a client that filled its share must
 *   be able to drain its queue); every file but the first job file is closed with its jobs
 *   unfetched (the fine fill sits on another file, so this frees room); "limits-held-jobs":
 *   the first job file's remaining jobs come back correct (each the prefix of a
 *   synchronous reference whose first 64 bytes are SP 800-38A F.2.1);
 *   "limits-held-bytes-released": once everything is closed, a new file, session,
 *   synchronous CIOCCRYPT and JOB-byte job are accepted and the job's result is correct.
 * The victim, while the hog sits at all its limits: "limits-other-user-open" and
 * "limits-other-user-session" succeed; "limits-other-user": 200 one-block AES-128-CBC
 * encryptions (SP 800-38A F.2.1, first block) are all correct and none takes 2 s or more;
 * "limits-other-user-bytes": a JOB-byte asynchronous job (within its own share) is accepted
 * and equals a synchronous CIOCCRYPT of the same data.
 * Each child prints its own lines and sends its counts to the parent, which prints the one
 * final count line.
 *
 * usage: limits [DEVICE [MODE FILES SESSIONS HELD_BYTES]]     ("-" keeps a default)
 * MODE is the daemon's memory access, direct or retry; FILES, SESSIONS and HELD_BYTES are its
 * --max-files-per-uid, --max-sessions-per-uid and --max-held-bytes.
 * defaults: MODE direct, FILES 64, SESSIONS 1024, HELD_BYTES 100663296
 */
#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HOG_ID 60001
#define VICTIM_ID 60002

#define JOB_DIRECT (4u << 20)
#define JOB_RETRY (64u << 10)
/* Per file: below the daemon's 64 jobs and 64 MiB, so its own queue never refuses. */
#define FILE_JOBS 63u
#define FILE_BYTES (48u << 20)
/* Fine fill: the share is filled to within this. */
#define FILL_SLACK 4096u
#define SYNC_LEN 4096u
#define VICTIM_OPS 200
#define LATENCY_LIMIT_NS 2000000000LL
#define CHILD_TIMEOUT_S 300
#define PARENT_TIMEOUT_S 330
#define POLL_WAIT_MS 30000
/* A release the daemon might see a moment after close() returns: retried for 2 s. */
#define RETRY_TRIES 20
#define RETRY_SLEEP_US 100000

static const char *dev;
static int retry_mode;
static uint32_t files_limit, sessions_limit, job;
static uint64_t share;

/* SP 800-38A F.2.1; src starts with its plaintext. */
static uint8_t *key, *iv0, *ct;
static uint8_t *src, *dst, *ref;

/* The hog's state; allocated before fork(). */
static int *fds;		/* fds[0..files_limit-1] */
static uint32_t nfds;		/* fds[0..nfds-1] are open */
static uint32_t *ids;		/* sessions on fds[0] */
static uint32_t nids;
static uint32_t *ses;		/* the session of each job file and of the empty file */
static uint32_t *queued;	/* unfetched jobs per file */
static uint64_t *qbytes;	/* their bytes */
static uint32_t njobfiles;	/* job files are fds[1..njobfiles] */
static uint32_t cur = 1;	/* job file being filled */
static uint32_t efile;		/* index of the file whose queue stays empty */
static uint64_t held;		/* bytes of accepted, unfetched jobs */

struct report {
	uint32_t passes, failures;
};

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int open_dev(void)
{
	return open(dev, O_RDWR | O_CLOEXEC);
}

/* open() that tolerates ENFILE for a moment after a close() made room. */
static int open_retry(int *tries)
{
	int fd = -1;

	for (*tries = 1; *tries <= RETRY_TRIES; (*tries)++) {
		fd = open_dev();
		if (fd >= 0 || errno != ENFILE)
			break;
		usleep(RETRY_SLEEP_US);
	}
	return fd;
}

static int aes_session(int fd, uint32_t *id)
{
	return sess_create(fd, CRYPTO_AES_CBC, key, 16, 0, NULL, 0, id);
}

/* A CIOCGSESSION that tolerates ENOMEM for a moment after a close() made room. */
static int session_retry(int fd, uint32_t *id)
{
	int rc = -1, tries;

	for (tries = 1; tries <= RETRY_TRIES; tries++) {
		rc = aes_session(fd, id);
		if (rc == 0 || errno != ENOMEM)
			break;
		usleep(RETRY_SLEEP_US);
	}
	if (rc == 0 && tries > 1)
		note("a CIOCGSESSION after a close succeeded at attempt %d", tries);
	return rc;
}

static int submit(int fd, uint32_t id, uint32_t len)
{
	struct crypt_op c;

	memset(&c, 0, sizeof(c));
	c.ses = id;
	c.op = COP_ENCRYPT;
	c.len = len;
	c.src = UPTR(src);
	c.dst = UPTR(dst);
	c.iv = UPTR(iv0);
	return ioctl(fd, CIOCASYNCCRYPT, &c);
}

/* CIOCASYNCFETCH of the next finished job, waiting with poll(); ETIMEDOUT if none comes. */
static int fetch(int fd, struct crypt_op *c)
{
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int rc;

		memset(c, 0, sizeof(*c));
		rc = ioctl(fd, CIOCASYNCFETCH, c);
		if (rc == 0 || errno != EBUSY)
			return rc;
		rc = poll(&p, 1, POLL_WAIT_MS);
		if (rc == 0)
			errno = ETIMEDOUT;
		if (rc <= 0)
			return -1;
	}
}

/* Whether a fetched job wrote the reference's first c->len bytes into dst. */
static int fetched_ok(const struct crypt_op *c, uint32_t len)
{
	return c->len == len && c->dst == UPTR(dst) && memcmp(dst, ref, len) == 0;
}

/*
 * The job size for a uid holding nothing: JOB, or less if the share is small (room for a
 * few jobs, and for a synchronous operation beside them).
 */
static uint32_t idle_len(void)
{
	uint32_t len = job;

	while (len > 16 && 4ULL * len > share)
		len /= 2;
	return len;
}

/* ---- the hog ------------------------------------------------------------------------- */

/* a. Opens FILES files; the next open is ENFILE; closing one makes room for one. */
static int hog_files(void)
{
	int fd, tries;

	for (nfds = 0; nfds < files_limit; nfds++) {
		fds[nfds] = open_dev();
		if (fds[nfds] < 0) {
			fail("limits-files", "open #%u of %u: %s", nfds + 1, files_limit,
			     errno_name(errno));
			return -1;
		}
	}
	fd = open_dev();
	if (fd >= 0) {
		fail("limits-files", "open #%u of a limit of %u succeeded", files_limit + 1,
		     files_limit);
		close(fd);
		return -1;
	}
	if (!expect_errno("limits-files", fd, ENFILE))
		return -1;

	xclose("limits-files-reopen", fds[--nfds]);
	fd = open_retry(&tries);
	if (fd < 0) {
		fail("limits-files-reopen", "open after closing one of %u: %s", files_limit,
		     errno_name(errno));
		return -1;
	}
	fds[nfds++] = fd;
	if (tries > 1)
		note("the open after the close succeeded at attempt %d", tries);
	fd = open_dev();
	if (fd >= 0) {
		close(fd);
		fail("limits-files-reopen", "a second open after closing one succeeded");
		return -1;
	}
	return expect_errno("limits-files-reopen", fd, ENFILE) ? 0 : -1;
}

/* A CIOCGSESSION on fds[i] that must fail with ENOMEM; a session it made is freed. */
static int session_refused(const char *name, uint32_t i, const char *what)
{
	uint32_t id;

	if (aes_session(fds[i], &id) == 0) {
		fail(name, "%s: CIOCGSESSION succeeded", what);
		sess_free(fds[i], id);
		return 0;
	}
	if (errno != ENOMEM) {
		fail(name, "%s: expected ENOMEM, got %s", what, errno_name(errno));
		return 0;
	}
	return 1;
}

/* b. SESSIONS sessions on fds[0]; freeing one or closing a file gives room back. */
static int hog_sessions(void)
{
	uint32_t last = nfds - 1, id;
	int fd, tries;

	for (nids = 0; nids < sessions_limit; nids++) {
		if (aes_session(fds[0], &ids[nids]) != 0) {
			fail("limits-sessions", "session #%u of %u: %s", nids + 1, sessions_limit,
			     errno_name(errno));
			return -1;
		}
	}
	if (!session_refused("limits-sessions", 0, "one session over the limit"))
		return -1;
	pass("limits-sessions");

	drop_session("limits-sessions-free", fds[0], ids[--nids]);
	if (aes_session(fds[0], &ids[nids]) != 0) {
		fail("limits-sessions-free", "CIOCGSESSION after freeing one: %s",
		     errno_name(errno));
		return -1;
	}
	nids++;
	if (!session_refused("limits-sessions-free", 0, "a second one after freeing one"))
		return -1;
	pass("limits-sessions-free");

	/* the room of a session freed on fds[0] is used on another file of the same uid */
	drop_session("limits-sessions-per-uid", fds[0], ids[--nids]);
	if (aes_session(fds[last], &id) != 0) {
		fail("limits-sessions-per-uid", "CIOCGSESSION on another file: %s",
		     errno_name(errno));
		return -1;
	}
	if (!session_refused("limits-sessions-per-uid", last, "a second one on that file"))
		return -1;
	pass("limits-sessions-per-uid");

	/* closing that file gives its session's room back */
	xclose("limits-sessions-close", fds[last]);
	fds[last] = -1;
	fd = open_retry(&tries);
	if (fd < 0) {
		fail("limits-sessions-close", "reopening the closed file: %s", errno_name(errno));
		nfds--;
		return -1;
	}
	fds[last] = fd;
	if (session_retry(fds[0], &ids[nids]) != 0) {
		fail("limits-sessions-close", "CIOCGSESSION after closing a file with a session: %s",
		     errno_name(errno));
		return -1;
	}
	nids++;
	if (!session_refused("limits-sessions-close", 0, "one more after that"))
		return -1;
	pass("limits-sessions-close");
	return 0;
}

/* Files and sessions the byte fill needs: job files, then the empty file. */
static int hog_prepare_bytes(void)
{
	uint32_t per_file = FILE_BYTES / job < FILE_JOBS ? FILE_BYTES / job : FILE_JOBS;
	uint64_t coarse = share / job + 1;
	uint32_t i;

	/* the coarse jobs, then a file for the fine fill and a spare */
	njobfiles = (uint32_t)((coarse + per_file - 1) / per_file) + 2;
	efile = nfds - 1;
	if (njobfiles + 2 > nfds || njobfiles + 2 > nids) {
		fail("limits-held-bytes", "FILES %u and SESSIONS %u are too few to reach a share "
		     "of %llu bytes with %u-byte jobs (%u files needed)", files_limit,
		     sessions_limit, (unsigned long long)share, job, njobfiles + 2);
		return -1;
	}
	/* move sessions from fds[0] to the job files and the empty file */
	for (i = 1; i <= nfds - 1; i++) {
		if (i > njobfiles && i != efile)
			continue;
		drop_session("limits-held-bytes", fds[0], ids[--nids]);
		if (need_session("limits-held-bytes", fds[i], CRYPTO_AES_CBC, key, 16, 0, NULL, 0,
				 &ses[i]) != 0)
			return -1;
	}
	note("held bytes: share %llu, jobs of %u bytes, %u job files", (unsigned long long)share,
	     job, njobfiles);
	return 0;
}

/* Submits a job of len bytes on the next job file with room: 0, -1 (errno), -2 (no file). */
static int place_job(uint32_t len)
{
	while (cur <= njobfiles && (queued[cur] >= FILE_JOBS || qbytes[cur] + len > FILE_BYTES))
		cur++;
	if (cur > njobfiles)
		return -2;
	if (submit(fds[cur], ses[cur], len) != 0)
		return -1;
	queued[cur]++;
	qbytes[cur] += len;
	held += len;
	return 0;
}

/* A submission on the empty file that must be EBUSY. */
static int empty_refused(const char *name, uint32_t len)
{
	int rc = submit(fds[efile], ses[efile], len);

	if (rc == 0) {
		queued[efile]++;
		held += len;
		fail(name, "a %u-byte job on an empty queue was accepted with %llu bytes held "
		     "(share %llu)", len, (unsigned long long)held - len,
		     (unsigned long long)share);
		return 0;
	}
	return expect_errno(name, rc, EBUSY);
}

/* c. Unfetched jobs up to the uid's share of the held bytes. */
static int hog_bytes(void)
{
	uint64_t lo = share > 2ULL * job + 64 ? share - 2ULL * job - 64 : 0;
	uint32_t accepted = 0, len, k;
	uint8_t iv[16];
	int rc;

	memcpy(iv, iv0, 16);
	if (cd_crypt(fds[0], ids[0], COP_ENCRYPT, 0, src, ref, job, iv, NULL) != 0) {
		fail("limits-reference", "CIOCCRYPT of %u bytes: %s", job, errno_name(errno));
		return -1;
	}
	if (!check_bytes("limits-reference", ct, 64, ref, 64))
		return -1;

	for (;;) {
		rc = place_job(job);
		if (rc != 0)
			break;
		accepted++;
		if (held > share) {
			fail("limits-held-bytes", "%u jobs of %u bytes accepted: %llu bytes, over the "
			     "share of %llu", accepted, job, (unsigned long long)held,
			     (unsigned long long)share);
			return -1;
		}
	}
	if (rc == -2) {
		fail("limits-held-bytes", "ran out of job files after %u jobs (%llu bytes)",
		     accepted, (unsigned long long)held);
		return -1;
	}
	if (errno != EBUSY) {
		fail("limits-held-bytes", "job %u: expected EBUSY, got %s", accepted + 1,
		     errno_name(errno));
		return -1;
	}
	note("%u jobs of %u bytes accepted (%llu bytes) before EBUSY; share %llu", accepted, job,
	     (unsigned long long)held, (unsigned long long)share);
	if (!check(held >= lo && held <= share, "limits-held-bytes",
		   "%llu bytes accepted, expected %llu..%llu", (unsigned long long)held,
		   (unsigned long long)lo, (unsigned long long)share))
		return -1;
	if (!empty_refused("limits-held-bytes-uid", job))
		return -1;

	/* fill the rest with halving sizes, on the next file: closing it frees room later */
	if (cur < njobfiles)
		cur++;
	for (len = job / 2; len >= 16; len /= 2) {
		for (k = 0; k < 8; k++) {
			rc = place_job(len);
			if (rc != 0)
				break;
			if (held > share) {
				fail("limits-held-bytes-fill", "%llu bytes accepted, over the share "
				     "of %llu", (unsigned long long)held,
				     (unsigned long long)share);
				return -1;
			}
		}
		if (rc == -2) {
			fail("limits-held-bytes-fill", "ran out of job files (%llu bytes held)",
			     (unsigned long long)held);
			return -1;
		}
		if (rc == -1 && errno != EBUSY) {
			fail("limits-held-bytes-fill", "a %u-byte job: expected EBUSY, got %s", len,
			     errno_name(errno));
			return -1;
		}
	}
	note("filled: %llu bytes held in %u files, %llu below the share",
	     (unsigned long long)held, cur, (unsigned long long)(share - held));
	if (!check(held <= share && held + FILL_SLACK >= share, "limits-held-bytes-fill",
		   "%llu bytes accepted, expected %llu..%llu", (unsigned long long)held,
		   (unsigned long long)(share > FILL_SLACK ? share - FILL_SLACK : 0),
		   (unsigned long long)share))
		return -1;
	if (!empty_refused("limits-held-bytes-full", 16))
		return -1;
	memcpy(iv, iv0, 16);
	rc = cd_crypt(fds[0], ids[0], COP_ENCRYPT, 0, src, dst, SYNC_LEN, iv, NULL);
	return expect_errno("limits-held-bytes-sync", rc, ENOMEM) ? 0 : -1;
}

/* Files and sessions are still at their limits. */
static int hog_at_limits(void)
{
	int fd = open_dev(), e = errno;

	if (fd >= 0) {
		close(fd);
		fail("limits-hog-at-limits", "an open succeeded");
		return -1;
	}
	if (e != ENFILE) {
		fail("limits-hog-at-limits", "open: expected ENFILE, got %s", errno_name(e));
		return -1;
	}
	if (!session_refused("limits-hog-at-limits", 0, "CIOCGSESSION"))
		return -1;
	pass("limits-hog-at-limits");
	return 0;
}

/* Keeps trying what the limits refuse until the victim is done (done_fd readable). */
static void hog_hammer(int done_fd)
{
	uint32_t rounds = 0, accepted = 0, other = 0, id;
	int other_errno = 0;

	for (;;) {
		struct pollfd p = { .fd = done_fd, .events = POLLIN };
		int fd;

		if (poll(&p, 1, 0) != 0)
			break;
		rounds++;
		if (submit(fds[efile], ses[efile], job) == 0) {
			queued[efile]++;
			held += job;
			accepted++;
		} else if (errno != EBUSY) {
			other++;
			other_errno = errno;
		}
		fd = open_dev();
		if (fd >= 0) {
			close(fd);
			accepted++;
		} else if (errno != ENFILE) {
			other++;
			other_errno = errno;
		}
		if (aes_session(fds[0], &id) == 0) {
			sess_free(fds[0], id);
			accepted++;
		} else if (errno != ENOMEM) {
			other++;
			other_errno = errno;
		}
	}
	note("the hog tried %u rounds of a submission, an open and a session while the victim "
	     "ran", rounds);
	check(accepted == 0 && other == 0, "limits-hog-refused",
	      "%u of %u attempts accepted, %u refused with another errno (last %s)", accepted,
	      3 * rounds, other, errno_name(other_errno));
}

/* Fetches the next job of file 1: 1 if it came back correct, 0 if not, -1 if none came. */
static int fetch_checked(const char *name, uint32_t i, uint32_t n)
{
	struct crypt_op c;

	memset(dst, 0xee, job);
	if (fetch(fds[1], &c) != 0) {
		fail(name, "fetch %u of %u: %s", i + 1, n, errno_name(errno));
		return -1;
	}
	if (c.len <= job && fetched_ok(&c, c.len))
		return 1;
	fail(name, "job %u (len %u): result differs from the reference", i + 1, c.len);
	return 0;
}

/*
 * d. Fetches a job while at the limit, closes every file but the first job file (dropping
 * their unfetched jobs), fetches the rest of its jobs, closes it and uses the device again.
 */
static void hog_release(int at_limits)
{
	struct crypt_op c;
	uint32_t i = 0, k, n = njobfiles >= 1 ? queued[1] : 0, good = 0, len = idle_len();
	int fd, tries, rc = -1;
	uint8_t iv[16];
	uint32_t id;

	if (at_limits && n > 0) {
		/* what a client at its limit does: the job's bytes are held already */
		rc = fetch_checked("limits-fetch-at-limit", 0, n);
		if (rc >= 0)
			i = 1;
		if (rc == 1)
			pass("limits-fetch-at-limit");
	}
	note("closing %u files with %llu bytes of unfetched jobs", nfds - 1,
	     (unsigned long long)(held - qbytes[1]));
	for (k = 0; k < nfds; k++) {
		if (k == 1 || fds[k] < 0)
			continue;
		xclose("limits-close", fds[k]);
		fds[k] = -1;
	}
	for (k = i; k < n; k++) {
		rc = fetch_checked("limits-held-jobs", k, n);
		if (rc < 0)
			break;
		good += (uint32_t)rc;
	}
	if (n > i && good == n - i)
		pass("limits-held-jobs");
	note("fetched %u of the %u jobs of the first job file after closing the others", good,
	     n - i);
	if (nfds > 1 && fds[1] >= 0)
		xclose("limits-close", fds[1]);
	nfds = 0;

	fd = open_retry(&tries);
	if (fd < 0) {
		fail("limits-held-bytes-released", "open: %s", errno_name(errno));
		return;
	}
	if (session_retry(fd, &id) != 0) {
		fail("limits-held-bytes-released", "CIOCGSESSION after closing: %s",
		     errno_name(errno));
		close(fd);
		return;
	}
	memcpy(iv, iv0, 16);
	if (cd_crypt(fd, id, COP_ENCRYPT, 0, src, ref, len, iv, NULL) != 0) {
		fail("limits-held-bytes-released", "a %u-byte CIOCCRYPT after closing: %s", len,
		     errno_name(errno));
		close(fd);
		return;
	}
	for (tries = 1; tries <= RETRY_TRIES; tries++) {
		rc = submit(fd, id, len);
		if (rc == 0 || errno != EBUSY)
			break;
		usleep(RETRY_SLEEP_US);
	}
	if (rc != 0) {
		fail("limits-held-bytes-released", "a %u-byte job after closing: %s", len,
		     errno_name(errno));
		close(fd);
		return;
	}
	if (tries > 1)
		note("the job after closing was accepted at attempt %d", tries);
	memset(dst, 0xee, len);
	if (fetch(fd, &c) != 0)
		fail("limits-held-bytes-released", "fetch: %s", errno_name(errno));
	else
		check(fetched_ok(&c, len) && memcmp(ref, ct, 64 < len ? 64 : len) == 0,
		      "limits-held-bytes-released", "a %u-byte job: len %u, result %s, expected %s",
		      len, c.len, hexstr(dst, 64), hexstr(ref, 64));
	xclose("limits-close", fd);
}

static void hog(int go_fd, int done_fd)
{
	int at_limits = hog_files() == 0 && hog_sessions() == 0 && hog_prepare_bytes() == 0 &&
			hog_bytes() == 0 && hog_at_limits() == 0;
	char c = at_limits ? 'g' : 'x';

	if (write(go_fd, &c, 1) != 1)
		fail("limits-hog", "signalling the victim: %s", errno_name(errno));
	close(go_fd);
	if (at_limits) {
		hog_hammer(done_fd);
	} else {
		note("the hog is not at all its limits; the victim runs anyway");
		if (read(done_fd, &c, 1) < 0)
			note("waiting for the victim: %s", errno_name(errno));
	}
	hog_release(at_limits);
}

/* ---- the victim ---------------------------------------------------------------------- */

static void victim_ops(int fd, uint32_t id)
{
	uint32_t good = 0, i;
	int64_t worst = 0, total = 0;
	int first_errno = 0;

	for (i = 0; i < VICTIM_OPS; i++) {
		uint8_t iv[16], out[16];
		int64_t t0, t;
		int rc;

		memcpy(iv, iv0, 16);
		memset(out, 0, sizeof(out));
		t0 = now_ns();
		rc = cd_crypt(fd, id, COP_ENCRYPT, 0, src, out, 16, iv, NULL);
		t = now_ns() - t0;
		if (rc != 0 && first_errno == 0)
			first_errno = errno;
		if (rc == 0 && memcmp(out, ct, 16) == 0)
			good++;
		total += t;
		if (t > worst)
			worst = t;
	}
	note("victim: %u of %u one-block encryptions correct, latency mean %.3f ms, worst "
	     "%.3f ms", good, VICTIM_OPS, (double)total / VICTIM_OPS / 1e6, (double)worst / 1e6);
	check(good == VICTIM_OPS && worst < LATENCY_LIMIT_NS, "limits-other-user",
	      "%u of %u correct (first error %s), worst latency %.3f ms (limit %.0f ms)", good,
	      VICTIM_OPS, errno_name(first_errno), (double)worst / 1e6,
	      (double)LATENCY_LIMIT_NS / 1e6);
}

/* A job of the victim's own: within its share, correct. */
static void victim_bytes(int fd, uint32_t id)
{
	uint32_t len = idle_len();
	struct crypt_op c;
	uint8_t iv[16];

	memcpy(iv, iv0, 16);
	if (cd_crypt(fd, id, COP_ENCRYPT, 0, src, ref, len, iv, NULL) != 0) {
		fail("limits-other-user-bytes", "CIOCCRYPT of %u bytes: %s", len,
		     errno_name(errno));
		return;
	}
	if (!expect_errno("limits-other-user-bytes-submit", submit(fd, id, len), 0))
		return;
	memset(dst, 0xee, len);
	if (fetch(fd, &c) != 0) {
		fail("limits-other-user-bytes", "fetch: %s", errno_name(errno));
		return;
	}
	check(fetched_ok(&c, len) && memcmp(ref, ct, 64 < len ? 64 : len) == 0,
	      "limits-other-user-bytes", "a %u-byte job: len %u, result %s, synchronous %s", len,
	      c.len, hexstr(dst, 64), hexstr(ref, 64));
}

static void victim(int go_fd, int done_fd)
{
	ssize_t n;
	uint32_t id;
	char c;
	int fd;

	n = read(go_fd, &c, 1);
	close(go_fd);
	if (n != 1) {
		note("victim: the hog ended before signalling; victim checks skipped");
		return;
	}
	if (c != 'g')
		note("victim: the hog is not at all its limits (see its FAIL lines)");
	fd = open_dev();
	if (!check(fd >= 0, "limits-other-user-open", "open(%s) as uid %d: %s", dev, VICTIM_ID,
		   errno_name(errno)))
		goto done;
	if (!expect_errno("limits-other-user-session", aes_session(fd, &id), 0))
		goto out;
	victim_ops(fd, id);
	victim_bytes(fd, id);
out:
	xclose("limits-other-user-close", fd);
done:
	c = 'd';
	if (write(done_fd, &c, 1) != 1)
		note("victim: signalling the hog: %s", errno_name(errno));
}

/* ---- the parent ---------------------------------------------------------------------- */

static int become(const char *who, uid_t id)
{
	if (setgroups(0, NULL) != 0 || setgid(id) != 0 || setuid(id) != 0) {
		fail("limits-setuid", "%s: becoming uid/gid %d: %s", who, (int)id,
		     errno_name(errno));
		return -1;
	}
	if (getuid() != id || geteuid() != id || getgid() != id || getegid() != id) {
		fail("limits-setuid", "%s: still uid %d/%d gid %d/%d", who, (int)getuid(),
		     (int)geteuid(), (int)getgid(), (int)getegid());
		return -1;
	}
	/* dumpable again, like any process the user starts itself */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) != 0)
		note("%s: PR_SET_DUMPABLE: %s", who, errno_name(errno));
	return 0;
}

static void __attribute__((noreturn)) child_exit(int report_fd)
{
	struct report r = { test_passes(), test_failures() };

	if (write(report_fd, &r, sizeof(r)) != (ssize_t)sizeof(r))
		note("sending the counts: %s", errno_name(errno));
	exit(r.failures ? 1 : 0);
}

struct child {
	const char *name;
	pid_t pid;
	int report_fd;
	int status, done;
};

/* Waits for both children, killing them after PARENT_TIMEOUT_S. */
static void wait_children(struct child *ch, int n)
{
	int64_t deadline = now_ns() + (int64_t)PARENT_TIMEOUT_S * 1000000000LL;
	int left = 0, killed = 0, i;

	for (i = 0; i < n; i++)
		left += ch[i].pid > 0 && !ch[i].done;
	while (left > 0) {
		int status;
		pid_t pid = waitpid(-1, &status, WNOHANG);

		if (pid < 0 && errno != EINTR)
			break;
		if (pid > 0) {
			for (i = 0; i < n; i++)
				if (ch[i].pid == pid && !ch[i].done) {
					ch[i].status = status;
					ch[i].done = 1;
					left--;
				}
			continue;
		}
		if (now_ns() > deadline) {
			if (killed)
				break;
			killed = 1;
			for (i = 0; i < n; i++)
				if (ch[i].pid > 0 && !ch[i].done) {
					note("%s: no result after %d s, killing it", ch[i].name,
					     PARENT_TIMEOUT_S);
					kill(ch[i].pid, SIGKILL);
				}
			deadline = now_ns() + 10 * 1000000000LL;
		}
		usleep(100000);
	}
}

/* The child's counts, or a FAIL line if it reported none; adds them to *passes and *failures. */
static void collect(const struct child *ch, unsigned *passes, unsigned *failures)
{
	struct report r;
	ssize_t n = -1;

	if (ch->pid <= 0)
		return;
	if (ch->done)
		n = read(ch->report_fd, &r, sizeof(r));
	if (n == (ssize_t)sizeof(r)) {
		*passes += r.passes;
		*failures += r.failures;
		if (r.failures == 0 && !(WIFEXITED(ch->status) && WEXITSTATUS(ch->status) == 0))
			fail("limits-child", "%s reported no failure but exited with status %#x",
			     ch->name, ch->status);
		return;
	}
	if (!ch->done)
		fail("limits-child", "%s never ended", ch->name);
	else if (WIFSIGNALED(ch->status))
		fail("limits-child", "%s was killed by signal %d without reporting its counts%s",
		     ch->name, WTERMSIG(ch->status),
		     WTERMSIG(ch->status) == SIGALRM ? " (timed out)" : "");
	else
		fail("limits-child", "%s exited with status %d without reporting its counts",
		     ch->name, WIFEXITED(ch->status) ? WEXITSTATUS(ch->status) : -1);
}

static uint32_t arg_u32(int argc, char **argv, int i, const char *what, uint32_t def,
			uint32_t min, uint32_t max)
{
	const char *a = opt_arg(argc, argv, i);
	uint64_t v = a ? parse_u64(what, a) : def;

	if (v < min || v > max)
		die("args", "%s %llu not in %u..%u", what, (unsigned long long)v, min, max);
	return (uint32_t)v;
}

static void raise_nofile(void)
{
	rlim_t need = (rlim_t)files_limit + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		die("setup", "getrlimit: %s", errno_name(errno));
	if (rl.rlim_cur >= need)
		return;
	rl.rlim_cur = need;
	if (rl.rlim_max < need)
		rl.rlim_max = need;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		die("setup", "setrlimit(RLIMIT_NOFILE, %llu): %s", (unsigned long long)need,
		    errno_name(errno));
}

static void alloc_state(void)
{
	size_t l, i;

	key = unhex("2b7e151628aed2a6abf7158809cf4f3c", &l);
	iv0 = unhex("000102030405060708090a0b0c0d0e0f", &l);
	ct = unhex("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
		   "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7", &l);
	{
		uint8_t *pt = unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac"
				    "45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17"
				    "ad2b417be66c3710", &l);
		rng_t r;

		src = xmalloc(job);
		rng_seed(&r, 0x6c696d697473ULL);
		rng_fill(&r, src, job);
		memcpy(src, pt, l);
		free(pt);
	}
	dst = xmalloc(job);
	ref = xmalloc(job);
	memset(dst, 0, job);
	memset(ref, 0, job);
	fds = xmalloc(files_limit * sizeof(*fds));
	for (i = 0; i < files_limit; i++)
		fds[i] = -1;
	ids = xmalloc((sessions_limit + 1) * sizeof(*ids));
	ses = xmalloc(files_limit * sizeof(*ses));
	queued = xmalloc(files_limit * sizeof(*queued));
	qbytes = xmalloc(files_limit * sizeof(*qbytes));
	memset(ses, 0, files_limit * sizeof(*ses));
	memset(queued, 0, files_limit * sizeof(*queued));
	memset(qbytes, 0, files_limit * sizeof(*qbytes));
}

int main(int argc, char **argv)
{
	struct child ch[2] = { { "hog", -1, -1, 0, 0 }, { "victim", -1, -1, 0, 0 } };
	int go[2] = { -1, -1 }, done[2] = { -1, -1 }, rep[2][2] = { { -1, -1 }, { -1, -1 } };
	unsigned passes, failures;
	const char *mode;
	uint64_t held_bytes;
	struct stat st;
	int i;

	test_init("limits");
	dev = device_path(argc, argv);
	mode = opt_arg(argc, argv, 2);
	if (mode == NULL)
		mode = "direct";
	if (strcmp(mode, "direct") != 0 && strcmp(mode, "retry") != 0)
		die("args", "MODE must be direct or retry, not %s", mode);
	retry_mode = strcmp(mode, "retry") == 0;
	job = retry_mode ? JOB_RETRY : JOB_DIRECT;
	files_limit = arg_u32(argc, argv, 3, "FILES", 64, 2, 1 << 16);
	sessions_limit = arg_u32(argc, argv, 4, "SESSIONS", 1024, 2, 1 << 20);
	{
		const char *a = opt_arg(argc, argv, 5);

		held_bytes = a ? parse_u64("HELD_BYTES", a) : 100663296ULL;
	}
	if (held_bytes < 2 * FILL_SLACK)
		die("args", "HELD_BYTES %llu is too small", (unsigned long long)held_bytes);
	share = held_bytes / 2;
	note("device %s, mode %s; limits: %u files, %u sessions, %llu bytes held (%llu per uid)",
	     dev, mode, files_limit, sessions_limit, (unsigned long long)held_bytes,
	     (unsigned long long)share);
	if (geteuid() != 0)
		die("setup", "must run as root (it changes uids and the device's mode)");
	raise_nofile();
	alloc_state();
	if (stat(dev, &st) != 0)
		die("setup", "stat(%s): %s", dev, errno_name(errno));
	if (chmod(dev, 0666) != 0)
		die("setup", "chmod(%s, 0666): %s", dev, errno_name(errno));

	/* a child whose partner ended early gets EPIPE, not SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	if (pipe(go) != 0 || pipe(done) != 0 || pipe(rep[0]) != 0 || pipe(rep[1]) != 0) {
		fail("setup", "pipe: %s", errno_name(errno));
		goto out;
	}
	for (i = 0; i < 2; i++) {
		ch[i].pid = fork();
		if (ch[i].pid < 0) {
			fail("setup", "fork: %s", errno_name(errno));
			break;
		}
		if (ch[i].pid == 0) {
			int mine = rep[i][1];

			alarm(CHILD_TIMEOUT_S);
			close(rep[0][0]);
			close(rep[1][0]);
			close(rep[1 - i][1]);
			if (i == 0) {
				close(go[0]);
				close(done[1]);
				if (become("hog", HOG_ID) == 0) {
					hog(go[1], done[0]);
				} else if (write(go[1], "x", 1) != 1) {
					note("hog: signalling the victim: %s", errno_name(errno));
				}
			} else {
				close(go[1]);
				close(done[0]);
				if (become("victim", VICTIM_ID) == 0)
					victim(go[0], done[1]);
				else if (write(done[1], "d", 1) != 1)
					note("victim: signalling the hog: %s", errno_name(errno));
			}
			child_exit(mine);
		}
		ch[i].report_fd = rep[i][0];
		close(rep[i][1]);
		rep[i][1] = -1;
	}
	close(go[0]);
	close(go[1]);
	close(done[0]);
	close(done[1]);
	wait_children(ch, 2);
out:
	passes = 0;
	failures = 0;
	for (i = 0; i < 2; i++)
		collect(&ch[i], &passes, &failures);
	if (chmod(dev, st.st_mode & 07777) != 0)
		fail("limits-restore-mode", "chmod(%s, %#o): %s", dev,
		     (unsigned)(st.st_mode & 07777), errno_name(errno));
	passes += test_passes();
	failures += test_failures();
	printf("%u passed, %u failed\n", passes, failures);
	fflush(stdout);
	return failures == 0 ? 0 : 1;
}
