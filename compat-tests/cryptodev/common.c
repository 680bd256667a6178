/* Shared helpers of the cryptodev compatibility programs (see common.h). */
#include "common.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static unsigned n_pass, n_fail, n_recorded;
static const char *prog = "test";

void test_init(const char *program)
{
	prog = program;
	setvbuf(stdout, NULL, _IOLBF, 0);
	setvbuf(stderr, NULL, _IONBF, 0);
	printf("# %s: %d-bit build\n", prog, (int)(8 * sizeof(void *)));
}

void pass(const char *name)
{
	n_pass++;
	printf("PASS %s\n", name);
}

void recorded(const char *name)
{
	n_recorded++;
	printf("RECORDED %s\n", name);
}

unsigned test_recorded(void)
{
	return n_recorded;
}

static void vfail(const char *name, const char *fmt, va_list ap)
{
	n_fail++;
	printf("FAIL %s: ", name);
	vprintf(fmt, ap);
	putchar('\n');
}

void fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(name, fmt, ap);
	va_end(ap);
}

void note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

int check(int cond, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (cond) {
		pass(name);
		return 1;
	}
	va_start(ap, fmt);
	vfail(name, fmt, ap);
	va_end(ap);
	return 0;
}

int check_bytes(const char *name, const void *expected, size_t explen, const void *got,
		size_t gotlen)
{
	const uint8_t *e = expected, *g = got;
	size_t i;

	if (explen == gotlen && memcmp(expected, got, explen) == 0) {
		pass(name);
		return 1;
	}
	for (i = 0; i < explen && i < gotlen && e[i] == g[i]; i++)
		;
	fail(name, "expected %s got %s (first difference at byte %zu)", hexstr(expected, explen),
	     hexstr(got, gotlen), i);
	return 0;
}

int expect_errno(const char *name, int rc, int errno_expected)
{
	int e = rc == -1 ? errno : 0;

	if (errno_expected == 0) {
		if (rc == 0)
			pass(name);
		else if (rc == -1)
			fail(name, "expected success, got %s", errno_name(e));
		else
			fail(name, "expected return 0, got %d", rc);
		return rc == 0;
	}
	if (rc == -1 && e == errno_expected) {
		pass(name);
		return 1;
	}
	if (rc == -1)
		fail(name, "expected %s, got %s", errno_name(errno_expected), errno_name(e));
	else
		fail(name, "expected %s, got success (return %d)", errno_name(errno_expected), rc);
	return 0;
}

unsigned test_failures(void)
{
	return n_fail;
}

unsigned test_passes(void)
{
	return n_pass;
}

int test_finish(void)
{
	printf("%u passed, %u failed\n", n_pass, n_fail);
	fflush(stdout);
	return n_fail == 0 ? 0 : 1;
}

void die(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(name, fmt, ap);
	va_end(ap);
	exit(test_finish());
}

const char *errno_name(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ 0, "success" },	  { EPERM, "EPERM" },	    { ENOENT, "ENOENT" },
		{ ESRCH, "ESRCH" },	  { EINTR, "EINTR" },	    { EIO, "EIO" },
		{ ENXIO, "ENXIO" },	  { E2BIG, "E2BIG" },	    { EBADF, "EBADF" },
		{ EAGAIN, "EAGAIN" },	  { ENOMEM, "ENOMEM" },	    { EACCES, "EACCES" },
		{ EFAULT, "EFAULT" },	  { EBUSY, "EBUSY" },	    { EEXIST, "EEXIST" },
		{ ENODEV, "ENODEV" },	  { EINVAL, "EINVAL" },	    { ENOTTY, "ENOTTY" },
		{ ENOSPC, "ENOSPC" },	  { ERANGE, "ERANGE" },	    { EDEADLK, "EDEADLK" },
		{ ENOSYS, "ENOSYS" },	  { EBADMSG, "EBADMSG" },   { EOVERFLOW, "EOVERFLOW" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { ENOTCONN, "ENOTCONN" }, { ECONNABORTED, "ECONNABORTED" },
		{ ETIMEDOUT, "ETIMEDOUT" }, { EMSGSIZE, "EMSGSIZE" }, { EPIPE, "EPIPE" },
	};
	static char buf[4][24];
	static unsigned slot;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].e == e)
			return names[i].name;
	slot = (slot + 1) % 4;
	snprintf(buf[slot], sizeof(buf[slot]), "errno %d", e);
	return buf[slot];
}

