//! Crypto backends: one trait, several providers (RustCrypto in the daemon, AF_ALG to kernel
//! drivers). The ioctl handlers only ever see these traits.
//!
//! The shape follows a crypto provider: the backend is a registry that says which algorithms
//! it implements and hands out keyed contexts; a cipher context transforms data in place and
//! carries the chaining value (IV) the way the kernel's transforms do; a hash context can be
//! updated, finished, reset and forked (CIOCCPHASH).

use cryptodev_abi::Algorithm;

pub mod afalg;
pub mod discovery;
pub mod kat;
pub mod policy;
pub mod router;
pub mod soft;
mod split;

/// Why a backend refused a request.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// The backend has no implementation of this algorithm.
    #[error("{0:?} is not implemented by this backend")]
    Unsupported(Algorithm),
    /// The key was refused (wrong length, weak key the transform rejects).
    #[error("key rejected for {0:?}")]
    BadKey(Algorithm),
    /// The data length does not fit the mode (e.g. XTS below one block).
    #[error("invalid length {len} for {alg:?}")]
    BadLength { alg: Algorithm, len: usize },
    /// The IV is not the size the algorithm takes.
    #[error("{alg:?} takes a {expected}-byte IV, got {len} bytes")]
    BadIv {
        alg: Algorithm,
        expected: usize,
        len: usize,
    },
    /// The message is longer than the mode can count (CCM's L-byte length field; EOVERFLOW).
    #[error("message of {len} bytes too long for {alg:?}")]
    TooLong { alg: Algorithm, len: usize },
    /// An AEAD tag did not verify (EBADMSG).
    #[error("authentication failed")]
    BadTag,
    /// The backend failed while running the operation.
    #[error("backend failure: {0}")]
    Failed(String),
}

/// Names a session reports through CIOCGSESSINFO.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DriverInfo {
    /// The kernel-style algorithm name, e.g. `cbc(aes)`.
    pub name: String,
    /// The implementation's name, e.g. `cbc-aes-rustcrypto`.
    pub driver: String,
    /// Whether the implementation runs off the CPU (SIOP_FLAG_KERNEL_DRIVER_ONLY).
    pub hardware: bool,
}

/// A provider of keyed cipher and hash contexts.
pub trait Backend: Send + Sync {
    /// Short name for logs, e.g. `rustcrypto`.
    fn name(&self) -> &'static str;

    /// Whether `alg` is implemented.
    fn supports(&self, alg: Algorithm) -> bool;

    /// A cipher context for a cipher id of the ABI with `key`. Key lengths are checked
    /// against the ABI table by the caller; the backend still rejects what its transform
    /// rejects.
    fn cipher(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn CipherContext>, BackendError>;

    /// A hash context for a hash id (`key` ignored) or an HMAC id (`key` may be empty).
    fn hash(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn HashContext>, BackendError>;

    /// An AEAD context (GCM, CCM) keyed with `key`. The default refuses every algorithm.
    fn aead(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn AeadContext>, BackendError> {
        let _ = key;
        Err(BackendError::Unsupported(alg))
    }
}

/// A keyed AEAD transform with the kernel's semantics: a current tag length ("authsize",
/// 16 when created) that persists until changed, the IV given whole per operation (12 bytes
/// for `gcm(aes)`; 16 for `ccm(aes)`, byte 0 holding L-1), the AAD separate from the data.
pub trait AeadContext: Send {
    fn info(&self) -> DriverInfo;

    /// The current tag length.
    fn tag_len(&self) -> usize;

    /// Sets the tag length; refused (and left unchanged) where the transform does not allow
    /// it (GCM: 4, 8, 12..=16; CCM: even 4..=16).
    fn set_tag_len(&mut self, len: usize) -> Result<(), BackendError>;

    /// Encrypts `data` in place and returns the tag (`tag_len` bytes).
    fn encrypt(&mut self, iv: &[u8], aad: &[u8], data: &mut [u8]) -> Result<Vec<u8>, BackendError>;

    /// Checks `tag` (`tag_len` bytes) and decrypts `data` in place; [`BackendError::BadTag`]
    /// when it does not verify, leaving `data` unspecified.
    fn decrypt(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<(), BackendError>;
}

/// A keyed cipher. `iv` is the chaining value: the caller passes the IV to start from and
/// finds in it afterwards the IV that continues the stream (last ciphertext block for CBC,
/// counter advanced by the blocks used for CTR), exactly as the kernel leaves it.
pub trait CipherContext: Send {
    fn info(&self) -> DriverInfo;

    /// Encrypts `data` in place. `data.len()` is a multiple of the block size.
    fn encrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError>;

    /// Decrypts `data` in place. `data.len()` is a multiple of the block size.
    fn decrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError>;
}

/// A running digest or HMAC.
pub trait HashContext: Send {
    fn info(&self) -> DriverInfo;

    /// The algorithm id the context was made for.
    fn algorithm(&self) -> Algorithm;

    /// Absorbs `data`. After an error the state is lost until [`HashContext::reset`].
    fn update(&mut self, data: &[u8]) -> Result<(), BackendError>;

    /// Writes the digest into `out` (`digest_size` bytes) and resets to the initial state.
    fn finish(&mut self, out: &mut [u8]) -> Result<(), BackendError>;

    /// Returns to the initial state (keyed, for HMAC).
    fn reset(&mut self);

    /// An independent copy of the current state.
    fn fork(&self) -> Box<dyn HashContext>;
}
