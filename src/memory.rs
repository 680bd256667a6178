//! Caller memory: serving a handler's reads and writes of the caller's buffers.
//!
//! A handler first states, from the decoded argument struct, which caller memory it will read
//! and write (a [`Plan`]); then it runs on the bytes read and returns the bytes to write
//! ([`Completion`]). This module serves that in one of two ways, invisible to the handler,
//! chosen for the whole connection by [`Access`]:
//!
//! - **direct** (restricted CUSE ioctls): the kernel carries the argument struct in the
//!   request and copies the reply's struct back; the buffers it points to are read with one
//!   `process_vm_readv` and written with one `process_vm_writev` on the calling thread. One
//!   round trip, no size limit; needs ptrace rights over the caller (root, CAP_SYS_PTRACE)
//!   and a caller visible in our pid namespace.
//! - **RETRY rounds** of unrestricted CUSE ioctls: the struct first, then the buffers it points
//!   to. The final round decodes the struct again and must plan exactly what was requested,
//!   else EINVAL: a caller that changes the struct between rounds never gets a wrong-sized
//!   copy. Each direction of a round is limited to 128 KiB by CUSE.
//!
//! The bytes read land in a buffer each worker thread keeps from one operation to the next,
//! and handlers transform them in place ([`Output::InPlace`]): bulk data is copied once in and
//! once out, and the buffer is neither allocated nor zeroed again. It is wiped after plans
//! that read secrets ([`Plan::reads_secrets`]) and when the thread ends.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::{IoSlice, IoSliceMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use cryptodev_abi::{Ioctl, Layout, Reply, Request};
use nix::errno::Errno;
use nix::sys::uio::{process_vm_readv, process_vm_writev, RemoteIoVec};
use nix::unistd::Pid;
use zeroize::{Zeroize, Zeroizing};

use crate::limits::HeldBytes;
use crate::throttle::client_warning;
use crate::transport::wire::CUSE_MAX_IOCTL_BYTES;
pub use crate::transport::Region;
use crate::transport::{retry_fits, Caller, Deferred, IoctlCall, IoctlReply};

/// Largest buffer of one operation (its data: source, destination, associated data): bounds
/// what a client can make the daemon allocate. Beyond it the ioctl fails with ENOMEM.
pub const MAX_OPERATION_BYTES: usize = 64 << 20;

/// Operations that read or write this much are lengthy: served on the transport's lane for
/// lengthy work ([`IoctlReply::Later`]), fair between users, so that they never hold up the
/// workers that serve short requests.
pub const LENGTHY_BYTES: usize = 1 << 20;

/// What one operation may read or write on top of its largest buffer: IVs, digests, tags,
/// keys, a second buffer. An operation on exactly [`MAX_OPERATION_BYTES`] of data with an IV
/// and a digest fits.
pub const MAX_OPERATION_EXTRA_BYTES: usize = 1 << 20;

/// What an operation will read from and write to the caller, besides its argument struct.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Read before the operation runs, in this order.
    pub reads: Vec<Region>,
    /// Written after it ran, in this order; an error stops the writing where it occurs.
    pub writes: Vec<Region>,
    /// Whether the argument struct is written back (always last).
    pub writes_arg: bool,
    /// Whether the bytes read hold key material, to be wiped once the operation has run.
    pub reads_secrets: bool,
    /// Whether running it takes long whatever its size (CIOCKEY): it is then served on the
    /// transport's lane for lengthy work, as operations of [`LENGTHY_BYTES`] or more are.
    pub lengthy: bool,
    /// Written later, by the ioctl that delivers this operation's results (CIOCASYNCFETCH),
    /// together with an argument struct like this one's. In RETRY mode they must fit one
    /// round as well, or the operation is refused now: accepted, its results could never be
    /// delivered.
    pub deferred_writes: Vec<Region>,
}

impl AsRef<Plan> for Plan {
    fn as_ref(&self) -> &Plan {
        self
    }
}

impl Plan {
    fn is_lengthy(&self) -> bool {
        self.lengthy || self.read_bytes().max(self.write_bytes()) >= LENGTHY_BYTES
    }

    /// Bytes read from the caller.
    pub fn read_bytes(&self) -> usize {
        self.reads.iter().map(|r| r.len).sum()
    }

