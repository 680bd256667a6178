/*
 * asym: CIOCASYMFEAT and CIOCKEY with the BSD semantics (docs/ABI.md §13): crk_iparams
 * inputs then crk_oparams outputs in crk_param[], each of crp_nbits bits at crp_p: a
 * little-endian number, except DSA's digest, which is the hash function's output as it is
 * (big-endian), the way OpenSSL's cryptodev engine passes it; crk_status is the result
 * (DSA_VERIFY: 0 = valid).
 * - CIOCASYMFEAT: returns 0 and announces MOD_EXP, MOD_EXP_CRT, DSA_SIGN and DSA_VERIFY
 *   (DH_COMPUTE_KEY works but the daemon does not announce it), or nothing when the daemon
 *   runs without --asym (MODE `unannounced`); CIOCKEY answers either way;
 * - MOD_EXP: small and even moduli with known results, RSA-1024/2048 encryption and
 *   decryption with fixed keys, an 8192-bit modulus; MOD_EXP_CRT gives the same as MOD_EXP
 *   with d; outputs are zero-extended to their crp_nbits;
 * - DSA_SIGN (DSA-2048/256): (r, s) in range, verified through DSA_VERIFY and, built with
 *   -DWITH_LIBCRYPTO (64-bit), OpenSSL's DSA_do_verify; two signatures differ (random k);
 *   the same for a SHA-512 digest, longer than q, of which only the first 32 bytes count;
 * - DSA_VERIFY: OpenSSL-made signatures over SHA-256 and SHA-512 digests are valid, any
 *   tampered part is not, nor the digest byte-reversed; 64-bit: signatures made just now by
 *   OpenSSL's DSA_do_sign are valid;
 * - DH_COMPUTE_KEY: both sides of an ffdhe2048 exchange agree;
 * - EINVAL: unknown op, wrong parameter counts, more than 8192 bits, a zero modulus, an
 *   output too small for its result, DSA/CRT parameters out of range.
 * 64-bit: every MOD_EXP/CRT/DH result is also compared with OpenSSL's BN_mod_exp. Both
 * builds print "TRANSCRIPT <hex>" (and CHECKPOINTs) over the deterministic results (not the
 * random DSA signatures): the 32-bit transcript must equal the OpenSSL-checked 64-bit one.
 *
 * usage: asym [DEVICE [MODE]]   MODE: announced (default) or unannounced
 */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#ifdef WITH_LIBCRYPTO
#include <openssl/bn.h>
#include <openssl/dsa.h>
#include <openssl/err.h>
#endif

/* RSA-1024 and RSA-2048 keys (e = 65537), made by OpenSSL */
static const char RSA1024_N[] =
	"e0af2e064c37fdc2b6770440ee29e7da7a058da3b28303257f903f4fc92ce0ad"
	"e80a0e05c614ea9b8486ecd3123da6ef2211459d3a1676a12950b12cb14ab2a4"
	"744acf4c8ddef558822e90536743fcb435e936bb275407c1d2b24f79dde6718a"
	"9d5e4a1ae3d87306f59744c1a63856d98141e00636a1b3de2de5ee0b0ed01c1b";
static const char RSA1024_E[] =
	"010001";
static const char RSA1024_D[] =
	"4d4753702d14f0fde09e4ce33c47438c9c7d7e7af8322189eb3724df7f55252e"
	"0b6a31ea8077bf3da0367c0c18f10592a8480286926d197e52e4831bd91ad518"
	"2028171a0d94a23a1e22f46b3d2e8d34e271178e12ca0d82d43f56250aae8af1"
	"96e89703dc45a90f4ccfbfce348e5e1955acfc7b7316579f5b9559e33577c209";
static const char RSA1024_P[] =
	"f82c87de5a1d38c0ba9d4a4ccda2bc627da1594c16a7be8d3cecaf4913ce471a"
	"50d838e46be809a1cbc682d6fc212c6b7004b3630317cf1bfd9206a511b703f7";
static const char RSA1024_Q[] =
	"e7c50551bbcba46a9ea2beeb732a73a5f596263e028e012b34f3727671c383ab"
	"75ab1a82549fbffb657370d0f5902b03360b2ad6901cd2ce70d3f31ccf9a17fd";
static const char RSA1024_DMP1[] =
	"bed1c69a92217bdcbce06a1bc9d582121cd4ee0b5234229108b25848d140bf6d"
	"1d92539456dff0600686195e6238c3a5cc58e0f195943dfc20a9a2105421ab9b";
static const char RSA1024_DMQ1[] =
	"cd802ee83aa824bf78aafab78fa4bb68126a30bc58cd8a91c1e07dc431b8d6bd"
	"a796afe9919917c3933f996f5ddc9796c04b848f3cb6a1dff3c0aa5608692c0d";
static const char RSA1024_IQMP[] =
	"a815324efdcdc8133bcdf7c5668f002cc3589292b7bb104b1a91757720dbf3a4"
	"a97d5eb3eb415c4e35af22d1ab454542c47cbabec963ea2fe101af6e6ed9247e";
static const char RSA2048_N[] =
	"9c16307d26dcca4f5479d182d4f2edd9504b7b3b0b7ed2e0bb8763575bd2c3a2"
	"8f1090bdd38d2fe1003d7240cae04b510aff37b2b80356f994f4c539cba08723"
	"425a3a6e13d389f5c2b85bda2c6821485395dd8065fb0192d86b096971fc57da"
	"9e8974738975aaf6612b1c30e3e9da8b7e897504b1d4b791b171c5bb1aa0426b"
	"b04d936a26471297316e7c819da804d14294cb7230db1484a2ec54f17bcbf8cf"
	"f1323c28e73c19fafac0e2fd53b8beedfb97f8642f70c79281722bb2bb30cea6"
	"e9be1e646941abdc49e01ee57a190e7f305dc56abe4d1180258304d4fe4e2444"
	"db588a1f19a8b9121322fcb39d8d13acaabbd7f6327f2fccb17f56a6a9f10325";
static const char RSA2048_E[] =
	"010001";
static const char RSA2048_D[] =
	"3ae86cf86ed8594a43598e66d033b6ec934f497ce943be16aeefd3e03e7976f8"
	"3d02457e3eff4418a8dc87e848290a83d5a0a8c6bc8816252fc08946dcc102ff"
	"9da52bf42b6b64dfe9d366671ae759d85023796b6211af705a595b3dfe94fc1b"
	"38462c3b069ff01bf8642ac990dacb6e661d3e9abcfac9252551090d2a695d67"
	"6c42f70c6e2465b98e75674f5f75a01c8b75d59e73f6671519026b018d1ef436"
	"ec19fae8f3556dee019cf887d712e5f3c56909b36f98fa9493e15c66a87f845d"
	"c6dc540dde5ef51d4cf19d21e9ca747cce125cabdf2466c482cf5069c7429d58"
	"c9372652615de4cb56f00cb55ff2aef0874b6b5cd0c960b60fefdc08a0cd12a9";
static const char RSA2048_P[] =
	"cbb19ea42efbf7e0245e2fbbedcd0fb0714ea721ed9293dc2537451bfc5e6d1b"
	"323ba243acee537daa4388e4a1af73cdf7439a7099d502fbd6beda5857909faa"
	"20d7c393eb4f01f789eb05538d04b0efdbe7bc0469a78381bed3727b4117fb3c"
	"19b0fa4f20498ebd52022b0968ad6315a8a9c761cbb76be16e631372b7cf0fc3";
