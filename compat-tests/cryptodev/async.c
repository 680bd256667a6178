/*
 * async: CIOCASYNCCRYPT / CIOCASYNCFETCH with poll() (docs/ABI.md §12 and the daemon's
 * choices: async is on, the queue holds 64 unfetched jobs per open file).
 * - poll() on an idle file: POLLOUT|POLLWRNORM only; CIOCASYNCFETCH with nothing finished:
 *   EBUSY;
 * - NJOBS jobs across six sessions (AES-CBC and AES-CTR with WRITE_IV, SHA-256, HMAC-SHA1,
 *   AES-CBC + HMAC-SHA256, 3DES-CBC), submitted at once, reaped with poll(POLLIN) and
 *   fetches: each fetched crypt_op is one submitted job's (every field), each job comes
 *   back once with its dst, digest and next IV equal to what a synchronous CIOCCRYPT on a
 *   twin session gives (job 0 is SP 800-38A F.2.1);
 * - a job's own errors (bad op, length not a multiple of the block) are the result of the
 *   fetch that takes it, not of the submit;
 * - 64 jobs outstanding: the next submit is EBUSY and POLLOUT is clear; one fetch makes
 *   room for exactly one more;
 * - submit errors: COP_FLAG_NO_ZC and unknown sessions are EINVAL;
 * - a poll() that was already blocked when the job was submitted wakes up; queues belong to
 *   the open file (another open sees nothing); closing a file with unfetched jobs is fine.
 *
 * - results one fetch could not carry: a CBC+HMAC-SHA256 job with WRITE_IV over 131,008
 *   bytes (its input fits one RETRY round, its dst, digest and IV do not) is refused with
 *   E2BIG at submission when the daemon runs RETRY rounds (MODE retry), and served in MODE
 *   direct; either way a small job after it is fetched right (the queue never wedges).
 *
 * usage: async [DEVICE [NJOBS [MODE]]]     ("-" keeps a default)
 * defaults: NJOBS 48 (at most 64), MODE direct
 */
#include "common.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define QUEUE_LIMIT 64
#define POLL_WAIT_MS 30000
#define READABLE (POLLIN | POLLRDNORM)
#define WRITABLE (POLLOUT | POLLWRNORM)

static const char *dev;
static int fd;

enum kind { K_CBC, K_CTR, K_SHA256, K_HMAC, K_CBC_HMAC, K_3DES, K_COUNT };

static const struct kind_info {
	const char *name;
	uint32_t cipher, keylen, mac, mackeylen, block, ivlen, dlen;
	uint16_t flags;
} kinds[K_COUNT] = {
	[K_CBC] = { "aes128-cbc", CRYPTO_AES_CBC, 16, 0, 0, 16, 16, 0, COP_FLAG_WRITE_IV },
	[K_CTR] = { "aes256-ctr", CRYPTO_AES_CTR, 32, 0, 0, 1, 16, 0, COP_FLAG_WRITE_IV },
	[K_SHA256] = { "sha256", 0, 0, CRYPTO_SHA2_256, 0, 1, 0, 32, 0 },
	[K_HMAC] = { "hmac-sha1", 0, 0, CRYPTO_SHA1_HMAC, 20, 1, 0, 20, 0 },
	[K_CBC_HMAC] = { "aes128-cbc+hmac-sha256", CRYPTO_AES_CBC, 16, CRYPTO_SHA2_256_HMAC, 32, 16,
			 16, 32, COP_FLAG_WRITE_IV },
	[K_3DES] = { "3des-cbc", CRYPTO_3DES_CBC, 24, 0, 0, 8, 8, 0, 0 },
};

struct job {
	enum kind kind;
	struct crypt_op op; /* as submitted */
	uint8_t *src, *dst, *mac, *iv;
	uint8_t *want_dst, *want_mac, *want_iv;
	int fetched;
};

static uint32_t ses_async[K_COUNT], ses_ref[K_COUNT];

static int submit(int f, const struct crypt_op *c)
{
	struct crypt_op copy = *c;

	return ioctl(f, CIOCASYNCCRYPT, &copy);
}

static int fetch(int f, struct crypt_op *c)
{
	memset(c, 0, sizeof(*c));
	return ioctl(f, CIOCASYNCFETCH, c);
}

