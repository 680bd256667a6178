//! The daemon's backend: each session goes where the selection ([`super::policy`]) sent its
//! algorithm, and falls back to RustCrypto when AF_ALG cannot serve it.

use std::collections::HashSet;
use std::sync::Mutex;

use cryptodev_abi::Algorithm;

use super::afalg::{AfAlgBackend, Binding};
use super::kat::{self, KatReport, Outcome};
use super::policy::{select, BackendMode, Decision, SelectOptions, Selection};
use super::soft::RustCryptoBackend;
use super::split::{SplitAead, SplitCipher};
use super::{AeadContext, Backend, BackendError, CipherContext, HashContext};

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

/// Sends every algorithm with a failed check in `report` to RustCrypto, logging why, and
/// names them. The kernel's own self-tests check its drivers; this one also checks how the
/// daemon drives them (IV hand-over, chunking, partial blocks, tag lengths), so a driver that
/// answers wrongly through AF_ALG never serves a session.
fn demote_failures(selection: &mut Selection, report: &KatReport) -> Vec<&'static str> {
    let mut demoted = Vec::new();
    for failure in report.failures() {
        let Outcome::Failed(why) = &failure.outcome else {
            continue;
        };
        let name = failure.alg.kernel_name().unwrap_or("?");
        if !demoted.contains(&name) {
            tracing::warn!(
                algorithm = name,
                "AF_ALG failed the known-answer check {}: {why}; RustCrypto serves it",
                failure.description
            );
            demoted.push(name);
        }
        selection.decisions.insert(
            failure.alg,
            Decision::Software(format!("failed known-answer check {}", failure.description)),
        );
    }
    demoted
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
        let (mut selection, source) = select(options);
        if selection
            .decisions
            .values()
            .any(|d| matches!(d, Decision::Kernel(_)))
        {
            raise_fd_limit();
            let report = kat::run(&selection.afalg_backend());
            let demoted = demote_failures(&mut selection, &report);
            tracing::info!(
                "AF_ALG known-answer self-test: {} checks passed, {} failed{}",
                report.passed(),
                report.failed(),
                if demoted.is_empty() {
                    String::new()
                } else {
                    format!("; RustCrypto serves {}", demoted.join(", "))
                }
            );
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

    /// Where new sessions of each algorithm go now (demotions included), by kernel name, for
    /// the status file.
    pub fn routes(&self) -> Vec<(String, String)> {
        let mut routes: Vec<(String, String)> = Vec::new();
        for &alg in Algorithm::ALL {
            let Some(name) = alg.kernel_name() else {
                continue;
            };
            if !self.supports(alg) || routes.iter().any(|(known, _)| known == name) {
                continue;
            }
            let route = match self.kernel(alg) {
                Some(binding) if self.splits(binding) => format!(
                    "AF_ALG {} (hardware), RustCrypto below {} bytes",
                    binding.driver, self.software_below
                ),
                Some(binding) if binding.hardware => {
                    format!("AF_ALG {} (hardware)", binding.driver)
                }
                Some(binding) => format!("AF_ALG {}", binding.driver),
                None => "RustCrypto".to_owned(),
            };
            routes.push((name.to_owned(), route));
        }
        routes
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

#[cfg(test)]
mod tests {
    use nix::errno::Errno;

    use super::*;
    use crate::backend::policy::decide;
    use crate::backend::policy::tests::{options, table};

    /// Without AF_ALG (as on the build machines), a selection with kernel bindings still
    /// serves every session: the bind fails, RustCrypto takes over, and the algorithm stays
    /// demoted.
    #[test]
    fn sessions_fall_back_when_binds_fail() {
        let s = decide(&options(BackendMode::Afalg), &table(), &mut |_, _| Ok(()));
        let backend = SelectedBackend::from_selection(&s, 0);
        if backend.afalg.cipher(Algorithm::AesCbc, &[0; 16]).is_ok() {
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

    /// A backend that answers AES-CBC wrongly (one bit flipped) and everything else right.
    struct WrongCbc(RustCryptoBackend);

    struct FlippedCipher(Box<dyn CipherContext>);

    impl CipherContext for FlippedCipher {
        fn info(&self) -> crate::backend::DriverInfo {
            self.0.info()
        }
        fn encrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
            self.0.encrypt(iv, data)?;
            if let Some(first) = data.first_mut() {
                *first ^= 1;
            }
            Ok(())
        }
        fn decrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
            self.0.decrypt(iv, data)
        }
    }

    impl Backend for WrongCbc {
        fn name(&self) -> &'static str {
            "wrong-cbc"
        }
        fn supports(&self, alg: Algorithm) -> bool {
            self.0.supports(alg)
        }
        fn cipher(
            &self,
            alg: Algorithm,
            key: &[u8],
        ) -> Result<Box<dyn CipherContext>, BackendError> {
            let ctx = self.0.cipher(alg, key)?;
            Ok(if alg == Algorithm::AesCbc {
                Box::new(FlippedCipher(ctx))
            } else {
                ctx
            })
        }
        fn hash(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn HashContext>, BackendError> {
            self.0.hash(alg, key)
        }
        fn aead(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn AeadContext>, BackendError> {
            self.0.aead(alg, key)
        }
    }

    /// The self-test demotes exactly the algorithm that answered wrongly.
    #[test]
    fn a_wrong_answer_sends_the_algorithm_to_software() {
        let mut selection = decide(&options(BackendMode::Afalg), &table(), &mut |_, _| Ok(()));
        let kernel_before: Vec<Algorithm> = selection
            .decisions
            .iter()
            .filter(|(_, d)| matches!(d, Decision::Kernel(_)))
            .map(|(alg, _)| *alg)
            .collect();
        assert!(kernel_before.contains(&Algorithm::AesCbc));
        let report = kat::run(&WrongCbc(RustCryptoBackend::new()));
        assert!(report.failed() > 0);
        assert!(report.failures().all(|f| f.alg == Algorithm::AesCbc));
        assert_eq!(demote_failures(&mut selection, &report), ["cbc(aes)"]);
        for alg in kernel_before {
            let on_kernel = matches!(selection.decisions[&alg], Decision::Kernel(_));
            assert_eq!(on_kernel, alg != Algorithm::AesCbc, "{alg:?}");
        }
        let Decision::Software(why) = &selection.decisions[&Algorithm::AesCbc] else {
            unreachable!()
        };
        assert!(why.starts_with("failed known-answer check"), "{why}");
    }
}
