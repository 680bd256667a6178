//! Caller memory: serving a handler's reads and writes of the caller's buffers.
//!
//! A handler first states, from the decoded argument struct, which caller memory it will read
//! and write (a [`Plan`]); then it runs on the bytes read and returns the bytes to write
//! ([`Completion`]). This module serves that in one of two ways, invisible to the handler:
//!
//! - **direct**: `process_vm_readv`/`process_vm_writev` on the calling thread, one round trip
//!   and no size limit; needs ptrace rights over the caller (root, CAP_SYS_PTRACE) and a
//!   caller visible in our pid namespace. EPERM, ESRCH or pid 0 fall back to RETRY.
//! - **RETRY rounds** of unrestricted CUSE ioctls: the struct first, then the buffers it points
//!   to. The final round decodes the struct again and must plan exactly what was requested,
//!   else EINVAL: a caller that changes the struct between rounds never gets a wrong-sized
//!   copy. Each direction of a round is limited to 128 KiB by CUSE.

use std::collections::VecDeque;
use std::io::{IoSlice, IoSliceMut};
use std::sync::Mutex;

use cryptodev_abi::{Ioctl, Reply, Request};
use nix::errno::Errno;
use nix::sys::uio::{process_vm_readv, process_vm_writev, RemoteIoVec};
use nix::unistd::Pid;
use zeroize::Zeroizing;

use crate::cuse::wire::CUSE_MAX_IOCTL_BYTES;
use crate::cuse::{Caller, IoctlCall, IoctlReply, Region};

/// Largest input or output of one operation: bounds what a client can make the daemon
/// allocate. Beyond it the ioctl fails with ENOMEM.
pub const MAX_OPERATION_BYTES: usize = 64 << 20;

/// What an operation will read from and write to the caller, besides its argument struct.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Read before the operation runs, in this order.
    pub reads: Vec<Region>,
    /// Written after it ran, in this order; an error stops the writing where it occurs.
    pub writes: Vec<Region>,
    /// Whether the argument struct is written back (always last).
    pub writes_arg: bool,
}

impl Plan {
    fn read_bytes(&self) -> usize {
        self.reads.iter().map(|r| r.len).sum()
    }

    fn write_bytes(&self) -> usize {
        self.writes.iter().map(|r| r.len).sum()
    }
}

/// The bytes read for a plan, one slice per read region.
#[derive(Debug)]
pub struct Inputs<'a> {
    data: &'a [u8],
    spans: Vec<(usize, usize)>,
}

