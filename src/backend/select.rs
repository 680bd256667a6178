//! Which implementation serves each algorithm: the policy behind `--backend`,
//! `--pin-driver` and `--software-below`, and the [`SelectedBackend`] that applies it.
//!
//! - `soft`: RustCrypto for everything; AF_ALG is never touched.
//! - `auto` (default): an algorithm goes to AF_ALG only when the kernel has a *hardware*
//!   driver for it ([`KernelAlg::hardware`]: CRYPTO_ALG_KERN_DRIVER_ONLY or a device
//!   driver's module) and a bind to that driver works; everything else runs in RustCrypto,
//!   which beats AF_ALG to a software transform.
//! - `afalg`: every algorithm the kernel offers goes to AF_ALG, on its highest-priority
//!   usable driver (templates such as `hmac(sha256)` are instantiated first by binding their
//!   names once); the rest runs in RustCrypto.
//! - `--pin-driver NAME=DRIVER` forces DRIVER for the algorithm NAME (`auto` and `afalg`).
//! - `--software-below BYTES`: cipher and AEAD operations of *hardware* sessions shorter
//!   than BYTES run on a RustCrypto context keyed alike (the IV is passed per call, so the
//!   two interleave seamlessly); hashes stay on the backend their session started on.
//!
//! Fallback: AF_ALG missing (EAFNOSUPPORT) or a bind refused (ENOENT, …) sends that
//! algorithm to RustCrypto, logged once per algorithm, at startup or when a later session
//! meets it. The decision itself ([`decide`]) is a pure function of the options, the
//! kernel's algorithm list and a bind probe, so it is tested without a kernel.

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;

use cryptodev_abi::Algorithm;
use nix::errno::Errno;

use super::afalg::sock::{Transform, MAX_NAME};
use super::afalg::{AfAlgBackend, Binding};
use super::discovery::{self, AfAlgType, Discovery, KernelAlg, Source};
use super::soft::RustCryptoBackend;
use super::{AeadContext, Backend, BackendError, CipherContext, DriverInfo, HashContext};

/// `--backend`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendMode {
    /// AF_ALG only for algorithms with a hardware driver, RustCrypto for the rest.
    #[default]
    Auto,
    /// RustCrypto only.
    Soft,
    /// AF_ALG for every algorithm the kernel has, RustCrypto for the rest.
    Afalg,
}

/// `--pin-driver NAME=DRIVER`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pin {
    pub alg: Algorithm,
    pub driver: String,
}

impl std::str::FromStr for Pin {
    type Err = String;

    fn from_str(s: &str) -> Result<Pin, String> {
        let (name, driver) = s
            .split_once('=')
            .ok_or_else(|| format!("{s:?} is not NAME=DRIVER"))?;
        let (name, driver) = (name.trim(), driver.trim());
        let alg = Algorithm::ALL
            .iter()
            .copied()
            .find(|a| a.kernel_name() == Some(name) && AfAlgType::of(*a).is_some())
            .ok_or_else(|| {
                let names: Vec<&str> = Algorithm::ALL
                    .iter()
                    .filter(|a| AfAlgType::of(**a).is_some())
                    .filter_map(|a| a.kernel_name())
                    .collect();
                format!("no algorithm named {name:?}; one of: {}", names.join(" "))
            })?;
        if driver.is_empty() || driver.len() > MAX_NAME {
            return Err(format!(
                "driver name {driver:?} must be 1..={MAX_NAME} bytes"
            ));
        }
        Ok(Pin {
            alg,
            driver: driver.to_owned(),
        })
    }
}

/// The backend options of the daemon.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SelectOptions {
    pub mode: BackendMode,
    pub pins: Vec<Pin>,
    /// 0: off.
    pub software_below: usize,
}

/// What serves one algorithm.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Kernel(Binding),
    /// RustCrypto, and why (empty in `soft` mode).
    Software(String),
}

/// Every algorithm's decision.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    pub mode: BackendMode,
    pub decisions: BTreeMap<Algorithm, Decision>,
}

