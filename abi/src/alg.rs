//! Algorithm ids (`enum cryptodev_crypto_op_t`) and what each one means.

use crate::AbiError;

/// What an algorithm id stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlgKind {
    /// A block or stream cipher; `block` drives the `len % block` check (1 for stream modes).
    Cipher {
        block: u32,
        iv: u32,
        keys: KeyLengths,
    },
    /// An AEAD transform (GCM, CCM): accepted only in the `cipher` field.
    Aead {
        iv: u32,
        keys: KeyLengths,
        max_tag: u32,
    },
    /// TLS 1.1/1.2 CBC+HMAC composite AEAD (vendor kernels only).
    CompositeAead { block: u32, iv: u32 },
    /// A plain digest: accepted only in the `mac` field.
    Hash { digest: u32, block: u32 },
    /// An HMAC keyed by `mackey`: accepted only in the `mac` field.
    Hmac { digest: u32, block: u32 },
    /// The id exists in the header but names no transform: sessions get EINVAL.
    Unavailable,
}

/// Key lengths a cipher accepts, in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyLengths {
    /// Exactly one of these.
    OneOf(&'static [u32]),
    /// Any length in `min..=max`.
    Range { min: u32, max: u32 },
}

impl KeyLengths {
    /// Whether a key of `len` bytes is acceptable.
    pub fn accepts(self, len: u32) -> bool {
        match self {
            KeyLengths::OneOf(lens) => lens.contains(&len),
            KeyLengths::Range { min, max } => (min..=max).contains(&len),
        }
    }
}

const AES_KEYS: KeyLengths = KeyLengths::OneOf(&[16, 24, 32]);

macro_rules! algorithms {
    ($($variant:ident = $id:literal, $cname:literal, $kernel:expr, $kind:expr;)*) => {
        /// An algorithm id of the ABI.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[repr(u32)]
        pub enum Algorithm {
            $($variant = $id,)*
        }

        impl Algorithm {
            /// Every id the header defines (CRYPTO_RIJNDAEL128_CBC is an alias of AesCbc).
            pub const ALL: &'static [Algorithm] = &[$(Algorithm::$variant,)*];

            /// The header's constant name.
            pub const fn constant_name(self) -> &'static str {
                match self { $(Algorithm::$variant => $cname,)* }
            }

            /// The kernel crypto API name of the transform, if the id names one.
            pub const fn kernel_name(self) -> Option<&'static str> {
                match self { $(Algorithm::$variant => $kernel,)* }
            }

            /// What the id stands for, with its sizes.
            pub const fn kind(self) -> AlgKind {
                match self { $(Algorithm::$variant => $kind,)* }
            }
        }

        impl TryFrom<u32> for Algorithm {
            type Error = AbiError;

            fn try_from(id: u32) -> Result<Self, AbiError> {
                match id {
                    $($id => Ok(Algorithm::$variant),)*
                    other => Err(AbiError::BadValue { field: "algorithm", value: u64::from(other) }),
                }
            }
        }
    };
}

use AlgKind::{Aead, Cipher, CompositeAead, Hash, Hmac, Unavailable};