static const char RSA2048_Q[] =
	"c42afb37a3b27b97baca7af796579e6f0c53f01028922f451bb2544a3ef0ffcb"
	"58ec231648ea0c961e3826467d0e851ec81010bc12d7379a8dbdcf55a902da4a"
	"1119e8db85544fe2dd91ec97e0d239ac5dd8cf84f80d38f29b39914de19939b4"
	"409185527e0eb8f6b747fccf65e97e16e44ddc69a21af1b16b3fbe382e451af7";
static const char RSA2048_DMP1[] =
	"8e0d289d4746e0eea76e27cbdf630a75fa0ee7ef7946a766f76d3bfcf05ac9ac"
	"15b410cd3164634557e0112fa0b24308784fe4fc71cb63714da97b8bf0452393"
	"f9a37ef94138b01e79483546b729765b4ff8a3de4ff04a7dc91e9ccfe7ed597f"
	"e84acbc532b7199c5dfcb516b2b178503a776c5c7f3d4336cb4cbcdb5be44311";
static const char RSA2048_DMQ1[] =
	"b35de99e925b5c8efc08b02f3a949b1546dc69211d37ad692f4dfbac77a8bcfb"
	"1e2fac55700e31bc019dadc1be0f4cc13c85140823e20dc18fe102777cb6530a"
	"6e60967e42873914632c4e7d00e0b84356fc2ba3957be19a533c6c141e37907f"
	"b49a5aa17709d72e1f9fff1554460f38b7404a4d7c1fcee73efd65dcd0d1f739";
static const char RSA2048_IQMP[] =
	"99840975880a24c58ed8cf95a2c80cc241cf9c0887e0cbe42d494c99f75b01af"
	"0082eab81cc28860732acff58911335108e79df3ee2d72c45b5d8dab360c6569"
	"0458b399d537720c0afc4d355daa32d4dcda0ab0c439927dd9223ee77e3ec986"
	"4e1ccde6281435b836c40462d2b6c01622457f111279108773eed5edc0a31b48";
/* DSA-2048/256: domain (p, q, g), private x, public y */
static const char DSA_P[] =
	"ce1ec9b8edd5efe89b7d5702fd06ac772b6b1bac1dc7b6d3b9e0db2aa8b933ee"
	"369fa6eb17bb0e3616827e866eace697b2e856468a43765080356812751b8d1b"
	"e5bd660910d227d8cbdcdfdc6f22b6fe583753e8e3ed45fe01b7c4ffff8befc8"
	"1895fa10c3c11aeaed116319cd53096775eabe5ac1abfe8a231d4a2deb937907"
	"b21cca2e2c83af0336d2cdb1d92b3454f3e867ab1dda60b82105b8930096e0b6"
	"d3eb5cee500c613a124abf6e37fef8af84bd3cc9c4c1de7ed22b412f15652a91"
	"5b21b4ee9fcc6041933a849f121b1ef9ed6ee8c9ca79d2e6e320a88912fd3009"
	"b34501cf5de6e908a2a0144936ab7d3bcd4a08cc4cc0253722ba27f3db42cd77";
static const char DSA_Q[] =
	"c0fa09f7872a4871117b7cdba03da239164d64b7849f1ae899dfa9e888c6dec9";
static const char DSA_G[] =
	"aa0bf5eef69530b7f39391d075f3cccb73681830eb87240355348bcff8acfd9a"
	"d2450af2492e22bbb078641dc5e157c0781dba1f5d9ae45473dfbba6bb4f3999"
	"1b518294e2636f5dec90a3e2485f239af2c0b4671a63a8bef51d9b212c56abc5"
	"48e129ea4f2ef1e8cffce0ed5e4581a53e2ed4e8a15449cd53df536e0edde218"
	"be813ca7df1a55dd20d2a77ce005ce1b0737998e37ad1be4424f4d9a0892b8a2"
	"e519d08799f95d9c7b1703619c66b7e3e29541cd38ffbba014bd274cfb07e61c"
	"7877bf86e1b49f8fd2741f7873e08ec3e8f3a46f3c1dbdf961adbc679b86a49f"
	"54a254a308156bbdc280c9598a8cd0f01b43bd71c56b27936a51378697569895";
static const char DSA_X[] =
	"6f6280c26d085cae0097e9ad5b47d3eb6d733db10a24453e875654e1e6bf93f9";
static const char DSA_Y[] =
	"9f33be127af1ec81bb12cec41e6668276e4be051c416aaa96ba0bc1b338fcbdd"
	"61fd53d4cf0abc2a9e53a9ff5be892e7184c14ff9c8b7a87604c69ed147b077a"
	"580cc7904f9643166a4503f0755078d0df7fbceb8ae1159677ae7868661a8fa5"
	"99732636afa66c8580d39be541fa6e99f57dde9444dd186d9b63899c2ea3495d"
	"c5ef09246f7afd07e467adf172ec1610bb79f3c6a6944d8b1779b8a4dc695804"
	"e2fe2ddf18de513d163c206669e37e8f69d7132a87b18adc09fc76fa561dadf9"
	"034b91e1259cb9329261a753be89de98e9da27ebdf5aa8e4af2b85ac346c1538"
	"a66ce80764fe702b4b6cc202864aee847e30b4a45209572d958ac9bb23d74366";
/* SHA-256("cryptodev-cuse asym compat test") and its signature (r, s), made by OpenSSL */
static const char DSA_DGST[] =
	"a6d22bcd75e768b12df95e915cccf6ec841242a93fc93cb83b68bd53762a546e";
static const char DSA_R[] =
	"20925581a3dbb036fa02a91e06266ce13fefc5280c7bbe8f7ffcc033a53eb8ab";
static const char DSA_S[] =
	"222919da7bc610efdb6f0c4c3ae7b0fe5ce7ff9e6ad4bcfa85ebfd7bca41d570";
/*
 * SHA-512 of the same message and its signature with the same key (openssl dgst -sha512
 * -sign): 64 bytes for a 256-bit q, so OpenSSL signs the first 32.
 */
static const char DSA_DGST512[] =
	"c022085c529f8529539ca2c520ceda3eeba67e552c2bfe4e0fb224b58aeda3e8"
	"2d630bd86d604d6079e75755b878415eab81067f82128c1a66f90c0c7ebd9917";
static const char DSA_R512[] =
	"4b67648fdff312c394d7796d28ebb060db8d088d5b05b682de010ad004816973";
static const char DSA_S512[] =
	"accc7a78619dd6c15ef64782d54fa42917a34ef9f46418ec51231a81133905fe";