    /// Bytes written to the caller.
    pub fn write_bytes(&self) -> usize {
        self.writes.iter().map(|r| r.len).sum()
    }
}

/// The bytes read for a plan, one slice per read region; the operation may transform them in
/// place and name them as its output ([`Output::InPlace`]).
#[derive(Debug)]
pub struct Inputs<'a> {
    data: &'a mut [u8],
    spans: Vec<(usize, usize)>,
}

impl<'a> Inputs<'a> {
    /// `data` holds the regions of `reads` back to back.
    pub fn new(data: &'a mut [u8], reads: &[Region]) -> Inputs<'a> {
        let mut offset = 0;
        let spans = reads
            .iter()
            .map(|r| {
                let span = (offset, r.len);
                offset += r.len;
                span
            })
            .collect();
        Inputs { data, spans }
    }

    fn span(&self, index: usize) -> Option<std::ops::Range<usize>> {
        let &(offset, len) = self.spans.get(index)?;
        (offset + len <= self.data.len()).then_some(offset..offset + len)
    }

    /// The bytes of read region `index`; empty if there is no such region.
    pub fn get(&self, index: usize) -> &[u8] {
        self.span(index).map_or(&[], |span| &self.data[span])
    }

    /// The bytes of read region `index`, to transform in place; empty if there is no such
    /// region.
    pub fn get_mut(&mut self, index: usize) -> &mut [u8] {
        match self.span(index) {
            Some(span) => &mut self.data[span],
            None => &mut [],
        }
    }

    /// Region `first` to read beside region `second`, a later one, to transform in place;
    /// either is empty if there is no such region.
    pub fn get_with_mut(&mut self, first: usize, second: usize) -> (&[u8], &mut [u8]) {
        let (Some(a), Some(b)) = (self.span(first), self.span(second)) else {
            return (self.get(first), &mut []);
        };
        if a.end > b.start {
            return (&[], &mut []);
        }
        let (head, tail) = self.data.split_at_mut(b.start);
        (&head[a], &mut tail[..b.len()])
    }
}

/// The bytes for one write region.
#[derive(Debug)]
pub enum Output {
    /// Bytes the operation produced.
    Owned(Zeroizing<Vec<u8>>),
    /// Read region `index` as the operation left it (transformed in place).
    InPlace(usize),
}

impl Output {
    fn bytes<'a>(&'a self, inputs: &'a Inputs<'_>) -> &'a [u8] {
        match self {
            Output::Owned(data) => data,
            Output::InPlace(index) => inputs.get(*index),
        }
    }
}

impl From<Zeroizing<Vec<u8>>> for Output {
    fn from(data: Zeroizing<Vec<u8>>) -> Output {
        Output::Owned(data)
    }
}

/// What an operation produced.
#[derive(Debug)]
pub struct Completion {
    /// The ioctl's return value, or its errno.
    pub result: Result<i32, Errno>,
    /// Bytes for the plan's write regions, in order: one per region, each exactly as long as
    /// its region. Fewer than planned when the operation stopped early.
    pub outputs: Vec<Output>,
    /// The argument struct to write back, if the plan says so and the operation got that far.
    pub reply: Option<Reply>,
}

impl Completion {
    /// Whether each output fits its region exactly, so nothing lands in the wrong buffer.
    fn fits(&self, plan: &Plan, inputs: &Inputs<'_>) -> bool {
        self.outputs.len() <= plan.writes.len()
            && self
                .outputs
                .iter()
                .zip(&plan.writes)
                .all(|(output, region)| output.bytes(inputs).len() == region.len)
    }

    /// An operation that failed before producing anything.
    pub fn failed(errno: Errno) -> Completion {
        Completion {
            result: Err(errno),
            outputs: Vec::new(),
            reply: None,
        }
    }
}

/// One ioctl on one open file, as the handlers implement it.
pub trait PlannedOperation {
    /// The caller memory `request` needs. Checks that need no caller memory fail here.
    fn plan(&self, request: &Request) -> Result<Plan, Errno>;

    /// Charges what running `plan` will hold to its user, until the guard is dropped; fails
    /// with the errno the operation gives over the limit.
    fn hold(&self, request: &Request, plan: &Plan) -> Result<Option<HeldBytes>, Errno>;

