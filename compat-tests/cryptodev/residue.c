/*
 * residue: after a client has freed its sessions and closed the device, none of its secret
 * keys remains anywhere in the daemon's memory.
 * - fresh keys from getrandom() (never constants, which the binary image could hold), no
 *   two alike: AES-256-CBC, AES-256-GCM, AES-128-CBC + HMAC-SHA256 (one combined session),
 *   HMAC-SHA1 and AES-256-CTR, AES-256-XTS (64-byte key);
 * - each session is created, queried with CIOCGSESSINFO (informational) and used once on
 *   4 KiB (GCM through CIOCAUTHCRYPT with a 12-byte IV and AAD); then, as a positive
 *   control, a separate AES-256-CBC session encrypts a 64 KiB random pattern;
 * - every session is freed, the device closed, and after 200 ms the daemon's memory is
 *   read through /proc/PID/mem: every readable mapping of /proc/PID/maps except [vvar] and
 *   [vsyscall], in 1 MiB chunks overlapping by 63 bytes (and across adjacent mappings), with
 *   pages that read as EIO skipped and counted;
 * - "residue-control": 32-byte windows of the control ciphertext must be found (the
 *   daemon keeps its last operation buffer), which shows the scanner reads the daemon's
 *   heap; if not, only this line fails;
 * - "residue-<key>": neither the whole key nor, for keys of 32 bytes or more, any of its
 *   16-byte pieces (AES key schedules start with the raw key) may be found.
 * Needs the rights to read the daemon's memory (root or CAP_SYS_PTRACE, as ptrace attach).
 *
 * usage: residue [DEVICE [DAEMON_PID]]     ("-" keeps a default)
 * defaults: DAEMON_PID $CRYPTODEV_DAEMON_PID, else the only process whose /proc/PID/comm is
 * "cryptodev-cuse"
 */
#define _FILE_OFFSET_BITS 64

#include "common.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/types.h>
#include <unistd.h>

_Static_assert(sizeof(off_t) == 8, "/proc/PID/mem offsets are 64-bit addresses");

#define DATA_LEN 4096
#define CONTROL_LEN (64 * 1024)
#define CONTROL_WINDOW 32
#define CONTROL_WINDOWS 16
#define CHUNK (1024 * 1024)
#define OVERLAP 63	/* longest needle (the 64-byte XTS key) minus one */
#define PIECE 16
#define MAX_NEEDLES 64
#define WHERE_LEN 600

struct secret {
	const char *name;
	uint32_t len;
	uint8_t key[64];
	uint64_t hits;
	char where[WHERE_LEN];	/* the first hit */
};

enum { K_CBC256, K_GCM, K_CBC128, K_HMAC256, K_HMAC1, K_CTR, K_XTS, N_SECRETS };

static struct secret secrets[N_SECRETS] = {
	[K_CBC256] = { .name = "aes256-cbc", .len = 32 },
	[K_GCM] = { .name = "aes256-gcm", .len = 32 },
	[K_CBC128] = { .name = "aes128-cbc", .len = 16 },
	[K_HMAC256] = { .name = "hmac-sha256", .len = 32 },
	[K_HMAC1] = { .name = "hmac-sha1", .len = 20 },
	[K_CTR] = { .name = "aes256-ctr", .len = 32 },
	[K_XTS] = { .name = "aes256-xts", .len = 64 },
};

/* A byte string searched for: a key, a 16-byte piece of one, or a control window. */
struct needle {
	const uint8_t *p;
	uint32_t len;
	int secret;	/* index into secrets[], or -1 for a window of the control ciphertext */
	uint32_t off;	/* offset in the key or the ciphertext */
};

static struct needle needles[MAX_NEEDLES];
static unsigned n_needles;

static uint8_t control_ct[CONTROL_LEN];
static int control_ran;
static char control_err[160];
static uint64_t control_hits;
static char control_where[WHERE_LEN];

static int fd;
static uint32_t sessions[16];
static unsigned n_sessions;

