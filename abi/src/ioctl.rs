//! Request codes, computed from the `_IOC` encoding and the struct sizes of each layout.

use core::mem::size_of;

use crate::ioc::{ior, iow, iowr};
use crate::wire::{self, ilp32, lp64};

const TYPE: u8 = b'c';

macro_rules! request_codes {
    ($(#[$doc:meta])* $modname:ident, $layout:ident) => {
        $(#[$doc])*
        pub mod $modname {
            use super::*;

            pub const CRIOGET: u32 = iowr(TYPE, 101, size_of::<u32>());
            pub const CIOCGSESSION: u32 = iowr(TYPE, 102, size_of::<$layout::SessionOp>());
            pub const CIOCFSESSION: u32 = iow(TYPE, 103, size_of::<u32>());
            pub const CIOCCRYPT: u32 = iowr(TYPE, 104, size_of::<$layout::CryptOp>());
            pub const CIOCKEY: u32 = iowr(TYPE, 105, size_of::<$layout::CryptKop>());
            pub const CIOCASYMFEAT: u32 = ior(TYPE, 106, size_of::<u32>());
            pub const CIOCGSESSINFO: u32 = iowr(TYPE, 107, size_of::<wire::SessionInfoOp>());
            pub const CIOCAUTHCRYPT: u32 = iowr(TYPE, 109, size_of::<$layout::CryptAuthOp>());
            pub const CIOCASYNCCRYPT: u32 = iow(TYPE, 110, size_of::<$layout::CryptOp>());
            pub const CIOCASYNCFETCH: u32 = ior(TYPE, 111, size_of::<$layout::CryptOp>());
            pub const CIOCCPHASH: u32 = iow(TYPE, 112, size_of::<wire::CphashOp>());
        }
    };
}

request_codes!(
    /// Request codes of 64-bit (LP64) callers.
    native, lp64
);
request_codes!(
    /// Request codes of 32-bit (ILP32) callers: they differ where the argument holds pointers.
    compat32, ilp32
);

/// Which struct layout a caller uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layout {
    /// 64-bit callers.
    Lp64,
    /// 32-bit callers (i386, and x32) on a 64-bit kernel.
    Ilp32,
}

/// The ioctls of the ABI, independent of the caller's layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ioctl {
    CrioGet,
    GetSession,
    FreeSession,
    Crypt,
    Key,
    AsymFeatures,
    GetSessionInfo,
    AuthCrypt,
    AsyncCrypt,
    AsyncFetch,
    CopyHash,
}

impl Ioctl {
    /// Every ioctl, in request-number order.
    pub const ALL: [Ioctl; 11] = [
        Ioctl::CrioGet,
        Ioctl::GetSession,
        Ioctl::FreeSession,
        Ioctl::Crypt,
        Ioctl::Key,
        Ioctl::AsymFeatures,
        Ioctl::GetSessionInfo,
        Ioctl::AuthCrypt,
        Ioctl::AsyncCrypt,
        Ioctl::AsyncFetch,
        Ioctl::CopyHash,
    ];

    /// The request code a caller of `layout` uses.
    pub const fn code(self, layout: Layout) -> u32 {
        macro_rules! pick {
            ($name:ident) => {
                match layout {
                    Layout::Lp64 => native::$name,
                    Layout::Ilp32 => compat32::$name,
                }
            };
        }
        match self {
            Ioctl::CrioGet => pick!(CRIOGET),
            Ioctl::GetSession => pick!(CIOCGSESSION),
            Ioctl::FreeSession => pick!(CIOCFSESSION),
            Ioctl::Crypt => pick!(CIOCCRYPT),
            Ioctl::Key => pick!(CIOCKEY),
            Ioctl::AsymFeatures => pick!(CIOCASYMFEAT),
            Ioctl::GetSessionInfo => pick!(CIOCGSESSINFO),
            Ioctl::AuthCrypt => pick!(CIOCAUTHCRYPT),
            Ioctl::AsyncCrypt => pick!(CIOCASYNCCRYPT),
            Ioctl::AsyncFetch => pick!(CIOCASYNCFETCH),
            Ioctl::CopyHash => pick!(CIOCCPHASH),
        }
    }

    /// The header's macro name.
    pub const fn name(self) -> &'static str {
        match self {
            Ioctl::CrioGet => "CRIOGET",
            Ioctl::GetSession => "CIOCGSESSION",
            Ioctl::FreeSession => "CIOCFSESSION",
            Ioctl::Crypt => "CIOCCRYPT",
            Ioctl::Key => "CIOCKEY",
            Ioctl::AsymFeatures => "CIOCASYMFEAT",
            Ioctl::GetSessionInfo => "CIOCGSESSINFO",
            Ioctl::AuthCrypt => "CIOCAUTHCRYPT",
            Ioctl::AsyncCrypt => "CIOCASYNCCRYPT",
            Ioctl::AsyncFetch => "CIOCASYNCFETCH",
            Ioctl::CopyHash => "CIOCCPHASH",
        }
    }

    /// Recognises a caller's request code; `None` for anything else (the ABI answers EINVAL).
    pub fn from_code(code: u32, layout: Layout) -> Option<Ioctl> {
        Ioctl::ALL
            .into_iter()
            .find(|ioctl| ioctl.code(layout) == code)
    }

    /// Size in bytes of the argument the caller's pointer points to.
    pub const fn arg_size(self, layout: Layout) -> usize {
        crate::ioc::ioc_size(self.code(layout))
    }

    /// Whether the driver reads the argument struct (the others only write it, or nothing).
    pub const fn reads_arg(self) -> bool {
        !matches!(
            self,
            Ioctl::CrioGet | Ioctl::AsymFeatures | Ioctl::AsyncFetch
        )
    }
}
