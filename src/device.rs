//! `/dev/crypto` as a [`Device`] (a CUSE device or a mount's file): the table of open files, each ioctl routed through the
//! caller-memory layer to the handlers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use cryptodev_abi::Ioctl;
use nix::errno::Errno;

use crate::backend::Backend;
use crate::handlers::{self, FileOps};
use crate::jobs::JobRunner;
use crate::limits::{Limits, Quotas};
use crate::memory;
use crate::session::OpenFile;
use crate::stats::Stats;
use crate::transport::{Caller, Channel, Device, IoctlCall, IoctlReply};

/// The cryptodev device.
pub struct CryptoDevice {
    files: Mutex<HashMap<u64, Arc<FileOps>>>,
    next_fh: AtomicU64,
    backend: Arc<dyn Backend>,
    jobs: Arc<JobRunner>,
    stats: Arc<Stats>,
    quotas: Arc<Quotas>,
    /// What CIOCASYMFEAT answers (`--asym`).
    asym_features: u32,
}

impl std::fmt::Debug for CryptoDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CryptoDevice")
            .field("backend", &self.backend.name())
            .finish_non_exhaustive()
    }
}

impl CryptoDevice {
    /// A device whose sessions use `backend`, whose asynchronous jobs run on `job_threads`
    /// threads.
    pub fn new(backend: Arc<dyn Backend>, job_threads: usize) -> std::io::Result<CryptoDevice> {
        let jobs = Arc::new(JobRunner::new(job_threads)?);
        Ok(CryptoDevice {
            files: Mutex::new(HashMap::new()),
            next_fh: AtomicU64::new(1),
            backend,
            jobs,
            stats: Arc::new(Stats::default()),
            quotas: Quotas::new(Limits::for_this_machine()),
            asym_features: 0,
        })
    }

    /// The same device announcing in CIOCASYMFEAT the CIOCKEY operations it offers
    /// (docs/ABI.md §13); without this it announces none, and CIOCKEY still answers callers
    /// that do not ask first.
    pub fn with_asym_announced(mut self) -> CryptoDevice {
        self.asym_features = handlers::announceable_asym_features();
        self
    }

    /// The same device with other limits on what each user may hold.
    pub fn with_limits(mut self, limits: Limits) -> CryptoDevice {
        self.quotas = Quotas::new(limits);
        self
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.quotas.limits()
    }

    /// Lets finished asynchronous jobs wake poll waiters through `channel`.
    pub fn attach_channel(&self, channel: Arc<Channel>) {
        self.jobs.set_waker(move |kh| {
            if let Err(e) = channel.notify_poll_wakeup(kh) {
                tracing::debug!(kh, "poll wake-up not delivered: {e}");
            }
        });
    }

    fn files(&self) -> MutexGuard<'_, HashMap<u64, Arc<FileOps>>> {
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Usage counters per algorithm.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// The counters and the per-user quotas, for other files of a mount that count and limit
    /// alike (`digest_files`).
    pub fn shared_accounting(&self) -> (Arc<Stats>, Arc<Quotas>) {
        (Arc::clone(&self.stats), Arc::clone(&self.quotas))
    }

    /// Number of open files (for logs and tests).
    pub fn open_files(&self) -> usize {
        self.files().len()
    }
}

impl Device for CryptoDevice {
    fn open(&self, caller: &Caller, _flags: u32) -> Result<u64, Errno> {
        self.quotas.open_file(caller.uid)?;
        let fh = self.next_fh.fetch_add(1, Ordering::Relaxed);
        let ops = FileOps {
            file: OpenFile::new(caller.uid),
            backend: Arc::clone(&self.backend),
            runner: Arc::clone(&self.jobs),
            stats: Arc::clone(&self.stats),
            quotas: Arc::clone(&self.quotas),
            asym_features: self.asym_features,
        };
        self.files().insert(fh, Arc::new(ops));
        self.stats.file_opened();
        tracing::debug!(fh, pid = caller.pid, "open");
        Ok(fh)
    }

    fn release(&self, fh: u64) {
        let Some(ops) = self.files().remove(&fh) else {
            return;
        };
        let file = &ops.file;
        let sessions = file.session_count();
        self.stats.file_closed(sessions);
        self.quotas.file_closed(file.owner, sessions);
        tracing::debug!(fh, sessions, "release");
    }

    fn ioctl(&self, caller: &Caller, call: &IoctlCall<'_>) -> IoctlReply {
        let Some(ops) = self.files().get(&call.fh).cloned() else {
            return IoctlReply::Error(Errno::EBADF);
        };
        // Any other request code: EINVAL, as cryptodev-linux answers (not ENOTTY).
        let Some(ioctl) = Ioctl::from_code(call.cmd, call.layout) else {
            tracing::debug!(cmd = format_args!("{:#010x}", call.cmd), "unknown ioctl");
            return IoctlReply::Error(Errno::EINVAL);
        };
        memory::serve_round(call, caller, ioctl, &ops, &ops.file.pending)
    }

    fn poll(&self, fh: u64, kh: u64, _events: u32, notify: bool) -> Result<u32, Errno> {
        let ops = self.files().get(&fh).cloned().ok_or(Errno::EBADF)?;
        Ok(ops.file.jobs.readiness(notify.then_some(kh)))
    }
}
