/*
 * iv: IV handling of CIOCCRYPT: COP_FLAG_WRITE_IV write-back (CBC, CTR, CFB, OFB), implicit
 * chaining through the session with iv == NULL, modes without an IV (ECB, NULL) ignoring a
 * non-NULL iv pointer, and the caller's iv left alone without WRITE_IV.
 *
 * usage: iv [DEVICE [SEED]]
 */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int fd;
static rng_t rng;

#define SENT 0xc3

static int crypt_ok(const char *name, uint32_t ses, uint16_t op, uint16_t flags,
		    const void *src, void *dst, uint32_t len, void *iv)
{
	if (cd_crypt(fd, ses, op, flags, src, dst, len, iv, NULL) == 0)
		return 1;
	fail(name, "CIOCCRYPT op=%u flags=%#x len=%u iv=%s: %s", op, flags, len,
	     iv ? "set" : "NULL", errno_name(errno));
	return 0;
}

static int sentinel_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != SENT)
			return 0;
	return 1;
}

/* 128-bit big-endian counter + n */
static void ctr_add(uint8_t *ctr, uint32_t n)
{
	uint32_t carry = n;

	for (int i = 15; i >= 0 && carry; i--) {
		uint32_t v = ctr[i] + (carry & 0xff);

		ctr[i] = (uint8_t)v;
		carry = (carry >> 8) + (v >> 8);
	}
}

