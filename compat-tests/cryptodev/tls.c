/*
 * tls: CIOCAUTHCRYPT with COP_FLAG_AEAD_TLS_TYPE on cipher + HMAC sessions (docs/ABI.md §11,
 * "TLS"): AES-CBC with HMAC-SHA1 and HMAC-SHA256, 3DES-CBC with HMAC-SHA1.
 * - encrypt, in place: record = CBC(plaintext || HMAC(auth || plaintext)[0..tag_len] ||
 *   padding), the padding pad_size = bs - (n % bs) bytes each holding pad_size - 1; the
 *   written-back len is the record length, tag_len the MAC length (0: the digest size).
 *   Each record is compared with the same record built from the daemon's plain CIOCCRYPT
 *   HMAC and CBC sessions and, built with -DWITH_LIBCRYPTO (64-bit), with OpenSSL's;
 * - decrypt, in place: the plaintext back and len = its length; WRITE_IV and iv == NULL
 *   chain like CBC;
 * - EBADMSG on a bad MAC, bad padding, a flipped ciphertext bit or different auth data;
 * - EINVAL: not in place, decrypt length not a multiple of the block, a record shorter
 *   than its MAC, tag_len above the digest size, auth_len above 4096, sessions without a
 *   cipher or without an HMAC, bad op.
 * Both builds print "TRANSCRIPT <hex>" over every record the daemon produced (and
 * "CHECKPOINT <label> <hex>" after each part): the 32-bit transcript must equal the
 * OpenSSL-checked 64-bit one.
 *
 * usage: tls [DEVICE [COUNT [SEED]]]     ("-" keeps a default)
 * defaults: COUNT 60 random records, SEED 0x746c737265636f72
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
#endif

struct suite {
	const char *name;
	uint32_t cipher, keylen, mac, mackeylen, bs, dlen;
};

static const struct suite suites[] = {
	{ "aes128-cbc-hmac-sha1", CRYPTO_AES_CBC, 16, CRYPTO_SHA1_HMAC, 20, 16, 20 },
	{ "aes256-cbc-hmac-sha1", CRYPTO_AES_CBC, 32, CRYPTO_SHA1_HMAC, 20, 16, 20 },
	{ "aes128-cbc-hmac-sha256", CRYPTO_AES_CBC, 16, CRYPTO_SHA2_256_HMAC, 32, 16, 32 },
	{ "aes256-cbc-hmac-sha256", CRYPTO_AES_CBC, 32, CRYPTO_SHA2_256_HMAC, 32, 16, 32 },
	{ "3des-cbc-hmac-sha1", CRYPTO_3DES_CBC, 24, CRYPTO_SHA1_HMAC, 20, 8, 20 },
};

/* Room after a record's plaintext: MAC, a block of padding and a guard. */
#define SLACK (64 + 16 + 32)

static int fd;

/* A TLS 1.2 record header as the MAC's additional data: seq, type, version, length. */
static void tls_header(uint8_t *h, uint64_t seq, uint32_t len)
{
	for (int i = 0; i < 8; i++)
		h[i] = (uint8_t)(seq >> (56 - 8 * i));
	h[8] = 0x17;
	h[9] = 3;
	h[10] = 3;
	h[11] = (uint8_t)(len >> 8);
	h[12] = (uint8_t)len;
}

static uint32_t record_len(const struct suite *s, uint32_t n, uint32_t t)
{
	return n + t + (s->bs - (n + t) % s->bs);
}

/* The record's plaintext: pt || mac[0..t] || padding. */
static uint32_t compose(const struct suite *s, const uint8_t *pt, uint32_t n, const uint8_t *mac,
			uint32_t t, uint8_t *out)
{
	uint32_t total = record_len(s, n, t), pad = total - n - t;

	memmove(out, pt, n);
	memcpy(out + n, mac, t);
	memset(out + n + t, (int)(pad - 1), pad);
	return total;
}

/* ---- references ------------------------------------------------------------------------- */

