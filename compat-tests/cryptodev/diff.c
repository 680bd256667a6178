/*
 * diff: random differential test. Each case picks an algorithm (every cipher, hash and HMAC
 * the daemon implements), a random key of a valid length, a random IV, a random length
 * (mostly small, some up to MAXLEN; whole blocks for block modes) and a direction, then
 * runs it through the daemon split into several CIOCCRYPT calls: hashes as UPDATE chunks
 * and a finishing call, ciphers as block-aligned chunks chained through COP_FLAG_WRITE_IV
 * (and, from a random chunk on, implicitly through the session with iv == NULL); XTS
 * chunks are separate data units with consecutive tweaks.
 *
 * Built with -DWITH_LIBCRYPTO (64-bit), every case is compared with OpenSSL's EVP API.
 * Both builds print "TRANSCRIPT <hex>", a 64-bit FNV-1a over every case's (algorithm,
 * length, direction, result, output bytes, chained IV), and "CHECKPOINT <n> <hex>" every
 * 250 cases: same seed => same cases on both ABIs, so a runner can compare the 32-bit
 * transcript with the OpenSSL-verified 64-bit one. The case generator uses fixed-width
 * integer math only.
 *
 * Without -DWITH_LIBCRYPTO (the 32-bit build) nothing here can tell whether a case's output
 * is right, so a case whose calls all succeed prints "RECORDED <name>", not PASS, and is
 * not counted as passed: it is checked only when its transcript is compared with the 64-bit
 * build's. A case whose calls fail still prints FAIL.
 *
 * usage: diff [DEVICE [COUNT [MAXLEN [SEED]]]]     ("-" keeps a default)
 * defaults: COUNT 2000, MAXLEN 204800, SEED 0x6469666674657374
 */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef WITH_LIBCRYPTO
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/provider.h>
#endif

enum chain { CH_CBC, CH_ECB, CH_CTR, CH_STREAM, CH_XTS, CH_NULL, CH_HASH };

struct dalg {
	const char *name;
	uint32_t cipher, mac;
	enum chain chain;
	uint32_t block; /* length granularity (cipher); chunk granularity is max(block, 16) for
			 * CTR/CFB/OFB, so that chaining is exact */
	uint32_t ivlen;
	uint32_t kmin, kmax; /* key length range ... */
	uint32_t kset[3];    /* ... or one of these (kset[0] != 0) */
	uint32_t dlen;
};