algorithms! {
    DesCbc = 1, "CRYPTO_DES_CBC", Some("cbc(des)"),
        Cipher { block: 8, iv: 8, keys: KeyLengths::OneOf(&[8]) };
    TripleDesCbc = 2, "CRYPTO_3DES_CBC", Some("cbc(des3_ede)"),
        Cipher { block: 8, iv: 8, keys: KeyLengths::OneOf(&[24]) };
    BlowfishCbc = 3, "CRYPTO_BLF_CBC", Some("cbc(blowfish)"),
        Cipher { block: 8, iv: 8, keys: KeyLengths::Range { min: 4, max: 56 } };
    // cryptodev-linux maps no transform to this id; the kernel's cast5 takes 5..16 byte keys.
    Cast5Cbc = 4, "CRYPTO_CAST_CBC", Some("cbc(cast5)"),
        Cipher { block: 8, iv: 8, keys: KeyLengths::Range { min: 5, max: 16 } };
    SkipjackCbc = 5, "CRYPTO_SKIPJACK_CBC", None, Unavailable;
    Md5Hmac = 6, "CRYPTO_MD5_HMAC", Some("hmac(md5)"), Hmac { digest: 16, block: 64 };
    Sha1Hmac = 7, "CRYPTO_SHA1_HMAC", Some("hmac(sha1)"), Hmac { digest: 20, block: 64 };
    Ripemd160Hmac = 8, "CRYPTO_RIPEMD160_HMAC", Some("hmac(rmd160)"),
        Hmac { digest: 20, block: 64 };
    Md5Kpdk = 9, "CRYPTO_MD5_KPDK", None, Unavailable;
    Sha1Kpdk = 10, "CRYPTO_SHA1_KPDK", None, Unavailable;
    AesCbc = 11, "CRYPTO_AES_CBC", Some("cbc(aes)"), Cipher { block: 16, iv: 16, keys: AES_KEYS };
    Arc4 = 12, "CRYPTO_ARC4", None, Unavailable;
    Md5 = 13, "CRYPTO_MD5", Some("md5"), Hash { digest: 16, block: 64 };
    Sha1 = 14, "CRYPTO_SHA1", Some("sha1"), Hash { digest: 20, block: 64 };
    DeflateComp = 15, "CRYPTO_DEFLATE_COMP", None, Unavailable;
    Null = 16, "CRYPTO_NULL", Some("ecb(cipher_null)"),
        Cipher { block: 1, iv: 0, keys: KeyLengths::OneOf(&[0]) };
    LzsComp = 17, "CRYPTO_LZS_COMP", None, Unavailable;
    Sha256Hmac = 18, "CRYPTO_SHA2_256_HMAC", Some("hmac(sha256)"), Hmac { digest: 32, block: 64 };
    Sha384Hmac = 19, "CRYPTO_SHA2_384_HMAC", Some("hmac(sha384)"), Hmac { digest: 48, block: 128 };
    Sha512Hmac = 20, "CRYPTO_SHA2_512_HMAC", Some("hmac(sha512)"), Hmac { digest: 64, block: 128 };
    AesCtr = 21, "CRYPTO_AES_CTR", Some("ctr(aes)"), Cipher { block: 1, iv: 16, keys: AES_KEYS };
    AesXts = 22, "CRYPTO_AES_XTS", Some("xts(aes)"),
        Cipher { block: 16, iv: 16, keys: KeyLengths::OneOf(&[32, 48, 64]) };
    AesEcb = 23, "CRYPTO_AES_ECB", Some("ecb(aes)"), Cipher { block: 16, iv: 0, keys: AES_KEYS };
    AesCfb = 24, "CRYPTO_AES_CFB", Some("cfb(aes)"), Cipher { block: 1, iv: 16, keys: AES_KEYS };
    AesOfb = 25, "CRYPTO_AES_OFB", Some("ofb(aes)"), Cipher { block: 1, iv: 16, keys: AES_KEYS };
    AesGcm = 50, "CRYPTO_AES_GCM", Some("gcm(aes)"), Aead { iv: 12, keys: AES_KEYS, max_tag: 16 };
    AesCcm = 51, "CRYPTO_AES_CCM", Some("ccm(aes)"), Aead { iv: 16, keys: AES_KEYS, max_tag: 16 };
    CamelliaCbc = 101, "CRYPTO_CAMELLIA_CBC", Some("cbc(camellia)"),
        Cipher { block: 16, iv: 16, keys: AES_KEYS };
    Ripemd160 = 102, "CRYPTO_RIPEMD160", Some("rmd160"), Hash { digest: 20, block: 64 };
    Sha224 = 103, "CRYPTO_SHA2_224", Some("sha224"), Hash { digest: 28, block: 64 };
    Sha256 = 104, "CRYPTO_SHA2_256", Some("sha256"), Hash { digest: 32, block: 64 };
    Sha384 = 105, "CRYPTO_SHA2_384", Some("sha384"), Hash { digest: 48, block: 128 };
    Sha512 = 106, "CRYPTO_SHA2_512", Some("sha512"), Hash { digest: 64, block: 128 };
    Sha224Hmac = 107, "CRYPTO_SHA2_224_HMAC", Some("hmac(sha224)"), Hmac { digest: 28, block: 64 };
    Tls11AesCbcHmacSha1 = 108, "CRYPTO_TLS11_AES_CBC_HMAC_SHA1",
        Some("tls11(hmac(sha1),cbc(aes))"), CompositeAead { block: 16, iv: 16 };
    Tls12AesCbcHmacSha256 = 109, "CRYPTO_TLS12_AES_CBC_HMAC_SHA256",
        Some("tls12(hmac(sha256),cbc(aes))"), CompositeAead { block: 16, iv: 16 };
}

/// One past the last algorithm id.
pub const CRYPTO_ALGORITHM_ALL: u32 = 110;
/// The last algorithm id.
pub const CRYPTO_ALGORITHM_MAX: u32 = CRYPTO_ALGORITHM_ALL - 1;

impl Algorithm {
    /// The numeric id.
    pub const fn id(self) -> u32 {
        self as u32
    }

    /// Whether the id may appear in `session_op.cipher`.
    pub const fn is_cipher_field(self) -> bool {
        matches!(
            self.kind(),
            AlgKind::Cipher { .. } | AlgKind::Aead { .. } | AlgKind::CompositeAead { .. }
        )
    }

    /// Whether the id may appear in `session_op.mac`.
    pub const fn is_mac_field(self) -> bool {
        matches!(self.kind(), AlgKind::Hash { .. } | AlgKind::Hmac { .. })
    }

    /// IV bytes a CIOCCRYPT or CIOCAUTHCRYPT reads from `iv` (0 where the mode has none).
    pub const fn iv_size(self) -> u32 {
        match self.kind() {
            AlgKind::Cipher { iv, .. }
            | AlgKind::Aead { iv, .. }
            | AlgKind::CompositeAead { iv, .. } => iv,
            _ => 0,
        }
    }

    /// Block size for the `len % block` check; 1 for stream modes and AEADs.
    pub const fn block_size(self) -> u32 {
        match self.kind() {
            AlgKind::Cipher { block, .. } | AlgKind::CompositeAead { block, .. } => block,
            AlgKind::Aead { .. } => 1,
            AlgKind::Hash { block, .. } | AlgKind::Hmac { block, .. } => block,
            AlgKind::Unavailable => 0,
        }
    }

    /// Digest bytes of a hash or HMAC, 0 otherwise.
    pub const fn digest_size(self) -> u32 {
        match self.kind() {
            AlgKind::Hash { digest, .. } | AlgKind::Hmac { digest, .. } => digest,
            _ => 0,
        }
    }
}