/* DH: the ffdhe2048 group of RFC 7919 (g = 2) and two private keys */
static const char DH_P[] =
	"ffffffffffffffffadf85458a2bb4a9aafdc5620273d3cf1d8b9c583ce2d3695"
	"a9e13641146433fbcc939dce249b3ef97d2fe363630c75d8f681b202aec4617a"
	"d3df1ed5d5fd65612433f51f5f066ed0856365553ded1af3b557135e7f57c935"
	"984f0c70e0e68b77e2a689daf3efe8721df158a136ade73530acca4f483a797a"
	"bc0ab182b324fb61d108a94bb2c8e3fbb96adab760d7f4681d4f42a3de394df4"
	"ae56ede76372bb190b07a7c8ee0a6d709e02fce1cdf7e2ecc03404cd28342f61"
	"9172fe9ce98583ff8e4f1232eef28183c3fe3b1b4c6fad733bb5fcbc2ec22005"
	"c58ef1837d1683b2c6f34a26c1b2effa886b423861285c97ffffffffffffffff";
static const char DH_A[] =
	"d67ec8f66ba87a0eedfc2e4156040c9dc5e164bf7ce35fc23a8f4944a4f24d4d";
static const char DH_B[] =
	"f6cdce0a3fdfa20a62d66638655fb517d7fe499ff374c8904276a22313ef442c";

#define ALL_BUT_DH (CRF_MOD_EXP | CRF_MOD_EXP_CRT | CRF_DSA_SIGN | CRF_DSA_VERIFY)
#define MAX_BITS 8192

static int fd;

/*
 * A parameter as CIOCKEY takes it, (nbits + 7) / 8 bytes at `le`: a little-endian number, or
 * for DSA's digest the hash's bytes in their own order (num_digest()).
 */
struct num {
	uint8_t *le;
	uint32_t nbits;
};

static uint32_t nbytes(uint32_t nbits)
{
	return (nbits + 7) / 8;
}

/* The number a big-endian hex string spells, in `nbits` bits (0: its own bit length). */
static struct num num_hex(const char *hex, uint32_t nbits)
{
	size_t len;
	uint8_t *be = unhex(hex, &len);
	uint32_t bits = 0;
	struct num n;

	for (size_t i = 0; i < len; i++)
		if (be[i]) {
			uint8_t top = be[i];

			bits = (uint32_t)(8 * (len - i - 1));
			while (top) {
				bits++;
				top >>= 1;
			}
			break;
		}
	if (nbits == 0)
		nbits = bits;
	if (bits > nbits)
		die("num", "%s does not fit %u bits", hex, nbits);
	n.nbits = nbits;
	n.le = xmalloc(nbytes(nbits) + 1);
	memset(n.le, 0, nbytes(nbits) + 1);
	for (size_t i = 0; i < len && i < nbytes(nbits) + (size_t)0; i++)
		n.le[i] = be[len - 1 - i];
	free(be);
	return n;
}

/* An output of nbits, filled with a pattern so short writes show. */
static struct num num_out(uint32_t nbits)
{
	struct num n;

	n.nbits = nbits;
	n.le = xmalloc(nbytes(nbits) + 1);
	memset(n.le, 0xa5, nbytes(nbits) + 1);
	return n;
}

static struct num num_copy(const struct num *a)
{
	struct num n = { xmalloc(nbytes(a->nbits) + 1), a->nbits };

	memcpy(n.le, a->le, nbytes(a->nbits) + 1);
	return n;
}

/* A digest as its hash function wrote it, bytes in the hex string's order. */
static struct num num_digest(const char *hex)
{
	size_t len;
	uint8_t *be = unhex(hex, &len);
	struct num n = { xmalloc(len + 1), (uint32_t)(8 * len) };

	memcpy(n.le, be, len);
	n.le[len] = 0;
	free(be);
	return n;
}

/* The same bytes in reverse order. */
static struct num num_reversed(const struct num *a)
{
	struct num n = num_copy(a);
	uint32_t len = nbytes(a->nbits);

	for (uint32_t i = 0; i < len; i++)
		n.le[i] = a->le[len - 1 - i];
	return n;
}

static void num_free(struct num *n)
{
	free(n->le);
	n->le = NULL;
}

/* Bytes of a number without its high zero bytes. */
static size_t sig_len(const struct num *n)
{
	size_t l = nbytes(n->nbits);

	while (l > 0 && n->le[l - 1] == 0)
		l--;
	return l;
}

static int num_eq(const struct num *a, const struct num *b)
{
	size_t la = sig_len(a), lb = sig_len(b);

	return la == lb && memcmp(a->le, b->le, la) == 0;
}

/* Big-endian hex of a number, for messages (hexstr shortens long ones). */
static const char *num_str(const struct num *n)
{
	size_t l = sig_len(n);
	uint8_t *be = xmalloc(l + 1);
	const char *s;

	for (size_t i = 0; i < l; i++)
		be[i] = n->le[l - 1 - i];
	s = hexstr(be, l);
	free(be);
	return s;
}

struct kres {
	int rc, err;
	uint32_t status;
};

/*
 * CIOCKEY with the given parameters (inputs then outputs), kept out of the transcript: for
 * requests only the 64-bit build makes.
 */
static struct kres ciockey_unrecorded(uint32_t op, uint16_t nin, uint16_t nout,
				      struct num *const *params)
{
	struct crypt_kop k;
	struct kres r;

	memset(&k, 0, sizeof(k));
	k.crk_op = op;
	k.crk_status = 0xdeadbeef;
	k.crk_iparams = nin;
	k.crk_oparams = nout;
	for (int i = 0; i < nin + nout && i < CRK_MAXPARAM; i++) {
		k.crk_param[i].crp_p = params[i] ? UPTR(params[i]->le) : NULL;
		k.crk_param[i].crp_nbits = params[i] ? params[i]->nbits : 0;
	}
	r.rc = ioctl(fd, CIOCKEY, &k);
	r.err = r.rc == -1 ? errno : 0;
	r.status = k.crk_status;
	return r;
}

/*
 * CIOCKEY with the given parameters (inputs then outputs); errno and status go in the
 * transcript.
 */
static struct kres ciockey(uint32_t op, uint16_t nin, uint16_t nout, struct num *const *params)
{
	struct kres r = ciockey_unrecorded(op, nin, nout, params);

	transcript_u32((uint32_t)r.err);
	if (r.rc == 0)
		transcript_u32(r.status);
	return r;
}

/*
 * Checks that nothing after out's (nbits + 7) / 8 bytes was written and adds the output to
 * the transcript. (Bytes left unwritten keep num_out()'s 0xa5 pattern, which the value
 * comparisons catch: outputs are zero-extended.)
 */
static int out_ok(const char *name, const struct num *out)
{
	uint32_t nb = nbytes(out->nbits);

	if (out->le[nb] != 0xa5) {
		fail(name, "wrote past the %u-byte output", nb);
		return 0;
	}
	transcript_bytes(out->le, nb);
	return 1;
}

/* ---- OpenSSL reference ------------------------------------------------------------------ */

#ifdef WITH_LIBCRYPTO
static BIGNUM *bn(const struct num *n)
{
	BIGNUM *b = BN_lebin2bn(n->le, (int)nbytes(n->nbits), NULL);

	if (b == NULL)
		die("openssl", "BN_lebin2bn failed");
	return b;
}

