//! The FUSE/CUSE wire format as the kernel's `include/uapi/linux/fuse.h` defines it (the parts
//! a CUSE server meets), little-endian, native alignment.

use core::mem::{offset_of, size_of};

/// `FUSE_KERNEL_VERSION`.
pub const FUSE_KERNEL_VERSION: u32 = 7;
/// Lowest minor we accept: below 16 RETRY replies carry the server's native `struct iovec`.
pub const MIN_KERNEL_MINOR: u32 = 16;
/// The protocol minor this implementation speaks (Linux 6.1 speaks 37).
pub const OUR_KERNEL_MINOR: u32 = 38;

pub const FUSE_OPEN: u32 = 14;
pub const FUSE_READ: u32 = 15;
pub const FUSE_WRITE: u32 = 16;
pub const FUSE_RELEASE: u32 = 18;
pub const FUSE_INTERRUPT: u32 = 36;
pub const FUSE_IOCTL: u32 = 39;
pub const FUSE_POLL: u32 = 40;
pub const CUSE_INIT: u32 = 4096;

/// Offered by the kernel in CUSE_INIT; echoed to get pointer-following ioctls.
pub const CUSE_UNRESTRICTED_IOCTL: u32 = 1 << 0;

pub const FUSE_IOCTL_COMPAT: u32 = 1 << 0;
pub const FUSE_IOCTL_UNRESTRICTED: u32 = 1 << 1;
pub const FUSE_IOCTL_RETRY: u32 = 1 << 2;
pub const FUSE_IOCTL_32BIT: u32 = 1 << 3;
pub const FUSE_IOCTL_DIR: u32 = 1 << 4;
pub const FUSE_IOCTL_COMPAT_X32: u32 = 1 << 5;

/// Most iovecs (in and out together) one RETRY reply may name.
pub const FUSE_IOCTL_MAX_IOV: usize = 256;

/// CUSE connections are fixed at `FUSE_DEFAULT_MAX_PAGES_PER_REQ` (32) pages, so one ioctl
/// round moves at most this many bytes in each direction.
pub const CUSE_MAX_IOCTL_BYTES: usize = 32 * 4096;

pub const FUSE_POLL_SCHEDULE_NOTIFY: u32 = 1 << 0;
/// `fuse_notify_code` of a poll wake-up, sent in `fuse_out_header.error`.
pub const FUSE_NOTIFY_POLL: i32 = 1;

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseInHeader {
    pub len: u32,
    pub opcode: u32,
    pub unique: u64,
    pub nodeid: u64,
    pub uid: u32,
    pub gid: u32,
    pub pid: u32,
    pub total_extlen: u16,
    pub padding: u16,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseOutHeader {
    pub len: u32,
    pub error: i32,
    pub unique: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct CuseInitIn {
    pub major: u32,
    pub minor: u32,
    pub unused: u32,
    pub flags: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct CuseInitOut {
    pub major: u32,
    pub minor: u32,
    pub unused: u32,
    pub flags: u32,
    pub max_read: u32,
    pub max_write: u32,
    pub dev_major: u32,
    pub dev_minor: u32,
    pub spare: [u32; 10],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseOpenIn {
    pub flags: u32,
    pub open_flags: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseOpenOut {
    pub fh: u64,
    pub open_flags: u32,
    pub padding: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseReleaseIn {
    pub fh: u64,
    pub flags: u32,
    pub release_flags: u32,
    pub lock_owner: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseIoctlIn {
    pub fh: u64,
    pub flags: u32,
    pub cmd: u32,
    pub arg: u64,
    pub in_size: u32,
    pub out_size: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseIoctlOut {
    pub result: i32,
    pub flags: u32,
    pub in_iovs: u32,
    pub out_iovs: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseIoctlIovec {
    pub base: u64,
    pub len: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FusePollIn {
    pub fh: u64,
    pub kh: u64,
    pub flags: u32,
    pub events: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FusePollOut {
    pub revents: u32,
    pub padding: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseNotifyPollWakeupOut {
    pub kh: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseInterruptIn {
    pub unique: u64,
}

const _: () = {
    assert!(size_of::<FuseInHeader>() == 40);
    assert!(offset_of!(FuseInHeader, pid) == 32);
    assert!(size_of::<FuseOutHeader>() == 16);
    assert!(size_of::<CuseInitIn>() == 16);
    assert!(size_of::<CuseInitOut>() == 72);
    assert!(offset_of!(CuseInitOut, dev_minor) == 28);
    assert!(size_of::<FuseOpenIn>() == 8);
    assert!(size_of::<FuseOpenOut>() == 16);
    assert!(size_of::<FuseReleaseIn>() == 24);
    assert!(size_of::<FuseIoctlIn>() == 32);
    assert!(offset_of!(FuseIoctlIn, arg) == 16);
    assert!(offset_of!(FuseIoctlIn, out_size) == 28);
    assert!(size_of::<FuseIoctlOut>() == 16);
    assert!(size_of::<FuseIoctlIovec>() == 16);
    assert!(size_of::<FusePollIn>() == 24);
    assert!(size_of::<FusePollOut>() == 8);
    assert!(size_of::<FuseNotifyPollWakeupOut>() == 8);
    assert!(size_of::<FuseInterruptIn>() == 8);
};
