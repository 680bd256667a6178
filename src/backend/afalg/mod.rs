//! AF_ALG backend: sessions served by kernel transforms, each bound to a chosen driver.
//!
//! The backend holds a [`Binding`] per ABI algorithm (the kernel driver to bind and whether
//! it is hardware); which drivers to use is decided by [`select`](super::select). Every
//! context binds its own socket to the *driver* name (`salg_name = "cbc-aes-aesni"`,
//! `"virtio_crypto_aes_cbc"`, …), so the session runs on exactly that implementation and
//! CIOCGSESSINFO can name it.
//!
//! Socket lifecycle per context: `socket` + `bind` + `setkey` on the transform socket, then
//! one `accept`ed op socket used for every operation. An error during an operation replaces
//! the op socket (a failed request can leave data queued in it). The transform socket stays
//! open: hash `reset` accepts a fresh state from it and AEAD tag-length changes need it.
//!
//! - Ciphers: one `sendmsg` (ALG_SET_OP, ALG_SET_IV, the data) and one `recv` per request.
//!   Data longer than [`CHUNK`] goes as several requests, each started from the IV the
//!   previous one leaves; that IV, and the one handed back, is computed from the data by the
//!   mode's rule ([`iv`]), since AF_ALG never returns it. XTS cannot be split (its tweak
//!   does not chain) and is sent whole up to [`ONE_SHOT_MAX`].
//! - Hashes: `update` sends with MSG_MORE; `finish` reads the digest, which also returns the
//!   kernel state to the initial (keyed) one; `fork` is `accept` on the op socket (the
//!   kernel exports and imports the running state); `reset` is a fresh `accept` on the
//!   transform socket.
//! - AEAD: ALG_SET_AEAD_AUTHSIZE on the transform socket (with no op socket open), then per
//!   call one `sendmsg` of AAD ‖ data (‖ tag when decrypting) with ALG_SET_AEAD_ASSOCLEN, and
//!   a `recv` of AAD ‖ data (‖ tag when encrypting), the kernel's layout since Linux 4.9.
//!   EBADMSG is an authentication failure.
//!
//! Requests must fit the socket's buffers (about 208 KiB each way by default): ciphers are
//! cut into [`CHUNK`]s; an XTS or AEAD call above [`ONE_SHOT_MAX`] runs on a RustCrypto
//! context keyed with the same key (logged at debug level), so results never depend on the
//! size.
//!
//! A failed hash `update` poisons the context until its next `reset` or `finish`, and
//! `finish` of a poisoned context fails, so no digest of lost input ever reaches a caller.

use std::sync::Arc;

use cryptodev_abi::{AlgKind, Algorithm};
use nix::errno::Errno;
use zeroize::Zeroizing;

use super::discovery::AfAlgType;
use super::soft::RustCryptoBackend;
use super::{AeadContext, Backend, BackendError, CipherContext, DriverInfo, HashContext};

pub mod iv;
pub mod sock;

use iv::IvRule;
use sock::{Op, OpSocket, Transform};

/// Cipher data per kernel request (a multiple of every block size).
pub const CHUNK: usize = 64 * 1024;

/// The largest IV (and so block) of any cipher bound here.
const MAX_IV_BYTES: usize = 16;

/// The largest XTS or AEAD call sent to the kernel as one request.
pub const ONE_SHOT_MAX: usize = 128 * 1024;

/// The kernel driver an algorithm is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// `cra_driver_name`, the bind name.
    pub driver: String,
    /// Off-CPU implementation (reported as SIOP_FLAG_KERNEL_DRIVER_ONLY).
    pub hardware: bool,
}

/// Sessions over AF_ALG, for the algorithms it has a [`Binding`] for.
#[derive(Clone, Debug, Default)]
pub struct AfAlgBackend {
    bindings: std::collections::BTreeMap<Algorithm, Binding>,
}

impl AfAlgBackend {
    /// A backend with these bindings (algorithms AF_ALG cannot serve are dropped).
    pub fn new(bindings: impl IntoIterator<Item = (Algorithm, Binding)>) -> Self {
        Self {
            bindings: bindings
                .into_iter()
                .filter(|(alg, _)| AfAlgType::of(*alg).is_some() && alg.kernel_name().is_some())
                .collect(),
        }
    }

    /// The binding of `alg`, if any.
    pub fn binding(&self, alg: Algorithm) -> Option<&Binding> {
        self.bindings.get(&alg)
    }

