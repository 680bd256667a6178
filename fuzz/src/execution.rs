//! One input run against a fresh device through the real transport (`dispatch` over a socket
//! pair, the fake kernel on the other end), and the invariants checked on the way.
//!
//! What counts as a crash:
//! - a panic anywhere (the transport and the job threads catch them, see [`crate::panics`]);
//! - a request that expects a reply getting none, two, or one with another `unique`; a
//!   request that expects none (INTERRUPT, requests whose length is not their header's)
//!   getting one;
//! - a reply whose `len` is not its size, whose error is not 0 or a negated errno, or that
//!   carries a payload with an error;
//! - an answer the transport's contract rules out: a non-ioctl request answered other than
//!   its opcode demands, a RETRY reply to a restricted ioctl or naming more than the kernel
//!   takes, an ioctl output larger than the space reserved for it, a positive ioctl result,
//!   an errno docs/ABI.md §14 does not list (EIO included: it means a handler panicked or
//!   broke its plan), EPERM over RETRY rounds or E2BIG with direct access;
//! - an outcome the model of the file states for certain (EBADF exactly on closed files,
//!   EINVAL for unknown codes and CRIOGET, CIOCASYMFEAT's mask, lookups of sessions that
//!   exist or not, a session id handed out twice);
//! - an accepted asynchronous job that never completes;
//! - after the input: the device no longer creating an AES-CBC session and encrypting the
//!   target's known answer, an open file left after every file was released, a reply or a
//!   poll notification nobody asked for.

use std::collections::BTreeSet;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::sync::Arc;

use bytemuck::bytes_of;
use cryptodev_abi::consts::CopFlags;
use cryptodev_abi::ioc::ioc_size;
use cryptodev_abi::wire::{CphashOp, SessionInfoOp};
use cryptodev_abi::{
    Algorithm, ArgStruct, AuthCryptParams, BigNumParam, CryptParams, Ioctl, KeyOp, KeyParams,
    Layout, SessionParams,
};
use cryptodev_cuse::device::CryptoDevice;
use cryptodev_cuse::memory::MAX_OPERATION_BYTES;
use cryptodev_cuse::transport::wire::{
    FuseInHeader, FuseInterruptIn, FuseIoctlIn, FuseIoctlOut, FuseOpenIn, FuseOpenOut,
    FuseOutHeader, FusePollIn, FusePollOut, FuseReleaseIn, FuseWriteIn, CUSE_INIT,
    CUSE_MAX_IOCTL_BYTES, FUSE_INIT, FUSE_INTERRUPT, FUSE_IOCTL, FUSE_IOCTL_32BIT,
    FUSE_IOCTL_COMPAT, FUSE_IOCTL_MAX_IOV, FUSE_IOCTL_RETRY, FUSE_IOCTL_UNRESTRICTED,
    FUSE_NOTIFY_POLL, FUSE_OPEN, FUSE_POLL, FUSE_POLL_SCHEDULE_NOTIFY, FUSE_READ, FUSE_READDIR,
    FUSE_RELEASE, FUSE_SETATTR, FUSE_WRITE,
};
use cryptodev_cuse::transport::Channel;
use nix::errno::Errno;
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::socket::{recv, MsgFlags};

use crate::fake_kernel::{request_bytes, socket_pair, AddressSpace, FakeKernel, IoctlOutcome};
use crate::input::{
    Access, Args, AuthArgs, Body, Call, Code, CryptArgs, Fh, Input, LenField, Op, Pid, Ptr, Raw,
    RawInput, Ses, MAX_BUFFERS, MAX_FILES, MISSING_PID,
};
use crate::{Tally, Target, NO_REPLY, RETRY_ROUND};

/// Bytes of this process's memory set aside per buffer for direct access.
const SLOT_BYTES: usize = 192 * 1024;
/// Farthest into its slot a direct-access pointer points.
const SLOT_OFFSET_MAX: u32 = 4096;
/// Direct access keeps data lengths up to this, or beyond the daemon's operation limit (which
/// it refuses before touching memory); lengths between are cut down. With the offset limit
/// above, whatever the daemon writes stays inside the slot: at most this much data plus a tag,
/// a digest, TLS padding or an IV, or a CIOCKEY output of at most 1 KiB. What it reads stays
/// inside [`SLOT_REACH`].
const DIRECT_LEN_MAX: u32 = 64 * 1024;
/// The part of a slot direct access can reach: an offset, a data length, and a little.
const SLOT_REACH: usize = (SLOT_OFFSET_MAX + DIRECT_LEN_MAX) as usize + 4096;
const _: () = assert!(SLOT_REACH <= SLOT_BYTES && crate::input::MAX_BUFFER_BYTES <= SLOT_BYTES);

/// Direct-access addresses that can never be mapped: the zero page (`mmap_min_addr` is at
/// least 4096) and the kernel's half of the address space.
const ZERO_PAGE: u64 = 4096;
const KERNEL_HALF: u64 = 0xffff_8000_0000_0000;

/// Where the fake callers' memory starts; a 32-bit caller's stays below 4 GiB.
const LP64_BASE: u64 = 0x7f00_0000_0000;
const ILP32_BASE: u64 = 0x0804_8000;

/// How long an accepted asynchronous job may take before the run counts it as lost.
const JOB_TIMEOUT_MS: u16 = 10_000;

/// This process's memory that direct-access calls point into: one slot per input buffer,
/// allocated once per run and never moved.
#[derive(Debug)]
pub struct Arena {
    bytes: Vec<u8>,
}

impl Default for Arena {
    fn default() -> Arena {
        Arena {
            bytes: vec![0; MAX_BUFFERS * SLOT_BYTES],
        }
    }
}

impl Arena {
    fn slot(&self, index: usize) -> u64 {
        self.bytes.as_ptr() as u64 + (index * SLOT_BYTES) as u64
    }

    /// Each buffer into its slot, zeros after it: nothing an earlier execution left may be
    /// read, or an execution would not replay alone as it ran.
    fn load(&mut self, buffers: &[Vec<u8>]) {
        for (slot, buffer) in self.bytes.chunks_mut(SLOT_BYTES).zip(buffers) {
            let len = buffer.len().min(SLOT_BYTES);
            slot[..len].copy_from_slice(&buffer[..len]);
            if len < SLOT_REACH {
                slot[len..SLOT_REACH].fill(0);
            }
        }
    }
}

/// Errnos an ioctl may fail with (docs/ABI.md §14, EIO aside).
const IOCTL_ERRNOS: [Errno; 11] = [
    Errno::EPERM,
    Errno::ENOENT,
    Errno::E2BIG,
    Errno::EBADF,
    Errno::ENOMEM,
    Errno::EFAULT,
    Errno::EBUSY,
    Errno::EINVAL,
    Errno::EDEADLK,
    Errno::EBADMSG,
    Errno::EOVERFLOW,
];

fn errno_allowed(errno: i32) -> bool {
    IOCTL_ERRNOS.iter().any(|&e| e as i32 == errno)
}

fn name(errno: i32) -> String {
    format!("{:?}", Errno::from_raw(errno))
}

