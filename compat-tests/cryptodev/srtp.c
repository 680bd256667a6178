/*
 * srtp: CIOCAUTHCRYPT with COP_FLAG_AEAD_SRTP_TYPE (docs/ABI.md §11, "SRTP") on AES-CTR or
 * NULL + HMAC sessions. A packet is header || payload (|| ROC), in one buffer: auth_src is
 * the header, auth_len covers everything authenticated, src == dst is the payload (at most
 * 256 bytes after auth_src), the tag goes to / comes from `tag`.
 * - encrypt: CTR-encrypt the payload in place, then tag = HMAC(auth_src[0..auth_len])
 *   [0..tag_len] over the ciphertext; RFC 3711 Appendix B.2: encrypting zeros with the
 *   AES-CM test key and IVs gives the published keystream; tags are compared with the
 *   daemon's plain HMAC sessions and, built with -DWITH_LIBCRYPTO (64-bit), OpenSSL's HMAC;
 * - decrypt: verify the tag (EBADMSG, the payload left encrypted) then decrypt;
 * - EINVAL: a block cipher (CBC) session, src - auth_src > 256 or < 0, auth_len 0, len 0,
 *   tag_len above the digest size or (decrypt) above len, not in place, no HMAC, no
 *   cipher, a NULL auth_src, bad op.
 * Both builds print "TRANSCRIPT <hex>" (and CHECKPOINTs) over every ciphertext and tag:
 * the 32-bit transcript must equal the OpenSSL-checked 64-bit one.
 *
 * usage: srtp [DEVICE [COUNT [SEED]]]     ("-" keeps a default)
 * defaults: COUNT 40 random packets, SEED 0x7372747074657374
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

static int fd;

struct profile {
	const char *name;
	uint32_t cipher, keylen, mac, mackeylen, dlen;
};

static const struct profile profiles[] = {
	{ "aes128-ctr-hmac-sha1", CRYPTO_AES_CTR, 16, CRYPTO_SHA1_HMAC, 20, 20 },
	{ "aes256-ctr-hmac-sha1", CRYPTO_AES_CTR, 32, CRYPTO_SHA1_HMAC, 20, 20 },
	{ "aes128-ctr-hmac-sha256", CRYPTO_AES_CTR, 16, CRYPTO_SHA2_256_HMAC, 32, 32 },
	{ "null-hmac-sha1", CRYPTO_NULL, 0, CRYPTO_SHA1_HMAC, 20, 20 },
};

/* A packet: header, payload, optional trailer (the ROC), all authenticated. */
struct packet {
	uint8_t *buf; /* header || payload || trailer */
	uint32_t hlen, len, tlen;
	uint8_t tag[64];
};

static uint32_t auth_len(const struct packet *p)
{
	return p->hlen + p->len + p->tlen;
}

static int srtp_op(uint32_t ses, uint16_t op, struct packet *p, uint32_t targ, uint8_t *iv,
		   struct crypt_auth_op *back)
{
	return cd_authcrypt(fd, &(struct authcrypt_args){ .ses = ses, .op = op,
							  .flags = COP_FLAG_AEAD_SRTP_TYPE,
							  .auth_src = p->buf,
							  .auth_len = auth_len(p),
							  .src = p->buf + p->hlen,
							  .dst = p->buf + p->hlen, .len = p->len,
							  .tag = p->tag, .tag_len = targ, .iv = iv },
			    back);
}

/* ---- references ------------------------------------------------------------------------- */

/* HMAC through a plain hash session. */
static int daemon_hmac(const struct profile *pr, const uint8_t *mackey, const uint8_t *data,
		       uint32_t len, uint8_t *mac)
{
	uint32_t hs;
	int rc;

	if (sess_create(fd, 0, NULL, 0, pr->mac, mackey, pr->mackeylen, &hs) != 0)
		return -1;
	rc = cd_crypt(fd, hs, COP_ENCRYPT, 0, data, NULL, len, NULL, mac);
	sess_free(fd, hs);
	return rc;
}