impl Selection {
    /// The AF_ALG backend with the kernel decisions.
    pub fn afalg_backend(&self) -> AfAlgBackend {
        AfAlgBackend::new(self.decisions.iter().filter_map(|(alg, d)| match d {
            Decision::Kernel(b) => Some((*alg, b.clone())),
            Decision::Software(_) => None,
        }))
    }

    /// One line per algorithm: kernel driver or software and why. With `notable_only`,
    /// only the kernel bindings and the fallbacks that were not the policy's plain answer
    /// ("no hardware driver" in `auto`).
    pub fn describe(&self, notable_only: bool) -> String {
        let mut out = String::new();
        for (alg, decision) in &self.decisions {
            let name = alg.kernel_name().unwrap_or("?");
            let line = match decision {
                Decision::Kernel(b) => format!(
                    "{name}: AF_ALG {}{}",
                    b.driver,
                    if b.hardware { " (hardware)" } else { "" }
                ),
                Decision::Software(why)
                    if notable_only && (why.is_empty() || why == NO_HARDWARE) =>
                {
                    continue
                }
                Decision::Software(why) if why.is_empty() => format!("{name}: rustcrypto"),
                Decision::Software(why) => format!("{name}: rustcrypto ({why})"),
            };
            out.push_str(&line);
            out.push('\n');
        }
        out
    }
}

/// The reason `auto` gives for the algorithms it leaves to RustCrypto.
const NO_HARDWARE: &str = "no hardware driver";

/// The ABI algorithms AF_ALG can serve.
fn afalg_algorithms() -> impl Iterator<Item = (Algorithm, AfAlgType, &'static str)> {
    Algorithm::ALL
        .iter()
        .filter_map(|&a| Some((a, AfAlgType::of(a)?, a.kernel_name()?)))
}

/// The drivers to try for `alg`, best first: the pinned one; in `afalg` mode every usable
/// driver of its name and type, in `auto` mode the hardware ones, by falling priority (ties
/// by driver name).
pub fn candidates(options: &SelectOptions, algs: &[KernelAlg], alg: Algorithm) -> Vec<Binding> {
    let (Some(kind), Some(name)) = (AfAlgType::of(alg), alg.kernel_name()) else {
        return Vec::new();
    };
    if options.mode == BackendMode::Soft {
        return Vec::new();
    }
    if let Some(pin) = options.pins.iter().find(|p| p.alg == alg) {
        let hardware = algs
            .iter()
            .any(|a| a.driver == pin.driver && a.name == name && a.hardware);
        return vec![Binding {
            driver: pin.driver.clone(),
            hardware,
        }];
    }
    let mut found: Vec<&KernelAlg> = algs
        .iter()
        .filter(|a| a.name == name && a.usable() && a.afalg_type() == Some(kind))
        .filter(|a| options.mode == BackendMode::Afalg || a.hardware)
        .collect();
    found.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.driver.cmp(&b.driver)));
    found.dedup_by(|a, b| a.driver == b.driver);
    found
        .into_iter()
        .map(|a| Binding {
            driver: a.driver.clone(),
            hardware: a.hardware,
        })
        .collect()
}