/// How an operation ended for the caller: its return value, or its errno.
pub type Outcome = Result<i32, i32>;

fn describe(outcome: Outcome) -> String {
    match outcome {
        Ok(value) => format!("returned {value}"),
        Err(errno) => format!("failed with {}", name(errno)),
    }
}

/// What the transport must answer to a request, decided from its bytes alone.
#[derive(Debug)]
enum Expect {
    /// Nothing: dropped as unparseable, or an INTERRUPT.
    Nothing,
    /// Exactly this error (a negated errno in the header), no payload.
    Error(Errno),
    Open,
    Release(u64),
    Poll,
    Ioctl(FuseIoctlIn),
}

/// What came back, once checked against [`Expect`].
#[derive(Debug)]
enum Answer {
    None,
    /// The error [`Expect::Error`] demanded.
    Error(i32),
    Opened(u64),
    Released,
    Polled,
    /// The ioctl failed with this errno in the reply header.
    IoctlError(i32),
    IoctlDone {
        result: i32,
        output: Vec<u8>,
    },
    IoctlRetry,
}

impl Answer {
    fn tally_key(&self) -> i32 {
        match self {
            Answer::None => NO_REPLY,
            Answer::IoctlRetry => RETRY_ROUND,
            Answer::IoctlError(errno) => *errno,
            Answer::IoctlDone { result, .. } => -*result,
            Answer::Error(errno) => *errno,
            Answer::Opened(_) | Answer::Released | Answer::Polled => 0,
        }
    }
}

fn pod<T: bytemuck::Pod>(bytes: &[u8]) -> Option<T> {
    bytes
        .get(..size_of::<T>())
        .map(bytemuck::pod_read_unaligned)
}

fn layout_of(flags: u32) -> Layout {
    if flags & FUSE_IOCTL_32BIT != 0 {
        Layout::Ilp32
    } else {
        Layout::Lp64
    }
}

fn other(layout: Layout) -> Layout {
    match layout {
        Layout::Lp64 => Layout::Ilp32,
        Layout::Ilp32 => Layout::Lp64,
    }
}

/// The parser's contract, restated independently of `transport::request`: a request shorter than
/// its header or whose header's `len` is not its size is dropped; INTERRUPT expects no reply;
/// a body too short for its opcode is EIO; CUSE_INIT after the handshake is EPROTO; read and
/// write are EINVAL; opcodes CUSE does not use (a FUSE mount's among them) are ENOSYS.
fn expectation(bytes: &[u8], open: &BTreeSet<u64>) -> Expect {
    let Some(header) = pod::<FuseInHeader>(bytes) else {
        return Expect::Nothing;
    };
    if header.len as usize != bytes.len() {
        return Expect::Nothing;
    }
    let body = &bytes[size_of::<FuseInHeader>()..];
    let needs = |len: usize, then: Expect| {
        if body.len() >= len {
            then
        } else {
            Expect::Error(Errno::EIO)
        }
    };
    match header.opcode {
        FUSE_INTERRUPT => needs(size_of::<FuseInterruptIn>(), Expect::Nothing),
        CUSE_INIT => needs(16, Expect::Error(Errno::EPROTO)),
        FUSE_OPEN => needs(size_of::<FuseOpenIn>(), Expect::Open),
        FUSE_RELEASE => match pod::<FuseReleaseIn>(body) {
            Some(release) => Expect::Release(release.fh),
            None => Expect::Error(Errno::EIO),
        },
        // The whole fuse_read_in; the whole fuse_write_in and as much data as it says.
        FUSE_READ => needs(40, Expect::Error(Errno::EINVAL)),
        FUSE_WRITE => match pod::<FuseWriteIn>(body) {
            Some(write) if body.len() - 40 >= write.size as usize => Expect::Error(Errno::EINVAL),
            _ => Expect::Error(Errno::EIO),
        },
        // A FUSE mount's requests with bodies: too short is EIO, else ENOSYS on a CUSE device.
        FUSE_INIT => needs(16, Expect::Error(Errno::ENOSYS)),
        FUSE_SETATTR => needs(88, Expect::Error(Errno::ENOSYS)),
        FUSE_READDIR => needs(40, Expect::Error(Errno::ENOSYS)),
        FUSE_POLL => match pod::<FusePollIn>(body) {
            Some(poll) if open.contains(&poll.fh) => Expect::Poll,
            Some(_) => Expect::Error(Errno::EBADF),
            None => Expect::Error(Errno::EIO),
        },
        FUSE_IOCTL => match pod::<FuseIoctlIn>(body) {
            Some(ioctl) if body.len() - size_of::<FuseIoctlIn>() == ioctl.in_size as usize => {
                if open.contains(&ioctl.fh) {
                    Expect::Ioctl(ioctl)
                } else {
                    Expect::Error(Errno::EBADF)
                }
            }
            _ => Expect::Error(Errno::EIO),
        },
        _ => Expect::Error(Errno::ENOSYS),
    }
}

/// A deviation the fuzzer found and reported, tolerated (and counted) unless the run is
/// strict, so that runs keep looking for others until it is fixed; see
/// `tests/regressions.rs`.
pub const KNOWN_ESRCH: &str = "direct access for a caller that does not exist, by an operation \
    that reads nothing from it: the operation runs, then writing its results fails with ESRCH \
    (not EPERM)";

