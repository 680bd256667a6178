//! Asynchronous operations (CIOCASYNCCRYPT / CIOCASYNCFETCH): a bounded queue per open file,
//! jobs run in parallel on a pool of executor threads and are fetched in completion order;
//! poll() reports a finished job as readable and a free slot as writable.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;

use crossbeam_channel::{unbounded, Sender};
use cryptodev_abi::CryptParams;
use nix::errno::Errno;
use zeroize::Zeroizing;

use crate::limits::HeldBytes;

/// Jobs one open file may have submitted and not yet fetched; more is EBUSY.
pub const QUEUE_LIMIT: usize = 64;

/// Data one open file's unfetched jobs may hold (their sources, then their results); a job
/// that would go beyond it is EBUSY, unless the queue is empty. Bounds what a client can make
/// the daemon keep.
pub const QUEUE_BYTES_LIMIT: usize = 64 << 20;

/// What a CIOCCRYPT produces for the caller's buffers, in the order they are written.
#[derive(Debug, Default)]
pub struct CryptOutput {
    pub dst: Option<Zeroizing<Vec<u8>>>,
    pub mac: Option<Zeroizing<Vec<u8>>>,
    pub iv: Option<Zeroizing<Vec<u8>>>,
}

impl CryptOutput {
    /// The outputs in write order: dst, mac, iv.
    pub fn into_vec(self) -> Vec<Zeroizing<Vec<u8>>> {
        [self.dst, self.mac, self.iv]
            .into_iter()
            .flatten()
            .collect()
    }
}

/// A finished asynchronous job, waiting to be fetched.
#[derive(Debug)]
pub struct FinishedJob {
    /// The request as submitted, written back into the fetch argument.
    pub params: CryptParams,
    pub result: Result<(), Errno>,
    pub output: CryptOutput,
    /// The bytes charged to the submitter's user until the job is fetched or dropped.
    pub holding: Option<HeldBytes>,
}

#[derive(Debug, Default)]
struct QueueState {
    running: usize,
    /// Bytes held by running and finished jobs.
    bytes: usize,
    done: VecDeque<FinishedJob>,
    /// The kernel's handle for this file's poll waiters, from the last POLL that asked.
    poll_handle: Option<u64>,
}

/// The asynchronous jobs of one open file.
#[derive(Debug, Default)]
pub struct JobQueue {
    state: Mutex<QueueState>,
}

const READABLE: u32 = (libc::POLLIN | libc::POLLRDNORM) as u32;
const WRITABLE: u32 = (libc::POLLOUT | libc::POLLWRNORM) as u32;

impl JobQueue {
    fn state(&self) -> MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Takes a slot for a new job of `bytes` bytes; EBUSY when the queue is full.
    pub fn reserve(&self, bytes: usize) -> Result<(), Errno> {
        let mut state = self.state();
        let jobs = state.running + state.done.len();
        if jobs >= QUEUE_LIMIT || (jobs > 0 && state.bytes + bytes > QUEUE_BYTES_LIMIT) {
            return Err(Errno::EBUSY);
        }
        state.running += 1;
        state.bytes += bytes;
        Ok(())
    }

    /// Records a finished job; returns the poll handle to wake, if any.
    pub fn complete(&self, job: FinishedJob) -> Option<u64> {
        let mut state = self.state();
        state.running = state.running.saturating_sub(1);
        state.done.push_back(job);
        state.poll_handle
    }

    /// Looks at the job a fetch would take.
    pub fn peek<R>(&self, look: impl FnOnce(Option<&FinishedJob>) -> R) -> R {
        look(self.state().done.front())
    }

    /// Takes the oldest finished job if `still_first` accepts it.
    pub fn take_first(
        &self,
        still_first: impl FnOnce(&FinishedJob) -> bool,
    ) -> Option<FinishedJob> {
        let mut state = self.state();
        if !state.done.front().is_some_and(still_first) {
            return None;
        }
        let job = state.done.pop_front()?;
        state.bytes = state.bytes.saturating_sub(job.params.len as usize);
        Some(job)
    }

