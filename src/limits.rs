//! Limits across open files (docs/ABI.md §4): what one user may make the daemon keep, so that
//! no client, and no user running many clients, can exhaust the daemon's memory or
//! descriptors for the others. Each open file is charged to the user who opened it.
//!
//! - open files per uid: beyond the limit `open` fails with ENFILE;
//! - sessions per uid: beyond it CIOCGSESSION fails with ENOMEM;
//! - bytes held for operations in progress and asynchronous jobs not yet fetched: in all, and
//!   per uid (half the total, so one user never holds everything). Beyond either
//!   an operation fails with ENOMEM, an asynchronous submission with EBUSY.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use nix::errno::Errno;

use crate::throttle::client_warning;

/// The limits; [`Limits::for_this_machine`] gives the defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub files_per_uid: usize,
    pub sessions_per_uid: usize,
    /// Bytes held for all clients together.
    pub held_bytes: usize,
    /// Bytes held for one uid's clients.
    pub held_bytes_per_uid: usize,
}

/// Default open files per uid: far above what a client opens (OpenSSL's engine opens one
/// per process), far below the daemon's descriptor limit.
pub const DEFAULT_FILES_PER_UID: usize = 256;

/// Default sessions per uid (each AF_ALG session holds two descriptors).
pub const DEFAULT_SESSIONS_PER_UID: usize = 4096;

impl Limits {
    /// The defaults: the counts above, and a quarter of the machine's memory for bytes held
    /// (between 160 MiB and 1 GiB), half of that per uid: at least one operation of the
    /// largest size (64 MiB and its IV) fits one user's share.
    pub fn for_this_machine() -> Limits {
        let memory = physical_memory().unwrap_or(1 << 30);
        let held_bytes = (memory / 4).clamp(160 << 20, 1 << 30);
        Limits {
            files_per_uid: DEFAULT_FILES_PER_UID,
            sessions_per_uid: DEFAULT_SESSIONS_PER_UID,
            held_bytes,
            held_bytes_per_uid: held_bytes / 2,
        }
    }
}

/// MemTotal of /proc/meminfo in bytes.
fn physical_memory() -> Option<usize> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let kib: usize = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))?
        .trim()
        .strip_suffix("kB")?
        .trim()
        .parse()
        .ok()?;
    kib.checked_mul(1024)
}

#[derive(Debug, Default)]
struct UidUsage {
    files: usize,
    sessions: usize,
    held_bytes: usize,
}

impl UidUsage {
    fn is_idle(&self) -> bool {
        self.files == 0 && self.sessions == 0 && self.held_bytes == 0
    }
}

#[derive(Debug, Default)]
struct Usage {
    by_uid: HashMap<u32, UidUsage>,
    held_bytes: usize,
}

/// What every uid uses now, against [`Limits`].
#[derive(Debug)]
pub struct Quotas {
    limits: Limits,
    usage: Mutex<Usage>,
}

/// Bytes charged to a uid until this is dropped.
#[derive(Debug)]
pub struct HeldBytes {
    quotas: Arc<Quotas>,
    uid: u32,
    bytes: usize,
}

impl Drop for HeldBytes {
    fn drop(&mut self) {
        let mut usage = self.quotas.usage();
        usage.held_bytes = usage.held_bytes.saturating_sub(self.bytes);
        self.quotas.release(&mut usage, self.uid, |u| {
            u.held_bytes = u.held_bytes.saturating_sub(self.bytes);
        });
    }
}

fn refuse(what: &'static str, uid: u32, limit: usize, errno: Errno) -> Errno {
    if let Some(held_back) = client_warning(what, uid) {
        tracing::warn!(uid, limit, held_back, "{what} over the limit: {errno}");
    }
    errno
}