/* poll() one fd; returns revents, 0 on timeout, -1 on error. */
static int poll_fd(int f, short events, int timeout_ms)
{
	struct pollfd p = { .fd = f, .events = events };
	int rc = poll(&p, 1, timeout_ms);

	if (rc < 0)
		return -1;
	return rc == 0 ? 0 : p.revents;
}

static const char *events_str(int ev)
{
	static char buf[4][80];
	static unsigned slot;

	slot = (slot + 1) % 4;
	if (ev < 0)
		return "poll error";
	snprintf(buf[slot], sizeof(buf[slot]), "%#x%s%s%s%s%s", ev, ev & POLLIN ? " POLLIN" : "",
		 ev & POLLRDNORM ? " POLLRDNORM" : "", ev & POLLOUT ? " POLLOUT" : "",
		 ev & POLLWRNORM ? " POLLWRNORM" : "", ev & POLLERR ? " POLLERR" : "");
	return buf[slot];
}

static void make_sessions(void)
{
	static uint8_t key[32], mackey[32];

	for (int i = 0; i < 32; i++) {
		key[i] = (uint8_t)(0x2b + 3 * i);
		mackey[i] = (uint8_t)(0x77 ^ i);
	}
	for (int k = 0; k < K_COUNT; k++) {
		const struct kind_info *ki = &kinds[k];
		const uint8_t *kk = key;

		if (k == K_CBC) /* SP 800-38A's key, for job 0 */
			kk = (const uint8_t *)"\x2b\x7e\x15\x16\x28\xae\xd2\xa6\xab\xf7\x15\x88\x09"
					      "\xcf\x4f\x3c";
		if (need_session(ki->name, fd, ki->cipher, ki->keylen ? kk : NULL, ki->keylen,
				 ki->mac, ki->mackeylen ? mackey : NULL, ki->mackeylen,
				 &ses_async[k]) != 0 ||
		    need_session(ki->name, fd, ki->cipher, ki->keylen ? kk : NULL, ki->keylen,
				 ki->mac, ki->mackeylen ? mackey : NULL, ki->mackeylen,
				 &ses_ref[k]) != 0)
			die("setup", "cannot create the %s sessions", ki->name);
	}
}

/*
 * A job of `kind` over `len` bytes; its expected outputs come from a synchronous CIOCCRYPT
 * on the twin session with the same key.
 */
static void job_init(struct job *j, enum kind kind, uint32_t len, rng_t *r,
		     const uint8_t *src, const uint8_t *iv)
{
	const struct kind_info *ki = &kinds[kind];
	uint8_t ivcopy[16];

	memset(j, 0, sizeof(*j));
	j->kind = kind;
	j->src = xmalloc(len);
	rng_fill(r, j->src, len);
	if (src != NULL)
		memcpy(j->src, src, len);
	if (ki->cipher) {
		j->dst = xmalloc(len);
		memset(j->dst, 0xee, len);
		j->want_dst = xmalloc(len);
	}
	if (ki->mac) {
		j->mac = xmalloc(64);
		memset(j->mac, 0xee, 64);
		j->want_mac = xmalloc(64);
	}
	if (ki->ivlen) {
		j->iv = xmalloc(16);
		rng_fill(r, j->iv, 16);
		if (iv != NULL)
			memcpy(j->iv, iv, 16);
		j->want_iv = xmalloc(16);
	}
	j->op.ses = ses_async[kind];
	j->op.op = COP_ENCRYPT;
	j->op.flags = ki->flags;
	j->op.len = len;
	j->op.src = j->src;
	j->op.dst = j->dst;
	j->op.mac = j->mac;
	j->op.iv = j->iv;
	if (ki->ivlen)
		memcpy(ivcopy, j->iv, 16);
	if (cd_crypt(fd, ses_ref[kind], COP_ENCRYPT, ki->flags, j->src, j->want_dst, len,
		     ki->ivlen ? ivcopy : NULL, j->want_mac) != 0)
		die("reference", "%s CIOCCRYPT len %u: %s", ki->name, len, errno_name(errno));
	if (ki->ivlen) {
		if (ki->flags & COP_FLAG_WRITE_IV)
			memcpy(j->want_iv, ivcopy, 16);
		else
			memcpy(j->want_iv, j->iv, 16);
	}
}

