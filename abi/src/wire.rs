//! The ABI's structs byte for byte, in the 64-bit (LP64) layout and in the 32-bit (ILP32: i386
//! and x32) layout a 32-bit caller uses on a 64-bit kernel.
//!
//! Pointers are the caller's addresses, never dereferenced here: `u64` in LP64, `u32` in ILP32.
//! Every hole C leaves is an explicit `_pad` field, so the types are `Pod` and a reply written
//! back over the caller's bytes keeps whatever the caller left in the holes.

use core::mem::{offset_of, size_of};

/// Bytes of a NUL-terminated algorithm name field.
pub const ALG_NAME_LEN: usize = 64;

/// `struct alg_info`: the same in both layouts.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct AlgInfo {
    pub cra_name: [u8; ALG_NAME_LEN],
    pub cra_driver_name: [u8; ALG_NAME_LEN],
}

/// `struct session_info_op`: the same in both layouts.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct SessionInfoOp {
    pub ses: u32,
    pub cipher_info: AlgInfo,
    pub hash_info: AlgInfo,
    pub alignmask: u16,
    pub _pad0: u16,
    pub flags: u32,
}

/// `struct cphash_op`: the same in both layouts. The destination comes first.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct CphashOp {
    pub dst_ses: u32,
    pub src_ses: u32,
}

/// Number of `crparam` slots in `crypt_kop`.
pub const CRK_MAXPARAM: usize = 8;

/// The 64-bit (LP64) layouts.
pub mod lp64 {
    use super::CRK_MAXPARAM;

    /// `struct session_op`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
    pub struct SessionOp {
        pub cipher: u32,
        pub mac: u32,
        pub keylen: u32,
        pub _pad0: u32,
        pub key: u64,
        pub mackeylen: u32,
        pub _pad1: u32,
        pub mackey: u64,
        pub ses: u32,
        pub _pad2: u32,
    }

    /// `struct crypt_op`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
    pub struct CryptOp {
        pub ses: u32,
        pub op: u16,
        pub flags: u16,
        pub len: u32,
        pub _pad0: u32,
        pub src: u64,
        pub dst: u64,
        pub mac: u64,
        pub iv: u64,
    }

    /// `struct crypt_auth_op`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
    pub struct CryptAuthOp {
        pub ses: u32,
        pub op: u16,
        pub flags: u16,
        pub len: u32,
        pub auth_len: u32,
        pub auth_src: u64,
        pub src: u64,
        pub dst: u64,
        pub tag: u64,
        pub tag_len: u32,
        pub _pad0: u32,
        pub iv: u64,
        pub iv_len: u32,
        pub _pad1: u32,
    }

    /// `struct crparam`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
    pub struct CrParam {
        pub crp_p: u64,
        pub crp_nbits: u32,
        pub _pad0: u32,
    }

    /// `struct crypt_kop`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
    pub struct CryptKop {
        pub crk_op: u32,
        pub crk_status: u32,
        pub crk_iparams: u16,
        pub crk_oparams: u16,
        pub crk_pad1: u32,
        pub crk_param: [CrParam; CRK_MAXPARAM],
    }
}

/// The 32-bit (ILP32) layouts: i386 callers, and x32 callers, on a 64-bit kernel.
pub mod ilp32 {
    use super::CRK_MAXPARAM;

    /// `struct session_op`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
    pub struct SessionOp {
        pub cipher: u32,
        pub mac: u32,
        pub keylen: u32,
        pub key: u32,
        pub mackeylen: u32,
        pub mackey: u32,
        pub ses: u32,
    }

    /// `struct crypt_op`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
    pub struct CryptOp {
        pub ses: u32,
        pub op: u16,
        pub flags: u16,
        pub len: u32,
        pub src: u32,
        pub dst: u32,
        pub mac: u32,
        pub iv: u32,
    }

