//! Typed, layout-independent requests: decoded from a caller's bytes (either layout, pointers
//! widened to `u64`) and encoded back over them for the reply.

use core::mem::size_of;

use bytemuck::Pod;

use crate::consts::CopFlags;
use crate::ioctl::{Ioctl, Layout};
use crate::wire::{self, ilp32, lp64, CRK_MAXPARAM};
use crate::AbiError;

/// A struct argument that exists in both layouts.
pub trait ArgStruct: Sized {
    /// Bytes of the struct in `layout`.
    fn wire_size(layout: Layout) -> usize;

    /// Decodes the caller's bytes; only the first `wire_size` bytes are looked at.
    fn decode(layout: Layout, bytes: &[u8]) -> Result<Self, AbiError>;

    /// Writes every field over `bytes`, which holds the caller's original struct, so padding
    /// the caller left keeps its value. 32-bit callers' pointers are truncated to 32 bits,
    /// as a 32-bit kernel would store them.
    fn encode_into(&self, layout: Layout, bytes: &mut [u8]) -> Result<(), AbiError>;
}

fn read_pod<T: Pod>(bytes: &[u8]) -> Result<T, AbiError> {
    let need = size_of::<T>();
    let got = bytes.get(..need).ok_or(AbiError::ShortBuffer {
        need,
        got: bytes.len(),
    })?;
    Ok(bytemuck::pod_read_unaligned(got))
}

fn write_pod<T: Pod>(value: &T, bytes: &mut [u8]) -> Result<(), AbiError> {
    let need = size_of::<T>();
    let got = bytes.len();
    let out = bytes
        .get_mut(..need)
        .ok_or(AbiError::ShortBuffer { need, got })?;
    out.copy_from_slice(bytemuck::bytes_of(value));
    Ok(())
}

#[allow(clippy::cast_possible_truncation)] // documented on `ArgStruct::encode_into`
const fn narrow(ptr: u64) -> u32 {
    ptr as u32
}

/// Implements `ArgStruct` for a typed struct whose fields mirror the wire struct's names:
/// `copy` fields have the same type in both layouts, `ptr` fields are pointers.
macro_rules! arg_struct {
    ($typed:ident, $wire:ident, copy [$($c:ident),*], ptr [$($p:ident),*]) => {
        impl ArgStruct for $typed {
            fn wire_size(layout: Layout) -> usize {
                match layout {
                    Layout::Lp64 => size_of::<lp64::$wire>(),
                    Layout::Ilp32 => size_of::<ilp32::$wire>(),
                }
            }

            fn decode(layout: Layout, bytes: &[u8]) -> Result<Self, AbiError> {
                Ok(match layout {
                    Layout::Lp64 => {
                        let w: lp64::$wire = read_pod(bytes)?;
                        $typed { $($c: w.$c.into(),)* $($p: w.$p,)* }
                    }
                    Layout::Ilp32 => {
                        let w: ilp32::$wire = read_pod(bytes)?;
                        $typed { $($c: w.$c.into(),)* $($p: u64::from(w.$p),)* }
                    }
                })
            }

            fn encode_into(&self, layout: Layout, bytes: &mut [u8]) -> Result<(), AbiError> {
                match layout {
                    Layout::Lp64 => {
                        let mut w: lp64::$wire = read_pod(bytes)?;
                        $(w.$c = self.$c.into();)*
                        $(w.$p = self.$p;)*
                        write_pod(&w, bytes)
                    }
                    Layout::Ilp32 => {
                        let mut w: ilp32::$wire = read_pod(bytes)?;
                        $(w.$c = self.$c.into();)*
                        $(w.$p = narrow(self.$p);)*
                        write_pod(&w, bytes)
                    }
                }
            }
        }
    };
}

/// `struct session_op`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SessionParams {
    pub cipher: u32,
    pub mac: u32,
    pub keylen: u32,
    pub key: u64,
    pub mackeylen: u32,
    pub mackey: u64,
    pub ses: u32,
}
arg_struct!(SessionParams, SessionOp, copy [cipher, mac, keylen, mackeylen, ses], ptr [key, mackey]);