/* Whether out == a^p mod m by BN_mod_exp. */
static int bn_check(const char *name, const struct num *a, const struct num *p,
		    const struct num *m, const struct num *out)
{
	BN_CTX *ctx = BN_CTX_new();
	BIGNUM *ba = bn(a), *bp = bn(p), *bm = bn(m), *br = BN_new(), *bo = bn(out);
	int ok = ctx && br && BN_mod_exp(br, ba, bp, bm, ctx) == 1;
	char *want = ok ? BN_bn2hex(br) : NULL;

	if (!ok)
		fail(name, "BN_mod_exp failed");
	else if (BN_cmp(br, bo) != 0)
		fail(name, "OpenSSL BN_mod_exp gives %s, the daemon %s", want, num_str(out));
	else
		pass(name);
	OPENSSL_free(want);
	BN_free(ba);
	BN_free(bp);
	BN_free(bm);
	BN_free(br);
	BN_free(bo);
	BN_CTX_free(ctx);
	return ok;
}
#endif

/* ---- CIOCASYMFEAT ----------------------------------------------------------------------- */

/* announced: the daemon runs with --asym; otherwise it announces nothing. */
static void features(int announced)
{
	__u32 f = 0xffffffffu;

	if (!expect_errno("asymfeat:returns-0", ioctl(fd, CIOCASYMFEAT, &f), 0))
		return;
	if (announced)
		check(f == ALL_BUT_DH, "asymfeat:mod-exp-crt-dsa-sign-verify-not-dh",
		      "features %#x, expected %#x", f, (unsigned)ALL_BUT_DH);
	else
		check(f == 0, "asymfeat:unannounced-none", "features %#x, expected 0", f);
	transcript_u32(f);
}

/* ---- MOD_EXP ---------------------------------------------------------------------------- */

/* r = a^p mod m through CIOCKEY; expect: the result's hex, or NULL (checked by BN only). */
static int mod_exp(const char *name, struct num *a, struct num *p, struct num *m,
		   uint32_t outbits, struct num *out)
{
	struct num *params[4] = { a, p, m, out };
	struct kres r;

	*out = num_out(outbits);
	r = ciockey(CRK_MOD_EXP, 3, 1, params);
	if (r.rc != 0) {
		fail(name, "CIOCKEY: %s", errno_name(r.err));
		return -1;
	}
	if (r.status != 0) {
		fail(name, "crk_status %u", r.status);
		return -1;
	}
	return out_ok(name, out) ? 0 : -1;
}