/* The same record from the daemon's plain HMAC and CBC sessions (both builds). */
static int daemon_record(const struct suite *s, const uint8_t *key, const uint8_t *mackey,
			 const uint8_t *iv, const uint8_t *aad, uint32_t aadlen, const uint8_t *pt,
			 uint32_t n, uint32_t t, uint8_t *out, uint32_t *outlen)
{
	uint8_t *msg = xmalloc((size_t)aadlen + n), mac[64], ivb[16];
	uint32_t hs, cs, total;
	int rc = -1;

	memcpy(msg, aad, aadlen);
	memcpy(msg + aadlen, pt, n);
	if (sess_create(fd, 0, NULL, 0, s->mac, mackey, s->mackeylen, &hs) != 0)
		goto out;
	rc = cd_crypt(fd, hs, COP_ENCRYPT, 0, msg, NULL, aadlen + n, NULL, mac);
	sess_free(fd, hs);
	if (rc != 0)
		goto out;
	total = compose(s, pt, n, mac, t, out);
	rc = -1;
	if (sess_create(fd, s->cipher, key, s->keylen, 0, NULL, 0, &cs) != 0)
		goto out;
	memcpy(ivb, iv, s->bs);
	rc = cd_crypt(fd, cs, COP_ENCRYPT, 0, out, out, total, ivb, NULL);
	sess_free(fd, cs);
	*outlen = total;
out:
	free(msg);
	return rc;
}

/* CBC through a plain cipher session (for crafting bad records). */
static int daemon_cbc(const struct suite *s, const uint8_t *key, const uint8_t *iv, uint16_t op,
		      uint8_t *buf, uint32_t len)
{
	uint8_t ivb[16];
	uint32_t cs;
	int rc;

	if (sess_create(fd, s->cipher, key, s->keylen, 0, NULL, 0, &cs) != 0)
		return -1;
	memcpy(ivb, iv, s->bs);
	rc = cd_crypt(fd, cs, op, 0, buf, buf, len, ivb, NULL);
	sess_free(fd, cs);
	return rc;
}

static int daemon_hmac(const struct suite *s, const uint8_t *mackey, const uint8_t *aad,
		       uint32_t aadlen, const uint8_t *pt, uint32_t n, uint8_t *mac)
{
	uint8_t *msg = xmalloc((size_t)aadlen + n);
	uint32_t hs;
	int rc = -1;

	memcpy(msg, aad, aadlen);
	memcpy(msg + aadlen, pt, n);
	if (sess_create(fd, 0, NULL, 0, s->mac, mackey, s->mackeylen, &hs) == 0) {
		rc = cd_crypt(fd, hs, COP_ENCRYPT, 0, msg, NULL, aadlen + n, NULL, mac);
		sess_free(fd, hs);
	}
	free(msg);
	return rc;
}

#ifdef WITH_LIBCRYPTO
/* The record built with OpenSSL's HMAC and EVP CBC (no EVP padding: TLS's is added here). */
static int ossl_record(const struct suite *s, const uint8_t *key, const uint8_t *mackey,
		      const uint8_t *iv, const uint8_t *aad, uint32_t aadlen, const uint8_t *pt,
		      uint32_t n, uint32_t t, uint8_t *out, uint32_t *outlen)
{
	const EVP_MD *md = s->mac == CRYPTO_SHA1_HMAC ? EVP_sha1() : EVP_sha256();
	const EVP_CIPHER *c = s->cipher == CRYPTO_3DES_CBC ? EVP_des_ede3_cbc()
			      : s->keylen == 16		 ? EVP_aes_128_cbc()
							 : EVP_aes_256_cbc();
	uint8_t mac[EVP_MAX_MD_SIZE], *plain = xmalloc((size_t)n + SLACK);
	uint8_t *msg = xmalloc((size_t)aadlen + n);
	unsigned int maclen = 0;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint32_t total;
	int ol = 0, fl = 0, ok;

	memcpy(msg, aad, aadlen);
	memcpy(msg + aadlen, pt, n);
	ok = HMAC(md, mackey, (int)s->mackeylen, msg, (size_t)aadlen + n, mac, &maclen) != NULL &&
	     maclen == s->dlen;
	free(msg);
	if (!ok) {
		free(plain);
		EVP_CIPHER_CTX_free(ctx);
		return ossl_fail("HMAC");
	}
	total = compose(s, pt, n, mac, t, plain);
	ok = ctx != NULL && EVP_EncryptInit_ex(ctx, c, NULL, key, iv) == 1 &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	     EVP_EncryptUpdate(ctx, out, &ol, plain, (int)total) == 1 &&
	     EVP_EncryptFinal_ex(ctx, out + ol, &fl) == 1 && (uint32_t)(ol + fl) == total;
	EVP_CIPHER_CTX_free(ctx);
	free(plain);
	*outlen = total;
	return ok ? 0 : ossl_fail("EVP CBC");
}
#endif

