//! CIOCCRYPT (docs/ABI.md §9) and its asynchronous pair CIOCASYNCCRYPT / CIOCASYNCFETCH (§12).

use std::sync::Arc;

use cryptodev_abi::consts::CopFlags;
use cryptodev_abi::{CryptParams, Direction, Reply};
use nix::errno::Errno;
use zeroize::Zeroizing;

use super::{backend_errno, lock_as_planned, region, FileOps};
use crate::jobs::{CryptOutput, FinishedJob};
use crate::memory::{Completion, Inputs, Output, Plan, Region};
use crate::session::{self, OpenFile, Session};
use crate::stats::Stats;

/// Whether an operation with these flags finishes the hash (the §9 table).
fn finalizes(flags: CopFlags, len: u32) -> bool {
    flags.has(CopFlags::FINAL) || !flags.has(CopFlags::UPDATE) || len == 0
}

/// Whether an operation with these flags starts the hash afresh: flags exactly 0, or RESET.
fn resets(flags: CopFlags) -> bool {
    flags.0 == CopFlags::NONE || flags.has(CopFlags::RESET)
}

/// The checks that need no caller memory, in the kernel's order after the session lookup.
fn check(session: &Session, params: &CryptParams) -> Result<Direction, Errno> {
    let direction = Direction::try_from(params.op).map_err(|_| Errno::EINVAL)?;
    if session.aead.is_some() {
        // AEAD sessions take CIOCAUTHCRYPT, which places the tag.
        return Err(Errno::EINVAL);
    }
    if let Some(cipher) = &session.cipher {
        if !params.len.is_multiple_of(cipher.alg.block_size().max(1)) {
            return Err(Errno::EINVAL);
        }
    }
    Ok(direction)
}

/// Caller memory a CIOCCRYPT reads: the IV (the session's IV size; none for hash-only and
/// ECB sessions, whatever the pointer), then the source.
fn reads(session: &Session, params: &CryptParams) -> Vec<Region> {
    let mut reads = Vec::new();
    let iv_size = session.iv_size();
    if params.iv != 0 && iv_size > 0 {
        reads.push(region(params.iv, iv_size));
    }
    if params.len > 0 {
        reads.push(region(params.src, params.len));
    }
    reads
}

/// Caller memory a successful CIOCCRYPT writes, in order: dst, the digest, the next IV.
fn writes(session: &Session, params: &CryptParams) -> Vec<Region> {
    let mut writes = Vec::new();
    if writes_dst(session, params) {
        writes.push(region(params.dst, params.len));
    }
    if let Some(hash) = &session.hash {
        if finalizes(params.flags, params.len) {
            writes.push(region(params.mac, hash.alg.digest_size()));
        }
    }
    let iv_size = session.iv_size();
    if params.flags.has(CopFlags::WRITE_IV) && params.iv != 0 && iv_size > 0 {
        writes.push(region(params.iv, iv_size));
    }
    writes
}

fn plan_for(session: &Session, params: &CryptParams) -> Result<Plan, Errno> {
    check(session, params)?;
    Ok(Plan {
        reads: reads(session, params),
        writes: writes(session, params),
        ..Plan::default()
    })
}

pub(super) fn plan(file: &OpenFile, params: &CryptParams) -> Result<Plan, Errno> {
    let session = file.get(params.ses).ok_or(Errno::EINVAL)?;
    let session = session::lock(&session);
    plan_for(&session, params)
}