static const struct dalg algs[] = {
	{ "des-cbc", CRYPTO_DES_CBC, 0, CH_CBC, 8, 8, 0, 0, { 8 }, 0 },
	{ "3des-cbc", CRYPTO_3DES_CBC, 0, CH_CBC, 8, 8, 0, 0, { 24 }, 0 },
	{ "blowfish-cbc", CRYPTO_BLF_CBC, 0, CH_CBC, 8, 8, 4, 56, { 0 }, 0 },
	{ "cast5-cbc", CRYPTO_CAST_CBC, 0, CH_CBC, 8, 8, 5, 16, { 0 }, 0 },
	{ "aes-cbc", CRYPTO_AES_CBC, 0, CH_CBC, 16, 16, 0, 0, { 16, 24, 32 }, 0 },
	{ "aes-ecb", CRYPTO_AES_ECB, 0, CH_ECB, 16, 0, 0, 0, { 16, 24, 32 }, 0 },
	{ "aes-ctr", CRYPTO_AES_CTR, 0, CH_CTR, 1, 16, 0, 0, { 16, 24, 32 }, 0 },
	{ "aes-cfb", CRYPTO_AES_CFB, 0, CH_STREAM, 1, 16, 0, 0, { 16, 24, 32 }, 0 },
	{ "aes-ofb", CRYPTO_AES_OFB, 0, CH_STREAM, 1, 16, 0, 0, { 16, 24, 32 }, 0 },
	{ "aes-xts", CRYPTO_AES_XTS, 0, CH_XTS, 16, 16, 0, 0, { 32, 48, 64 }, 0 },
	{ "camellia-cbc", CRYPTO_CAMELLIA_CBC, 0, CH_CBC, 16, 16, 0, 0, { 16, 24, 32 }, 0 },
	{ "null", CRYPTO_NULL, 0, CH_NULL, 1, 0, 0, 0, { 0 }, 0 },
	{ "md5", 0, CRYPTO_MD5, CH_HASH, 1, 0, 0, 0, { 0 }, 16 },
	{ "sha1", 0, CRYPTO_SHA1, CH_HASH, 1, 0, 0, 0, { 0 }, 20 },
	{ "rmd160", 0, CRYPTO_RIPEMD160, CH_HASH, 1, 0, 0, 0, { 0 }, 20 },
	{ "sha224", 0, CRYPTO_SHA2_224, CH_HASH, 1, 0, 0, 0, { 0 }, 28 },
	{ "sha256", 0, CRYPTO_SHA2_256, CH_HASH, 1, 0, 0, 0, { 0 }, 32 },
	{ "sha384", 0, CRYPTO_SHA2_384, CH_HASH, 1, 0, 0, 0, { 0 }, 48 },
	{ "sha512", 0, CRYPTO_SHA2_512, CH_HASH, 1, 0, 0, 0, { 0 }, 64 },
	{ "hmac-md5", 0, CRYPTO_MD5_HMAC, CH_HASH, 1, 0, 0, 200, { 0 }, 16 },
	{ "hmac-sha1", 0, CRYPTO_SHA1_HMAC, CH_HASH, 1, 0, 0, 200, { 0 }, 20 },
	{ "hmac-rmd160", 0, CRYPTO_RIPEMD160_HMAC, CH_HASH, 1, 0, 0, 200, { 0 }, 20 },
	{ "hmac-sha224", 0, CRYPTO_SHA2_224_HMAC, CH_HASH, 1, 0, 0, 200, { 0 }, 28 },
	{ "hmac-sha256", 0, CRYPTO_SHA2_256_HMAC, CH_HASH, 1, 0, 0, 200, { 0 }, 32 },
	{ "hmac-sha384", 0, CRYPTO_SHA2_384_HMAC, CH_HASH, 1, 0, 0, 200, { 0 }, 48 },
	{ "hmac-sha512", 0, CRYPTO_SHA2_512_HMAC, CH_HASH, 1, 0, 0, 200, { 0 }, 64 },
};
#define NALGS ((uint32_t)ARRAY_SIZE(algs))

#define MAXCHUNKS 6

/* Everything a case consists of; generated from the PRNG alone. */
struct dcase {
	uint32_t alg, keylen, len, dir, nchunks;
	uint32_t cut[MAXCHUNKS + 1]; /* chunk i = [cut[i], cut[i+1]) */
	uint32_t implicit_from;      /* ciphers: chunks >= this use iv == NULL */
	uint32_t hash_mode;	     /* 0 one-shot, 1 FINAL len 0, 2 FINAL with data,
				      * 3 UPDATE len 0 */
	uint32_t in_place;
	uint8_t key[CRYPTO_HMAC_MAX_KEY_LEN], iv[16];
};

static uint32_t gen_len(rng_t *r, uint32_t maxlen)
{
	uint32_t p = rng_below(r, 100), cap;

	cap = p < 55 ? 256 : p < 80 ? 4096 : p < 95 ? 32768 : maxlen;
	if (cap > maxlen)
		cap = maxlen;
	return rng_range(r, 0, cap);
}