/// Decides every algorithm: the first candidate `probe` can bind wins; EAFNOSUPPORT from the
/// probe (no AF_ALG) ends all probing.
pub fn decide(
    options: &SelectOptions,
    algs: &[KernelAlg],
    probe: &mut dyn FnMut(AfAlgType, &str) -> Result<(), Errno>,
) -> Selection {
    let soft = RustCryptoBackend::new();
    let mut decisions = BTreeMap::new();
    let mut afalg_missing = false;
    for (alg, kind, _) in afalg_algorithms() {
        let candidates = candidates(options, algs, alg);
        let mut why = match options.mode {
            BackendMode::Soft => String::new(),
            BackendMode::Auto => NO_HARDWARE.to_owned(),
            BackendMode::Afalg => "the kernel has no driver".to_owned(),
        };
        let mut chosen = None;
        for candidate in candidates {
            if afalg_missing {
                why = "AF_ALG unavailable".to_owned();
                break;
            }
            match probe(kind, &candidate.driver) {
                Ok(()) => {
                    chosen = Some(candidate);
                    break;
                }
                Err(Errno::EAFNOSUPPORT) => {
                    afalg_missing = true;
                    why = "AF_ALG unavailable".to_owned();
                }
                Err(e) => why = format!("bind to {} refused: {e}", candidate.driver),
            }
        }
        match chosen {
            Some(binding) => {
                decisions.insert(alg, Decision::Kernel(binding));
            }
            None if soft.supports(alg) => {
                decisions.insert(alg, Decision::Software(why));
            }
            None => {}
        }
    }
    Selection {
        mode: options.mode,
        decisions,
    }
}

/// Binds every algorithm's name once, so that the kernel loads modules and instantiates
/// templates (`hmac(sha256)`, `cbc(des)`, …) before the table is read. Stops at
/// EAFNOSUPPORT.
fn instantiate_all() {
    for (_, kind, name) in afalg_algorithms() {
        if let Err(Errno::EAFNOSUPPORT) = Transform::bind(kind.salg_type(), name) {
            return;
        }
    }
}

/// Runs the policy against this kernel: discovery, probing binds. Never fails: whatever
/// cannot be used goes to RustCrypto, and the reasons are in the [`Selection`].
pub fn select(options: &SelectOptions) -> (Selection, Option<Source>) {
    if options.mode == BackendMode::Soft {
        return (decide(options, &[], &mut |_, _| Err(Errno::ENOENT)), None);
    }
    if let Err(e) = super::afalg::sock::available() {
        let why = format!("AF_ALG unavailable: {e}");
        let soft = RustCryptoBackend::new();
        let decisions = afalg_algorithms()
            .filter(|(alg, ..)| soft.supports(*alg))
            .map(|(alg, ..)| (alg, Decision::Software(why.clone())))
            .collect();
        let selection = Selection {
            mode: options.mode,
            decisions,
        };
        return (selection, None);
    }
    if options.mode == BackendMode::Afalg {
        instantiate_all();
    }
    let discovery = match discovery::discover() {
        Ok(d) => Some(d),
        Err(e) => {
            tracing::warn!("cannot list the kernel's algorithms: {e}");
            None
        }
    };
    let algs = discovery.as_ref().map_or(&[][..], |d: &Discovery| &d.algs);
    let mut probe =
        |kind: AfAlgType, driver: &str| Transform::bind(kind.salg_type(), driver).map(drop);
    let selection = decide(options, algs, &mut probe);
    (selection, discovery.map(|d| d.source))
}

/// Each AF_ALG session holds two descriptors (transform and op socket): the soft limit on
/// open files goes up to the hard one, so that sessions do not run out long before memory
/// does (a session that still cannot get its sockets runs in RustCrypto).
fn raise_fd_limit() {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) if soft < hard => {
            if let Err(e) = setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
                tracing::debug!("cannot raise the open-file limit from {soft} to {hard}: {e}");
            }
        }
        Ok(_) => {}
        Err(e) => tracing::debug!("getrlimit(RLIMIT_NOFILE): {e}"),
    }
}

/// The daemon's backend: RustCrypto, AF_ALG for the algorithms the selection sent there.
pub struct SelectedBackend {
    soft: RustCryptoBackend,
    afalg: AfAlgBackend,
    software_below: usize,
    mode: BackendMode,
    /// Algorithms whose AF_ALG sessions stopped working (bind refused later on): software
    /// from then on.
    demoted: Mutex<HashSet<Algorithm>>,
    /// Algorithms whose fallback has been logged.
    logged: Mutex<HashSet<Algorithm>>,
}

impl std::fmt::Debug for SelectedBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelectedBackend")
            .field("mode", &self.mode)
            .field("afalg", &self.afalg)
            .field("software_below", &self.software_below)
            .finish_non_exhaustive()
    }
}