    /// Every binding.
    pub fn bindings(&self) -> impl Iterator<Item = (Algorithm, &Binding)> {
        self.bindings.iter().map(|(a, b)| (*a, b))
    }

    fn transform(&self, alg: Algorithm, key: &[u8]) -> Result<Bound, BackendError> {
        let (Some(binding), Some(kind), Some(name)) = (
            self.bindings.get(&alg),
            AfAlgType::of(alg),
            alg.kernel_name(),
        ) else {
            return Err(BackendError::Unsupported(alg));
        };
        let tfm = Transform::bind(kind.salg_type(), &binding.driver).map_err(|e| {
            tracing::debug!(driver = %binding.driver, "AF_ALG bind failed: {e}");
            match e {
                Errno::EAFNOSUPPORT | Errno::ENOENT | Errno::ENAMETOOLONG | Errno::EPERM => {
                    BackendError::Unsupported(alg)
                }
                other => BackendError::Failed(format!("AF_ALG bind {}: {other}", binding.driver)),
            }
        })?;
        // Plain digests take no key; the NULL cipher none either (its max key size is 0).
        let keyless = matches!(alg.kind(), AlgKind::Hash { .. })
            || (alg == Algorithm::Null && key.is_empty());
        if !keyless {
            tfm.set_key(key).map_err(|e| match e {
                Errno::EINVAL | Errno::ENOKEY => BackendError::BadKey(alg),
                other => BackendError::Failed(format!("ALG_SET_KEY: {other}")),
            })?;
        }
        let op = tfm.accept().map_err(|e| match e {
            Errno::ENOKEY => BackendError::BadKey(alg),
            other => BackendError::Failed(format!("AF_ALG accept: {other}")),
        })?;
        Ok(Bound {
            info: DriverInfo {
                name: name.to_owned(),
                driver: binding.driver.clone(),
                hardware: binding.hardware,
            },
            tfm: Arc::new(tfm),
            op: Some(op),
        })
    }
}