/* ---- bytes --------------------------------------------------------------------------- */

#define HEX_SHOW 96

const char *hexstr(const void *data, size_t len)
{
	static char buf[4][2 * HEX_SHOW + 48];
	static unsigned slot;
	const uint8_t *p = data;
	size_t i, show = len < HEX_SHOW ? len : HEX_SHOW;
	char *out;

	slot = (slot + 1) % 4;
	out = buf[slot];
	if (len == 0) {
		strcpy(out, "(empty)");
		return out;
	}
	for (i = 0; i < show; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	if (show < len)
		sprintf(out + 2 * show, "...(%zu bytes)", len);
	return out;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

uint8_t *spec_bytes(const char *spec, size_t *len)
{
	uint8_t *out;
	size_t n = 0, cap;

	if (spec == NULL || spec[0] == '\0') {
		*len = 0;
		return calloc(1, 1);
	}
	cap = strlen(spec) + 1;
	if (strncmp(spec, "h:", 2) == 0) {
		const char *p = spec + 2;
		int hi = -1;

		out = malloc(cap);
		for (; *p; p++) {
			int v;

			if (isspace((unsigned char)*p))
				continue;
			v = hexval((unsigned char)*p);
			if (v < 0)
				die("spec", "bad hex digit in %s", spec);
			if (hi < 0) {
				hi = v;
			} else {
				out[n++] = (uint8_t)(hi << 4 | v);
				hi = -1;
			}
		}
		if (hi >= 0)
			die("spec", "odd number of hex digits in %s", spec);
	} else if (strncmp(spec, "t:", 2) == 0) {
		n = strlen(spec + 2);
		out = malloc(n + 1);
		memcpy(out, spec + 2, n + 1);
	} else if (strncmp(spec, "r:", 2) == 0) {
		unsigned byte;
		unsigned long count;

		if (sscanf(spec + 2, "%2x*%lu", &byte, &count) != 2)
			die("spec", "bad repeat spec %s", spec);
		n = count;
		out = malloc(n + 1);
		memset(out, (int)byte, n);
	} else if (strncmp(spec, "seq:", 4) == 0) {
		size_t i;

		n = strtoul(spec + 4, NULL, 0);
		out = malloc(n + 1);
		for (i = 0; i < n; i++)
			out[i] = (uint8_t)i;
	} else {
		die("spec", "unknown byte spec %s", spec);
	}
	if (out == NULL)
		die("spec", "out of memory");
	*len = n;
	return out;
}

/* ---- device and ioctl wrappers ------------------------------------------------------- */

const char *device_path(int argc, char **argv)
{
	const char *p = opt_arg(argc, argv, 1);

	if (p == NULL)
		p = getenv("CRYPTODEV_DEVICE");
	if (p == NULL || p[0] == '\0')
		p = "/dev/crypto";
	return p;
}

int open_device(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("open", "open(%s): %s", path, errno_name(errno));
	return fd;
}

void xclose(const char *name, int fd)
{
	if (close(fd) != 0)
		fail(name, "close(%d): %s", fd, errno_name(errno));
}

int sess_create(int fd, uint32_t cipher, const void *key, uint32_t keylen, uint32_t mac,
		const void *mackey, uint32_t mackeylen, uint32_t *ses)
{
	struct session_op s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.cipher = cipher;
	s.mac = mac;
	s.keylen = keylen;
	s.key = UPTR(key);
	s.mackeylen = mackeylen;
	s.mackey = UPTR(mackey);
	s.ses = 0xdeadbeef;
	rc = ioctl(fd, CIOCGSESSION, &s);
	if (rc == 0 && ses != NULL)
		*ses = s.ses;
	return rc;
}

int sess_free(int fd, uint32_t ses)
{
	__u32 id = ses;

	return ioctl(fd, CIOCFSESSION, &id);
}

int sess_info(int fd, uint32_t ses, struct session_info_op *info)
{
	info->ses = ses;
	return ioctl(fd, CIOCGSESSINFO, info);
}

int cd_crypt(int fd, uint32_t ses, uint16_t op, uint16_t flags, const void *src, void *dst,
	     uint32_t len, void *iv, void *mac)
{
	struct crypt_op c;

	memset(&c, 0, sizeof(c));
	c.ses = ses;
	c.op = op;
	c.flags = flags;
	c.len = len;
	c.src = UPTR(src);
	c.dst = UPTR(dst);
	c.iv = UPTR(iv);
	c.mac = UPTR(mac);
	return ioctl(fd, CIOCCRYPT, &c);
}

int cd_cphash(int fd, uint32_t dst_ses, uint32_t src_ses)
{
	struct cphash_op op;

	op.dst_ses = dst_ses;
	op.src_ses = src_ses;
	return ioctl(fd, CIOCCPHASH, &op);
}

int need_session(const char *name, int fd, uint32_t cipher, const void *key, uint32_t keylen,
		 uint32_t mac, const void *mackey, uint32_t mackeylen, uint32_t *ses)
{
	if (sess_create(fd, cipher, key, keylen, mac, mackey, mackeylen, ses) == 0)
		return 0;
	fail(name, "CIOCGSESSION{cipher=%u keylen=%u mac=%u mackeylen=%u}: %s", cipher, keylen,
	     mac, mackeylen, errno_name(errno));
	return -1;
}

void drop_session(const char *name, int fd, uint32_t ses)
{
	if (sess_free(fd, ses) != 0)
		fail(name, "CIOCFSESSION(%#x): %s", ses, errno_name(errno));
}

/* ---- PRNG ---------------------------------------------------------------------------- */

void rng_seed(rng_t *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t rng_next(rng_t *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t rng_u32(rng_t *r)
{
	return (uint32_t)(rng_next(r) >> 32);
}

uint32_t rng_below(rng_t *r, uint32_t n)
{
	return (uint32_t)(((uint64_t)rng_u32(r) * (uint64_t)n) >> 32);
}

uint32_t rng_range(rng_t *r, uint32_t lo, uint32_t hi)
{
	if (hi <= lo)
		return lo;
	if (lo == 0 && hi == UINT32_MAX)
		return rng_u32(r);
	return lo + rng_below(r, hi - lo + 1);
}

void rng_fill(rng_t *r, void *buf, uint32_t len)
{
	uint8_t *p = buf;
	uint32_t i = 0;

	while (i < len) {
		uint64_t v = rng_next(r);
		uint32_t k;

		for (k = 0; k < 8 && i < len; k++, i++)
			p[i] = (uint8_t)(v >> (8 * k));
	}
}

uint64_t parse_u64(const char *what, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0')
		die("args", "bad %s: %s", what, s);
	return (uint64_t)v;
}

const char *opt_arg(int argc, char **argv, int i)
{
	if (i >= argc || argv[i] == NULL || argv[i][0] == '\0' || strcmp(argv[i], "-") == 0)
		return NULL;
	return argv[i];
}

uint64_t fnv64(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

uint64_t fnv64_u32(uint64_t h, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };

	return fnv64(h, b, 4);
}

/* ---- additions for the AEAD, async, asymmetric and CRIOGET programs ------------------- */

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		die("malloc", "out of memory (%zu bytes)", size);
	return p;
}

uint8_t *unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex);
	char *spec = xmalloc(n + 3);
	uint8_t *out;

	memcpy(spec, "h:", 2);
	memcpy(spec + 2, hex, n + 1);
	out = spec_bytes(spec, len);
	free(spec);
	return out;
}

int cd_authcrypt(int fd, const struct authcrypt_args *a, struct crypt_auth_op *back)
{
	struct crypt_auth_op op;
	int rc, e;

	memset(&op, 0, sizeof(op));
	op.ses = a->ses;
	op.op = a->op;
	op.flags = a->flags;
	op.len = a->len;
	op.auth_len = a->auth_len;
	op.auth_src = UPTR(a->auth_src);
	op.src = UPTR(a->src);
	op.dst = UPTR(a->dst);
	op.tag = UPTR(a->tag);
	op.tag_len = a->tag_len;
	op.iv = UPTR(a->iv);
	op.iv_len = a->iv_len;
	rc = ioctl(fd, CIOCAUTHCRYPT, &op);
	e = errno;
	if (back != NULL)
		*back = op;
	errno = e;
	return rc;
}

static uint64_t transcript_h = FNV64_INIT;

void transcript_bytes(const void *data, size_t len)
{
	transcript_h = fnv64_u32(transcript_h, (uint32_t)len);
	transcript_h = fnv64(transcript_h, data, len);
}

void transcript_u32(uint32_t v)
{
	transcript_h = fnv64_u32(transcript_h, v);
}

void transcript_checkpoint(const char *label)
{
	printf("CHECKPOINT %s %016llx\n", label, (unsigned long long)transcript_h);
}

void transcript_print(void)
{
	printf("TRANSCRIPT %016llx\n", (unsigned long long)transcript_h);
}

#ifdef WITH_LIBCRYPTO
#include <openssl/err.h>

char ossl_err[256];

int ossl_fail(const char *what)
{
	unsigned long e = ERR_get_error();

	snprintf(ossl_err, sizeof(ossl_err), "%s: %s", what,
		 e ? ERR_error_string(e, NULL) : "(no OpenSSL error)");
	ERR_clear_error();
	return -1;
}
#endif

/* ---- the daemon process ---------------------------------------------------------------- */

static int read_comm(pid_t pid, char *comm, size_t size)
{
	char path[64];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	n = fread(comm, 1, size - 1, f);
	fclose(f);
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return 0;
}

static pid_t find_daemon(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;
	unsigned count = 0;

	if (d == NULL)
		die("daemon", "opendir(/proc): %s", errno_name(errno));
	while ((e = readdir(d)) != NULL) {
		char comm[64];
		pid_t pid;

		if (e->d_name[0] < '1' || e->d_name[0] > '9' ||
		    strspn(e->d_name, "0123456789") != strlen(e->d_name) ||
		    strlen(e->d_name) > 9)
			continue;
		pid = (pid_t)strtol(e->d_name, NULL, 10);
		if (read_comm(pid, comm, sizeof(comm)) != 0 ||
		    strcmp(comm, "cryptodev-cuse") != 0)
			continue;
		count++;
		found = pid;
	}
	closedir(d);
	if (count == 0)
		die("daemon", "no process named cryptodev-cuse; give DAEMON_PID or set "
			      "CRYPTODEV_DAEMON_PID");
	if (count > 1)
		die("daemon", "%u processes named cryptodev-cuse; give DAEMON_PID or set "
			      "CRYPTODEV_DAEMON_PID", count);
	return found;
}

pid_t daemon_pid(int argc, char **argv, int index)
{
	const char *arg = opt_arg(argc, argv, index);
	uint64_t v;

	if (arg == NULL) {
		arg = getenv("CRYPTODEV_DAEMON_PID");
		if (arg != NULL && arg[0] == '\0')
			arg = NULL;
	}
	if (arg == NULL)
		return find_daemon();
	v = parse_u64("daemon pid", arg);
	if (v == 0 || v > INT32_MAX)
		die("args", "bad daemon pid: %s", arg);
	return (pid_t)v;
}