static void small_mod_exps(void)
{
	static const struct {
		const char *name, *a, *p, *m, *r;
		uint32_t outbits;
	} cases[] = {
		{ "modexp:4^13-mod-497", "04", "0d", "01f1", "01bd", 16 },
		{ "modexp:even-modulus-10^6", "075bcd15", "3ade68b1", "0f4240", "0e3ed5", 24 },
		{ "modexp:modulus-2^64", "1234567890abcdef", "010001", "010000000000000000",
		  "19cdcb36d61bcdef", 64 },
		{ "modexp:modulus-3*2^80", "07", "400000000000000003", "0300000000000000000000",
		  "011a000000000000000157", 88 },
		{ "modexp:modulus-1", "02", "0a", "01", "00", 8 },
		{ "modexp:exponent-0", "05", "00", "07", "01", 8 },
		{ "modexp:base-0", "00", "05", "07", "00", 8 },
		{ "modexp:output-wider-than-result", "04", "0d", "01f1", "01bd", 1024 },
		{ "modexp:output-7-bits", "02", "03", "0b", "08", 7 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct num a = num_hex(cases[i].a, 0), p = num_hex(cases[i].p, 0);
		struct num m = num_hex(cases[i].m, 0), want = num_hex(cases[i].r, 0), out;

		if (mod_exp(cases[i].name, &a, &p, &m, cases[i].outbits, &out) == 0) {
			if (num_eq(&out, &want))
				pass(cases[i].name);
			else
				fail(cases[i].name, "expected %s got %s", num_str(&want),
				     num_str(&out));
#ifdef WITH_LIBCRYPTO
			{
				char name[96];

				snprintf(name, sizeof(name), "%s:openssl-agrees", cases[i].name);
				bn_check(name, &a, &p, &m, &out);
			}
#endif
		}
		num_free(&a);
		num_free(&p);
		num_free(&m);
		num_free(&want);
		num_free(&out);
	}
	{
		/* a zero-bit base is the number 0; inputs padded with high zero bytes */
		struct num a = { NULL, 0 }, p = num_hex("05", 0), m = num_hex("07", 0), out;
		struct num a2 = num_hex("04", 256), p2 = num_hex("0d", 64);
		struct num m2 = num_hex("01f1", 2048);

		if (mod_exp("modexp:base-of-0-bits", &a, &p, &m, 8, &out) == 0)
			check(out.le[0] == 0, "modexp:base-of-0-bits", "got %s", num_str(&out));
		num_free(&out);
		if (mod_exp("modexp:inputs-with-high-zero-bytes", &a2, &p2, &m2, 16, &out) == 0)
			check(out.le[0] == 0xbd && out.le[1] == 0x01,
			      "modexp:inputs-with-high-zero-bytes", "got %s", num_str(&out));
		num_free(&out);
		num_free(&p);
		num_free(&m);
		num_free(&a2);
		num_free(&p2);
		num_free(&m2);
	}
	transcript_checkpoint("small");
}

struct rsa_key {
	const char *name, *n, *e, *d, *p, *q, *dmp1, *dmq1, *iqmp;
	uint32_t bits;
};

static const struct rsa_key rsa_keys[] = {
	{ "rsa1024", RSA1024_N, RSA1024_E, RSA1024_D, RSA1024_P, RSA1024_Q, RSA1024_DMP1,
	  RSA1024_DMQ1, RSA1024_IQMP, 1024 },
	{ "rsa2048", RSA2048_N, RSA2048_E, RSA2048_D, RSA2048_P, RSA2048_Q, RSA2048_DMP1,
	  RSA2048_DMQ1, RSA2048_IQMP, 2048 },
};

static void rsa(const struct rsa_key *key)
{
	struct num n = num_hex(key->n, key->bits), e = num_hex(key->e, 0), d = num_hex(key->d, 0);
	struct num p = num_hex(key->p, 0), q = num_hex(key->q, 0), dmp1 = num_hex(key->dmp1, 0);
	struct num dmq1 = num_hex(key->dmq1, 0), iqmp = num_hex(key->iqmp, 0);
	struct num msg = num_out(key->bits - 8), c, back, crt;
	char name[128];
	rng_t r;

	/* a message below n: key->bits - 8 bits of a fixed pattern */
	rng_seed(&r, key->bits);
	rng_fill(&r, msg.le, nbytes(msg.nbits));
	msg.le[nbytes(msg.nbits)] = 0xa5;
	snprintf(name, sizeof(name), "modexp:%s:encrypt", key->name);
	if (mod_exp(name, &msg, &e, &n, key->bits, &c) != 0)
		goto out;
	pass(name);
#ifdef WITH_LIBCRYPTO
	snprintf(name, sizeof(name), "modexp:%s:encrypt-openssl-agrees", key->name);
	bn_check(name, &msg, &e, &n, &c);
#endif
	snprintf(name, sizeof(name), "modexp:%s:decrypt-with-d", key->name);
	if (mod_exp(name, &c, &d, &n, key->bits, &back) == 0)
		check(num_eq(&back, &msg), name, "got %s, expected %s", num_str(&back),
		      num_str(&msg));
	num_free(&back);
	{
		struct num *params[7] = { &p, &q, &c, &dmp1, &dmq1, &iqmp, &crt };
		struct kres kr;

		crt = num_out(key->bits);
		kr = ciockey(CRK_MOD_EXP_CRT, 6, 1, params);
		snprintf(name, sizeof(name), "modexp-crt:%s:decrypt", key->name);
		if (kr.rc != 0)
			fail(name, "CIOCKEY: %s", errno_name(kr.err));
		else if (kr.status != 0)
			fail(name, "crk_status %u", kr.status);
		else if (out_ok(name, &crt))
			check(num_eq(&crt, &msg), name, "got %s, expected %s", num_str(&crt),
			      num_str(&msg));
#ifdef WITH_LIBCRYPTO
		snprintf(name, sizeof(name), "modexp-crt:%s:openssl-agrees", key->name);
		bn_check(name, &c, &d, &n, &crt);
#endif
		num_free(&crt);
	}
	{
		/* the RSA signature direction: s = m^d, then s^e = m, CRT on m gives s */
		struct num s, v, s2;
		struct num *params[7] = { &p, &q, &msg, &dmp1, &dmq1, &iqmp, &s2 };
		struct kres kr;

		snprintf(name, sizeof(name), "modexp:%s:sign-with-d", key->name);
		if (mod_exp(name, &msg, &d, &n, key->bits, &s) == 0) {
			pass(name);
			snprintf(name, sizeof(name), "modexp:%s:verify-with-e", key->name);
			if (mod_exp(name, &s, &e, &n, key->bits, &v) == 0)
				check(num_eq(&v, &msg), name, "got %s", num_str(&v));
			num_free(&v);
			s2 = num_out(key->bits);
			kr = ciockey(CRK_MOD_EXP_CRT, 6, 1, params);
			snprintf(name, sizeof(name), "modexp-crt:%s:sign-equals-modexp", key->name);
			if (kr.rc != 0)
				fail(name, "CIOCKEY: %s", errno_name(kr.err));
			else if (out_ok(name, &s2))
				check(num_eq(&s2, &s), name, "CRT %s, MOD_EXP %s", num_str(&s2),
				      num_str(&s));
			num_free(&s2);
		}
		num_free(&s);
	}
	num_free(&c);
out:
	num_free(&n);
	num_free(&e);
	num_free(&d);
	num_free(&p);
	num_free(&q);
	num_free(&dmp1);
	num_free(&dmq1);
	num_free(&iqmp);
	num_free(&msg);
	transcript_checkpoint(key->name);
}

/* The largest operands: 8192 bits; one more is EINVAL. */
static void big_operands(void)
{
	struct num m = num_out(MAX_BITS), a = num_hex("03", 0), e = num_hex("010001", 0), out;
	struct num m1 = num_out(MAX_BITS + 1);

	memset(m.le, 0xff, nbytes(MAX_BITS)); /* 2^8192 - 1 */
	memset(m.le + nbytes(MAX_BITS), 0, 1);
	if (mod_exp("modexp:8192-bit-modulus", &a, &e, &m, MAX_BITS, &out) == 0) {
		pass("modexp:8192-bit-modulus");
#ifdef WITH_LIBCRYPTO
		bn_check("modexp:8192-bit-modulus-openssl-agrees", &a, &e, &m, &out);
#endif
	}
	num_free(&out);
	{
		struct num *params[4] = { &a, &e, &m1, NULL };
		struct num o = num_out(MAX_BITS);
		struct kres r;

		memset(m1.le, 0, nbytes(MAX_BITS + 1) + 1);
		memset(m1.le, 0xff, nbytes(MAX_BITS));
		params[3] = &o;
		r = ciockey(CRK_MOD_EXP, 3, 1, params);
		expect_errno("modexp:8193-bit-modulus-param-EINVAL", r.rc, EINVAL);
		params[2] = &m;
		o.nbits = MAX_BITS + 1;
		r = ciockey(CRK_MOD_EXP, 3, 1, params);
		expect_errno("modexp:8193-bit-output-param-EINVAL", r.rc, EINVAL);
		a.nbits = 0xffffffffu;
		o.nbits = MAX_BITS;
		r = ciockey(CRK_MOD_EXP, 3, 1, params);
		expect_errno("modexp:0xffffffff-bit-input-param-EINVAL", r.rc, EINVAL);
		num_free(&o);
	}
	num_free(&m);
	num_free(&m1);
	num_free(&a);
	num_free(&e);
	transcript_checkpoint("big");
}

/* ---- DSA ---------------------------------------------------------------------------------- */

struct dsa_nums {
	struct num dgst, p, q, g, x, y, r, s;
	/* a SHA-512 digest, longer than q, and OpenSSL's signature of it */
	struct num dgst512, r512, s512;
};

static void dsa_load(struct dsa_nums *d)
{
	d->dgst = num_digest(DSA_DGST);
	d->p = num_hex(DSA_P, 2048);
	d->q = num_hex(DSA_Q, 256);
	d->g = num_hex(DSA_G, 2048);
	d->x = num_hex(DSA_X, 256);
	d->y = num_hex(DSA_Y, 2048);
	d->r = num_hex(DSA_R, 256);
	d->s = num_hex(DSA_S, 256);
	d->dgst512 = num_digest(DSA_DGST512);
	d->r512 = num_hex(DSA_R512, 256);
	d->s512 = num_hex(DSA_S512, 256);
}

static void dsa_free(struct dsa_nums *d)
{
	num_free(&d->dgst);
	num_free(&d->p);
	num_free(&d->q);
	num_free(&d->g);
	num_free(&d->x);
	num_free(&d->y);
	num_free(&d->r);
	num_free(&d->s);
	num_free(&d->dgst512);
	num_free(&d->r512);
	num_free(&d->s512);
}

/*
 * DSA_VERIFY's result: -1 on an ioctl error (errno in *err), else crk_status. `record`: 0
 * for requests only the 64-bit build makes.
 */
static long dsa_verify_rec(struct dsa_nums *d, struct num *dgst, struct num *y, struct num *r,
			   struct num *s, int *err, int record)
{
	struct num *params[7] = { dgst, &d->p, &d->q, &d->g, y, r, s };
	struct kres k = record ? ciockey(CRK_DSA_VERIFY, 7, 0, params)
			       : ciockey_unrecorded(CRK_DSA_VERIFY, 7, 0, params);

	*err = k.err;
	return k.rc == 0 ? (long)k.status : -1;
}

static long dsa_verify(struct dsa_nums *d, struct num *dgst, struct num *y, struct num *r,
		       struct num *s, int *err)
{
	return dsa_verify_rec(d, dgst, y, r, s, err, 1);
}

/* A check that DSA_VERIFY of (r, s) over dgst under d's key is valid (or invalid). */
static void expect_verify(const char *name, struct dsa_nums *d, struct num *dgst, struct num *r,
			  struct num *s, int valid, int record)
{
	int err;
	long st = dsa_verify_rec(d, dgst, &d->y, r, s, &err, record);

	if (st == -1)
		fail(name, "CIOCKEY: %s", errno_name(err));
	else if (valid)
		check(st == 0, name, "crk_status %ld", st);
	else
		check(st > 0, name, "crk_status %ld (valid)", st);
}

/* 0 < x < q as little-endian numbers of the same width. */
static int below_q(const struct num *x, const struct num *q)
{
	size_t lx = sig_len(x), lq = sig_len(q);

	if (lx == 0)
		return 0;
	if (lx != lq)
		return lx < lq;
	for (size_t i = lx; i-- > 0;)
		if (x->le[i] != q->le[i])
			return x->le[i] < q->le[i];
	return 0;
}

/*
 * DSA_SIGN of dgst into fresh 256-bit outputs *r and *s, checked for success ("<name>") and
 * range ("<name>-in-range"). The signature is random (k), so it stays out of the transcript.
 */
static int dsa_sign(const char *name, struct dsa_nums *d, struct num *dgst, struct num *r,
		    struct num *s)
{
	struct num *params[7] = { dgst, &d->p, &d->q, &d->g, &d->x, r, s };
	struct kres k;
	char sub[96];

	*r = num_out(256);
	*s = num_out(256);
	k = ciockey_unrecorded(CRK_DSA_SIGN, 5, 2, params);
	if (k.rc != 0) {
		fail(name, "CIOCKEY: %s", errno_name(k.err));
		return 0;
	}
	pass(name);
	snprintf(sub, sizeof(sub), "%s-in-range", name);
	return check(k.status == 0 && below_q(r, &d->q) && below_q(s, &d->q) &&
			     r->le[32] == 0xa5 && s->le[32] == 0xa5,
		     sub, "status %u r %s s %s", k.status, num_str(r), num_str(s));
}

#ifdef WITH_LIBCRYPTO
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
/* d's key as an OpenSSL DSA, with the private key if `private`. */
static DSA *ossl_dsa(struct dsa_nums *d, int private)
{
	DSA *dsa = DSA_new();

	if (dsa == NULL || DSA_set0_pqg(dsa, bn(&d->p), bn(&d->q), bn(&d->g)) != 1 ||
	    DSA_set0_key(dsa, bn(&d->y), private ? bn(&d->x) : NULL) != 1) {
		DSA_free(dsa);
		return NULL;
	}
	return dsa;
}

/*
 * OpenSSL's DSA_do_verify on (r, s) over dgst's bytes as they are: 1 valid, 0 invalid, -1
 * error.
 */
static int ossl_dsa_verify(struct dsa_nums *d, const struct num *dgst, const struct num *r,
			   const struct num *s)
{
	DSA *dsa = ossl_dsa(d, 0);
	DSA_SIG *sig = DSA_SIG_new();
	int rc = -1;

	if (dsa != NULL && sig != NULL && DSA_SIG_set0(sig, bn(r), bn(s)) == 1)
		rc = DSA_do_verify(dgst->le, (int)nbytes(dgst->nbits), sig, dsa);
	DSA_SIG_free(sig);
	DSA_free(dsa);
	ERR_clear_error();
	return rc;
}

/* OpenSSL's DSA_do_sign over dgst's bytes into fresh 256-bit *r and *s; 0 if it failed. */
static int ossl_dsa_sign(struct dsa_nums *d, const struct num *dgst, struct num *r,
			 struct num *s)
{
	DSA *dsa = ossl_dsa(d, 1);
	DSA_SIG *sig = dsa ? DSA_do_sign(dgst->le, (int)nbytes(dgst->nbits), dsa) : NULL;
	const BIGNUM *br = NULL, *bs = NULL;
	int ok;

	*r = num_out(256);
	*s = num_out(256);
	if (sig != NULL)
		DSA_SIG_get0(sig, &br, &bs);
	ok = br != NULL && bs != NULL && BN_bn2lebinpad(br, r->le, 32) == 32 &&
	     BN_bn2lebinpad(bs, s->le, 32) == 32;
	DSA_SIG_free(sig);
	DSA_free(dsa);
	ERR_clear_error();
	return ok;
}
#pragma GCC diagnostic pop

/*
 * OpenSSL signs dgst; that signature must verify through CIOCKEY, and not with the digest
 * reversed.
 */
static void openssl_signs(const char *label, struct dsa_nums *d, struct num *dgst)
{
	struct num r, s, reversed = num_reversed(dgst);
	char name[96];

	snprintf(name, sizeof(name), "dsa-verify:openssl-DSA_do_sign-%s-valid", label);
	if (!ossl_dsa_sign(d, dgst, &r, &s)) {
		fail(name, "DSA_do_sign failed");
	} else {
		expect_verify(name, d, dgst, &r, &s, 1, 0);
		snprintf(name, sizeof(name),
			 "dsa-verify:openssl-DSA_do_sign-%s-digest-reversed-invalid", label);
		expect_verify(name, d, &reversed, &r, &s, 0, 0);
	}
	num_free(&r);
	num_free(&s);
	num_free(&reversed);
}
#endif

/* The daemon signs dgst: valid through DSA_VERIFY and (64-bit) OpenSSL's DSA_do_verify. */
static int daemon_signs(const char *name, struct dsa_nums *d, struct num *dgst, struct num *r,
			struct num *s)
{
	char sub[96];

	if (!dsa_sign(name, d, dgst, r, s))
		return 0;
	snprintf(sub, sizeof(sub), "%s-verifies", name);
	expect_verify(sub, d, dgst, r, s, 1, 1);
#ifdef WITH_LIBCRYPTO
	snprintf(sub, sizeof(sub), "%s-openssl-DSA_do_verify", name);
	{
		int ov = ossl_dsa_verify(d, dgst, r, s);

		check(ov == 1, sub, "DSA_do_verify returned %d", ov);
	}
#endif
	return 1;
}

static void dsa(void)
{
	struct dsa_nums d;
	struct num r1, s1, r2, s2;
	long st;
	int err;

	dsa_load(&d);
	/* verify: OpenSSL's signature, then every part tampered with */
	expect_verify("dsa-verify:openssl-signature-valid", &d, &d.dgst, &d.r, &d.s, 1, 1);
	{
		static const char *const what[] = { "digest", "r", "s", "y" };

		for (int w = 0; w < 4; w++) {
			struct num t[4] = { num_copy(&d.dgst), num_copy(&d.r), num_copy(&d.s),
					    num_copy(&d.y) };
			char name[96];

			t[w].le[w == 3 ? 100 : 7] ^= 0x04;
			st = dsa_verify(&d, &t[0], &t[3], &t[1], &t[2], &err);
			snprintf(name, sizeof(name), "dsa-verify:tampered-%s-invalid", what[w]);
			if (st == -1)
				fail(name, "CIOCKEY: %s", errno_name(err));
			else
				check(st != 0, name, "crk_status 0 (valid)");
			for (int i = 0; i < 4; i++)
				num_free(&t[i]);
		}
	}
	{
		/* the digest is the hash's bytes as they are: reversed, it is another number */
		struct num reversed = num_reversed(&d.dgst);

		expect_verify("dsa-verify:digest-reversed-invalid", &d, &reversed, &d.r, &d.s, 0,
			      1);
		num_free(&reversed);
	}
	{
		/*
		 * a digest longer than q: its first 32 bytes count, the rest does not; reversed,
		 * or cut from the other end, it is not this signature's
		 */
		struct num reversed = num_reversed(&d.dgst512), head = num_copy(&d.dgst512);
		struct num tail = num_copy(&d.dgst512), last = num_copy(&d.dgst512);

		expect_verify("dsa-verify:openssl-sha512-signature-valid", &d, &d.dgst512, &d.r512,
			      &d.s512, 1, 1);
		head.nbits = 256;
		expect_verify("dsa-verify:sha512-first-32-bytes-valid", &d, &head, &d.r512,
			      &d.s512, 1, 1);
		last.le[63] ^= 0x80;
		expect_verify("dsa-verify:sha512-byte-past-q-ignored", &d, &last, &d.r512, &d.s512,
			      1, 1);
		memmove(tail.le, tail.le + 32, 32);
		tail.nbits = 256;
		expect_verify("dsa-verify:sha512-last-32-bytes-invalid", &d, &tail, &d.r512,
			      &d.s512, 0, 1);
		expect_verify("dsa-verify:sha512-digest-reversed-invalid", &d, &reversed, &d.r512,
			      &d.s512, 0, 1);
		num_free(&reversed);
		num_free(&head);
		num_free(&tail);
		num_free(&last);
	}
	{
		/* out-of-range signatures: r = 0, s = q, r and s swapped */
		struct num zero = num_hex("00", 256);

		st = dsa_verify(&d, &d.dgst, &d.y, &zero, &d.s, &err);
		check(st > 0, "dsa-verify:r-0-invalid", "result %ld (%s)", st, errno_name(err));
		st = dsa_verify(&d, &d.dgst, &d.y, &d.r, &d.q, &err);
		check(st > 0, "dsa-verify:s-equal-q-invalid", "result %ld (%s)", st, errno_name(err));
		st = dsa_verify(&d, &d.dgst, &d.y, &d.s, &d.r, &err);
		check(st > 0, "dsa-verify:r-s-swapped-invalid", "result %ld (%s)", st,
		      errno_name(err));
		num_free(&zero);
	}
#ifdef WITH_LIBCRYPTO
	openssl_signs("sha256", &d, &d.dgst);
	openssl_signs("sha512", &d, &d.dgst512);
#endif
	transcript_checkpoint("dsa-verify");

	/* sign, twice: different k, both valid */
	if (!daemon_signs("dsa-sign:signature1", &d, &d.dgst, &r1, &s1))
		num_free(&r1);
	if (!daemon_signs("dsa-sign:signature2", &d, &d.dgst, &r2, &s2))
		num_free(&r2);
	check(r1.le && r2.le && !num_eq(&r1, &r2), "dsa-sign:two-signatures-differ",
	      "r %s twice", r1.le ? num_str(&r1) : "?");
	if (r1.le) {
		/* a signature of another digest does not verify this one */
		struct num other = num_copy(&d.dgst), reversed = num_reversed(&d.dgst);

		other.le[0] ^= 1;
		expect_verify("dsa-sign:signature-invalid-for-other-digest", &d, &other, &r1, &s1, 0,
			      1);
		expect_verify("dsa-sign:signature-invalid-for-digest-reversed", &d, &reversed, &r1,
			      &s1, 0, 1);
		num_free(&other);
		num_free(&reversed);
	}
	num_free(&r1);
	num_free(&s1);
	num_free(&r2);
	num_free(&s2);
	{
		/* a digest longer than q: signed over its first 32 bytes */
		struct num r, s, head = num_copy(&d.dgst512);

		head.nbits = 256;
		if (daemon_signs("dsa-sign:sha512-signature", &d, &d.dgst512, &r, &s))
			expect_verify("dsa-sign:sha512-signature-verifies-first-32-bytes", &d, &head,
				      &r, &s, 1, 1);
		num_free(&r);
		num_free(&s);
		num_free(&head);
	}

	/* refused DSA parameters */
	{
		struct num zero = num_hex("00", 256), one = num_hex("01", 2048);
		struct num even = num_copy(&d.p), r = num_out(256), s = num_out(256);
		struct num small_r = num_out(8);
		struct {
			const char *name;
			struct num *p, *q, *g, *x, *r;
		} bad[] = {
			{ "dsa-sign:private-key-0-EINVAL", &d.p, &d.q, &d.g, &zero, &r },
			{ "dsa-sign:private-key-q-EINVAL", &d.p, &d.q, &d.g, &d.q, &r },
			{ "dsa-sign:g-1-EINVAL", &d.p, &d.q, &one, &d.x, &r },
			{ "dsa-sign:even-p-EINVAL", &even, &d.q, &d.g, &d.x, &r },
			{ "dsa-sign:q-0-EINVAL", &d.p, &zero, &d.g, &d.x, &r },
			{ "dsa-sign:output-8-bits-EINVAL", &d.p, &d.q, &d.g, &d.x, &small_r },
		};

		even.le[0] &= 0xfe;
		for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
			struct num *params[7] = { &d.dgst, bad[i].p, bad[i].q, bad[i].g,
						  bad[i].x, bad[i].r, &s };
			struct kres k = ciockey_unrecorded(CRK_DSA_SIGN, 5, 2, params);

			if (k.rc == -1 && k.err == EINVAL)
				pass(bad[i].name);
			else
				fail(bad[i].name, "expected EINVAL, got rc %d (%s)", k.rc,
				     errno_name(k.err));
		}
		/* verify: a zero modulus is an error, an even one just invalid */
		{
			struct num *params[7] = { &d.dgst, &zero, &d.q, &d.g, &d.y, &d.r, &d.s };
			struct kres k = ciockey(CRK_DSA_VERIFY, 7, 0, params);

			expect_errno("dsa-verify:p-0-EINVAL", k.rc, EINVAL);
			params[1] = &even;
			k = ciockey(CRK_DSA_VERIFY, 7, 0, params);
			check(k.rc == 0 && k.status != 0, "dsa-verify:even-p-invalid",
			      "rc %d (%s) status %u", k.rc, errno_name(k.err), k.status);
		}
		num_free(&zero);
		num_free(&one);
		num_free(&even);
		num_free(&r);
		num_free(&s);
		num_free(&small_r);
	}
	dsa_free(&d);
	transcript_checkpoint("dsa");
}

