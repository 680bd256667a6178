//! OpenSSL 3's devcrypto engine checks (openssl-engine-test/checks) as the Rust tests run them:
//! phases of `openssl` commands with the engine compared byte for byte with the reference, and
//! after each phase the daemon's counters, which must show that the phase's work went through
//! it. Run in a guest against the CUSE device (tests/guest_openssl.rs) and on the host through
//! a FUSE mount bound on /dev/crypto (tests/mount.rs).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use guest_harness::{workspace_root, workspace_target_dir};

use super::guest::{ClientRun, Results};
use super::host::run_step;

/// One phase of `openssl-engine-test/checks`: its label, its arguments after the output
/// directory, and the daemon algorithms whose counters it must raise (besides the bytes its
/// `DATA` lines demand).
pub struct Phase {
    pub label: &'static str,
    pub phase: &'static str,
    pub args: &'static [&'static str],
    pub used: &'static [&'static str],
}

pub const CIPHERS: &[&str] = &[
    "cbc(des)",
    "cbc(des3_ede)",
    "cbc(blowfish)",
    "cbc(cast5)",
    "cbc(aes)",
    "ctr(aes)",
    "ecb(aes)",
    "cbc(camellia)",
];
pub const DIGESTS: &[&str] = &[
    "md5", "sha1", "rmd160", "sha224", "sha256", "sha384", "sha512",
];
pub const ALL_ALGORITHMS: &[&str] = &[
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

/// The engine's listing: its probe opens a session for every algorithm it knows.
pub const LIST: Phase = Phase {
    label: "list",
    phase: "list",
    args: &[],
    used: ALL_ALGORITHMS,
};

/// Every cipher, on the sizes of `CHECK_SIZES`.
pub const ENC_ALL: Phase = Phase {
    label: "enc-all",
    phase: "enc",
    args: &["*"],
    used: CIPHERS,
};

/// Every digest.
pub const DGST: Phase = Phase {
    label: "dgst",
    phase: "dgst",
    args: &[],
    used: DIGESTS,
};

/// Digests in a forked child on its parent's open file.
pub const FORK: Phase = Phase {
    label: "fork",
    phase: "fork",
    args: &[],
    used: DIGESTS,
};

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
pub fn prepared() -> &'static Path {
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

/// The runs of `phases`, each followed by the daemon's counters (SIGUSR1 to `$daemon`, read
/// from `stats_file`); `env` prefixes each phase's command.
pub fn phase_runs(phases: &[Phase], env: &str, stats_file: &str) -> Vec<ClientRun> {
    let out = prepared().display().to_string();
    let checks = workspace_root()
        .join("openssl-engine-test")
        .join("checks")
        .display()
        .to_string();
    // `$daemon` is the daemon's pid in the script that runs these.
    let stats = |label: &str| ClientRun {
        label: format!("stats-{label}"),
        command: format!("{checks} stats {out} \"${{daemon:?}}\" {stats_file}"),
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
    runs
}

/// Problems with the phases' results: each phase counted and clean, and the daemon's counters
/// grown by each phase's work.
pub fn check_phases(what: &str, results: &Results, phases: &[Phase], problems: &mut Vec<String>) {
    let section = |label: &str| {
        results
            .sections
            .get(label)
            .map(|(lines, _)| lines.as_slice())
    };
    let mut before = counters(section("stats-start").unwrap_or_default());
    for phase in phases {
        results.check_counted(phase.label, problems);
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
            problems,
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
}