/* CTR (or NULL) through a plain cipher session. */
static int daemon_ctr(const struct profile *pr, const uint8_t *key, const uint8_t *iv,
		      const uint8_t *in, uint8_t *out, uint32_t len)
{
	uint8_t ivb[16];
	uint32_t cs;
	int rc;

	if (sess_create(fd, pr->cipher, pr->keylen ? key : NULL, pr->keylen, 0, NULL, 0, &cs) !=
	    0)
		return -1;
	memcpy(ivb, iv, 16);
	rc = cd_crypt(fd, cs, COP_ENCRYPT, 0, in, out, len, ivb, NULL);
	sess_free(fd, cs);
	return rc;
}

#ifdef WITH_LIBCRYPTO
static int ossl_hmac(const struct profile *pr, const uint8_t *mackey, const uint8_t *data,
		     uint32_t len, uint8_t *mac)
{
	unsigned int ml = 0;

	if (HMAC(pr->mac == CRYPTO_SHA1_HMAC ? EVP_sha1() : EVP_sha256(), mackey,
		 (int)pr->mackeylen, data, len, mac, &ml) == NULL || ml != pr->dlen)
		return ossl_fail("HMAC");
	return 0;
}

static int ossl_ctr(const struct profile *pr, const uint8_t *key, const uint8_t *iv,
		    const uint8_t *in, uint8_t *out, uint32_t len)
{
	EVP_CIPHER_CTX *ctx;
	int ol = 0, fl = 0, ok;

	if (pr->cipher == CRYPTO_NULL) {
		memmove(out, in, len);
		return 0;
	}
	ctx = EVP_CIPHER_CTX_new();
	ok = ctx != NULL &&
	     EVP_EncryptInit_ex(ctx, pr->keylen == 16 ? EVP_aes_128_ctr() : EVP_aes_256_ctr(),
				NULL, key, iv) == 1 &&
	     EVP_EncryptUpdate(ctx, out, &ol, in, (int)len) == 1 &&
	     EVP_EncryptFinal_ex(ctx, out + ol, &fl) == 1 && (uint32_t)(ol + fl) == len;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : ossl_fail("EVP AES-CTR");
}
#endif

/*
 * Encrypts packet p (plaintext payload) in SRTP mode, checks ciphertext and tag against the
 * daemon's plain sessions (and OpenSSL), decrypts it again. expect_ct: the ciphertext when
 * known in advance (RFC vector), else NULL. One PASS line `name` if all held.
 */
static void packet_case(const char *name, const struct profile *pr, uint32_t ses,
			const uint8_t *key, const uint8_t *mackey, const uint8_t *iv,
			struct packet *p, uint32_t targ, const uint8_t *expect_ct)
{
	uint32_t t = targ ? targ : pr->dlen, alen = auth_len(p);
	uint8_t *plain = xmalloc(alen), *ref = xmalloc(alen), mac[64], ivb[16];
	struct crypt_auth_op back;
	int rc;

