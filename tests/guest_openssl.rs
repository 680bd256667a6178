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

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

use guest_harness::reach::record_pass;
use guest_harness::{image_for_tests, workspace_root, workspace_target_dir};
use support::guest::{run_with_daemon, ClientRun, Results};
use support::host::run_step;

/// Where the daemon writes its counters in the guest (a tmpfs there).
const STATS_FILE: &str = "/tmp/openssl-engine-stats";

/// One phase of `openssl-engine-test/checks`: its label, its arguments after the output
/// directory, and the daemon algorithms whose counters it must raise (besides the bytes its
/// `DATA` lines demand).
struct Phase {
    label: &'static str,
    phase: &'static str,
    args: &'static [&'static str],
    used: &'static [&'static str],
}

/// The first guest: the engine's listing (its probe opens a session for every algorithm it
/// knows), the slower half of the ciphers, `openssl speed`.
const FIRST_GUEST: &[Phase] = &[
    Phase {
        label: "list",
        phase: "list",
        args: &[],
        used: ALL_ALGORITHMS,
    },
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
    Phase {
        label: "dgst",
        phase: "dgst",
        args: &[],
        used: DIGESTS,
    },
    Phase {
        label: "fork",
        phase: "fork",
        args: &[],
        used: DIGESTS,
    },
];

const CIPHERS: &[&str] = &[
    "cbc(des)",
    "cbc(des3_ede)",
    "cbc(blowfish)",
    "cbc(cast5)",
    "cbc(aes)",
    "ctr(aes)",
    "ecb(aes)",
    "cbc(camellia)",
];
const DIGESTS: &[&str] = &[
    "md5", "sha1", "rmd160", "sha224", "sha256", "sha384", "sha512",
];
const ALL_ALGORITHMS: &[&str] = &[
    "cbc(des)",
    "cbc(des3_ede)",
    "cbc(blowfish)",
    "cbc(cast5)",
    "cbc(aes)",
    "ctr(aes)",
    "ecb(aes)",
    "cbc(camellia)",
    "md5",
    "sha1",
    "rmd160",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
];

/// Per algorithm: sessions, operations, bytes.
type Counters = BTreeMap<String, [u64; 3]>;

/// The counters a `stats` section printed (the daemon's `name sessions operations bytes`).
fn counters(lines: &[String]) -> Counters {
    lines
        .iter()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let name = fields.next()?.to_string();
            let mut values = [0u64; 3];
            for value in &mut values {
                *value = fields.next()?.parse().ok()?;
            }
            Some((name, values))
        })
        .collect()
}

/// The bytes a phase pushed through the engine per algorithm (its `DATA` lines).
fn pushed(lines: &[String]) -> BTreeMap<String, u64> {
    let mut total = BTreeMap::new();
    for line in lines {
        let mut fields = line.split_whitespace();
        if let (Some("DATA"), Some(name), Some(Ok(bytes))) = (
            fields.next(),
            fields.next(),
            fields.next().map(str::parse::<u64>),
        ) {
            *total.entry(name.to_string()).or_insert(0) += bytes;
        }
    }
    total
}

/// Problems with the counters' growth over one phase (`needs_data`: operations and bytes must
/// grow too, not only sessions).
fn check_growth(
    phase: &str,
    needs_data: bool,
    before: &Counters,
    after: &Counters,
    pushed: &BTreeMap<String, u64>,
    used: &[&str],
    problems: &mut Vec<String>,
) {
    let delta = |name: &str| -> [u64; 3] {
        let b = before.get(name).copied().unwrap_or_default();
        let a = after.get(name).copied().unwrap_or_default();
        [0, 1, 2].map(|i| a[i].saturating_sub(b[i]))
    };
    for (name, &bytes) in pushed {
        let [sessions, _, counted] = delta(name);
        if sessions == 0 || counted < bytes {
            problems.push(format!(
                "{phase}: the daemon counted {sessions} new {name} sessions and {counted} bytes; \
                 the engine was given {bytes} bytes"
            ));
        }
    }
    for name in used {
        let [sessions, operations, counted] = delta(name);
        if sessions == 0 || (needs_data && (operations == 0 || counted == 0)) {
            problems.push(format!(
                "{phase}: the daemon's {name} counters did not grow \
                 ({sessions} sessions, {operations} operations, {counted} bytes)"
            ));
        }
    }
}