impl<'a> Inputs<'a> {
    fn new(data: &'a [u8], reads: &[Region]) -> Inputs<'a> {
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

    /// The bytes of read region `index`; empty if there is no such region.
    pub fn get(&self, index: usize) -> &'a [u8] {
        self.spans
            .get(index)
            .and_then(|&(offset, len)| self.data.get(offset..offset + len))
            .unwrap_or(&[])
    }
}

/// What an operation produced.
#[derive(Debug)]
pub struct Completion {
    /// The ioctl's return value, or its errno.
    pub result: Result<i32, Errno>,
    /// Bytes for the plan's write regions, in order: one per region, each exactly as long as
    /// its region. Fewer than planned when the operation stopped early.
    pub outputs: Vec<Zeroizing<Vec<u8>>>,
    /// The argument struct to write back, if the plan says so and the operation got that far.
    pub reply: Option<Reply>,
}

impl Completion {
    /// Whether each output fits its region exactly, so nothing lands in the wrong buffer.
    fn fits(&self, plan: &Plan) -> bool {
        self.outputs.len() <= plan.writes.len()
            && self
                .outputs
                .iter()
                .zip(&plan.writes)
                .all(|(data, region)| data.len() == region.len)
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

    /// Runs `request` on the bytes read for `plan`. The handler must check, under whatever
    /// lock it takes, that `plan` is still what it would plan now, and fail with EINVAL if not.
    fn execute(&self, request: &Request, plan: &Plan, inputs: &Inputs<'_>) -> Completion;

    /// The caller never received `reply` (writing it back faulted): undo what it announced.
    fn abandon(&self, reply: &Reply) {
        let _ = reply;
    }
}

/// How caller memory may be reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// process_vm_readv/writev where allowed, RETRY rounds otherwise.
    Auto,
    /// RETRY rounds only.
    RetryOnly,
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

/// Serves one round of `call` for `operation`.
pub fn serve(
    call: &IoctlCall<'_>,
    caller: &Caller,
    ioctl: Ioctl,
    operation: &dyn PlannedOperation,
    pending: &PendingRetries,
    access: Access,
) -> IoctlReply {
    if call.is_first_round() && access == Access::Auto && caller.pid != 0 {
        if let Some(reply) = serve_direct(call, caller.pid, ioctl, operation) {
            return reply;
        }
    }
    serve_retry(call, caller, ioctl, operation, pending)
}

fn arg_region(call: &IoctlCall<'_>, ioctl: Ioctl) -> Region {
    Region {
        addr: call.arg,
        len: ioctl.arg_size(call.layout),
    }
}

fn check_size(plan: &Plan) -> Result<(), Errno> {
    let largest = plan.read_bytes().max(plan.write_bytes());
    if largest > MAX_OPERATION_BYTES {
        tracing::warn!(
            bytes = largest,
            limit = MAX_OPERATION_BYTES,
            "operation larger than the daemon's per-operation limit: ENOMEM"
        );
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

/// The direct path. `None` means: not allowed here, use RETRY rounds.
fn serve_direct(
    call: &IoctlCall<'_>,
    pid: u32,
    ioctl: Ioctl,
    operation: &dyn PlannedOperation,
) -> Option<IoctlReply> {
    let pid = Pid::from_raw(i32::try_from(pid).ok()?);
    let arg = arg_region(call, ioctl);
    let mut arg_bytes = Zeroizing::new(vec![0u8; arg.len]);
    if ioctl.reads_arg() {
        match read_remote(pid, &[arg], &mut arg_bytes) {
            Ok(()) => {}
            Err(Errno::EPERM | Errno::ESRCH | Errno::EACCES | Errno::ENOSYS) => return None,
            Err(errno) => return Some(IoctlReply::Error(errno)),
        }
    }
    let request = match decode(call, ioctl, &arg_bytes) {
        Ok(request) => request,
        Err(errno) => return Some(IoctlReply::Error(errno)),
    };
    let plan = match operation
        .plan(&request)
        .and_then(|plan| check_size(&plan).map(|()| plan))
    {
        Ok(plan) => plan,
        Err(errno) => return Some(IoctlReply::Error(errno)),
    };
    let mut input = Zeroizing::new(vec![0u8; plan.read_bytes()]);
    match read_remote(pid, &plan.reads, &mut input) {
        Ok(()) => {}
        Err(Errno::EPERM | Errno::ESRCH | Errno::EACCES) => return None,
        Err(errno) => return Some(IoctlReply::Error(errno)),
    }
    let completion = operation.execute(&request, &plan, &Inputs::new(&input, &plan.reads));
    if !completion.fits(&plan) {
        tracing::error!(
            ioctl = ioctl.name(),
            "handler output does not match its plan"
        );
        return Some(IoctlReply::Error(Errno::EIO));
    }
    let mut result = completion.result;
    for (region, data) in plan.writes.iter().zip(&completion.outputs) {
        if let Err(errno) = write_remote(pid, *region, data) {
            return Some(IoctlReply::Error(errno));
        }
    }
    if let (true, Some(reply)) = (plan.writes_arg, completion.reply) {
        if let Err(e) = reply.encode_into(call.layout, &mut arg_bytes) {
            tracing::error!("reply does not fit its struct: {e}");
            result = Err(Errno::EIO);
        } else if let Err(errno) = write_remote(pid, arg, &arg_bytes) {
            operation.abandon(&reply);
            result = Err(errno);
        }
    }
    Some(finish(result, Vec::new()))
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

fn remote_iovec(addr: u64, len: usize) -> Result<RemoteIoVec, Errno> {
    let base = usize::try_from(addr).map_err(|_| Errno::EFAULT)?;
    Ok(RemoteIoVec { base, len })
}

fn read_remote(pid: Pid, regions: &[Region], out: &mut [u8]) -> Result<(), Errno> {
    if out.is_empty() {
        return Ok(());
    }
    let remote = regions
        .iter()
        .filter(|r| r.len > 0)
        .map(|r| remote_iovec(r.addr, r.len))
        .collect::<Result<Vec<_>, _>>()?;
    // The kernel caps one call at IOV_MAX iovecs; plans name far fewer.
    let read = process_vm_readv(pid, &mut [IoSliceMut::new(out)], &remote)?;
    if read != out.len() {
        return Err(Errno::EFAULT);
    }
    Ok(())
}

fn write_remote(pid: Pid, region: Region, data: &[u8]) -> Result<(), Errno> {
    if data.is_empty() {
        return Ok(());
    }
    let remote = [remote_iovec(region.addr, data.len())?];
    let written = process_vm_writev(pid, &[IoSlice::new(data)], &remote)?;
    if written != data.len() {
        return Err(Errno::EFAULT);
    }
    Ok(())
}

/// The RETRY path.
fn serve_retry(
    call: &IoctlCall<'_>,
    caller: &Caller,
    ioctl: Ioctl,
    operation: &dyn PlannedOperation,
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
    let plan = match operation
        .plan(&request)
        .and_then(|plan| check_size(&plan).map(|()| plan))
    {
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
        if let Err(why) = crate::cuse::server::check_retry(call.layout, &inputs, &outputs) {
            tracing::warn!(
                ioctl = ioctl.name(),
                "cannot carry this request in CUSE RETRY rounds ({why}); the per-direction \
                 limit is {CUSE_MAX_IOCTL_BYTES} bytes without direct access (run the daemon \
                 with CAP_SYS_PTRACE to lift it): E2BIG"
            );
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
    let completion = operation.execute(&request, &plan, &Inputs::new(rest, &plan.reads));
    if !completion.fits(&plan) {
        tracing::error!(
            ioctl = ioctl.name(),
            "handler output does not match its plan"
        );
        return IoctlReply::Error(Errno::EIO);
    }
    let mut output = Vec::with_capacity(out_bytes);
    for data in &completion.outputs {
        output.extend_from_slice(data);
    }
    let mut result = completion.result;
    if let (true, Some(reply)) = (plan.writes_arg, completion.reply) {
        let mut struct_bytes = arg_bytes.to_vec();
        match reply.encode_into(call.layout, &mut struct_bytes) {
            Ok(()) => output.extend_from_slice(&struct_bytes),
            Err(e) => {
                tracing::error!("reply does not fit its struct: {e}");
                result = Err(Errno::EIO);
            }
        }
    }
    finish(result, output)
}