	memcpy(plain, p->buf, alen);
	memset(p->tag, 0xa5, sizeof(p->tag));
	memcpy(ivb, iv, 16);
	rc = srtp_op(ses, COP_ENCRYPT, p, targ, ivb, &back);
	transcript_u32(rc == 0 ? 0 : (uint32_t)errno);
	if (rc != 0) {
		fail(name, "encrypt: %s", errno_name(errno));
		goto out;
	}
	transcript_bytes(p->buf + p->hlen, p->len);
	transcript_bytes(p->tag, t);
	if (back.len != p->len || back.tag_len != t) {
		fail(name, "encrypt wrote back len %u tag_len %u, expected %u and %u", back.len,
		     back.tag_len, p->len, t);
		goto out;
	}
	if (memcmp(p->buf, plain, p->hlen) != 0 ||
	    memcmp(p->buf + p->hlen + p->len, plain + p->hlen + p->len, p->tlen) != 0) {
		fail(name, "encrypt changed the header or the trailer");
		goto out;
	}
	for (uint32_t i = t; i < sizeof(p->tag); i++)
		if (p->tag[i] != 0xa5) {
			fail(name, "encrypt wrote %u tag bytes, not %u", i + 1, t);
			goto out;
		}
	if (expect_ct != NULL && memcmp(expect_ct, p->buf + p->hlen, p->len) != 0) {
		fail(name, "ciphertext expected %s got %s", hexstr(expect_ct, p->len),
		     hexstr(p->buf + p->hlen, p->len));
		goto out;
	}
	/* the references: CTR of the payload, HMAC over header || ciphertext || trailer */
	memcpy(ref, plain, alen);
	if (daemon_ctr(pr, key, iv, plain + p->hlen, ref + p->hlen, p->len) != 0 ||
	    daemon_hmac(pr, mackey, ref, alen, mac) != 0) {
		fail(name, "reference through CIOCCRYPT sessions: %s", errno_name(errno));
		goto out;
	}
	if (memcmp(ref + p->hlen, p->buf + p->hlen, p->len) != 0) {
		fail(name, "ciphertext differs from the plain %s session's: expected %s got %s",
		     pr->cipher == CRYPTO_NULL ? "NULL" : "AES-CTR", hexstr(ref + p->hlen, p->len),
		     hexstr(p->buf + p->hlen, p->len));
		goto out;
	}
	if (memcmp(mac, p->tag, t) != 0) {
		fail(name, "tag differs from the plain HMAC session's: expected %s got %s",
		     hexstr(mac, t), hexstr(p->tag, t));
		goto out;
	}
#ifdef WITH_LIBCRYPTO
	memcpy(ref, plain, alen);
	if (ossl_ctr(pr, key, iv, plain + p->hlen, ref + p->hlen, p->len) != 0 ||
	    ossl_hmac(pr, mackey, ref, alen, mac) != 0) {
		fail(name, "OpenSSL reference failed: %s", ossl_err);
		goto out;
	}
	if (memcmp(ref + p->hlen, p->buf + p->hlen, p->len) != 0 || memcmp(mac, p->tag, t) != 0) {
		fail(name, "differs from OpenSSL: ciphertext %s tag %s, OpenSSL %s tag %s",
		     hexstr(p->buf + p->hlen, p->len), hexstr(p->tag, t),
		     hexstr(ref + p->hlen, p->len), hexstr(mac, t));
		goto out;
	}
#endif
	memcpy(ivb, iv, 16);
	rc = srtp_op(ses, COP_DECRYPT, p, targ, ivb, &back);
	transcript_u32(rc == 0 ? 0 : (uint32_t)errno);
	if (rc != 0) {
		fail(name, "decrypt: %s", errno_name(errno));
		goto out;
	}
	if (back.len != p->len || back.tag_len != t || memcmp(p->buf, plain, alen) != 0) {
		fail(name, "decrypt: len %u tag_len %u, packet %s (expected %s)", back.len,
		     back.tag_len, hexstr(p->buf, alen), hexstr(plain, alen));
		goto out;
	}
	pass(name);
out:
	free(plain);
	free(ref);
}

static void packet_init(struct packet *p, uint32_t hlen, uint32_t len, uint32_t tlen)
{
	p->hlen = hlen;
	p->len = len;
	p->tlen = tlen;
	p->buf = xmalloc((size_t)hlen + len + tlen + 16);
	for (uint32_t i = 0; i < hlen + len + tlen; i++)
		p->buf[i] = (uint8_t)(i * 13 + 5);
	/* an RTP header: V=2, PT 96, sequence number, timestamp, SSRC */
	if (hlen >= 12) {
		p->buf[0] = 0x80;
		p->buf[1] = 0x60;
	}
}

/* ---- RFC 3711 B.2 ------------------------------------------------------------------------ */