/* The mapping being scanned and the one before it (a match may start in the previous). */
struct mapping {
	uint64_t start, end;
	char line[384];
};

static struct mapping cur_map, prev_map;

struct scan_stats {
	uint64_t bytes, unreadable;
	unsigned mappings, skipped, partial, not_readable, special, too_high;
};

static struct scan_stats st;

/* ---- random bytes -------------------------------------------------------------------- */

static void urandom_fill(uint8_t *p, size_t len)
{
	int ufd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (ufd < 0)
		die("random", "open(/dev/urandom): %s", errno_name(errno));
	while (len > 0) {
		ssize_t n = read(ufd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			die("random", "read(/dev/urandom): %s", n < 0 ? errno_name(errno) : "EOF");
		p += n;
		len -= (size_t)n;
	}
	close(ufd);
}

static void random_fill(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOSYS) {
			urandom_fill(p, len);
			return;
		}
		if (n <= 0)
			die("random", "getrandom: %s", n < 0 ? errno_name(errno) : "no bytes");
		p += n;
		len -= (size_t)n;
	}
}

/* No 16-byte piece of one key equals a piece of another one. */
static int keys_distinct(void)
{
	for (int i = 0; i < N_SECRETS; i++)
		for (int j = i + 1; j < N_SECRETS; j++)
			for (uint32_t a = 0; a + PIECE <= secrets[i].len; a += PIECE)
				for (uint32_t b = 0; b + PIECE <= secrets[j].len; b += PIECE)
					if (memcmp(secrets[i].key + a, secrets[j].key + b,
						   PIECE) == 0)
						return 0;
	return 1;
}

static void make_keys(void)
{
	for (int attempt = 0;; attempt++) {
		for (int i = 0; i < N_SECRETS; i++)
			random_fill(secrets[i].key, secrets[i].len);
		if (keys_distinct())
			return;
		if (attempt == 8)
			die("random", "the random source keeps repeating itself");
	}
}

static void add_needle(const uint8_t *p, uint32_t len, int secret, uint32_t off)
{
	if (n_needles == MAX_NEEDLES)
		die("needles", "too many needles");
	needles[n_needles++] = (struct needle){ .p = p, .len = len, .secret = secret, .off = off };
}

static void make_needles(void)
{
	for (int i = 0; i < N_SECRETS; i++) {
		struct secret *s = &secrets[i];

		add_needle(s->key, s->len, i, 0);
		if (s->len >= 32)
			for (uint32_t off = 0; off + PIECE <= s->len; off += PIECE)
				add_needle(s->key + off, PIECE, i, off);
	}
	if (control_ran)
		for (uint32_t w = 0; w < CONTROL_WINDOWS; w++) {
			uint32_t off = w * (CONTROL_LEN / CONTROL_WINDOWS) + 1000;

			add_needle(control_ct + off, CONTROL_WINDOW, -1, off);
		}
}

/* ---- the client's work --------------------------------------------------------------- */

static int open_session(const char *name, uint32_t cipher, int key, uint32_t mac, int mackey,
			uint32_t *ses)
{
	char what[64];
	struct session_info_op info;
	const struct secret *k = key >= 0 ? &secrets[key] : NULL;
	const struct secret *m = mackey >= 0 ? &secrets[mackey] : NULL;

	snprintf(what, sizeof(what), "residue-%s-session", name);
	if (need_session(what, fd, cipher, k ? k->key : NULL, k ? k->len : 0, mac,
			 m ? m->key : NULL, m ? m->len : 0, ses) != 0)
		return -1;
	sessions[n_sessions++] = *ses;
	memset(&info, 0, sizeof(info));
	if (sess_info(fd, *ses, &info) == 0)
		note("%s: session %#x, cipher \"%.64s\" (%.64s), hash \"%.64s\" (%.64s)", name,
		     *ses, info.cipher_info.cra_name, info.cipher_info.cra_driver_name,
		     info.hash_info.cra_name, info.hash_info.cra_driver_name);
	else
		note("%s: CIOCGSESSINFO: %s", name, errno_name(errno));
	return 0;
}

