/*
 * cryptodev-cuse: drop-in <crypto/cryptodev.h> for the cryptodev-linux
 * /dev/crypto ioctl ABI (baseline cryptodev-linux 1.14).
 *
 * Programs written against cryptodev-linux's header build unchanged against
 * this one and talk to the cryptodev-cuse daemon instead of the kernel module.
 * Names, values, field types and layouts must stay identical to upstream: the
 * daemon decodes the structs byte for byte, for both LP64 and ILP32 callers.
 */

#ifndef L_CRYPTODEV_H
#define L_CRYPTODEV_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Sparse annotation on the kernel side; meaningless to user space. */
#if !defined(__KERNEL__) && !defined(__user)
#define __user
#endif

#define CRYPTO_HMAC_MAX_KEY_LEN		512
#define CRYPTO_CIPHER_MAX_KEY_LEN	64

/*
 * Every value is spelled out (upstream counts 102..110 implicitly from 101)
 * so that an accidental insertion cannot silently renumber the wire IDs.
 */
enum cryptodev_crypto_op_t {
	CRYPTO_DES_CBC = 1,
	CRYPTO_3DES_CBC = 2,
	CRYPTO_BLF_CBC = 3,
	CRYPTO_CAST_CBC = 4,
	CRYPTO_SKIPJACK_CBC = 5,
	CRYPTO_MD5_HMAC = 6,
	CRYPTO_SHA1_HMAC = 7,
	CRYPTO_RIPEMD160_HMAC = 8,
	CRYPTO_MD5_KPDK = 9,
	CRYPTO_SHA1_KPDK = 10,
	CRYPTO_RIJNDAEL128_CBC = 11,
	CRYPTO_AES_CBC = 11,	/* same ID: Rijndael-128 is AES */
	CRYPTO_ARC4 = 12,
	CRYPTO_MD5 = 13,
	CRYPTO_SHA1 = 14,
	CRYPTO_DEFLATE_COMP = 15,
	CRYPTO_NULL = 16,
	CRYPTO_LZS_COMP = 17,
	CRYPTO_SHA2_256_HMAC = 18,
	CRYPTO_SHA2_384_HMAC = 19,
	CRYPTO_SHA2_512_HMAC = 20,
	CRYPTO_AES_CTR = 21,
	CRYPTO_AES_XTS = 22,
	CRYPTO_AES_ECB = 23,
	CRYPTO_AES_CFB = 24,
	CRYPTO_AES_OFB = 25,
	CRYPTO_AES_GCM = 50,
	CRYPTO_AES_CCM = 51,
	CRYPTO_CAMELLIA_CBC = 101,
	CRYPTO_RIPEMD160 = 102,
	CRYPTO_SHA2_224 = 103,
	CRYPTO_SHA2_256 = 104,
	CRYPTO_SHA2_384 = 105,
	CRYPTO_SHA2_512 = 106,
	CRYPTO_SHA2_224_HMAC = 107,
	CRYPTO_TLS11_AES_CBC_HMAC_SHA1 = 108,
	CRYPTO_TLS12_AES_CBC_HMAC_SHA256 = 109,
	CRYPTO_ALGORITHM_ALL = 110
};

#define CRYPTO_ALGORITHM_MAX	(CRYPTO_ALGORITHM_ALL - 1)

/* Kept because upstream exports them and callers size IV buffers with them. */
#define DES_BLOCK_LEN		8
#define DES3_BLOCK_LEN		8
#define RIJNDAEL128_BLOCK_LEN	16
#define AES_BLOCK_LEN		RIJNDAEL128_BLOCK_LEN
#define CAMELLIA_BLOCK_LEN	16
#define BLOWFISH_BLOCK_LEN	8
#define SKIPJACK_BLOCK_LEN	8
#define CAST128_BLOCK_LEN	8

#define EALG_MAX_BLOCK_LEN	16	/* largest of the *_BLOCK_LEN above */
#define AALG_MAX_RESULT_LEN	64
#define CRYPTODEV_MAX_ALG_NAME	64	/* matches the kernel's CRYPTO_MAX_ALG_NAME */
#define HASH_MAX_LEN		64