static void rfc3711(void)
{
	/* AES-CM test key and the IVs (offsets) of B.2, and the keystream blocks they give */
	static const struct {
		const char *iv, *keystream;
	} rows[] = {
		{ "f0f1f2f3f4f5f6f7f8f9fafbfcfd0000",
		  "e03ead0935c95e80e166b16dd92b4eb4d23513162b02d0f72a43a2fe4a5f97ab"
		  "41e95b3bb0a2e8dd477901e4fca894c0" },
		{ "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
		  "ec8cdf7398607cb0f2d21675ea9ea1e4362b7c3c6773516318a077d7fc5073ae"
		  "6a2cc3787889374fbeb4c81b17ba6c44" },
	};
	const struct profile *pr = &profiles[0];
	uint8_t *key, *mackey, *iv, *ks;
	size_t kl, ml, il, sl;
	uint32_t ses;

	key = unhex("2b7e151628aed2a6abf7158809cf4f3c", &kl);
	mackey = unhex("cebe321f6ff7716b6fd4ab49af256a156d38baa4", &ml);
	if (need_session("rfc3711:session", fd, pr->cipher, key, (uint32_t)kl, pr->mac, mackey,
			 (uint32_t)ml, &ses) != 0)
		goto out;
	for (size_t r = 0; r < ARRAY_SIZE(rows); r++) {
		uint32_t tags[2] = { 10, 4 }; /* HMAC-SHA1-80 and -32 */

		iv = unhex(rows[r].iv, &il);
		ks = unhex(rows[r].keystream, &sl);
		for (int ti = 0; ti < 2; ti++) {
			struct packet p;
			char name[128];

			/* zero payload after a 12-byte RTP header, the 4-byte ROC after it */
			packet_init(&p, 12, (uint32_t)sl, 4);
			memset(p.buf + 12, 0, sl);
			memset(p.buf + 12 + sl, 0, 4);
			snprintf(name, sizeof(name), "rfc3711:b.2-keystream-%s:tag%u", rows[r].iv,
				 tags[ti]);
			packet_case(name, pr, ses, key, mackey, iv, &p, tags[ti], ks);
			free(p.buf);
		}
		/* the payload may be any length: a partial last block */
		{
			struct packet p;

			packet_init(&p, 12, 37, 0);
			memset(p.buf + 12, 0, 37);
			packet_case("rfc3711:b.2-keystream-37-bytes-no-roc", pr, ses, key, mackey, iv,
				    &p, 10, ks);
			free(p.buf);
		}
		free(iv);
		free(ks);
	}
	drop_session("rfc3711:free", fd, ses);
out:
	free(key);
	free(mackey);
	transcript_checkpoint("rfc3711");
}

/* ---- every profile: header sizes, tag lengths, tampering ---------------------------------- */

