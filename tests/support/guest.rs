//! Running client programs against the daemon in a throwaway guest (or, for the FUSE mount, on
//! the host: tests/support/native.rs): the daemon starts, each client runs between section
//! markers, then the daemon is stopped with SIGTERM and must exit 0 and take its device node
//! with it.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use guest_harness::{build_c, Abi, GuestImage, GuestOutcome, GuestRun, Linkage};

/// One client run: a label and a shell command line.
#[derive(Clone, Debug)]
pub struct ClientRun {
    pub label: String,
    pub command: String,
}

/// Output lines and exit status of each labelled section of a run.
pub type Sections = BTreeMap<String, (Vec<String>, Option<i32>)>;

/// What a run produced, split by client.
#[derive(Debug)]
pub struct Results {
    /// The script's output (stdout and stderr).
    pub output: String,
    pub exit_code: i32,
    /// Where the whole log is.
    pub log_path: PathBuf,
    /// The guest's run, when the script ran in a guest.
    pub outcome: Option<GuestOutcome>,
    pub sections: Sections,
}

impl Results {
    /// The results of a script that printed `output` and exited with `exit_code`.
    pub fn from_output(output: String, exit_code: i32, log_path: PathBuf) -> Results {
        let sections = sections(&output);
        Results {
            output,
            exit_code,
            log_path,
            outcome: None,
            sections,
        }
    }
}

/// The daemon binary built by cargo for this package's integration tests.
pub fn daemon_binary() -> &'static str {
    env!("CARGO_BIN_EXE_cryptodev-cuse")
}

/// Compiles a compat C program (its source and `common.c` of `compat-tests/cryptodev`).
pub fn build_compat(name: &str, abi: Abi, linkage: Linkage, extra: &[&str]) -> PathBuf {
    let dir = Path::new("compat-tests/cryptodev");
    let source = dir.join(format!("{name}.c"));
    let common = dir.join("common.c");
    build_c(
        name,
        &[source.as_path(), common.as_path()],
        abi,
        linkage,
        extra,
    )
    .unwrap_or_else(|e| panic!("building {name} {abi:?}: {e}"))
}

/// The CRIOGET preload library (preload/crioget.c) for `abi`, built like preload/Makefile does.
pub fn build_preload_library(abi: Abi) -> PathBuf {
    build_c(
        "libcryptodev-crioget",
        &[Path::new("preload/crioget.c")],
        abi,
        Linkage::Dynamic,
        &["-shared", "-fPIC", "-ldl"],
    )
    .unwrap_or_else(|e| panic!("building the CRIOGET preload library {abi:?}: {e}"))
}

/// The shell script: start the daemon with `daemon_args` serving `device`, run each client
/// with CRYPTODEV_DEVICE set, stop the daemon, report whether the node went away (a mount's
/// file goes once the keeper has unmounted, a moment after the daemon).
pub fn script(daemon: &Path, daemon_args: &str, device: &str, runs: &[ClientRun]) -> String {
    let daemon = daemon.display();
    let mut script = format!(
        "set -u\n\
         {daemon} --foreground --log-level warn {daemon_args} &\n\
         daemon=$!\n\
         export CRYPTODEV_DAEMON_PID=$daemon\n\
         i=0; while [ ! -e {device} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done\n\
         [ -e {device} ] || {{ echo 'DEVICE-MISSING {device}'; exit 1; }}\n\
         export CRYPTODEV_DEVICE={device}\n"
    );
    for run in runs {
        script.push_str(&format!(
            "echo '=== begin {label}'\n{command}\necho \"=== end {label} rc=$?\"\n",
            label = run.label,
            command = run.command
        ));
    }
    script.push_str(&format!(
        "kill -TERM $daemon; wait $daemon; echo \"=== daemon rc=$?\"\n\
         i=0; while [ -e {device} ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i+1)); done\n\
         [ -e {device} ] && echo '=== device still present' || echo '=== device removed'\n"
    ));
    script
}