    /// Runs `request` on the bytes read for `plan`. What a plan depends on besides the request
    /// (a session's algorithms, a queued job) may have changed since: the handler checks,
    /// under the lock it runs with, that `plan` is still what it would plan now, and fails
    /// with EINVAL if not.
    fn execute(&self, request: &Request, plan: &Plan, inputs: &mut Inputs<'_>) -> Completion;
}

/// How caller memory is reached, for the whole connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Restricted ioctls and process_vm_readv/writev.
    Direct,
    /// Unrestricted ioctls and RETRY rounds.
    Retry,
}

impl Access {
    /// Whether the CUSE connection must offer unrestricted ioctls.
    pub fn unrestricted_ioctls(self) -> bool {
        self == Access::Retry
    }
}

/// Capability number of CAP_SYS_PTRACE (linux/capability.h).
const CAP_SYS_PTRACE: u32 = 19;

/// Whether this process may use process_vm_readv/writev on other users' processes: it holds
/// CAP_SYS_PTRACE and Yama does not forbid attaching altogether (`ptrace_scope` 3). An LSM
/// may still refuse single callers; they then get EPERM.
pub fn direct_access_permitted() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let has_ptrace = status
        .lines()
        .find_map(|line| line.strip_prefix("CapEff:"))
        .and_then(|hex| u64::from_str_radix(hex.trim(), 16).ok())
        .is_some_and(|caps| caps & (1 << CAP_SYS_PTRACE) != 0);
    let yama_forbids = std::fs::read_to_string("/proc/sys/kernel/yama/ptrace_scope")
        .is_ok_and(|scope| scope.trim() == "3");
    has_ptrace && !yama_forbids
}

/// A RETRY round waiting for its final round.
#[derive(Debug)]
struct Pending {
    pid: u32,
    cmd: u32,
    arg: u64,
    plan: Plan,
}

/// RETRY plans of one open file awaiting their final round. A caller thread has at most one
/// ioctl in flight; callers from other pid namespaces all arrive as pid 0, hence the plan
/// comparison rather than a plain key.
#[derive(Debug, Default)]
pub struct PendingRetries {
    entries: Mutex<VecDeque<Pending>>,
}

/// Oldest entries are dropped beyond this: a caller killed between rounds leaves one behind.
const MAX_PENDING: usize = 256;

impl PendingRetries {
    fn insert(&self, pending: Pending) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_PENDING {
            entries.pop_front();
        }
        entries.push_back(pending);
    }

    fn take(&self, pid: u32, cmd: u32, arg: u64, plan: &Plan) -> bool {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let found = entries
            .iter()
            .position(|p| p.pid == pid && p.cmd == cmd && p.arg == arg && &p.plan == plan);
        found.map(|index| entries.remove(index)).is_some()
    }
}

/// Serves one round of `call` for `operation`: directly if the connection runs restricted
/// ioctls, else in RETRY rounds.
pub fn serve_round<O: PlannedOperation + Send + Sync + 'static>(
    call: &IoctlCall<'_>,
    caller: &Caller,
    ioctl: Ioctl,
    operation: &Arc<O>,
    pending: &PendingRetries,
) -> IoctlReply {
    if call.restricted {
        serve_direct(call, caller, ioctl, operation)
    } else {
        serve_retry(call, caller, ioctl, operation, pending)
    }
}

/// Operation buffers kept beyond this size are released after use rather than kept for the
/// thread's next operation: it bounds what idle workers hold after a burst of huge requests.
const SCRATCH_KEPT_BYTES: usize = 2 << 20;

thread_local! {
    /// This worker's operation buffer (see the module documentation).
    static SCRATCH: RefCell<Zeroizing<Vec<u8>>> = RefCell::new(Zeroizing::new(Vec::new()));
}

/// Runs `f` on this thread's operation buffer, of which it will use the first `len` bytes
/// (growing it as it needs), wiping those afterwards if `wipe`. The bytes hold whatever the
/// last operation left: `f` overwrites them first.
fn with_scratch<R>(len: usize, wipe: bool, f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    SCRATCH.with(|cell| {
        let Ok(mut buffer) = cell.try_borrow_mut() else {
            // Not reached (operations do not nest); a private buffer keeps it correct anyway.
            return f(&mut Zeroizing::new(Vec::new()));
        };
        let result = f(&mut buffer);
        if wipe {
            let used = len.min(buffer.len());
            buffer[..used].zeroize();
        }
        clear_stack();
        if buffer.capacity() > SCRATCH_KEPT_BYTES {
            // Zeroizing wipes the released allocation.
            **buffer = Vec::new();
        }
        result
    })
}

