//! The AF_ALG backend on a real kernel (issue #7). Two guest boots:
//!
//! 1. With a virtio-crypto device: the known-answer table and a differential check against
//!    RustCrypto run on the AF_ALG backend inside the guest (this test binary started again
//!    there, see [`afalg_kat_inside_guest`]); a daemon with `--backend afalg` serves the
//!    whole compat suite (64- and 32-bit) on AF_ALG; a second daemon with `--backend auto`
//!    must put `cbc(aes)` on `virtio_crypto_aes_cbc` with SIOP_FLAG_KERNEL_DRIVER_ONLY, the
//!    rest on RustCrypto, and give the same results as software (the OpenSSL-checked diff).
//! 2. Without the AF_ALG modules: `--backend afalg` and `--backend auto` pass the suite on
//!    RustCrypto.
//!
//! Why the KAT runs as this test binary inside the guest: `kat::run` is Rust and takes a
//! `&dyn Backend`, and AF_ALG exists only in the guest. The guest mounts the host's `/` and
//! runs host programs unchanged, so the simplest faithful way is to start this very binary
//! there with `--exact afalg_kat_inside_guest --include-ignored`; the inner test is
//! `#[ignore]`d on the host (where it could only fail) and refuses to run without the
//! marker variable the outer test sets.

mod support;

use std::path::PathBuf;
use std::time::Duration;

use cryptodev_abi::{AlgKind, Algorithm};
use cryptodev_cuse::backend::afalg::{AfAlgBackend, CHUNK, ONE_SHOT_MAX};
use cryptodev_cuse::backend::kat;
use cryptodev_cuse::backend::policy::{select, BackendMode, Pin, SelectOptions};
use cryptodev_cuse::backend::soft::RustCryptoBackend;
use cryptodev_cuse::backend::{Backend, BackendError};
use guest_harness::reach::record_pass;
use guest_harness::{build_c, image_for_tests, release_numbers, Abi, Linkage};
use support::guest::{build_compat, daemon_binary, run_with_daemon, ClientRun, Results};

/// Set by the outer test for the copy of this binary that runs in the guest.
const IN_GUEST: &str = "CRYPTODEV_AFALG_IN_GUEST";

/// The driver virtio-crypto registers for `cbc(aes)` (its only skcipher in qemu 7.2).
const VIRTIO_CBC: &str = "virtio_crypto_aes_cbc";

// ---------------------------------------------------------------------------------------------
// Inside the guest

/// A deterministic byte stream (splitmix64).
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u8 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)).to_le_bytes()[0]
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next()).collect()
    }
}

fn usize_of(n: u32) -> usize {
    usize::try_from(n).unwrap()
}

/// A valid key length for a cipher or AEAD.
fn key_len(alg: Algorithm) -> usize {
    match alg.kind() {
        AlgKind::Cipher { keys, .. } | AlgKind::Aead { keys, .. } => (0..=64u32)
            .rev()
            .find(|&l| keys.accepts(l))
            .map_or(0, usize_of),
        _ => 0,
    }
}

