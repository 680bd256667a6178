/*
 * Prints every ioctl number, struct size, field offset and constant of
 * <crypto/cryptodev.h> as seen by the C compiler, one per line, so a Rust
 * test can compare them with the daemon's own definitions for each ABI
 * (built once with -m64 and once with -m32).
 */

#include <stddef.h>
#include <stdio.h>

#include <crypto/cryptodev.h>

/* Stringizing the unexpanded argument keeps each name from being typed twice. */
#define IOCTL(c) printf("ioctl %s 0x%08x\n", #c, (unsigned int)(c))
#define SIZE(s) printf("size %s %lu\n", #s, (unsigned long)sizeof(struct s))
#define OFF(s, f) \
	printf("offset %s.%s %lu\n", #s, #f, (unsigned long)offsetof(struct s, f))
#define CONST(c) printf("const %s %lu\n", #c, (unsigned long)(c))

int main(void)
{
	IOCTL(CRIOGET);
	IOCTL(CIOCGSESSION);
	IOCTL(CIOCFSESSION);
	IOCTL(CIOCCRYPT);
	IOCTL(CIOCKEY);
	IOCTL(CIOCASYMFEAT);
	IOCTL(CIOCGSESSINFO);
	IOCTL(CIOCAUTHCRYPT);
	IOCTL(CIOCASYNCCRYPT);
	IOCTL(CIOCASYNCFETCH);
	IOCTL(CIOCCPHASH);

	SIZE(session_op);
	SIZE(crypt_op);
	SIZE(crypt_auth_op);
	SIZE(alg_info);
	SIZE(session_info_op);
	SIZE(cphash_op);
	SIZE(crparam);
	SIZE(crypt_kop);

	OFF(session_op, cipher);
	OFF(session_op, mac);
	OFF(session_op, keylen);
	OFF(session_op, key);
	OFF(session_op, mackeylen);
	OFF(session_op, mackey);
	OFF(session_op, ses);

	OFF(crypt_op, ses);
	OFF(crypt_op, op);
	OFF(crypt_op, flags);
	OFF(crypt_op, len);
	OFF(crypt_op, src);
	OFF(crypt_op, dst);
	OFF(crypt_op, mac);
	OFF(crypt_op, iv);

	OFF(crypt_auth_op, ses);
	OFF(crypt_auth_op, op);
	OFF(crypt_auth_op, flags);
	OFF(crypt_auth_op, len);
	OFF(crypt_auth_op, auth_len);
	OFF(crypt_auth_op, auth_src);
	OFF(crypt_auth_op, src);
	OFF(crypt_auth_op, dst);
	OFF(crypt_auth_op, tag);
	OFF(crypt_auth_op, tag_len);
	OFF(crypt_auth_op, iv);
	OFF(crypt_auth_op, iv_len);

	OFF(alg_info, cra_name);
	OFF(alg_info, cra_driver_name);

	OFF(session_info_op, ses);
	OFF(session_info_op, cipher_info);
	OFF(session_info_op, hash_info);
	OFF(session_info_op, alignmask);
	OFF(session_info_op, flags);

	OFF(cphash_op, dst_ses);
	OFF(cphash_op, src_ses);

	OFF(crparam, crp_p);
	OFF(crparam, crp_nbits);

	OFF(crypt_kop, crk_op);
	OFF(crypt_kop, crk_status);
	OFF(crypt_kop, crk_iparams);
	OFF(crypt_kop, crk_oparams);
	OFF(crypt_kop, crk_pad1);
	OFF(crypt_kop, crk_param);

	CONST(CRYPTO_DES_CBC);
	CONST(CRYPTO_3DES_CBC);
	CONST(CRYPTO_BLF_CBC);
	CONST(CRYPTO_CAST_CBC);
	CONST(CRYPTO_SKIPJACK_CBC);
	CONST(CRYPTO_MD5_HMAC);
	CONST(CRYPTO_SHA1_HMAC);
	CONST(CRYPTO_RIPEMD160_HMAC);
	CONST(CRYPTO_MD5_KPDK);
	CONST(CRYPTO_SHA1_KPDK);
	CONST(CRYPTO_RIJNDAEL128_CBC);
	CONST(CRYPTO_AES_CBC);
	CONST(CRYPTO_ARC4);
	CONST(CRYPTO_MD5);
	CONST(CRYPTO_SHA1);
	CONST(CRYPTO_DEFLATE_COMP);
	CONST(CRYPTO_NULL);
	CONST(CRYPTO_LZS_COMP);
	CONST(CRYPTO_SHA2_256_HMAC);
	CONST(CRYPTO_SHA2_384_HMAC);
	CONST(CRYPTO_SHA2_512_HMAC);
	CONST(CRYPTO_AES_CTR);
	CONST(CRYPTO_AES_XTS);
	CONST(CRYPTO_AES_ECB);
	CONST(CRYPTO_AES_CFB);
	CONST(CRYPTO_AES_OFB);
	CONST(CRYPTO_AES_GCM);
	CONST(CRYPTO_AES_CCM);
	CONST(CRYPTO_CAMELLIA_CBC);
	CONST(CRYPTO_RIPEMD160);
	CONST(CRYPTO_SHA2_224);
	CONST(CRYPTO_SHA2_256);
	CONST(CRYPTO_SHA2_384);
	CONST(CRYPTO_SHA2_512);
	CONST(CRYPTO_SHA2_224_HMAC);
	CONST(CRYPTO_TLS11_AES_CBC_HMAC_SHA1);
	CONST(CRYPTO_TLS12_AES_CBC_HMAC_SHA256);
	CONST(CRYPTO_ALGORITHM_ALL);
	CONST(CRYPTO_ALGORITHM_MAX);

	CONST(CRK_MOD_EXP);
	CONST(CRK_MOD_EXP_CRT);
	CONST(CRK_DSA_SIGN);
	CONST(CRK_DSA_VERIFY);
	CONST(CRK_DH_COMPUTE_KEY);
	CONST(CRK_ALGORITHM_ALL);
	CONST(CRK_ALGORITHM_MAX);
	CONST(CRK_MAXPARAM);
	CONST(CRF_MOD_EXP);
	CONST(CRF_MOD_EXP_CRT);
	CONST(CRF_DSA_SIGN);
	CONST(CRF_DSA_VERIFY);
	CONST(CRF_DH_COMPUTE_KEY);

	CONST(COP_ENCRYPT);
	CONST(COP_DECRYPT);
	CONST(COP_FLAG_NONE);
	CONST(COP_FLAG_UPDATE);
	CONST(COP_FLAG_FINAL);
	CONST(COP_FLAG_WRITE_IV);
	CONST(COP_FLAG_NO_ZC);
	CONST(COP_FLAG_AEAD_TLS_TYPE);
	CONST(COP_FLAG_AEAD_SRTP_TYPE);
	CONST(COP_FLAG_RESET);

	CONST(SIOP_FLAG_KERNEL_DRIVER_ONLY);
	CONST(CRYPTO_ALG_FLAG_SUPPORTED);
	CONST(CRYPTO_ALG_FLAG_RNG_ENABLE);
	CONST(CRYPTO_ALG_FLAG_DSA_SHA);

	CONST(CRYPTO_CIPHER_MAX_KEY_LEN);
	CONST(CRYPTO_HMAC_MAX_KEY_LEN);
	CONST(HASH_MAX_LEN);
	CONST(AALG_MAX_RESULT_LEN);
	CONST(CRYPTODEV_MAX_ALG_NAME);
	CONST(EALG_MAX_BLOCK_LEN);
	CONST(CRIOGET_NOT_NEEDED);
	CONST(DES_BLOCK_LEN);
	CONST(DES3_BLOCK_LEN);
	CONST(RIJNDAEL128_BLOCK_LEN);
	CONST(AES_BLOCK_LEN);
	CONST(CAMELLIA_BLOCK_LEN);
	CONST(BLOWFISH_BLOCK_LEN);
	CONST(SKIPJACK_BLOCK_LEN);
	CONST(CAST128_BLOCK_LEN);

	/* A truncated dump must not pass for a complete one. */
	if (fflush(stdout) != 0 || ferror(stdout))
		return 1;
	return 0;
}