/// Runs one CIOCCRYPT on a locked session: `iv` is the caller's IV if it gave one, `data` the
/// source bytes, which a cipher session turns into dst in place. Produces the digest and the
/// next IV as [`writes`] planned them; `dst` stays `None` (it is `data`).
fn run(
    session: &mut Session,
    stats: &Stats,
    params: &CryptParams,
    iv: Option<&[u8]>,
    data: &mut [u8],
) -> Result<CryptOutput, Errno> {
    let direction = check(session, params)?;
    let hash_failed = backend_errno("hash operation");
    for alg in [
        session.cipher.as_ref().map(|c| c.alg),
        session.hash.as_ref().map(|h| h.alg),
    ]
    .into_iter()
    .flatten()
    {
        stats.operation(alg, data.len());
    }
    if let Some(hash) = &mut session.hash {
        if resets(params.flags) {
            hash.ctx.reset();
        }
    }
    let mut output = CryptOutput::default();
    if let Some(cipher) = &mut session.cipher {
        if let Some(iv) = iv {
            cipher.iv.copy_from_slice(iv);
        }
        if !data.is_empty() {
            // The hash always covers the plaintext: before encrypting, after decrypting.
            if direction == Direction::Encrypt {
                if let Some(hash) = &mut session.hash {
                    hash.ctx.update(data).map_err(&hash_failed)?;
                }
            }
            let ran = match direction {
                Direction::Encrypt => cipher.ctx.encrypt(&mut cipher.iv, data),
                Direction::Decrypt => cipher.ctx.decrypt(&mut cipher.iv, data),
            };
            ran.map_err(backend_errno("cipher operation"))?;
            if direction == Direction::Decrypt {
                if let Some(hash) = &mut session.hash {
                    hash.ctx.update(data).map_err(&hash_failed)?;
                }
            }
        }
    } else if let Some(hash) = &mut session.hash {
        hash.ctx.update(data).map_err(&hash_failed)?;
    }
    if let Some(hash) = &mut session.hash {
        if finalizes(params.flags, params.len) {
            let mut digest = Zeroizing::new(vec![0u8; hash.alg.digest_size() as usize]);
            hash.ctx.finish(&mut digest).map_err(&hash_failed)?;
            output.mac = Some(digest);
        }
    }
    if let Some(cipher) = &session.cipher {
        if params.flags.has(CopFlags::WRITE_IV) && params.iv != 0 && !cipher.iv.is_empty() {
            output.iv = Some(Zeroizing::new(cipher.iv.to_vec()));
        }
    }
    Ok(output)
}

/// Whether [`run`] turns the source into dst (the plan's first write).
fn writes_dst(session: &Session, params: &CryptParams) -> bool {
    params.len > 0 && session.cipher.is_some()
}

/// Where a CIOCCRYPT's inputs are: the index of the IV's read region if it was read, and of
/// the source's.
fn input_indices(session: &Session, params: &CryptParams) -> (Option<usize>, usize) {
    let has_iv = params.iv != 0 && session.iv_size() > 0;
    (has_iv.then_some(0), usize::from(has_iv))
}

pub(super) fn execute(
    file: &OpenFile,
    stats: &Stats,
    params: &CryptParams,
    plan: &Plan,
    inputs: &mut Inputs<'_>,
) -> Completion {
    let Some(session) = file.get(params.ses) else {
        return Completion::failed(Errno::EINVAL);
    };
    let mut session = match lock_as_planned(&session, plan, |s| plan_for(s, params)) {
        Ok((session, _)) => session,
        Err(errno) => return Completion::failed(errno),
    };
    let (iv_index, src_index) = input_indices(&session, params);
    let (iv, data) = match iv_index {
        Some(iv_index) => {
            let (iv, data) = inputs.get_with_mut(iv_index, src_index);
            (Some(iv), data)
        }
        None => (None, inputs.get_mut(src_index)),
    };
    let data = if params.len > 0 { data } else { &mut [] };
    let dst = writes_dst(&session, params).then_some(Output::InPlace(src_index));
    match run(&mut session, stats, params, iv, data) {
        Ok(output) => Completion {
            result: Ok(0),
            outputs: dst
                .into_iter()
                .chain(output.into_vec().into_iter().map(Output::Owned))
                .collect(),
            reply: None,
        },
        Err(errno) => Completion::failed(errno),
    }
}

/// CIOCASYNCCRYPT: at submission only the session lookup and the copy-in happen; the checks
/// of `op` and the length run with the job and surface through CIOCASYNCFETCH.
pub(super) fn plan_submit(file: &OpenFile, params: &CryptParams) -> Result<Plan, Errno> {
    let session = file.get(params.ses).ok_or(Errno::EINVAL)?;
    let session = session::lock(&session);
    submit_plan_for(&session, params)
}

