//! Operations, flags and limits.

/// `op` of `crypt_op`: encrypt (BSD uses 1 here).
pub const COP_ENCRYPT: u16 = 0;
/// `op` of `crypt_op`: decrypt.
pub const COP_DECRYPT: u16 = 1;

/// The `op` field, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Encrypt,
    Decrypt,
}

impl TryFrom<u16> for Direction {
    type Error = crate::AbiError;

    fn try_from(op: u16) -> Result<Self, Self::Error> {
        match op {
            COP_ENCRYPT => Ok(Direction::Encrypt),
            COP_DECRYPT => Ok(Direction::Decrypt),
            other => Err(crate::AbiError::BadValue {
                field: "op",
                value: u64::from(other),
            }),
        }
    }
}

/// `flags` of `crypt_op` and `crypt_auth_op`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CopFlags(pub u16);

impl CopFlags {
    pub const NONE: u16 = 0x00;
    /// Multi-part hashing: more data follows.
    pub const UPDATE: u16 = 0x01;
    /// Multi-part hashing: finish.
    pub const FINAL: u16 = 0x02;
    /// Write the next IV back to the caller's `iv`.
    pub const WRITE_IV: u16 = 0x04;
    /// Do not use zero-copy; also set by the driver on misaligned buffers.
    pub const NO_ZC: u16 = 0x08;
    /// CIOCAUTHCRYPT in TLS record mode.
    pub const AEAD_TLS_TYPE: u16 = 0x10;
    /// CIOCAUTHCRYPT in SRTP mode.
    pub const AEAD_SRTP_TYPE: u16 = 0x20;
    /// Reset the hash state before this operation.
    pub const RESET: u16 = 0x40;

    /// Whether every bit of `flag` is set.
    pub const fn has(self, flag: u16) -> bool {
        self.0 & flag == flag
    }
}

/// `session_info_op.flags`: the transform is an off-CPU hardware driver.
pub const SIOP_FLAG_KERNEL_DRIVER_ONLY: u32 = 1;

pub const CRYPTO_ALG_FLAG_SUPPORTED: u32 = 1;
pub const CRYPTO_ALG_FLAG_RNG_ENABLE: u32 = 2;
pub const CRYPTO_ALG_FLAG_DSA_SHA: u32 = 4;

/// Longest cipher key a session accepts.
pub const CRYPTO_CIPHER_MAX_KEY_LEN: u32 = 64;
/// Longest HMAC key a session accepts.
pub const CRYPTO_HMAC_MAX_KEY_LEN: u32 = 512;
/// Longest digest.
pub const HASH_MAX_LEN: u32 = 64;
pub const AALG_MAX_RESULT_LEN: u32 = HASH_MAX_LEN;
pub const CRYPTODEV_MAX_ALG_NAME: u32 = 64;
pub const EALG_MAX_BLOCK_LEN: u32 = 16;
/// Skipjack has no transform, so no algorithm entry carries its block size.
pub const SKIPJACK_BLOCK_LEN: u32 = 8;
/// Longest additional authenticated data of one CIOCAUTHCRYPT.
pub const AUTH_LEN_MAX: u32 = 4096;

/// The header defines this so OpenSSL 1.0.2 skips CRIOGET.
pub const CRIOGET_NOT_NEEDED: u32 = 1;

/// Asymmetric operations of CIOCKEY (`crk_op`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum KeyOp {
    ModExp = 0,
    ModExpCrt = 1,
    DsaSign = 2,
    DsaVerify = 3,
    DhComputeKey = 4,
}

pub const CRK_MOD_EXP: u32 = KeyOp::ModExp as u32;
pub const CRK_MOD_EXP_CRT: u32 = KeyOp::ModExpCrt as u32;
pub const CRK_DSA_SIGN: u32 = KeyOp::DsaSign as u32;
pub const CRK_DSA_VERIFY: u32 = KeyOp::DsaVerify as u32;
pub const CRK_DH_COMPUTE_KEY: u32 = KeyOp::DhComputeKey as u32;
pub const CRK_ALGORITHM_ALL: u32 = 5;
pub const CRK_ALGORITHM_MAX: u32 = CRK_ALGORITHM_ALL - 1;
pub const CRK_MAXPARAM: u32 = 8;

impl KeyOp {
    pub const ALL: [KeyOp; 5] = [
        KeyOp::ModExp,
        KeyOp::ModExpCrt,
        KeyOp::DsaSign,
        KeyOp::DsaVerify,
        KeyOp::DhComputeKey,
    ];

    /// The CIOCASYMFEAT bit (`CRF_*`) announcing this operation.
    pub const fn feature_bit(self) -> u32 {
        1 << self as u32
    }

    /// Number of (input, output) big numbers in `crk_param`.
    pub const fn param_counts(self) -> (u16, u16) {
        match self {
            KeyOp::ModExp => (3, 1),
            KeyOp::ModExpCrt => (6, 1),
            KeyOp::DsaSign => (5, 2),
            KeyOp::DsaVerify => (7, 0),
            KeyOp::DhComputeKey => (3, 1),
        }
    }

    /// The operation's name without its `CRK_` prefix, lower case (for counters and logs).
    pub const fn name(self) -> &'static str {
        match self {
            KeyOp::ModExp => "mod_exp",
            KeyOp::ModExpCrt => "mod_exp_crt",
            KeyOp::DsaSign => "dsa_sign",
            KeyOp::DsaVerify => "dsa_verify",
            KeyOp::DhComputeKey => "dh_compute_key",
        }
    }
}

impl TryFrom<u32> for KeyOp {
    type Error = crate::AbiError;

    fn try_from(op: u32) -> Result<Self, Self::Error> {
        KeyOp::ALL
            .into_iter()
            .find(|k| *k as u32 == op)
            .ok_or(crate::AbiError::BadValue {
                field: "crk_op",
                value: u64::from(op),
            })
    }
}

pub const CRF_MOD_EXP: u32 = KeyOp::ModExp.feature_bit();
pub const CRF_MOD_EXP_CRT: u32 = KeyOp::ModExpCrt.feature_bit();
pub const CRF_DSA_SIGN: u32 = KeyOp::DsaSign.feature_bit();
pub const CRF_DSA_VERIFY: u32 = KeyOp::DsaVerify.feature_bit();
pub const CRF_DH_COMPUTE_KEY: u32 = KeyOp::DhComputeKey.feature_bit();