/// Stack cleared below the caller after each operation: deeper than the frames of any
/// handler and backend call it made. Measured with compat-tests' residue program: the
/// deepest key copy (AES-256-XTS, CTR) lay 13.4 KiB below the top of a worker's stack;
/// clearing 2 KiB left it, 16 KiB removed every copy; twice that leaves room for deeper
/// paths. Each clear costs a memset of this size per operation, which shows at 16 bytes.
const STACK_CLEARED_BYTES: usize = 32 << 10;

/// Clears the stack below the caller; every thread that runs operations calls it after each.
/// Building a key schedule leaves copies of the key in the frames of the functions that
/// built it (the value is moved into its box afterwards, and only the box is wiped on drop),
/// and a cipher spills round keys (the first of which are the key's bytes) to its frames;
/// those frames lie below the caller once they returned.
#[inline(never)]
pub fn clear_stack() {
    let mut area = [0u8; STACK_CLEARED_BYTES];
    // A plain fill (a fast memset) that the opaque use below keeps from being optimised away.
    area.fill(0);
    std::hint::black_box(&mut area);
}

/// `buffer` made at least `len` bytes long; the first `len`.
fn at_least(buffer: &mut Vec<u8>, len: usize) -> &mut [u8] {
    if buffer.len() < len {
        buffer.resize(len, 0);
    }
    &mut buffer[..len]
}

fn arg_region(call: &IoctlCall<'_>, ioctl: Ioctl) -> Region {
    Region {
        addr: call.arg,
        len: ioctl.arg_size(call.layout),
    }
}

fn check_size(plan: &Plan, uid: u32) -> Result<(), Errno> {
    let largest_buffer = plan
        .reads
        .iter()
        .chain(&plan.writes)
        .map(|r| r.len)
        .max()
        .unwrap_or(0);
    let largest_direction = plan.read_bytes().max(plan.write_bytes());
    if largest_buffer > MAX_OPERATION_BYTES
        || largest_direction > MAX_OPERATION_BYTES + MAX_OPERATION_EXTRA_BYTES
    {
        if let Some(held_back) = client_warning("operation over the size limit", uid) {
            tracing::warn!(
                uid,
                held_back,
                bytes = largest_direction,
                limit = MAX_OPERATION_BYTES,
                "operation larger than the daemon's per-operation limit: ENOMEM"
            );
        }
        return Err(Errno::ENOMEM);
    }
    Ok(())
}

fn decode(call: &IoctlCall<'_>, ioctl: Ioctl, arg: &[u8]) -> Result<Request, Errno> {
    Request::decode(ioctl, call.layout, arg).map_err(|e| {
        tracing::debug!("undecodable argument: {e}");
        Errno::EINVAL
    })
}

fn plan_checked(
    operation: &dyn PlannedOperation,
    request: &Request,
    caller: &Caller,
) -> Result<Plan, Errno> {
    let plan = operation.plan(request)?;
    check_size(&plan, caller.uid)?;
    Ok(plan)
}

/// The handler's outputs must fill exactly the regions it planned; anything else is a bug
/// that must not write caller memory.
fn check_fits(ioctl: Ioctl, completion: &Completion, plan: &Plan, inputs: &Inputs<'_>) -> bool {
    let fits = completion.fits(plan, inputs);
    if !fits {
        tracing::error!(
            ioctl = ioctl.name(),
            "handler output does not match its plan"
        );
    }
    fits
}