/// Ciphers: lengths across the chunk and one-shot limits, two chained calls each way; the
/// output and the IV left behind must equal RustCrypto's.
fn differential_ciphers(afalg: &AfAlgBackend, rng: &mut Bytes, problems: &mut Vec<String>) {
    let soft = RustCryptoBackend;
    for (alg, _) in afalg.bindings() {
        let AlgKind::Cipher { block, iv, .. } = alg.kind() else {
            continue;
        };
        let block = usize_of(block.max(1));
        let key = rng.take(key_len(alg));
        let (Ok(mut k), Ok(mut s)) = (afalg.cipher(alg, &key), soft.cipher(alg, &key)) else {
            problems.push(format!("{alg:?}: no context"));
            continue;
        };
        let round = |n: usize| n.div_ceil(block) * block;
        // Short, partial blocks, across a chunk boundary; XTS above the one-shot limit.
        let long = if alg == Algorithm::AesXts {
            ONE_SHOT_MAX + 16
        } else {
            round(CHUNK + 5)
        };
        for len in [round(16), round(1000), long, 1, 17] {
            if len % block != 0 || (alg == Algorithm::AesXts && len < 16) {
                continue;
            }
            let start_iv = rng.take(usize_of(iv));
            let plain = rng.take(len);
            for encrypt in [true, false] {
                let (mut a, mut b) = (plain.clone(), plain.clone());
                let (mut iva, mut ivb) = (start_iv.clone(), start_iv.clone());
                // Two calls: the second starts from the IV the first left.
                let cut = (len / 3 / block) * block;
                for range in [0..cut, cut..len] {
                    let (ra, rb) = if encrypt {
                        (
                            k.encrypt(&mut iva, &mut a[range.clone()]),
                            s.encrypt(&mut ivb, &mut b[range]),
                        )
                    } else {
                        (
                            k.decrypt(&mut iva, &mut a[range.clone()]),
                            s.decrypt(&mut ivb, &mut b[range]),
                        )
                    };
                    if ra != rb {
                        problems.push(format!("{alg:?} len {len}: {ra:?} vs {rb:?}"));
                    }
                }
                if a != b || iva != ivb {
                    problems.push(format!(
                        "{alg:?} len {len} encrypt={encrypt}: differs from RustCrypto \
                         (data {}, iv {})",
                        a == b,
                        iva == ivb
                    ));
                }
            }
        }
    }
}

/// Hashes and HMACs: uneven updates, a fork, a reset.
fn differential_hashes(afalg: &AfAlgBackend, rng: &mut Bytes, problems: &mut Vec<String>) {
    let soft = RustCryptoBackend;
    for (alg, _) in afalg.bindings() {
        if !matches!(alg.kind(), AlgKind::Hash { .. } | AlgKind::Hmac { .. }) {
            continue;
        }
        let key = rng.take(if matches!(alg.kind(), AlgKind::Hmac { .. }) {
            37
        } else {
            0
        });
        let (Ok(mut k), Ok(mut s)) = (afalg.hash(alg, &key), soft.hash(alg, &key)) else {
            problems.push(format!("{alg:?}: no context"));
            continue;
        };
        let digest = usize_of(alg.digest_size());
        let pieces = [rng.take(3), rng.take(100_000), Vec::new(), rng.take(77)];
        k.update(b"discarded by the reset").unwrap();
        k.reset();
        for p in &pieces {
            k.update(p).unwrap();
            s.update(p).unwrap();
        }
        let (mut kf, mut sf) = (k.fork(), s.fork());
        kf.update(b"fork only").unwrap();
        sf.update(b"fork only").unwrap();
        for (what, kk, ss) in [("main", &mut k, &mut s), ("fork", &mut kf, &mut sf)] {
            let (mut a, mut b) = (vec![0u8; digest], vec![0u8; digest]);
            kk.finish(&mut a).unwrap();
            ss.finish(&mut b).unwrap();
            if a != b {
                problems.push(format!("{alg:?} {what}: digest differs from RustCrypto"));
            }
        }
    }
}