static void job_free(struct job *j)
{
	free(j->src);
	free(j->dst);
	free(j->mac);
	free(j->iv);
	free(j->want_dst);
	free(j->want_mac);
	free(j->want_iv);
}

/* Checks a fetched job's outputs; one PASS/FAIL line. */
static void job_check(const char *name, const struct job *j, const struct crypt_op *got)
{
	const struct kind_info *ki = &kinds[j->kind];

	if (got->ses != j->op.ses || got->op != j->op.op || got->flags != j->op.flags ||
	    got->len != j->op.len || got->dst != j->op.dst || got->mac != j->op.mac ||
	    got->iv != j->op.iv) {
		fail(name, "fetched crypt_op {ses %#x op %u flags %#x len %u} differs from the "
			   "submitted {ses %#x op %u flags %#x len %u} or its pointers",
		     got->ses, got->op, got->flags, got->len, j->op.ses, j->op.op, j->op.flags,
		     j->op.len);
		return;
	}
	if (ki->cipher && memcmp(j->dst, j->want_dst, j->op.len) != 0) {
		check_bytes(name, j->want_dst, j->op.len, j->dst, j->op.len);
		return;
	}
	if (ki->mac && memcmp(j->mac, j->want_mac, ki->dlen) != 0) {
		fail(name, "digest expected %s got %s", hexstr(j->want_mac, ki->dlen),
		     hexstr(j->mac, ki->dlen));
		return;
	}
	if (ki->mac && j->mac[ki->dlen] != 0xee) {
		fail(name, "more than %u digest bytes written", ki->dlen);
		return;
	}
	if (ki->ivlen && memcmp(j->iv, j->want_iv, ki->ivlen) != 0) {
		fail(name, "IV after the job expected %s got %s", hexstr(j->want_iv, ki->ivlen),
		     hexstr(j->iv, ki->ivlen));
		return;
	}
	pass(name);
}

/*
 * Fetches until every job of `jobs` (n) has come back or a poll times out. Fetched structs
 * are matched by their src pointer. Returns the number fetched with an error result in
 * *errors (those cannot be matched if the daemon leaves the struct alone).
 */
static uint32_t reap(const char *what, struct job *jobs, uint32_t n, uint32_t expect_errors,
		     uint32_t *errors)
{
	uint32_t got = 0, polls = 0;

	*errors = 0;
	while (got + *errors < n) {
		struct crypt_op c;
		int rc = fetch(fd, &c);

		if (rc == -1 && errno == EBUSY) {
			int ev = poll_fd(fd, READABLE, POLL_WAIT_MS);

			polls++;
			if (!(ev > 0 && (ev & POLLIN))) {
				fail(what, "poll(POLLIN, %d ms) with %u jobs outstanding: %s",
				     POLL_WAIT_MS, n - got - *errors, ev == 0 ? "timed out"
									  : events_str(ev));
				return got;
			}
			continue;
		}
		if (rc == -1) {
			(*errors)++;
			if (errno != EINVAL || *errors > expect_errors)
				fail(what, "fetch: %s", errno_name(errno));
			continue;
		}
		{
			uint32_t i;
			char name[128];

			for (i = 0; i < n && jobs[i].src != c.src; i++)
				;
			if (i == n) {
				fail(what, "fetched a crypt_op with unknown src %p", (void *)c.src);
				continue;
			}
			snprintf(name, sizeof(name), "%s:job%u:%s:len%u", what, i,
				 kinds[jobs[i].kind].name, jobs[i].op.len);
			if (jobs[i].fetched++) {
				fail(name, "fetched twice");
				continue;
			}
			got++;
			job_check(name, &jobs[i], &c);
		}
	}
	note("%s: %u jobs fetched after %u polls", what, got + *errors, polls);
	return got;
}

static void idle_state(const char *when)
{
	char name[96];
	struct crypt_op c;
	int ev = poll_fd(fd, READABLE | WRITABLE, 0);

	snprintf(name, sizeof(name), "%s:poll-POLLOUT-only", when);
	check(ev == WRITABLE, name, "revents %s", events_str(ev));
	snprintf(name, sizeof(name), "%s:fetch-EBUSY", when);
	expect_errno(name, fetch(fd, &c), EBUSY);
}