fn submit_plan_for(session: &Session, params: &CryptParams) -> Result<Plan, Errno> {
    if params.flags.has(CopFlags::NO_ZC) {
        return Err(Errno::EINVAL);
    }
    Ok(Plan {
        reads: reads(session, params),
        // What the fetch will write if the job succeeds.
        deferred_writes: writes(session, params),
        ..Plan::default()
    })
}

impl FileOps {
    pub(super) fn submit(
        &self,
        params: &CryptParams,
        plan: &Plan,
        inputs: &Inputs<'_>,
    ) -> Result<Completion, Errno> {
        let session = self.file.get(params.ses).ok_or(Errno::EINVAL)?;
        let (iv, mut data) = {
            let (locked, _) = lock_as_planned(&session, plan, |s| submit_plan_for(s, params))?;
            let (iv_index, src_index) = input_indices(&locked, params);
            let src = if params.len > 0 {
                inputs.get(src_index)
            } else {
                &[]
            };
            (
                iv_index.map(|index| Zeroizing::new(inputs.get(index).to_vec())),
                Zeroizing::new(src.to_vec()),
            )
        };
        let holding = self
            .quotas
            .hold(self.file.owner, data.len(), Errno::EBUSY)?;
        self.file.jobs.reserve(params.len as usize)?;
        let queue = Arc::clone(&self.file.jobs);
        let runner = Arc::clone(&self.runner);
        let stats = Arc::clone(&self.stats);
        let params = *params;
        self.runner.spawn(Box::new(move || {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut session = session::lock(&session);
                let wrote_dst = writes_dst(&session, &params);
                let mut output = run(
                    &mut session,
                    &stats,
                    &params,
                    iv.as_deref().map(|v| &v[..]),
                    &mut data,
                )?;
                if wrote_dst {
                    output.dst = Some(std::mem::take(&mut data));
                }
                Ok(output)
            }))
            .unwrap_or(Err(Errno::EIO));
            let (result, output) = match result {
                Ok(output) => (Ok(()), output),
                Err(errno) => (Err(errno), CryptOutput::default()),
            };
            if let Some(kh) = queue.complete(FinishedJob {
                params,
                result,
                output,
                holding: Some(holding),
            }) {
                runner.wake(kh);
            }
        }));
        Ok(super::done(None))
    }
}

/// What fetching `job` writes: its outputs to its own pointers, then the fetch argument.
fn fetch_plan(job: &FinishedJob) -> Plan {
    let p = &job.params;
    let out = &job.output;
    let mut writes = Vec::new();
    let mut push = |addr: u64, data: &Option<Zeroizing<Vec<u8>>>| {
        if let Some(data) = data {
            writes.push(Region {
                addr,
                len: data.len(),
            });
        }
    };
    push(p.dst, &out.dst);
    push(p.mac, &out.mac);
    push(p.iv, &out.iv);
    Plan {
        writes,
        writes_arg: true,
        ..Plan::default()
    }
}

/// CIOCASYNCFETCH: the oldest finished job, or EBUSY.
pub(super) fn plan_fetch(file: &OpenFile) -> Result<Plan, Errno> {
    file.jobs
        .peek(|job| job.map(fetch_plan).ok_or(Errno::EBUSY))
}

pub(super) fn fetch(file: &OpenFile, plan: &Plan) -> Completion {
    let Some(job) = file.jobs.take_first(|job| fetch_plan(job) == *plan) else {
        // Another fetch took the job this one was planned for.
        return Completion::failed(if file.jobs.peek(|job| job.is_none()) {
            Errno::EBUSY
        } else {
            Errno::EINVAL
        });
    };
    Completion {
        result: job.result.map(|()| 0),
        outputs: job
            .output
            .into_vec()
            .into_iter()
            .map(Output::Owned)
            .collect(),
        reply: Some(Reply::Crypt(job.params)),
    }
}
