//! The ioctl handlers: typed requests in, typed replies and errnos out. The cryptodev
//! semantics (ABI-FACTS §6–§10: check order, errnos, IV chaining, the multi-part hash table)
//! live here; caller memory is reached only through the [`Plan`] each handler states.

use cryptodev_abi::consts::SIOP_FLAG_KERNEL_DRIVER_ONLY;
use cryptodev_abi::consts::{CopFlags, CRYPTO_CIPHER_MAX_KEY_LEN, CRYPTO_HMAC_MAX_KEY_LEN};
use cryptodev_abi::wire::{AlgInfo, CphashOp, SessionInfoOp, ALG_NAME_LEN};
use cryptodev_abi::{AlgKind, Algorithm, CryptParams, Direction, Reply, Request, SessionParams};
use nix::errno::Errno;
use zeroize::Zeroizing;

use crate::backend::{Backend, DriverInfo};
use crate::cuse::Region;
use crate::memory::{Completion, Inputs, Plan, PlannedOperation};
use crate::session::{self, CipherState, HashState, OpenFile, Session};

/// The handlers bound to one open file and the backend its sessions use.
pub struct FileOps<'a> {
    pub file: &'a OpenFile,
    pub backend: &'a dyn Backend,
}

impl PlannedOperation for FileOps<'_> {
    fn plan(&self, request: &Request) -> Result<Plan, Errno> {
        match request {
            Request::GetSession(params) => plan_new_session(params),
            Request::FreeSession(_) | Request::CopyHash(_) => Ok(Plan::default()),
            Request::GetSessionInfo(info) => {
                self.file.get(info.ses).ok_or(Errno::EINVAL)?;
                Ok(Plan {
                    writes_arg: true,
                    ..Plan::default()
                })
            }
            Request::Crypt(params) => {
                let session = self.file.get(params.ses).ok_or(Errno::EINVAL)?;
                let session = session::lock(&session);
                plan_crypt(&session, params)
            }
            Request::AsymFeatures => Ok(Plan {
                writes_arg: true,
                ..Plan::default()
            }),
            Request::CrioGet => {
                tracing::warn!(
                    "CRIOGET reached the daemon: a CUSE device cannot install a file \
                     descriptor in its caller; answered EINVAL"
                );
                Err(Errno::EINVAL)
            }
            // cryptodev-linux answers EINVAL to these on every ABI.
            Request::Key(_)
            | Request::AuthCrypt(_)
            | Request::AsyncCrypt(_)
            | Request::AsyncFetch => Err(Errno::EINVAL),
        }
    }

    fn execute(&self, request: &Request, plan: &Plan, inputs: &Inputs<'_>) -> Completion {
        let result = match request {
            Request::GetSession(params) => self.new_session(params, inputs),
            Request::FreeSession(id) => {
                // cryptodev-linux returns 0 for an unknown id (its ENOENT is unreachable).
                self.file.remove(*id);
                Ok(done(None))
            }
            Request::GetSessionInfo(info) => self.session_info(info),
            Request::CopyHash(op) => self.copy_hash(op),
            Request::Crypt(params) => return self.crypt(params, plan, inputs),
            Request::AsymFeatures => Ok(done(Some(Reply::Word(0)))),
            _ => Err(Errno::EINVAL),
        };
        result.unwrap_or_else(Completion::failed)
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

/// CIOCGSESSION checks that need no key bytes, in cryptodev's order.
fn plan_new_session(params: &SessionParams) -> Result<Plan, Errno> {
    if params.cipher == 0 && params.mac == 0 {
        return Err(Errno::EINVAL);
    }
    let cipher = field_algorithm(params.cipher, Algorithm::is_cipher_field)?;
    let mac = field_algorithm(params.mac, Algorithm::is_mac_field)?;
    let mut plan = Plan {
        writes_arg: true,
        ..Plan::default()
    };
    if cipher.is_some() {
        if params.keylen > CRYPTO_CIPHER_MAX_KEY_LEN {
            return Err(Errno::EINVAL);
        }
        if params.keylen > 0 {
            plan.reads.push(region(params.key, params.keylen));
        }
    }
    if mac.is_some() && !cipher.is_some_and(is_aead) {
        if params.mackeylen > CRYPTO_HMAC_MAX_KEY_LEN {
            return Err(Errno::EINVAL);
        }
        if params.mackey != 0 && params.mackeylen > 0 {
            plan.reads.push(region(params.mackey, params.mackeylen));
        }
    }
    Ok(plan)
}

fn is_aead(alg: Algorithm) -> bool {
    matches!(
        alg.kind(),
        AlgKind::Aead { .. } | AlgKind::CompositeAead { .. }
    )
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

/// Whether an operation with these flags finishes the hash (ABI-FACTS §9 table).
fn finalizes(flags: CopFlags, len: u32) -> bool {
    flags.has(CopFlags::FINAL) || !flags.has(CopFlags::UPDATE) || len == 0
}

/// Whether an operation with these flags starts the hash afresh.
fn resets(flags: CopFlags) -> bool {
    flags.0 == CopFlags::NONE || flags.has(CopFlags::RESET)
}

/// CIOCCRYPT: every check that needs no caller memory, then the memory it needs.
fn plan_crypt(session: &Session, params: &CryptParams) -> Result<Plan, Errno> {
    Direction::try_from(params.op).map_err(|_| Errno::EINVAL)?;
    let iv_size = session.cipher.as_ref().map_or(0, |c| c.alg.iv_size());
    if let Some(cipher) = &session.cipher {
        if !params.len.is_multiple_of(cipher.alg.block_size().max(1)) {
            return Err(Errno::EINVAL);
        }
    }
    let mut plan = Plan::default();
    if params.iv != 0 && iv_size > 0 {
        plan.reads.push(region(params.iv, iv_size));
    }
    if params.len > 0 {
        plan.reads.push(region(params.src, params.len));
        if session.cipher.is_some() {
            plan.writes.push(region(params.dst, params.len));
        }
    }
    if let Some(hash) = &session.hash {
        if finalizes(params.flags, params.len) {
            plan.writes.push(region(params.mac, hash.alg.digest_size()));
        }
    }
    if params.flags.has(CopFlags::WRITE_IV) && params.iv != 0 && iv_size > 0 {
        plan.writes.push(region(params.iv, iv_size));
    }
    Ok(plan)
}

fn alg_info(info: &DriverInfo) -> AlgInfo {
    let mut out = AlgInfo {
        cra_name: [0; ALG_NAME_LEN],
        cra_driver_name: [0; ALG_NAME_LEN],
    };
    for (field, text) in [
        (&mut out.cra_name, &info.name),
        (&mut out.cra_driver_name, &info.driver),
    ] {
        // Always NUL-terminated, as the kernel's strscpy leaves it.
        let len = text.len().min(ALG_NAME_LEN - 1);
        field[..len].copy_from_slice(&text.as_bytes()[..len]);
    }
    out
}

impl FileOps<'_> {
    fn new_session(
        &self,
        params: &SessionParams,
        inputs: &Inputs<'_>,
    ) -> Result<Completion, Errno> {
        let cipher_alg = field_algorithm(params.cipher, Algorithm::is_cipher_field)?;
        let mac_alg = field_algorithm(params.mac, Algorithm::is_mac_field)?;
        let mut next_input = 0;
        let mut session = Session {
            cipher: None,
            hash: None,
        };
        if let Some(alg) = cipher_alg {
            let key = if params.keylen > 0 {
                next_input += 1;
                inputs.get(next_input - 1)
            } else {
                &[]
            };
            let keys = match alg.kind() {
                AlgKind::Cipher { keys, .. } | AlgKind::Aead { keys, .. } => Some(keys),
                _ => None,
            };
            if !self.backend.supports(alg) || !keys.is_some_and(|k| k.accepts(params.keylen)) {
                return Err(Errno::EINVAL);
            }
            let ctx = self.backend.cipher(alg, key).map_err(|e| {
                tracing::debug!("cipher session refused: {e}");
                Errno::EINVAL
            })?;
            session.cipher = Some(CipherState {
                alg,
                ctx,
                iv: Zeroizing::new(vec![0u8; alg.iv_size() as usize]),
            });
        }
        if let Some(alg) = mac_alg.filter(|_| !cipher_alg.is_some_and(is_aead)) {
            let key: Zeroizing<Vec<u8>> = if params.mackey != 0 && params.mackeylen > 0 {
                Zeroizing::new(inputs.get(next_input).to_vec())
            } else {
                // A NULL mackey with a length keys the HMAC with zeros, as the kernel's
                // zero-initialised key buffer does.
                Zeroizing::new(vec![0u8; params.mackeylen as usize])
            };
            if !self.backend.supports(alg) {
                return Err(Errno::EINVAL);
            }
            let key: &[u8] = if matches!(alg.kind(), AlgKind::Hmac { .. }) {
                &key
            } else {
                &[]
            };
            let ctx = self.backend.hash(alg, key).map_err(|e| {
                tracing::debug!("hash session refused: {e}");
                Errno::EINVAL
            })?;
            session.hash = Some(HashState { alg, ctx });
        }
        let ses = self.file.insert(session);
        Ok(done(Some(Reply::Session(SessionParams { ses, ..*params }))))
    }

    fn session_info(&self, info: &SessionInfoOp) -> Result<Completion, Errno> {
        let session = self.file.get(info.ses).ok_or(Errno::EINVAL)?;
        let session = session::lock(&session);
        // Fields not filled keep the caller's bytes, as cryptodev-linux copies the struct
        // in, edits it and copies it out.
        let mut out = *info;
        let mut hardware = false;
        if let Some(cipher) = &session.cipher {
            let driver = cipher.ctx.info();
            hardware |= driver.hardware;
            out.cipher_info = alg_info(&driver);
        }
        if let Some(hash) = &session.hash {
            let driver = hash.ctx.info();
            hardware |= driver.hardware;
            out.hash_info = alg_info(&driver);
        }
        out.alignmask = 0;
        out.flags = if hardware {
            SIOP_FLAG_KERNEL_DRIVER_ONLY
        } else {
            0
        };
        Ok(done(Some(Reply::SessionInfo(out))))
    }

    fn copy_hash(&self, op: &CphashOp) -> Result<Completion, Errno> {
        let (Some(dst), Some(src)) = (self.file.get(op.dst_ses), self.file.get(op.src_ses)) else {
            return Err(Errno::ENOENT);
        };
        if op.dst_ses == op.src_ses {
            return Err(Errno::EDEADLK);
        }
        let (state, alg) = {
            let src = session::lock(&src);
            let hash = src.hash.as_ref().ok_or(Errno::EINVAL)?;
            (hash.ctx.fork(), hash.alg)
        };
        let mut dst = session::lock(&dst);
        let target = dst.hash.as_mut().ok_or(Errno::EINVAL)?;
        // cryptodev-linux does not compare the algorithms and reads out of bounds when they
        // differ; a mismatch is refused here.
        if target.alg != alg {
            return Err(Errno::EINVAL);
        }
        target.ctx = state;
        Ok(done(None))
    }

    fn crypt(&self, params: &CryptParams, plan: &Plan, inputs: &Inputs<'_>) -> Completion {
        let Some(session) = self.file.get(params.ses) else {
            return Completion::failed(Errno::EINVAL);
        };
        let mut session = session::lock(&session);
        // The session may have changed since the plan was made (another thread, or between
        // RETRY rounds); the inputs were read for that plan.
        match plan_crypt(&session, params) {
            Ok(now) if &now == plan => {}
            _ => return Completion::failed(Errno::EINVAL),
        }
        let Ok(direction) = Direction::try_from(params.op) else {
            return Completion::failed(Errno::EINVAL);
        };
        let session = &mut *session;
        let mut input_index = 0;
        let mut next_input = || {
            input_index += 1;
            inputs.get(input_index - 1)
        };
        let iv_size = session.cipher.as_ref().map_or(0, |c| c.alg.iv_size());
        let given_iv = (params.iv != 0 && iv_size > 0).then(&mut next_input);
        let src = if params.len > 0 { next_input() } else { &[] };

        if let Some(hash) = &mut session.hash {
            if resets(params.flags) {
                hash.ctx.reset();
            }
        }
        let mut outputs = Vec::new();
        if let Some(cipher) = &mut session.cipher {
            if let Some(iv) = given_iv {
                cipher.iv.copy_from_slice(iv);
            }
            let mut data = Zeroizing::new(src.to_vec());
            if !data.is_empty() {
                if direction == Direction::Encrypt {
                    if let Some(hash) = &mut session.hash {
                        hash.ctx.update(&data);
                    }
                }
                let ran = match direction {
                    Direction::Encrypt => cipher.ctx.encrypt(&mut cipher.iv, &mut data),
                    Direction::Decrypt => cipher.ctx.decrypt(&mut cipher.iv, &mut data),
                };
                if let Err(e) = ran {
                    tracing::debug!("cipher operation failed: {e}");
                    return Completion::failed(Errno::EINVAL);
                }
                if direction == Direction::Decrypt {
                    if let Some(hash) = &mut session.hash {
                        hash.ctx.update(&data);
                    }
                }
                outputs.push(data);
            }
        } else if let Some(hash) = &mut session.hash {
            hash.ctx.update(src);
        }
        if let Some(hash) = &mut session.hash {
            if finalizes(params.flags, params.len) {
                let mut digest = Zeroizing::new(vec![0u8; hash.alg.digest_size() as usize]);
                hash.ctx.finish(&mut digest);
                outputs.push(digest);
            }
        }
        if let Some(cipher) = &session.cipher {
            if params.flags.has(CopFlags::WRITE_IV) && params.iv != 0 && iv_size > 0 {
                outputs.push(Zeroizing::new(cipher.iv.to_vec()));
            }
        }
        Completion {
            result: Ok(0),
            outputs,
            reply: None,
        }
    }
}
