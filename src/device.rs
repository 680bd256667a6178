//! `/dev/crypto` as a CUSE [`Device`]: the table of open files, each ioctl routed through the
//! caller-memory layer to the handlers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use cryptodev_abi::Ioctl;
use nix::errno::Errno;

use crate::backend::Backend;
use crate::cuse::{Caller, Device, IoctlCall, IoctlReply};
use crate::handlers::FileOps;
use crate::memory::{self, Access};
use crate::session::OpenFile;

/// The cryptodev device.
pub struct CryptoDevice {
    files: Mutex<HashMap<u64, Arc<OpenFile>>>,
    next_fh: AtomicU64,
    backend: Arc<dyn Backend>,
    access: Access,
}

impl std::fmt::Debug for CryptoDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CryptoDevice")
            .field("backend", &self.backend.name())
            .field("access", &self.access)
            .finish_non_exhaustive()
    }
}

impl CryptoDevice {
    pub fn new(backend: Arc<dyn Backend>, access: Access) -> CryptoDevice {
        CryptoDevice {
            files: Mutex::new(HashMap::new()),
            next_fh: AtomicU64::new(1),
            backend,
            access,
        }
    }

    fn files(&self) -> MutexGuard<'_, HashMap<u64, Arc<OpenFile>>> {
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Number of open files (for logs and tests).
    pub fn open_files(&self) -> usize {
        self.files().len()
    }
}

/// POLLOUT | POLLWRNORM: nothing to fetch, room to submit.
const WRITABLE: u32 = (libc::POLLOUT | libc::POLLWRNORM) as u32;

impl Device for CryptoDevice {
    fn open(&self, caller: &Caller, _flags: u32) -> Result<u64, Errno> {
        let fh = self.next_fh.fetch_add(1, Ordering::Relaxed);
        self.files().insert(fh, Arc::new(OpenFile::default()));
        tracing::debug!(fh, pid = caller.pid, "open");
        Ok(fh)
    }

    fn release(&self, fh: u64) {
        let file = self.files().remove(&fh);
        tracing::debug!(
            fh,
            sessions = file.as_ref().map_or(0, |f| f.session_count()),
            "release"
        );
    }

    fn ioctl(&self, caller: &Caller, call: &IoctlCall<'_>) -> IoctlReply {
        let Some(file) = self.files().get(&call.fh).cloned() else {
            return IoctlReply::Error(Errno::EBADF);
        };
        // Any other request code: EINVAL, as cryptodev-linux answers (not ENOTTY).
        let Some(ioctl) = Ioctl::from_code(call.cmd, call.layout) else {
            tracing::debug!(cmd = format_args!("{:#010x}", call.cmd), "unknown ioctl");
            return IoctlReply::Error(Errno::EINVAL);
        };
        let ops = FileOps {
            file: &file,
            backend: self.backend.as_ref(),
        };
        memory::serve(call, caller, ioctl, &ops, &file.pending, self.access)
    }

    fn poll(&self, fh: u64, _kh: u64, _events: u32, _notify: bool) -> Result<u32, Errno> {
        if !self.files().contains_key(&fh) {
            return Err(Errno::EBADF);
        }
        Ok(WRITABLE)
    }
}