    /// POLL* readiness; `register` remembers the kernel's handle for a wake-up.
    pub fn readiness(&self, register: Option<u64>) -> u32 {
        let mut state = self.state();
        if register.is_some() {
            state.poll_handle = register;
        }
        let mut revents = 0;
        if !state.done.is_empty() {
            revents |= READABLE;
        }
        if state.running + state.done.len() < QUEUE_LIMIT {
            revents |= WRITABLE;
        }
        revents
    }
}

type Task = Box<dyn FnOnce() + Send>;

/// How a finished job wakes the poll waiters registered under a kernel handle.
type Waker = Box<dyn Fn(u64) + Send + Sync>;

/// Where asynchronous jobs run: a fixed pool of executor threads fed through a channel, and
/// the way their completion reaches poll waiters. Dropping it finishes queued jobs and joins
/// the threads.
pub struct JobRunner {
    sender: Option<Sender<Task>>,
    threads: Vec<JoinHandle<()>>,
    waker: OnceLock<Waker>,
}

impl std::fmt::Debug for JobRunner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobRunner")
            .field("threads", &self.threads.len())
            .finish_non_exhaustive()
    }
}

impl JobRunner {
    pub fn new(threads: usize) -> std::io::Result<JobRunner> {
        let (sender, receiver) = unbounded::<Task>();
        let threads = (0..threads.max(1))
            .map(|index| {
                let receiver = receiver.clone();
                std::thread::Builder::new()
                    .name(format!("crypto-job-{index}"))
                    .spawn(move || {
                        for task in receiver {
                            // A panicking job must not take the executor thread with it.
                            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(task));
                            crate::memory::clear_stack();
                        }
                    })
            })
            .collect::<Result<_, _>>()?;
        Ok(JobRunner {
            sender: Some(sender),
            threads,
            waker: OnceLock::new(),
        })
    }

    /// Lets finished jobs wake poll waiters through `wake` (set once, when the transport is
    /// up; until then nobody can be polling).
    pub fn set_waker(&self, wake: impl Fn(u64) + Send + Sync + 'static) {
        let _ = self.waker.set(Box::new(wake));
    }

    /// Runs `task` on an executor thread.
    pub fn spawn(&self, task: Task) {
        if let Some(sender) = &self.sender {
            // The receivers live as long as the runner, so sending cannot fail.
            let _ = sender.send(task);
        }
    }

    /// Wakes the poll waiters registered under `kh`.
    pub fn wake(&self, kh: u64) {
        if let Some(wake) = self.waker.get() {
            wake(kh);
        }
    }
}

impl Drop for JobRunner {
    fn drop(&mut self) {
        self.sender.take();
        // A job still running may hold the last reference (through its poll waker), and then
        // this runs on that job's own thread, which must not wait for itself.
        let current = std::thread::current().id();
        for thread in self.threads.drain(..) {
            if thread.thread().id() != current {
                let _ = thread.join();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(len: u32) -> FinishedJob {
        FinishedJob {
            params: CryptParams {
                len,
                ..CryptParams::default()
            },
            result: Ok(()),
            output: CryptOutput::default(),
            holding: None,
        }
    }

    #[test]
    fn the_queue_bounds_jobs_and_bytes() {
        let queue = JobQueue::default();
        let big = QUEUE_BYTES_LIMIT - 1024;
        assert_eq!(queue.reserve(big), Ok(()));
        assert_eq!(
            queue.reserve(2048),
            Err(Errno::EBUSY),
            "over the byte limit"
        );
        assert_eq!(queue.reserve(1024), Ok(()), "exactly at the limit");
        assert_eq!(queue.complete(finished(u32::try_from(big).unwrap())), None);
        assert!(queue.take_first(|_| true).is_some());
        assert_eq!(queue.reserve(2048), Ok(()), "fetching freed the bytes");

        let empty = JobQueue::default();
        assert_eq!(
            empty.reserve(QUEUE_BYTES_LIMIT * 2),
            Ok(()),
            "one job of any size fits an empty queue"
        );
        let counted = JobQueue::default();
        for _ in 0..QUEUE_LIMIT {
            assert_eq!(counted.reserve(1), Ok(()));
        }
        assert_eq!(counted.reserve(1), Err(Errno::EBUSY), "over the job limit");
        assert_eq!(counted.readiness(None) & WRITABLE, 0);
    }
}