static void gen_case(rng_t *r, struct dcase *c, uint8_t *data, uint32_t maxlen)
{
	const struct dalg *a;
	uint32_t unit, slots, n, i;

	memset(c, 0, sizeof(*c));
	c->alg = rng_below(r, NALGS);
	a = &algs[c->alg];
	if (a->kset[0] != 0) {
		uint32_t k = 1 + (a->kset[1] != 0) + (a->kset[2] != 0);

		c->keylen = a->kset[rng_below(r, k)];
	} else {
		c->keylen = rng_range(r, a->kmin, a->kmax);
	}
	rng_fill(r, c->key, c->keylen);
	rng_fill(r, c->iv, 16);
	c->len = gen_len(r, maxlen);
	c->len -= c->len % a->block;
	c->dir = a->chain == CH_HASH ? 0 : rng_below(r, 2);
	c->in_place = rng_below(r, 4) == 0;
	rng_fill(r, data, c->len);

	/*
	 * chunking: interior cut points on multiples of `unit`: the block for block modes,
	 * 16 for CTR/CFB/OFB (a partial block in the middle would not chain), 1 otherwise
	 */
	unit = a->chain == CH_HASH || a->chain == CH_NULL ? 1
	       : a->chain == CH_CTR || a->chain == CH_STREAM ? 16 : a->block;
	slots = c->len > 0 ? (c->len - 1) / unit : 0;
	n = c->len == 0 ? 0 : 1 + rng_below(r, MAXCHUNKS);
	if (n > slots + 1)
		n = slots + 1;
	c->nchunks = n;
	c->cut[0] = 0;
	for (i = 1; i < n; i++) {
		uint32_t x, j, dup;

		do {
			x = rng_range(r, 1, slots) * unit;
			dup = 0;
			for (j = 1; j < i; j++)
				dup |= c->cut[j] == x;
		} while (dup);
		c->cut[i] = x;
	}
	for (i = 2; i < n; i++)
		for (uint32_t j = i; j > 1 && c->cut[j - 1] > c->cut[j]; j--) {
			uint32_t t = c->cut[j];

			c->cut[j] = c->cut[j - 1];
			c->cut[j - 1] = t;
		}
	c->cut[n] = c->len;
	c->implicit_from = n > 0 ? 1 + rng_below(r, n) : 1; /* == n: all explicit */
	if (rng_below(r, 2))
		c->implicit_from = n;
	c->hash_mode = rng_below(r, 4);
}

/* ---- the daemon side -------------------------------------------------------------------- */

static int fd;

struct result {
	int err;	 /* 0 or the errno of the first failing call */
	const char *what; /* which call failed */
	uint32_t outlen;
	uint8_t ivout[16];
	int have_iv;
};

static void le_tweak(uint8_t *tweak, const uint8_t *base, uint32_t add)
{
	uint32_t carry = add;

	for (int i = 0; i < 16; i++) {
		uint32_t v = base[i] + (carry & 0xff);

		tweak[i] = (uint8_t)v;
		carry = (carry >> 8) + (v >> 8);
	}
}

static void run_daemon(const struct dcase *c, const uint8_t *data, uint8_t *out,
		       struct result *res)
{
	const struct dalg *a = &algs[c->alg];
	uint32_t ses;
	uint8_t ivbuf[16];
	int rc;

	memset(res, 0, sizeof(*res));
	if (a->chain == CH_HASH)
		rc = sess_create(fd, 0, NULL, 0, a->mac, c->keylen ? c->key : NULL, c->keylen, &ses);
	else
		rc = sess_create(fd, a->cipher, c->keylen ? c->key : NULL, c->keylen, 0, NULL, 0,
				 &ses);
	if (rc != 0) {
		res->err = errno;
		res->what = "CIOCGSESSION";
		return;
	}
#define CALL(what_, expr_)                  \
	do {                                \
		if ((expr_) != 0) {         \
			res->err = errno;   \
			res->what = (what_); \
			goto out;           \
		}                           \
	} while (0)