static void many_jobs(uint32_t n)
{
	struct job *jobs = calloc(n, sizeof(*jobs));
	uint32_t errors, accepted = 0;
	rng_t r;

	rng_seed(&r, 0x6173796e63ULL);
	for (uint32_t i = 0; i < n; i++) {
		enum kind k = (enum kind)(i % K_COUNT);
		uint32_t len = rng_below(&r, 4) == 0 ? rng_range(&r, 1, 1024) * 16
						     : rng_range(&r, 1, 64) * 16;

		if (i == 0) {
			/* SP 800-38A F.2.1 */
			static const uint8_t iv[16] = { 0, 1, 2, 3, 4, 5, 6, 7,
							8, 9, 10, 11, 12, 13, 14, 15 };
			size_t l, cl;
			uint8_t *pt = unhex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac"
					    "45af8e5130c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17"
					    "ad2b417be66c3710", &l);
			uint8_t *ct = unhex("7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a"
					    "917678b273bed6b8e3c1743b7116e69e222295163ff1caa1681fac09"
					    "120eca307586e1a7", &cl);

			job_init(&jobs[0], K_CBC, (uint32_t)l, &r, pt, iv);
			check_bytes("many:job0-reference-is-sp800-38a-f.2.1", ct, cl,
				    jobs[0].want_dst, cl);
			free(pt);
			free(ct);
			continue;
		}
		if (kinds[k].block == 8)
			len /= 2;
		if (k == K_SHA256 || k == K_HMAC)
			len -= rng_below(&r, 16); /* any length */
		job_init(&jobs[i], k, len, &r, NULL, NULL);
	}
	for (uint32_t i = 0; i < n; i++) {
		if (submit(fd, &jobs[i].op) != 0) {
			fail("many:submit", "job %u (%s): %s", i, kinds[jobs[i].kind].name,
			     errno_name(errno));
			jobs[i].fetched = -1;
			continue;
		}
		accepted++;
	}
	check(accepted == n, "many:all-submits-accepted", "%u of %u", accepted, n);
	{
		int ev = poll_fd(fd, READABLE, POLL_WAIT_MS);

		check(ev > 0 && (ev & POLLIN) && (ev & POLLRDNORM), "many:poll-POLLIN",
		      "revents %s", ev == 0 ? "timeout" : events_str(ev));
	}
	reap("many", jobs, accepted, 0, &errors);
	for (uint32_t i = 0; i < n; i++)
		if (jobs[i].fetched == 0)
			fail("many:every-job-fetched", "job %u never came back", i);
	idle_state("many:after");
	for (uint32_t i = 0; i < n; i++)
		job_free(&jobs[i]);
	free(jobs);
}

