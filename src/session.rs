//! Per-open-file state: the session table. Everything hangs off the open file description,
//! so `dup()`, `fork()` and CRIOGET copies share it; RELEASE drops it with all its sessions.

use std::collections::hash_map::{Entry, RandomState};
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, Mutex, MutexGuard};

use cryptodev_abi::Algorithm;
use zeroize::Zeroizing;

use crate::backend::{AeadContext, CipherContext, HashContext};
use crate::jobs::JobQueue;
use crate::memory::PendingRetries;

/// A cipher bound to a session, with the chaining value the next operation starts from.
pub struct CipherState {
    pub alg: Algorithm,
    pub ctx: Box<dyn CipherContext>,
    pub iv: Zeroizing<Vec<u8>>,
}

/// A hash or HMAC bound to a session.
pub struct HashState {
    pub alg: Algorithm,
    pub ctx: Box<dyn HashContext>,
}

/// An AEAD transform bound to a session, with the IV an operation without one reuses.
pub struct AeadState {
    pub alg: Algorithm,
    pub ctx: Box<dyn AeadContext>,
    pub iv: Zeroizing<Vec<u8>>,
}

/// One session: a cipher, a hash, or both (hash over the plaintext); or an AEAD.
pub struct Session {
    pub cipher: Option<CipherState>,
    pub hash: Option<HashState>,
    pub aead: Option<AeadState>,
}

impl Session {
    /// The IV size of the session's cipher or AEAD (0 for hash-only and ECB sessions).
    pub fn iv_size(&self) -> u32 {
        self.cipher
            .as_ref()
            .map(|c| c.alg.iv_size())
            .or(self.aead.as_ref().map(|a| a.alg.iv_size()))
            .unwrap_or(0)
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("cipher", &self.cipher.as_ref().map(|c| c.alg))
            .field("hash", &self.hash.as_ref().map(|h| h.alg))
            .field("aead", &self.aead.as_ref().map(|a| a.alg))
            .finish()
    }
}

pub type SessionRef = Arc<Mutex<Session>>;

/// Locks a session; a handler that panicked while holding it left nothing half-written that
/// matters more than the daemon staying up.
pub fn lock(session: &SessionRef) -> MutexGuard<'_, Session> {
    session.lock().unwrap_or_else(|e| e.into_inner())
}

/// The state of one open file of the device.
#[derive(Debug, Default)]
pub struct OpenFile {
    /// The user who opened it, charged for what it holds (`crate::limits`).
    pub owner: u32,
    sessions: Mutex<HashMap<u32, SessionRef>>,
    /// RETRY rounds in flight on this file.
    pub pending: PendingRetries,
    /// Asynchronous operations (CIOCASYNCCRYPT) submitted on this file.
    pub jobs: Arc<JobQueue>,
}

impl OpenFile {
    /// A fresh open file of `owner`.
    pub fn new(owner: u32) -> OpenFile {
        OpenFile {
            owner,
            ..OpenFile::default()
        }
    }

    fn table(&self) -> MutexGuard<'_, HashMap<u32, SessionRef>> {
        self.sessions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a session under a fresh random id (cryptodev's ids are random too, which keeps a
    /// stale id from naming a newer session).
    pub fn insert(&self, session: Session) -> u32 {
        let mut table = self.table();
        let random = RandomState::new();
        let mut counter = table.len() as u64;
        let session = Arc::new(Mutex::new(session));
        loop {
            let mut hasher = random.build_hasher();
            hasher.write_u64(counter);
            #[allow(clippy::cast_possible_truncation)] // any 32 bits of the hash will do
            let id = hasher.finish() as u32;
            if let Entry::Vacant(slot) = table.entry(id) {
                slot.insert(session);
                return id;
            }
            counter += 1;
        }
    }

    pub fn get(&self, id: u32) -> Option<SessionRef> {
        self.table().get(&id).cloned()
    }

    /// Removes a session; whether it existed.
    pub fn remove(&self, id: u32) -> bool {
        self.table().remove(&id).is_some()
    }

    pub fn session_count(&self) -> usize {
        self.table().len()
    }
}