static void profile_cases(const struct profile *pr, uint32_t pi)
{
	static const uint8_t iv0[16] = { 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7,
					 0xf8, 0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xff, 0xfe };
	uint8_t key[32], mackey[32];
	uint32_t ses;
	char name[160];
	rng_t r;

	rng_seed(&r, 0x70726f66ULL + pi);
	rng_fill(&r, key, sizeof(key));
	rng_fill(&r, mackey, sizeof(mackey));
	snprintf(name, sizeof(name), "%s:session", pr->name);
	if (need_session(name, fd, pr->cipher, pr->keylen ? key : NULL, pr->keylen, pr->mac,
			 mackey, pr->mackeylen, &ses) != 0)
		return;
	{
		static const struct {
			uint32_t hlen, len, tlen, targ;
		} shapes[] = {
			{ 12, 160, 4, 10 },  { 12, 2, 4, 2 },	   { 12, 1, 0, 1 },
			{ 16, 100, 4, 0 },   { 0, 20, 0, 4 },	   { 60, 200, 4, 10 },
			{ 255, 33, 4, 10 },  { 256, 10, 4, 10 },   { 256, 1400, 4, 10 },
			{ 12, 4000, 4, 10 }, { 12, 10, 4, 10 },
		};

		for (size_t i = 0; i < ARRAY_SIZE(shapes); i++) {
			struct packet p;
			uint32_t targ = shapes[i].targ;

			packet_init(&p, shapes[i].hlen, shapes[i].len, shapes[i].tlen);
			snprintf(name, sizeof(name), "%s:header%u:payload%u:trailer%u:tag_len%u",
				 pr->name, shapes[i].hlen, shapes[i].len, shapes[i].tlen, targ);
			packet_case(name, pr, ses, key, mackey, iv0, &p, targ, NULL);
			free(p.buf);
		}
		{
			/* the longest tag: the whole digest */
			struct packet p;

			packet_init(&p, 12, 64, 4);
			snprintf(name, sizeof(name), "%s:tag_len-%u", pr->name, pr->dlen);
			packet_case(name, pr, ses, key, mackey, iv0, &p, pr->dlen, NULL);
			free(p.buf);
		}
	}
	/* tampering: a sealed packet, one byte changed, must not open and stays encrypted */
	{
		static const char *const where[] = { "header", "ciphertext", "trailer", "tag" };
		struct packet p;
		uint8_t ivb[16], *sealed;
		struct crypt_auth_op back;

		packet_init(&p, 12, 48, 4);
		memcpy(ivb, iv0, 16);
		if (srtp_op(ses, COP_ENCRYPT, &p, 10, ivb, &back) != 0) {
			fail("tamper:setup", "encrypt: %s", errno_name(errno));
		} else {
			uint8_t tag[64];

			sealed = xmalloc(68);
			memcpy(sealed, p.buf, 64);
			memcpy(tag, p.tag, 10);
			for (int w = 0; w < 4; w++) {
				uint8_t *target = w == 0 ? p.buf + 5 : w == 1 ? p.buf + 12 + 47
								  : w == 2 ? p.buf + 63
									   : p.tag + 9;
				int rc;

				memcpy(p.buf, sealed, 64);
				memcpy(p.tag, tag, 10);
				*target ^= 0x01;
				memcpy(ivb, iv0, 16);
				rc = srtp_op(ses, COP_DECRYPT, &p, 10, ivb, &back);
				snprintf(name, sizeof(name), "%s:tampered-%s-EBADMSG", pr->name,
					 where[w]);
				expect_errno(name, rc, EBADMSG);
				snprintf(name, sizeof(name), "%s:tampered-%s-payload-not-decrypted",
					 pr->name, where[w]);
				*target ^= 0x01;
				check(memcmp(p.buf, sealed, 64) == 0, name, "packet now %s",
				      hexstr(p.buf, 64));
			}
			/* a shorter tag_len checks only that prefix */
			memcpy(p.buf, sealed, 64);
			memcpy(p.tag, tag, 10);
			p.tag[9] ^= 0xff;
			memcpy(ivb, iv0, 16);
			snprintf(name, sizeof(name), "%s:decrypt-tag_len-9-ignores-10th-byte",
				 pr->name);
			expect_errno(name, srtp_op(ses, COP_DECRYPT, &p, 9, ivb, &back), 0);
			free(sealed);
		}
		free(p.buf);
	}
	drop_session("profile:free", fd, ses);
	transcript_checkpoint(pr->name);
}

/* ---- EINVAL ---------------------------------------------------------------------------- */