/* CBC (AES and DES): write-back is the last ciphertext block, for decrypt the last input. */
static void cbc_write_iv(const char *tag, uint32_t alg, uint32_t keylen, uint32_t bs)
{
	enum { LEN = 64 };
	uint8_t key[32], iv[16], ivbuf[32], pt[LEN], ct[LEN], out[LEN];
	uint32_t ses;
	char name[96];

	rng_fill(&rng, key, keylen);
	rng_fill(&rng, iv, bs);
	rng_fill(&rng, pt, LEN);
	snprintf(name, sizeof(name), "%s:session", tag);
	if (need_session(name, fd, alg, key, keylen, 0, NULL, 0, &ses) != 0)
		return;

	/* encrypt without WRITE_IV: iv buffer unchanged */
	memcpy(ivbuf, iv, bs);
	memset(ivbuf + bs, SENT, sizeof(ivbuf) - bs);
	snprintf(name, sizeof(name), "%s:encrypt-no-write_iv-leaves-iv", tag);
	if (crypt_ok(name, ses, COP_ENCRYPT, 0, pt, ct, LEN, ivbuf))
		check(memcmp(ivbuf, iv, bs) == 0 && sentinel_ok(ivbuf + bs, sizeof(ivbuf) - bs),
		      name, "iv buffer changed to %s", hexstr(ivbuf, sizeof(ivbuf)));

	/* encrypt with WRITE_IV: last ciphertext block, nothing beyond ivsize */
	memcpy(ivbuf, iv, bs);
	snprintf(name, sizeof(name), "%s:encrypt-write_iv-last-ct-block", tag);
	if (crypt_ok(name, ses, COP_ENCRYPT, COP_FLAG_WRITE_IV, pt, out, LEN, ivbuf)) {
		if (memcmp(out, ct, LEN) != 0)
			fail(name, "ciphertext differs with WRITE_IV");
		else if (!sentinel_ok(ivbuf + bs, sizeof(ivbuf) - bs))
			fail(name, "wrote beyond the %u-byte IV: %s", bs, hexstr(ivbuf, 32));
		else
			check_bytes(name, ct + LEN - bs, bs, ivbuf, bs);
	}

	/* decrypt with WRITE_IV: the last *input* block */
	memcpy(ivbuf, iv, bs);
	snprintf(name, sizeof(name), "%s:decrypt-write_iv-last-input-block", tag);
	if (crypt_ok(name, ses, COP_DECRYPT, COP_FLAG_WRITE_IV, ct, out, LEN, ivbuf)) {
		if (memcmp(out, pt, LEN) != 0)
			fail(name, "plaintext wrong: %s", hexstr(out, LEN));
		else if (!sentinel_ok(ivbuf + bs, sizeof(ivbuf) - bs))
			fail(name, "wrote beyond the %u-byte IV", bs);
		else
			check_bytes(name, ct + LEN - bs, bs, ivbuf, bs);
	}

	/* decrypt without WRITE_IV */
	memcpy(ivbuf, iv, bs);
	snprintf(name, sizeof(name), "%s:decrypt-no-write_iv-leaves-iv", tag);
	if (crypt_ok(name, ses, COP_DECRYPT, 0, ct, out, LEN, ivbuf))
		check(memcmp(ivbuf, iv, bs) == 0 && memcmp(out, pt, LEN) == 0, name,
		      "iv %s, plaintext %s", hexstr(ivbuf, bs), hexstr(out, LEN));

	/* explicit chaining through the written-back IV (OpenSSL's pattern) */
	memcpy(ivbuf, iv, bs);
	memset(out, 0, LEN);
	snprintf(name, sizeof(name), "%s:explicit-chain-write_iv-encrypt", tag);
	if (crypt_ok(name, ses, COP_ENCRYPT, COP_FLAG_WRITE_IV, pt, out, 2 * bs, ivbuf) &&
	    crypt_ok(name, ses, COP_ENCRYPT, COP_FLAG_WRITE_IV, pt + 2 * bs, out + 2 * bs,
		     LEN - 2 * bs, ivbuf))
		check_bytes(name, ct, LEN, out, LEN);
	memcpy(ivbuf, iv, bs);
	memset(out, 0, LEN);
	snprintf(name, sizeof(name), "%s:explicit-chain-write_iv-decrypt", tag);
	if (crypt_ok(name, ses, COP_DECRYPT, COP_FLAG_WRITE_IV, ct, out, bs, ivbuf) &&
	    crypt_ok(name, ses, COP_DECRYPT, COP_FLAG_WRITE_IV, ct + bs, out + bs, LEN - bs, ivbuf))
		check_bytes(name, pt, LEN, out, LEN);

	/* implicit chaining: first call with the IV, the rest with iv == NULL */
	memcpy(ivbuf, iv, bs);
	memset(out, 0, LEN);
	snprintf(name, sizeof(name), "%s:implicit-chain-iv-NULL-encrypt", tag);
	if (crypt_ok(name, ses, COP_ENCRYPT, 0, pt, out, bs, ivbuf) &&
	    crypt_ok(name, ses, COP_ENCRYPT, 0, pt + bs, out + bs, 2 * bs, NULL) &&
	    crypt_ok(name, ses, COP_ENCRYPT, 0, pt + 3 * bs, out + 3 * bs, LEN - 3 * bs, NULL))
		check_bytes(name, ct, LEN, out, LEN);
	memcpy(ivbuf, iv, bs);
	memset(out, 0, LEN);
	snprintf(name, sizeof(name), "%s:implicit-chain-iv-NULL-decrypt", tag);
	if (crypt_ok(name, ses, COP_DECRYPT, 0, ct, out, 3 * bs, ivbuf) &&
	    crypt_ok(name, ses, COP_DECRYPT, 0, ct + 3 * bs, out + 3 * bs, LEN - 3 * bs, NULL))
		check_bytes(name, pt, LEN, out, LEN);
	drop_session(name, fd, ses);

	/* a fresh session's IV is zero */
	snprintf(name, sizeof(name), "%s:fresh-session-iv-NULL-is-zero-iv", tag);
	if (need_session(name, fd, alg, key, keylen, 0, NULL, 0, &ses) == 0) {
		uint8_t zero[16] = { 0 }, ref[LEN];

		if (crypt_ok(name, ses, COP_ENCRYPT, 0, pt, out, LEN, NULL) &&
		    crypt_ok(name, ses, COP_ENCRYPT, 0, pt, ref, LEN, zero))
			check_bytes(name, ref, LEN, out, LEN);
		drop_session(name, fd, ses);
	}
}