/* CIOCGSESSION; cipher and mac carry enum cryptodev_crypto_op_t values. */
struct session_op {
	__u32	cipher;
	__u32	mac;

	__u32	keylen;
	__u8	__user *key;
	__u32	mackeylen;
	__u8	__user *mackey;

	__u32	ses;		/* output only; the input value is ignored */
};

/*
 * Upstream declares this inside struct session_info_op; declaring it at file
 * scope gives the same C semantics and keeps `struct alg_info` usable from C++.
 */
struct alg_info {
	char	cra_name[CRYPTODEV_MAX_ALG_NAME];
	char	cra_driver_name[CRYPTODEV_MAX_ALG_NAME];
};

/* CIOCGSESSINFO */
struct session_info_op {
	__u32	ses;
	struct alg_info	cipher_info, hash_info;
	__u16	alignmask;
	__u32	flags;		/* SIOP_FLAG_* */
};

/* OpenSSL treats an algorithm without this flag as software and skips it. */
#define SIOP_FLAG_KERNEL_DRIVER_ONLY	1

/* Linux values; BSD uses 1 and 2, so BSD code ported verbatim gets these wrong. */
#define COP_ENCRYPT	0
#define COP_DECRYPT	1

/* CIOCCRYPT, CIOCASYNCCRYPT, CIOCASYNCFETCH */
struct crypt_op {
	__u32	ses;
	__u16	op;		/* COP_ENCRYPT or COP_DECRYPT */
	__u16	flags;		/* COP_FLAG_* */
	__u32	len;
	__u8	__user *src;
	__u8	__user *dst;
	__u8	__user *mac;
	__u8	__user *iv;
};

/* CIOCAUTHCRYPT */
struct crypt_auth_op {
	__u32	ses;
	__u16	op;		/* COP_ENCRYPT or COP_DECRYPT */
	__u16	flags;		/* COP_FLAG_AEAD_* */
	__u32	len;
	__u32	auth_len;
	__u8	__user *auth_src;
	__u8	__user *src;
	/* Plain AEAD appends the tag to dst, so dst needs len + tag_len. */
	__u8	__user *dst;
	__u8	__user *tag;
	__u32	tag_len;	/* 0 selects the default (digest size / max tag) */
	__u8	__user *iv;
	__u32	iv_len;		/* not consulted: the session's IV size is used */
};

#define COP_FLAG_NONE		(0 << 0)
#define COP_FLAG_UPDATE		(1 << 0)
#define COP_FLAG_FINAL		(1 << 1)
#define COP_FLAG_WRITE_IV	(1 << 2)
#define COP_FLAG_NO_ZC		(1 << 3)
#define COP_FLAG_AEAD_TLS_TYPE	(1 << 4)
#define COP_FLAG_AEAD_SRTP_TYPE	(1 << 5)
#define COP_FLAG_RESET		(1 << 6)

/*
 * Asymmetric (CIOCKEY / CIOCASYMFEAT) definitions.  cryptodev-linux never
 * implemented them, but OpenSSL 1.0.2 refers to them unconditionally.
 */
#define CRYPTO_ALG_FLAG_SUPPORTED	1
#define CRYPTO_ALG_FLAG_RNG_ENABLE	2
#define CRYPTO_ALG_FLAG_DSA_SHA		4

struct crparam {
	__u8	__user *crp_p;
	__u32	crp_nbits;
};

#define CRK_MAXPARAM	8

/* CIOCKEY */
struct crypt_kop {
	__u32	crk_op;		/* enum cryptodev_crk_op_t */
	__u32	crk_status;
	__u16	crk_iparams;
	__u16	crk_oparams;
	__u32	crk_pad1;
	struct crparam	crk_param[CRK_MAXPARAM];
};

enum cryptodev_crk_op_t {
	CRK_MOD_EXP = 0,
	CRK_MOD_EXP_CRT = 1,
	CRK_DSA_SIGN = 2,
	CRK_DSA_VERIFY = 3,
	CRK_DH_COMPUTE_KEY = 4,
	CRK_ALGORITHM_ALL = 5
};