/* ---- DH ----------------------------------------------------------------------------------- */

static void dh(void)
{
	struct num p = num_hex(DH_P, 2048), g = num_hex("02", 0);
	struct num a = num_hex(DH_A, 256), b = num_hex(DH_B, 256);
	struct num A, B, k1, k2;
	struct kres r;

	if (mod_exp("dh:public-A", &g, &a, &p, 2048, &A) != 0 ||
	    mod_exp("dh:public-B", &g, &b, &p, 2048, &B) != 0)
		goto out;
	{
		struct num *params[4] = { &a, &B, &p, &k1 };

		k1 = num_out(2048);
		r = ciockey(CRK_DH_COMPUTE_KEY, 3, 1, params);
		if (expect_errno("dh:compute-key-a-B", r.rc, 0))
			out_ok("dh:compute-key-a-B", &k1);
	}
	{
		struct num *params[4] = { &b, &A, &p, &k2 };

		k2 = num_out(2048);
		r = ciockey(CRK_DH_COMPUTE_KEY, 3, 1, params);
		if (expect_errno("dh:compute-key-b-A", r.rc, 0))
			out_ok("dh:compute-key-b-A", &k2);
	}
	check(num_eq(&k1, &k2) && sig_len(&k1) > 200, "dh:both-sides-agree", "%s vs %s",
	      num_str(&k1), num_str(&k2));
#ifdef WITH_LIBCRYPTO
	bn_check("dh:public-A-openssl-agrees", &g, &a, &p, &A);
	bn_check("dh:shared-key-openssl-agrees", &B, &a, &p, &k1);
#endif
	{
		/* the parameter order is priv, pub, p: swapped it is pub^priv = another number */
		struct num k3 = num_out(2048);
		struct num *params[4] = { &B, &a, &p, &k3 };

		r = ciockey(CRK_DH_COMPUTE_KEY, 3, 1, params);
		if (expect_errno("dh:inputs-are-priv-pub-p", r.rc, 0) && out_ok("dh:swapped", &k3))
			check(!num_eq(&k3, &k1), "dh:swapped-inputs-differ", "same key");
		num_free(&k3);
	}
	{
		struct num zero = num_hex("00", 8), k4 = num_out(2048);
		struct num *params[4] = { &a, &B, &zero, &k4 };

		r = ciockey(CRK_DH_COMPUTE_KEY, 3, 1, params);
		expect_errno("dh:p-0-EINVAL", r.rc, EINVAL);
		k4.nbits = 1024;
		params[2] = &p;
		r = ciockey(CRK_DH_COMPUTE_KEY, 3, 1, params);
		expect_errno("dh:output-too-small-EINVAL", r.rc, EINVAL);
		num_free(&zero);
		num_free(&k4);
	}
	num_free(&k1);
	num_free(&k2);
	num_free(&A);
	num_free(&B);
out:
	num_free(&p);
	num_free(&g);
	num_free(&a);
	num_free(&b);
	transcript_checkpoint("dh");
}