/// The reply to an ioctl round, checked against what the kernel would accept. `known`
/// collects the known deviations met.
fn check_ioctl(
    ioctl: &FuseIoctlIn,
    pid: u32,
    error: i32,
    payload: &[u8],
    known_issues: &mut Vec<&'static str>,
) -> Result<Answer, String> {
    let layout = layout_of(ioctl.flags);
    let restricted = ioctl.flags & FUSE_IOCTL_UNRESTRICTED == 0;
    let known = Ioctl::from_code(ioctl.cmd, layout);
    // EIO answers a malformed request from the kernel: a restricted one that reserves less
    // than the struct it returns, or a 32-bit caller's first round whose struct lies beyond
    // 4 GiB (a compat ioctl's argument never does).
    let first_round = ioctl.in_size == 0 && ioctl.out_size == 0;
    let eio_allowed = known.is_some_and(|k| {
        let size = k.arg_size(layout);
        (restricted && (ioctl.out_size as usize) < size)
            || (!restricted
                && first_round
                && layout == Layout::Ilp32
                && k.reads_arg()
                && ioctl.arg.saturating_add(size as u64) > 1 << 32)
    });
    let unreachable = restricted && pid != 0 && pid != std::process::id();
    let mut check_errno = |errno: i32| {
        if known.is_none() && errno != Errno::EINVAL as i32 {
            return Err(format!(
                "unknown request code {:#010x} answered {}, not EINVAL",
                ioctl.cmd,
                name(errno)
            ));
        }
        if errno == Errno::ESRCH as i32 && unreachable {
            known_issues.push(KNOWN_ESRCH);
            return Ok(());
        }
        if errno_allowed(errno) || (errno == Errno::EIO as i32 && eio_allowed) {
            Ok(())
        } else {
            Err(format!(
                "ioctl {:#010x} ({}) failed with {}, which the ABI does not list",
                ioctl.cmd,
                known.map_or("unknown", Ioctl::name),
                name(errno)
            ))
        }
    };
    if error != 0 {
        check_errno(-error)?;
        return Ok(Answer::IoctlError(-error));
    }
    let out: FuseIoctlOut = pod(payload).ok_or("ioctl reply without fuse_ioctl_out")?;
    let rest = &payload[size_of::<FuseIoctlOut>()..];
    if out.flags & FUSE_IOCTL_RETRY != 0 {
        if restricted {
            return Err("RETRY reply to a restricted ioctl".into());
        }
        let count = out.in_iovs as usize + out.out_iovs as usize;
        if count > FUSE_IOCTL_MAX_IOV || rest.len() != count * 16 || out.result != 0 {
            return Err(format!(
                "malformed RETRY reply: {} + {} iovecs, {} bytes, result {}",
                out.in_iovs,
                out.out_iovs,
                rest.len(),
                out.result
            ));
        }
        let iovecs: Vec<(u64, u64)> = rest
            .chunks_exact(16)
            .map(|c| {
                let base = u64::from_le_bytes(c[..8].try_into().unwrap_or_default());
                let len = u64::from_le_bytes(c[8..].try_into().unwrap_or_default());
                (base, len)
            })
            .collect();
        let (inputs, outputs) = iovecs.split_at(out.in_iovs as usize);
        for (direction, regions) in [("in", inputs), ("out", outputs)] {
            let total: u64 = regions.iter().map(|r| r.1).sum();
            if total > CUSE_MAX_IOCTL_BYTES as u64 {
                return Err(format!("RETRY asks for {total} bytes {direction}"));
            }
        }
        if layout == Layout::Ilp32
            && iovecs
                .iter()
                .any(|&(base, len)| base.checked_add(len).is_none_or(|end| end > 1 << 32))
        {
            return Err("RETRY names memory beyond 4 GiB for a 32-bit caller".into());
        }
        return Ok(Answer::IoctlRetry);
    }
    if out.flags != 0 || out.in_iovs != 0 || out.out_iovs != 0 {
        return Err(format!("final ioctl reply with flags/iovecs set: {out:?}"));
    }
    if rest.len() > ioctl.out_size as usize {
        return Err(format!(
            "ioctl output of {} bytes, {} reserved",
            rest.len(),
            ioctl.out_size
        ));
    }
    if out.result > 0 {
        return Err(format!("ioctl returned {}", out.result));
    }
    if out.result < 0 {
        check_errno(-out.result)?;
    } else if known.is_none() {
        return Err(format!(
            "unknown request code {:#010x} succeeded",
            ioctl.cmd
        ));
    }
    Ok(Answer::IoctlDone {
        result: out.result,
        output: rest.to_vec(),
    })
}

/// What the model knows of one file the operations opened.
#[derive(Debug)]
struct File {
    fh: u64,
    /// Session ids in creation order, freed ones included.
    sessions: Vec<u32>,
    live: BTreeSet<u32>,
    /// Whether `live` is certain (raw requests may create sessions unseen).
    exact: bool,
    /// Whether the job queue may hold a job whose pointers are not this process's safe
    /// direct-access addresses (a job submitted over RETRY rounds or by a raw request):
    /// fetching it with direct access would have the daemon write wherever they point.
    foreign_jobs: bool,
}

impl File {
    fn new(fh: u64) -> File {
        File {
            fh,
            sessions: Vec::new(),
            live: BTreeSet::new(),
            exact: true,
            foreign_jobs: false,
        }
    }
}

/// A fake caller's memory, with the input's buffers mapped once it is first used.
struct Space {
    memory: AddressSpace,
    buffers: Option<Vec<u64>>,
}

/// One execution in progress.
pub struct Execution<'a> {
    target: &'a Target,
    input: &'a Input,
    arena: &'a mut Arena,
    arena_loaded: bool,
    tally: &'a mut Tally,
    device: Arc<CryptoDevice>,
    kernel: FakeKernel,
    /// The kernel's end of the channel the device sends poll notifications on.
    notifications: OwnedFd,
    spaces: [Space; 2],
    files: Vec<File>,
    raw_files: Vec<u64>,
    open: BTreeSet<u64>,
    opened: Vec<u64>,
    unique: u64,
    /// Whether known deviations count as crashes.
    strict: bool,
}

/// Session id used when a slot names no session: any id no live session has.
const ABSENT_ID: u32 = 0x5e55_1000;