#define CRK_ALGORITHM_MAX	(CRK_ALGORITHM_ALL - 1)

/* CIOCASYMFEAT bitmask */
#define CRF_MOD_EXP		(1 << CRK_MOD_EXP)
#define CRF_MOD_EXP_CRT		(1 << CRK_MOD_EXP_CRT)
#define CRF_DSA_SIGN		(1 << CRK_DSA_SIGN)
#define CRF_DSA_VERIFY		(1 << CRK_DSA_VERIFY)
#define CRF_DH_COMPUTE_KEY	(1 << CRK_DH_COMPUTE_KEY)

/* CIOCCPHASH: the destination comes first, unlike most copy APIs. */
struct cphash_op {
	__u32	dst_ses;
	__u32	src_ses;
};

/*
 * Upstream numbering is BSD's plus one.  CIOCCPHASH is unconditional here:
 * upstream gates it on the build host's kernel version, which says nothing
 * about the daemon, and OpenSSL 3 only offers digests when it is defined.
 */
#define CRIOGET		_IOWR('c', 101, __u32)
#define CIOCGSESSION	_IOWR('c', 102, struct session_op)
#define CIOCFSESSION	_IOW('c', 103, __u32)
#define CIOCCRYPT	_IOWR('c', 104, struct crypt_op)
#define CIOCKEY		_IOWR('c', 105, struct crypt_kop)
#define CIOCASYMFEAT	_IOR('c', 106, __u32)
#define CIOCGSESSINFO	_IOWR('c', 107, struct session_info_op)
#define CIOCAUTHCRYPT	_IOWR('c', 109, struct crypt_auth_op)
#define CIOCASYNCCRYPT	_IOW('c', 110, struct crypt_op)
#define CIOCASYNCFETCH	_IOR('c', 111, struct crypt_op)
#define CIOCCPHASH	_IOW('c', 112, struct cphash_op)

/* Sessions live on the open file, so callers may skip CRIOGET. */
#define CRIOGET_NOT_NEEDED	1

/*
 * The daemon decodes exactly these two layouts (ILP32 covers i386 and x32);
 * fail the build rather than let a caller send something else.
 */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define CRYPTODEV_CUSE_SIZE_(s, n) \
	static_assert(sizeof(struct s) == (n), "struct " #s " size differs from the cryptodev ABI")
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define CRYPTODEV_CUSE_SIZE_(s, n) \
	_Static_assert(sizeof(struct s) == (n), "struct " #s " size differs from the cryptodev ABI")
#endif

#if defined(CRYPTODEV_CUSE_SIZE_) && defined(__SIZEOF_POINTER__)
#if __SIZEOF_POINTER__ == 8
CRYPTODEV_CUSE_SIZE_(session_op, 48);
CRYPTODEV_CUSE_SIZE_(crypt_op, 48);
CRYPTODEV_CUSE_SIZE_(crypt_auth_op, 72);
CRYPTODEV_CUSE_SIZE_(alg_info, 128);
CRYPTODEV_CUSE_SIZE_(session_info_op, 268);
CRYPTODEV_CUSE_SIZE_(cphash_op, 8);
CRYPTODEV_CUSE_SIZE_(crparam, 16);
CRYPTODEV_CUSE_SIZE_(crypt_kop, 144);
#elif __SIZEOF_POINTER__ == 4
CRYPTODEV_CUSE_SIZE_(session_op, 28);
CRYPTODEV_CUSE_SIZE_(crypt_op, 28);
CRYPTODEV_CUSE_SIZE_(crypt_auth_op, 44);
CRYPTODEV_CUSE_SIZE_(alg_info, 128);
CRYPTODEV_CUSE_SIZE_(session_info_op, 268);
CRYPTODEV_CUSE_SIZE_(cphash_op, 8);
CRYPTODEV_CUSE_SIZE_(crparam, 8);
CRYPTODEV_CUSE_SIZE_(crypt_kop, 80);
#endif
#endif

#undef CRYPTODEV_CUSE_SIZE_

#endif /* L_CRYPTODEV_H */