	if (a->chain == CH_HASH) {
		uint32_t n = c->nchunks, mode = c->hash_mode;

		res->outlen = a->dlen;
		if (n == 0) {
			uint16_t f = mode == 1 ? COP_FLAG_FINAL : mode == 3 ? COP_FLAG_UPDATE : 0;

			CALL("CIOCCRYPT(hash, len 0)",
			     cd_crypt(fd, ses, COP_ENCRYPT, f, NULL, NULL, 0, NULL, out));
		} else if (n == 1 && mode == 0) {
			CALL("CIOCCRYPT(hash, one-shot)",
			     cd_crypt(fd, ses, COP_ENCRYPT, 0, data, NULL, c->len, NULL, out));
		} else {
			for (uint32_t i = 0; i < n; i++) {
				uint32_t from = c->cut[i], len = c->cut[i + 1] - from;
				int last = i + 1 == n;
				uint16_t f = (last && mode == 2) ? COP_FLAG_FINAL : COP_FLAG_UPDATE;

				CALL("CIOCCRYPT(hash chunk)",
				     cd_crypt(fd, ses, COP_ENCRYPT, f, data + from, NULL, len, NULL,
					      (last && mode == 2) ? out : NULL));
			}
			if (mode == 3)
				CALL("CIOCCRYPT(hash UPDATE len 0)",
				     cd_crypt(fd, ses, COP_ENCRYPT, COP_FLAG_UPDATE, NULL, NULL, 0,
					      NULL, out));
			else if (mode != 2)
				CALL("CIOCCRYPT(hash FINAL len 0)",
				     cd_crypt(fd, ses, COP_ENCRYPT, COP_FLAG_FINAL, NULL, NULL, 0,
					      NULL, out));
		}
	} else {
		uint16_t op = c->dir ? COP_DECRYPT : COP_ENCRYPT;

		res->outlen = c->len;
		if (c->in_place)
			memcpy(out, data, c->len);
		memcpy(ivbuf, c->iv, 16);
		for (uint32_t i = 0; i < c->nchunks; i++) {
			uint32_t from = c->cut[i], len = c->cut[i + 1] - from;
			const uint8_t *src = c->in_place ? out + from : data + from;
			void *iv;
			uint16_t flags = 0;

			if (a->chain == CH_XTS) {
				/* each chunk is a data unit of its own, tweak = base + i (LE) */
				le_tweak(ivbuf, c->iv, i);
				iv = ivbuf;
			} else if (a->ivlen == 0) {
				iv = (i & 1) ? ivbuf : NULL; /* ignored either way */
			} else if (i < c->implicit_from) {
				iv = ivbuf;
				flags = COP_FLAG_WRITE_IV;
			} else {
				iv = NULL;
			}
			CALL("CIOCCRYPT(cipher chunk)",
			     cd_crypt(fd, ses, op, flags, src, out + from, len, iv, NULL));
		}
		if (c->nchunks > 0 && c->implicit_from >= c->nchunks &&
		    (a->chain == CH_CBC || a->chain == CH_CTR)) {
			memcpy(res->ivout, ivbuf, a->ivlen);
			res->have_iv = 1;
		}
	}
out:
	if (sess_free(fd, ses) != 0 && res->err == 0) {
		res->err = errno;
		res->what = "CIOCFSESSION";
	}
#undef CALL
}

/* ---- the OpenSSL side ------------------------------------------------------------------- */

#ifdef WITH_LIBCRYPTO
static const EVP_CIPHER *evp_cipher(const struct dalg *a, uint32_t keylen)
{
	int k = (int)keylen;

	switch (a->cipher) {
	case CRYPTO_DES_CBC:
		return EVP_des_cbc();
	case CRYPTO_3DES_CBC:
		return EVP_des_ede3_cbc();
	case CRYPTO_BLF_CBC:
		return EVP_bf_cbc();
	case CRYPTO_CAST_CBC:
		return EVP_cast5_cbc();
	case CRYPTO_AES_CBC:
		return k == 16 ? EVP_aes_128_cbc() : k == 24 ? EVP_aes_192_cbc() : EVP_aes_256_cbc();
	case CRYPTO_AES_ECB:
		return k == 16 ? EVP_aes_128_ecb() : k == 24 ? EVP_aes_192_ecb() : EVP_aes_256_ecb();
	case CRYPTO_AES_CTR:
		return k == 16 ? EVP_aes_128_ctr() : k == 24 ? EVP_aes_192_ctr() : EVP_aes_256_ctr();
	case CRYPTO_AES_CFB:
		return k == 16 ? EVP_aes_128_cfb128()
		       : k == 24 ? EVP_aes_192_cfb128() : EVP_aes_256_cfb128();
	case CRYPTO_AES_OFB:
		return k == 16 ? EVP_aes_128_ofb() : k == 24 ? EVP_aes_192_ofb() : EVP_aes_256_ofb();
	case CRYPTO_AES_XTS:
		return k == 32 ? EVP_aes_128_xts() : k == 64 ? EVP_aes_256_xts() : NULL;
	case CRYPTO_CAMELLIA_CBC:
		return k == 16 ? EVP_camellia_128_cbc()
		       : k == 24 ? EVP_camellia_192_cbc() : EVP_camellia_256_cbc();
	}
	return NULL;
}