impl SelectedBackend {
    /// Selects (see [`select`]), logs the outcome, and builds the backend.
    pub fn build(options: &SelectOptions) -> SelectedBackend {
        if options.mode == BackendMode::Soft && !options.pins.is_empty() {
            tracing::warn!("--pin-driver has no effect with --backend soft");
        }
        let (selection, source) = select(options);
        if selection
            .decisions
            .values()
            .any(|d| matches!(d, Decision::Kernel(_)))
        {
            raise_fd_limit();
        }
        if options.mode != BackendMode::Soft {
            let kernel = selection
                .decisions
                .values()
                .filter(|d| matches!(d, Decision::Kernel(_)))
                .count();
            tracing::info!(
                mode = ?options.mode,
                ?source,
                "{kernel} algorithms on AF_ALG, {} on RustCrypto:\n{}",
                selection.decisions.len() - kernel,
                selection.describe(true)
            );
            tracing::debug!("every algorithm:\n{}", selection.describe(false));
        }
        Self::from_selection(&selection, options.software_below)
    }

    /// The backend for a selection made elsewhere.
    pub fn from_selection(selection: &Selection, software_below: usize) -> SelectedBackend {
        SelectedBackend {
            soft: RustCryptoBackend::new(),
            afalg: selection.afalg_backend(),
            software_below,
            mode: selection.mode,
            demoted: Mutex::new(HashSet::new()),
            logged: Mutex::new(HashSet::new()),
        }
    }

    /// The AF_ALG part.
    pub fn afalg(&self) -> &AfAlgBackend {
        &self.afalg
    }

    /// The binding `alg` uses now, if it goes to AF_ALG.
    fn kernel(&self, alg: Algorithm) -> Option<&Binding> {
        let demoted = self.demoted.lock().unwrap_or_else(|e| e.into_inner());
        if demoted.contains(&alg) {
            return None;
        }
        self.afalg.binding(alg)
    }

    /// Whether a session of `binding` splits small operations off to software.
    fn splits(&self, binding: &Binding) -> bool {
        binding.hardware && self.software_below > 0
    }

    /// An AF_ALG session could not be made: RustCrypto takes it; logged once per algorithm.
    /// A refused bind (AF_ALG gone, driver refused) demotes the algorithm for good.
    fn fall_back(&self, alg: Algorithm, error: &BackendError) {
        let permanent = matches!(error, BackendError::Unsupported(_));
        if permanent {
            self.demoted
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(alg);
        }
        let first = self
            .logged
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(alg);
        if first {
            tracing::warn!(
                algorithm = alg.kernel_name().unwrap_or("?"),
                "AF_ALG session failed ({error}); RustCrypto serves {}",
                if permanent {
                    "this algorithm from now on"
                } else {
                    "the sessions AF_ALG cannot"
                }
            );
        }
    }
}

