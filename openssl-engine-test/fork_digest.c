/*
 * fork-digest: OpenSSL's devcrypto engine across fork().
 *
 * Loads the engine (argv[1]: path of devcrypto.so) with USE_SOFTDRIVERS=1, computes a digest
 * through it (so /dev/crypto is open and the probe has run), forks, and then computes digests
 * of every algorithm through the engine in both processes at once: several sizes, split
 * updates, a context copy (CIOCCPHASH) and one-shot digests. Every result is compared with
 * libcrypto's own implementation. Both processes share the engine's descriptor, so they share
 * its open file and the daemon sees their sessions side by side.
 *
 * Prints a FAIL line per mismatch and "N passed, M failed" (both processes); exits 0 only if
 * nothing failed.
 */
/* The ENGINE API is deprecated since 3.0; this program exists to exercise it. */
#define OPENSSL_API_COMPAT 10101

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>

static const char *const DIGESTS[] = {"md5", "sha1", "ripemd160", "sha224", "sha256", "sha384",
				      "sha512"};
#define NDIGESTS (sizeof(DIGESTS) / sizeof(DIGESTS[0]))
static const size_t SIZES[] = {0, 1, 55, 64, 65, 1000, 8192, 20000};
#define NSIZES (sizeof(SIZES) / sizeof(SIZES[0]))
#define MAXSIZE 20000
#define ROUNDS 2
#define SEEDS 2 /* one data set per process */

static unsigned passed, failed;
static const char *role = "parent";

/*
 * Expected digests of the whole message and of its first half, computed before the engine is
 * loaded: once loaded, the engine registers itself for its digests' NIDs and libcrypto would
 * route even engine-less calls through it.
 */
static unsigned char want[SEEDS][ROUNDS][NDIGESTS][NSIZES][2][EVP_MAX_MD_SIZE];

static void check(int ok, const char *what, const char *md, size_t size, unsigned round)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s: %s %s, %zu bytes, round %u\n", role, what, md, size, round);
	ERR_print_errors_fp(stdout);
}

/* Deterministic data, different for each process, round, digest and size. */
static void fill(unsigned char *buf, size_t len, unsigned seed, unsigned round, size_t d, size_t s)
{
	unsigned x = (seed * 7919u + round * 131u + (unsigned)(d * NSIZES + s)) * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (unsigned char)(x >> 16);
	}
}

static int references(void)
{
	static unsigned char buf[MAXSIZE];

	for (unsigned seed = 0; seed < SEEDS; seed++)
		for (unsigned round = 0; round < ROUNDS; round++)
			for (size_t d = 0; d < NDIGESTS; d++)
				for (size_t s = 0; s < NSIZES; s++) {
					const EVP_MD *md = EVP_get_digestbyname(DIGESTS[d]);
					unsigned char *w = want[seed][round][d][s][0];
					unsigned char *h = want[seed][round][d][s][1];

					fill(buf, SIZES[s], seed, round, d, s);
					if (md == NULL ||
					    !EVP_Digest(buf, SIZES[s], w, NULL, md, NULL) ||
					    !EVP_Digest(buf, SIZES[s] / 2, h, NULL, md, NULL))
						return 0;
				}
	return 1;
}

/* Digest of buf through the engine in three updates; 0 on error. */
static int engine_digest(ENGINE *e, const EVP_MD *md, const unsigned char *buf, size_t len,
			 unsigned char *out)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	size_t third = len / 3;
	int ok = ctx != NULL && EVP_DigestInit_ex(ctx, md, e) && EVP_DigestUpdate(ctx, buf, third) &&
		 EVP_DigestUpdate(ctx, buf + third, third) &&
		 EVP_DigestUpdate(ctx, buf + 2 * third, len - 2 * third) &&
		 EVP_DigestFinal_ex(ctx, out, NULL);

	EVP_MD_CTX_free(ctx);
	return ok;
}

/* The first half digested, the context copied (CIOCCPHASH), the copies finished differently. */
static int engine_copy(ENGINE *e, const EVP_MD *md, const unsigned char *buf, size_t len,
		       unsigned char *whole, unsigned char *half)
{
	EVP_MD_CTX *one = EVP_MD_CTX_new(), *two = EVP_MD_CTX_new();
	size_t mid = len / 2;
	int ok = one != NULL && two != NULL && EVP_DigestInit_ex(one, md, e) &&
		 EVP_DigestUpdate(one, buf, mid) && EVP_MD_CTX_copy_ex(two, one) &&
		 EVP_DigestUpdate(one, buf + mid, len - mid) && EVP_DigestFinal_ex(one, whole, NULL) &&
		 EVP_DigestFinal_ex(two, half, NULL);

	EVP_MD_CTX_free(one);
	EVP_MD_CTX_free(two);
	return ok;
}