static const EVP_MD *evp_md(uint32_t mac)
{
	switch (mac) {
	case CRYPTO_MD5:
	case CRYPTO_MD5_HMAC:
		return EVP_md5();
	case CRYPTO_SHA1:
	case CRYPTO_SHA1_HMAC:
		return EVP_sha1();
	case CRYPTO_RIPEMD160:
	case CRYPTO_RIPEMD160_HMAC:
		return EVP_ripemd160();
	case CRYPTO_SHA2_224:
	case CRYPTO_SHA2_224_HMAC:
		return EVP_sha224();
	case CRYPTO_SHA2_256:
	case CRYPTO_SHA2_256_HMAC:
		return EVP_sha256();
	case CRYPTO_SHA2_384:
	case CRYPTO_SHA2_384_HMAC:
		return EVP_sha384();
	case CRYPTO_SHA2_512:
	case CRYPTO_SHA2_512_HMAC:
		return EVP_sha512();
	}
	return NULL;
}

/* One EVP cipher pass, no padding; variable-length keys set before the key. */
static int evp_crypt(const EVP_CIPHER *cipher, const uint8_t *key, uint32_t keylen,
		     const uint8_t *iv, int enc, const uint8_t *in, uint8_t *out, uint32_t len)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int ol = 0, fl = 0, ok;

	ok = ctx != NULL && EVP_CipherInit_ex(ctx, cipher, NULL, NULL, NULL, enc) == 1 &&
	     EVP_CIPHER_CTX_set_key_length(ctx, (int)keylen) == 1 &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	     EVP_CipherInit_ex(ctx, NULL, NULL, key, iv, enc) == 1 &&
	     EVP_CipherUpdate(ctx, out, &ol, in, (int)len) == 1 &&
	     EVP_CipherFinal_ex(ctx, out + ol, &fl) == 1 && (uint32_t)(ol + fl) == len;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : ossl_fail(EVP_CIPHER_get0_name(cipher));
}

/* XTS with any AES key size (OpenSSL has no XTS-AES-192): one data unit. */
static int xts_manual(const uint8_t *key, uint32_t keylen, const uint8_t *tweak, int enc,
		      const uint8_t *in, uint8_t *out, uint32_t len)
{
	uint32_t half = keylen / 2, nb = len / 16;
	const EVP_CIPHER *ecb = half == 16 ? EVP_aes_128_ecb()
				: half == 24 ? EVP_aes_192_ecb() : EVP_aes_256_ecb();
	uint8_t *t = malloc((size_t)nb * 16 + 16), *x = malloc((size_t)nb * 16 + 16);
	uint8_t cur[16];
	int rc = -1;

	if (evp_crypt(ecb, key + half, half, NULL, 1, tweak, cur, 16) != 0)
		goto done;
	for (uint32_t b = 0; b < nb; b++) {
		uint8_t carry = cur[15] >> 7;

		memcpy(t + 16 * b, cur, 16);
		for (int i = 15; i > 0; i--)
			cur[i] = (uint8_t)(cur[i] << 1 | cur[i - 1] >> 7);
		cur[0] = (uint8_t)(cur[0] << 1);
		if (carry)
			cur[0] ^= 0x87;
	}
	for (uint32_t i = 0; i < nb * 16; i++)
		x[i] = in[i] ^ t[i];
	if (evp_crypt(ecb, key, half, NULL, enc, x, out, nb * 16) != 0)
		goto done;
	for (uint32_t i = 0; i < nb * 16; i++)
		out[i] ^= t[i];
	rc = 0;
done:
	free(t);
	free(x);
	return rc;
}