impl Backend for SelectedBackend {
    fn name(&self) -> &'static str {
        match self.mode {
            BackendMode::Soft => "rustcrypto",
            BackendMode::Auto => "auto",
            BackendMode::Afalg => "afalg",
        }
    }

    fn supports(&self, alg: Algorithm) -> bool {
        self.soft.supports(alg) || self.kernel(alg).is_some()
    }

    fn cipher(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn CipherContext>, BackendError> {
        if let Some(binding) = self.kernel(alg) {
            match self.afalg.cipher(alg, key) {
                Ok(kernel) if self.splits(binding) => {
                    return Ok(Box::new(SplitCipher {
                        kernel,
                        soft: self.soft.cipher(alg, key)?,
                        below: self.software_below,
                    }));
                }
                Ok(kernel) => return Ok(kernel),
                Err(e @ BackendError::BadKey(_)) => return Err(e),
                Err(e) => self.fall_back(alg, &e),
            }
        }
        self.soft.cipher(alg, key)
    }

    fn hash(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn HashContext>, BackendError> {
        if self.kernel(alg).is_some() {
            match self.afalg.hash(alg, key) {
                Ok(kernel) => return Ok(kernel),
                Err(e @ BackendError::BadKey(_)) => return Err(e),
                Err(e) => self.fall_back(alg, &e),
            }
        }
        self.soft.hash(alg, key)
    }

    fn aead(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn AeadContext>, BackendError> {
        if let Some(binding) = self.kernel(alg) {
            match self.afalg.aead(alg, key) {
                Ok(kernel) if self.splits(binding) => {
                    return Ok(Box::new(SplitAead {
                        kernel,
                        soft: self.soft.aead(alg, key)?,
                        below: self.software_below,
                    }));
                }
                Ok(kernel) => return Ok(kernel),
                Err(e @ BackendError::BadKey(_)) => return Err(e),
                Err(e) => self.fall_back(alg, &e),
            }
        }
        self.soft.aead(alg, key)
    }
}

/// A hardware cipher session whose short operations run in software.
struct SplitCipher {
    kernel: Box<dyn CipherContext>,
    soft: Box<dyn CipherContext>,
    below: usize,
}

impl SplitCipher {
    fn pick(&mut self, len: usize) -> &mut dyn CipherContext {
        if len < self.below {
            self.soft.as_mut()
        } else {
            self.kernel.as_mut()
        }
    }
}

impl CipherContext for SplitCipher {
    fn info(&self) -> DriverInfo {
        self.kernel.info()
    }

    fn encrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        self.pick(data.len()).encrypt(iv, data)
    }

    fn decrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        self.pick(data.len()).decrypt(iv, data)
    }
}

/// A hardware AEAD session whose short operations run in software; the tag length is kept
/// equal on both.
struct SplitAead {
    kernel: Box<dyn AeadContext>,
    soft: Box<dyn AeadContext>,
    below: usize,
}

impl SplitAead {
    fn pick(&mut self, len: usize) -> &mut dyn AeadContext {
        if len < self.below {
            self.soft.as_mut()
        } else {
            self.kernel.as_mut()
        }
    }
}

impl AeadContext for SplitAead {
    fn info(&self) -> DriverInfo {
        self.kernel.info()
    }

    fn tag_len(&self) -> usize {
        self.kernel.tag_len()
    }

    fn set_tag_len(&mut self, len: usize) -> Result<(), BackendError> {
        self.kernel.set_tag_len(len)?;
        self.soft.set_tag_len(len)
    }

    fn encrypt(&mut self, iv: &[u8], aad: &[u8], data: &mut [u8]) -> Result<Vec<u8>, BackendError> {
        self.pick(data.len()).encrypt(iv, aad, data)
    }

