//! The transport: the only code that knows the FUSE/CUSE wire format, `/dev/cuse` and
//! `/dev/fuse`.
//!
//! Two ways to put a [`Device`] where clients open it:
//! - [`cuse`]: a character device `/dev/NAME` through the kernel's CUSE (the CUSE_INIT
//!   handshake);
//! - [`mount`]: regular files in a FUSE mount, a small fixed tree of devices (the mount and
//!   the FUSE_INIT handshake, the directory operations).
//!
//! Either way [`server`] runs the worker threads that read requests and hand them to the
//! devices; each request that expects an answer gets exactly one.
//!
//! CUSE's handshake chooses how ioctls arrive, for the whole connection (a FUSE mount's files
//! always get restricted ones):
//! - **restricted**: the kernel copies the `_IOC_SIZE`-byte argument struct into the request
//!   (if `_IOC_WRITE`) and the reply's output back to it (if `_IOC_READ`); one round, no RETRY.
//! - **unrestricted**: the request carries only `cmd` and `arg`, and the device answers in
//!   rounds: [`IoctlReply::Retry`] names the caller memory the kernel should copy in (and
//!   reserve for copying out) before asking again.

use cryptodev_abi::Layout;
use nix::errno::Errno;

pub mod channel;
pub mod cuse;
pub mod lane;
pub mod mount;
pub mod request;
pub mod server;
pub mod wire;

pub use channel::Channel;
pub use server::{serve, Served, Shutdown};

/// Who issued a request, as the kernel reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The calling thread's id in the daemon's pid namespace; 0 when not visible there.
    pub pid: u32,
    pub uid: u32,
    pub gid: u32,
}

/// A span of the caller's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Region {
    pub addr: u64,
    pub len: usize,
}

/// One round of an ioctl.
#[derive(Debug)]
pub struct IoctlCall<'a> {
    /// The open file's handle, as returned by [`Device::open`].
    pub fh: u64,
    /// The caller's struct layout (32-bit callers arrive through the compat path).
    pub layout: Layout,
    pub cmd: u32,
    pub arg: u64,
    /// Restricted: the argument struct (empty unless `_IOC_WRITE`). Unrestricted: the caller
    /// memory requested in the previous round's in-regions, concatenated; empty in the first
    /// round.
    pub input: &'a [u8],
    /// Restricted: the bytes copied back to the argument (0 unless `_IOC_READ`).
    /// Unrestricted: bytes reserved by the previous round's out-regions; 0 in the first round.
    pub out_size: usize,
    /// Whether the connection runs restricted ioctls (see the module documentation): the
    /// device must answer in this one round, never with [`IoctlReply::Retry`].
    pub restricted: bool,
}

impl IoctlCall<'_> {
    /// Whether this is the first round of an unrestricted ioctl (nothing was requested yet).
    pub fn is_first_round(&self) -> bool {
        self.input.is_empty() && self.out_size == 0
    }
}

/// How a device answers one ioctl round.
#[derive(Debug)]
pub enum IoctlReply {
    /// The ioctl returns `result`; `output` is scattered over the previous round's
    /// out-regions in order, or copied to the argument struct of a restricted ioctl (it may
    /// be shorter than they are).
    Done { result: i32, output: Vec<u8> },
    /// Ask the kernel to copy `inputs` from the caller and call again; `outputs` are where the
    /// final reply's output goes.
    Retry {
        inputs: Vec<Region>,
        outputs: Vec<Region>,
    },
    /// The ioctl fails with this errno.
    Error(Errno),
    /// The answer takes long to compute: the transport computes it on its lane for lengthy
    /// work and answers from there, so that the workers reading requests stay free for
    /// short ones.
    Later(Deferred),
}

/// Work that computes an ioctl's answer, queued behind the other lengthy work of its owner.
pub struct Deferred {
    /// Whose work it is: the lane takes the owners' queues in turn, so one owner's pile of
    /// work does not hold up another's.
    pub owner: u32,
    pub work: Box<dyn FnOnce() -> IoctlReply + Send>,
}

impl std::fmt::Debug for Deferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deferred")
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

/// A device: a character device served over CUSE, or a file of a FUSE mount.
pub trait Device: Send + Sync {
    /// A new open file; the returned handle comes back with every request on it.
    fn open(&self, caller: &Caller, flags: u32) -> Result<u64, Errno>;

    /// `read(2)`: at most `size` bytes; an empty answer is the end of the data. The default
    /// answers EINVAL, as the kernel's cryptodev does for a device that is only ioctls.
    fn read(&self, fh: u64, size: usize) -> Result<Vec<u8>, Errno> {
        let _ = (fh, size);
        Err(Errno::EINVAL)
    }

    /// `write(2)`: returns how many bytes of `data` were taken. Default: EINVAL.
    fn write(&self, fh: u64, data: &[u8]) -> Result<usize, Errno> {
        let _ = (fh, data);
        Err(Errno::EINVAL)
    }

    /// The last reference to the open file went away.
    fn release(&self, fh: u64);

    /// One round of an ioctl.
    fn ioctl(&self, caller: &Caller, call: &IoctlCall<'_>) -> IoctlReply;

    /// Current readiness (`POLL*` bits) of the open file; `kh` identifies the waiters to wake
    /// with [`Channel::notify_poll_wakeup`] when `schedule_notify` is set.
    fn poll(&self, fh: u64, kh: u64, events: u32, schedule_notify: bool) -> Result<u32, Errno>;
}

/// Whether the kernel will accept a RETRY reply naming these regions: at most
/// [`wire::FUSE_IOCTL_MAX_IOV`] regions, [`wire::CUSE_MAX_IOCTL_BYTES`] per direction, and for
/// 32-bit callers every region below 4 GiB.
pub fn retry_fits(layout: Layout, inputs: &[Region], outputs: &[Region]) -> Result<(), String> {
    use wire::{CUSE_MAX_IOCTL_BYTES, FUSE_IOCTL_MAX_IOV};
    if inputs.len() + outputs.len() > FUSE_IOCTL_MAX_IOV {
        return Err(format!(
            "{} iovecs, the kernel takes at most {FUSE_IOCTL_MAX_IOV}",
            inputs.len() + outputs.len()
        ));
    }
    for (direction, regions) in [("in", inputs), ("out", outputs)] {
        let total: usize = regions.iter().map(|r| r.len).sum();
        if total > CUSE_MAX_IOCTL_BYTES {
            return Err(format!(
                "{total} bytes {direction}, over the {CUSE_MAX_IOCTL_BYTES}-byte CUSE limit"
            ));
        }
    }
    if layout == Layout::Ilp32 {
        let fits = |r: &Region| {
            r.addr
                .checked_add(r.len as u64)
                .is_some_and(|end| end <= u64::from(u32::MAX) + 1)
        };
        if !inputs.iter().chain(outputs).all(fits) {
            return Err("a region of a 32-bit caller lies beyond 4 GiB".into());
        }
    }
    Ok(())
}