/* One CIOCCRYPT encryption of DATA_LEN bytes; FAIL line on error. */
static void crypt_once(const char *name, uint32_t ses, const uint8_t *data, int cipher,
		       int hmac)
{
	static uint8_t out[DATA_LEN];
	uint8_t iv[16], mac[AALG_MAX_RESULT_LEN];
	char what[64];

	random_fill(iv, sizeof(iv));
	snprintf(what, sizeof(what), "residue-%s-op", name);
	if (cd_crypt(fd, ses, COP_ENCRYPT, 0, data, cipher ? out : NULL, DATA_LEN,
		     cipher ? iv : NULL, hmac ? mac : NULL) != 0)
		fail(what, "CIOCCRYPT: %s", errno_name(errno));
}

static void gcm_once(uint32_t ses, const uint8_t *data)
{
	static uint8_t out[DATA_LEN + 16];
	uint8_t iv[12], aad[20];
	struct crypt_auth_op back;

	random_fill(iv, sizeof(iv));
	random_fill(aad, sizeof(aad));
	if (cd_authcrypt(fd,
			 &(struct authcrypt_args){ .ses = ses, .op = COP_ENCRYPT, .auth_src = aad,
						   .auth_len = sizeof(aad), .src = data,
						   .dst = out, .len = DATA_LEN, .tag_len = 16,
						   .iv = iv, .iv_len = sizeof(iv) },
			 &back) != 0)
		fail("residue-aes256-gcm-op", "CIOCAUTHCRYPT: %s", errno_name(errno));
}

/* The positive control: a 64 KiB random pattern through its own AES-256-CBC session. */
static void control(void)
{
	static uint8_t pattern[CONTROL_LEN];
	uint8_t key[32], iv[16];
	uint32_t ses;

	random_fill(key, sizeof(key));
	random_fill(iv, sizeof(iv));
	random_fill(pattern, sizeof(pattern));
	if (sess_create(fd, CRYPTO_AES_CBC, key, sizeof(key), 0, NULL, 0, &ses) != 0) {
		snprintf(control_err, sizeof(control_err), "control CIOCGSESSION: %s",
			 errno_name(errno));
		return;
	}
	sessions[n_sessions++] = ses;
	if (cd_crypt(fd, ses, COP_ENCRYPT, 0, pattern, control_ct, CONTROL_LEN, iv, NULL) != 0) {
		snprintf(control_err, sizeof(control_err), "control CIOCCRYPT: %s",
			 errno_name(errno));
		return;
	}
	control_ran = 1;
}

static void client(const char *dev)
{
	static uint8_t data[DATA_LEN];
	uint32_t ses;

	random_fill(data, sizeof(data));
	fd = open_device(dev);
	if (open_session("aes256-cbc", CRYPTO_AES_CBC, K_CBC256, 0, -1, &ses) == 0)
		crypt_once("aes256-cbc", ses, data, 1, 0);
	if (open_session("aes256-gcm", CRYPTO_AES_GCM, K_GCM, 0, -1, &ses) == 0)
		gcm_once(ses, data);
	if (open_session("aes128-cbc+hmac-sha256", CRYPTO_AES_CBC, K_CBC128,
			 CRYPTO_SHA2_256_HMAC, K_HMAC256, &ses) == 0)
		crypt_once("aes128-cbc+hmac-sha256", ses, data, 1, 1);
	if (open_session("hmac-sha1", 0, -1, CRYPTO_SHA1_HMAC, K_HMAC1, &ses) == 0)
		crypt_once("hmac-sha1", ses, data, 0, 1);
	if (open_session("aes256-ctr", CRYPTO_AES_CTR, K_CTR, 0, -1, &ses) == 0)
		crypt_once("aes256-ctr", ses, data, 1, 0);
	if (open_session("aes256-xts", CRYPTO_AES_XTS, K_XTS, 0, -1, &ses) == 0)
		crypt_once("aes256-xts", ses, data, 1, 0);
	control();
	for (unsigned i = 0; i < n_sessions; i++)
		drop_session("residue-free", fd, sessions[i]);
	xclose("residue-close", fd);
}

