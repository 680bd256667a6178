//! The ioctl handlers: typed requests in, typed replies and errnos out. The cryptodev
//! semantics (docs/ABI.md §6–§13: check order, errnos, IV chaining, the multi-part hash table,
//! AEAD modes, async jobs) live here; caller memory is reached only through the [`Plan`] each
//! handler states.

use std::sync::{Arc, MutexGuard};

use cryptodev_abi::{Algorithm, Reply, Request};
use nix::errno::Errno;

use crate::backend::{Backend, BackendError};
use crate::jobs::JobRunner;
use crate::limits::{HeldBytes, Quotas};
use crate::memory::{Completion, Inputs, Plan, PlannedOperation, Region};
use crate::session::{self, OpenFile, Session, SessionRef};
use crate::stats::Stats;
use crate::throttle::client_warning;

mod authcrypt;
mod crypt;
mod key;
mod session_ops;

/// One open file with what its handlers need: the backend its sessions use, the executor its
/// asynchronous jobs run on, the counters and the limits it is charged against. The device
/// keeps one per open file; lengthy operations take a reference along to the lane that runs
/// them.
pub struct FileOps {
    pub file: OpenFile,
    pub backend: Arc<dyn Backend>,
    pub runner: Arc<JobRunner>,
    pub stats: Arc<Stats>,
    /// What each user holds; the file's owner is charged for its sessions and data.
    pub quotas: Arc<Quotas>,
    /// The CIOCASYMFEAT mask: 0 unless the operator opted in.
    pub asym_features: u32,
}

/// The CIOCASYMFEAT mask of a device that announces its CIOCKEY operations.
pub fn announceable_asym_features() -> u32 {
    key::announceable_features()
}

impl PlannedOperation for FileOps {
    fn plan(&self, request: &Request) -> Result<Plan, Errno> {
        match request {
            Request::GetSession(params) => session_ops::plan_new_session(params),
            Request::FreeSession(_) | Request::CopyHash(_) => Ok(Plan::default()),
            Request::GetSessionInfo(info) => {
                self.file.get(info.ses).ok_or(Errno::EINVAL)?;
                Ok(writes_arg_only())
            }
            Request::Crypt(params) => crypt::plan(&self.file, params),
            Request::AsyncCrypt(params) => crypt::plan_submit(&self.file, params),
            Request::AsyncFetch => crypt::plan_fetch(&self.file),
            Request::AuthCrypt(params) => authcrypt::plan(&self.file, params),
            Request::Key(params) => key::plan(params),
            Request::AsymFeatures => Ok(writes_arg_only()),
            Request::CrioGet => {
                if let Some(held_back) = client_warning("CRIOGET", self.file.owner) {
                    tracing::warn!(
                        uid = self.file.owner,
                        held_back,
                        "CRIOGET reached the daemon: a CUSE device cannot install a file \
                         descriptor in its caller; preload libcryptodev-crioget.so into the \
                         client (see README); answered EINVAL"
                    );
                }
                Err(Errno::EINVAL)
            }
        }
    }

    fn hold(&self, request: &Request, plan: &Plan) -> Result<Option<HeldBytes>, Errno> {
        let bytes = plan.read_bytes().max(plan.write_bytes());
        // An asynchronous job is charged from its submission to its fetch (`submit`), once.
        if bytes == 0 || matches!(request, Request::AsyncCrypt(_) | Request::AsyncFetch) {
            return Ok(None);
        }
        self.quotas
            .hold(self.file.owner, bytes, Errno::ENOMEM)
            .map(Some)
    }

    fn execute(&self, request: &Request, plan: &Plan, inputs: &mut Inputs<'_>) -> Completion {
        let result = match request {
            Request::GetSession(params) => self.new_session(params, inputs),
            Request::FreeSession(id) => {
                // cryptodev-linux returns 0 for an unknown id (its ENOENT is unreachable).
                if self.file.remove(*id) {
                    self.stats.sessions_closed(1);
                    self.quotas.session_closed(self.file.owner);
                }
                Ok(done(None))
            }
            Request::GetSessionInfo(info) => self.session_info(info),
            Request::CopyHash(op) => self.copy_hash(op),
            Request::Crypt(params) => {
                return crypt::execute(&self.file, &self.stats, params, plan, inputs)
            }
            Request::AsyncCrypt(params) => self.submit(params, plan, inputs),
            Request::AsyncFetch => return crypt::fetch(&self.file, plan),
            Request::AuthCrypt(params) => {
                return authcrypt::execute(&self.file, &self.stats, params, plan, inputs)
            }
            Request::Key(params) => return key::execute(params, inputs, &self.stats),
            Request::AsymFeatures => Ok(done(Some(Reply::Word(self.asym_features)))),
            Request::CrioGet => Err(Errno::EINVAL),
        };
        result.unwrap_or_else(Completion::failed)
    }
}

/// The errno a backend failure gives the caller: every handler maps backend errors here, so
/// one table decides them. `what` names the operation in the debug log.
fn backend_errno(what: &'static str) -> impl Fn(BackendError) -> Errno {
    move |e| {
        tracing::debug!("{what} failed: {e}");
        match e {
            BackendError::BadTag => Errno::EBADMSG,
            // CCM: a message longer than its length field (L bytes) can count, as the
            // kernel's ccm answers.
            BackendError::TooLong { .. } => Errno::EOVERFLOW,
            BackendError::Unsupported(_)
            | BackendError::BadKey(_)
            | BackendError::BadLength { .. }
            | BackendError::BadIv { .. }
            | BackendError::Failed(_) => Errno::EINVAL,
        }
    }
}

/// Locks session `id` for an operation whose caller memory was read for `plan`, and returns
/// what `shape` derives from the locked session. The session may have changed since the plan
/// was made (another thread, or between RETRY rounds); the bytes read then no longer fit it,
/// and the operation fails with EINVAL rather than run on them.
fn lock_as_planned<'s, T: AsRef<Plan>>(
    session: &'s SessionRef,
    plan: &Plan,
    shape: impl FnOnce(&Session) -> Result<T, Errno>,
) -> Result<(MutexGuard<'s, Session>, T), Errno> {
    let locked = session::lock(session);
    match shape(&locked) {
        Ok(shaped) if shaped.as_ref() == plan => Ok((locked, shaped)),
        _ => Err(Errno::EINVAL),
    }
}

fn writes_arg_only() -> Plan {
    Plan {
        writes_arg: true,
        ..Plan::default()
    }
}

fn done(reply: Option<Reply>) -> Completion {
    Completion {
        result: Ok(0),
        outputs: Vec::new(),
        reply,
    }
}

fn region(addr: u64, len: u32) -> Region {
    Region {
        addr,
        len: len as usize,
    }
}

/// An algorithm id from a `session_op` field: 0 means none; any id the field cannot hold is
/// EINVAL.
fn field_algorithm(id: u32, allowed: fn(Algorithm) -> bool) -> Result<Option<Algorithm>, Errno> {
    if id == 0 {
        return Ok(None);
    }
    let alg = Algorithm::try_from(id).map_err(|_| Errno::EINVAL)?;
    if !allowed(alg) {
        return Err(Errno::EINVAL);
    }
    Ok(Some(alg))
}