static void layout_errors(void)
{
	static const uint8_t key[32] = { 3 }, mackey[20] = { 4 };
	uint8_t *buf = xmalloc(2048), tag[64], iv[16] = { 0 };
	uint32_t ses;

	memset(buf, 0x5c, 2048);
#define SRTP(name_, ses_, op_, auth_, alen_, src_, dst_, len_, targ_, err_)                       \
	expect_errno((name_),                                                                  \
		     cd_authcrypt(fd,                                                          \
				  &(struct authcrypt_args){ .ses = (ses_), .op = (op_),          \
							    .flags = COP_FLAG_AEAD_SRTP_TYPE,    \
							    .auth_src = (auth_),                 \
							    .auth_len = (alen_), .src = (src_),  \
							    .dst = (dst_), .len = (len_),        \
							    .tag = tag, .tag_len = (targ_),      \
							    .iv = iv },                          \
				  NULL),                                                      \
		     (err_))

	if (need_session("einval:setup", fd, CRYPTO_AES_CTR, key, 16, CRYPTO_SHA1_HMAC, mackey, 20,
			 &ses) == 0) {
		uint16_t ops[2] = { COP_ENCRYPT, COP_DECRYPT };

		/* a good packet first, so the tags below verify where that matters */
		SRTP("einval:baseline-encrypt-ok", ses, COP_ENCRYPT, buf, 12 + 100, buf + 12,
		     buf + 12, 100, 10, 0);
		for (int o = 0; o < 2; o++) {
			char name[128];
			const char *d = o ? "decrypt" : "encrypt";
			uint16_t op = ops[o];

#define NAME(what) (snprintf(name, sizeof(name), "einval:%s:%s", d, what), name)
			SRTP(NAME("header-257-bytes-EINVAL"), ses, op, buf, 257 + 16, buf + 257,
			     buf + 257, 16, 10, EINVAL);
			SRTP(NAME("src-before-auth_src-EINVAL"), ses, op, buf + 16, 32, buf + 8,
			     buf + 8, 16, 10, EINVAL);
			SRTP(NAME("auth_len-0-EINVAL"), ses, op, buf, 0, buf + 12, buf + 12, 16, 10,
			     EINVAL);
			SRTP(NAME("len-0-EINVAL"), ses, op, buf, 12, buf + 12, buf + 12, 0, 10,
			     EINVAL);
			SRTP(NAME("not-in-place-EINVAL"), ses, op, buf, 28, buf + 12, buf + 512, 16,
			     10, EINVAL);
			SRTP(NAME("tag_len-21-above-sha1-digest-EINVAL"), ses, op, buf, 28, buf + 12,
			     buf + 12, 16, 21, EINVAL);
			SRTP(NAME("auth_src-NULL-EINVAL"), ses, op, NULL, 28, buf + 12, buf + 12, 16,
			     10, EINVAL);
			SRTP(NAME("src-dst-NULL-EINVAL"), ses, op, buf, 28, NULL, NULL, 16, 10,
			     EINVAL);
			SRTP(NAME("op-2-EINVAL"), ses, 2 + op, buf, 28, buf + 12, buf + 12, 16, 10,
			     EINVAL);
#undef NAME
		}
		/* encrypt takes a tag longer than the payload, decrypt does not */
		SRTP("einval:encrypt-len-8-tag_len-10-ok", ses, COP_ENCRYPT, buf, 20, buf + 12,
		     buf + 12, 8, 10, 0);
		SRTP("einval:decrypt-len-8-tag_len-10-EINVAL", ses, COP_DECRYPT, buf, 20, buf + 12,
		     buf + 12, 8, 10, EINVAL);
		/* boundaries that are accepted: a 256-byte header, tag_len == len */
		SRTP("einval:encrypt-header-256-bytes-ok", ses, COP_ENCRYPT, buf, 256 + 16, buf + 256,
		     buf + 256, 16, 10, 0);
		SRTP("einval:encrypt-len-10-tag_len-10-ok", ses, COP_ENCRYPT, buf, 22, buf + 12,
		     buf + 12, 10, 10, 0);
		SRTP("einval:decrypt-len-10-tag_len-10-ok", ses, COP_DECRYPT, buf, 22, buf + 12,
		     buf + 12, 10, 10, 0);
		/* the payload may start right at auth_src */
		SRTP("einval:encrypt-no-header-ok", ses, COP_ENCRYPT, buf, 16, buf, buf, 16, 10, 0);
		drop_session("einval:free", fd, ses);
	}
	{
		static const struct {
			const char *name;
			uint32_t cipher, keylen, mac, mackeylen;
		} bad[] = {
			{ "einval:aes-cbc+hmac-session-EINVAL", CRYPTO_AES_CBC, 16, CRYPTO_SHA1_HMAC,
			  20 },
			{ "einval:3des-cbc+hmac-session-EINVAL", CRYPTO_3DES_CBC, 24,
			  CRYPTO_SHA1_HMAC, 20 },
			{ "einval:aes-ecb+hmac-session-EINVAL", CRYPTO_AES_ECB, 16, CRYPTO_SHA1_HMAC,
			  20 },
			{ "einval:aes-ctr-without-hmac-EINVAL", CRYPTO_AES_CTR, 16, 0, 0 },
			{ "einval:hmac-without-cipher-EINVAL", 0, 0, CRYPTO_SHA1_HMAC, 20 },
			{ "einval:aes-gcm-session-EINVAL", CRYPTO_AES_GCM, 16, 0, 0 },
		};

		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			char name[128];

			if (need_session(bad[i].name, fd, bad[i].cipher, bad[i].keylen ? key : NULL,
					 bad[i].keylen, bad[i].mac,
					 bad[i].mackeylen ? mackey : NULL, bad[i].mackeylen,
					 &ses) != 0)
				continue;
			snprintf(name, sizeof(name), "%s:encrypt", bad[i].name);
			SRTP(name, ses, COP_ENCRYPT, buf, 12 + 32, buf + 12, buf + 12, 32, 10,
			     EINVAL);
			snprintf(name, sizeof(name), "%s:decrypt", bad[i].name);
			SRTP(name, ses, COP_DECRYPT, buf, 12 + 32, buf + 12, buf + 12, 32, 10,
			     EINVAL);
			drop_session(name, fd, ses);
		}
	}