/* ---- one record ------------------------------------------------------------------------ */

struct keys {
	uint8_t key[32], mackey[64], iv[16];
};

/*
 * Seals pt (n bytes) with tag_len `targ` (t the MAC length expected), checks the record
 * against both references and the written-back fields, opens it again. Adds the record to
 * the transcript. One PASS line (name) when everything held.
 */
static void record_case(const char *name, const struct suite *s, uint32_t ses,
			const struct keys *k, const uint8_t *aad, uint32_t aadlen,
			const uint8_t *pt, uint32_t n, uint32_t targ, uint32_t t)
{
	uint8_t *buf = xmalloc((size_t)n + SLACK), *ref = xmalloc((size_t)n + SLACK), ivb[16];
	uint32_t want = record_len(s, n, t), reflen = 0;
	struct crypt_auth_op back;
	int rc;

	memset(buf, 0xa5, (size_t)n + SLACK);
	memcpy(buf, pt, n);
	memcpy(ivb, k->iv, s->bs);
	rc = cd_authcrypt(fd, &(struct authcrypt_args){ .ses = ses, .op = COP_ENCRYPT,
							.flags = COP_FLAG_AEAD_TLS_TYPE,
							.auth_src = aad, .auth_len = aadlen,
							.src = buf, .dst = buf, .len = n,
							.tag_len = targ, .iv = ivb },
			  &back);
	transcript_u32(rc == 0 ? 0 : (uint32_t)errno);
	if (rc != 0) {
		fail(name, "encrypt: %s", errno_name(errno));
		goto out;
	}
	transcript_bytes(buf, want);
	if (back.len != want || back.tag_len != t) {
		fail(name, "encrypt wrote back len %u tag_len %u, expected %u and %u", back.len,
		     back.tag_len, want, t);
		goto out;
	}
	for (uint32_t i = want; i < n + SLACK; i++)
		if (buf[i] != 0xa5) {
			fail(name, "encrypt wrote past the %u-byte record (byte %u)", want, i);
			goto out;
		}
	if (daemon_record(s, k->key, k->mackey, k->iv, aad, aadlen, pt, n, t, ref, &reflen) != 0) {
		fail(name, "reference through CIOCCRYPT sessions: %s", errno_name(errno));
		goto out;
	}
	if (reflen != want || memcmp(ref, buf, want) != 0) {
		fail(name, "record differs from CBC(pt || HMAC || pad) of the plain sessions: "
			   "expected %s got %s", hexstr(ref, reflen), hexstr(buf, want));
		goto out;
	}
#ifdef WITH_LIBCRYPTO
	if (ossl_record(s, k->key, k->mackey, k->iv, aad, aadlen, pt, n, t, ref, &reflen) != 0) {
		fail(name, "OpenSSL reference failed: %s", ossl_err);
		goto out;
	}
	if (reflen != want || memcmp(ref, buf, want) != 0) {
		fail(name, "record differs from OpenSSL's: expected %s got %s",
		     hexstr(ref, reflen), hexstr(buf, want));
		goto out;
	}
#endif
	memcpy(ivb, k->iv, s->bs);
	rc = cd_authcrypt(fd, &(struct authcrypt_args){ .ses = ses, .op = COP_DECRYPT,
							.flags = COP_FLAG_AEAD_TLS_TYPE,
							.auth_src = aad, .auth_len = aadlen,
							.src = buf, .dst = buf, .len = want,
							.tag_len = targ, .iv = ivb },
			  &back);
	transcript_u32(rc == 0 ? 0 : (uint32_t)errno);
	if (rc != 0) {
		fail(name, "decrypt: %s", errno_name(errno));
		goto out;
	}
	if (back.len != n || back.tag_len != t) {
		fail(name, "decrypt wrote back len %u tag_len %u, expected %u and %u", back.len,
		     back.tag_len, n, t);
		goto out;
	}
	if (memcmp(buf, pt, n) != 0) {
		check_bytes(name, pt, n, buf, n);
		goto out;
	}
	pass(name);
out:
	free(buf);
	free(ref);
}

static void make_keys(struct keys *k, const struct suite *s, uint32_t salt)
{
	rng_t r;

	rng_seed(&r, 0x6b657973ULL * 1000 + salt);
	rng_fill(&r, k->key, s->keylen);
	rng_fill(&r, k->mackey, s->mackeylen);
	rng_fill(&r, k->iv, 16);
}

