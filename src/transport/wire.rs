//! The FUSE/CUSE wire format as the kernel's `include/uapi/linux/fuse.h` defines it (the parts
//! a CUSE server and a server of a small read-only tree of files meet), little-endian, native
//! alignment.

use core::mem::{offset_of, size_of};

/// `FUSE_KERNEL_VERSION`.
pub const FUSE_KERNEL_VERSION: u32 = 7;
/// Lowest minor we accept: below 16 RETRY replies carry the server's native `struct iovec`.
pub const MIN_KERNEL_MINOR: u32 = 16;
/// The protocol minor this implementation speaks (Linux 6.1 speaks 37).
pub const OUR_KERNEL_MINOR: u32 = 38;

pub const FUSE_LOOKUP: u32 = 1;
pub const FUSE_FORGET: u32 = 2;
pub const FUSE_GETATTR: u32 = 3;
pub const FUSE_SETATTR: u32 = 4;
pub const FUSE_SYMLINK: u32 = 6;
pub const FUSE_MKNOD: u32 = 8;
pub const FUSE_MKDIR: u32 = 9;
pub const FUSE_UNLINK: u32 = 10;
pub const FUSE_RMDIR: u32 = 11;
pub const FUSE_RENAME: u32 = 12;
pub const FUSE_LINK: u32 = 13;
pub const FUSE_OPEN: u32 = 14;
pub const FUSE_READ: u32 = 15;
pub const FUSE_WRITE: u32 = 16;
pub const FUSE_STATFS: u32 = 17;
pub const FUSE_RELEASE: u32 = 18;
pub const FUSE_SETXATTR: u32 = 21;
pub const FUSE_REMOVEXATTR: u32 = 24;
pub const FUSE_FLUSH: u32 = 25;
pub const FUSE_INIT: u32 = 26;
pub const FUSE_OPENDIR: u32 = 27;
pub const FUSE_READDIR: u32 = 28;
pub const FUSE_RELEASEDIR: u32 = 29;
pub const FUSE_CREATE: u32 = 35;
pub const FUSE_INTERRUPT: u32 = 36;
pub const FUSE_IOCTL: u32 = 39;
pub const FUSE_POLL: u32 = 40;
pub const FUSE_BATCH_FORGET: u32 = 42;
pub const FUSE_DESTROY: u32 = 38;
pub const FUSE_RENAME2: u32 = 45;
pub const FUSE_TMPFILE: u32 = 51;
pub const CUSE_INIT: u32 = 4096;

/// The node id of a FUSE mount's root directory.
pub const FUSE_ROOT_ID: u64 = 1;

/// FUSE_INIT flags: `open(O_TRUNC)` arrives as an open flag instead of a SETATTR of size 0;
/// writes larger than a page arrive whole; `max_pages` in the reply is honoured.
pub const FUSE_ATOMIC_O_TRUNC: u32 = 1 << 3;
pub const FUSE_BIG_WRITES: u32 = 1 << 5;
pub const FUSE_MAX_PAGES: u32 = 1 << 22;

/// `fuse_open_out.open_flags`: reads and writes bypass the page cache and reach the server
/// with the caller's sizes; the file has no position the caller can seek.
pub const FOPEN_DIRECT_IO: u32 = 1 << 0;
pub const FOPEN_NONSEEKABLE: u32 = 1 << 2;

/// `fuse_setattr_in.valid` bits.
pub const FATTR_MODE: u32 = 1 << 0;
pub const FATTR_UID: u32 = 1 << 1;
pub const FATTR_GID: u32 = 1 << 2;
pub const FATTR_SIZE: u32 = 1 << 3;
pub const FATTR_ATIME: u32 = 1 << 4;
pub const FATTR_MTIME: u32 = 1 << 5;
pub const FATTR_FH: u32 = 1 << 6;
pub const FATTR_ATIME_NOW: u32 = 1 << 7;
pub const FATTR_MTIME_NOW: u32 = 1 << 8;
pub const FATTR_LOCKOWNER: u32 = 1 << 9;
pub const FATTR_CTIME: u32 = 1 << 10;

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

/// The most data one READ or WRITE of a mount carries, and one restricted ioctl at most
/// 16 KiB: both fit the request buffer that CUSE's ioctl rounds size.
pub const MOUNT_MAX_IO_BYTES: usize = CUSE_MAX_IOCTL_BYTES;

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

