/*
 * Shared helpers of the cryptodev compatibility programs: device opening, session and
 * CIOCCRYPT wrappers, PASS/FAIL accounting, errno checks, byte specs, a seeded PRNG.
 *
 * Output contract of every program: one line per check, "PASS <name>" or
 * "FAIL <name>: <detail>", or "RECORDED <name>" for a case whose output this build cannot
 * judge and only records in its transcript (checked against another build's); informational
 * lines start with "# ", and the last line is exactly "<N> passed, <M> failed" (RECORDED
 * cases count in neither); the exit status is 0 iff M == 0.
 */
#ifndef CRYPTODEV_COMPAT_COMMON_H
#define CRYPTODEV_COMPAT_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <crypto/cryptodev.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Pointer <-> struct field conversions that compile warning-free on both ABIs. */
#define UPTR(p) ((__u8 *)(uintptr_t)(p))

/* ---- accounting ---------------------------------------------------------------------- */

/* Call first: line-buffers stdout so fork()ed children never duplicate output. */
void test_init(const char *program);
void pass(const char *name);
/* A case whose output is only recorded for a comparison made elsewhere: "RECORDED <name>". */
void recorded(const char *name);
unsigned test_recorded(void);
void fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* PASS if cond, else FAIL with the formatted detail. Returns cond. */
int check(int cond, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* PASS if the two byte strings are equal, else FAIL "expected <hex> got <hex>". */
int check_bytes(const char *name, const void *expected, size_t explen, const void *got,
		size_t gotlen);
/*
 * rc is a syscall's return value (errno read when rc == -1). errno_expected 0 means the
 * call must succeed with rc == 0; otherwise it must fail with exactly that errno.
 */
int expect_errno(const char *name, int rc, int errno_expected);
/* Prints "<N> passed, <M> failed" and returns the exit status. */
int test_finish(void);
unsigned test_failures(void);
unsigned test_passes(void);
/* Fatal setup error: prints a FAIL line, the count line, exits 1. */
void die(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/* "EINVAL", "EFAULT", ... or "errno <n>"; 0 gives "success". */
const char *errno_name(int e);

/* ---- bytes --------------------------------------------------------------------------- */

/* Lower-case hex of up to `max` bytes (then "...(<len> bytes)"), in a rotating static buffer. */
const char *hexstr(const void *data, size_t len);
/*
 * A byte string from a spec: "h:<hex>" (spaces ignored), "t:<text>", "r:<hexbyte>*<count>",
 * "seq:<count>" (00 01 .. ff 00 ..), or "" for empty. Returns a malloc'd buffer (never
 * NULL) and its length; dies on a malformed spec.
 */
uint8_t *spec_bytes(const char *spec, size_t *len);

/* ---- device and ioctl wrappers ------------------------------------------------------- */

/* argv[1] if given and not "-" or "", else $CRYPTODEV_DEVICE, else /dev/crypto. */
const char *device_path(int argc, char **argv);
/* open(O_RDWR|O_CLOEXEC) or die. */
int open_device(const char *path);
/* close() that must succeed: FAIL line (named `name`) on error, nothing on success. */
void xclose(const char *name, int fd);

/* Each returns the ioctl's return value with errno preserved. */
int sess_create(int fd, uint32_t cipher, const void *key, uint32_t keylen, uint32_t mac,
		const void *mackey, uint32_t mackeylen, uint32_t *ses);
int sess_free(int fd, uint32_t ses);
int sess_info(int fd, uint32_t ses, struct session_info_op *info);
int cd_crypt(int fd, uint32_t ses, uint16_t op, uint16_t flags, const void *src, void *dst,
	     uint32_t len, void *iv, void *mac);
int cd_cphash(int fd, uint32_t dst_ses, uint32_t src_ses);

/*
 * Session creation that must succeed: FAIL line (named `name`) on error, nothing on success.
 * Returns 0 on success, -1 on failure.
 */
int need_session(const char *name, int fd, uint32_t cipher, const void *key, uint32_t keylen,
		 uint32_t mac, const void *mackey, uint32_t mackeylen, uint32_t *ses);
/* CIOCFSESSION that must succeed (FAIL line only on error). */
void drop_session(const char *name, int fd, uint32_t ses);

/* ---- PRNG (splitmix64; fixed-width math only, identical on -m32 and -m64) ---------------- */

typedef struct {
	uint64_t s;
} rng_t;

void rng_seed(rng_t *r, uint64_t seed);
uint64_t rng_next(rng_t *r);
uint32_t rng_u32(rng_t *r);
/* Uniform in [0, n); n > 0. */
uint32_t rng_below(rng_t *r, uint32_t n);
/* Uniform in [lo, hi]. */
uint32_t rng_range(rng_t *r, uint32_t lo, uint32_t hi);
void rng_fill(rng_t *r, void *buf, uint32_t len);

/* Parses a decimal/0x number argument or dies. */
uint64_t parse_u64(const char *what, const char *s);
/* argv[i] if present and not "-" or "", else NULL. */
const char *opt_arg(int argc, char **argv, int i);

/* 64-bit FNV-1a. */
#define FNV64_INIT 0xcbf29ce484222325ULL
uint64_t fnv64(uint64_t h, const void *data, size_t len);
uint64_t fnv64_u32(uint64_t h, uint32_t v);

/* ---- additions for the AEAD, async, asymmetric and CRIOGET programs ------------------- */

/* malloc() that dies on failure; never returns NULL (size 0 gives a 1-byte buffer). */
void *xmalloc(size_t size);
/* spec_bytes("h:<hex>"): a malloc'd buffer (never NULL) of the bytes `hex` spells. */
uint8_t *unhex(const char *hex, size_t *len);

/* The fields of a CIOCAUTHCRYPT request; what is not given is zero. */
struct authcrypt_args {
	uint32_t ses;
	uint16_t op, flags;
	const void *auth_src;
	uint32_t auth_len;
	const void *src;
	void *dst;
	uint32_t len;
	void *tag;
	uint32_t tag_len;
	void *iv;
	uint32_t iv_len;
};

/*
 * CIOCAUTHCRYPT with `a`'s fields. If `back` is non-NULL it receives the struct as the
 * daemon left it (len, tag and tag_len are outputs). Returns the ioctl's value, errno
 * preserved.
 */
int cd_authcrypt(int fd, const struct authcrypt_args *a, struct crypt_auth_op *back);

/*
 * A running transcript (64-bit FNV-1a) of daemon outputs for deterministic cases, for
 * programs whose 64-bit build checks them against OpenSSL: the runner compares the 32-bit
 * build's "TRANSCRIPT"/"CHECKPOINT" lines with the 64-bit build's. Only ABI-independent
 * values may go in (no pointers, no random signatures).
 */
void transcript_bytes(const void *data, size_t len);
void transcript_u32(uint32_t v);
/* Prints "CHECKPOINT <label> <hex>". */
void transcript_checkpoint(const char *label);
/* Prints "TRANSCRIPT <hex>". */
void transcript_print(void);

/*
 * The daemon's pid, for programs that inspect the daemon process: argv[index] if given and
 * not "-", else $CRYPTODEV_DAEMON_PID, else the only process whose /proc/PID/comm is
 * "cryptodev-cuse" (dies if there is none or more than one).
 */
pid_t daemon_pid(int argc, char **argv, int index);

#ifdef WITH_LIBCRYPTO
/* The last OpenSSL failure, as text; ossl_fail() records it and returns -1. */
extern char ossl_err[256];
int ossl_fail(const char *what);
#endif

#endif