/// The direct path: the argument struct came with the request, its buffers are reached with
/// process_vm_readv/writev.
fn serve_direct<O: PlannedOperation + Send + Sync + 'static>(
    call: &IoctlCall<'_>,
    caller: &Caller,
    ioctl: Ioctl,
    operation: &Arc<O>,
) -> IoctlReply {
    let arg = arg_region(call, ioctl);
    let mut arg_bytes = Zeroizing::new(vec![0u8; arg.len]);
    if ioctl.reads_arg() {
        if call.input.len() != arg.len {
            tracing::error!(
                ioctl = ioctl.name(),
                got = call.input.len(),
                "the kernel passed an argument of the wrong size"
            );
            return IoctlReply::Error(Errno::EINVAL);
        }
        arg_bytes.copy_from_slice(call.input);
    }
    let request = match decode(call, ioctl, &arg_bytes) {
        Ok(request) => request,
        Err(errno) => return IoctlReply::Error(errno),
    };
    let plan = match plan_checked(operation.as_ref(), &request, caller) {
        Ok(plan) => plan,
        Err(errno) => return IoctlReply::Error(errno),
    };
    let needs_caller = !plan.reads.is_empty() || !plan.writes.is_empty();
    // 0: the caller is not visible in our pid namespace.
    let pid = Pid::from_raw(i32::try_from(caller.pid).unwrap_or(0));
    if pid.as_raw() <= 0 && needs_caller {
        return unreachable_caller(Errno::ESRCH);
    }
    let held = match operation.hold(&request, &plan) {
        Ok(held) => held,
        Err(errno) => return IoctlReply::Error(errno),
    };
    let layout = call.layout;
    let operation = Arc::clone(operation);
    now_or_on_lane(plan.is_lengthy(), caller.uid, move || {
        let _held = held;
        run_direct(
            layout,
            pid,
            ioctl,
            operation.as_ref(),
            &request,
            &plan,
            &arg_bytes,
        )
    })
}

/// Runs `work` now, or hands it to the lane for lengthy work when `lengthy`, charged to
/// `owner`'s turn there.
fn now_or_on_lane(
    lengthy: bool,
    owner: u32,
    work: impl FnOnce() -> IoctlReply + Send + 'static,
) -> IoctlReply {
    if lengthy {
        IoctlReply::Later(Deferred {
            owner,
            work: Box::new(work),
        })
    } else {
        work()
    }
}

/// Reads the caller's memory for `plan`, runs the operation, writes its results back.
fn run_direct(
    layout: Layout,
    pid: Pid,
    ioctl: Ioctl,
    operation: &dyn PlannedOperation,
    request: &Request,
    plan: &Plan,
    arg_bytes: &[u8],
) -> IoctlReply {
    // An operation that only writes (a fetch) must find the caller reachable before it runs:
    // what it consumes (the job) would be lost if only the writing failed.
    if let (true, Some(first)) = (plan.reads.is_empty(), plan.writes.first()) {
        let probe = Region {
            addr: first.addr,
            len: first.len.min(1),
        };
        let mut byte = Vec::new();
        // Only unreachability stops it here; a fault shows when the writes are made.
        if let Err(errno) = read_remote(pid, &[probe], &mut byte) {
            if caller_unreachable(errno) {
                return unreachable_caller(errno);
            }
        }
    }
    let result = with_scratch(plan.read_bytes(), plan.reads_secrets, |buffer| {
        read_remote(pid, &plan.reads, buffer).map_err(remote_failure)?;
        let mut inputs = Inputs::new(&mut buffer[..plan.read_bytes()], &plan.reads);
        let completion = operation.execute(request, plan, &mut inputs);
        if !check_fits(ioctl, &completion, plan, &inputs) {
            return Err(IoctlReply::Error(Errno::EIO));
        }
        write_remote(pid, &plan.writes, &completion.outputs, &inputs).map_err(remote_failure)?;
        Ok((completion.result, completion.reply))
    });
    let (mut result, reply) = match result {
        Ok(done) => done,
        Err(reply) => return reply,
    };
    let mut output = Vec::new();
    if let (true, Some(reply)) = (plan.writes_arg, reply) {
        // The kernel copies it to the caller after this reply; a fault there reaches the
        // caller as EFAULT, unseen by us.
        match reply_struct(layout, arg_bytes, &reply) {
            Ok(bytes) => output = bytes,
            Err(errno) => result = Err(errno),
        }
    }
    finish(result, output)
}

/// Whether a process_vm_readv/writev error means the caller cannot be reached at all (rather
/// than a bad address in its memory).
fn caller_unreachable(errno: Errno) -> bool {
    matches!(errno, Errno::EPERM | Errno::ESRCH | Errno::EACCES)
}