/* Two sessions chaining implicitly at the same time keep separate IVs. */
static void chains_per_session(void)
{
	enum { LEN = 64 };
	uint8_t key[16], iv1[16], iv2[16], pt[LEN], ref1[LEN], ref2[LEN], o1[LEN], o2[LEN];
	uint32_t s1, s2;
	const char *name = "aes-cbc:implicit-chains-are-per-session";

	rng_fill(&rng, key, 16);
	rng_fill(&rng, iv1, 16);
	rng_fill(&rng, iv2, 16);
	rng_fill(&rng, pt, LEN);
	if (need_session(name, fd, CRYPTO_AES_CBC, key, 16, 0, NULL, 0, &s1) ||
	    need_session(name, fd, CRYPTO_AES_CBC, key, 16, 0, NULL, 0, &s2))
		return;
	if (crypt_ok(name, s1, COP_ENCRYPT, 0, pt, ref1, LEN, iv1) &&
	    crypt_ok(name, s1, COP_ENCRYPT, 0, pt, ref2, LEN, iv2) &&
	    crypt_ok(name, s1, COP_ENCRYPT, 0, pt, o1, 16, iv1) &&
	    crypt_ok(name, s2, COP_ENCRYPT, 0, pt, o2, 16, iv2) &&
	    crypt_ok(name, s1, COP_ENCRYPT, 0, pt + 16, o1 + 16, LEN - 16, NULL) &&
	    crypt_ok(name, s2, COP_ENCRYPT, 0, pt + 16, o2 + 16, LEN - 16, NULL))
		check(memcmp(o1, ref1, LEN) == 0 && memcmp(o2, ref2, LEN) == 0, name,
		      "chains mixed: %s / %s", hexstr(o1, LEN), hexstr(o2, LEN));
	drop_session(name, fd, s1);
	drop_session(name, fd, s2);
}

/* CTR keystream computed with an ECB session: E(ctr), E(ctr+1), ... */
static int ctr_reference(const char *name, const uint8_t *key, const uint8_t *ctr0,
			 const uint8_t *pt, uint8_t *ct, uint32_t len)
{
	uint32_t ecb, nblocks = (len + 15) / 16;
	uint8_t *ks = malloc(nblocks * 16 + 16), *ctrs = malloc(nblocks * 16 + 16);
	uint8_t c[16];
	int ok;

	memcpy(c, ctr0, 16);
	for (uint32_t i = 0; i < nblocks; i++) {
		memcpy(ctrs + 16 * i, c, 16);
		ctr_add(c, 1);
	}
	ok = need_session(name, fd, CRYPTO_AES_ECB, key, 16, 0, NULL, 0, &ecb) == 0;
	if (ok) {
		ok = crypt_ok(name, ecb, COP_ENCRYPT, 0, ctrs, ks, nblocks * 16, NULL);
		drop_session(name, fd, ecb);
	}
	for (uint32_t i = 0; ok && i < len; i++)
		ct[i] = pt[i] ^ ks[i];
	free(ks);
	free(ctrs);
	return ok;
}