#undef SRTP
	free(buf);
}

/* ---- random packets ---------------------------------------------------------------------- */

static void random_packets(uint32_t count, uint64_t seed)
{
	rng_t r;

	rng_seed(&r, seed);
	for (uint32_t i = 0; i < count; i++) {
		const struct profile *pr = &profiles[rng_below(&r, ARRAY_SIZE(profiles))];
		uint32_t hlen = rng_below(&r, 3) == 0 ? rng_range(&r, 0, 256)
						      : 12 + 4 * rng_below(&r, 4);
		uint32_t len = rng_below(&r, 4) == 0 ? rng_range(&r, 1, 8000)
						     : rng_range(&r, 1, 400);
		uint32_t tlen = rng_below(&r, 2) ? 4 : rng_range(&r, 0, 40);
		uint32_t t = rng_range(&r, 1, pr->dlen < len ? pr->dlen : len);
		uint32_t targ = t == pr->dlen && rng_below(&r, 2) ? 0 : t, ses;
		uint8_t key[32], mackey[32], iv[16];
		struct packet p;
		char name[160];

		rng_fill(&r, key, sizeof(key));
		rng_fill(&r, mackey, sizeof(mackey));
		rng_fill(&r, iv, sizeof(iv));
		packet_init(&p, hlen, len, tlen);
		rng_fill(&r, p.buf, hlen + len + tlen);
		snprintf(name, sizeof(name), "random%u:%s:header%u:payload%u:trailer%u:tag%u", i,
			 pr->name, hlen, len, tlen, t);
		transcript_u32(len);
		if (need_session(name, fd, pr->cipher, pr->keylen ? key : NULL, pr->keylen, pr->mac,
				 mackey, pr->mackeylen, &ses) == 0) {
			packet_case(name, pr, ses, key, mackey, iv, &p, targ, NULL);
			drop_session("random:free", fd, ses);
		}
		free(p.buf);
	}
	transcript_checkpoint("random");
}

int main(int argc, char **argv)
{
	const char *dev = device_path(argc, argv);
	const char *a_count = opt_arg(argc, argv, 2), *a_seed = opt_arg(argc, argv, 3);
	uint32_t count = a_count ? (uint32_t)parse_u64("count", a_count) : 40;
	uint64_t seed = a_seed ? parse_u64("seed", a_seed) : 0x7372747074657374ULL;

	test_init("srtp");
	note("device %s count %u seed %llu reference %s", dev, count, (unsigned long long)seed,
#ifdef WITH_LIBCRYPTO
	     "OpenSSL and the daemon's CTR and HMAC sessions"
#else
	     "the daemon's CTR and HMAC sessions"
#endif
	);
	fd = open_device(dev);
	rfc3711();
	for (uint32_t i = 0; i < ARRAY_SIZE(profiles); i++)
		profile_cases(&profiles[i], i);
	layout_errors();
	random_packets(count, seed);
	transcript_print();
	xclose("close", fd);
	return test_finish();
}