/// AEADs: lengths 0..above the one-shot limit, with and without AAD, several tag lengths;
/// equal to RustCrypto, and a bad tag is BadTag.
fn differential_aeads(afalg: &AfAlgBackend, rng: &mut Bytes, problems: &mut Vec<String>) {
    let soft = RustCryptoBackend;
    for (alg, _) in afalg.bindings() {
        if !matches!(alg.kind(), AlgKind::Aead { .. }) {
            continue;
        }
        let key = rng.take(key_len(alg));
        let (Ok(mut k), Ok(mut s)) = (afalg.aead(alg, &key), soft.aead(alg, &key)) else {
            problems.push(format!("{alg:?}: no context"));
            continue;
        };
        for tag_len in [16usize, 12, 8] {
            if k.set_tag_len(tag_len).is_err() || s.set_tag_len(tag_len).is_err() {
                problems.push(format!("{alg:?}: tag length {tag_len} refused"));
                continue;
            }
            let long = if tag_len == 16 {
                ONE_SHOT_MAX + 1
            } else {
                20_000
            };
            for (len, aad_len) in [(0, 0), (0, 20), (1, 0), (100, 13), (long, 7)] {
                let mut iv = rng.take(usize_of(alg.iv_size()));
                if alg == Algorithm::AesCcm {
                    iv[0] = 3; // L = 4
                }
                let aad = rng.take(aad_len);
                let plain = rng.take(len);
                let (mut a, mut b) = (plain.clone(), plain.clone());
                let ta = k.encrypt(&iv, &aad, &mut a);
                let tb = s.encrypt(&iv, &aad, &mut b);
                if ta != tb || a != b {
                    problems.push(format!(
                        "{alg:?} len {len} aad {aad_len} tag {tag_len}: encryption differs"
                    ));
                    continue;
                }
                let Ok(tag) = ta else { continue };
                let mut back = a.clone();
                if let Err(e) = k.decrypt(&iv, &aad, &mut back, &tag) {
                    problems.push(format!("{alg:?} len {len}: decrypt: {e}"));
                } else if back != plain {
                    problems.push(format!("{alg:?} len {len}: decrypt gave other data"));
                }
                let mut bad = tag.clone();
                bad[0] ^= 1;
                let mut back = a.clone();
                let r = k.decrypt(&iv, &aad, &mut back, &bad);
                if r != Err(BackendError::BadTag) {
                    problems.push(format!("{alg:?} len {len}: forged tag gave {r:?}"));
                }
            }
        }
        // A refused request is an error and the context goes on working (CCM with L - 1 = 0
        // is refused by the kernel, which leaves the op socket to be replaced; GCM with a tag
        // of the wrong length is refused before the kernel).
        let mut iv = rng.take(usize_of(alg.iv_size()));
        iv[0] = if alg == Algorithm::AesCcm { 0 } else { iv[0] };
        let mut data = rng.take(32);
        let refused = if alg == Algorithm::AesCcm {
            k.encrypt(&iv, &[], &mut data).map(drop)
        } else {
            k.set_tag_len(13)
                .and_then(|()| k.decrypt(&iv, &[], &mut data, &[0; 12]))
        };
        if refused.is_ok() || refused == Err(BackendError::BadTag) {
            problems.push(format!("{alg:?}: a malformed request gave {refused:?}"));
        }
        iv[0] = 3;
        let (_, tag) = (k.set_tag_len(16), k.encrypt(&iv, b"x", &mut data));
        if tag.is_err() {
            problems.push(format!(
                "{alg:?}: unusable after a refused request: {tag:?}"
            ));
        }
    }
}

/// Whether a kernel of this release (`uname -r`) implements `alg`: Linux 6.7 removed CFB and
/// OFB.
fn kernel_has(release: &str, alg: Algorithm) -> bool {
    release_numbers(release) < vec![6, 7] || !matches!(alg, Algorithm::AesCfb | Algorithm::AesOfb)
}