static void ctr_tests(void)
{
	enum { LEN = 80 };
	static const struct {
		const char *tag;
		const char *ctr;
		uint32_t len;
	} cases[] = {
		{ "ctr:write_iv-4-blocks", "h:f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", 64 },
		{ "ctr:write_iv-partial-final-block-counts", "h:000102030405060708090a0b0c0d0e0f", 40 },
		{ "ctr:write_iv-one-byte", "h:000102030405060708090a0b0c0d0e0f", 1 },
		{ "ctr:write_iv-len0-unchanged", "h:000102030405060708090a0b0c0d0e0f", 0 },
		{ "ctr:write_iv-carry-across-64-bits", "h:0000000000000000fffffffffffffffe", 50 },
		{ "ctr:write_iv-carry-across-32-bits", "h:00000000000000000000000effffffff", 17 },
		{ "ctr:write_iv-128-bit-wrap", "h:fffffffffffffffffffffffffffffffe", 48 },
	};
	uint8_t key[16], pt[LEN], ct[LEN], ref[LEN], ivbuf[32], want[16];
	uint32_t ses;
	char name[96];

	rng_fill(&rng, key, 16);
	rng_fill(&rng, pt, LEN);
	if (need_session("ctr:session", fd, CRYPTO_AES_CTR, key, 16, 0, NULL, 0, &ses) != 0)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		size_t n;
		uint8_t *ctr = spec_bytes(cases[i].ctr, &n);
		uint32_t len = cases[i].len;

		memcpy(ivbuf, ctr, 16);
		memset(ivbuf + 16, SENT, 16);
		memcpy(want, ctr, 16);
		ctr_add(want, (len + 15) / 16);
		memset(ct, 0, LEN);
		if (crypt_ok(cases[i].tag, ses, COP_ENCRYPT, COP_FLAG_WRITE_IV, len ? pt : NULL,
			     len ? ct : NULL, len, ivbuf)) {
			if (!sentinel_ok(ivbuf + 16, 16))
				fail(cases[i].tag, "wrote beyond the 16-byte IV");
			else
				check_bytes(cases[i].tag, want, 16, ivbuf, 16);
			snprintf(name, sizeof(name), "%s:keystream", cases[i].tag);
			if (len > 0 && ctr_reference(name, key, ctr, pt, ref, len))
				check_bytes(name, ref, len, ct, len);
		}
		free(ctr);
	}

	/* without WRITE_IV the counter in the caller's buffer stays */
	rng_fill(&rng, ivbuf, 16);
	memcpy(want, ivbuf, 16);
	if (crypt_ok("ctr:no-write_iv-leaves-iv", ses, COP_ENCRYPT, 0, pt, ct, 40, ivbuf))
		check_bytes("ctr:no-write_iv-leaves-iv", want, 16, ivbuf, 16);

	/* implicit chaining: 16 + 32 + 7 bytes equals one 55-byte call */
	rng_fill(&rng, want, 16);
	memcpy(ivbuf, want, 16);
	memset(ct, 0, LEN);
	if (crypt_ok("ctr:implicit-chain", ses, COP_ENCRYPT, 0, pt, ref, 55, ivbuf) &&
	    crypt_ok("ctr:implicit-chain", ses, COP_ENCRYPT, 0, pt, ct, 16, ivbuf) &&
	    crypt_ok("ctr:implicit-chain", ses, COP_ENCRYPT, 0, pt + 16, ct + 16, 32, NULL) &&
	    crypt_ok("ctr:implicit-chain", ses, COP_ENCRYPT, 0, pt + 48, ct + 48, 7, NULL))
		check_bytes("ctr:implicit-chain-iv-NULL", ref, 55, ct, 55);
	/* a partial block in the middle consumes a whole counter value */
	if (crypt_ok("ctr:implicit-chain-after-partial", ses, COP_ENCRYPT, 0, pt, ct, 7, ivbuf) &&
	    crypt_ok("ctr:implicit-chain-after-partial", ses, COP_ENCRYPT, 0, pt + 16, ct + 16, 16,
		     NULL))
		check_bytes("ctr:implicit-chain-after-partial-skips-rest-of-block", ref + 16, 16,
			    ct + 16, 16);
	/* decrypt chains the same way */
	memset(ct, 0, LEN);
	if (crypt_ok("ctr:implicit-chain-decrypt", ses, COP_DECRYPT, 0, ref, ct, 32, ivbuf) &&
	    crypt_ok("ctr:implicit-chain-decrypt", ses, COP_DECRYPT, 0, ref + 32, ct + 32, 23, NULL))
		check_bytes("ctr:implicit-chain-decrypt", pt, 55, ct, 55);
	drop_session("ctr:free", fd, ses);
}