/* ---- the scanner --------------------------------------------------------------------- */

/* "start-end perms ..." with runs of blanks folded, for messages. */
static void fold_blanks(char *dst, size_t size, const char *src)
{
	size_t n = 0;
	int blank = 0;

	for (; *src != '\0' && *src != '\n' && n + 1 < size; src++) {
		if (*src == ' ' || *src == '\t') {
			blank = 1;
			continue;
		}
		if (blank && n > 0 && n + 2 < size)
			dst[n++] = ' ';
		blank = 0;
		dst[n++] = *src;
	}
	dst[n] = '\0';
}

static void record(const struct needle *nd, uint64_t addr)
{
	const struct mapping *m = addr >= cur_map.start ? &cur_map : &prev_map;
	uint64_t *hits = nd->secret >= 0 ? &secrets[nd->secret].hits : &control_hits;
	char *where = nd->secret >= 0 ? secrets[nd->secret].where : control_where;

	if ((*hits)++ > 0)
		return;
	if (nd->secret >= 0 && nd->len == secrets[nd->secret].len)
		snprintf(where, WHERE_LEN, "found at %s offset 0x%" PRIx64 " (address 0x%" PRIx64
			 ", the whole %u-byte key)", m->line, addr - m->start, addr, nd->len);
	else
		snprintf(where, WHERE_LEN, "found at %s offset 0x%" PRIx64 " (address 0x%" PRIx64
			 ", %u bytes at offset %u of the %s)", m->line, addr - m->start, addr,
			 nd->len, nd->off, nd->secret >= 0 ? "key" : "ciphertext");
}

/*
 * Searches buf[0..n), whose first byte is at `base`; the first `carry` bytes were searched
 * with the previous chunk, so a match lying wholly inside them is not counted again.
 */
static void search(const uint8_t *buf, size_t n, size_t carry, uint64_t base)
{
	for (unsigned i = 0; i < n_needles; i++) {
		const struct needle *nd = &needles[i];
		const uint8_t *h = buf, *p;

		if (nd->secret < 0 && control_hits > 0)
			continue;	/* one control window is enough */
		while ((size_t)(buf + n - h) >= nd->len &&
		       (p = memmem(h, (size_t)(buf + n - h), nd->p, nd->len)) != NULL) {
			size_t pos = (size_t)(p - buf);

			if (pos + nd->len > carry)
				record(nd, base + pos);
			h = p + 1;
		}
	}
}

/*
 * Reads len bytes of the daemon at addr into dst; pages that cannot be read (EIO) are
 * zero-filled and counted. Returns the number of bytes really read.
 */
static size_t read_daemon(int memfd, pid_t pid, uint64_t addr, uint8_t *dst, size_t len,
			  size_t page)
{
	size_t done = 0, ok = 0;

	while (done < len) {
		ssize_t n = pread(memfd, dst + done, len - done, (off_t)(addr + done));
		size_t skip;

		if (n > 0) {
			done += (size_t)n;
			ok += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EIO && errno != EFAULT)
			die("scan", "pread(/proc/%d/mem, 0x%" PRIx64 "): %s", (int)pid,
			    addr + done, errno_name(errno));
		/* EIO (or 0 bytes): skip to the next page */
		skip = page - (size_t)((addr + done) % page);
		if (skip > len - done)
			skip = len - done;
		memset(dst + done, 0, skip);
		st.unreadable += skip;
		done += skip;
	}
	return ok;
}

