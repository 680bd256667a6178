//! The older OpenSSL engines, unchanged, through the daemon in the guest: OpenSSL 1.1.1w's
//! built-in devcrypto engine and OpenSSL 1.1.0i's classic cryptodev engine (CIOCKEY), as
//! shipped and with the upstream fix of OpenSSL issue #8202. The programs are built by
//! openssl-engine-test/build-legacy from the openssl-src crate's sources (cached); the checks
//! themselves are openssl-engine-test/legacy-checks, run in one guest boot.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use guest_harness::reach::record_pass;
use guest_harness::{image_for_tests, workspace_root, workspace_target_dir, Abi, GuestRun};
use support::guest::{build_preload_library, counts};
use support::host::run_step;
use support::package::package;

/// The PASS lines legacy-checks prints when everything holds: a check that silently did not
/// run fails the test too.
const CHECKS: u32 = 60;

/// The variants build-legacy makes, each into `<out>/<variant>/openssl`.
const VARIANTS: &[&str] = &["1.1.1", "1.1.0", "1.1.0-fixed"];

/// Public-key material made on the host (OpenSSL 3, fast natively): RSA keys of three sizes,
/// a DSA key, and two DH keys on shared parameters.
fn make_keys(dir: &Path) {
    std::fs::create_dir_all(dir).expect("creating the key directory");
    let openssl = |what: &str, args: &[&str]| {
        run_step(what, Command::new("openssl").args(args).current_dir(dir));
    };
    for bits in ["1024", "2048", "4096"] {
        let key = format!("rsa{bits}.pem");
        openssl("RSA key", &["genrsa", "-out", &key, bits]);
        openssl(
            "RSA public key",
            &[
                "rsa",
                "-in",
                &key,
                "-pubout",
                "-out",
                &format!("rsa{bits}-pub.pem"),
            ],
        );
    }
    openssl(
        "DSA parameters",
        &["dsaparam", "-out", "dsaparam.pem", "2048"],
    );
    openssl(
        "DSA key",
        &["genpkey", "-paramfile", "dsaparam.pem", "-out", "dsa.pem"],
    );
    openssl(
        "DSA public key",
        &["pkey", "-in", "dsa.pem", "-pubout", "-out", "dsa-pub.pem"],
    );
    // -dsaparam: X9.42 parameters, quick to generate (no safe prime).
    openssl(
        "DH parameters",
        &["dhparam", "-dsaparam", "-out", "dhparam.pem", "2048"],
    );
    for key in ["dh1.pem", "dh2.pem"] {
        openssl(
            "DH key",
            &["genpkey", "-paramfile", "dhparam.pem", "-out", key],
        );
    }
    openssl(
        "DH public key",
        &["pkey", "-in", "dh2.pem", "-pubout", "-out", "dh2-pub.pem"],
    );
}

/// Builds the three programs, the preload library and the keys under `<target>/openssl-legacy`.
fn prepare() -> PathBuf {
    let out = workspace_target_dir().join("openssl-legacy");
    let build = workspace_root()
        .join("openssl-engine-test")
        .join("build-legacy");
    for variant in VARIANTS {
        run_step(
            &format!("openssl-engine-test/build-legacy {variant}"),
            Command::new(&build)
                .arg(variant)
                .arg(out.join(variant).join("openssl")),
        );
    }
    let preload = build_preload_library(Abi::Lp64);
    std::fs::copy(&preload, out.join("libcryptodev-crioget.so")).expect("copying the preload");
    make_keys(&out.join("keys"));
    out
}

#[test]
fn openssl_1_1_1_and_1_1_0_engines_through_the_daemon() {
    let Some(image) = image_for_tests() else {
        return;
    };
    let out = prepare();
    let checks = workspace_root()
        .join("openssl-engine-test")
        .join("legacy-checks");
    // The release build of the package: RSA-4096 and DSA in a debug build take minutes under
    // emulation.
    let daemon = package().daemon();
    let outcome = GuestRun::new(&image)
        .command(format!(
            "sh {} {} {}",
            checks.display(),
            out.display(),
            daemon.display()
        ))
        .timeout(Duration::from_secs(900))
        .run()
        .unwrap_or_else(|e| panic!("guest run failed: {e}"));
    let lines: Vec<String> = outcome.output.lines().map(str::to_owned).collect();
    for line in lines.iter().filter(|l| l.starts_with("INFO")) {
        eprintln!("{line}");
    }
    let failures: Vec<&String> = lines.iter().filter(|l| l.starts_with("FAIL")).collect();
    let counted = counts(&lines);
    assert!(
        outcome.exit_code == 0 && failures.is_empty() && counted == Some((CHECKS, 0)),
        "legacy engines: exit {}, counts {counted:?}, failures:\n{}\n(console log: {})\n\
         --- output ---\n{}",
        outcome.exit_code,
        failures
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        outcome.log_path.display(),
        outcome.output
    );
    record_pass(
        &image,
        "OpenSSL 1.1.1 devcrypto and 1.1.0 cryptodev engines (CIOCKEY: RSA, DSA, DH)",
    );
}