impl Quotas {
    pub fn new(limits: Limits) -> Arc<Quotas> {
        Arc::new(Quotas {
            limits,
            usage: Mutex::new(Usage::default()),
        })
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    fn usage(&self) -> MutexGuard<'_, Usage> {
        self.usage.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Applies `change` to `uid`'s usage and forgets a uid that uses nothing any more.
    fn release(&self, usage: &mut Usage, uid: u32, change: impl FnOnce(&mut UidUsage)) {
        if let Some(entry) = usage.by_uid.get_mut(&uid) {
            change(entry);
            if entry.is_idle() {
                usage.by_uid.remove(&uid);
            }
        }
    }

    /// Charges an open file to `uid`; ENFILE over the limit.
    pub fn open_file(&self, uid: u32) -> Result<(), Errno> {
        let mut usage = self.usage();
        let entry = usage.by_uid.entry(uid).or_default();
        if entry.files >= self.limits.files_per_uid {
            return Err(refuse(
                "open files",
                uid,
                self.limits.files_per_uid,
                Errno::ENFILE,
            ));
        }
        entry.files += 1;
        Ok(())
    }

    /// An open file of `uid` was released with `sessions` sessions still in it.
    pub fn file_closed(&self, uid: u32, sessions: usize) {
        let mut usage = self.usage();
        self.release(&mut usage, uid, |u| {
            u.files = u.files.saturating_sub(1);
            u.sessions = u.sessions.saturating_sub(sessions);
        });
    }

    /// Charges a session to `uid`; ENOMEM over the limit.
    pub fn open_session(&self, uid: u32) -> Result<(), Errno> {
        let mut usage = self.usage();
        let entry = usage.by_uid.entry(uid).or_default();
        if entry.sessions >= self.limits.sessions_per_uid {
            return Err(refuse(
                "sessions",
                uid,
                self.limits.sessions_per_uid,
                Errno::ENOMEM,
            ));
        }
        entry.sessions += 1;
        Ok(())
    }

    /// A session of `uid` was freed.
    pub fn session_closed(&self, uid: u32) {
        let mut usage = self.usage();
        self.release(&mut usage, uid, |u| {
            u.sessions = u.sessions.saturating_sub(1)
        });
    }

    /// Charges `bytes` to `uid` until the returned guard is dropped; `errno` when the total
    /// or the uid's share would go over its limit.
    pub fn hold(
        self: &Arc<Self>,
        uid: u32,
        bytes: usize,
        errno: Errno,
    ) -> Result<HeldBytes, Errno> {
        let mut usage = self.usage();
        let total = usage.held_bytes.saturating_add(bytes);
        let entry = usage.by_uid.entry(uid).or_default();
        let own = entry.held_bytes.saturating_add(bytes);
        if own > self.limits.held_bytes_per_uid || total > self.limits.held_bytes {
            let limit = self.limits.held_bytes_per_uid;
            if entry.is_idle() {
                usage.by_uid.remove(&uid);
            }
            return Err(refuse("bytes held", uid, limit, errno));
        }
        entry.held_bytes = own;
        usage.held_bytes = total;
        Ok(HeldBytes {
            quotas: Arc::clone(self),
            uid,
            bytes,
        })
    }

    /// Bytes held now, for all clients and for `uid`.
    pub fn held(&self, uid: u32) -> (usize, usize) {
        let usage = self.usage();
        let own = usage.by_uid.get(&uid).map_or(0, |u| u.held_bytes);
        (usage.held_bytes, own)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> Arc<Quotas> {
        Quotas::new(Limits {
            files_per_uid: 2,
            sessions_per_uid: 3,
            held_bytes: 1000,
            held_bytes_per_uid: 600,
        })
    }

    #[test]
    fn files_and_sessions_are_counted_per_uid() {
        let q = small();
        assert_eq!(q.open_file(7), Ok(()));
        assert_eq!(q.open_file(7), Ok(()));
        assert_eq!(q.open_file(7), Err(Errno::ENFILE));
        assert_eq!(q.open_file(8), Ok(()), "another uid");
        for _ in 0..3 {
            assert_eq!(q.open_session(7), Ok(()));
        }
        assert_eq!(q.open_session(7), Err(Errno::ENOMEM));
        q.session_closed(7);
        assert_eq!(q.open_session(7), Ok(()));
        q.file_closed(7, 3);
        assert_eq!(q.open_file(7), Ok(()));
        assert_eq!(
            q.open_session(7),
            Ok(()),
            "closing the file freed its sessions"
        );
    }

    #[test]
    fn held_bytes_have_a_total_and_a_per_uid_share() {
        let q = small();
        let a = q.hold(1, 600, Errno::ENOMEM).unwrap();
        assert_eq!(q.hold(1, 1, Errno::ENOMEM).unwrap_err(), Errno::ENOMEM);
        let b = q.hold(2, 400, Errno::EBUSY).unwrap();
        assert_eq!(
            q.hold(3, 1, Errno::EBUSY).unwrap_err(),
            Errno::EBUSY,
            "total"
        );
        assert_eq!(q.held(1), (1000, 600));
        drop(a);
        assert_eq!(q.held(1), (400, 0));
        drop(b);
        assert_eq!(q.held(2), (0, 0));
        assert!(q.usage().by_uid.is_empty(), "idle uids are forgotten");
    }
}