/* Fixed lengths per suite: around block and MAC boundaries (a whole block of padding). */
static void fixed_records(const struct suite *s, uint32_t si)
{
	uint32_t lens[24], nl = 0, ses;
	uint8_t *pt = xmalloc(16384), aad[13];
	struct keys k;
	char name[160];

	static const uint32_t base[] = { 0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 100, 255, 256,
					 1000, 4096, 16384 };
	for (size_t i = 0; i < ARRAY_SIZE(base); i++)
		lens[nl++] = base[i];
	/* n + MAC a multiple of the block: a full block of padding, each byte bs - 1 */
	lens[nl++] = (s->bs - s->dlen % s->bs) % s->bs;
	lens[nl++] = (s->bs - s->dlen % s->bs) % s->bs + 3 * s->bs;
	make_keys(&k, s, si);
	for (uint32_t i = 0; i < 16384; i++)
		pt[i] = (uint8_t)(i * 7 + si);
	snprintf(name, sizeof(name), "tls:%s:session", s->name);
	if (need_session(name, fd, s->cipher, k.key, s->keylen, s->mac, k.mackey, s->mackeylen,
			 &ses) != 0)
		goto out;
	for (uint32_t i = 0; i < nl; i++) {
		tls_header(aad, 1000 + i, lens[i]);
		snprintf(name, sizeof(name), "tls:%s:len%u", s->name, lens[i]);
		record_case(name, s, ses, &k, aad, 13, pt, lens[i], 0, s->dlen);
	}
	/* tag_len given explicitly: the digest size, and truncated MACs */
	tls_header(aad, 77, 45);
	snprintf(name, sizeof(name), "tls:%s:len45:tag_len-%u", s->name, s->dlen);
	record_case(name, s, ses, &k, aad, 13, pt, 45, s->dlen, s->dlen);
	snprintf(name, sizeof(name), "tls:%s:len45:tag_len-12-truncated-mac", s->name);
	record_case(name, s, ses, &k, aad, 13, pt, 45, 12, 12);
	snprintf(name, sizeof(name), "tls:%s:len45:tag_len-1", s->name);
	record_case(name, s, ses, &k, aad, 13, pt, 45, 1, 1);
	/* other auth data lengths: none, and the most allowed */
	snprintf(name, sizeof(name), "tls:%s:len50:no-auth-data", s->name);
	record_case(name, s, ses, &k, aad, 0, pt, 50, 0, s->dlen);
	{
		uint8_t *big = xmalloc(4096);

		for (int i = 0; i < 4096; i++)
			big[i] = (uint8_t)(i ^ 0x5a);
		snprintf(name, sizeof(name), "tls:%s:len50:auth_len-4096", s->name);
		record_case(name, s, ses, &k, big, 4096, pt, 50, 0, s->dlen);
		free(big);
	}
	drop_session("tls:free", fd, ses);
out:
	free(pt);
	transcript_checkpoint(s->name);
}

/* ---- IV chaining ------------------------------------------------------------------------- */