static int reference(const struct dcase *c, const uint8_t *data, uint8_t *ref,
		     uint8_t *ivref, int *have_iv)
{
	const struct dalg *a = &algs[c->alg];
	static const uint8_t nokey[1];

	*have_iv = 0;
	if (a->chain == CH_HASH) {
		unsigned int mdlen = 0;

		if (a->kmax > 0) { /* HMAC */
			if (HMAC(evp_md(a->mac), c->keylen ? c->key : nokey, (int)c->keylen,
				 c->len ? data : nokey, c->len, ref, &mdlen) == NULL)
				return ossl_fail("HMAC");
		} else if (EVP_Digest(c->len ? data : nokey, c->len, ref, &mdlen, evp_md(a->mac),
				      NULL) != 1) {
			return ossl_fail("EVP_Digest");
		}
		if (mdlen != a->dlen)
			return ossl_fail("digest length");
		return 0;
	}
	if (c->len == 0)
		return 0;
	if (a->chain == CH_NULL) {
		memcpy(ref, data, c->len);
		return 0;
	}
	if (a->chain == CH_XTS) {
		const EVP_CIPHER *x = evp_cipher(a, c->keylen);

		for (uint32_t i = 0; i < c->nchunks; i++) {
			uint32_t from = c->cut[i], len = c->cut[i + 1] - from;
			uint8_t tweak[16];
			int rc;

			le_tweak(tweak, c->iv, i);
			rc = x ? evp_crypt(x, c->key, c->keylen, tweak, !c->dir, data + from,
					   ref + from, len)
			       : xts_manual(c->key, c->keylen, tweak, !c->dir, data + from,
					    ref + from, len);
			if (rc != 0)
				return rc;
		}
		return 0;
	}
	if (evp_crypt(evp_cipher(a, c->keylen), c->key, c->keylen, a->ivlen ? c->iv : NULL,
		      !c->dir, data, ref, c->len) != 0)
		return -1;
	if (a->chain == CH_CBC) {
		/* the IV left behind: last ciphertext block (the input when decrypting) */
		memcpy(ivref, (c->dir ? data : ref) + c->len - a->block, a->block);
		*have_iv = 1;
	} else if (a->chain == CH_CTR) {
		uint32_t carry = (c->len + 15) / 16;

		memcpy(ivref, c->iv, 16);
		for (int i = 15; i >= 0 && carry; i--) {
			uint32_t v = ivref[i] + (carry & 0xff);

			ivref[i] = (uint8_t)v;
			carry = (carry >> 8) + (v >> 8);
		}
		*have_iv = 1;
	}
	return 0;
}

static void load_providers(void)
{
	OSSL_PROVIDER *legacy = OSSL_PROVIDER_load(NULL, "legacy");
	OSSL_PROVIDER *deflt = OSSL_PROVIDER_load(NULL, "default");
	EVP_CIPHER *bf;

	if (legacy == NULL) {
		ossl_fail("OSSL_PROVIDER_load(legacy)");
		die("openssl-legacy-provider",
		    "cannot load OpenSSL's legacy provider (%s); libcrypto.a does not contain it, "
		    "it is dlopen()ed from the modules directory (set OPENSSL_MODULES)", ossl_err);
	}
	if (deflt == NULL) {
		ossl_fail("OSSL_PROVIDER_load(default)");
		die("openssl-default-provider", "%s", ossl_err);
	}
	bf = EVP_CIPHER_fetch(NULL, "BF-CBC", NULL);
	if (bf == NULL)
		die("openssl-legacy-provider", "legacy provider loaded but BF-CBC not fetchable");
	EVP_CIPHER_free(bf);
	pass("openssl-legacy-provider");
	note("OpenSSL %s; legacy provider loaded from the modules directory (not built into "
	     "libcrypto.a)", OpenSSL_version(OPENSSL_VERSION_STRING));
}
#endif /* WITH_LIBCRYPTO */

static void describe(char *buf, size_t n, uint32_t i, const struct dcase *c)
{
	const struct dalg *a = &algs[c->alg];

	snprintf(buf, n, "case%u:%s:%s:len%u:key%u:parts%u%s%s", i, a->name,
		 a->chain == CH_HASH ? (c->hash_mode == 0   ? "oneshot"
					: c->hash_mode == 1 ? "final-empty"
					: c->hash_mode == 2 ? "final-data"
							    : "update-empty")
				     : (c->dir ? "dec" : "enc"),
		 c->len, c->keylen, c->nchunks, c->in_place ? ":inplace" : "",
		 a->chain != CH_HASH && a->ivlen && c->implicit_from < c->nchunks ? ":implicit-iv"
										   : "");
}