    fn decrypt(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<(), BackendError> {
        self.pick(data.len()).decrypt(iv, aad, data, tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::discovery::{CRYPTO_ALG_INTERNAL, CRYPTO_ALG_KERN_DRIVER_ONLY};

    fn entry(name: &str, driver: &str, module: &str, priority: u32, kind: &str) -> KernelAlg {
        KernelAlg {
            name: name.into(),
            driver: driver.into(),
            module: module.into(),
            priority,
            kind: kind.into(),
            flags: 0,
            hardware: false,
        }
    }

    /// A guest-like table: aesni and virtio for cbc(aes), an internal helper, a caam hash.
    fn table() -> Vec<KernelAlg> {
        let mut algs = vec![
            entry("cbc(aes)", "cbc-aes-aesni", "aesni_intel", 400, "skcipher"),
            entry(
                "cbc(aes)",
                "virtio_crypto_aes_cbc",
                "virtio_crypto",
                150,
                "skcipher",
            ),
            entry("cbc(aes)", "cbc(aes-generic)", "kernel", 100, "skcipher"),
            entry(
                "__cbc(aes)",
                "__cbc-aes-aesni",
                "aesni_intel",
                400,
                "skcipher",
            ),
            entry(
                "ecb(aes)",
                "__ecb-aes-aesni",
                "aesni_intel",
                401,
                "skcipher",
            ),
            entry("ecb(aes)", "ecb-aes-aesni", "aesni_intel", 400, "skcipher"),
            entry("sha256", "sha256-avx2", "sha256_ssse3", 170, "shash"),
            entry("sha256", "sha256-generic", "kernel", 100, "shash"),
            entry("sha256", "sha256-caam", "caamhash", 3000, "ahash"),
            entry("gcm(aes)", "generic-gcm-aesni", "aesni_intel", 400, "aead"),
            entry("rsa", "virtio-crypto-rsa", "virtio_crypto", 150, "akcipher"),
        ];
        algs[4].flags = CRYPTO_ALG_INTERNAL;
        algs[3].flags = CRYPTO_ALG_INTERNAL;
        algs[8].flags = CRYPTO_ALG_KERN_DRIVER_ONLY;
        discovery::mark_hardware(&mut algs, |m| m == "virtio_crypto");
        algs
    }

    fn options(mode: BackendMode) -> SelectOptions {
        SelectOptions {
            mode,
            ..SelectOptions::default()
        }
    }

    fn kernel(s: &Selection, alg: Algorithm) -> Option<(&str, bool)> {
        match s.decisions.get(&alg)? {
            Decision::Kernel(b) => Some((b.driver.as_str(), b.hardware)),
            Decision::Software(_) => None,
        }
    }

    #[test]
    fn auto_takes_only_hardware() {
        let mut probed = Vec::new();
        let s = decide(&options(BackendMode::Auto), &table(), &mut |k, d| {
            probed.push((k, d.to_owned()));
            Ok(())
        });
        assert_eq!(
            kernel(&s, Algorithm::AesCbc),
            Some(("virtio_crypto_aes_cbc", true))
        );
        assert_eq!(kernel(&s, Algorithm::Sha256), Some(("sha256-caam", true)));
        assert_eq!(kernel(&s, Algorithm::AesEcb), None);
        assert_eq!(kernel(&s, Algorithm::AesGcm), None);
        // Only hardware drivers were probed; everything else is software with a reason.
        assert_eq!(probed.len(), 2);
        assert_eq!(
            s.decisions[&Algorithm::AesEcb],
            Decision::Software("no hardware driver".into())
        );
        // Every algorithm RustCrypto has is decided.
        assert_eq!(
            s.decisions.len(),
            Algorithm::ALL
                .iter()
                .filter(|a| RustCryptoBackend.supports(**a))
                .count()
        );
    }

    #[test]
    fn afalg_takes_highest_priority_usable() {
        let s = decide(&options(BackendMode::Afalg), &table(), &mut |_, _| Ok(()));
        assert_eq!(
            kernel(&s, Algorithm::AesCbc),
            Some(("cbc-aes-aesni", false))
        );
        // The internal helper at 401 is skipped.
        assert_eq!(
            kernel(&s, Algorithm::AesEcb),
            Some(("ecb-aes-aesni", false))
        );
        assert_eq!(kernel(&s, Algorithm::Sha256), Some(("sha256-caam", true)));
        assert_eq!(
            kernel(&s, Algorithm::AesGcm),
            Some(("generic-gcm-aesni", false))
        );
        // Not in the table: software.
        assert_eq!(
            s.decisions[&Algorithm::Sha1],
            Decision::Software("the kernel has no driver".into())
        );
        let backend = s.afalg_backend();
        assert!(backend.supports(Algorithm::AesGcm) && !backend.supports(Algorithm::Sha1));
    }

    #[test]
    fn refused_bind_tries_the_next_driver_then_software() {
        let s = decide(&options(BackendMode::Afalg), &table(), &mut |_, d| {
            if d.starts_with("cbc-aes") || d == "sha256-caam" {
                Err(Errno::ENOENT)
            } else if d.starts_with("sha256") {
                Err(Errno::EINVAL)
            } else {
                Ok(())
            }
        });
        assert_eq!(
            kernel(&s, Algorithm::AesCbc),
            Some(("virtio_crypto_aes_cbc", true))
        );
        assert_eq!(
            s.decisions[&Algorithm::Sha256],
            Decision::Software("bind to sha256-generic refused: EINVAL: Invalid argument".into())
        );
    }

    #[test]
    fn missing_af_alg_sends_everything_to_software() {
        let mut calls = 0;
        let s = decide(&options(BackendMode::Afalg), &table(), &mut |_, _| {
            calls += 1;
            Err(Errno::EAFNOSUPPORT)
        });
        assert_eq!(calls, 1, "probing stops at the first EAFNOSUPPORT");
        assert!(s.afalg_backend().bindings().next().is_none());
        assert_eq!(
            s.decisions[&Algorithm::AesGcm],
            Decision::Software("AF_ALG unavailable".into())
        );
    }

    #[test]
    fn pins_and_soft() {
        let pins = vec![
            "cbc(aes)=cbc-aes-aesni".parse::<Pin>().unwrap(),
            " ecb(aes) = made-up ".parse().unwrap(),
        ];
        let opts = SelectOptions {
            mode: BackendMode::Auto,
            pins: pins.clone(),
            software_below: 0,
        };
        let s = decide(&opts, &table(), &mut |_, _| Ok(()));
        assert_eq!(
            kernel(&s, Algorithm::AesCbc),
            Some(("cbc-aes-aesni", false))
        );
        assert_eq!(kernel(&s, Algorithm::AesEcb), Some(("made-up", false)));
        let opts = SelectOptions {
            mode: BackendMode::Soft,
            pins,
            software_below: 0,
        };
        let s = decide(&opts, &table(), &mut |_, _| panic!("soft never probes"));
        assert!(s.afalg_backend().bindings().next().is_none());
        assert_eq!(
            s.decisions[&Algorithm::AesCbc],
            Decision::Software(String::new())
        );
        let virtio: Pin = "cbc(aes)=virtio_crypto_aes_cbc".parse().unwrap();
        let c = candidates(
            &SelectOptions {
                mode: BackendMode::Afalg,
                pins: vec![virtio],
                software_below: 0,
            },
            &table(),
            Algorithm::AesCbc,
        );
        assert_eq!(
            c,
            [Binding {
                driver: "virtio_crypto_aes_cbc".into(),
                hardware: true
            }]
        );
    }

    #[test]
    fn pin_syntax() {
        assert!("cbc(aes)".parse::<Pin>().is_err());
        assert!("rc4=x".parse::<Pin>().unwrap_err().contains("cbc(aes)"));
        assert!("cbc(aes)=".parse::<Pin>().is_err());
        assert!(format!("sha256={}", "x".repeat(64)).parse::<Pin>().is_err());
        // Composite TLS algorithms are not AF_ALG's.
        assert!("tls11(hmac(sha1),cbc(aes))=x".parse::<Pin>().is_err());
        assert_eq!(
            "hmac(sha256)=hmac(sha256-avx2)".parse::<Pin>().unwrap(),
            Pin {
                alg: Algorithm::Sha256Hmac,
                driver: "hmac(sha256-avx2)".into()
            }
        );
    }

    /// Without AF_ALG (as on the build machines), a selection with kernel bindings still
    /// serves every session: the bind fails, RustCrypto takes over, and the algorithm stays
    /// demoted.
    #[test]
    fn sessions_fall_back_when_binds_fail() {
        let s = decide(&options(BackendMode::Afalg), &table(), &mut |_, _| Ok(()));
        let backend = SelectedBackend::from_selection(&s, 0);
        if backend.afalg().cipher(Algorithm::AesCbc, &[0; 16]).is_ok() {
            return; // A kernel with AF_ALG and aesni: nothing to fall back from.
        }
        let ctx = backend.cipher(Algorithm::AesCbc, &[0; 16]).unwrap();
        assert!(ctx.info().driver.ends_with("-rustcrypto"));
        assert!(backend.demoted.lock().unwrap().contains(&Algorithm::AesCbc));
        let report = crate::backend::kat::run(&backend);
        assert!(report.is_success(), "{report}");
        assert_eq!(report.skipped(), 0);
    }

    /// On a kernel without AF_ALG (these build machines) every mode ends in RustCrypto
    /// without touching discovery, and the reason says why.
    #[test]
    fn select_without_af_alg() {
        if crate::backend::afalg::sock::available() != Err(Errno::EAFNOSUPPORT) {
            return;
        }
        for mode in [BackendMode::Auto, BackendMode::Afalg] {
            let (s, source) = select(&options(mode));
            assert_eq!(source, None);
            assert!(s.afalg_backend().bindings().next().is_none());
            assert_eq!(
                s.decisions[&Algorithm::AesCbc],
                Decision::Software(
                    "AF_ALG unavailable: EAFNOSUPPORT: Address family not supported by protocol"
                        .into()
                )
            );
        }
        let backend = SelectedBackend::build(&options(BackendMode::Afalg));
        let report = crate::backend::kat::run(&backend);
        assert!(report.is_success() && report.skipped() == 0, "{report}");
    }

    /// A fake hardware context that counts its calls, to see the size split.
    struct Counting(
        std::sync::Arc<std::sync::atomic::AtomicUsize>,
        Box<dyn CipherContext>,
    );

    impl CipherContext for Counting {
        fn info(&self) -> DriverInfo {
            DriverInfo {
                name: "cbc(aes)".into(),
                driver: "fake-hw".into(),
                hardware: true,
            }
        }
        fn encrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.1.encrypt(iv, data)
        }
        fn decrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.1.decrypt(iv, data)
        }
    }

    #[test]
    fn split_sends_short_operations_to_software_and_chains_the_iv() {
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let soft = RustCryptoBackend;
        let key = [7u8; 16];
        let mut split = SplitCipher {
            kernel: Box::new(Counting(
                calls.clone(),
                soft.cipher(Algorithm::AesCbc, &key).unwrap(),
            )),
            soft: soft.cipher(Algorithm::AesCbc, &key).unwrap(),
            below: 64,
        };
        assert_eq!(split.info().driver, "fake-hw");
        let plain: Vec<u8> = (0u8..160).collect();
        let mut whole = plain.clone();
        let mut iv = [1u8; 16];
        soft.cipher(Algorithm::AesCbc, &key)
            .unwrap()
            .encrypt(&mut iv, &mut whole)
            .unwrap();
        // 32 (software) + 96 (hardware) + 32 (software), chained through the IV.
        let mut parts = plain.clone();
        let mut iv2 = [1u8; 16];
        let (a, rest) = parts.split_at_mut(32);
        let (b, c) = rest.split_at_mut(96);
        for piece in [a, b, c] {
            split.encrypt(&mut iv2, piece).unwrap();
        }
        assert_eq!(parts, whole);
        assert_eq!(iv, iv2);
        assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 1);
    }

    #[test]
    fn split_aead_keeps_tag_lengths_in_step() {
        let soft = RustCryptoBackend;
        let key = [3u8; 16];
        let mut split = SplitAead {
            kernel: soft.aead(Algorithm::AesGcm, &key).unwrap(),
            soft: soft.aead(Algorithm::AesGcm, &key).unwrap(),
            below: 32,
        };
        split.set_tag_len(12).unwrap();
        assert!(split.set_tag_len(11).is_err());
        let iv = [9u8; 12];
        let mut short = *b"short";
        let tag = split.encrypt(&iv, b"aad", &mut short).unwrap();
        assert_eq!(tag.len(), 12);
        let mut long = [5u8; 40];
        let tag_long = split.encrypt(&iv, b"aad", &mut long).unwrap();
        assert_eq!(tag_long.len(), 12);
        split.decrypt(&iv, b"aad", &mut long, &tag_long).unwrap();
        assert_eq!(long, [5u8; 40]);
    }
}