/* ---- request errors ------------------------------------------------------------------------ */

static void errors(void)
{
	static const struct {
		uint32_t op;
		uint16_t nin, nout;
	} ops[] = {
		{ CRK_MOD_EXP, 3, 1 },	  { CRK_MOD_EXP_CRT, 6, 1 },
		{ CRK_DSA_SIGN, 5, 2 },	  { CRK_DSA_VERIFY, 7, 0 },
		{ CRK_DH_COMPUTE_KEY, 3, 1 },
	};
	struct num n[CRK_MAXPARAM];
	struct num *params[CRK_MAXPARAM];
	char name[96];

	for (int i = 0; i < CRK_MAXPARAM; i++) {
		n[i] = num_hex("05", 64);
		params[i] = &n[i];
	}
	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		static const int delta[4][2] = { { 1, 0 }, { -1, 0 }, { 0, 1 }, { 0, -1 } };

		for (int d = 0; d < 4; d++) {
			int nin = ops[i].nin + delta[d][0], nout = ops[i].nout + delta[d][1];

			if (nout < 0 || nin + nout > CRK_MAXPARAM)
				continue;
			snprintf(name, sizeof(name), "key:op%u-%d-in-%d-out-EINVAL", ops[i].op, nin,
				 nout);
			expect_errno(name,
				     ciockey(ops[i].op, (uint16_t)nin, (uint16_t)nout, params).rc,
				     EINVAL);
		}
		snprintf(name, sizeof(name), "key:op%u-0-in-0-out-EINVAL", ops[i].op);
		expect_errno(name, ciockey(ops[i].op, 0, 0, params).rc, EINVAL);
	}
	expect_errno("key:mod-exp-8-in-1-out-EINVAL", ciockey(CRK_MOD_EXP, 8, 1, params).rc,
		     EINVAL);
	expect_errno("key:mod-exp-0xffff-in-EINVAL", ciockey(CRK_MOD_EXP, 0xffff, 1, params).rc,
		     EINVAL);
	expect_errno("key:unknown-op-5-EINVAL", ciockey(CRK_ALGORITHM_ALL, 3, 1, params).rc,
		     EINVAL);
	expect_errno("key:unknown-op-0xffffffff-EINVAL", ciockey(0xffffffffu, 3, 1, params).rc,
		     EINVAL);
	{
		struct num zero = num_hex("00", 64);

		params[2] = &zero;
		expect_errno("key:mod-exp-modulus-0-EINVAL", ciockey(CRK_MOD_EXP, 3, 1, params).rc,
			     EINVAL);
		params[2] = &n[2];
		n[3].nbits = 0;
		/* 5^5 mod 5 = 0 fits 0 bits; 5^5 mod 7 = 3 does not */
		expect_errno("key:mod-exp-zero-result-in-0-bit-output-ok",
			     ciockey(CRK_MOD_EXP, 3, 1, params).rc, 0);
		num_free(&zero);
		zero = num_hex("07", 64);
		params[2] = &zero;
		expect_errno("key:mod-exp-output-0-bits-EINVAL",
			     ciockey(CRK_MOD_EXP, 3, 1, params).rc, EINVAL);
		n[3].nbits = 1;
		expect_errno("key:mod-exp-3-in-1-bit-output-EINVAL",
			     ciockey(CRK_MOD_EXP, 3, 1, params).rc, EINVAL);
		n[3].nbits = 2;
		expect_errno("key:mod-exp-3-in-2-bit-output-ok",
			     ciockey(CRK_MOD_EXP, 3, 1, params).rc, 0);
		check((n[3].le[0] & 3) == 3, "key:mod-exp-3-in-2-bit-output-value", "byte %#x",
		      n[3].le[0]);
		params[2] = &n[2];
		num_free(&zero);
	}
	{
		/* CRT with an even or zero prime */
		struct num even = num_hex("06", 64), zero = num_hex("00", 64);

		params[0] = &even;
		expect_errno("key:crt-even-p-EINVAL", ciockey(CRK_MOD_EXP_CRT, 6, 1, params).rc,
			     EINVAL);
		params[0] = &n[0];
		params[1] = &zero;
		expect_errno("key:crt-q-0-EINVAL", ciockey(CRK_MOD_EXP_CRT, 6, 1, params).rc,
			     EINVAL);
		params[1] = &n[1];
		num_free(&even);
		num_free(&zero);
	}
	for (int i = 0; i < CRK_MAXPARAM; i++)
		num_free(&n[i]);
	transcript_checkpoint("errors");
}

int main(int argc, char **argv)
{
	const char *dev = device_path(argc, argv);
	const char *mode = opt_arg(argc, argv, 2);

	if (mode == NULL)
		mode = "announced";
	if (strcmp(mode, "announced") != 0 && strcmp(mode, "unannounced") != 0)
		die("args", "MODE must be announced or unannounced, not %s", mode);
	test_init("asym");
	note("device %s reference %s", dev,
#ifdef WITH_LIBCRYPTO
	     "OpenSSL BN_mod_exp, DSA_do_verify and DSA_do_sign"
#else
	     "known values and the daemon's own inverse operations"
#endif
	);
	fd = open_device(dev);
	features(strcmp(mode, "announced") == 0);
	small_mod_exps();
	for (size_t i = 0; i < ARRAY_SIZE(rsa_keys); i++)
		rsa(&rsa_keys[i]);
	big_operands();
	dsa();
	dh();
	errors();
	transcript_print();
	xclose("close", fd);
	return test_finish();
}
