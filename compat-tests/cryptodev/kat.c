/*
 * kat: known-answer vectors for every algorithm the daemon implements, through
 * CIOCGSESSION / CIOCCRYPT (encrypt and decrypt, or one-shot digest), plus CIOCGSESSINFO
 * names and flags for every session.
 *
 * usage: kat [DEVICE]
 * env:   CRYPTODEV_EXPECT_DRIVER_SUFFIX (default "-rustcrypto"),
 *        CRYPTODEV_EXPECT_HW=1 (expect SIOP_FLAG_KERNEL_DRIVER_ONLY).
 */
#include "common.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* NIST SP 800-38A F.1-F.5: the plaintext shared by every AES example. */
#define SP38A_PT "h:6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51" \
		 "  30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710"
#define SP38A_K128 "h:2b7e151628aed2a6abf7158809cf4f3c"
#define SP38A_K192 "h:8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b"
#define SP38A_K256 "h:603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"
#define SP38A_IV "h:000102030405060708090a0b0c0d0e0f"
#define SP38A_CTR "h:f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"

struct cipher_kat {
	const char *name;
	uint32_t alg;
	const char *key, *iv, *pt, *ct;
	const char *cra_name;
};

static const struct cipher_kat cipher_kats[] = {
	/* SP 800-38A F.2 CBC */
	{ "aes128-cbc-sp800-38a-f.2.1", CRYPTO_AES_CBC, SP38A_K128, SP38A_IV, SP38A_PT,
	  "h:7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2"
	  "  73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7", "cbc(aes)" },
	{ "aes192-cbc-sp800-38a-f.2.3", CRYPTO_AES_CBC, SP38A_K192, SP38A_IV, SP38A_PT,
	  "h:4f021db243bc633d7178183a9fa071e8 b4d9ada9ad7dedf4e5e738763f69145a"
	  "  571b242012fb7ae07fa9baac3df102e0 08b0e27988598881d920a9e64f5615cd", "cbc(aes)" },
	{ "aes256-cbc-sp800-38a-f.2.5", CRYPTO_AES_CBC, SP38A_K256, SP38A_IV, SP38A_PT,
	  "h:f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d"
	  "  39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b", "cbc(aes)" },
	/* F.1 ECB */
	{ "aes128-ecb-sp800-38a-f.1.1", CRYPTO_AES_ECB, SP38A_K128, "", SP38A_PT,
	  "h:3ad77bb40d7a3660a89ecaf32466ef97 f5d3d58503b9699de785895a96fdbaaf"
	  "  43b1cd7f598ece23881b00e3ed030688 7b0c785e27e8ad3f8223207104725dd4", "ecb(aes)" },
	{ "aes192-ecb-sp800-38a-f.1.3", CRYPTO_AES_ECB, SP38A_K192, "", SP38A_PT,
	  "h:bd334f1d6e45f25ff712a214571fa5cc 974104846d0ad3ad7734ecb3ecee4eef"
	  "  ef7afd2270e2e60adce0ba2face6444e 9a4b41ba738d6c72fb16691603c18e0e", "ecb(aes)" },
	{ "aes256-ecb-sp800-38a-f.1.5", CRYPTO_AES_ECB, SP38A_K256, "", SP38A_PT,
	  "h:f3eed1bdb5d2a03c064b5a7e3db181f8 591ccb10d410ed26dc5ba74a31362870"
	  "  b6ed21b99ca6f4f9f153e7b1beafed1d 23304b7a39f9f3ff067d8d8f9e24ecc7", "ecb(aes)" },
	/* F.5 CTR */
	{ "aes128-ctr-sp800-38a-f.5.1", CRYPTO_AES_CTR, SP38A_K128, SP38A_CTR, SP38A_PT,
	  "h:874d6191b620e3261bef6864990db6ce 9806f66b7970fdff8617187bb9fffdff"
	  "  5ae4df3edbd5d35e5b4f09020db03eab 1e031dda2fbe03d1792170a0f3009cee", "ctr(aes)" },
	{ "aes192-ctr-sp800-38a-f.5.3", CRYPTO_AES_CTR, SP38A_K192, SP38A_CTR, SP38A_PT,
	  "h:1abc932417521ca24f2b0459fe7e6e0b 090339ec0aa6faefd5ccc2c6f4ce8e94"
	  "  1e36b26bd1ebc670d1bd1d665620abf7 4f78a7f6d29809585a97daec58c6b050", "ctr(aes)" },
	{ "aes256-ctr-sp800-38a-f.5.5", CRYPTO_AES_CTR, SP38A_K256, SP38A_CTR, SP38A_PT,
	  "h:601ec313775789a5b7a7f504bbf3d228 f443e3ca4d62b59aca84e990cacaf5c5"
	  "  2b0930daa23de94ce87017ba2d84988d dfc9c58db67aada613c2dd08457941a6", "ctr(aes)" },
	/* F.3.13-F.3.18 CFB128 */
	{ "aes128-cfb128-sp800-38a-f.3.13", CRYPTO_AES_CFB, SP38A_K128, SP38A_IV, SP38A_PT,
	  "h:3b3fd92eb72dad20333449f8e83cfb4a c8a64537a0b3a93fcde3cdad9f1ce58b"
	  "  26751f67a3cbb140b1808cf187a4f4df c04b05357c5d1c0eeac4c66f9ff7f2e6", "cfb(aes)" },
	{ "aes192-cfb128-sp800-38a-f.3.15", CRYPTO_AES_CFB, SP38A_K192, SP38A_IV, SP38A_PT,
	  "h:cdc80d6fddf18cab34c25909c99a4174 67ce7f7f81173621961a2b70171d3d7a"
	  "  2e1e8a1dd59b88b1c8e60fed1efac4c9 c05f9f9ca9834fa042ae8fba584b09ff", "cfb(aes)" },
	{ "aes256-cfb128-sp800-38a-f.3.17", CRYPTO_AES_CFB, SP38A_K256, SP38A_IV, SP38A_PT,
	  "h:dc7e84bfda79164b7ecd8486985d3860 39ffed143b28b1c832113c6331e5407b"
	  "  df10132415e54b92a13ed0a8267ae2f9 75a385741ab9cef82031623d55b1e471", "cfb(aes)" },
	/* F.4 OFB */
	{ "aes128-ofb-sp800-38a-f.4.1", CRYPTO_AES_OFB, SP38A_K128, SP38A_IV, SP38A_PT,
	  "h:3b3fd92eb72dad20333449f8e83cfb4a 7789508d16918f03f53c52dac54ed825"
	  "  9740051e9c5fecf64344f7a82260edcc 304c6528f659c77866a510d9c1d6ae5e", "ofb(aes)" },
	{ "aes192-ofb-sp800-38a-f.4.3", CRYPTO_AES_OFB, SP38A_K192, SP38A_IV, SP38A_PT,
	  "h:cdc80d6fddf18cab34c25909c99a4174 fcc28b8d4c63837c09e81700c1100401"
	  "  8d9a9aeac0f6596f559c6d4daf59a5f2 6d9f200857ca6c3e9cac524bd9acc92a", "ofb(aes)" },
	{ "aes256-ofb-sp800-38a-f.4.5", CRYPTO_AES_OFB, SP38A_K256, SP38A_IV, SP38A_PT,
	  "h:dc7e84bfda79164b7ecd8486985d3860 4febdc6740d20b3ac88f6ad82a4fb08d"
	  "  71ab47a086e86eedf39d1c5bba97c408 0126141d67f37be8538f5a8be740e484", "ofb(aes)" },
	/* IEEE 1619-2007 XTS-AES: key = Key1 || Key2, IV = data unit sequence number (LE) */
	{ "xts-aes128-ieee1619-vec1", CRYPTO_AES_XTS, "r:00*32", "r:00*16", "r:00*32",
	  "h:917cf69ebd68b2ec9b9fe9a3eadda692cd43d2f59598ed858c02c2652fbf922e", "xts(aes)" },
	{ "xts-aes128-ieee1619-vec2", CRYPTO_AES_XTS,
	  "h:11111111111111111111111111111111 22222222222222222222222222222222",
	  "h:33333333330000000000000000000000", "r:44*32",
	  "h:c454185e6a16936e39334038acef838bfb186fff7480adc4289382ecd6d394f0", "xts(aes)" },
	{ "xts-aes128-ieee1619-vec3", CRYPTO_AES_XTS,
	  "h:fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0 22222222222222222222222222222222",
	  "h:33333333330000000000000000000000", "r:44*32",
	  "h:af85336b597afc1a900b2eb21ec949d292df4c047e0b21532186a5971a227a89", "xts(aes)" },
	{ "xts-aes128-ieee1619-vec4", CRYPTO_AES_XTS,
	  "h:27182818284590452353602874713526 31415926535897932384626433832795",
	  "r:00*16", "seq:512",
	  "h:27a7479befa1d476489f308cd4cfa6e2a96e4bbe3208ff25287dd3819616e89c"
	  "c78cf7f5e543445f8333d8fa7f56000005279fa5d8b5e4ad40e736ddb4d35412"
	  "328063fd2aab53e5ea1e0a9f332500a5df9487d07a5c92cc512c8866c7e860ce"
	  "93fdf166a24912b422976146ae20ce846bb7dc9ba94a767aaef20c0d61ad0265"
	  "5ea92dc4c4e41a8952c651d33174be51a10c421110e6d81588ede82103a252d8"
	  "a750e8768defffed9122810aaeb99f9172af82b604dc4b8e51bcb08235a6f434"
	  "1332e4ca60482a4ba1a03b3e65008fc5da76b70bf1690db4eae29c5f1badd03c"
	  "5ccf2a55d705ddcd86d449511ceb7ec30bf12b1fa35b913f9f747a8afd1b130e"
	  "94bff94effd01a91735ca1726acd0b197c4e5b03393697e126826fb6bbde8ecc"
	  "1e08298516e2c9ed03ff3c1b7860f6de76d4cecd94c8119855ef5297ca67e9f3"
	  "e7ff72b1e99785ca0a7e7720c5b36dc6d72cac9574c8cbbc2f801e23e56fd344"
	  "b07f22154beba0f08ce8891e643ed995c94d9a69c9f1b5f499027a78572aeebd"
	  "74d20cc39881c213ee770b1010e4bea718846977ae119f7a023ab58cca0ad752"
	  "afe656bb3c17256a9f6e9bf19fdd5a38fc82bbe872c5539edb609ef4f79c203e"
	  "bb140f2e583cb2ad15b4aa5b655016a8449277dbd477ef2c8d6c017db738b18d"
	  "eb4a427d1923ce3ff262735779a418f20a282df920147beabe421ee5319d0568", "xts(aes)" },
	{ "xts-aes256-ieee1619-vec10", CRYPTO_AES_XTS,
	  "h:2718281828459045235360287471352662497757247093699959574966967627"
	  "  3141592653589793238462643383279502884197169399375105820974944592",
	  "h:ff000000000000000000000000000000", "seq:512",
	  "h:1c3b3a102f770386e4836c99e370cf9bea00803f5e482357a4ae12d414a3e63b"
	  "5d31e276f8fe4a8d66b317f9ac683f44680a86ac35adfc3345befecb4bb188fd"
	  "5776926c49a3095eb108fd1098baec70aaa66999a72a82f27d848b21d4a741b0"
	  "c5cd4d5fff9dac89aeba122961d03a757123e9870f8acf1000020887891429ca"
	  "2a3e7a7d7df7b10355165c8b9a6d0a7de8b062c4500dc4cd120c0f7418dae3d0"
	  "b5781c34803fa75421c790dfe1de1834f280d7667b327f6c8cd7557e12ac3a0f"
	  "93ec05c52e0493ef31a12d3d9260f79a289d6a379bc70c50841473d1a8cc81ec"
	  "583e9645e07b8d9670655ba5bbcfecc6dc3966380ad8fecb17b6ba02469a020a"
	  "84e18e8f84252070c13e9f1f289be54fbc481457778f616015e1327a02b140f1"
	  "505eb309326d68378f8374595c849d84f4c333ec4423885143cb47bd71c5edae"
	  "9be69a2ffeceb1bec9de244fbe15992b11b77c040f12bd8f6a975a44a0f90c29"
	  "a9abc3d4d893927284c58754cce294529f8614dcd2aba991925fedc4ae74ffac"
	  "6e333b93eb4aff0479da9a410e4450e0dd7ae4c6e2910900575da401fc07059f"
	  "645e8b7e9bfdef33943054ff84011493c27b3429eaedb4ed5376441a77ed4385"
	  "1ad77f16f541dfd269d50d6a5f14fb0aab1cbb4c1550be97f7ab4066193c4caa"
	  "773dad38014bd2092fa755c824bb5e54c4f36ffda9fcea70b9c6e693e148c151", "xts(aes)" },
	/* FIPS 81 / the classic DES-CBC example */
	{ "des-cbc-fips81", CRYPTO_DES_CBC, "h:0123456789abcdef", "h:1234567890abcdef",
	  "t:Now is the time for all ",
	  "h:e5c7cdde872bf27c 43e934008c389c0f 683788499a7c05f6", "cbc(des)" },
	/* NIST CSRC "TDES-CBC" example values (key K1|K2|K3, SP 800-38A plaintext) */
	{ "3des-cbc-nist-example", CRYPTO_3DES_CBC,
	  "h:0123456789abcdef 23456789abcdef01 456789abcdef0123", "h:f69f2445df4f9b17",
	  "h:6bc1bee22e409f96 e93d7e117393172a ae2d8a571e03ac9c 9eb76fac45af8e51",
	  "h:2079c3d53aa763e1 93b79e2569ab5262 516570481f25b50f 73c0bda85c8e0da7", "cbc(des3_ede)" },
	/* Eric Young's Blowfish CBC test (data zero-padded to 32 bytes) */
	{ "blowfish-cbc-eay", CRYPTO_BLF_CBC, "h:0123456789abcdeff0e1d2c3b4a59687",
	  "h:fedcba9876543210",
	  "h:37363534333231204e6f77206973207468652074696d6520666f722000000000",
	  "h:6b77b4d63006dee605b156e27403979358deb9e7154616d959f1652bd5ff92cc", "cbc(blowfish)" },
	/* RFC 3713 appendix A (one block; CBC with a zero IV equals the raw block cipher) */
	{ "camellia128-cbc-rfc3713", CRYPTO_CAMELLIA_CBC, "h:0123456789abcdeffedcba9876543210",
	  "r:00*16", "h:0123456789abcdeffedcba9876543210",
	  "h:67673138549669730857065648eabe43", "cbc(camellia)" },
	{ "camellia192-cbc-rfc3713", CRYPTO_CAMELLIA_CBC,
	  "h:0123456789abcdeffedcba98765432100011223344556677", "r:00*16",
	  "h:0123456789abcdeffedcba9876543210", "h:b4993401b3e996f84ee5cee7d79b09b9",
	  "cbc(camellia)" },
	{ "camellia256-cbc-rfc3713", CRYPTO_CAMELLIA_CBC,
	  "h:0123456789abcdeffedcba987654321000112233445566778899aabbccddeeff", "r:00*16",
	  "h:0123456789abcdeffedcba9876543210", "h:9acc237dff16d76c20ef7c919e3a7509",
	  "cbc(camellia)" },
	/* RFC 2144 B.1, 128-bit key (CRYPTO_CAST_CBC is an extension over cryptodev-linux) */
	{ "cast5-cbc-rfc2144-b1-128", CRYPTO_CAST_CBC, "h:0123456712345678234567893456789a",
	  "r:00*8", "h:0123456789abcdef", "h:238b4fe5847e44b2", "cbc(cast5)" },
	/* RFC 2144 B.1, 80-bit key (12-round variant) */
	{ "cast5-cbc-rfc2144-b1-80", CRYPTO_CAST_CBC, "h:01234567123456782345", "r:00*8",
	  "h:0123456789abcdef", "h:eb6a711a2c02271b", "cbc(cast5)" },
	/* RFC 2144 B.1, 40-bit key */
	{ "cast5-cbc-rfc2144-b1-40", CRYPTO_CAST_CBC, "h:0123456712", "r:00*8",
	  "h:0123456789abcdef", "h:7ac816d16e9b302e", "cbc(cast5)" },
	/* NULL cipher: output == input, no key, no IV */
	{ "null-cipher", CRYPTO_NULL, "", "", "t:The NULL cipher copies its input through.",
	  "t:The NULL cipher copies its input through.", "ecb(cipher_null)" },
};