/// The reply to a failed read or write of the caller's memory.
fn remote_failure(errno: Errno) -> IoctlReply {
    if caller_unreachable(errno) {
        unreachable_caller(errno)
    } else {
        IoctlReply::Error(errno)
    }
}

/// A caller that process_vm_readv cannot reach (another pid namespace, no ptrace rights).
fn unreachable_caller(errno: Errno) -> IoctlReply {
    static LOGGED: AtomicBool = AtomicBool::new(false);
    if !LOGGED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "a caller's memory cannot be reached with process_vm_readv ({errno}): it runs in \
             another pid namespace, or the daemon lacks CAP_SYS_PTRACE or is refused by Yama \
             or an LSM; such callers get EPERM (--memory-access retry serves them, within \
             CUSE's 128 KiB per direction); logged once"
        );
    }
    IoctlReply::Error(Errno::EPERM)
}

/// The argument struct as the caller gets it back: its own bytes with the reply's fields
/// (padding and unused fields keep what the caller wrote).
fn reply_struct(layout: Layout, arg_bytes: &[u8], reply: &Reply) -> Result<Vec<u8>, Errno> {
    let mut bytes = arg_bytes.to_vec();
    reply.encode_into(layout, &mut bytes).map_err(|e| {
        tracing::error!("reply does not fit its struct: {e}");
        Errno::EIO
    })?;
    Ok(bytes)
}

fn finish(result: Result<i32, Errno>, output: Vec<u8>) -> IoctlReply {
    match result {
        Ok(result) => IoctlReply::Done { result, output },
        Err(errno) if output.is_empty() => IoctlReply::Error(errno),
        // Partial output (e.g. dst written, then the digest's address faulted) still reaches
        // the caller, with the errno as the ioctl's result.
        Err(errno) => IoctlReply::Done {
            result: -(errno as i32),
            output,
        },
    }
}

fn remote_iovecs(regions: &[Region]) -> Result<Vec<RemoteIoVec>, Errno> {
    regions
        .iter()
        .filter(|r| r.len > 0)
        .map(|r| {
            let base = usize::try_from(r.addr).map_err(|_| Errno::EFAULT)?;
            Ok(RemoteIoVec { base, len: r.len })
        })
        .collect()
}

/// The first read of an operation; each further read doubles what was read so far.
const FIRST_READ_BYTES: usize = 1 << 20;

/// The part `start..start + len` of `regions` laid back to back.
fn remote_range(regions: &[Region], start: usize, len: usize) -> Result<Vec<RemoteIoVec>, Errno> {
    let mut skip = start;
    let mut left = len;
    let mut out = Vec::new();
    for region in regions {
        if left == 0 {
            break;
        }
        if skip >= region.len {
            skip -= region.len;
            continue;
        }
        let take = (region.len - skip).min(left);
        let base = usize::try_from(region.addr)
            .ok()
            .and_then(|addr| addr.checked_add(skip))
            .ok_or(Errno::EFAULT)?;
        out.push(RemoteIoVec { base, len: take });
        left -= take;
        skip = 0;
    }
    Ok(out)
}

/// Reads `regions` back to back into the start of `buffer`, growing it only as the data
/// arrives: one process_vm_readv up to [`FIRST_READ_BYTES`], then reads that double, so a
/// huge request whose memory ends early costs little before its EFAULT.
fn read_remote(pid: Pid, regions: &[Region], buffer: &mut Vec<u8>) -> Result<(), Errno> {
    let total: usize = regions.iter().map(|r| r.len).sum();
    let mut filled = 0;
    while filled < total {
        let step = (total - filled).min(filled.max(FIRST_READ_BYTES));
        let remote = remote_range(regions, filled, step)?;
        let local = &mut at_least(buffer, filled + step)[filled..];
        // The kernel caps one call at IOV_MAX iovecs; plans name far fewer.
        let read = process_vm_readv(pid, &mut [IoSliceMut::new(local)], &remote)?;
        if read != step {
            return Err(Errno::EFAULT);
        }
        filled += step;
    }
    Ok(())
}