/* Errors of a job surface as the result of the fetch that takes it. */
static void job_errors(void)
{
	static const struct {
		const char *name;
		enum kind kind;
		uint16_t op;
		uint32_t len;
	} bad[] = {
		{ "job-error:op-7", K_CBC, 7, 32 },
		{ "job-error:aes-cbc-len-15", K_CBC, COP_ENCRYPT, 15 },
		{ "job-error:3des-cbc-len-12", K_3DES, COP_DECRYPT, 12 },
		{ "job-error:sha256-op-2", K_SHA256, 2, 10 },
	};
	uint8_t src[64], dst[64], mac[64], iv[16];
	rng_t r;

	memset(src, 1, sizeof(src));
	memset(iv, 2, sizeof(iv));
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct crypt_op c, got;
		char name[96];
		int ev;

		memset(&c, 0, sizeof(c));
		c.ses = ses_async[bad[i].kind];
		c.op = bad[i].op;
		c.len = bad[i].len;
		c.src = src;
		c.dst = dst;
		c.mac = mac;
		c.iv = iv;
		snprintf(name, sizeof(name), "%s:submit-accepted", bad[i].name);
		if (!expect_errno(name, submit(fd, &c), 0))
			continue;
		ev = poll_fd(fd, READABLE, POLL_WAIT_MS);
		snprintf(name, sizeof(name), "%s:poll-POLLIN", bad[i].name);
		check(ev > 0 && (ev & POLLIN), name, "revents %s", ev ? events_str(ev) : "timeout");
		snprintf(name, sizeof(name), "%s:fetch-EINVAL", bad[i].name);
		expect_errno(name, fetch(fd, &got), EINVAL);
		snprintf(name, sizeof(name), "%s:consumed", bad[i].name);
		expect_errno(name, fetch(fd, &got), EBUSY);
	}
	/* mixed with good jobs: each good one comes back intact, the bad ones as EINVAL */
	{
		struct job jobs[8];
		uint32_t errors, got;

		rng_seed(&r, 0x6d69786564ULL);
		for (int i = 0; i < 8; i++)
			job_init(&jobs[i], (enum kind)(i % K_COUNT), 64, &r, NULL, NULL);
		jobs[2].op.op = 9;	   /* K_SHA256 with a bad op */
		jobs[6].op.len = 17;	   /* K_CBC, not a whole block */
		for (int i = 0; i < 8; i++)
			if (submit(fd, &jobs[i].op) != 0)
				fail("job-error:mixed:submit", "job %d: %s", i, errno_name(errno));
		got = reap("job-error:mixed", jobs, 8, 2, &errors);
		check(got == 6 && errors == 2, "job-error:mixed:6-results-2-EINVAL",
		      "%u results, %u errors", got, errors);
		check(jobs[2].fetched == 0 && jobs[6].fetched == 0,
		      "job-error:mixed:failed-jobs-not-reported-as-done", "fetched %d and %d",
		      jobs[2].fetched, jobs[6].fetched);
		for (int i = 0; i < 8; i++)
			job_free(&jobs[i]);
	}
	idle_state("job-error:after");
}

static void submit_errors(void)
{
	uint8_t src[32], dst[32], iv[16];
	struct crypt_op c;
	uint32_t unknown = 0x600dcafe;

	memset(src, 5, sizeof(src));
	memset(iv, 6, sizeof(iv));
	memset(&c, 0, sizeof(c));
	c.ses = ses_async[K_CBC];
	c.len = 32;
	c.src = src;
	c.dst = dst;
	c.iv = iv;
	c.flags = COP_FLAG_NO_ZC;
	expect_errno("submit:NO_ZC-EINVAL", submit(fd, &c), EINVAL);
	c.flags = COP_FLAG_NO_ZC | COP_FLAG_WRITE_IV;
	expect_errno("submit:NO_ZC|WRITE_IV-EINVAL", submit(fd, &c), EINVAL);
	for (int k = 0; k < K_COUNT; k++)
		while (unknown == ses_async[k] || unknown == ses_ref[k])
			unknown++;
	c.flags = 0;
	c.ses = unknown;
	expect_errno("submit:unknown-session-EINVAL", submit(fd, &c), EINVAL);
	expect_errno("submit:arg-NULL-EFAULT", ioctl(fd, CIOCASYNCCRYPT, NULL), EFAULT);
	idle_state("submit:after-errors");
}