    /// `struct crypt_auth_op`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
    pub struct CryptAuthOp {
        pub ses: u32,
        pub op: u16,
        pub flags: u16,
        pub len: u32,
        pub auth_len: u32,
        pub auth_src: u32,
        pub src: u32,
        pub dst: u32,
        pub tag: u32,
        pub tag_len: u32,
        pub iv: u32,
        pub iv_len: u32,
    }

    /// `struct crparam`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
    pub struct CrParam {
        pub crp_p: u32,
        pub crp_nbits: u32,
    }

    /// `struct crypt_kop`.
    #[repr(C)]
    #[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
    pub struct CryptKop {
        pub crk_op: u32,
        pub crk_status: u32,
        pub crk_iparams: u16,
        pub crk_oparams: u16,
        pub crk_pad1: u32,
        pub crk_param: [CrParam; CRK_MAXPARAM],
    }
}

/// Asserts a struct's size and every field's offset at compile time.
macro_rules! assert_layout {
    ($ty:ty, size $size:expr, align $align:expr, { $($field:ident @ $off:expr),* $(,)? }) => {
        const _: () = assert!(size_of::<$ty>() == $size);
        const _: () = assert!(core::mem::align_of::<$ty>() <= $align);
        $(const _: () = assert!(offset_of!($ty, $field) == $off);)*
    };
}

assert_layout!(AlgInfo, size 128, align 1, { cra_name @ 0, cra_driver_name @ 64 });
assert_layout!(SessionInfoOp, size 268, align 4, {
    ses @ 0, cipher_info @ 4, hash_info @ 132, alignmask @ 260, flags @ 264,
});
assert_layout!(CphashOp, size 8, align 4, { dst_ses @ 0, src_ses @ 4 });

assert_layout!(lp64::SessionOp, size 48, align 8, {
    cipher @ 0, mac @ 4, keylen @ 8, key @ 16, mackeylen @ 24, mackey @ 32, ses @ 40,
});
assert_layout!(lp64::CryptOp, size 48, align 8, {
    ses @ 0, op @ 4, flags @ 6, len @ 8, src @ 16, dst @ 24, mac @ 32, iv @ 40,
});
assert_layout!(lp64::CryptAuthOp, size 72, align 8, {
    ses @ 0, op @ 4, flags @ 6, len @ 8, auth_len @ 12, auth_src @ 16, src @ 24, dst @ 32,
    tag @ 40, tag_len @ 48, iv @ 56, iv_len @ 64,
});
assert_layout!(lp64::CrParam, size 16, align 8, { crp_p @ 0, crp_nbits @ 8 });
assert_layout!(lp64::CryptKop, size 144, align 8, {
    crk_op @ 0, crk_status @ 4, crk_iparams @ 8, crk_oparams @ 10, crk_pad1 @ 12, crk_param @ 16,
});

assert_layout!(ilp32::SessionOp, size 28, align 4, {
    cipher @ 0, mac @ 4, keylen @ 8, key @ 12, mackeylen @ 16, mackey @ 20, ses @ 24,
});
assert_layout!(ilp32::CryptOp, size 28, align 4, {
    ses @ 0, op @ 4, flags @ 6, len @ 8, src @ 12, dst @ 16, mac @ 20, iv @ 24,
});
assert_layout!(ilp32::CryptAuthOp, size 44, align 4, {
    ses @ 0, op @ 4, flags @ 6, len @ 8, auth_len @ 12, auth_src @ 16, src @ 20, dst @ 24,
    tag @ 28, tag_len @ 32, iv @ 36, iv_len @ 40,
});
assert_layout!(ilp32::CrParam, size 8, align 4, { crp_p @ 0, crp_nbits @ 4 });
assert_layout!(ilp32::CryptKop, size 80, align 4, {
    crk_op @ 0, crk_status @ 4, crk_iparams @ 8, crk_oparams @ 10, crk_pad1 @ 12, crk_param @ 16,
});