/// The known-answer table and the differential checks on AF_ALG; run inside the guest by
/// [`afalg_with_virtio_crypto`].
#[test]
#[ignore = "needs AF_ALG: started inside the guest by afalg_with_virtio_crypto"]
fn afalg_kat_inside_guest() {
    assert_eq!(
        std::env::var(IN_GUEST).as_deref(),
        Ok("1"),
        "this test runs inside the guest only (afalg_with_virtio_crypto starts it there)"
    );
    let (selection, source) = select(&SelectOptions {
        mode: BackendMode::Afalg,
        ..SelectOptions::default()
    });
    println!(
        "algorithm table from {source:?}:\n{}",
        selection.describe(false)
    );
    let afalg = selection.afalg_backend();
    let started = std::time::Instant::now();
    let report = kat::run(&afalg);
    print!("{report}");
    println!("(the table took {:.1} s)", started.elapsed().as_secs_f64());
    assert!(report.is_success(), "{report}");
    assert_eq!(report.failed(), 0, "{report}");
    assert_eq!(report.passed(), kat::expected_checks(|a| afalg.supports(a)));
    // The guest kernel has every algorithm of the table but the NULL cipher (no crypto_null
    // module in the image) and those its version lacks.
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let absent = |a: Algorithm| a == Algorithm::Null || !kernel_has(&release, a);
    let missing: Vec<Algorithm> = kat::CIPHER_VECTORS
        .iter()
        .map(|v| v.alg)
        .chain(kat::HASH_VECTORS.iter().map(|v| v.alg))
        .chain(kat::AEAD_VECTORS.iter().map(|v| v.alg))
        .filter(|a| !absent(*a) && !afalg.supports(*a))
        .collect();
    assert!(missing.is_empty(), "not on AF_ALG: {missing:?}");

    let mut problems = Vec::new();
    let mut rng = Bytes(7);
    for (what, check) in [
        ("ciphers", differential_ciphers as fn(&_, &mut _, &mut _)),
        ("hashes", differential_hashes),
        ("AEADs", differential_aeads),
    ] {
        let started = std::time::Instant::now();
        check(&afalg, &mut rng, &mut problems);
        println!(
            "{what} against RustCrypto: {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }

    // The same table on the virtio-crypto driver, bound by name.
    let (pinned, _) = select(&SelectOptions {
        mode: BackendMode::Afalg,
        pins: vec![format!("cbc(aes)={VIRTIO_CBC}").parse::<Pin>().unwrap()],
        software_below: 0,
    });
    let virtio = pinned.afalg_backend();
    let binding = virtio.binding(Algorithm::AesCbc).cloned();
    println!("cbc(aes) pinned: {binding:?}");
    assert!(
        binding
            .as_ref()
            .is_some_and(|b| b.driver == VIRTIO_CBC && b.hardware),
        "virtio-crypto cbc(aes) not bound as hardware: {binding:?}"
    );
    let only_cbc = AfAlgBackend::new([(Algorithm::AesCbc, binding.unwrap())]);
    let report = kat::run(&only_cbc);
    println!("{report}");
    assert!(report.is_success() && report.failed() == 0, "{report}");
    assert_eq!(
        report.passed(),
        kat::expected_checks(|a| a == Algorithm::AesCbc)
    );
    differential_ciphers(&only_cbc, &mut rng, &mut problems);

    assert!(problems.is_empty(), "{}", problems.join("\n"));
    println!("AFALG-KAT-OK");
}

// ---------------------------------------------------------------------------------------------
// On the host

/// compat-tests/afalg/sessinfo.c: which driver each algorithm's session got.
fn build_sessinfo() -> PathBuf {
    build_c(
        "afalg_sessinfo",
        &[std::path::Path::new("compat-tests/afalg/sessinfo.c")],
        Abi::Lp64,
        Linkage::Static,
        &[],
    )
    .unwrap_or_else(|e| panic!("building the session-info check: {e}"))
}

/// One `INFO` line: (algorithm id, cra_name, driver, flags).
fn info_lines(lines: &[String]) -> Vec<(u32, String, String, Option<u32>)> {
    lines
        .iter()
        .filter_map(|l| {
            let mut w = l.strip_prefix("INFO ")?.split_whitespace();
            Some((
                w.next()?.parse().ok()?,
                w.next()?.to_owned(),
                w.next()?.to_owned(),
                w.next()?.parse().ok(),
            ))
        })
        .collect()
}

/// The compat programs, 64- and 32-bit, as client runs with `env` in front.
fn suite(tag: &str, env: &str, diff_args: &str) -> Vec<ClientRun> {
    let mut runs = Vec::new();
    for name in ["kat", "hash", "iv", "errno", "diff"] {
        for abi in [Abi::Lp64, Abi::Ilp32] {
            let extra: &[&str] = if name == "diff" && abi == Abi::Lp64 {
                &["-DWITH_LIBCRYPTO", "-lcrypto", "-ldl", "-pthread"]
            } else {
                &[]
            };
            let binary = build_compat(name, abi, Linkage::Static, extra);
            let args = if name == "diff" { diff_args } else { "" };
            runs.push(ClientRun {
                label: format!("{tag}-{name}-{}", abi.suffix()),
                command: format!("{env} {} {args}", binary.display()),
            });
        }
    }
    runs
}

/// Client runs that start a second daemon on `/dev/NAME` and stop it again.
fn second_daemon(name: &str, args: &str) -> (ClientRun, ClientRun) {
    let daemon = daemon_binary();
    let start = ClientRun {
        label: format!("start-{name}"),
        command: format!(
            "{daemon} --foreground --log-level info --name {name} {args} 2>/tmp/{name}.log & \
             echo $! > /tmp/{name}.pid; i=0; \
             while [ ! -c /dev/{name} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done; \
             [ -c /dev/{name} ] && echo '1 passed, 0 failed'"
        ),
    };
    let stop = ClientRun {
        label: format!("stop-{name}"),
        command: format!(
            "cat /tmp/{name}.log; kill -TERM $(cat /tmp/{name}.pid); \
             while kill -0 $(cat /tmp/{name}.pid) 2>/dev/null; do sleep 0.05; done; \
             [ ! -e /dev/{name} ] && echo '1 passed, 0 failed'"
        ),
    };
    (start, stop)
}

fn check_all(results: &Results, runs: &[ClientRun], problems: &mut Vec<String>) {
    for run in runs {
        results.check_counted(&run.label, problems);
    }
}

fn section<'r>(results: &'r Results, label: &str) -> &'r [String] {
    results
        .sections
        .get(label)
        .map_or(&[][..], |(lines, _)| lines.as_slice())
}