int main(int argc, char **argv)
{
	const char *dev = device_path(argc, argv);
	const char *a_count = opt_arg(argc, argv, 2), *a_max = opt_arg(argc, argv, 3);
	const char *a_seed = opt_arg(argc, argv, 4);
	uint32_t count = a_count ? (uint32_t)parse_u64("count", a_count) : 2000;
	uint32_t maxlen = a_max ? (uint32_t)parse_u64("max length", a_max) : 200 * 1024;
	uint64_t seed = a_seed ? parse_u64("seed", a_seed) : 0x6469666674657374ULL;
	uint8_t *data, *out;
	uint64_t h = FNV64_INIT;
	uint32_t per_alg[ARRAY_SIZE(algs)] = { 0 };
	uint64_t bytes = 0;
	rng_t rng;
	struct dcase *c = malloc(sizeof(*c));
#ifdef WITH_LIBCRYPTO
	uint8_t *ref;
#endif

	test_init("diff");
	note("device %s count %u maxlen %u seed %llu (0x%llx) reference %s", dev, count, maxlen,
	     (unsigned long long)seed, (unsigned long long)seed,
#ifdef WITH_LIBCRYPTO
	     "OpenSSL"
#else
	     "none (transcript only)"
#endif
	);
#ifdef WITH_LIBCRYPTO
	load_providers();
	ref = malloc((size_t)maxlen + 64);
#endif
	data = malloc((size_t)maxlen + 64);
	out = malloc((size_t)maxlen + 64);
	if (data == NULL || out == NULL || c == NULL)
		die("malloc", "out of memory");
	rng_seed(&rng, seed);
	fd = open_device(dev);
	for (uint32_t i = 0; i < count; i++) {
		struct result res;
		char name[160];
		const struct dalg *a;

		gen_case(&rng, c, data, maxlen);
		a = &algs[c->alg];
		per_alg[c->alg]++;
		bytes += c->len;
		describe(name, sizeof(name), i, c);
		memset(out, 0, (size_t)c->len + 64);
		run_daemon(c, data, out, &res);

		h = fnv64_u32(h, c->alg);
		h = fnv64_u32(h, c->len);
		h = fnv64_u32(h, c->dir);
		h = fnv64_u32(h, (uint32_t)res.err);
		if (res.err == 0) {
			h = fnv64(h, out, res.outlen);
			if (res.have_iv)
				h = fnv64(h, res.ivout, a->ivlen);
		}
		if (res.err != 0) {
			fail(name, "%s: %s", res.what, errno_name(res.err));
		} else {
#ifdef WITH_LIBCRYPTO
			uint8_t ivref[16];
			int have_iv;

			if (reference(c, data, ref, ivref, &have_iv) != 0)
				fail(name, "OpenSSL reference failed: %s", ossl_err);
			else if (memcmp(ref, out, res.outlen) != 0)
				check_bytes(name, ref, res.outlen, out, res.outlen);
			else if (res.have_iv && have_iv && memcmp(ivref, res.ivout, a->ivlen) != 0)
				fail(name, "written-back IV expected %s got %s", hexstr(ivref, a->ivlen),
				     hexstr(res.ivout, a->ivlen));
			else
				pass(name);
#else
			recorded(name);
#endif
		}
		if ((i + 1) % 250 == 0)
			printf("CHECKPOINT %u %016llx\n", i + 1, (unsigned long long)h);
	}
	printf("TRANSCRIPT %016llx\n", (unsigned long long)h);
	{
		char line[1024];
		size_t off = 0;

		for (uint32_t k = 0; k < NALGS; k++)
			off += (size_t)snprintf(line + off, sizeof(line) - off, "%s%s=%u",
						k ? " " : "", algs[k].name, per_alg[k]);
		note("cases per algorithm: %s", line);
		note("%llu payload bytes", (unsigned long long)bytes);
	}
#ifndef WITH_LIBCRYPTO
	note("%u cases RECORDED, not checked here: compare this TRANSCRIPT with the 64-bit "
	     "(OpenSSL-checked) build's for the same arguments", test_recorded());
#endif
	xclose("close", fd);
	return test_finish();
}
