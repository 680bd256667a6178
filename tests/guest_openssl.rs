//! OpenSSL 3's devcrypto engine, built from Debian's unchanged `engines/e_devcrypto.c` against
//! our header, with Debian's own `openssl` through the daemon in a guest (openssl-engine-test/).
//!
//! On the host, once: `openssl-engine-test/build` fetches the source package (cached) and builds
//! the engine, the CRIOGET preload library and a fork test; `checks reference` writes random
//! inputs and the output of every command run without the engine. Two guests (two tests, which
//! cargo runs in parallel) share the phases: in each, the daemon starts with `--stats-file`, each
//! phase runs the same commands with the engine and compares bytes, and after each phase SIGUSR1
//! makes the daemon write its counters, which must show that the phase's work went through it.

mod support;

use std::collections::BTreeSet;
use std::time::Duration;

use guest_harness::image_for_tests;
use guest_harness::reach::record_pass;
use support::engine::{
    check_phases, phase_runs, Phase, ALL_ALGORITHMS, CIPHERS, DGST, DIGESTS, ENC_ALL, FORK, LIST,
};
use support::guest::{run_with_daemon, Results};

/// Where the daemon writes its counters in the guest (a tmpfs there).
const STATS_FILE: &str = "/tmp/openssl-engine-stats";

/// The first guest: the engine's listing (its probe opens a session for every algorithm it
/// knows), the slower half of the ciphers, `openssl speed`.
const FIRST_GUEST: &[Phase] = &[
    LIST,
    Phase {
        label: "enc-des-camellia",
        phase: "enc",
        args: &["des-*", "camellia-*"],
        used: &["cbc(des)", "cbc(des3_ede)", "cbc(camellia)"],
    },
    Phase {
        label: "speed",
        phase: "speed",
        args: &[],
        used: &["cbc(aes)", "sha256"],
    },
];

/// The second guest: the other ciphers, the digests, the fork test.
const SECOND_GUEST: &[Phase] = &[
    Phase {
        label: "enc-bf-cast5-aes",
        phase: "enc",
        args: &["bf-*", "cast5-*", "aes-*"],
        used: &[
            "cbc(blowfish)",
            "cbc(cast5)",
            "cbc(aes)",
            "ctr(aes)",
            "ecb(aes)",
        ],
    },
    DGST,
    FORK,
];

/// Boots a guest running `phases` against the daemon and checks outputs and counters.
/// On AF_ALG: the listing, every cipher and every digest, each on a few sizes (the
/// software-backend guests above check all of them).
const AF_ALG_GUEST: &[Phase] = &[
    LIST,
    // Every algorithm's session reports a kernel driver, none of RustCrypto's.
    Phase {
        label: "drivers",
        phase: "drivers",
        args: &["-rustcrypto"],
        used: ALL_ALGORITHMS,
    },
    ENC_ALL,
    DGST,
];

/// Sizes the AF_ALG guest checks: empty, a partial block, one above 64 KiB.
const AF_ALG_SIZES: &str = "0 17 65536";

fn run_guest(what: &str, phases: &[Phase]) {
    run_guest_with(what, phases, "", "")
}

/// Runs `phases` in one guest against a daemon started with `daemon_args`; `env` prefixes each
/// phase's command.
fn run_guest_with(what: &str, phases: &[Phase], daemon_args: &str, env: &str) {
    let Some(image) = image_for_tests() else {
        return;
    };
    let runs = phase_runs(phases, env, STATS_FILE);

    let results: Results = run_with_daemon(
        &image,
        &format!("--stats-file {STATS_FILE} {daemon_args}"),
        "/dev/crypto",
        &runs,
        Duration::from_secs(1200),
        |run| run,
    );
    if let Some(outcome) = &results.outcome {
        eprintln!(
            "{what}: guest run {:.1} s ({:?})",
            outcome.duration.as_secs_f64(),
            outcome.accelerator
        );
    }

    let mut problems = Vec::new();
    check_phases(what, &results, phases, &mut problems);
    results.check_shutdown(&mut problems);
    results.assert_ok(what, &problems);
    record_pass(&image, what);
}

#[test]
fn engine_listing_des_camellia_and_speed() {
    run_guest(
        "OpenSSL 3 devcrypto engine: listing, DES, Camellia, speed",
        FIRST_GUEST,
    );
}

#[test]
fn engine_bf_cast5_aes_digests_and_fork() {
    run_guest(
        "OpenSSL 3 devcrypto engine: Blowfish, CAST5, AES, digests, fork",
        SECOND_GUEST,
    );
}

#[test]
fn engine_on_af_alg() {
    run_guest_with(
        "OpenSSL 3 devcrypto engine on the AF_ALG backend",
        AF_ALG_GUEST,
        "--backend afalg",
        &format!("CHECK_SIZES='{AF_ALG_SIZES}' "),
    );
}

/// The two guests' cipher phases together cover every cipher the engine offers.
#[test]
fn every_cipher_is_checked() {
    let covered: BTreeSet<&str> = FIRST_GUEST
        .iter()
        .chain(SECOND_GUEST)
        .filter(|p| p.phase == "enc")
        .flat_map(|p| p.used.iter().copied())
        .collect();
    assert_eq!(covered, CIPHERS.iter().copied().collect());
    let all: BTreeSet<&str> = CIPHERS.iter().chain(DIGESTS).copied().collect();
    assert_eq!(all, ALL_ALGORITHMS.iter().copied().collect());
}