/// The runner's host steps, once per test process: the build output directory.
fn prepared() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let runner = workspace_root().join("openssl-engine-test");
        let out = workspace_target_dir().join("openssl-engine");
        run_step(
            "openssl-engine-test/build",
            Command::new(runner.join("build")).arg(&out),
        );
        run_step(
            "openssl-engine-test/checks reference",
            Command::new(runner.join("checks"))
                .arg("reference")
                .arg(&out),
        );
        out
    })
}

/// Boots a guest running `phases` against the daemon and checks outputs and counters.
/// On AF_ALG: the listing, every cipher and every digest, each on a few sizes (the
/// software-backend guests above check all of them).
const AF_ALG_GUEST: &[Phase] = &[
    Phase {
        label: "list",
        phase: "list",
        args: &[],
        used: ALL_ALGORITHMS,
    },
    // Every algorithm's session reports a kernel driver, none of RustCrypto's.
    Phase {
        label: "drivers",
        phase: "drivers",
        args: &["-rustcrypto"],
        used: ALL_ALGORITHMS,
    },
    Phase {
        label: "enc-all",
        phase: "enc",
        args: &["*"],
        used: CIPHERS,
    },
    Phase {
        label: "dgst",
        phase: "dgst",
        args: &[],
        used: DIGESTS,
    },
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
    let out = prepared().display().to_string();
    let checks = workspace_root()
        .join("openssl-engine-test")
        .join("checks")
        .display()
        .to_string();
    // `$daemon` is the daemon's pid in the script run_with_daemon writes.
    let stats = |label: &str| ClientRun {
        label: format!("stats-{label}"),
        command: format!("{checks} stats {out} \"${{daemon:?}}\" {STATS_FILE}"),
    };
    let mut runs = vec![stats("start")];
    for phase in phases {
        let args: String = phase.args.iter().map(|a| format!(" '{a}'")).collect();
        runs.push(ClientRun {
            label: phase.label.to_string(),
            command: format!("{env}{checks} {} {out}{args}", phase.phase),
        });
        runs.push(stats(phase.label));
    }

    let results: Results = run_with_daemon(
        &image,
        &format!("--stats-file {STATS_FILE} {daemon_args}"),
        "/dev/crypto",
        &runs,
        Duration::from_secs(1200),
        |run| run,
    );
    eprintln!(
        "{what}: guest run {:.1} s ({:?})",
        results.outcome.duration.as_secs_f64(),
        results.outcome.accelerator
    );

    let mut problems = Vec::new();
    let section = |label: &str| {
        results
            .sections
            .get(label)
            .map(|(lines, _)| lines.as_slice())
    };
    let mut before = counters(section("stats-start").unwrap_or_default());
    for phase in phases {
        results.check_counted(phase.label, &mut problems);
        let Some(after) = section(&format!("stats-{}", phase.label)) else {
            problems.push(format!("stats-{}: did not run", phase.label));
            continue;
        };
        let after = counters(after);
        let data = pushed(section(phase.label).unwrap_or_default());
        check_growth(
            phase.label,
            !matches!(phase.phase, "list" | "drivers"),
            &before,
            &after,
            &data,
            phase.used,
            &mut problems,
        );
        before = after;
    }
    for (label, (lines, rc)) in &results.sections {
        if label.starts_with("stats-") && (*rc != Some(0) || lines.is_empty()) {
            problems.push(format!("{label}: exit {rc:?}: {}", lines.join(" / ")));
        }
    }
    if let Some(last) = phases
        .last()
        .and_then(|p| section(&format!("stats-{}", p.label)))
    {
        eprintln!(
            "{what}: daemon counters at the end:\n  {}",
            last.join("\n  ")
        );
    }
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
