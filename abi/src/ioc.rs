//! The Linux `_IOC` request-code encoding (asm-generic, used by x86 and most architectures).

const NRBITS: u32 = 8;
const TYPEBITS: u32 = 8;
const SIZEBITS: u32 = 14;
const NRSHIFT: u32 = 0;
const TYPESHIFT: u32 = NRSHIFT + NRBITS;
const SIZESHIFT: u32 = TYPESHIFT + TYPEBITS;
const DIRSHIFT: u32 = SIZESHIFT + SIZEBITS;

/// Data flows from the caller to the driver.
pub const IOC_WRITE: u32 = 1;
/// Data flows from the driver to the caller.
pub const IOC_READ: u32 = 2;

/// Encodes a request code. Fails to compile when `size` does not fit the 14-bit size field.
pub const fn ioc(dir: u32, ty: u8, nr: u8, size: usize) -> u32 {
    assert!(size < (1 << SIZEBITS), "ioctl argument too large for _IOC");
    #[allow(clippy::cast_possible_truncation)] // bounded by the assert above
    let size = size as u32;
    (dir << DIRSHIFT) | (size << SIZESHIFT) | ((ty as u32) << TYPESHIFT) | ((nr as u32) << NRSHIFT)
}

/// `_IOW(ty, nr, T)` with `size_of::<T>() == size`.
pub const fn iow(ty: u8, nr: u8, size: usize) -> u32 {
    ioc(IOC_WRITE, ty, nr, size)
}

/// `_IOR(ty, nr, T)` with `size_of::<T>() == size`.
pub const fn ior(ty: u8, nr: u8, size: usize) -> u32 {
    ioc(IOC_READ, ty, nr, size)
}

/// `_IOWR(ty, nr, T)` with `size_of::<T>() == size`.
pub const fn iowr(ty: u8, nr: u8, size: usize) -> u32 {
    ioc(IOC_READ | IOC_WRITE, ty, nr, size)
}

/// The size field of a request code.
pub const fn ioc_size(cmd: u32) -> usize {
    ((cmd >> SIZESHIFT) & ((1 << SIZEBITS) - 1)) as usize
}