struct hash_kat {
	const char *name;
	uint32_t alg;
	const char *key; /* NULL for plain digests */
	const char *msg, *digest;
	const char *cra_name;
};

#define ABC "t:abc"
#define SHA_2BLK "t:abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
#define SHA_2BLK_512 "t:abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn" \
		     "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"
#define HMAC_T6 "t:Test Using Larger Than Block-Size Key - Hash Key First"
#define RFC2202_T7 "t:Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data"
#define RFC4231_T7 "t:This is a test using a larger than block-size key and a larger than " \
		   "block-size data. The key needs to be hashed before being used by the HMAC " \
		   "algorithm."
#define JEFE_MSG "t:what do ya want for nothing?"
#define KEY25 "h:0102030405060708090a0b0c0d0e0f10111213141516171819"

static const struct hash_kat hash_kats[] = {
	/* RFC 1321 A.5 */
	{ "md5-rfc1321-empty", CRYPTO_MD5, NULL, "", "h:d41d8cd98f00b204e9800998ecf8427e", "md5" },
	{ "md5-rfc1321-a", CRYPTO_MD5, NULL, "t:a", "h:0cc175b9c0f1b6a831c399e269772661", "md5" },
	{ "md5-rfc1321-abc", CRYPTO_MD5, NULL, ABC, "h:900150983cd24fb0d6963f7d28e17f72", "md5" },
	{ "md5-rfc1321-message-digest", CRYPTO_MD5, NULL, "t:message digest",
	  "h:f96b697d7cb7938d525a2f31aaf161d0", "md5" },
	{ "md5-rfc1321-alphabet", CRYPTO_MD5, NULL, "t:abcdefghijklmnopqrstuvwxyz",
	  "h:c3fcd3d76192e4007dfb496cca67e13b", "md5" },
	{ "md5-rfc1321-alnum", CRYPTO_MD5, NULL,
	  "t:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	  "h:d174ab98d277d9f5a5611c2c9f419d9f", "md5" },
	{ "md5-rfc1321-digits", CRYPTO_MD5, NULL,
	  "t:12345678901234567890123456789012345678901234567890123456789012345678901234567890",
	  "h:57edf4a22be3c955ac49da2e2107b67a", "md5" },
	/* FIPS 180-4 examples */
	{ "sha1-abc", CRYPTO_SHA1, NULL, ABC, "h:a9993e364706816aba3e25717850c26c9cd0d89d", "sha1" },
	{ "sha1-2block", CRYPTO_SHA1, NULL, SHA_2BLK, "h:84983e441c3bd26ebaae4aa1f95129e5e54670f1",
	  "sha1" },
	{ "sha224-abc", CRYPTO_SHA2_224, NULL, ABC,
	  "h:23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7", "sha224" },
	{ "sha224-2block", CRYPTO_SHA2_224, NULL, SHA_2BLK,
	  "h:75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525", "sha224" },
	{ "sha256-abc", CRYPTO_SHA2_256, NULL, ABC,
	  "h:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256" },
	{ "sha256-2block", CRYPTO_SHA2_256, NULL, SHA_2BLK,
	  "h:248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", "sha256" },
	{ "sha384-abc", CRYPTO_SHA2_384, NULL, ABC,
	  "h:cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed"
	  "8086072ba1e7cc2358baeca134c825a7", "sha384" },
	{ "sha384-2block", CRYPTO_SHA2_384, NULL, SHA_2BLK_512,
	  "h:09330c33f71147e83d192fc782cd1b4753111b173b3b05d22fa08086e3b0f712"
	  "fcc7c71a557e2db966c3e9fa91746039", "sha384" },
	{ "sha512-abc", CRYPTO_SHA2_512, NULL, ABC,
	  "h:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	  "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f", "sha512" },
	{ "sha512-2block", CRYPTO_SHA2_512, NULL, SHA_2BLK_512,
	  "h:8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
	  "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909", "sha512" },
	/* RIPEMD-160 reference examples */
	{ "rmd160-empty", CRYPTO_RIPEMD160, NULL, "", "h:9c1185a5c5e9fc54612808977ee8f548b2258d31",
	  "rmd160" },
	{ "rmd160-abc", CRYPTO_RIPEMD160, NULL, ABC, "h:8eb208f7e05d987a9b044a8e98c6b087f15a0bfc",
	  "rmd160" },
	{ "rmd160-message-digest", CRYPTO_RIPEMD160, NULL, "t:message digest",
	  "h:5d0689ef49d2fae572b881b123a85ffa21595f36", "rmd160" },
	/* RFC 2202 HMAC-MD5 */
	{ "hmac-md5-rfc2202-1", CRYPTO_MD5_HMAC, "r:0b*16", "t:Hi There",
	  "h:9294727a3638bb1c13f48ef8158bfc9d", "hmac(md5)" },
	{ "hmac-md5-rfc2202-2", CRYPTO_MD5_HMAC, "t:Jefe", JEFE_MSG,
	  "h:750c783e6ab0b503eaa86e310a5db738", "hmac(md5)" },
	{ "hmac-md5-rfc2202-3", CRYPTO_MD5_HMAC, "r:aa*16", "r:dd*50",
	  "h:56be34521d144c88dbb8c733f0e8b3f6", "hmac(md5)" },
	{ "hmac-md5-rfc2202-4", CRYPTO_MD5_HMAC, KEY25, "r:cd*50",
	  "h:697eaf0aca3a3aea3a75164746ffaa79", "hmac(md5)" },
	{ "hmac-md5-rfc2202-5", CRYPTO_MD5_HMAC, "r:0c*16", "t:Test With Truncation",
	  "h:56461ef2342edc00f9bab995690efd4c", "hmac(md5)" },
	{ "hmac-md5-rfc2202-6", CRYPTO_MD5_HMAC, "r:aa*80", HMAC_T6,
	  "h:6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd", "hmac(md5)" },
	{ "hmac-md5-rfc2202-7", CRYPTO_MD5_HMAC, "r:aa*80", RFC2202_T7,
	  "h:6f630fad67cda0ee1fb1f562db3aa53e", "hmac(md5)" },
	/* RFC 2202 HMAC-SHA1 */
	{ "hmac-sha1-rfc2202-1", CRYPTO_SHA1_HMAC, "r:0b*20", "t:Hi There",
	  "h:b617318655057264e28bc0b6fb378c8ef146be00", "hmac(sha1)" },
	{ "hmac-sha1-rfc2202-2", CRYPTO_SHA1_HMAC, "t:Jefe", JEFE_MSG,
	  "h:effcdf6ae5eb2fa2d27416d5f184df9c259a7c79", "hmac(sha1)" },
	{ "hmac-sha1-rfc2202-3", CRYPTO_SHA1_HMAC, "r:aa*20", "r:dd*50",
	  "h:125d7342b9ac11cd91a39af48aa17b4f63f175d3", "hmac(sha1)" },
	{ "hmac-sha1-rfc2202-4", CRYPTO_SHA1_HMAC, KEY25, "r:cd*50",
	  "h:4c9007f4026250c6bc8414f9bf50c86c2d7235da", "hmac(sha1)" },
	{ "hmac-sha1-rfc2202-5", CRYPTO_SHA1_HMAC, "r:0c*20", "t:Test With Truncation",
	  "h:4c1a03424b55e07fe7f27be1d58bb9324a9a5a04", "hmac(sha1)" },
	{ "hmac-sha1-rfc2202-6", CRYPTO_SHA1_HMAC, "r:aa*80", HMAC_T6,
	  "h:aa4ae5e15272d00e95705637ce8a3b55ed402112", "hmac(sha1)" },
	{ "hmac-sha1-rfc2202-7", CRYPTO_SHA1_HMAC, "r:aa*80", RFC2202_T7,
	  "h:e8e99d0f45237d786d6bbaa7965c7808bbff1a91", "hmac(sha1)" },
	/* RFC 4231 cases 1, 2, 3, 4, 6, 7 (case 5 is a truncation test) */
	{ "hmac-sha224-rfc4231-1", CRYPTO_SHA2_224_HMAC, "r:0b*20", "t:Hi There",
	  "h:896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22", "hmac(sha224)" },
	{ "hmac-sha224-rfc4231-2", CRYPTO_SHA2_224_HMAC, "t:Jefe", JEFE_MSG,
	  "h:a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44", "hmac(sha224)" },
	{ "hmac-sha224-rfc4231-3", CRYPTO_SHA2_224_HMAC, "r:aa*20", "r:dd*50",
	  "h:7fb3cb3588c6c1f6ffa9694d7d6ad2649365b0c1f65d69d1ec8333ea", "hmac(sha224)" },
	{ "hmac-sha224-rfc4231-4", CRYPTO_SHA2_224_HMAC, KEY25, "r:cd*50",
	  "h:6c11506874013cac6a2abc1bb382627cec6a90d86efc012de7afec5a", "hmac(sha224)" },
	{ "hmac-sha224-rfc4231-6", CRYPTO_SHA2_224_HMAC, "r:aa*131", HMAC_T6,
	  "h:95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e", "hmac(sha224)" },
	{ "hmac-sha224-rfc4231-7", CRYPTO_SHA2_224_HMAC, "r:aa*131", RFC4231_T7,
	  "h:3a854166ac5d9f023f54d517d0b39dbd946770db9c2b95c9f6f565d1", "hmac(sha224)" },
	{ "hmac-sha256-rfc4231-1", CRYPTO_SHA2_256_HMAC, "r:0b*20", "t:Hi There",
	  "h:b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", "hmac(sha256)" },
	{ "hmac-sha256-rfc4231-2", CRYPTO_SHA2_256_HMAC, "t:Jefe", JEFE_MSG,
	  "h:5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "hmac(sha256)" },
	{ "hmac-sha256-rfc4231-3", CRYPTO_SHA2_256_HMAC, "r:aa*20", "r:dd*50",
	  "h:773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe", "hmac(sha256)" },
	{ "hmac-sha256-rfc4231-4", CRYPTO_SHA2_256_HMAC, KEY25, "r:cd*50",
	  "h:82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b", "hmac(sha256)" },
	{ "hmac-sha256-rfc4231-6", CRYPTO_SHA2_256_HMAC, "r:aa*131", HMAC_T6,
	  "h:60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", "hmac(sha256)" },
	{ "hmac-sha256-rfc4231-7", CRYPTO_SHA2_256_HMAC, "r:aa*131", RFC4231_T7,
	  "h:9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2", "hmac(sha256)" },
	{ "hmac-sha384-rfc4231-1", CRYPTO_SHA2_384_HMAC, "r:0b*20", "t:Hi There",
	  "h:afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	  "faea9ea9076ede7f4af152e8b2fa9cb6", "hmac(sha384)" },
	{ "hmac-sha384-rfc4231-2", CRYPTO_SHA2_384_HMAC, "t:Jefe", JEFE_MSG,
	  "h:af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	  "8e2240ca5e69e2c78b3239ecfab21649", "hmac(sha384)" },
	{ "hmac-sha384-rfc4231-3", CRYPTO_SHA2_384_HMAC, "r:aa*20", "r:dd*50",
	  "h:88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
	  "2a5ab39dc13814b94e3ab6e101a34f27", "hmac(sha384)" },
	{ "hmac-sha384-rfc4231-4", CRYPTO_SHA2_384_HMAC, KEY25, "r:cd*50",
	  "h:3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
	  "6801dd23c4a7d679ccf8a386c674cffb", "hmac(sha384)" },
	{ "hmac-sha384-rfc4231-6", CRYPTO_SHA2_384_HMAC, "r:aa*131", HMAC_T6,
	  "h:4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	  "0c2ef6ab4030fe8296248df163f44952", "hmac(sha384)" },
	{ "hmac-sha384-rfc4231-7", CRYPTO_SHA2_384_HMAC, "r:aa*131", RFC4231_T7,
	  "h:6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
	  "a678cc31e799176d3860e6110c46523e", "hmac(sha384)" },
	{ "hmac-sha512-rfc4231-1", CRYPTO_SHA2_512_HMAC, "r:0b*20", "t:Hi There",
	  "h:87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	  "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854", "hmac(sha512)" },
	{ "hmac-sha512-rfc4231-2", CRYPTO_SHA2_512_HMAC, "t:Jefe", JEFE_MSG,
	  "h:164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	  "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737", "hmac(sha512)" },
	{ "hmac-sha512-rfc4231-3", CRYPTO_SHA2_512_HMAC, "r:aa*20", "r:dd*50",
	  "h:fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	  "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb", "hmac(sha512)" },
	{ "hmac-sha512-rfc4231-4", CRYPTO_SHA2_512_HMAC, KEY25, "r:cd*50",
	  "h:b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
	  "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd", "hmac(sha512)" },
	{ "hmac-sha512-rfc4231-6", CRYPTO_SHA2_512_HMAC, "r:aa*131", HMAC_T6,
	  "h:80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	  "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598", "hmac(sha512)" },
	{ "hmac-sha512-rfc4231-7", CRYPTO_SHA2_512_HMAC, "r:aa*131", RFC4231_T7,
	  "h:e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
	  "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58", "hmac(sha512)" },
	/* RFC 2286 HMAC-RIPEMD160 */
	{ "hmac-rmd160-rfc2286-1", CRYPTO_RIPEMD160_HMAC, "r:0b*20", "t:Hi There",
	  "h:24cb4bd67d20fc1a5d2ed7732dcc39377f0a5668", "hmac(rmd160)" },
	{ "hmac-rmd160-rfc2286-2", CRYPTO_RIPEMD160_HMAC, "t:Jefe", JEFE_MSG,
	  "h:dda6c0213a485a9e24f4742064a7f033b43c4069", "hmac(rmd160)" },
};

static const char *driver_suffix;
static int expect_hw;

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int name_ok(const char *field, size_t cap)
{
	return memchr(field, '\0', cap) != NULL;
}

/*
 * CIOCGSESSINFO: the filled alg_info carries `cra_name` and a driver ending in the
 * expected suffix; the other alg_info keeps the caller's bytes; flags as expected.
 */
static void check_info(int fd, uint32_t ses, const char *vec, int is_cipher,
		       const char *cra_name)
{
	struct session_info_op info;
	struct alg_info untouched;
	const struct alg_info *filled, *other;
	char name[160];
	uint32_t want_flags = expect_hw ? SIOP_FLAG_KERNEL_DRIVER_ONLY : 0;

	snprintf(name, sizeof(name), "%s:sessinfo", vec);
	memset(&info, 0x5a, sizeof(info));
	memset(&untouched, 0x5a, sizeof(untouched));
	if (sess_info(fd, ses, &info) != 0) {
		fail(name, "CIOCGSESSINFO: %s", errno_name(errno));
		return;
	}
	filled = is_cipher ? &info.cipher_info : &info.hash_info;
	other = is_cipher ? &info.hash_info : &info.cipher_info;
	if (info.ses != ses)
		fail(name, "ses changed: %#x -> %#x", ses, info.ses);
	else if (!name_ok(filled->cra_name, sizeof(filled->cra_name)) ||
		 !name_ok(filled->cra_driver_name, sizeof(filled->cra_driver_name)))
		fail(name, "names not NUL-terminated");
	else if (strcmp(filled->cra_name, cra_name) != 0)
		fail(name, "cra_name expected \"%s\" got \"%s\"", cra_name, filled->cra_name);
	else if (!ends_with(filled->cra_driver_name, driver_suffix))
		fail(name, "cra_driver_name \"%s\" does not end with \"%s\"",
		     filled->cra_driver_name, driver_suffix);
	else if ((info.flags & SIOP_FLAG_KERNEL_DRIVER_ONLY) != want_flags)
		fail(name, "flags expected KERNEL_DRIVER_ONLY=%u got flags %#x", want_flags,
		     info.flags);
	else if (memcmp(other, &untouched, sizeof(untouched)) != 0)
		fail(name, "the %s alg_info did not keep the caller's bytes: %s",
		     is_cipher ? "hash" : "cipher", hexstr(other, sizeof(*other)));
	else
		check(1, name, "ok");
}

static void run_cipher(int fd, const struct cipher_kat *k)
{
	size_t keylen, ivlen, ptlen, ctlen;
	uint8_t *key = spec_bytes(k->key, &keylen), *iv = spec_bytes(k->iv, &ivlen);
	uint8_t *pt = spec_bytes(k->pt, &ptlen), *ct = spec_bytes(k->ct, &ctlen);
	uint8_t *out = malloc(ptlen + 1), ivbuf[16];
	char name[160];
	uint32_t ses;
	int rc;

	snprintf(name, sizeof(name), "%s:session", k->name);
	if (ptlen != ctlen)
		die(k->name, "bad vector: pt %zu bytes, ct %zu bytes", ptlen, ctlen);
	if (need_session(name, fd, k->alg, keylen ? key : NULL, (uint32_t)keylen, 0, NULL, 0,
			 &ses) == 0) {
		check_info(fd, ses, k->name, 1, k->cra_name);

		snprintf(name, sizeof(name), "%s:encrypt", k->name);
		memset(out, 0xee, ptlen + 1);
		memcpy(ivbuf, iv, ivlen);
		rc = cd_crypt(fd, ses, COP_ENCRYPT, 0, pt, out, (uint32_t)ptlen,
			      ivlen ? ivbuf : NULL, NULL);
		if (rc != 0)
			fail(name, "CIOCCRYPT: %s", errno_name(errno));
		else if (out[ptlen] != 0xee)
			fail(name, "wrote past len");
		else
			check_bytes(name, ct, ctlen, out, ptlen);

		snprintf(name, sizeof(name), "%s:decrypt", k->name);
		memset(out, 0xee, ptlen + 1);
		memcpy(ivbuf, iv, ivlen);
		rc = cd_crypt(fd, ses, COP_DECRYPT, 0, ct, out, (uint32_t)ctlen,
			      ivlen ? ivbuf : NULL, NULL);
		if (rc != 0)
			fail(name, "CIOCCRYPT: %s", errno_name(errno));
		else
			check_bytes(name, pt, ptlen, out, ctlen);

		/* In place (src == dst) must work too. */
		snprintf(name, sizeof(name), "%s:encrypt-in-place", k->name);
		memcpy(out, pt, ptlen);
		memcpy(ivbuf, iv, ivlen);
		rc = cd_crypt(fd, ses, COP_ENCRYPT, 0, out, out, (uint32_t)ptlen,
			      ivlen ? ivbuf : NULL, NULL);
		if (rc != 0)
			fail(name, "CIOCCRYPT: %s", errno_name(errno));
		else
			check_bytes(name, ct, ctlen, out, ptlen);

		snprintf(name, sizeof(name), "%s:free", k->name);
		expect_errno(name, sess_free(fd, ses), 0);
	}
	free(key);
	free(iv);
	free(pt);
	free(ct);
	free(out);
}

static void run_hash(int fd, const struct hash_kat *k)
{
	size_t keylen = 0, msglen, dlen;
	uint8_t *key = k->key ? spec_bytes(k->key, &keylen) : NULL;
	uint8_t *msg = spec_bytes(k->msg, &msglen), *digest = spec_bytes(k->digest, &dlen);
	uint8_t mac[AALG_MAX_RESULT_LEN + 8];
	char name[160];
	uint32_t ses;

	snprintf(name, sizeof(name), "%s:session", k->name);
	if (need_session(name, fd, 0, NULL, 0, k->alg, key, (uint32_t)keylen, &ses) == 0) {
		check_info(fd, ses, k->name, 0, k->cra_name);
		snprintf(name, sizeof(name), "%s:digest", k->name);
		memset(mac, 0xee, sizeof(mac));
		if (cd_crypt(fd, ses, COP_ENCRYPT, 0, msglen ? msg : NULL, NULL, (uint32_t)msglen,
			     NULL, mac) != 0)
			fail(name, "CIOCCRYPT: %s", errno_name(errno));
		else if (mac[dlen] != 0xee)
			fail(name, "wrote more than %zu digest bytes", dlen);
		else
			check_bytes(name, digest, dlen, mac, dlen);
		snprintf(name, sizeof(name), "%s:free", k->name);
		expect_errno(name, sess_free(fd, ses), 0);
	}
	free(key);
	free(msg);
	free(digest);
}

int main(int argc, char **argv)
{
	const char *dev = device_path(argc, argv);
	const char *hw = getenv("CRYPTODEV_EXPECT_HW");
	size_t i;
	int fd;

	test_init("kat");
	driver_suffix = getenv("CRYPTODEV_EXPECT_DRIVER_SUFFIX");
	if (driver_suffix == NULL)
		driver_suffix = "-rustcrypto";
	expect_hw = hw != NULL && strcmp(hw, "1") == 0;
	note("device %s, expected driver suffix \"%s\", expect hw flag %d", dev, driver_suffix,
	     expect_hw);
	fd = open_device(dev);
	for (i = 0; i < ARRAY_SIZE(cipher_kats); i++)
		run_cipher(fd, &cipher_kats[i]);
	for (i = 0; i < ARRAY_SIZE(hash_kats); i++)
		run_hash(fd, &hash_kats[i]);
	xclose("close", fd);
	return test_finish();
}