/// Writes each output to its region with one process_vm_writev; a fault stops the writing at
/// the region where it occurs (the kernel does not split a region), earlier ones are written.
fn write_remote(
    pid: Pid,
    regions: &[Region],
    outputs: &[Output],
    inputs: &Inputs<'_>,
) -> Result<(), Errno> {
    let written_regions = &regions[..outputs.len().min(regions.len())];
    let local: Vec<IoSlice<'_>> = outputs
        .iter()
        .map(|output| output.bytes(inputs))
        .filter(|bytes| !bytes.is_empty())
        .map(IoSlice::new)
        .collect();
    if local.is_empty() {
        return Ok(());
    }
    let total: usize = local.iter().map(|slice| slice.len()).sum();
    let remote = remote_iovecs(written_regions)?;
    let written = process_vm_writev(pid, &local, &remote)?;
    if written != total {
        return Err(Errno::EFAULT);
    }
    Ok(())
}

/// The RETRY path.
fn serve_retry<O: PlannedOperation + Send + Sync + 'static>(
    call: &IoctlCall<'_>,
    caller: &Caller,
    ioctl: Ioctl,
    operation: &Arc<O>,
    pending: &PendingRetries,
) -> IoctlReply {
    let arg = arg_region(call, ioctl);
    let zeroed;
    let (arg_bytes, rest) = if ioctl.reads_arg() {
        if call.input.len() < arg.len {
            if !call.is_first_round() {
                return IoctlReply::Error(Errno::EINVAL);
            }
            return IoctlReply::Retry {
                inputs: vec![arg],
                outputs: Vec::new(),
            };
        }
        call.input.split_at(arg.len)
    } else {
        zeroed = vec![0u8; arg.len];
        (&zeroed[..], call.input)
    };
    let request = match decode(call, ioctl, arg_bytes) {
        Ok(request) => request,
        Err(errno) => return IoctlReply::Error(errno),
    };
    let plan = match plan_checked(operation.as_ref(), &request, caller) {
        Ok(plan) => plan,
        Err(errno) => return IoctlReply::Error(errno),
    };
    let mut outputs = plan.writes.clone();
    if plan.writes_arg {
        outputs.push(arg);
    }
    let out_bytes: usize = outputs.iter().map(|r| r.len).sum();
    let in_bytes = plan.read_bytes();

    let needs_memory = !plan.reads.is_empty() || !outputs.is_empty();
    let requesting_round = rest.is_empty() && call.out_size == 0;
    if needs_memory && requesting_round {
        let mut inputs = Vec::with_capacity(plan.reads.len() + 1);
        if ioctl.reads_arg() {
            inputs.push(arg);
        }
        inputs.extend_from_slice(&plan.reads);
        let mut deferred = plan.deferred_writes.clone();
        if !deferred.is_empty() {
            deferred.push(arg);
        }
        let fits = retry_fits(call.layout, &inputs, &outputs)
            .and_then(|()| retry_fits(call.layout, &[], &deferred));
        if let Err(why) = fits {
            if let Some(held_back) = client_warning("request over the RETRY limit", caller.uid) {
                tracing::warn!(
                    uid = caller.uid,
                    held_back,
                    ioctl = ioctl.name(),
                    "cannot carry this request in CUSE RETRY rounds ({why}); the per-direction \
                     limit is {CUSE_MAX_IOCTL_BYTES} bytes without direct access (run the \
                     daemon with CAP_SYS_PTRACE to lift it): E2BIG"
                );
            }
            return IoctlReply::Error(Errno::E2BIG);
        }
        pending.insert(Pending {
            pid: caller.pid,
            cmd: call.cmd,
            arg: call.arg,
            plan,
        });
        return IoctlReply::Retry { inputs, outputs };
    }
    if needs_memory {
        let matches_request = rest.len() == in_bytes && call.out_size == out_bytes;
        if !matches_request || !pending.take(caller.pid, call.cmd, call.arg, &plan) {
            tracing::debug!(
                ioctl = ioctl.name(),
                "argument changed between RETRY rounds: EINVAL"
            );
            return IoctlReply::Error(Errno::EINVAL);
        }
    }
    let held = match operation.hold(&request, &plan) {
        Ok(held) => held,
        Err(errno) => return IoctlReply::Error(errno),
    };
    let layout = call.layout;
    if plan.is_lengthy() {
        let operation = Arc::clone(operation);
        let input = Zeroizing::new(rest.to_vec());
        let arg_bytes = Zeroizing::new(arg_bytes.to_vec());
        return IoctlReply::Later(Deferred {
            owner: caller.uid,
            work: Box::new(move || {
                let _held = held;
                let final_round = FinalRound {
                    layout,
                    ioctl,
                    input: &input,
                    arg_bytes: &arg_bytes,
                    out_bytes,
                };
                final_round.run(operation.as_ref(), &request, &plan)
            }),
        });
    }
    let _held = held;
    let final_round = FinalRound {
        layout,
        ioctl,
        input: rest,
        arg_bytes,
        out_bytes,
    };
    final_round.run(operation.as_ref(), &request, &plan)
}