/// The FUSE_INIT request body up to `flags`: what every protocol minor sends (7.36 appends
/// `flags2` and reserved words, which a tree of plain files does not need).
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseInitIn {
    pub major: u32,
    pub minor: u32,
    pub max_readahead: u32,
    pub flags: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseInitOut {
    pub major: u32,
    pub minor: u32,
    pub max_readahead: u32,
    pub flags: u32,
    pub max_background: u16,
    pub congestion_threshold: u16,
    pub max_write: u32,
    pub time_gran: u32,
    pub max_pages: u16,
    pub map_alignment: u16,
    pub flags2: u32,
    pub unused: [u32; 7],
}

#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseAttr {
    pub ino: u64,
    pub size: u64,
    pub blocks: u64,
    pub atime: u64,
    pub mtime: u64,
    pub ctime: u64,
    pub atimensec: u32,
    pub mtimensec: u32,
    pub ctimensec: u32,
    pub mode: u32,
    pub nlink: u32,
    pub uid: u32,
    pub gid: u32,
    pub rdev: u32,
    pub blksize: u32,
    pub flags: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseEntryOut {
    pub nodeid: u64,
    pub generation: u64,
    pub entry_valid: u64,
    pub attr_valid: u64,
    pub entry_valid_nsec: u32,
    pub attr_valid_nsec: u32,
    pub attr: FuseAttr,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseAttrOut {
    pub attr_valid: u64,
    pub attr_valid_nsec: u32,
    pub dummy: u32,
    pub attr: FuseAttr,
}

/// `fuse_setattr_in`: `valid` says which of the other fields the caller changes.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseSetattrIn {
    pub valid: u32,
    pub padding: u32,
    pub fh: u64,
    pub size: u64,
    pub lock_owner: u64,
    pub atime: u64,
    pub mtime: u64,
    pub ctime: u64,
    pub atimensec: u32,
    pub mtimensec: u32,
    pub ctimensec: u32,
    pub mode: u32,
    pub unused4: u32,
    pub uid: u32,
    pub gid: u32,
    pub unused5: u32,
}

/// `fuse_read_in`; also the body of READDIR.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseReadIn {
    pub fh: u64,
    pub offset: u64,
    pub size: u32,
    pub read_flags: u32,
    pub lock_owner: u64,
    pub flags: u32,
    pub padding: u32,
}

/// `fuse_write_in`, followed by the data.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseWriteIn {
    pub fh: u64,
    pub offset: u64,
    pub size: u32,
    pub write_flags: u32,
    pub lock_owner: u64,
    pub flags: u32,
    pub padding: u32,
}

#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseWriteOut {
    pub size: u32,
    pub padding: u32,
}

/// `fuse_kstatfs`, the body of a STATFS reply.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseStatfsOut {
    pub blocks: u64,
    pub bfree: u64,
    pub bavail: u64,
    pub files: u64,
    pub ffree: u64,
    pub bsize: u32,
    pub namelen: u32,
    pub frsize: u32,
    pub padding: u32,
    pub spare: [u32; 6],
}

/// The fixed part of one READDIR entry; the name follows, the whole padded to 8 bytes.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseDirent {
    pub ino: u64,
    /// The offset the next READDIR starts from to continue after this entry.
    pub off: u64,
    pub namelen: u32,
    pub kind: u32,
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
    assert!(size_of::<FuseInitIn>() == 16);
    assert!(size_of::<FuseInitOut>() == 64);
    assert!(offset_of!(FuseInitOut, max_write) == 20);
    assert!(offset_of!(FuseInitOut, max_pages) == 28);
    assert!(size_of::<FuseAttr>() == 88);
    assert!(offset_of!(FuseAttr, mode) == 60);
    assert!(size_of::<FuseEntryOut>() == 128);
    assert!(size_of::<FuseAttrOut>() == 104);
    assert!(size_of::<FuseSetattrIn>() == 88);
    assert!(offset_of!(FuseSetattrIn, mode) == 68);
    assert!(offset_of!(FuseSetattrIn, uid) == 76);
    assert!(size_of::<FuseReadIn>() == 40);
    assert!(size_of::<FuseWriteIn>() == 40);
    assert!(size_of::<FuseWriteOut>() == 8);
    assert!(size_of::<FuseStatfsOut>() == 80);
    assert!(size_of::<FuseDirent>() == 24);
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