static void iv_chaining(void)
{
	const struct suite *s = &suites[0];
	uint8_t pt[40], aad[13], rec1[128], rec2[128], ivb[16], ref[128], last1[16];
	struct keys k;
	uint32_t ses, len1, len2 = 0, reflen = 0;
	struct crypt_auth_op back;
	int rc;

	make_keys(&k, s, 99);
	memset(pt, 0x61, sizeof(pt));
	tls_header(aad, 5, 40);
	if (need_session("iv:session", fd, s->cipher, k.key, s->keylen, s->mac, k.mackey,
			 s->mackeylen, &ses) != 0)
		return;
	memcpy(rec1, pt, 40);
	memcpy(ivb, k.iv, 16);
	rc = cd_authcrypt(fd, &(struct authcrypt_args){ .ses = ses, .op = COP_ENCRYPT,
							.flags = COP_FLAG_AEAD_TLS_TYPE |
								 COP_FLAG_WRITE_IV,
							.auth_src = aad, .auth_len = 13, .src = rec1,
							.dst = rec1, .len = 40, .iv = ivb },
			  &back);
	if (!expect_errno("iv:encrypt-write-iv", rc, 0))
		goto out;
	len1 = back.len;
	memcpy(last1, rec1 + len1 - 16, 16);
	transcript_bytes(ivb, 16);
	check_bytes("iv:encrypt-write-iv-is-last-ciphertext-block", last1, 16, ivb, 16);
	/* iv == NULL: the next record continues the CBC chain */
	memcpy(rec2, pt, 40);
	rc = cd_authcrypt(fd, &(struct authcrypt_args){ .ses = ses, .op = COP_ENCRYPT,
							.flags = COP_FLAG_AEAD_TLS_TYPE,
							.auth_src = aad, .auth_len = 13, .src = rec2,
							.dst = rec2, .len = 40 },
			  &back);
	if (expect_errno("iv:encrypt-iv-null", rc, 0)) {
		len2 = back.len;
		transcript_bytes(rec2, len2);
		if (daemon_record(s, k.key, k.mackey, last1, aad, 13, pt, 40, s->dlen, ref,
				  &reflen) != 0)
			fail("iv:encrypt-iv-null-chains-from-last-block", "reference: %s",
			     errno_name(errno));
		else
			check_bytes("iv:encrypt-iv-null-chains-from-last-block", ref, reflen, rec2,
				    len2);
	}
	/* decrypt with WRITE_IV: the IV becomes the last block of the input record */
	memcpy(ivb, k.iv, 16);
	rc = cd_authcrypt(fd, &(struct authcrypt_args){ .ses = ses, .op = COP_DECRYPT,
							.flags = COP_FLAG_AEAD_TLS_TYPE |
								 COP_FLAG_WRITE_IV,
							.auth_src = aad, .auth_len = 13, .src = rec1,
							.dst = rec1, .len = len1, .iv = ivb },
			  &back);
	if (expect_errno("iv:decrypt-write-iv", rc, 0)) {
		check_bytes("iv:decrypt-write-iv-is-last-input-block", last1, 16, ivb, 16);
		check_bytes("iv:decrypt-plaintext", pt, 40, rec1, back.len);
	}
	/* and iv == NULL decrypts the chained second record */
	if (len2 > 0) {
		rc = cd_authcrypt(fd, &(struct authcrypt_args){ .ses = ses, .op = COP_DECRYPT,
								.flags = COP_FLAG_AEAD_TLS_TYPE,
								.auth_src = aad, .auth_len = 13,
								.src = rec2, .dst = rec2,
								.len = len2 },
				  &back);
		if (expect_errno("iv:decrypt-iv-null-chained-record", rc, 0))
			check_bytes("iv:decrypt-iv-null-plaintext", pt, 40, rec2, back.len);
	}
out:
	drop_session("iv:free", fd, ses);
}

/* ---- failures ---------------------------------------------------------------------------- */