/// `struct crypt_op`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CryptParams {
    pub ses: u32,
    pub op: u16,
    pub flags: CopFlags,
    pub len: u32,
    pub src: u64,
    pub dst: u64,
    pub mac: u64,
    pub iv: u64,
}
arg_struct!(CryptParams, CryptOp, copy [ses, op, flags, len], ptr [src, dst, mac, iv]);

/// `struct crypt_auth_op`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AuthCryptParams {
    pub ses: u32,
    pub op: u16,
    pub flags: CopFlags,
    pub len: u32,
    pub auth_len: u32,
    pub auth_src: u64,
    pub src: u64,
    pub dst: u64,
    pub tag: u64,
    pub tag_len: u32,
    pub iv: u64,
    pub iv_len: u32,
}
arg_struct!(
    AuthCryptParams,
    CryptAuthOp,
    copy [ses, op, flags, len, auth_len, tag_len, iv_len],
    ptr [auth_src, src, dst, tag, iv]
);

impl From<u16> for CopFlags {
    fn from(raw: u16) -> Self {
        CopFlags(raw)
    }
}

impl From<CopFlags> for u16 {
    fn from(flags: CopFlags) -> Self {
        flags.0
    }
}

/// One big-number parameter of `crypt_kop`: `nbits` bits, little-endian bytes at `p`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BigNumParam {
    pub p: u64,
    pub nbits: u32,
}

/// `struct crypt_kop`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KeyParams {
    pub crk_op: u32,
    pub crk_status: u32,
    pub crk_iparams: u16,
    pub crk_oparams: u16,
    pub crk_pad1: u32,
    pub params: [BigNumParam; CRK_MAXPARAM],
}

impl ArgStruct for KeyParams {
    fn wire_size(layout: Layout) -> usize {
        match layout {
            Layout::Lp64 => size_of::<lp64::CryptKop>(),
            Layout::Ilp32 => size_of::<ilp32::CryptKop>(),
        }
    }

    fn decode(layout: Layout, bytes: &[u8]) -> Result<Self, AbiError> {
        macro_rules! from_wire {
            ($w:expr) => {{
                let w = $w;
                KeyParams {
                    crk_op: w.crk_op,
                    crk_status: w.crk_status,
                    crk_iparams: w.crk_iparams,
                    crk_oparams: w.crk_oparams,
                    crk_pad1: w.crk_pad1,
                    params: w.crk_param.map(|p| BigNumParam {
                        p: u64::from(p.crp_p),
                        nbits: p.crp_nbits,
                    }),
                }
            }};
        }
        Ok(match layout {
            Layout::Lp64 => from_wire!(read_pod::<lp64::CryptKop>(bytes)?),
            Layout::Ilp32 => from_wire!(read_pod::<ilp32::CryptKop>(bytes)?),
        })
    }

    fn encode_into(&self, layout: Layout, bytes: &mut [u8]) -> Result<(), AbiError> {
        macro_rules! to_wire {
            ($ty:ty, $ptr:expr) => {{
                let mut w: $ty = read_pod(bytes)?;
                w.crk_op = self.crk_op;
                w.crk_status = self.crk_status;
                w.crk_iparams = self.crk_iparams;
                w.crk_oparams = self.crk_oparams;
                w.crk_pad1 = self.crk_pad1;
                for (slot, param) in w.crk_param.iter_mut().zip(&self.params) {
                    slot.crp_p = $ptr(param.p);
                    slot.crp_nbits = param.nbits;
                }
                write_pod(&w, bytes)
            }};
        }
        match layout {
            Layout::Lp64 => to_wire!(lp64::CryptKop, core::convert::identity),
            Layout::Ilp32 => to_wire!(ilp32::CryptKop, narrow),
        }
    }
}

/// `struct session_info_op`, identical in both layouts.
impl ArgStruct for wire::SessionInfoOp {
    fn wire_size(_: Layout) -> usize {
        size_of::<Self>()
    }

    fn decode(_: Layout, bytes: &[u8]) -> Result<Self, AbiError> {
        read_pod(bytes)
    }

    fn encode_into(&self, _: Layout, bytes: &mut [u8]) -> Result<(), AbiError> {
        write_pod(self, bytes)
    }
}

/// `struct cphash_op`, identical in both layouts.
impl ArgStruct for wire::CphashOp {
    fn wire_size(_: Layout) -> usize {
        size_of::<Self>()
    }