/// Boot 1: virtio-crypto attached; AF_ALG in full.
#[test]
fn afalg_with_virtio_crypto() {
    let Some(image) = image_for_tests() else {
        return;
    };
    let exe = std::env::current_exe().unwrap();
    let sessinfo = build_sessinfo();
    let mut runs = vec![ClientRun {
        label: "kat-inside".into(),
        command: format!(
            "{IN_GUEST}=1 {} --exact afalg_kat_inside_guest --include-ignored --nocapture \
             --test-threads 1",
            exe.display()
        ),
    }];
    runs.push(ClientRun {
        label: "info-afalg".into(),
        command: format!("{} /dev/crypto", sessinfo.display()),
    });
    // Drivers are the kernel's, not "-rustcrypto": any suffix; no hardware flag (the
    // highest-priority drivers are aesni/avx2 ones, above virtio's 150).
    let mut suite_runs = suite(
        "afalg",
        "CRYPTODEV_EXPECT_DRIVER_SUFFIX=",
        "- 1000 204800 3",
    );
    // Operations under 512 bytes of the virtio session run in software: the results and the
    // IV chain must not show it.
    let (start, stop) = second_daemon("crypto-auto", "--backend auto --software-below 512");
    let diff64 = build_compat(
        "diff",
        Abi::Lp64,
        Linkage::Static,
        &["-DWITH_LIBCRYPTO", "-lcrypto", "-ldl", "-pthread"],
    );
    let iv64 = build_compat("iv", Abi::Lp64, Linkage::Static, &[]);
    let auto_runs = vec![
        start,
        ClientRun {
            label: "info-auto".into(),
            command: format!("{} /dev/crypto-auto", sessinfo.display()),
        },
        ClientRun {
            label: "auto-diff-64".into(),
            command: format!(
                "CRYPTODEV_DEVICE=/dev/crypto-auto {} - 600 204800 5",
                diff64.display()
            ),
        },
        ClientRun {
            label: "auto-iv-64".into(),
            command: format!("CRYPTODEV_DEVICE=/dev/crypto-auto {}", iv64.display()),
        },
        stop,
    ];
    let counted: Vec<ClientRun> = suite_runs
        .iter()
        .chain(auto_runs.iter().filter(|r| !r.label.starts_with("info")))
        .cloned()
        .collect();
    runs.append(&mut suite_runs);
    runs.extend(auto_runs);
    let results = run_with_daemon(
        &image,
        "--backend afalg",
        "/dev/crypto",
        &runs,
        Duration::from_secs(1500),
        |run| run.with_virtio_crypto(),
    );
    let mut problems = Vec::new();
    if !section(&results, "kat-inside")
        .iter()
        .any(|l| l == "AFALG-KAT-OK")
    {
        problems.push(format!(
            "the in-guest KAT failed:\n{}",
            section(&results, "kat-inside").join("\n")
        ));
    }
    check_all(&results, &counted, &mut problems);
    let transcript = |label: &str| -> Vec<String> {
        section(&results, label)
            .iter()
            .filter(|l| l.starts_with("TRANSCRIPT "))
            .cloned()
            .collect()
    };
    let (t64, t32) = (transcript("afalg-diff-64"), transcript("afalg-diff-32"));
    if t64.is_empty() || t64 != t32 {
        problems.push(format!("diff transcripts differ: 64 {t64:?}, 32 {t32:?}"));
    }

    // --backend afalg: every algorithm the kernel has on a kernel driver.
    let afalg = info_lines(section(&results, "info-afalg"));
    if afalg.len() < 27 {
        problems.push(format!("info-afalg: {afalg:?}"));
    }
    for (id, name, driver, flags) in &afalg {
        let software = driver.ends_with("-rustcrypto");
        // NULL is the kernel's where a module pulled crypto_null in (gcm does on 6.12).
        let alg = Algorithm::try_from(*id).ok();
        let placed = alg == Some(Algorithm::Null)
            || alg.is_some_and(|a| software != kernel_has(image.release(), a));
        if !placed || flags.is_none() || name == "-" {
            problems.push(format!("afalg: {id} {name} on {driver} flags {flags:?}"));
        }
    }
    // --backend auto: cbc(aes) on virtio-crypto, flagged; everything else in software.
    let auto = info_lines(section(&results, "info-auto"));
    if auto.len() < 27 {
        problems.push(format!("info-auto: {auto:?}"));
    }
    for (id, name, driver, flags) in &auto {
        let want = if *id == 11 {
            (VIRTIO_CBC, Some(1))
        } else {
            ("-rustcrypto", Some(0))
        };
        if !driver.ends_with(want.0) || *flags != want.1 {
            problems.push(format!("auto: {id} {name} on {driver} flags {flags:?}"));
        }
    }
    if !results
        .output
        .contains("cbc(aes): AF_ALG virtio_crypto_aes_cbc (hardware)")
    {
        problems.push("the auto daemon did not log its choice of virtio-crypto".into());
    }
    // Both daemons check their AF_ALG bindings against the known-answer table at start.
    let self_tests = results
        .output
        .lines()
        .filter(|line| line.contains("AF_ALG known-answer self-test:"))
        .collect::<Vec<_>>();
    if self_tests.is_empty() || self_tests.iter().any(|line| !line.contains(" 0 failed")) {
        problems.push(format!("AF_ALG self-test at start: {self_tests:?}"));
    }
    results.check_shutdown(&mut problems);
    results.assert_ok("AF_ALG with virtio-crypto", &problems);
    record_pass(
        &image,
        "AF_ALG backend on virtio-crypto hardware, compared with RustCrypto",
    );
}