static void bad_records(const struct suite *s, uint32_t si)
{
	uint8_t pt[64], aad[13], mac[64], *buf = xmalloc(512), *rec = xmalloc(512);
	struct keys k;
	uint32_t ses, n = 37, total, reclen = 0;
	struct crypt_auth_op back;
	char name[160];
	int rc;

	make_keys(&k, s, 200 + si);
	for (uint32_t i = 0; i < sizeof(pt); i++)
		pt[i] = (uint8_t)(0x30 + i);
	tls_header(aad, 42, n);
	snprintf(name, sizeof(name), "ebadmsg:%s:session", s->name);
	if (need_session(name, fd, s->cipher, k.key, s->keylen, s->mac, k.mackey, s->mackeylen,
			 &ses) != 0)
		goto out;
	if (daemon_record(s, k.key, k.mackey, k.iv, aad, 13, pt, n, s->dlen, rec, &reclen) != 0 ||
	    daemon_hmac(s, k.mackey, aad, 13, pt, n, mac) != 0) {
		fail(name, "reference through CIOCCRYPT sessions: %s", errno_name(errno));
		goto free_session;
	}

#define OPEN(record, length, aad_, aadlen_, targ_)                                              \
	(memcpy(buf, (record), (length)),                                                      \
	 cd_authcrypt(fd,                                                                     \
		      &(struct authcrypt_args){ .ses = ses, .op = COP_DECRYPT,                   \
						.flags = COP_FLAG_AEAD_TLS_TYPE,                 \
						.auth_src = (aad_), .auth_len = (aadlen_),       \
						.src = buf, .dst = buf, .len = (length),         \
						.tag_len = (targ_), .iv = k.iv },                \
		      &back))

	snprintf(name, sizeof(name), "ebadmsg:%s:intact-record-opens", s->name);
	if (expect_errno(name, OPEN(rec, reclen, aad, 13, 0), 0))
		check(back.len == n && memcmp(buf, pt, n) == 0, name, "len %u", back.len);
	{
		uint8_t *x = xmalloc(reclen);

		/* a flipped bit in the first ciphertext block garbles the plaintext: bad MAC */
		memcpy(x, rec, reclen);
		x[3] ^= 0x10;
		snprintf(name, sizeof(name), "ebadmsg:%s:ciphertext-bit-EBADMSG", s->name);
		expect_errno(name, OPEN(x, reclen, aad, 13, 0), EBADMSG);
		/* a flipped bit in the next-to-last block flips a padding byte */
		memcpy(x, rec, reclen);
		x[reclen - s->bs - 1] ^= 0x01;
		snprintf(name, sizeof(name), "ebadmsg:%s:padding-bit-via-ciphertext-EBADMSG",
			 s->name);
		expect_errno(name, OPEN(x, reclen, aad, 13, 0), EBADMSG);
		free(x);
	}
	{
		uint8_t aad2[13];

		memcpy(aad2, aad, 13);
		aad2[7] ^= 1; /* another sequence number */
		snprintf(name, sizeof(name), "ebadmsg:%s:other-auth-data-EBADMSG", s->name);
		expect_errno(name, OPEN(rec, reclen, aad2, 13, 0), EBADMSG);
		snprintf(name, sizeof(name), "ebadmsg:%s:auth-data-missing-EBADMSG", s->name);
		expect_errno(name, OPEN(rec, reclen, aad, 12, 0), EBADMSG);
	}
	{
		/* crafted records: the plaintext built here, CBC-encrypted by a plain session */
		uint8_t *p = xmalloc(512);

		/* wrong MAC, good padding */
		mac[0] ^= 0x80;
		total = compose(s, pt, n, mac, s->dlen, p);
		mac[0] ^= 0x80;
		snprintf(name, sizeof(name), "ebadmsg:%s:bad-mac-EBADMSG", s->name);
		if (daemon_cbc(s, k.key, k.iv, COP_ENCRYPT, p, total) == 0)
			expect_errno(name, OPEN(p, total, aad, 13, 0), EBADMSG);
		else
			fail(name, "CBC session: %s", errno_name(errno));
		/* good MAC, one padding byte differs from the others */
		total = compose(s, pt, n, mac, s->dlen, p);
		if (total - n - s->dlen >= 2) {
			p[total - 2] ^= 0x01;
			snprintf(name, sizeof(name), "ebadmsg:%s:bad-padding-byte-EBADMSG", s->name);
			if (daemon_cbc(s, k.key, k.iv, COP_ENCRYPT, p, total) == 0)
				expect_errno(name, OPEN(p, total, aad, 13, 0), EBADMSG);
			else
				fail(name, "CBC session: %s", errno_name(errno));
		}
		/* good MAC, a padding length longer than the record */
		total = compose(s, pt, n, mac, s->dlen, p);
		memset(p + n + s->dlen, 0xfe, total - n - s->dlen);
		snprintf(name, sizeof(name), "ebadmsg:%s:padding-longer-than-record-EBADMSG",
			 s->name);
		if (daemon_cbc(s, k.key, k.iv, COP_ENCRYPT, p, total) == 0)
			expect_errno(name, OPEN(p, total, aad, 13, 0), EBADMSG);
		else
			fail(name, "CBC session: %s", errno_name(errno));
		/* good MAC, the padding one short of what its bytes claim */
		total = compose(s, pt, n, mac, s->dlen, p);
		memset(p + n + s->dlen, (int)(total - n - s->dlen), total - n - s->dlen);
		snprintf(name, sizeof(name), "ebadmsg:%s:padding-value-off-by-one-EBADMSG",
			 s->name);
		if (daemon_cbc(s, k.key, k.iv, COP_ENCRYPT, p, total) == 0)
			expect_errno(name, OPEN(p, total, aad, 13, 0), EBADMSG);
		else
			fail(name, "CBC session: %s", errno_name(errno));
		/* a whole-block record that is all padding: shorter than its MAC */
		memset(p, (int)(s->bs - 1), s->bs);
		snprintf(name, sizeof(name), "einval:%s:record-shorter-than-mac-EINVAL", s->name);
		if (daemon_cbc(s, k.key, k.iv, COP_ENCRYPT, p, s->bs) == 0)
			expect_errno(name, OPEN(p, s->bs, aad, 13, 0), EINVAL);
		else
			fail(name, "CBC session: %s", errno_name(errno));
		free(p);
	}
	snprintf(name, sizeof(name), "einval:%s:decrypt-len-not-block-multiple-EINVAL", s->name);
	expect_errno(name, OPEN(rec, reclen - 1, aad, 13, 0), EINVAL);
	snprintf(name, sizeof(name), "einval:%s:decrypt-len-0-EINVAL", s->name);
	expect_errno(name, OPEN(rec, 0, aad, 13, 0), EINVAL);
	snprintf(name, sizeof(name), "einval:%s:decrypt-tag_len-%u-above-digest-EINVAL", s->name,
		 s->dlen + 1);
	expect_errno(name, OPEN(rec, reclen, aad, 13, s->dlen + 1), EINVAL);
	snprintf(name, sizeof(name), "einval:%s:decrypt-auth_len-4097-EINVAL", s->name);
	{
		uint8_t *big = xmalloc(4097);

		memset(big, 1, 4097);
		expect_errno(name, OPEN(rec, reclen, big, 4097, 0), EINVAL);
		memcpy(buf, pt, n);
		rc = cd_authcrypt(fd, &(struct authcrypt_args){ .ses = ses, .op = COP_ENCRYPT,
								.flags = COP_FLAG_AEAD_TLS_TYPE,
								.auth_src = big, .auth_len = 4097,
								.src = buf, .dst = buf, .len = n,
								.iv = k.iv },
				  &back);
		snprintf(name, sizeof(name), "einval:%s:encrypt-auth_len-4097-EINVAL", s->name);
		expect_errno(name, rc, EINVAL);
		free(big);
	}
#undef OPEN
	memcpy(buf, pt, n);
	rc = cd_authcrypt(fd, &(struct authcrypt_args){ .ses = ses, .op = COP_ENCRYPT,
							.flags = COP_FLAG_AEAD_TLS_TYPE,
							.auth_src = aad, .auth_len = 13, .src = buf,
							.dst = buf, .len = n, .tag_len = s->dlen + 1,
							.iv = k.iv },
			  &back);
	snprintf(name, sizeof(name), "einval:%s:encrypt-tag_len-%u-above-digest-EINVAL", s->name,
		 s->dlen + 1);
	expect_errno(name, rc, EINVAL);
	rc = cd_authcrypt(fd, &(struct authcrypt_args){ .ses = ses, .op = COP_ENCRYPT,
							.flags = COP_FLAG_AEAD_TLS_TYPE,
							.auth_src = aad, .auth_len = 13, .src = pt,
							.dst = buf, .len = n, .iv = k.iv },
			  &back);
	snprintf(name, sizeof(name), "einval:%s:encrypt-not-in-place-EINVAL", s->name);
	expect_errno(name, rc, EINVAL);
	rc = cd_authcrypt(fd, &(struct authcrypt_args){ .ses = ses, .op = COP_DECRYPT,
							.flags = COP_FLAG_AEAD_TLS_TYPE,
							.auth_src = aad, .auth_len = 13, .src = rec,
							.dst = buf, .len = reclen, .iv = k.iv },
			  &back);
	snprintf(name, sizeof(name), "einval:%s:decrypt-not-in-place-EINVAL", s->name);
	expect_errno(name, rc, EINVAL);
	rc = cd_authcrypt(fd, &(struct authcrypt_args){ .ses = ses, .op = 2,
							.flags = COP_FLAG_AEAD_TLS_TYPE,
							.auth_src = aad, .auth_len = 13, .src = buf,
							.dst = buf, .len = 32, .iv = k.iv },
			  &back);
	snprintf(name, sizeof(name), "einval:%s:op-2-EINVAL", s->name);
	expect_errno(name, rc, EINVAL);
	/* the session works after all that */
	snprintf(name, sizeof(name), "ebadmsg:%s:session-still-works", s->name);
	record_case(name, s, ses, &k, aad, 13, pt, n, 0, s->dlen);
free_session:
	drop_session("ebadmsg:free", fd, ses);
out:
	free(buf);
	free(rec);
}