/* CFB128 / OFB: for whole blocks, the IV left is the last ciphertext block (CFB) or the
 * last keystream block (OFB); chaining at block boundaries equals one call. */
static void cfb_ofb(uint32_t alg, const char *tag)
{
	enum { LEN = 64 };
	uint8_t key[24], iv[16], ivbuf[32], pt[LEN], ref[LEN], ct[LEN], want[16];
	uint32_t ses;
	char name[96];

	rng_fill(&rng, key, 24);
	rng_fill(&rng, iv, 16);
	rng_fill(&rng, pt, LEN);
	snprintf(name, sizeof(name), "%s:session", tag);
	if (need_session(name, fd, alg, key, 24, 0, NULL, 0, &ses) != 0)
		return;
	snprintf(name, sizeof(name), "%s:write_iv-whole-blocks", tag);
	memcpy(ivbuf, iv, 16);
	memset(ivbuf + 16, SENT, 16);
	if (crypt_ok(name, ses, COP_ENCRYPT, COP_FLAG_WRITE_IV, pt, ref, LEN, ivbuf)) {
		for (int i = 0; i < 16; i++)
			want[i] = alg == CRYPTO_AES_CFB ? ref[LEN - 16 + i]
							: (uint8_t)(ref[LEN - 16 + i] ^ pt[LEN - 16 + i]);
		if (!sentinel_ok(ivbuf + 16, 16))
			fail(name, "wrote beyond the 16-byte IV");
		else
			check_bytes(name, want, 16, ivbuf, 16);
	}
	snprintf(name, sizeof(name), "%s:no-write_iv-leaves-iv", tag);
	memcpy(ivbuf, iv, 16);
	if (crypt_ok(name, ses, COP_ENCRYPT, 0, pt, ct, LEN, ivbuf))
		check_bytes(name, iv, 16, ivbuf, 16);
	snprintf(name, sizeof(name), "%s:implicit-chain-iv-NULL", tag);
	memcpy(ivbuf, iv, 16);
	memset(ct, 0, LEN);
	if (crypt_ok(name, ses, COP_ENCRYPT, 0, pt, ct, 16, ivbuf) &&
	    crypt_ok(name, ses, COP_ENCRYPT, 0, pt + 16, ct + 16, 32, NULL) &&
	    crypt_ok(name, ses, COP_ENCRYPT, 0, pt + 48, ct + 48, 13, NULL))
		check_bytes(name, ref, 61, ct, 61);
	snprintf(name, sizeof(name), "%s:explicit-chain-write_iv-decrypt", tag);
	memcpy(ivbuf, iv, 16);
	memset(ct, 0, LEN);
	if (crypt_ok(name, ses, COP_DECRYPT, COP_FLAG_WRITE_IV, ref, ct, 32, ivbuf) &&
	    crypt_ok(name, ses, COP_DECRYPT, COP_FLAG_WRITE_IV, ref + 32, ct + 32, 27, ivbuf))
		check_bytes(name, pt, 59, ct, 59);
	drop_session(name, fd, ses);
}

