//! Which implementation serves each algorithm: the policy behind `--backend`,
//! `--pin-driver` and `--software-below`; [`super::router::SelectedBackend`] applies it.
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

use std::collections::BTreeMap;

use cryptodev_abi::Algorithm;
use nix::errno::Errno;

use super::afalg::sock::{Transform, MAX_NAME};
use super::afalg::{AfAlgBackend, Binding};
use super::discovery::{self, AfAlgType, Discovery, KernelAlg, Source};
use super::soft::RustCryptoBackend;
use super::Backend;

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

#[cfg(test)]
pub(super) mod tests {
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
    pub(in crate::backend) fn table() -> Vec<KernelAlg> {
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

    pub(in crate::backend) fn options(mode: BackendMode) -> SelectOptions {
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
}