/* TLS on sessions that lack a part. */
static void bad_sessions(void)
{
	static const uint8_t key[32] = { 1 }, mackey[20] = { 2 };
	uint8_t buf[128], aad[13], iv[16] = { 0 };
	uint32_t ses;

	memset(buf, 0x33, sizeof(buf));
	tls_header(aad, 1, 32);
	static const struct {
		const char *name;
		uint32_t cipher, keylen, mac, mackeylen;
	} cases[] = {
		{ "einval:tls-on-aes-cbc-without-hmac-EINVAL", CRYPTO_AES_CBC, 16, 0, 0 },
		{ "einval:tls-on-hmac-sha1-without-cipher-EINVAL", 0, 0, CRYPTO_SHA1_HMAC, 20 },
		{ "einval:tls-on-sha256-without-cipher-EINVAL", 0, 0, CRYPTO_SHA2_256, 0 },
	};
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		for (uint16_t op = COP_ENCRYPT; op <= COP_DECRYPT; op++) {
			char name[128];

			if (need_session(cases[i].name, fd, cases[i].cipher,
					 cases[i].keylen ? key : NULL, cases[i].keylen, cases[i].mac,
					 cases[i].mackeylen ? mackey : NULL, cases[i].mackeylen,
					 &ses) != 0)
				continue;
			snprintf(name, sizeof(name), "%s:%s", cases[i].name,
				 op == COP_ENCRYPT ? "encrypt" : "decrypt");
			expect_errno(name,
				     cd_authcrypt(fd,
						  &(struct authcrypt_args){
							  .ses = ses, .op = op,
							  .flags = COP_FLAG_AEAD_TLS_TYPE,
							  .auth_src = aad, .auth_len = 13,
							  .src = buf, .dst = buf, .len = 32,
							  .iv = iv },
						  NULL),
				     EINVAL);
			drop_session(name, fd, ses);
		}
	}
}

