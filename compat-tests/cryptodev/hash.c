/*
 * hash: multi-part hashing through CIOCCRYPT flags (docs/ABI.md §9 table), CIOCCPHASH
 * (§10), and cipher+HMAC sessions (hash over the plaintext in both directions).
 *
 * usage: hash [DEVICE [SEED]]
 */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct halg {
	const char *name;
	uint32_t alg;
	const char *key; /* NULL: plain digest */
	uint32_t dlen;
	const char *msg, *digest; /* a known answer longer than a few bytes */
};

static const struct halg algs[] = {
	{ "sha1", CRYPTO_SHA1, NULL, 20,
	  "t:abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "h:84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
	{ "sha256", CRYPTO_SHA2_256, NULL, 32,
	  "t:abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
	  "h:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "sha512", CRYPTO_SHA2_512, NULL, 64,
	  "t:abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopq"
	  "klmnopqrlmnopqrsmnopqrstnopqrstu",
	  "h:8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
	  "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909" },
	/* RFC 4231 test case 7 */
	{ "hmac-sha256", CRYPTO_SHA2_256_HMAC, "r:aa*131", 32,
	  "t:This is a test using a larger than block-size key and a larger than block-size "
	  "data. The key needs to be hashed before being used by the HMAC algorithm.",
	  "h:9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
};

static int fd;
static rng_t rng;

struct ctx {
	const struct halg *a;
	uint8_t *key, *msg, *digest;
	size_t keylen, msglen;
};

static int fresh(const struct ctx *c, const char *name, uint32_t *ses)
{
	return need_session(name, fd, 0, NULL, 0, c->a->alg, c->key, (uint32_t)c->keylen, ses);
}

/* One CIOCCRYPT on a hash session; FAIL line and -1 on error. */
static int op(const char *name, uint32_t ses, uint16_t flags, const uint8_t *src, uint32_t len,
	      uint8_t *mac)
{
	uint8_t dst_sentinel[8];

	memset(dst_sentinel, 0x77, sizeof(dst_sentinel));
	if (cd_crypt(fd, ses, COP_ENCRYPT, flags, src, dst_sentinel, len, NULL, mac) != 0) {
		fail(name, "CIOCCRYPT flags=%#x len=%u: %s", flags, len, errno_name(errno));
		return -1;
	}
	for (size_t i = 0; i < sizeof(dst_sentinel); i++)
		if (dst_sentinel[i] != 0x77) {
			fail(name, "hash-only session wrote dst (flags=%#x)", flags);
			return -1;
		}
	return 0;
}

static int untouched(const uint8_t *mac, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (mac[i] != 0xa5)
			return 0;
	return 1;
}

/*
 * Feeds msg[start..end) in UPDATE chunks at the given cut points (strictly increasing,
 * inside (start, end)), checking that no UPDATE writes mac. `upd_flags` is the flag word of each
 * UPDATE (UPDATE plus possibly WRITE_IV/NO_ZC). Returns 0 or -1 (FAIL emitted).
 */
static int updates(const char *name, uint32_t ses, uint16_t upd_flags, const uint8_t *msg,
		   uint32_t start, const uint32_t *cuts, int ncuts, uint32_t end)
{
	uint8_t mac[AALG_MAX_RESULT_LEN];
	uint32_t pos = start;

	for (int i = 0; i <= ncuts; i++) {
		uint32_t next = i < ncuts ? cuts[i] : end;

		if (next == pos)
			continue;
		memset(mac, 0xa5, sizeof(mac));
		/* Alternate mac = NULL and mac = buffer: neither is touched by an UPDATE. */
		if (op(name, ses, upd_flags, msg + pos, next - pos, (i & 1) ? NULL : mac) != 0)
			return -1;
		if (!untouched(mac, sizeof(mac))) {
			fail(name, "an UPDATE (flags=%#x) wrote the digest", upd_flags);
			return -1;
		}
		pos = next;
	}
	return 0;
}

static void expect_digest(const char *name, const struct ctx *c, const uint8_t *mac)
{
	check_bytes(name, c->digest, c->a->dlen, mac, c->a->dlen);
}

static void flag_table(const struct ctx *c)
{
	const char *an = c->a->name;
	uint32_t len = (uint32_t)c->msglen, ses;
	uint32_t cuts[3] = { 1, len / 3, len - 1 };
	uint8_t mac[AALG_MAX_RESULT_LEN];
	char name[128];
	static const uint8_t junk[] = "junk that a reset must discard";

	/* flags 0: one-shot (reset + finalize) */
	snprintf(name, sizeof(name), "%s:flags0-oneshot", an);
	if (fresh(c, name, &ses) == 0) {
		memset(mac, 0xa5, sizeof(mac));
		if (op(name, ses, 0, c->msg, len, mac) == 0)
			expect_digest(name, c, mac);
		drop_session(name, fd, ses);
	}
	/* UPDATE... then FINAL with len 0 and src NULL (OpenSSL's pattern) */
	snprintf(name, sizeof(name), "%s:update*-final-len0", an);
	if (fresh(c, name, &ses) == 0) {
		if (updates(name, ses, COP_FLAG_UPDATE, c->msg, 0, cuts, 3, len) == 0 &&
		    op(name, ses, COP_FLAG_FINAL, NULL, 0, mac) == 0)
			expect_digest(name, c, mac);
		drop_session(name, fd, ses);
	}
	/* UPDATE... then FINAL carrying the last chunk */
	snprintf(name, sizeof(name), "%s:update*-final-data", an);
	if (fresh(c, name, &ses) == 0) {
		if (updates(name, ses, COP_FLAG_UPDATE, c->msg, 0, cuts, 2, len - 1) == 0 &&
		    op(name, ses, COP_FLAG_FINAL, c->msg + len - 1, 1, mac) == 0)
			expect_digest(name, c, mac);
		drop_session(name, fd, ses);
	}
	/* UPDATE|FINAL carrying the last chunk */
	snprintf(name, sizeof(name), "%s:update*-update|final", an);
	if (fresh(c, name, &ses) == 0) {
		if (updates(name, ses, COP_FLAG_UPDATE, c->msg, 0, cuts, 1, len / 3) == 0 &&
		    op(name, ses, COP_FLAG_UPDATE | COP_FLAG_FINAL, c->msg + len / 3,
		       len - len / 3, mac) == 0)
			expect_digest(name, c, mac);
		drop_session(name, fd, ses);
	}
	/* UPDATE with len 0 finalises */
	snprintf(name, sizeof(name), "%s:update*-update-len0-finalises", an);
	if (fresh(c, name, &ses) == 0) {
		memset(mac, 0xa5, sizeof(mac));
		if (updates(name, ses, COP_FLAG_UPDATE, c->msg, 0, cuts, 3, len) == 0 &&
		    op(name, ses, COP_FLAG_UPDATE, NULL, 0, mac) == 0)
			expect_digest(name, c, mac);
		drop_session(name, fd, ses);
	}
	/* RESET|UPDATE discards earlier input */
	snprintf(name, sizeof(name), "%s:reset|update-discards", an);
	if (fresh(c, name, &ses) == 0) {
		if (op(name, ses, COP_FLAG_UPDATE, junk, sizeof(junk), NULL) == 0 &&
		    op(name, ses, COP_FLAG_RESET | COP_FLAG_UPDATE, c->msg, 1, NULL) == 0 &&
		    updates(name, ses, COP_FLAG_UPDATE, c->msg, 1, cuts + 1, 1, len) == 0 &&
		    op(name, ses, COP_FLAG_FINAL, NULL, 0, mac) == 0)
			expect_digest(name, c, mac);
		drop_session(name, fd, ses);
	}
	/* flags 0 after a pending UPDATE resets */
	snprintf(name, sizeof(name), "%s:flags0-resets-pending-update", an);
	if (fresh(c, name, &ses) == 0) {
		if (op(name, ses, COP_FLAG_UPDATE, junk, sizeof(junk), NULL) == 0 &&
		    op(name, ses, 0, c->msg, len, mac) == 0)
			expect_digest(name, c, mac);
		drop_session(name, fd, ses);
	}
	/* RESET alone: reset and finalize */
	snprintf(name, sizeof(name), "%s:reset-alone-oneshot", an);
	if (fresh(c, name, &ses) == 0) {
		if (op(name, ses, COP_FLAG_UPDATE, junk, sizeof(junk), NULL) == 0 &&
		    op(name, ses, COP_FLAG_RESET, c->msg, len, mac) == 0)
			expect_digest(name, c, mac);
		drop_session(name, fd, ses);
	}
	/* WRITE_IV alone and NO_ZC alone: no reset, but finalize */
	for (int k = 0; k < 2; k++) {
		uint16_t f = k == 0 ? COP_FLAG_WRITE_IV : COP_FLAG_NO_ZC;
		const char *fn = k == 0 ? "write_iv" : "no_zc";

		snprintf(name, sizeof(name), "%s:%s-alone-no-reset-finalizes", an, fn);
		if (fresh(c, name, &ses) == 0) {
			if (op(name, ses, COP_FLAG_UPDATE, c->msg, len / 2, NULL) == 0 &&
			    op(name, ses, f, c->msg + len / 2, len - len / 2, mac) == 0)
				expect_digest(name, c, mac);
			drop_session(name, fd, ses);
		}
		/* ...and UPDATE|<flag> behaves as UPDATE */
		snprintf(name, sizeof(name), "%s:update|%s-continues", an, fn);
		if (fresh(c, name, &ses) == 0) {
			if (updates(name, ses, COP_FLAG_UPDATE | f, c->msg, 0, cuts, 2, len - 1) == 0 &&
			    op(name, ses, COP_FLAG_FINAL | f, c->msg + len - 1, 1, mac) == 0)
				expect_digest(name, c, mac);
			drop_session(name, fd, ses);
		}
	}
	/* One session reused: flags 0 twice gives the same answer (each resets). */
	snprintf(name, sizeof(name), "%s:session-reuse-oneshot", an);
	if (fresh(c, name, &ses) == 0) {
		if (op(name, ses, 0, junk, sizeof(junk), mac) == 0 &&
		    op(name, ses, 0, c->msg, len, mac) == 0)
			expect_digest(name, c, mac);
		drop_session(name, fd, ses);
	}
}

/* Random messages, random splits: multi-part equals one-shot. */
static void random_splits(const struct ctx *c)
{
	enum { ROUNDS = 12, MAXLEN = 5000 };
	uint8_t *msg = malloc(MAXLEN), one[AALG_MAX_RESULT_LEN], multi[AALG_MAX_RESULT_LEN];
	char name[128];
	uint32_t ses;

	snprintf(name, sizeof(name), "%s:random-splits", c->a->name);
	if (fresh(c, name, &ses) != 0) {
		free(msg);
		return;
	}
	for (int r = 0; r < ROUNDS; r++) {
		uint32_t len = rng_range(&rng, 1, MAXLEN), cuts[8];
		int ncuts = (int)rng_range(&rng, 0, 8), n = 0;
		int final_empty = (int)rng_below(&rng, 2);

		rng_fill(&rng, msg, len);
		/* sorted distinct cut points inside (0, len) */
		for (int i = 0; i < ncuts; i++) {
			uint32_t x = rng_range(&rng, 1, len), j;

			if (x >= len)
				continue;
			for (j = 0; j < (uint32_t)n && cuts[j] != x; j++)
				;
			if (j == (uint32_t)n)
				cuts[n++] = x;
		}
		for (int i = 1; i < n; i++)
			for (int j = i; j > 0 && cuts[j - 1] > cuts[j]; j--) {
				uint32_t t = cuts[j];

				cuts[j] = cuts[j - 1];
				cuts[j - 1] = t;
			}
		snprintf(name, sizeof(name), "%s:random-split-%d:len%u:parts%d:%s", c->a->name, r,
			 len, n + 1, final_empty ? "final-empty" : "final-data");
		if (op(name, ses, 0, msg, len, one) != 0)
			continue;
		/*
		 * chunk i = [cuts[i-1], cuts[i]); the first carries RESET, the last carries
		 * FINAL (or all are UPDATEs and an empty FINAL follows). A single chunk with
		 * final-data is sent as RESET|FINAL.
		 */
		memset(multi, 0xa5, sizeof(multi));
		{
			int ok = 1;

			for (int i = 0; i <= n && ok; i++) {
				uint32_t from = i ? cuts[i - 1] : 0, to = i < n ? cuts[i] : len;
				uint16_t f = i == 0 ? COP_FLAG_RESET : 0;
				int last = i == n;

				f |= (last && !final_empty) ? COP_FLAG_FINAL : COP_FLAG_UPDATE;
				ok = op(name, ses, f, msg + from, to - from, multi) == 0;
				if (ok && !(last && !final_empty) && !untouched(multi, sizeof(multi))) {
					fail(name, "an UPDATE (flags=%#x) wrote the digest", f);
					ok = 0;
				}
			}
			if (ok && final_empty)
				ok = op(name, ses, COP_FLAG_FINAL, NULL, 0, multi) == 0;
			if (ok)
				check_bytes(name, one, c->a->dlen, multi, c->a->dlen);
		}
	}
	drop_session(name, fd, ses);
	free(msg);
}

static uint32_t unknown_id(const uint32_t *ids, int n)
{
	uint32_t x = 0x13572468;

	for (;;) {
		int i;

		for (i = 0; i < n && ids[i] != x; i++)
			;
		if (i == n)
			return x;
		x = x * 2654435761u + 1;
	}
}

static void cphash(const struct ctx *c)
{
	const char *an = c->a->name;
	uint32_t len = (uint32_t)c->msglen, a, b, cipher, ids[4];
	uint8_t mac[AALG_MAX_RESULT_LEN], ref[AALG_MAX_RESULT_LEN], key16[16] = { 1 };
	static const uint8_t other[] = "a different suffix";
	uint8_t *buf;
	char name[128];
	uint32_t split = len / 2;

	snprintf(name, sizeof(name), "%s:cphash-setup", an);
	if (fresh(c, name, &a) != 0 || fresh(c, name, &b) != 0)
		return;
	if (op(name, a, COP_FLAG_UPDATE, c->msg, split, NULL) != 0)
		return;
	/* dst_ses comes first: copying into b makes b continue a's prefix */
	snprintf(name, sizeof(name), "%s:cphash{dst,src}", an);
	if (!expect_errno(name, cd_cphash(fd, b, a), 0))
		return;
	snprintf(name, sizeof(name), "%s:cphash-dst-finishes-copied-state", an);
	if (op(name, b, COP_FLAG_FINAL, c->msg + split, len - split, mac) == 0)
		expect_digest(name, c, mac);
	snprintf(name, sizeof(name), "%s:cphash-src-unaffected", an);
	if (op(name, a, COP_FLAG_FINAL, c->msg + split, len - split, mac) == 0)
		expect_digest(name, c, mac);

	/* Copies diverge: prefix + other suffix on the copy equals a one-shot of the same. */
	snprintf(name, sizeof(name), "%s:cphash-copies-diverge", an);
	buf = malloc(split + sizeof(other));
	memcpy(buf, c->msg, split);
	memcpy(buf + split, other, sizeof(other));
	if (op(name, a, COP_FLAG_RESET | COP_FLAG_UPDATE, c->msg, split, NULL) == 0 &&
	    cd_cphash(fd, b, a) == 0 &&
	    op(name, b, COP_FLAG_FINAL, other, sizeof(other), mac) == 0 &&
	    op(name, a, 0, buf, split + (uint32_t)sizeof(other), ref) == 0)
		check_bytes(name, ref, c->a->dlen, mac, c->a->dlen);
	free(buf);

	if (need_session(name, fd, CRYPTO_AES_CBC, key16, 16, 0, NULL, 0, &cipher) != 0)
		return;
	ids[0] = a;
	ids[1] = b;
	ids[2] = cipher;
	ids[3] = unknown_id(ids, 3);
	snprintf(name, sizeof(name), "%s:cphash-unknown-dst-ENOENT", an);
	expect_errno(name, cd_cphash(fd, ids[3], a), ENOENT);
	snprintf(name, sizeof(name), "%s:cphash-unknown-src-ENOENT", an);
	expect_errno(name, cd_cphash(fd, a, ids[3]), ENOENT);
	snprintf(name, sizeof(name), "%s:cphash-both-unknown-ENOENT", an);
	expect_errno(name, cd_cphash(fd, ids[3], ids[3]), ENOENT);
	snprintf(name, sizeof(name), "%s:cphash-src==dst-EDEADLK", an);
	expect_errno(name, cd_cphash(fd, a, a), EDEADLK);
	snprintf(name, sizeof(name), "%s:cphash-cipher-only-src-EINVAL", an);
	expect_errno(name, cd_cphash(fd, a, cipher), EINVAL);
	snprintf(name, sizeof(name), "%s:cphash-cipher-only-dst-EINVAL", an);
	expect_errno(name, cd_cphash(fd, cipher, a), EINVAL);
	/* after the failed copies a is still usable */
	snprintf(name, sizeof(name), "%s:cphash-errors-leave-state", an);
	if (op(name, a, COP_FLAG_RESET | COP_FLAG_UPDATE, c->msg, split, NULL) == 0 &&
	    cd_cphash(fd, ids[3], a) == -1 &&
	    op(name, a, COP_FLAG_FINAL, c->msg + split, len - split, mac) == 0)
		expect_digest(name, c, mac);
	drop_session(name, fd, cipher);
	drop_session(name, fd, a);
	drop_session(name, fd, b);
}

/* The daemon refuses a copy between different algorithms (the kernel reads out of bounds). */
static void cphash_mismatch(void)
{
	uint32_t s1, s256;

	if (need_session("cphash-alg-mismatch", fd, 0, NULL, 0, CRYPTO_SHA1, NULL, 0, &s1) != 0)
		return;
	if (need_session("cphash-alg-mismatch", fd, 0, NULL, 0, CRYPTO_SHA2_256, NULL, 0,
			 &s256) == 0) {
		expect_errno("cphash-alg-mismatch-EINVAL", cd_cphash(fd, s1, s256), EINVAL);
		drop_session("cphash-alg-mismatch", fd, s256);
	}
	drop_session("cphash-alg-mismatch", fd, s1);
}

/* cipher + HMAC session: the MAC is over the plaintext whichever the direction. */
static void cipher_hmac(void)
{
	enum { LEN = 96 };
	uint8_t key[16], mackey[37], iv[16], ivc[16], pt[LEN], ct[LEN], out[LEN];
	uint8_t mac[AALG_MAX_RESULT_LEN], ref_mac[AALG_MAX_RESULT_LEN];
	uint32_t both, cbc, hm;
	struct session_info_op info;

	rng_fill(&rng, key, sizeof(key));
	rng_fill(&rng, mackey, sizeof(mackey));
	rng_fill(&rng, iv, sizeof(iv));
	rng_fill(&rng, pt, sizeof(pt));
	if (need_session("cipher+hmac:session", fd, CRYPTO_AES_CBC, key, 16, CRYPTO_SHA2_256_HMAC,
			 mackey, sizeof(mackey), &both) != 0)
		return;
	if (need_session("cipher+hmac:session", fd, CRYPTO_AES_CBC, key, 16, 0, NULL, 0, &cbc) ||
	    need_session("cipher+hmac:session", fd, 0, NULL, 0, CRYPTO_SHA2_256_HMAC, mackey,
			 sizeof(mackey), &hm))
		return;
	memset(&info, 0, sizeof(info));
	if (sess_info(fd, both, &info) != 0)
		fail("cipher+hmac:sessinfo", "%s", errno_name(errno));
	else
		check(strcmp(info.cipher_info.cra_name, "cbc(aes)") == 0 &&
			      strcmp(info.hash_info.cra_name, "hmac(sha256)") == 0,
		      "cipher+hmac:sessinfo", "names \"%s\" / \"%s\"", info.cipher_info.cra_name,
		      info.hash_info.cra_name);

	/* references */
	memcpy(ivc, iv, 16);
	if (cd_crypt(fd, cbc, COP_ENCRYPT, 0, pt, ct, LEN, ivc, NULL) != 0 ||
	    cd_crypt(fd, hm, COP_ENCRYPT, 0, pt, NULL, LEN, NULL, ref_mac) != 0) {
		fail("cipher+hmac:reference", "%s", errno_name(errno));
		return;
	}
	memcpy(ivc, iv, 16);
	memset(mac, 0, sizeof(mac));
	if (cd_crypt(fd, both, COP_ENCRYPT, 0, pt, out, LEN, ivc, mac) != 0) {
		fail("cipher+hmac:encrypt", "%s", errno_name(errno));
	} else {
		check_bytes("cipher+hmac:encrypt-ciphertext", ct, LEN, out, LEN);
		check_bytes("cipher+hmac:encrypt-mac-over-plaintext", ref_mac, 32, mac, 32);
	}
	memcpy(ivc, iv, 16);
	memset(mac, 0, sizeof(mac));
	if (cd_crypt(fd, both, COP_DECRYPT, 0, ct, out, LEN, ivc, mac) != 0) {
		fail("cipher+hmac:decrypt", "%s", errno_name(errno));
	} else {
		check_bytes("cipher+hmac:decrypt-plaintext", pt, LEN, out, LEN);
		check_bytes("cipher+hmac:decrypt-mac-over-plaintext", ref_mac, 32, mac, 32);
	}
	/* multi-part: UPDATE with the IV, then FINAL chaining implicitly (iv NULL) */
	memcpy(ivc, iv, 16);
	memset(mac, 0, sizeof(mac));
	memset(out, 0, sizeof(out));
	if (cd_crypt(fd, both, COP_ENCRYPT, COP_FLAG_RESET | COP_FLAG_UPDATE, pt, out, 32, ivc,
		     NULL) != 0 ||
	    cd_crypt(fd, both, COP_ENCRYPT, COP_FLAG_UPDATE, pt + 32, out + 32, 32, NULL, NULL) != 0 ||
	    cd_crypt(fd, both, COP_ENCRYPT, COP_FLAG_FINAL, pt + 64, out + 64, LEN - 64, NULL,
		     mac) != 0) {
		fail("cipher+hmac:encrypt-multipart", "%s", errno_name(errno));
	} else {
		check_bytes("cipher+hmac:encrypt-multipart-ciphertext", ct, LEN, out, LEN);
		check_bytes("cipher+hmac:encrypt-multipart-mac", ref_mac, 32, mac, 32);
	}
	memcpy(ivc, iv, 16);
	memset(mac, 0, sizeof(mac));
	memset(out, 0, sizeof(out));
	if (cd_crypt(fd, both, COP_DECRYPT, COP_FLAG_RESET | COP_FLAG_UPDATE, ct, out, 48, ivc,
		     NULL) != 0 ||
	    cd_crypt(fd, both, COP_DECRYPT, COP_FLAG_FINAL, ct + 48, out + 48, LEN - 48, NULL,
		     mac) != 0) {
		fail("cipher+hmac:decrypt-multipart", "%s", errno_name(errno));
	} else {
		check_bytes("cipher+hmac:decrypt-multipart-plaintext", pt, LEN, out, LEN);
		check_bytes("cipher+hmac:decrypt-multipart-mac", ref_mac, 32, mac, 32);
	}
	/* a cipher+hash session with mac == NULL fails with EFAULT (after writing dst) */
	memcpy(ivc, iv, 16);
	memset(out, 0, sizeof(out));
	expect_errno("cipher+hmac:mac-NULL-EFAULT",
		     cd_crypt(fd, both, COP_ENCRYPT, 0, pt, out, LEN, ivc, NULL), EFAULT);
	check_bytes("cipher+hmac:mac-NULL-dst-still-written", ct, LEN, out, LEN);
	drop_session("cipher+hmac:free", fd, both);
	drop_session("cipher+hmac:free", fd, cbc);
	drop_session("cipher+hmac:free", fd, hm);
}

int main(int argc, char **argv)
{
	const char *dev = device_path(argc, argv);
	const char *seed_arg = opt_arg(argc, argv, 2);
	uint64_t seed = seed_arg ? parse_u64("seed", seed_arg) : 0x4841534853454544ULL;

	test_init("hash");
	note("device %s, seed %llu", dev, (unsigned long long)seed);
	rng_seed(&rng, seed);
	fd = open_device(dev);
	for (size_t i = 0; i < ARRAY_SIZE(algs); i++) {
		struct ctx c;
		size_t dlen;

		c.a = &algs[i];
		c.keylen = 0;
		c.key = algs[i].key ? spec_bytes(algs[i].key, &c.keylen) : NULL;
		c.msg = spec_bytes(algs[i].msg, &c.msglen);
		c.digest = spec_bytes(algs[i].digest, &dlen);
		if (dlen != algs[i].dlen)
			die(algs[i].name, "bad table digest length");
		flag_table(&c);
		random_splits(&c);
		cphash(&c);
		free(c.key);
		free(c.msg);
		free(c.digest);
	}
	cphash_mismatch();
	cipher_hmac();
	xclose("close", fd);
	return test_finish();
}