/* Modes without an IV: a non-NULL iv pointer is accepted and never read or written. */
static void no_iv_modes(void)
{
	enum { LEN = 48 };
	uint8_t key[16], ivbuf[32], pt[LEN], ref[LEN], out[LEN];
	uint32_t ses;

	rng_fill(&rng, key, 16);
	rng_fill(&rng, pt, LEN);
	if (need_session("ecb:session", fd, CRYPTO_AES_ECB, key, 16, 0, NULL, 0, &ses) == 0) {
		memset(ivbuf, SENT, sizeof(ivbuf));
		if (crypt_ok("ecb:iv-NULL", ses, COP_ENCRYPT, 0, pt, ref, LEN, NULL) &&
		    crypt_ok("ecb:iv-pointer-accepted", ses, COP_ENCRYPT, 0, pt, out, LEN, ivbuf))
			check(memcmp(out, ref, LEN) == 0 && sentinel_ok(ivbuf, sizeof(ivbuf)),
			      "ecb:iv-pointer-accepted-and-untouched", "iv %s",
			      hexstr(ivbuf, sizeof(ivbuf)));
		if (crypt_ok("ecb:write_iv", ses, COP_ENCRYPT, COP_FLAG_WRITE_IV, pt, out, LEN,
			     ivbuf))
			check(memcmp(out, ref, LEN) == 0 && sentinel_ok(ivbuf, sizeof(ivbuf)),
			      "ecb:write_iv-leaves-iv-untouched", "iv %s",
			      hexstr(ivbuf, sizeof(ivbuf)));
		if (crypt_ok("ecb:decrypt-write_iv", ses, COP_DECRYPT, COP_FLAG_WRITE_IV, ref, out,
			     LEN, ivbuf))
			check(memcmp(out, pt, LEN) == 0 && sentinel_ok(ivbuf, sizeof(ivbuf)),
			      "ecb:decrypt-write_iv-leaves-iv-untouched", "iv %s",
			      hexstr(ivbuf, sizeof(ivbuf)));
		/* an invalid iv pointer is not even read */
		expect_errno("ecb:iv-pointer-never-read",
			     cd_crypt(fd, ses, COP_ENCRYPT, COP_FLAG_WRITE_IV, pt, out, LEN,
				      (void *)16, NULL),
			     0);
		drop_session("ecb:free", fd, ses);
	}
	if (need_session("null:session", fd, CRYPTO_NULL, NULL, 0, 0, NULL, 0, &ses) == 0) {
		memset(ivbuf, SENT, sizeof(ivbuf));
		if (crypt_ok("null:write_iv", ses, COP_ENCRYPT, COP_FLAG_WRITE_IV, pt, out, 37,
			     ivbuf))
			check(memcmp(out, pt, 37) == 0 && sentinel_ok(ivbuf, sizeof(ivbuf)),
			      "null:iv-pointer-untouched", "iv %s", hexstr(ivbuf, sizeof(ivbuf)));
		drop_session("null:free", fd, ses);
	}
}

int main(int argc, char **argv)
{
	const char *dev = device_path(argc, argv);
	const char *seed_arg = opt_arg(argc, argv, 2);
	uint64_t seed = seed_arg ? parse_u64("seed", seed_arg) : 0x4956495649564956ULL;

	test_init("iv");
	note("device %s, seed %llu", dev, (unsigned long long)seed);
	rng_seed(&rng, seed);
	fd = open_device(dev);
	cbc_write_iv("aes128-cbc", CRYPTO_AES_CBC, 16, 16);
	cbc_write_iv("aes256-cbc", CRYPTO_AES_CBC, 32, 16);
	cbc_write_iv("des-cbc", CRYPTO_DES_CBC, 8, 8);
	cbc_write_iv("3des-cbc", CRYPTO_3DES_CBC, 24, 8);
	cbc_write_iv("blowfish-cbc", CRYPTO_BLF_CBC, 16, 8);
	cbc_write_iv("cast5-cbc", CRYPTO_CAST_CBC, 16, 8);
	cbc_write_iv("camellia-cbc", CRYPTO_CAMELLIA_CBC, 16, 16);
	chains_per_session();
	ctr_tests();
	cfb_ofb(CRYPTO_AES_CFB, "aes192-cfb");
	cfb_ofb(CRYPTO_AES_OFB, "aes192-ofb");
	no_iv_modes();
	xclose("close", fd);
	return test_finish();
}