/// The last round of a RETRY ioctl: the caller's memory came with it.
struct FinalRound<'a> {
    layout: Layout,
    ioctl: Ioctl,
    /// The read regions' bytes, back to back.
    input: &'a [u8],
    arg_bytes: &'a [u8],
    /// What the kernel reserved for the output.
    out_bytes: usize,
}

impl FinalRound<'_> {
    /// Runs the operation on the input; the reply carries every output, the struct last.
    fn run(&self, operation: &dyn PlannedOperation, request: &Request, plan: &Plan) -> IoctlReply {
        let done = with_scratch(self.input.len(), plan.reads_secrets, |buffer| {
            let buffer = at_least(buffer, self.input.len());
            buffer.copy_from_slice(self.input);
            let mut inputs = Inputs::new(buffer, &plan.reads);
            let completion = operation.execute(request, plan, &mut inputs);
            if !check_fits(self.ioctl, &completion, plan, &inputs) {
                return None;
            }
            let mut output = Vec::with_capacity(self.out_bytes);
            for data in &completion.outputs {
                output.extend_from_slice(data.bytes(&inputs));
            }
            Some((completion.result, completion.reply, output))
        });
        let Some((mut result, reply, mut output)) = done else {
            return IoctlReply::Error(Errno::EIO);
        };
        if let (true, Some(reply)) = (plan.writes_arg, reply) {
            match reply_struct(self.layout, self.arg_bytes, &reply) {
                Ok(bytes) => output.extend_from_slice(&bytes),
                Err(errno) => result = Err(errno),
            }
        }
        finish(result, output)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_reading(lens: &[usize]) -> Plan {
        Plan {
            reads: lens
                .iter()
                .map(|&len| Region { addr: 0x1000, len })
                .collect(),
            ..Plan::default()
        }
    }

    #[test]
    fn the_size_limit_counts_buffers_not_their_ivs() {
        let mib = 1 << 20;
        assert_eq!(check_size(&plan_reading(&[16, 64 * mib]), 0), Ok(()));
        assert_eq!(check_size(&plan_reading(&[16, 64 * mib, 32]), 0), Ok(()));
        assert_eq!(
            check_size(&plan_reading(&[64 * mib + 1]), 0),
            Err(Errno::ENOMEM)
        );
        assert_eq!(
            check_size(&plan_reading(&[64 * mib, 2 * mib]), 0),
            Err(Errno::ENOMEM)
        );
    }

    #[test]
    fn reads_in_growing_steps_land_back_to_back() {
        let first: Vec<u8> = (0..3 * FIRST_READ_BYTES + 5)
            .map(|i| i.to_le_bytes()[0])
            .collect();
        let second: Vec<u8> = (0..FIRST_READ_BYTES / 2)
            .map(|i| (i * 7).to_le_bytes()[0])
            .collect();
        let regions = [
            Region {
                addr: first.as_ptr() as u64,
                len: first.len(),
            },
            Region {
                addr: second.as_ptr() as u64,
                len: second.len(),
            },
        ];
        let mut buffer = Vec::new();
        read_remote(nix::unistd::getpid(), &regions, &mut buffer).unwrap();
        assert_eq!(buffer, [first, second].concat());
    }

    /// A 64 MiB request whose memory is not there fails after the first step, having
    /// allocated only that.
    #[test]
    fn a_huge_read_of_missing_memory_allocates_little() {
        let regions = [Region {
            addr: 0x1_0000,
            len: MAX_OPERATION_BYTES,
        }];
        let mut buffer = Vec::new();
        assert_eq!(
            read_remote(nix::unistd::getpid(), &regions, &mut buffer),
            Err(Errno::EFAULT)
        );
        assert!(buffer.len() <= FIRST_READ_BYTES, "{}", buffer.len());
    }
}