/// Output of each labelled run: (lines, exit status).
pub fn sections(output: &str) -> Sections {
    let mut sections = BTreeMap::new();
    let mut current: Option<(String, Vec<String>)> = None;
    for line in output.lines() {
        if let Some(label) = line.strip_prefix("=== begin ") {
            current = Some((label.to_string(), Vec::new()));
        } else if let Some(rest) = line.strip_prefix("=== end ") {
            if let Some((label, lines)) = current.take() {
                let rc = rest.rsplit_once("rc=").and_then(|(_, rc)| rc.parse().ok());
                sections.insert(label, (lines, rc));
            }
        } else if let Some((_, lines)) = current.as_mut() {
            lines.push(line.to_string());
        }
    }
    if let Some((label, lines)) = current {
        sections.insert(label, (lines, None));
    }
    sections
}

/// Boots a guest, runs cargo's daemon binary and the clients.
pub fn run_with_daemon(
    image: &GuestImage,
    daemon_args: &str,
    device: &str,
    runs: &[ClientRun],
    timeout: Duration,
    configure: impl FnOnce(GuestRun) -> GuestRun,
) -> Results {
    let daemon = Path::new(daemon_binary());
    run_with_daemon_at(image, daemon, daemon_args, device, runs, timeout, configure)
}

/// Boots a guest, runs the daemon at `daemon` (a host path: the guest sees the host's files)
/// and the clients.
pub fn run_with_daemon_at(
    image: &GuestImage,
    daemon: &Path,
    daemon_args: &str,
    device: &str,
    runs: &[ClientRun],
    timeout: Duration,
    configure: impl FnOnce(GuestRun) -> GuestRun,
) -> Results {
    let outcome = configure(GuestRun::new(image))
        .command(script(daemon, daemon_args, device, runs))
        .timeout(timeout)
        .run()
        .unwrap_or_else(|e| panic!("guest run failed: {e}"));
    let mut results = Results::from_output(
        outcome.output.clone(),
        outcome.exit_code,
        outcome.log_path.clone(),
    );
    results.outcome = Some(outcome);
    results
}

/// The `N passed, M failed` line of a run.
pub fn counts(lines: &[String]) -> Option<(u32, u32)> {
    lines.iter().rev().find_map(|line| {
        let (passed, failed) = line.split_once(" passed, ")?;
        let failed = failed.strip_suffix(" failed")?;
        Some((passed.trim().parse().ok()?, failed.parse().ok()?))
    })
}

impl Results {
    /// Problems with a run that must print `N passed, 0 failed` and exit 0, where N > 0 or the
    /// run printed `RECORDED` lines (cases a 32-bit build only records, for the comparison
    /// with the 64-bit transcript).
    pub fn check_counted(&self, label: &str, problems: &mut Vec<String>) {
        let Some((lines, rc)) = self.sections.get(label) else {
            problems.push(format!("{label}: did not run"));
            return;
        };
        let failures: Vec<&str> = lines
            .iter()
            .filter(|l| l.starts_with("FAIL"))
            .map(String::as_str)
            .collect();
        let recorded = lines.iter().filter(|l| l.starts_with("RECORDED ")).count();
        match (counts(lines), rc) {
            (Some((passed, 0)), Some(0)) if (passed > 0 || recorded > 0) && failures.is_empty() => {
                eprintln!("{label}: {passed} passed, {recorded} recorded");
            }
            (counts, rc) => problems.push(format!(
                "{label}: counts {counts:?}, exit {rc:?}, failures:\n  {}",
                failures
                    .iter()
                    .take(20)
                    .copied()
                    .collect::<Vec<_>>()
                    .join("\n  ")
            )),
        }
    }

    /// Problems with the daemon's shutdown.
    pub fn check_shutdown(&self, problems: &mut Vec<String>) {
        if !self.output.contains("=== daemon rc=0") {
            problems.push("the daemon did not exit 0 on SIGTERM".into());
        }
        if !self.output.contains("=== device removed") {
            problems.push("the device node outlived the daemon".into());
        }
    }

    /// Fails the test with everything needed to diagnose it.
    pub fn assert_ok(&self, what: &str, problems: &[String]) {
        let all: Vec<&str> = self.output.lines().collect();
        let tail = all[all.len().saturating_sub(60)..].join("\n");
        assert!(
            problems.is_empty() && self.exit_code == 0,
            "{what}: exit {}, problems:\n{}\n(log: {})\n--- output tail ---\n{tail}",
            self.exit_code,
            problems.join("\n"),
            self.log_path.display(),
        );
    }
}