/* Waits for one finished job and fetches it into c; the fetch's result, errno preserved. */
static int fetch_one(struct crypt_op *c)
{
	if (poll_fd(fd, READABLE, POLL_WAIT_MS) <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	memset(c, 0, sizeof(*c));
	return fetch(fd, c);
}

static void results_too_big(int retry)
{
	enum { BIG = 131008 };
	uint8_t *src = xmalloc(BIG), *dst = xmalloc(BIG), mac[32], iv[16], small[16], out[16];
	uint8_t want[16], ref_iv[16];
	struct crypt_op c, back;

	memset(src, 0x3c, BIG);
	memset(iv, 0x11, sizeof(iv));
	memset(&c, 0, sizeof(c));
	c.ses = ses_async[K_CBC_HMAC];
	c.flags = COP_FLAG_WRITE_IV;
	c.len = BIG;
	c.src = src;
	c.dst = dst;
	c.mac = mac;
	c.iv = iv;
	if (retry) {
		expect_errno("big-results:retry-E2BIG", submit(fd, &c), E2BIG);
	} else {
		expect_errno("big-results:direct-accepted", submit(fd, &c), 0);
		expect_errno("big-results:direct-fetched", fetch_one(&back), 0);
		check(back.len == BIG, "big-results:direct-len", "len %u", back.len);
	}
	memset(small, 0x5a, sizeof(small));
	memset(iv, 0x22, sizeof(iv));
	memcpy(ref_iv, iv, sizeof(ref_iv));
	if (cd_crypt(fd, ses_ref[K_CBC], COP_ENCRYPT, 0, small, want, sizeof(small), ref_iv,
		     NULL) != 0)
		die("big-results:reference", "%s", errno_name(errno));
	memset(&c, 0, sizeof(c));
	c.ses = ses_async[K_CBC];
	c.len = sizeof(small);
	c.src = small;
	c.dst = out;
	c.iv = iv;
	expect_errno("big-results:small-after-submitted", submit(fd, &c), 0);
	expect_errno("big-results:small-after-fetched", fetch_one(&back), 0);
	check_bytes("big-results:small-after-right", want, sizeof(want), out, sizeof(out));
	idle_state("big-results:after");
	free(src);
	free(dst);
}

/* 64 unfetched jobs: EBUSY and no POLLOUT; a fetch makes room for one. */
static void queue_limit(void)
{
	uint8_t src[48], want[32], (*macs)[32] = calloc(QUEUE_LIMIT + 8, 32);
	uint32_t accepted = 0, fetched = 0, bad = 0;
	struct crypt_op c;
	int rc, ev;

	memset(src, 0x71, sizeof(src));
	if (cd_crypt(fd, ses_ref[K_SHA256], COP_ENCRYPT, 0, src, NULL, sizeof(src), NULL, want) !=
	    0)
		die("queue:reference", "%s", errno_name(errno));
	memset(&c, 0, sizeof(c));
	c.ses = ses_async[K_SHA256];
	c.len = sizeof(src);
	c.src = src;
	for (;;) {
		c.mac = macs[accepted];
		rc = submit(fd, &c);
		if (rc != 0 || accepted > QUEUE_LIMIT + 4)
			break;
		accepted++;
	}
	check(accepted == QUEUE_LIMIT && rc == -1 && errno == EBUSY, "queue:64-accepted-then-EBUSY",
	      "%u accepted, then %s", accepted, rc == 0 ? "success" : errno_name(errno));
	ev = poll_fd(fd, READABLE | WRITABLE, 0);
	check(ev >= 0 && !(ev & (POLLOUT | POLLWRNORM)), "queue:full-POLLOUT-clear", "revents %s",
	      events_str(ev));
	ev = poll_fd(fd, READABLE, POLL_WAIT_MS);
	check(ev > 0 && (ev & POLLIN), "queue:full-POLLIN", "revents %s", events_str(ev));
	c.mac = macs[accepted];
	expect_errno("queue:still-EBUSY", submit(fd, &c), EBUSY);
	{
		struct crypt_op got;

		if (expect_errno("queue:fetch-one", fetch(fd, &got), 0))
			fetched++;
		ev = poll_fd(fd, WRITABLE, 0);
		check(ev > 0 && (ev & POLLOUT), "queue:room-for-one-POLLOUT", "revents %s",
		      events_str(ev));
		c.mac = macs[accepted];
		if (expect_errno("queue:submit-one-more", submit(fd, &c), 0))
			accepted++;
		c.mac = macs[accepted];
		expect_errno("queue:full-again-EBUSY", submit(fd, &c), EBUSY);
	}
	while (fetched < accepted) {
		struct crypt_op got;

		if (fetch(fd, &got) == 0) {
			fetched++;
			if (got.src != src || got.len != sizeof(src) ||
			    memcmp(got.mac, want, 32) != 0)
				bad++;
			continue;
		}
		if (errno != EBUSY) {
			fail("queue:fetch-all", "%s", errno_name(errno));
			break;
		}
		ev = poll_fd(fd, READABLE, POLL_WAIT_MS);
		if (!(ev > 0 && (ev & POLLIN))) {
			fail("queue:fetch-all", "poll: %s with %u outstanding",
			     ev == 0 ? "timeout" : events_str(ev), accepted - fetched);
			break;
		}
	}
	check(fetched == accepted && bad == 0, "queue:fetch-all-65",
	      "%u of %u fetched, %u with a wrong struct or digest", fetched, accepted, bad);
	for (uint32_t i = 0; i < accepted; i++)
		if (memcmp(macs[i], want, 32) != 0)
			bad++;
	check(bad == 0, "queue:every-digest-written", "%u wrong", bad);
	idle_state("queue:after");
	free(macs);
}

/* A poll() already blocked when the job is submitted wakes up; queues are per open file. */
static void wakeups(void)
{
	uint8_t src[32], mac[32];
	struct crypt_op c, got;
	int status, fd2;
	pid_t pid;

	memset(src, 0x19, sizeof(src));
	memset(&c, 0, sizeof(c));
	c.ses = ses_async[K_SHA256];
	c.len = sizeof(src);
	c.src = src;
	c.mac = mac;
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork", "%s", errno_name(errno));
	if (pid == 0) {
		/* same open file: blocks in poll until the parent's job is done */
		int ev = poll_fd(fd, READABLE, POLL_WAIT_MS);

		_exit(ev > 0 && (ev & POLLIN) ? 0 : ev == 0 ? 2 : 3);
	}
	usleep(300 * 1000);
	expect_errno("wakeup:submit-while-child-polls", submit(fd, &c), 0);
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid", "%s", errno_name(errno));
	check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "wakeup:blocked-poll-woken",
	      "child status %#x (2: poll timed out after %d ms)", status, POLL_WAIT_MS);

	/* another open file sees neither the job nor the session */
	fd2 = open_device(dev);
	{
		int ev = poll_fd(fd2, READABLE | WRITABLE, 0);

		check(ev == WRITABLE, "per-file:other-open-poll-POLLOUT-only", "revents %s",
		      events_str(ev));
	}
	expect_errno("per-file:other-open-fetch-EBUSY", fetch(fd2, &got), EBUSY);
	expect_errno("per-file:other-open-submit-foreign-session-EINVAL", submit(fd2, &c), EINVAL);
	if (expect_errno("per-file:own-fetch", fetch(fd, &got), 0))
		check(got.src == src && got.mac == mac, "per-file:own-fetch-is-the-job",
		      "src %p mac %p", (void *)got.src, (void *)got.mac);

	/* a file closed with unfetched jobs: no harm to anyone */
	{
		uint32_t s;
		int i, ok = 1;

		if (need_session("close:session", fd2, 0, NULL, 0, CRYPTO_SHA2_256, NULL, 0, &s) ==
		    0) {
			c.ses = s;
			for (i = 0; i < 10; i++)
				ok &= submit(fd2, &c) == 0;
			check(ok, "close:submit-10-on-second-open", "%s", errno_name(errno));
		}
	}
	xclose("close:second-open-with-unfetched-jobs", fd2);
	c.ses = ses_async[K_SHA256];
	if (expect_errno("close:first-open-still-works", submit(fd, &c), 0)) {
		int ev = poll_fd(fd, READABLE, POLL_WAIT_MS);

		check(ev > 0 && (ev & POLLIN), "close:first-open-poll", "revents %s",
		      events_str(ev));
		expect_errno("close:first-open-fetch", fetch(fd, &got), 0);
	}
	idle_state("wakeup:after");
}

int main(int argc, char **argv)
{
	const char *a_n = opt_arg(argc, argv, 2), *mode = opt_arg(argc, argv, 3);
	uint32_t n = a_n ? (uint32_t)parse_u64("njobs", a_n) : 48;
	int retry;

	dev = device_path(argc, argv);
	if (n < 1 || n > QUEUE_LIMIT)
		die("args", "NJOBS must be 1..%d", QUEUE_LIMIT);
	test_init("async");
	if (mode == NULL)
		mode = "direct";
	if (strcmp(mode, "direct") != 0 && strcmp(mode, "retry") != 0)
		die("args", "MODE must be direct or retry, not %s", mode);
	retry = strcmp(mode, "retry") == 0;
	note("device %s jobs %u", dev, n);
	fd = open_device(dev);
	make_sessions();
	idle_state("idle");
	many_jobs(n);
	job_errors();
	submit_errors();
	results_too_big(retry);
	queue_limit();
	wakeups();
	for (int k = 0; k < K_COUNT; k++) {
		drop_session("free", fd, ses_async[k]);
		drop_session("free", fd, ses_ref[k]);
	}
	xclose("close", fd);
	return test_finish();
}