    fn decode(_: Layout, bytes: &[u8]) -> Result<Self, AbiError> {
        read_pod(bytes)
    }

    fn encode_into(&self, _: Layout, bytes: &mut [u8]) -> Result<(), AbiError> {
        write_pod(self, bytes)
    }
}

/// A `u32` argument (session ids, CRIOGET's fd, CIOCASYMFEAT's mask).
impl ArgStruct for u32 {
    fn wire_size(_: Layout) -> usize {
        size_of::<u32>()
    }

    fn decode(_: Layout, bytes: &[u8]) -> Result<Self, AbiError> {
        read_pod(bytes)
    }

    fn encode_into(&self, _: Layout, bytes: &mut [u8]) -> Result<(), AbiError> {
        write_pod(self, bytes)
    }
}

/// A decoded ioctl: which one, and the argument struct where the driver reads one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Request {
    /// CRIOGET: the argument is output only.
    CrioGet,
    GetSession(SessionParams),
    FreeSession(u32),
    Crypt(CryptParams),
    Key(KeyParams),
    /// CIOCASYMFEAT: the argument is output only.
    AsymFeatures,
    GetSessionInfo(wire::SessionInfoOp),
    AuthCrypt(AuthCryptParams),
    AsyncCrypt(CryptParams),
    /// CIOCASYNCFETCH: the argument is output only.
    AsyncFetch,
    CopyHash(wire::CphashOp),
}

impl Request {
    /// Decodes the argument of `ioctl` from the caller's bytes.
    pub fn decode(ioctl: Ioctl, layout: Layout, arg: &[u8]) -> Result<Request, AbiError> {
        Ok(match ioctl {
            Ioctl::CrioGet => Request::CrioGet,
            Ioctl::GetSession => Request::GetSession(ArgStruct::decode(layout, arg)?),
            Ioctl::FreeSession => Request::FreeSession(ArgStruct::decode(layout, arg)?),
            Ioctl::Crypt => Request::Crypt(ArgStruct::decode(layout, arg)?),
            Ioctl::Key => Request::Key(ArgStruct::decode(layout, arg)?),
            Ioctl::AsymFeatures => Request::AsymFeatures,
            Ioctl::GetSessionInfo => Request::GetSessionInfo(ArgStruct::decode(layout, arg)?),
            Ioctl::AuthCrypt => Request::AuthCrypt(ArgStruct::decode(layout, arg)?),
            Ioctl::AsyncCrypt => Request::AsyncCrypt(ArgStruct::decode(layout, arg)?),
            Ioctl::AsyncFetch => Request::AsyncFetch,
            Ioctl::CopyHash => Request::CopyHash(ArgStruct::decode(layout, arg)?),
        })
    }

    /// Recognises the request code and decodes the argument in one step.
    pub fn decode_code(code: u32, layout: Layout, arg: &[u8]) -> Result<Request, AbiError> {
        let ioctl = Ioctl::from_code(code, layout).ok_or(AbiError::UnknownCommand(code))?;
        Request::decode(ioctl, layout, arg)
    }
}

/// The argument struct a handler writes back, typed; encoded over the caller's original bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reply {
    Session(SessionParams),
    SessionInfo(wire::SessionInfoOp),
    Crypt(CryptParams),
    AuthCrypt(AuthCryptParams),
    Key(KeyParams),
    /// A `u32` output: CRIOGET's fd, CIOCASYMFEAT's feature mask.
    Word(u32),
}

impl Reply {
    /// Writes the reply over `bytes`, which hold the caller's struct as read (or zeros for
    /// output-only arguments).
    pub fn encode_into(&self, layout: Layout, bytes: &mut [u8]) -> Result<(), AbiError> {
        match self {
            Reply::Session(p) => p.encode_into(layout, bytes),
            Reply::SessionInfo(p) => p.encode_into(layout, bytes),
            Reply::Crypt(p) => p.encode_into(layout, bytes),
            Reply::AuthCrypt(p) => p.encode_into(layout, bytes),
            Reply::Key(p) => p.encode_into(layout, bytes),
            Reply::Word(p) => p.encode_into(layout, bytes),
        }
    }
}
