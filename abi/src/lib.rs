//! The Linux cryptodev (`/dev/crypto`) ioctl ABI: request codes, struct layouts for 64-bit and
//! 32-bit callers, constants, and typed requests independent of the caller's layout.
//!
//! This crate is the only place in the project that knows a request number, an offset or a
//! constant of the ABI; `include/crypto/cryptodev.h` is its C twin, and a test checks the two
//! against each other for `-m64` and `-m32`.

#![forbid(unsafe_code)]

pub mod alg;
pub mod consts;
pub mod ioc;
pub mod ioctl;
pub mod request;
pub mod wire;

pub use alg::{AlgKind, Algorithm, KeyLengths};
pub use consts::{CopFlags, Direction, KeyOp};
pub use ioctl::{Ioctl, Layout};
pub use request::{
    ArgStruct, AuthCryptParams, BigNumParam, CryptParams, KeyParams, Reply, Request, SessionParams,
};

/// Why a caller's request could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AbiError {
    /// The request code is none of the ABI's (for the caller's layout).
    #[error("unknown ioctl request code {0:#010x}")]
    UnknownCommand(u32),
    /// Fewer argument bytes than the struct needs.
    #[error("argument too short: need {need} bytes, got {got}")]
    ShortBuffer { need: usize, got: usize },
    /// A field holds a value the ABI does not define.
    #[error("invalid {field} value {value}")]
    BadValue { field: &'static str, value: u64 },
}