static void scan_mapping(int memfd, pid_t pid, size_t page, uint8_t *buf)
{
	static uint64_t carry_end;
	static size_t carry;
	uint64_t addr = cur_map.start, readable = 0;

	if (carry_end != cur_map.start)
		carry = 0;	/* not adjacent to the previous mapping scanned */
	while (addr < cur_map.end) {
		uint64_t left = cur_map.end - addr;
		size_t want = left < CHUNK ? (size_t)left : CHUNK, got, keep;

		got = read_daemon(memfd, pid, addr, buf + carry, want, page);
		readable += got;
		st.bytes += got;
		search(buf, carry + want, carry, addr - carry);
		keep = carry + want < OVERLAP ? carry + want : OVERLAP;
		memmove(buf, buf + carry + want - keep, keep);
		carry = keep;
		addr += want;
	}
	carry_end = cur_map.end;
	if (readable == 0)
		st.skipped++;
	else if (readable < cur_map.end - cur_map.start)
		st.partial++;
}

static void scan(pid_t pid, int memfd)
{
	char path[64], *line = NULL;
	size_t cap = 0, page = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *buf = xmalloc(CHUNK + OVERLAP);
	FILE *maps;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	maps = fopen(path, "re");
	if (maps == NULL)
		die("scan", "open(%s): %s", path, errno_name(errno));
	while (getline(&line, &cap, maps) > 0) {
		uint64_t start, end;
		char perms[8];
		int name_at = -1;
		const char *name;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %*s %*s %*s %n", &start, &end, perms,
			   &name_at) < 3 || name_at < 0)
			die("scan", "unparsable line of %s: %s", path, line);
		name = line + name_at;
		st.mappings++;
		if (strncmp(name, "[vvar", 5) == 0 || strncmp(name, "[vsyscall]", 10) == 0) {
			st.special++;
			continue;
		}
		if (perms[0] != 'r') {
			st.not_readable++;
			continue;
		}
		if (end > (uint64_t)INT64_MAX || end <= start) {
			st.too_high++;
			continue;
		}
		prev_map = cur_map;
		cur_map.start = start;
		cur_map.end = end;
		fold_blanks(cur_map.line, sizeof(cur_map.line), line);
		scan_mapping(memfd, pid, page, buf);
	}
	free(line);
	fclose(maps);
	free(buf);
}

int main(int argc, char **argv)
{
	const char *dev = device_path(argc, argv);
	pid_t pid;
	char path[64];
	int memfd;

	test_init("residue");
	pid = daemon_pid(argc, argv, 2);
	note("device %s, daemon pid %d", dev, (int)pid);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	memfd = open(path, O_RDONLY | O_CLOEXEC);
	if (memfd < 0)
		die("scan", "open(%s): %s (reading the daemon's memory needs ptrace rights)", path,
		    errno_name(errno));
	make_keys();
	client(dev);
	usleep(200 * 1000);
	make_needles();
	scan(pid, memfd);
	close(memfd);
	if (kill(pid, 0) != 0 && errno == ESRCH)
		note("the daemon (pid %d) is gone", (int)pid);
	note("scanned %" PRIu64 " bytes of %u mappings; %" PRIu64 " bytes unreadable (EIO); "
	     "skipped: %u wholly unreadable, %u partly unreadable, %u without read permission, "
	     "%u [vvar]/[vsyscall], %u out of range", st.bytes, st.mappings, st.unreadable,
	     st.skipped, st.partial, st.not_readable, st.special, st.too_high);
	if (!control_ran)
		fail("residue-control", "%s", control_err);
	else
		check(control_hits > 0, "residue-control",
		      "none of %u %u-byte windows of the control ciphertext found in %" PRIu64
		      " bytes: the scanner does not see the daemon's heap", CONTROL_WINDOWS,
		      CONTROL_WINDOW, st.bytes);
	if (control_hits > 0)
		note("control: %s", control_where);
	for (int i = 0; i < N_SECRETS; i++) {
		char name[64];

		snprintf(name, sizeof(name), "residue-%s", secrets[i].name);
		check(secrets[i].hits == 0, name, "%s; %" PRIu64 " hit(s) in all", secrets[i].where,
		      secrets[i].hits);
	}
	return test_finish();
}