/// Boot 2: no AF_ALG modules; `afalg` and `auto` both fall back to RustCrypto.
#[test]
fn afalg_and_auto_without_af_alg_modules() {
    let Some(image) = image_for_tests() else {
        return;
    };
    let sessinfo = build_sessinfo();
    let mut runs = vec![ClientRun {
        label: "info-afalg".into(),
        command: format!("{} /dev/crypto", sessinfo.display()),
    }];
    runs.extend(suite("afalg", "", "- 300 65536 4"));
    let (start, stop) = second_daemon("crypto-auto", "--backend auto");
    runs.push(start);
    runs.extend(suite(
        "auto",
        "CRYPTODEV_DEVICE=/dev/crypto-auto",
        "- 300 65536 6",
    ));
    runs.push(stop);
    let results = run_with_daemon(
        &image,
        "--backend afalg",
        "/dev/crypto",
        &runs,
        Duration::from_secs(1500),
        |run| run.without_af_alg(),
    );
    let mut problems = Vec::new();
    check_all(
        &results,
        &runs
            .iter()
            .filter(|r| !r.label.starts_with("info"))
            .cloned()
            .collect::<Vec<_>>(),
        &mut problems,
    );
    let info = info_lines(section(&results, "info-afalg"));
    if info.len() < 27
        || info
            .iter()
            .any(|(_, _, driver, flags)| !driver.ends_with("-rustcrypto") || *flags != Some(0))
    {
        problems.push(format!(
            "without AF_ALG, sessions not on RustCrypto: {info:?}"
        ));
    }
    results.check_shutdown(&mut problems);
    results.assert_ok("AF_ALG modules left out", &problems);
    record_pass(&image, "no AF_ALG: afalg and auto fall back to RustCrypto");
}
