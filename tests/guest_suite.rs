//! The product on a real kernel: the daemon serves /dev/crypto in a throwaway guest and the
//! C compat suite (compat-tests/cryptodev), built 64- and 32-bit, runs against it — once with
//! direct caller-memory access, once with CUSE RETRY rounds only.

mod support;

use std::time::Duration;

use guest_harness::{image_for_tests, Abi, Linkage};
use support::guest::{build_compat, run_with_daemon, ClientRun};

/// A compat program and its arguments in each memory-access mode (None: not run there).
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
    // The device ("-": $CRYPTODEV_DEVICE), then count, largest length (bytes), seed; RETRY
    // rounds carry at most 128 KiB each way.
    Program {
        name: "diff",
        direct_args: "- 2000 204800 1",
        retry_args: Some("- 600 65536 2"),
    },
    // The device, then the number of processes.
    Program {
        name: "garbage",
        direct_args: "- 4",
        retry_args: None,
    },
];

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
        let args = match (mode, program.retry_args) {
            ("retry", None) => continue,
            ("retry", Some(args)) => args,
            _ => program.direct_args,
        };
        for abi in [Abi::Lp64, Abi::Ilp32] {
            let extra: &[&str] = if program.name == "diff" && abi == Abi::Lp64 {
                &["-DWITH_LIBCRYPTO", "-lcrypto", "-ldl", "-pthread"]
            } else {
                &[]
            };
            let binary = build_compat(program.name, abi, Linkage::Static, extra);
            runs.push(ClientRun {
                label: format!("{}-{}", program.name, abi.suffix()),
                command: format!("{} {args}", binary.display()),
            });
        }
    }
    let results = run_with_daemon(
        &image,
        daemon_args,
        device,
        &runs,
        Duration::from_secs(1500),
        |run| run,
    );
    let mut problems = Vec::new();
    for run in &runs {
        results.check_counted(&run.label, &mut problems);
    }
    if let (Some((diff64, _)), Some((diff32, _))) = (
        results.sections.get("diff-64"),
        results.sections.get("diff-32"),
    ) {
        let (t64, t32) = (transcript(diff64), transcript(diff32));
        if t64.is_empty() || t64 != t32 {
            problems.push(format!(
                "diff transcripts differ between the libcrypto-checked 64-bit run and the \
                 32-bit run:\n  64: {t64:?}\n  32: {t32:?}"
            ));
        }
    }
    results.check_shutdown(&mut problems);
    results.assert_ok(mode, &problems);
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
