//! The product on a real kernel: the daemon serves /dev/crypto in a throwaway guest and the
//! C compat suite (compat-tests/cryptodev), built 64- and 32-bit, runs against it — once with
//! direct caller-memory access, once with CUSE RETRY rounds only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use guest_harness::{build_c, image_for_tests, Abi, GuestRun, Linkage};

const SUITE_DIR: &str = "compat-tests/cryptodev";

/// A compat program and the arguments it gets in each memory-access mode.
struct Program {
    name: &'static str,
    direct_args: &'static str,
    retry_args: Option<&'static str>,
}

const PROGRAMS: &[Program] = &[
    Program {
        name: "kat",
        direct_args: "",
        retry_args: Some(""),
    },
    Program {
        name: "hash",
        direct_args: "",
        retry_args: Some(""),
    },
    Program {
        name: "iv",
        direct_args: "",
        retry_args: Some(""),
    },
    Program {
        name: "errno",
        direct_args: "",
        retry_args: Some(""),
    },
    // count, largest length (bytes), seed: RETRY rounds carry at most 128 KiB each way.
    Program {
        name: "diff",
        direct_args: "2000 204800 1",
        retry_args: Some("600 65536 2"),
    },
    Program {
        name: "garbage",
        direct_args: "4",
        retry_args: None,
    },
];

fn build(program: &Program, abi: Abi) -> PathBuf {
    let dir = Path::new(SUITE_DIR);
    let source = dir.join(format!("{}.c", program.name));
    let common = dir.join("common.c");
    let sources = [source.as_path(), common.as_path()];
    let with_libcrypto = program.name == "diff" && abi == Abi::Lp64;
    let extra: &[&str] = if with_libcrypto {
        &["-DWITH_LIBCRYPTO", "-lcrypto", "-ldl", "-pthread"]
    } else {
        &[]
    };
    build_c(program.name, &sources, abi, Linkage::Static, extra)
        .unwrap_or_else(|e| panic!("building {} {abi:?}: {e}", program.name))
}

/// The shell script the guest runs: start the daemon, run every program for both ABIs with
/// section markers, then stop the daemon and check that the device went away.
fn script(daemon_args: &str, device: &str, runs: &[(String, PathBuf, &str)]) -> String {
    let daemon = env!("CARGO_BIN_EXE_cryptodev-cuse");
    let mut script = format!(
        "set -u\n\
         {daemon} --foreground --log-level warn {daemon_args} &\n\
         daemon=$!\n\
         i=0; while [ ! -c {device} ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done\n\
         [ -c {device} ] || {{ echo 'DEVICE-MISSING {device}'; exit 1; }}\n"
    );
    for (label, binary, args) in runs {
        script.push_str(&format!(
            "echo '=== begin {label}'\n\
             CRYPTODEV_DEVICE={device} {} {args}\n\
             echo \"=== end {label} rc=$?\"\n",
            binary.display()
        ));
    }
    script.push_str(&format!(
        "kill -TERM $daemon; wait $daemon; echo \"=== daemon rc=$?\"\n\
         [ -e {device} ] && echo '=== device still present' || echo '=== device removed'\n"
    ));
    script
}

/// Output of each labelled run: (lines, exit status).
fn sections(output: &str) -> BTreeMap<String, (Vec<String>, Option<i32>)> {
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

/// The `N passed, M failed` line of a run.
fn counts(lines: &[String]) -> Option<(u32, u32)> {
    lines.iter().rev().find_map(|line| {
        let (passed, failed) = line.split_once(" passed, ")?;
        let failed = failed.strip_suffix(" failed")?;
        Some((passed.trim().parse().ok()?, failed.parse().ok()?))
    })
}

fn transcript(lines: &[String]) -> Vec<&str> {
    lines
        .iter()
        .filter(|l| l.starts_with("TRANSCRIPT ") || l.starts_with("CHECKPOINT "))
        .map(String::as_str)
        .collect()
}

fn run_suite(mode: &str, daemon_args: &str, device: &str) {
    let Some(image) = image_for_tests() else {
        return;
    };
    let mut runs = Vec::new();
    for program in PROGRAMS {
        let args = if mode == "retry" {
            match program.retry_args {
                Some(args) => args,
                None => continue,
            }
        } else {
            program.direct_args
        };
        for abi in [Abi::Lp64, Abi::Ilp32] {
            let label = format!("{}-{}", program.name, abi.suffix());
            runs.push((label, build(program, abi), args));
        }
    }
    let outcome = GuestRun::new(&image)
        .command(script(daemon_args, device, &runs))
        .timeout(Duration::from_secs(1500))
        .run()
        .unwrap_or_else(|e| panic!("guest run failed: {e}"));
    let log = outcome.log_path.display().to_string();
    let sections = sections(&outcome.output);
    let mut problems = Vec::new();
    for (label, _, _) in &runs {
        let Some((lines, rc)) = sections.get(label) else {
            problems.push(format!("{label}: did not run"));
            continue;
        };
        let failures: Vec<&String> = lines.iter().filter(|l| l.starts_with("FAIL")).collect();
        match (counts(lines), rc) {
            (Some((passed, 0)), Some(0)) if passed > 0 && failures.is_empty() => {
                eprintln!("{mode} {label}: {passed} passed");
            }
            (counts, rc) => problems.push(format!(
                "{label}: counts {counts:?}, exit {rc:?}, failures:\n  {}",
                failures
                    .iter()
                    .take(20)
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n  ")
            )),
        }
    }
    if let (Some((diff64, _)), Some((diff32, _))) =
        (sections.get("diff-64"), sections.get("diff-32"))
    {
        let (t64, t32) = (transcript(diff64), transcript(diff32));
        if t64.is_empty() || t64 != t32 {
            problems.push(format!(
                "diff transcripts differ between the libcrypto-checked 64-bit run and the \
                 32-bit run:\n  64: {t64:?}\n  32: {t32:?}"
            ));
        }
    }
    if !outcome.output.contains("=== daemon rc=0") {
        problems.push("the daemon did not exit 0 on SIGTERM".into());
    }
    if !outcome.output.contains("=== device removed") {
        problems.push("the device node outlived the daemon".into());
    }
    assert!(
        problems.is_empty() && outcome.exit_code == 0,
        "{mode}: guest exit {}, problems:\n{}\n(console log: {log})\n--- output tail ---\n{}",
        outcome.exit_code,
        problems.join("\n"),
        tail(&outcome.output, 60)
    );
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[test]
fn compat_suite_with_direct_caller_memory() {
    run_suite("direct", "", "/dev/crypto");
}

#[test]
fn compat_suite_with_retry_rounds_only() {
    run_suite(
        "retry",
        "--memory-access retry --name crypto-retry",
        "/dev/crypto-retry",
    );
}
