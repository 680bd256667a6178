//! CIOCGSESSION, CIOCGSESSINFO and CIOCCPHASH (docs/ABI.md §6, §8, §10).

use cryptodev_abi::consts::{
    CRYPTO_CIPHER_MAX_KEY_LEN, CRYPTO_HMAC_MAX_KEY_LEN, SIOP_FLAG_KERNEL_DRIVER_ONLY,
};
use cryptodev_abi::wire::{AlgInfo, CphashOp, SessionInfoOp, ALG_NAME_LEN};
use cryptodev_abi::{AlgKind, Algorithm, Reply, SessionParams};
use nix::errno::Errno;
use zeroize::Zeroizing;

use super::{backend_errno, done, field_algorithm, region, FileOps};
use crate::backend::DriverInfo;
use crate::memory::{Completion, Inputs, Plan};
use crate::session::{self, AeadState, CipherState, HashState, Session};

fn is_aead(alg: Algorithm) -> bool {
    matches!(
        alg.kind(),
        AlgKind::Aead { .. } | AlgKind::CompositeAead { .. }
    )
}

/// CIOCGSESSION checks that need no key bytes, in cryptodev's order, and the keys to read.
pub(super) fn plan_new_session(params: &SessionParams) -> Result<Plan, Errno> {
    if params.cipher == 0 && params.mac == 0 {
        return Err(Errno::EINVAL);
    }
    let cipher = field_algorithm(params.cipher, Algorithm::is_cipher_field)?;
    let mac = field_algorithm(params.mac, Algorithm::is_mac_field)?;
    let mut plan = Plan {
        reads_secrets: true,
        ..super::writes_arg_only()
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

impl FileOps {
    pub(super) fn new_session(
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
            aead: None,
        };
        if let Some(alg) = cipher_alg {
            let key = if params.keylen > 0 {
                next_input += 1;
                inputs.get(next_input - 1)
            } else {
                &[]
            };
            if !self.backend.supports(alg) {
                return Err(Errno::EINVAL);
            }
            let refused = backend_errno("cipher session");
            match alg.kind() {
                AlgKind::Cipher { keys, .. } => {
                    if !keys.accepts(params.keylen) {
                        return Err(Errno::EINVAL);
                    }
                    session.cipher = Some(CipherState {
                        alg,
                        ctx: self.backend.cipher(alg, key).map_err(refused)?,
                        iv: Zeroizing::new(vec![0u8; alg.iv_size() as usize]),
                    });
                }
                // The kernel would prepend an authenc key blob, which gcm/ccm refuse.
                AlgKind::Aead { .. } if params.mackeylen > 0 => return Err(Errno::EINVAL),
                AlgKind::Aead { .. } => {
                    session.aead = Some(AeadState {
                        alg,
                        ctx: self.backend.aead(alg, key).map_err(refused)?,
                        iv: Zeroizing::new(vec![0u8; alg.iv_size() as usize]),
                    });
                }
                _ => return Err(Errno::EINVAL),
            }
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
            let ctx = self
                .backend
                .hash(alg, key)
                .map_err(backend_errno("hash session"))?;
            session.hash = Some(HashState { alg, ctx });
        }
        self.quotas.open_session(self.file.owner)?;
        for alg in [
            session.cipher.as_ref().map(|c| c.alg),
            session.aead.as_ref().map(|a| a.alg),
            session.hash.as_ref().map(|h| h.alg),
        ]
        .into_iter()
        .flatten()
        {
            self.stats.session(alg);
        }
        let ses = self.file.insert(session);
        self.stats.session_opened();
        Ok(done(Some(Reply::Session(SessionParams { ses, ..*params }))))
    }

    pub(super) fn session_info(&self, info: &SessionInfoOp) -> Result<Completion, Errno> {
        let session = self.file.get(info.ses).ok_or(Errno::EINVAL)?;
        let session = session::lock(&session);
        // Fields not filled keep the caller's bytes, as cryptodev-linux copies the struct
        // in, edits it and copies it out.
        let mut out = *info;
        let mut hardware = false;
        let cipher = session
            .cipher
            .as_ref()
            .map(|c| c.ctx.info())
            .or_else(|| session.aead.as_ref().map(|a| a.ctx.info()));
        if let Some(driver) = cipher {
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

    pub(super) fn copy_hash(&self, op: &CphashOp) -> Result<Completion, Errno> {
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
}