/* ---- random records ---------------------------------------------------------------------- */

static void random_records(uint32_t count, uint64_t seed)
{
	uint8_t *pt = xmalloc(4096), aad[64];
	rng_t r;

	rng_seed(&r, seed);
	for (uint32_t i = 0; i < count; i++) {
		const struct suite *s = &suites[rng_below(&r, ARRAY_SIZE(suites))];
		uint32_t n = rng_below(&r, 4) == 0 ? rng_range(&r, 0, 4000) : rng_range(&r, 0, 300);
		uint32_t aadlen = rng_below(&r, 4) == 0 ? rng_range(&r, 0, 64) : 13;
		uint32_t t = rng_below(&r, 4) == 0 ? rng_range(&r, 1, s->dlen) : s->dlen;
		uint32_t targ = t == s->dlen && rng_below(&r, 2) ? 0 : t, ses;
		struct keys k;
		char name[160];

		rng_fill(&r, k.key, s->keylen);
		rng_fill(&r, k.mackey, s->mackeylen);
		rng_fill(&r, k.iv, 16);
		rng_fill(&r, aad, aadlen);
		rng_fill(&r, pt, n);
		snprintf(name, sizeof(name), "random%u:%s:len%u:aad%u:tag%u%s", i, s->name, n,
			 aadlen, t, targ ? "" : "(default)");
		transcript_u32(n);
		if (need_session(name, fd, s->cipher, k.key, s->keylen, s->mac, k.mackey,
				 s->mackeylen, &ses) != 0)
			continue;
		record_case(name, s, ses, &k, aad, aadlen, pt, n, targ, t);
		drop_session("random:free", fd, ses);
	}
	free(pt);
	transcript_checkpoint("random");
}

int main(int argc, char **argv)
{
	const char *dev = device_path(argc, argv);
	const char *a_count = opt_arg(argc, argv, 2), *a_seed = opt_arg(argc, argv, 3);
	uint32_t count = a_count ? (uint32_t)parse_u64("count", a_count) : 60;
	uint64_t seed = a_seed ? parse_u64("seed", a_seed) : 0x746c737265636f72ULL;

	test_init("tls");
	note("device %s count %u seed %llu reference %s", dev, count, (unsigned long long)seed,
#ifdef WITH_LIBCRYPTO
	     "OpenSSL and the daemon's CBC and HMAC sessions"
#else
	     "the daemon's CBC and HMAC sessions"
#endif
	);
	fd = open_device(dev);
	for (uint32_t i = 0; i < ARRAY_SIZE(suites); i++)
		fixed_records(&suites[i], i);
	iv_chaining();
	for (uint32_t i = 0; i < ARRAY_SIZE(suites); i++)
		bad_records(&suites[i], i);
	bad_sessions();
	random_records(count, seed);
	transcript_print();
	xclose("close", fd);
	return test_finish();
}