static void run(ENGINE *e, unsigned seed)
{
	static unsigned char buf[MAXSIZE];

	for (unsigned round = 0; round < ROUNDS; round++) {
		for (size_t d = 0; d < NDIGESTS; d++) {
			const EVP_MD *md = EVP_get_digestbyname(DIGESTS[d]);
			size_t n = (size_t)EVP_MD_get_size(md);

			for (size_t s = 0; s < NSIZES; s++) {
				const unsigned char *w = want[seed][round][d][s][0];
				const unsigned char *h = want[seed][round][d][s][1];
				unsigned char got[EVP_MAX_MD_SIZE], half[EVP_MAX_MD_SIZE];
				size_t size = SIZES[s];

				fill(buf, size, seed, round, d, s);
				check(engine_digest(e, md, buf, size, got) && memcmp(got, w, n) == 0,
				      "digest in three updates", DIGESTS[d], size, round);
				check(engine_copy(e, md, buf, size, got, half) &&
					      memcmp(got, w, n) == 0 && memcmp(half, h, n) == 0,
				      "copied context", DIGESTS[d], size, round);
				/*
				 * One-shot (EVP_Digest): the engine answers an empty one-shot
				 * message with a digest it never computed (digest_update skips
				 * count 0, digest_final copies its result buffer), whatever the
				 * device; so only non-empty messages.
				 */
				if (size > 0)
					check(EVP_Digest(buf, size, got, NULL, md, e) &&
						      memcmp(got, w, n) == 0,
					      "one-shot digest", DIGESTS[d], size, round);
			}
		}
	}
}

int main(int argc, char **argv)
{
	ENGINE *e;
	int fds[2], status;
	pid_t child;
	unsigned child_passed = 0, child_failed = 0;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s /path/to/devcrypto.so\n", argv[0]);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!references()) {
		printf("FAIL computing the reference digests\n");
		ERR_print_errors_fp(stdout);
		printf("0 passed, 1 failed\n");
		return 1;
	}
	ENGINE_load_dynamic();
	e = ENGINE_by_id("dynamic");
	if (e == NULL || !ENGINE_ctrl_cmd_string(e, "SO_PATH", argv[1], 0) ||
	    !ENGINE_ctrl_cmd_string(e, "ID", "devcrypto", 0) ||
	    !ENGINE_ctrl_cmd_string(e, "LOAD", NULL, 0) ||
	    !ENGINE_ctrl_cmd_string(e, "USE_SOFTDRIVERS", "1", 0) || !ENGINE_init(e)) {
		printf("FAIL loading the devcrypto engine from %s\n", argv[1]);
		ERR_print_errors_fp(stdout);
		printf("0 passed, 1 failed\n");
		return 1;
	}
	for (size_t d = 0; d < NDIGESTS; d++) {
		const EVP_MD *m = EVP_get_digestbyname(DIGESTS[d]);

		check(m != NULL && ENGINE_get_digest(e, EVP_MD_get_type(m)) != NULL,
		      "engine offers", DIGESTS[d], 0, 0);
	}
	/* The engine's descriptor is open and in use before the fork. */
	check(EVP_Digest("abc", 3, md, &mdlen, EVP_sha256(), e) && mdlen == 32 &&
		      md[0] == 0xba && md[31] == 0xad,
	      "engine digest before fork", "sha256", 3, 0);

	if (pipe(fds) != 0 || (child = fork()) < 0) {
		perror("pipe/fork");
		return 1;
	}
	if (child == 0) {
		role = "child";
		close(fds[0]);
		run(e, 1);
		if (dprintf(fds[1], "%u %u\n", passed, failed) < 0)
			_exit(1);
		_exit(failed != 0);
	}
	close(fds[1]);
	run(e, 0);
	{
		FILE *from_child = fdopen(fds[0], "r");

		if (from_child == NULL ||
		    fscanf(from_child, "%u %u", &child_passed, &child_failed) != 2) {
			printf("FAIL child reported nothing\n");
			failed++;
		}
		if (from_child != NULL)
			fclose(from_child);
	}
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		printf("FAIL child exit status %d\n", status);
		failed++;
	}
	printf("parent %u passed, %u failed; child %u passed, %u failed\n", passed, failed,
	       child_passed, child_failed);
	ENGINE_finish(e);
	ENGINE_free(e);
	printf("%u passed, %u failed\n", passed + child_passed, failed + child_failed);
	return failed + child_failed != 0;
}