impl Backend for AfAlgBackend {
    fn name(&self) -> &'static str {
        "afalg"
    }

    fn supports(&self, alg: Algorithm) -> bool {
        self.bindings.contains_key(&alg)
    }

    fn cipher(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn CipherContext>, BackendError> {
        if AfAlgType::of(alg) != Some(AfAlgType::Skcipher) {
            return Err(BackendError::Unsupported(alg));
        }
        let bound = self.transform(alg, key)?;
        let rule = IvRule::of(alg);
        Ok(Box::new(AfAlgCipher {
            alg,
            bound,
            rule,
            key: (rule == IvRule::Tweak).then(|| Zeroizing::new(key.to_vec())),
            twin: None,
        }))
    }

    fn hash(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn HashContext>, BackendError> {
        if AfAlgType::of(alg) != Some(AfAlgType::Hash) {
            return Err(BackendError::Unsupported(alg));
        }
        Ok(Box::new(AfAlgHash {
            alg,
            bound: self.transform(alg, key)?,
            poisoned: false,
            dirty: false,
        }))
    }

    fn aead(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn AeadContext>, BackendError> {
        if AfAlgType::of(alg) != Some(AfAlgType::Aead) {
            return Err(BackendError::Unsupported(alg));
        }
        Ok(Box::new(AfAlgAead {
            alg,
            bound: self.transform(alg, key)?,
            tag_len: DEFAULT_TAG_LEN,
            key: Zeroizing::new(key.to_vec()),
            twin: None,
        }))
    }
}

/// A bound, keyed transform and its current op socket (None after a failure that could not
/// be repaired at once).
struct Bound {
    info: DriverInfo,
    tfm: Arc<Transform>,
    op: Option<OpSocket>,
}

impl Bound {
    fn op(&mut self) -> Result<&OpSocket, Errno> {
        if self.op.is_none() {
            self.op = Some(self.tfm.accept()?);
        }
        self.op.as_ref().ok_or(Errno::EBADF)
    }

    /// Replaces the op socket after a failed request.
    fn renew(&mut self) {
        self.op = None;
        match self.tfm.accept() {
            Ok(op) => self.op = Some(op),
            Err(e) => tracing::warn!(driver = %self.info.driver, "AF_ALG accept failed: {e}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Ciphers

struct AfAlgCipher {
    alg: Algorithm,
    bound: Bound,
    rule: IvRule,
    /// XTS only: the key, for the software context that takes calls above ONE_SHOT_MAX.
    key: Option<Zeroizing<Vec<u8>>>,
    twin: Option<Box<dyn CipherContext>>,
}

impl AfAlgCipher {
    fn crypt(&mut self, op: Op, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        let alg = self.alg;
        let block = alg.block_size().max(1) as usize;
        let iv_size = alg.iv_size() as usize;
        if !data.len().is_multiple_of(block) {
            return Err(BackendError::BadLength {
                alg,
                len: data.len(),
            });
        }
        if iv_size > 0 && iv.len() != iv_size {
            return Err(BackendError::BadIv {
                alg,
                expected: iv_size,
                len: iv.len(),
            });
        }
        if self.rule == IvRule::Tweak && data.len() < 16 {
            return Err(BackendError::BadLength {
                alg,
                len: data.len(),
            });
        }
        if data.is_empty() {
            return Ok(());
        }
        if !self.rule.chains() && data.len() > ONE_SHOT_MAX {
            return self.on_twin(op, iv, data);
        }
        let chunk = if self.rule.chains() {
            CHUNK
        } else {
            data.len()
        };
        for piece in data.chunks_mut(chunk) {
            if let Err(e) = self.request(op, iv, piece) {
                self.bound.renew();
                return Err(match e {
                    Errno::EINVAL => BackendError::BadLength {
                        alg,
                        len: piece.len(),
                    },
                    other => BackendError::Failed(format!(
                        "AF_ALG {} request: {other}",
                        self.bound.info.driver
                    )),
                });
            }
        }
        Ok(())
    }

    /// One kernel request over `piece` (in place), advancing `iv`.
    fn request(&mut self, op: Op, iv: &mut [u8], piece: &mut [u8]) -> Result<(), Errno> {
        let len = piece.len();
        let encrypt = op == Op::Encrypt;
        if self.rule.pads_tail() && !len.is_multiple_of(16) {
            return self.request_padded(op, iv, piece);
        }
        // The kernel copies the input at send time, so the result can land in the same
        // buffer; only the input block the next IV may come from is kept aside.
        let block = iv::final_block(self.rule, iv.len(), len);
        let mut input_block = [0u8; MAX_IV_BYTES];
        let kept = block
            .clone()
            .map_or(0, |range| range.len())
            .min(MAX_IV_BYTES);
        if let Some(range) = &block {
            input_block[..kept].copy_from_slice(&piece[range.start..range.start + kept]);
        }
        let send_iv = (!iv.is_empty()).then_some(&*iv);
        let socket = self.bound.op()?;
        socket.send(&[piece], Some(op), send_iv, None, false)?;
        socket.recv_exact(piece)?;
        let output_block = block.map_or(&[][..], |range| &piece[range]);
        iv::advance_from_blocks(
            self.rule,
            iv,
            len,
            &input_block[..kept],
            output_block,
            encrypt,
        );
        Ok(())
    }

    /// A partial final block of a stream mode goes padded to a whole block.
    fn request_padded(&mut self, op: Op, iv: &mut [u8], piece: &mut [u8]) -> Result<(), Errno> {
        let len = piece.len();
        let mut input = Zeroizing::new(piece.to_vec());
        input.resize(len.div_ceil(16) * 16, 0);
        let mut output = Zeroizing::new(vec![0u8; input.len()]);
        let send_iv = (!iv.is_empty()).then_some(&*iv);
        let socket = self.bound.op()?;
        socket.send(&[&input], Some(op), send_iv, None, false)?;
        socket.recv_exact(&mut output)?;
        iv::advance(self.rule, iv, &input, &output, len, op == Op::Encrypt);
        piece.copy_from_slice(&output[..len]);
        Ok(())
    }

    fn on_twin(&mut self, op: Op, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        if self.twin.is_none() {
            let key = self
                .key
                .as_ref()
                .ok_or_else(|| BackendError::Failed("no key kept for the software path".into()))?;
            tracing::debug!(
                driver = %self.bound.info.driver,
                len = data.len(),
                "XTS call above {ONE_SHOT_MAX} bytes runs in software"
            );
            self.twin = Some(RustCryptoBackend.cipher(self.alg, key)?);
        }
        let twin = self
            .twin
            .as_mut()
            .ok_or(BackendError::Unsupported(self.alg))?;
        match op {
            Op::Encrypt => twin.encrypt(iv, data),
            Op::Decrypt => twin.decrypt(iv, data),
        }
    }
}

impl CipherContext for AfAlgCipher {
    fn info(&self) -> DriverInfo {
        self.bound.info.clone()
    }

    fn encrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        self.crypt(Op::Encrypt, iv, data)
    }

    fn decrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        self.crypt(Op::Decrypt, iv, data)
    }
}

// ---------------------------------------------------------------------------------------------
// Hashes

struct AfAlgHash {
    alg: Algorithm,
    bound: Bound,
    /// An update failed: the state no longer matches the input.
    poisoned: bool,
    /// Data went in since the last finish or reset (otherwise the kernel state is the
    /// initial one and a reset has nothing to do).
    dirty: bool,
}

impl HashContext for AfAlgHash {
    fn info(&self) -> DriverInfo {
        self.bound.info.clone()
    }

    fn algorithm(&self) -> Algorithm {
        self.alg
    }

    fn update(&mut self, data: &[u8]) -> Result<(), BackendError> {
        if self.poisoned {
            return Err(BackendError::Failed(
                "hash state lost by an earlier error".into(),
            ));
        }
        if data.is_empty() {
            return Ok(());
        }
        let sent = self
            .bound
            .op()
            .and_then(|op| op.send(&[data], None, None, None, true));
        self.dirty = true;
        sent.map_err(|e| {
            tracing::warn!(driver = %self.bound.info.driver, "AF_ALG hash update failed: {e}");
            self.poisoned = true;
            BackendError::Failed(format!("AF_ALG hash update: {e}"))
        })
    }

    fn finish(&mut self, out: &mut [u8]) -> Result<(), BackendError> {
        let mut digest = Zeroizing::new(vec![0u8; self.alg.digest_size() as usize]);
        let result = if self.poisoned {
            Err(Errno::EIO)
        } else {
            self.bound.op().and_then(|op| op.recv_exact(&mut digest))
        };
        if let Err(e) = result {
            tracing::warn!(driver = %self.bound.info.driver, "AF_ALG hash failed: {e}");
            self.reset();
            return Err(BackendError::Failed(format!("AF_ALG hash: {e}")));
        }
        self.dirty = false;
        let n = out.len().min(digest.len());
        out[..n].copy_from_slice(&digest[..n]);
        Ok(())
    }

    fn reset(&mut self) {
        if self.dirty || self.poisoned || self.bound.op.is_none() {
            self.poisoned = false;
            self.dirty = false;
            self.bound.renew();
        }
    }

    fn fork(&self) -> Box<dyn HashContext> {
        let op = if self.poisoned {
            None
        } else {
            match self.bound.op.as_ref().map(OpSocket::fork) {
                Some(Ok(op)) => Some(op),
                Some(Err(e)) => {
                    tracing::error!(driver = %self.bound.info.driver, "AF_ALG hash fork failed: {e}");
                    None
                }
                None => self.bound.tfm.accept().ok(),
            }
        };
        Box::new(AfAlgHash {
            alg: self.alg,
            dirty: self.dirty,
            poisoned: op.is_none(),
            bound: Bound {
                info: self.bound.info.clone(),
                tfm: Arc::clone(&self.bound.tfm),
                op,
            },
        })
    }
}

// ---------------------------------------------------------------------------------------------
// AEAD

/// The kernel's authsize for a new gcm/ccm transform.
const DEFAULT_TAG_LEN: usize = 16;

/// Tag lengths `crypto_gcm_setauthsize` / `crypto_ccm_setauthsize` take.
const GCM_TAG_LENS: [usize; 7] = [4, 8, 12, 13, 14, 15, 16];
const CCM_TAG_LENS: [usize; 7] = [4, 6, 8, 10, 12, 14, 16];

struct AfAlgAead {
    alg: Algorithm,
    bound: Bound,
    tag_len: usize,
    /// For the software context that takes calls above ONE_SHOT_MAX.
    key: Zeroizing<Vec<u8>>,
    twin: Option<Box<dyn AeadContext>>,
}

impl AfAlgAead {
    fn twin(&mut self, len: usize) -> Result<&mut Box<dyn AeadContext>, BackendError> {
        if self.twin.is_none() {
            tracing::debug!(
                driver = %self.bound.info.driver,
                len,
                "AEAD call above {ONE_SHOT_MAX} bytes runs in software"
            );
            self.twin = Some(RustCryptoBackend.aead(self.alg, &self.key)?);
        }
        let tag_len = self.tag_len;
        let twin = self
            .twin
            .as_mut()
            .ok_or(BackendError::Unsupported(self.alg))?;
        twin.set_tag_len(tag_len)?;
        Ok(twin)
    }

    fn check_iv(&self, iv: &[u8]) -> Result<(), BackendError> {
        let want = self.alg.iv_size() as usize;
        if iv.len() == want {
            Ok(())
        } else {
            Err(BackendError::BadIv {
                alg: self.alg,
                expected: want,
                len: iv.len(),
            })
        }
    }

    fn failed(&mut self, e: Errno, len: usize) -> BackendError {
        self.bound.renew();
        match e {
            Errno::EBADMSG => BackendError::BadTag,
            Errno::EOVERFLOW => BackendError::TooLong { alg: self.alg, len },
            Errno::EINVAL => BackendError::BadLength { alg: self.alg, len },
            other => BackendError::Failed(format!(
                "AF_ALG {} request: {other}",
                self.bound.info.driver
            )),
        }
    }
}

fn assoclen(aad: &[u8]) -> Result<u32, BackendError> {
    u32::try_from(aad.len()).map_err(|_| BackendError::Failed("AAD too long".into()))
}

impl AeadContext for AfAlgAead {
    fn info(&self) -> DriverInfo {
        self.bound.info.clone()
    }

    fn tag_len(&self) -> usize {
        self.tag_len
    }

    fn set_tag_len(&mut self, len: usize) -> Result<(), BackendError> {
        let allowed: &[usize] = match self.alg {
            Algorithm::AesCcm => &CCM_TAG_LENS,
            _ => &GCM_TAG_LENS,
        };
        if !allowed.contains(&len) {
            return Err(BackendError::Failed(format!(
                "{} does not take a {len}-byte tag",
                self.bound.info.name
            )));
        }
        if len == self.tag_len {
            return Ok(());
        }
        // The kernel refuses setsockopt while an accepted socket is open.
        self.bound.op = None;
        let set = self.bound.tfm.set_auth_size(len);
        self.bound.renew();
        set.map_err(|e| BackendError::Failed(format!("ALG_SET_AEAD_AUTHSIZE({len}): {e}")))?;
        self.tag_len = len;
        Ok(())
    }

    fn encrypt(&mut self, iv: &[u8], aad: &[u8], data: &mut [u8]) -> Result<Vec<u8>, BackendError> {
        self.check_iv(iv)?;
        let total = aad.len() + data.len() + self.tag_len;
        if total > ONE_SHOT_MAX {
            return self.twin(data.len())?.encrypt(iv, aad, data);
        }
        let assoclen = assoclen(aad)?;
        let mut output = Zeroizing::new(vec![0u8; total]);
        let result = self.bound.op().and_then(|op| {
            op.send(
                &[aad, data],
                Some(Op::Encrypt),
                Some(iv),
                Some(assoclen),
                false,
            )?;
            op.recv_exact(&mut output)
        });
        if let Err(e) = result {
            return Err(self.failed(e, data.len()));
        }
        let body = aad.len()..aad.len() + data.len();
        data.copy_from_slice(&output[body.clone()]);
        Ok(output[body.end..].to_vec())
    }

    fn decrypt(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<(), BackendError> {
        self.check_iv(iv)?;
        if tag.len() != self.tag_len {
            return Err(BackendError::Failed(format!(
                "tag of {} bytes with a tag length of {}",
                tag.len(),
                self.tag_len
            )));
        }
        let total = aad.len() + data.len() + tag.len();
        if total > ONE_SHOT_MAX {
            return self.twin(data.len())?.decrypt(iv, aad, data, tag);
        }
        let assoclen = assoclen(aad)?;
        let out_len = aad.len() + data.len();
        // An empty result still needs a non-empty receive buffer: the kernel runs the request
        // only while the caller has room left ("authentication only" then).
        let mut output = Zeroizing::new(vec![0u8; out_len.max(1)]);
        let result = self.bound.op().and_then(|op| {
            op.send(
                &[aad, data, tag],
                Some(Op::Decrypt),
                Some(iv),
                Some(assoclen),
                false,
            )?;
            if out_len == 0 {
                op.recv_once(&mut output).map(drop)
            } else {
                op.recv_exact(&mut output)
            }
        });
        if let Err(e) = result {
            return Err(self.failed(e, data.len()));
        }
        data.copy_from_slice(&output[aad.len()..out_len]);
        Ok(())
    }
}