impl<'a> Execution<'a> {
    pub fn new(
        target: &'a Target,
        input: &'a Input,
        arena: &'a mut Arena,
        tally: &'a mut Tally,
        strict: bool,
    ) -> Execution<'a> {
        let device = Arc::new(
            // Announcing, so that CIOCASYMFEAT's mask is checked as the operator's opt-in sets it.
            CryptoDevice::new(Arc::clone(&target.backend), 1)
                .expect("cannot start a job thread")
                .with_asym_announced(),
        );
        let (notifications, daemon_end) = socket_pair();
        device.attach_channel(Arc::new(Channel::from_fd(daemon_end)));
        let kernel = FakeKernel::new(device.clone());
        Execution {
            target,
            input,
            arena,
            arena_loaded: false,
            tally,
            device,
            kernel,
            notifications,
            spaces: [LP64_BASE, ILP32_BASE].map(|base| Space {
                memory: AddressSpace::new(base),
                buffers: None,
            }),
            files: Vec::new(),
            raw_files: Vec::new(),
            open: BTreeSet::new(),
            opened: Vec::new(),
            // Odd: the fake kernel's own requests use even ones.
            unique: 1,
            strict,
        }
    }

    /// Runs the input and the final checks; how each operation ended.
    pub fn run(mut self) -> Result<Vec<Outcome>, String> {
        let fh = self.open_file()?;
        self.files.push(File::new(fh));
        let mut outcomes = Vec::with_capacity(self.input.ops.len());
        for (index, op) in self.input.ops.iter().enumerate() {
            let outcome = self
                .op(op)
                .map_err(|e| format!("operation {index} ({op:?}): {e}"))?;
            outcomes.push(outcome);
        }
        self.finish()?;
        Ok(outcomes)
    }

    fn op(&mut self, op: &Op) -> Result<Outcome, String> {
        match op {
            Op::Open => {
                if self.files.len() < MAX_FILES {
                    let fh = self.open_file()?;
                    self.files.push(File::new(fh));
                }
                Ok(Ok(0))
            }
            Op::Release { file } => {
                let fh = self.files[usize::from(*file) % self.files.len()].fh;
                self.release(fh).map(|()| Ok(0))
            }
            Op::Call(call) => self.call(call),
            Op::Raw(raw) => self.raw(raw),
        }
    }

    /// A known deviation met: a crash in strict runs, counted otherwise.
    fn known_issue(&mut self, issue: &'static str) -> Result<(), String> {
        if self.strict {
            return Err(format!("known issue: {issue}"));
        }
        *self.tally.known.entry(issue).or_default() += 1;
        Ok(())
    }

    fn next_unique(&mut self) -> u64 {
        self.unique += 2;
        self.unique
    }

    /// Sends one request and checks the answer against [`expectation`].
    fn exchange(&mut self, bytes: &[u8]) -> Result<Answer, String> {
        let expect = expectation(bytes, &self.open);
        self.tally.requests += 1;
        let Some(header) =
            pod::<FuseInHeader>(bytes).filter(|_| !matches!(expect, Expect::Nothing))
        else {
            // The fake kernel checks that nothing came back.
            self.kernel.send_without_reply(bytes);
            return Ok(Answer::None);
        };
        let reply = self.kernel.exchange(bytes);
        let out: FuseOutHeader = pod(&reply).ok_or("reply shorter than its header")?;
        if out.len as usize != reply.len() {
            return Err(format!(
                "reply of {} bytes says it has {}",
                reply.len(),
                out.len
            ));
        }
        if out.unique != header.unique {
            return Err(format!(
                "reply to request {} carries unique {} (a lost or extra reply)",
                header.unique, out.unique
            ));
        }
        let payload = &reply[size_of::<FuseOutHeader>()..];
        if out.error != 0 {
            if !(-4095..=-1).contains(&out.error) {
                return Err(format!("reply error {} is not a negated errno", out.error));
            }
            if !payload.is_empty() {
                return Err("error reply with a payload".into());
            }
        }
        let wrong = |what: &str| {
            Err(format!(
                "opcode {} answered error {} with {} bytes: expected {what}",
                header.opcode,
                out.error,
                payload.len()
            ))
        };
        match expect {
            Expect::Nothing => unreachable!("handled above"),
            Expect::Error(errno) => {
                if out.error != -(errno as i32) {
                    return wrong(&name(errno as i32));
                }
                Ok(Answer::Error(errno as i32))
            }
            // The per-user limit on open files (not reached by one input, but allowed).
            Expect::Open if out.error == -(Errno::ENFILE as i32) && payload.is_empty() => {
                Ok(Answer::Error(Errno::ENFILE as i32))
            }
            Expect::Open => {
                let Some(opened) = pod::<FuseOpenOut>(payload)
                    .filter(|_| out.error == 0 && payload.len() == size_of::<FuseOpenOut>())
                else {
                    return wrong("fuse_open_out");
                };
                if !self.open.insert(opened.fh) {
                    return Err(format!("OPEN handed out the open handle {}", opened.fh));
                }
                self.opened.push(opened.fh);
                self.register_poll(opened.fh)?;
                Ok(Answer::Opened(opened.fh))
            }
            Expect::Release(fh) => {
                if out.error != 0 || !payload.is_empty() {
                    return wrong("an empty success");
                }
                self.open.remove(&fh);
                Ok(Answer::Released)
            }
            Expect::Poll => {
                let readiness = u32::try_from(
                    libc::POLLIN | libc::POLLRDNORM | libc::POLLOUT | libc::POLLWRNORM,
                )
                .unwrap_or(0);
                match pod::<FusePollOut>(payload) {
                    Some(polled)
                        if out.error == 0
                            && payload.len() == size_of::<FusePollOut>()
                            && polled.revents & !readiness == 0 =>
                    {
                        Ok(Answer::Polled)
                    }
                    _ => wrong("fuse_poll_out with POLLIN/POLLOUT bits only"),
                }
            }
            Expect::Ioctl(ioctl) => {
                let mut known = Vec::new();
                let answer = check_ioctl(&ioctl, header.pid, out.error, payload, &mut known)?;
                for issue in known {
                    self.known_issue(issue)?;
                }
                Ok(answer)
            }
        }
    }

    /// Lets the file's finished asynchronous jobs announce themselves on the notification
    /// channel, so that each accepted job can be waited for and runs stay deterministic.
    fn register_poll(&mut self, fh: u64) -> Result<(), String> {
        let poll_in = FusePollIn {
            fh,
            kh: fh,
            flags: FUSE_POLL_SCHEDULE_NOTIFY,
            events: 0,
        };
        let unique = self.next_unique();
        let bytes = request_bytes(FUSE_POLL, unique, 0, &[bytes_of(&poll_in)]);
        match self.exchange(&bytes)? {
            Answer::Polled => Ok(()),
            other => Err(format!("POLL of a new file: {other:?}")),
        }
    }

    fn open_file(&mut self) -> Result<u64, String> {
        let open_in = FuseOpenIn {
            flags: 2,
            open_flags: 0,
        };
        let unique = self.next_unique();
        let bytes = request_bytes(FUSE_OPEN, unique, 0, &[bytes_of(&open_in)]);
        match self.exchange(&bytes)? {
            Answer::Opened(fh) => Ok(fh),
            other => Err(format!("OPEN: {other:?}")),
        }
    }

    fn release(&mut self, fh: u64) -> Result<(), String> {
        let release = FuseReleaseIn {
            fh,
            flags: 0,
            release_flags: 0,
            lock_owner: 0,
        };
        let unique = self.next_unique();
        let bytes = request_bytes(FUSE_RELEASE, unique, 0, &[bytes_of(&release)]);
        match self.exchange(&bytes)? {
            Answer::Released => Ok(()),
            other => Err(format!("RELEASE: {other:?}")),
        }
    }

    /// Waits for the poll notification of one finished job.
    fn wait_for_job(&mut self) -> Result<(), String> {
        let mut fds = [PollFd::new(self.notifications.as_fd(), PollFlags::POLLIN)];
        let ready = poll(&mut fds, PollTimeout::from(JOB_TIMEOUT_MS)).map_err(|e| e.to_string())?;
        if ready == 0 {
            return Err(format!(
                "an accepted asynchronous job did not finish within {JOB_TIMEOUT_MS} ms"
            ));
        }
        let mut buf = [0u8; 64];
        let len = recv(
            self.notifications.as_raw_fd(),
            &mut buf,
            MsgFlags::MSG_DONTWAIT,
        )
        .map_err(|e| e.to_string())?;
        let header: Option<FuseOutHeader> = pod(&buf[..len]);
        match header {
            Some(h) if len == 24 && h.len == 24 && h.error == FUSE_NOTIFY_POLL && h.unique == 0 => {
                Ok(())
            }
            _ => Err(format!("malformed poll notification: {:?}", &buf[..len])),
        }
    }

    fn space(&mut self, layout: Layout) -> &mut Space {
        let space = &mut self.spaces[usize::from(layout == Layout::Ilp32)];
        if space.buffers.is_none() {
            let addrs = self
                .input
                .buffers
                .iter()
                .map(|b| space.memory.map(b))
                .collect();
            space.buffers = Some(addrs);
        }
        space
    }

    /// The address a pointer field holds. Direct access points only into the arena (with
    /// room for anything the daemon may write there) or at memory that cannot be mapped;
    /// 32-bit callers, whose pointers cannot reach the arena, only at the zero page.
    fn address(&mut self, ptr: Ptr, access: Access, layout: Layout) -> u64 {
        let buffers = self.input.buffers.len();
        match (ptr, access, layout) {
            (Ptr::Null, _, _) => 0,
            (Ptr::Buf { index, offset }, Access::Retry { .. }, _) => {
                let space = self.space(layout);
                let base = space
                    .buffers
                    .as_ref()
                    .and_then(|b| b.get(usize::from(index) % buffers.max(1)).copied())
                    .unwrap_or(0x10);
                base.wrapping_add(u64::from(offset))
            }
            (Ptr::Wild(addr), Access::Retry { .. }, _) => addr,
            (Ptr::Buf { index, offset }, Access::Direct(_), Layout::Lp64) if buffers > 0 => {
                if !self.arena_loaded {
                    self.arena.load(&self.input.buffers);
                    self.arena_loaded = true;
                }
                self.arena.slot(usize::from(index) % buffers)
                    + u64::from(offset.min(SLOT_OFFSET_MAX))
            }
            (Ptr::Wild(addr), Access::Direct(_), Layout::Lp64) => {
                if addr < ZERO_PAGE {
                    addr
                } else {
                    addr | KERNEL_HALF
                }
            }
            (Ptr::Buf { index, offset }, Access::Direct(_), _) => {
                0x100 + (u64::from(index) * 0x180 + u64::from(offset)) % 0xe00
            }
            (Ptr::Wild(addr), Access::Direct(_), _) => addr % ZERO_PAGE,
        }
    }

    fn data_len(len: u32, access: Access) -> u32 {
        let limit = u32::try_from(MAX_OPERATION_BYTES).unwrap_or(u32::MAX);
        match access {
            Access::Direct(_) if len > DIRECT_LEN_MAX && len <= limit => len % DIRECT_LEN_MAX,
            _ => len,
        }
    }

    fn session_id(&self, file: usize, ses: Ses) -> u32 {
        let file = &self.files[file];
        let absent = |mut id: u32| {
            while file.live.contains(&id) {
                id = id.wrapping_add(1);
            }
            id
        };
        match ses {
            Ses::Slot(slot) if file.sessions.is_empty() => absent(ABSENT_ID + u32::from(slot)),
            Ses::Slot(slot) => file.sessions[usize::from(slot) % file.sessions.len()],
            Ses::Wild(id) => absent(id),
        }
    }

    /// The argument struct of `args` for `layout`, over `size` bytes of `fill`.
    fn encode(
        &mut self,
        args: &Args,
        layout: Layout,
        access: Access,
        file: usize,
        fill: u8,
        size: usize,
    ) -> Vec<u8> {
        let mut bytes = vec![fill; size];
        let encoded = match *args {
            Args::CrioGet | Args::AsyncFetch | Args::AsymFeatures | Args::Unknown(_) => Ok(()),
            Args::GetSession(s) => SessionParams {
                cipher: s.cipher,
                mac: s.mac,
                keylen: s.keylen,
                key: self.address(s.key, access, layout),
                mackeylen: s.mackeylen,
                mackey: self.address(s.mackey, access, layout),
                ses: s.ses,
            }
            .encode_into(layout, &mut bytes),
            Args::FreeSession(ses) => self.session_id(file, ses).encode_into(layout, &mut bytes),
            Args::SessionInfo(ses) => {
                let mut info: SessionInfoOp =
                    pod(&bytes).unwrap_or_else(bytemuck::Zeroable::zeroed);
                info.ses = self.session_id(file, ses);
                info.encode_into(layout, &mut bytes)
            }
            Args::Crypt(c) | Args::AsyncCrypt(c) => self
                .crypt_params(&c, layout, access, file)
                .encode_into(layout, &mut bytes),
            Args::AuthCrypt(a) => self
                .auth_params(&a, layout, access, file)
                .encode_into(layout, &mut bytes),
            Args::CopyHash { dst, src } => CphashOp {
                dst_ses: self.session_id(file, dst),
                src_ses: self.session_id(file, src),
            }
            .encode_into(layout, &mut bytes),
            Args::Key(k) => {
                let mut params = [BigNumParam::default(); 8];
                for (param, &(ptr, nbits)) in params.iter_mut().zip(&k.params) {
                    *param = BigNumParam {
                        p: self.address(ptr, access, layout),
                        nbits,
                    };
                }
                KeyParams {
                    crk_op: k.op,
                    crk_status: k.status,
                    crk_iparams: k.iparams,
                    crk_oparams: k.oparams,
                    crk_pad1: k.pad,
                    params,
                }
                .encode_into(layout, &mut bytes)
            }
        };
        // `size` is at least the struct's size, so encoding cannot fail.
        debug_assert!(encoded.is_ok());
        bytes
    }

    fn crypt_params(
        &mut self,
        c: &CryptArgs,
        layout: Layout,
        access: Access,
        file: usize,
    ) -> CryptParams {
        CryptParams {
            ses: self.session_id(file, c.ses),
            op: c.op,
            flags: CopFlags(c.flags),
            len: Self::data_len(c.len, access),
            src: self.address(c.src, access, layout),
            dst: self.address(c.dst, access, layout),
            mac: self.address(c.mac, access, layout),
            iv: self.address(c.iv, access, layout),
        }
    }

    fn auth_params(
        &mut self,
        a: &AuthArgs,
        layout: Layout,
        access: Access,
        file: usize,
    ) -> AuthCryptParams {
        AuthCryptParams {
            ses: self.session_id(file, a.ses),
            op: a.op,
            flags: CopFlags(a.flags),
            len: Self::data_len(a.len, access),
            auth_len: Self::data_len(a.auth_len, access),
            auth_src: self.address(a.auth_src, access, layout),
            src: self.address(a.src, access, layout),
            dst: self.address(a.dst, access, layout),
            tag: self.address(a.tag, access, layout),
            tag_len: a.tag_len,
            iv: self.address(a.iv, access, layout),
            iv_len: a.iv_len,
        }
    }

    /// The outcome the model is sure of, before the call.
    fn expected(
        &self,
        call: &Call,
        file: usize,
        known: Option<Ioctl>,
        ids: &Ids,
    ) -> Option<Outcome> {
        let f = &self.files[file];
        if !self.open.contains(&f.fh) {
            return Some(Err(Errno::EBADF as i32));
        }
        let Some(known) = known else {
            return Some(Err(Errno::EINVAL as i32));
        };
        if Some(known) != call.args.ioctl() {
            return None;
        }
        let einval = Some(Err(Errno::EINVAL as i32));
        let live = |id: u32| f.live.contains(&id);
        match call.args {
            Args::CrioGet => einval,
            Args::AsymFeatures | Args::FreeSession(_) => Some(Ok(0)),
            Args::SessionInfo(_) if f.exact => {
                if live(ids.first) {
                    Some(Ok(0))
                } else {
                    einval
                }
            }
            Args::Crypt(_) | Args::AsyncCrypt(_) | Args::AuthCrypt(_)
                if f.exact && !live(ids.first) =>
            {
                einval
            }
            Args::CopyHash { .. } if f.exact => {
                if !live(ids.first) || !live(ids.second) {
                    Some(Err(Errno::ENOENT as i32))
                } else if ids.first == ids.second {
                    Some(Err(Errno::EDEADLK as i32))
                } else {
                    None
                }
            }
            Args::GetSession(s) if s.cipher == 0 && s.mac == 0 => einval,
            Args::Key(k) => match KeyOp::try_from(k.op) {
                Ok(op) if op.param_counts() == (k.iparams, k.oparams) => None,
                _ => einval,
            },
            _ => None,
        }
    }

    fn call(&mut self, call: &Call) -> Result<Outcome, String> {
        let file = usize::from(call.file) % self.files.len();
        let fh = self.files[file].fh;
        let layout = call.layout;
        let cmd = match (call.args.ioctl(), call.code, call.args) {
            (Some(ioctl), Code::Right, _) => ioctl.code(layout),
            (Some(ioctl), Code::OtherLayout, _) => ioctl.code(other(layout)),
            (None, _, Args::Unknown(cmd)) => cmd,
            (None, _, _) => 0,
        };
        let known = Ioctl::from_code(cmd, layout);
        let struct_size = call.args.ioctl().map_or(0, |i| i.arg_size(layout));
        let size = ioc_size(cmd).max(struct_size);
        let mut arg = self.encode(&call.args, layout, call.access, file, call.fill, size);
        let ids = Ids::of(&call.args, |ses| self.session_id(file, ses));
        let expected = self.expected(call, file, known, &ids);
        let (outcome, written) = match call.access {
            Access::Retry { pid } => {
                let space = usize::from(layout == Layout::Ilp32);
                self.space(layout);
                let addr = self.spaces[space].memory.map(&arg);
                let outcome = self.kernel.ioctl(
                    &mut self.spaces[space].memory,
                    fh,
                    pid,
                    layout == Layout::Ilp32,
                    cmd,
                    addr,
                );
                self.tally.requests += self.kernel.last_rounds as u64;
                let outcome = match outcome {
                    IoctlOutcome::Returned(value) => Ok(value),
                    IoctlOutcome::Failed(errno) => Err(errno),
                };
                let written = self.spaces[space]
                    .memory
                    .read(addr, arg.len())
                    .unwrap_or_default();
                (outcome, written)
            }
            Access::Direct(pid) => {
                // This process's memory only behind a struct built for the ioctl its code
                // names (so its pointers are safe ones), and for a fetch, whose results go
                // where the job's own pointers say, only while every job the queue may hold
                // was submitted with direct access.
                let own = known.is_some()
                    && known == call.args.ioctl()
                    && !(known == Some(Ioctl::AsyncFetch) && self.files[file].foreign_jobs);
                let pid = match pid {
                    Pid::Own if own => std::process::id(),
                    Pid::Own | Pid::Zero => 0,
                    Pid::Missing => MISSING_PID,
                };
                let outcome = self.direct(fh, pid, layout, cmd, &mut arg)?;
                (outcome, arg)
            }
        };
        *self
            .tally
            .outcomes
            .entry(outcome.err().unwrap_or(0))
            .or_default() += 1;
        self.check_outcome(call, known, expected, outcome)?;
        self.learn(call, file, known, outcome, &written, &ids)?;
        Ok(outcome)
    }

    fn check_outcome(
        &self,
        call: &Call,
        known: Option<Ioctl>,
        expected: Option<Outcome>,
        outcome: Outcome,
    ) -> Result<(), String> {
        match outcome {
            Ok(0) => {}
            Ok(value) => return Err(format!("the ioctl returned {value}")),
            // Reported by `check_ioctl` already.
            Err(errno)
                if errno == Errno::ESRCH as i32 && call.access == Access::Direct(Pid::Missing) => {}
            Err(errno) if !errno_allowed(errno) => {
                return Err(format!(
                    "the ioctl failed with {}, which the ABI does not list",
                    name(errno)
                ))
            }
            Err(errno) => {
                let retry = matches!(call.access, Access::Retry { .. });
                if retry && errno == Errno::EPERM as i32 {
                    return Err(
                        "EPERM over RETRY rounds, which never reach caller memory directly".into(),
                    );
                }
                if !retry && errno == Errno::E2BIG as i32 {
                    return Err("E2BIG with direct access, which has no round limit".into());
                }
                if expected.is_none() && errno == Errno::EBADF as i32 {
                    return Err("EBADF on an open file".into());
                }
            }
        }
        match expected {
            Some(expected) if expected != outcome => Err(format!(
                "{} {}, expected it to have {}",
                known.map_or("the ioctl", Ioctl::name),
                describe(outcome),
                describe(expected)
            )),
            _ => Ok(()),
        }
    }

    /// Updates the model after a call.
    fn learn(
        &mut self,
        call: &Call,
        file: usize,
        known: Option<Ioctl>,
        outcome: Outcome,
        written: &[u8],
        ids: &Ids,
    ) -> Result<(), String> {
        if known != call.args.ioctl() {
            return Ok(());
        }
        let f = &mut self.files[file];
        match (call.args, outcome) {
            (Args::GetSession(_), Ok(_)) => {
                let ses = SessionParams::decode(call.layout, written)
                    .map_err(|e| format!("session struct not written back: {e}"))?
                    .ses;
                if !f.live.insert(ses) && f.exact {
                    return Err(format!("session id {ses:#x} handed out while in use"));
                }
                f.sessions.push(ses);
            }
            (Args::FreeSession(_), Ok(_)) => {
                f.live.remove(&ids.first);
            }
            (Args::AsyncCrypt(_), Ok(_)) => {
                if matches!(call.access, Access::Retry { .. }) {
                    f.foreign_jobs = true;
                }
                self.wait_for_job()?;
            }
            (Args::AsyncFetch, Err(errno)) if errno == Errno::EBUSY as i32 => {
                // Every accepted job has finished (each was waited for), so EBUSY means the
                // queue is empty.
                f.foreign_jobs = false;
            }
            (Args::AsymFeatures, Ok(_)) => {
                let mask = written
                    .get(..4)
                    .map(|w| u32::from_le_bytes(w.try_into().unwrap_or_default()));
                if mask != Some(0x0f) {
                    return Err(format!("CIOCASYMFEAT wrote {mask:?}, not 0x0f"));
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// One restricted ioctl, as the kernel makes it: `_IOC_SIZE` bytes of the struct in the
    /// request if `_IOC_WRITE`, the reply's output copied back if `_IOC_READ`.
    fn direct(
        &mut self,
        fh: u64,
        pid: u32,
        layout: Layout,
        cmd: u32,
        arg: &mut Vec<u8>,
    ) -> Result<Outcome, String> {
        let size = ioc_size(cmd);
        if arg.len() < size {
            arg.resize(size, 0);
        }
        let input = if cmd >> 30 & 1 != 0 {
            arg[..size].to_vec()
        } else {
            Vec::new()
        };
        let ioctl_in = FuseIoctlIn {
            fh,
            flags: match layout {
                Layout::Lp64 => 0,
                Layout::Ilp32 => FUSE_IOCTL_COMPAT | FUSE_IOCTL_32BIT,
            },
            cmd,
            arg: arg.as_ptr() as u64,
            in_size: u32::try_from(input.len()).unwrap_or(u32::MAX),
            out_size: if cmd >> 30 & 2 != 0 {
                u32::try_from(size).unwrap_or(u32::MAX)
            } else {
                0
            },
        };
        let unique = self.next_unique();
        let bytes = request_bytes(FUSE_IOCTL, unique, pid, &[bytes_of(&ioctl_in), &input]);
        match self.exchange(&bytes)? {
            Answer::IoctlDone { result, output } => {
                arg[..output.len()].copy_from_slice(&output);
                Ok(if result < 0 { Err(-result) } else { Ok(result) })
            }
            Answer::IoctlError(errno) => Ok(Err(errno)),
            Answer::Error(errno) => Ok(Err(errno)),
            other => Err(format!("restricted ioctl answered {other:?}")),
        }
    }

    fn fh(&self, fh: Fh) -> u64 {
        match fh {
            Fh::File(k) => self.files[usize::from(k) % self.files.len()].fh,
            Fh::Raw(k) if !self.raw_files.is_empty() => {
                self.raw_files[usize::from(k) % self.raw_files.len()]
            }
            Fh::Raw(k) => 0xf0_0000 + u64::from(k),
            Fh::Wild(fh) => fh,
        }
    }

    fn raw_body(&mut self, raw: &Raw) -> Vec<u8> {
        let mut body = match &raw.body {
            Body::Bytes(bytes) => bytes.clone(),
            Body::Open { flags } => bytes_of(&FuseOpenIn {
                flags: *flags,
                open_flags: 0,
            })
            .to_vec(),
            Body::Release { fh } => bytes_of(&FuseReleaseIn {
                fh: self.fh(*fh),
                flags: 0,
                release_flags: 0,
                lock_owner: 0,
            })
            .to_vec(),
            Body::Poll {
                fh,
                kh,
                flags,
                events,
            } => bytes_of(&FusePollIn {
                fh: self.fh(*fh),
                kh: *kh,
                flags: *flags,
                events: *events,
            })
            .to_vec(),
            Body::Interrupt { unique } => bytes_of(&FuseInterruptIn { unique: *unique }).to_vec(),
            Body::Read { fh, size } => {
                let mut body = vec![0u8; 40];
                body[..8].copy_from_slice(&self.fh(*fh).to_le_bytes());
                body[16..20].copy_from_slice(&size.to_le_bytes());
                body
            }
            Body::Write { fh, data } => {
                let mut body = vec![0u8; 40];
                body[..8].copy_from_slice(&self.fh(*fh).to_le_bytes());
                body[16..20].copy_from_slice(&u32::try_from(data.len()).unwrap_or(0).to_le_bytes());
                body.extend_from_slice(data);
                body
            }
            Body::Ioctl {
                fh,
                flags,
                cmd,
                arg,
                in_size,
                out_size,
                input,
            } => {
                let fh = self.fh(*fh);
                let input = match input {
                    RawInput::Bytes(bytes) => bytes.clone(),
                    RawInput::Arg {
                        layout,
                        args,
                        fill,
                        flips,
                        resize,
                    } => {
                        let file = self.files.iter().position(|f| f.fh == fh).unwrap_or(0);
                        let size = args.ioctl().map_or(0, |i| i.arg_size(*layout));
                        let mut bytes =
                            self.encode(args, *layout, Access::Retry { pid: 0 }, file, *fill, size);
                        for &(offset, xor) in flips {
                            if !bytes.is_empty() {
                                let at = usize::from(offset) % bytes.len();
                                bytes[at] ^= xor;
                            }
                        }
                        if let Some(len) = resize {
                            bytes.resize(usize::from(*len), *fill);
                        }
                        bytes
                    }
                };
                let ioctl_in = FuseIoctlIn {
                    fh,
                    flags: *flags,
                    cmd: *cmd,
                    arg: *arg,
                    in_size: in_size.unwrap_or(u32::try_from(input.len()).unwrap_or(u32::MAX)),
                    out_size: *out_size,
                };
                let mut body = bytes_of(&ioctl_in).to_vec();
                body.extend_from_slice(&input);
                body
            }
        };
        if let Some(cut) = raw.cut {
            body.truncate(usize::from(cut));
        }
        body.resize(body.len() + usize::from(raw.extend), 0);
        body
    }

    fn raw(&mut self, raw: &Raw) -> Result<Outcome, String> {
        debug_assert!(raw.pid == 0 || raw.pid >= MISSING_PID);
        let body = self.raw_body(raw);
        let len = match raw.len {
            LenField::Exact => {
                u32::try_from(size_of::<FuseInHeader>() + body.len()).unwrap_or(u32::MAX)
            }
            LenField::Value(len) => len,
        };
        let header = FuseInHeader {
            len,
            opcode: raw.opcode,
            unique: raw.unique,
            nodeid: raw.nodeid,
            uid: raw.uid,
            gid: raw.uid,
            // Never a real process (see `Raw::pid`), whatever the input says.
            pid: if raw.pid == 0 || raw.pid >= MISSING_PID {
                raw.pid
            } else {
                0
            },
            total_extlen: 0,
            padding: 0,
        };
        let mut bytes = bytes_of(&header).to_vec();
        bytes.extend_from_slice(&body);
        let expect_ioctl = match expectation(&bytes, &self.open) {
            Expect::Ioctl(ioctl) => Some(ioctl),
            _ => None,
        };
        let answer = self.exchange(&bytes)?;
        *self.tally.outcomes.entry(answer.tally_key()).or_default() += 1;
        if let Answer::Opened(fh) = answer {
            self.raw_files.push(fh);
        }
        if let Some(ioctl) = expect_ioctl {
            let input = &bytes[size_of::<FuseInHeader>() + size_of::<FuseIoctlIn>()..];
            self.learn_raw(&ioctl, input, &answer)?;
        }
        Ok(match answer.tally_key() {
            errno if errno > 0 => Err(errno),
            _ => Ok(0),
        })
    }

    /// Updates the model after a raw ioctl on an open file.
    fn learn_raw(
        &mut self,
        ioctl: &FuseIoctlIn,
        input: &[u8],
        answer: &Answer,
    ) -> Result<(), String> {
        let layout = layout_of(ioctl.flags);
        let known = Ioctl::from_code(ioctl.cmd, layout);
        let async_code = [Layout::Lp64, Layout::Ilp32]
            .iter()
            .any(|&l| Ioctl::AsyncCrypt.code(l) == ioctl.cmd);
        let file = self.files.iter_mut().find(|f| f.fh == ioctl.fh);
        let succeeded = matches!(answer, Answer::IoctlDone { result: 0, .. });
        if let Some(file) = file {
            if async_code {
                file.foreign_jobs = true;
            }
            match (known, answer) {
                (Some(Ioctl::FreeSession), Answer::IoctlDone { result: 0, .. }) => {
                    if let Some(id) = pod::<u32>(input) {
                        file.live.remove(&id);
                    }
                }
                (Some(Ioctl::GetSession), Answer::IoctlDone { result: 0, output }) => {
                    let size = Ioctl::GetSession.arg_size(layout);
                    let created = output
                        .len()
                        .checked_sub(size)
                        .and_then(|start| SessionParams::decode(layout, &output[start..]).ok());
                    match created {
                        Some(params) => {
                            file.live.insert(params.ses);
                            file.sessions.push(params.ses);
                        }
                        None => file.exact = false,
                    }
                }
                // The session may exist though its struct could not be returned.
                (Some(Ioctl::GetSession), Answer::IoctlError(errno))
                    if *errno == Errno::EIO as i32 =>
                {
                    file.exact = false;
                }
                _ => {}
            }
        }
        if known == Some(Ioctl::AsyncCrypt) && succeeded {
            self.wait_for_job()?;
        }
        Ok(())
    }

    /// After the input: the device still serves a known answer, every file closes, nothing
    /// unasked for is left on either channel.
    fn finish(mut self) -> Result<(), String> {
        self.sanity().map_err(|e| format!("after the input: {e}"))?;
        for fh in self.opened.clone() {
            self.release(fh)?;
        }
        let left = self.device.open_files();
        if left != 0 {
            return Err(format!(
                "{left} open files left after every file was released"
            ));
        }
        let interrupt = request_bytes(FUSE_INTERRUPT, 1, 0, &[&0u64.to_le_bytes()]);
        self.exchange(&interrupt)?;
        let mut buf = [0u8; 64];
        match recv(
            self.notifications.as_raw_fd(),
            &mut buf,
            MsgFlags::MSG_DONTWAIT,
        ) {
            Err(Errno::EAGAIN) => Ok(()),
            other => Err(format!("a poll notification nobody waited for: {other:?}")),
        }
    }

    /// A fresh file, an AES-CBC session and one encryption compared with the target's known
    /// answer: over RETRY rounds of a 64-bit caller, or with direct access to this process's
    /// memory (cheaper, so every other input).
    fn sanity(&mut self) -> Result<(), String> {
        let fh = self.open_file()?;
        let layout = Layout::Lp64;
        let direct = self.input.ops.len() % 2 == 1;
        let mut key = SANITY_KEY;
        let mut session = vec![0u8; SessionParams::wire_size(layout)];
        let src = SANITY_PLAINTEXT;
        let mut dst = [0u8; 32];
        let mut iv = SANITY_IV;
        let mut op = vec![0u8; CryptParams::wire_size(layout)];
        let memory = &mut self.spaces[0].memory;
        let (key_addr, src_addr, dst_addr, iv_addr) = if direct {
            (
                key.as_mut_ptr() as u64,
                src.as_ptr() as u64,
                dst.as_mut_ptr() as u64,
                iv.as_mut_ptr() as u64,
            )
        } else {
            (
                memory.map(&key),
                memory.map(&src),
                memory.map(&dst),
                memory.map(&iv),
            )
        };
        SessionParams {
            cipher: Algorithm::AesCbc.id(),
            keylen: 16,
            key: key_addr,
            ..SessionParams::default()
        }
        .encode_into(layout, &mut session)
        .map_err(|e| e.to_string())?;
        let ses = self.sanity_call(fh, direct, Ioctl::GetSession, &mut session)?;
        CryptParams {
            ses,
            op: 0,
            flags: CopFlags(CopFlags::WRITE_IV),
            len: 32,
            src: src_addr,
            dst: dst_addr,
            mac: 0,
            iv: iv_addr,
        }
        .encode_into(layout, &mut op)
        .map_err(|e| e.to_string())?;
        self.sanity_call(fh, direct, Ioctl::Crypt, &mut op)?;
        let (ciphertext, next_iv) = if direct {
            (
                std::hint::black_box(&dst).to_vec(),
                std::hint::black_box(&iv).to_vec(),
            )
        } else {
            let memory = &self.spaces[0].memory;
            (
                memory.read(dst_addr, 32).unwrap_or_default(),
                memory.read(iv_addr, 16).unwrap_or_default(),
            )
        };
        if ciphertext != self.target.cbc_answer || next_iv != self.target.cbc_answer[16..] {
            return Err(format!(
                "AES-CBC gave {ciphertext:02x?} (IV {next_iv:02x?}), not the known answer {:02x?}",
                self.target.cbc_answer
            ));
        }
        self.release(fh)
    }

    /// One ioctl of the sanity check, which must succeed; the session id it wrote back.
    fn sanity_call(
        &mut self,
        fh: u64,
        direct: bool,
        ioctl: Ioctl,
        arg: &mut Vec<u8>,
    ) -> Result<u32, String> {
        let layout = Layout::Lp64;
        let cmd = ioctl.code(layout);
        let outcome = if direct {
            self.direct(fh, std::process::id(), layout, cmd, arg)?
        } else {
            let memory = &mut self.spaces[0].memory;
            let addr = memory.map(arg);
            let outcome = self.kernel.ioctl(memory, fh, 0, false, cmd, addr);
            self.tally.requests += self.kernel.last_rounds as u64;
            *arg = memory.read(addr, arg.len()).unwrap_or_default();
            match outcome {
                IoctlOutcome::Returned(value) => Ok(value),
                IoctlOutcome::Failed(errno) => Err(errno),
            }
        };
        if outcome != Ok(0) {
            return Err(format!("{} of AES-CBC {}", ioctl.name(), describe(outcome)));
        }
        Ok(SessionParams::decode(layout, arg).map_or(0, |p| p.ses))
    }
}

/// The session ids a call names, resolved before it runs.
#[derive(Debug, Default)]
struct Ids {
    first: u32,
    second: u32,
}

impl Ids {
    fn of(args: &Args, mut id: impl FnMut(Ses) -> u32) -> Ids {
        match *args {
            Args::FreeSession(ses) | Args::SessionInfo(ses) => Ids {
                first: id(ses),
                second: 0,
            },
            Args::Crypt(c) | Args::AsyncCrypt(c) => Ids {
                first: id(c.ses),
                second: 0,
            },
            Args::AuthCrypt(a) => Ids {
                first: id(a.ses),
                second: 0,
            },
            Args::CopyHash { dst, src } => Ids {
                first: id(dst),
                second: id(src),
            },
            _ => Ids::default(),
        }
    }
}

/// The final check's AES-CBC inputs: NIST SP 800-38A F.2.1, its first two blocks.
pub const SANITY_KEY: [u8; 16] = [
    0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6, 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c,
];
pub const SANITY_IV: [u8; 16] = [
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
];
pub const SANITY_PLAINTEXT: [u8; 32] = [
    0x6b, 0xc1, 0xbe, 0xe2, 0x2e, 0x40, 0x9f, 0x96, 0xe9, 0x3d, 0x7e, 0x11, 0x73, 0x93, 0x17, 0x2a,
    0xae, 0x2d, 0x8a, 0x57, 0x1e, 0x03, 0xac, 0x9c, 0x9e, 0xb7, 0x6f, 0xac, 0x45, 0xaf, 0x8e, 0x51,
];
