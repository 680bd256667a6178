//! The C compat suite (compat-tests/cryptodev) as the Rust tests run it: which programs, with
//! which arguments in each memory mode, built how, and what their output must show. Run in a
//! guest against the CUSE device (tests/guest_suite.rs) and on the host against a FUSE mount
//! (tests/mount.rs).

#![allow(dead_code)]

use guest_harness::{Abi, Linkage};

use super::guest::{build_compat, build_preload_library, ClientRun, Results};

/// How a compat program is built and run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Build {
    /// Static, both ABIs alike.
    Static,
    /// Static; the 64-bit build also links libcrypto (`-DWITH_LIBCRYPTO`) and checks the
    /// daemon against OpenSSL. Both builds print `TRANSCRIPT`/`CHECKPOINT` lines over the same
    /// deterministic cases, which must be equal.
    Libcrypto,
    /// Dynamic, so that `LD_PRELOAD` applies: each ABI runs once with the CRIOGET preload
    /// library of that ABI (mode argument `preload`) and once without it (`plain`).
    Preloaded,
}

/// A compat program and its arguments in each memory-access mode (None: not run there).
/// Arguments start with the device: "-" is $CRYPTODEV_DEVICE.
pub struct Program {
    pub name: &'static str,
    pub build: Build,
    pub direct_args: &'static str,
    pub retry_args: Option<&'static str>,
}

// RETRY rounds carry at most 128 KiB each way: the retry arguments keep every request below.
pub const PROGRAMS: &[Program] = &[
    Program {
        name: "kat",
        build: Build::Static,
        direct_args: "",
        retry_args: Some(""),
    },
    Program {
        name: "hash",
        build: Build::Static,
        direct_args: "",
        retry_args: Some(""),
    },
    Program {
        name: "iv",
        build: Build::Static,
        direct_args: "",
        retry_args: Some(""),
    },
    Program {
        name: "errno",
        build: Build::Static,
        direct_args: "",
        retry_args: Some(""),
    },
    // The device, then count, largest length (bytes), seed.
    Program {
        name: "diff",
        build: Build::Libcrypto,
        direct_args: "- 2000 204800 1",
        retry_args: Some("- 600 65536 2"),
    },
    // The device, then the number of processes.
    Program {
        name: "garbage",
        build: Build::Static,
        direct_args: "- 4",
        retry_args: Some("- 4"),
    },
    // The device, then random cases, largest plaintext (bytes), seed.
    Program {
        name: "aead",
        build: Build::Libcrypto,
        direct_args: "- 150 65536 1",
        retry_args: Some("- 60 65536 2"),
    },
    // The device, then random records, seed.
    Program {
        name: "tls",
        build: Build::Libcrypto,
        direct_args: "- 60 1",
        retry_args: Some("- 20 2"),
    },
    // The device, then random packets, seed.
    Program {
        name: "srtp",
        build: Build::Libcrypto,
        direct_args: "- 40 1",
        retry_args: Some("- 20 2"),
    },
    // The device, then the number of jobs submitted at once and the memory mode.
    Program {
        name: "async",
        build: Build::Static,
        direct_args: "- 48 direct",
        retry_args: Some("- 48 retry"),
    },
    // The device, then whether the daemon announces CIOCKEY's operations (--asym).
    Program {
        name: "asym",
        build: Build::Libcrypto,
        direct_args: "- announced",
        retry_args: Some("- unannounced"),
    },
    // The daemon's credentials, capabilities, no_new_privs, seccomp and dumpability; the
    // device, then the memory mode the daemon runs in.
    Program {
        name: "confinement",
        build: Build::Static,
        direct_args: "- direct",
        retry_args: Some("- retry"),
    },
    // Lengthy work of one user beside short work of another; the device, then seconds.
    Program {
        name: "fairness",
        build: Build::Static,
        direct_args: "- 6",
        retry_args: Some("- 6"),
    },
    // Each per-user limit hit by one user while another is served; the device, the memory
    // mode, then the limits the daemon runs with (DAEMON_OPTIONS).
    Program {
        name: "limits",
        build: Build::Static,
        direct_args: "- direct 64 1024 100663296",
        retry_args: Some("- retry 64 1024 100663296"),
    },
    // Clients SIGKILLed at random mid-operation; the device, then clients, seconds, seed, and
    // the daemon's statistics file (DAEMON_OPTIONS).
    Program {
        name: "load",
        build: Build::Static,
        direct_args: "- 8 10 1 /tmp/cryptodev-stats",
        retry_args: Some("- 8 10 2 /tmp/cryptodev-stats"),
    },
    // Reads the daemon's memory after its client work (the guest runs it as root).
    Program {
        name: "residue",
        build: Build::Static,
        direct_args: "",
        retry_args: Some(""),
    },
    Program {
        name: "crioget",
        build: Build::Preloaded,
        direct_args: "",
        retry_args: Some(""),
    },
];

/// The runs of one program in one ABI.
pub fn client_runs(program: &Program, abi: Abi, args: &str) -> Vec<ClientRun> {
    let label = format!("{}-{}", program.name, abi.suffix());
    match program.build {
        Build::Static | Build::Libcrypto => {
            let extra: &[&str] = if program.build == Build::Libcrypto && abi == Abi::Lp64 {
                &["-DWITH_LIBCRYPTO", "-lcrypto", "-ldl", "-pthread"]
            } else {
                &[]
            };
            let binary = build_compat(program.name, abi, Linkage::Static, extra);
            vec![ClientRun {
                label,
                command: format!("{} {args}", binary.display()),
            }]
        }
        Build::Preloaded => {
            let binary = build_compat(program.name, abi, Linkage::Dynamic, &[]);
            let library = build_preload_library(abi);
            vec![
                ClientRun {
                    label: label.clone(),
                    command: format!(
                        "LD_PRELOAD={} {} - preload {args}",
                        library.display(),
                        binary.display()
                    ),
                },
                ClientRun {
                    label: format!("{label}-plain"),
                    command: format!("{} - plain {args}", binary.display()),
                },
            ]
        }
    }
}

fn transcript(lines: &[String]) -> Vec<&str> {
    lines
        .iter()
        .filter(|l| l.starts_with("TRANSCRIPT ") || l.starts_with("CHECKPOINT "))
        .map(String::as_str)
        .collect()
}

/// Direct-memory arguments on the host's own CPU (a mount's runs), where the timed programs do
/// in fewer seconds what they do in an emulated guest.
fn native_args(program: &Program) -> &'static str {
    match program.name {
        "fairness" => "- 3",
        "load" => "- 8 4 1 /tmp/cryptodev-stats",
        _ => program.direct_args,
    }
}

/// The runs of the suite in memory mode `mode` ("direct" or "retry"; "native": direct, on
/// the host), both ABIs, and the programs whose transcripts are compared.
pub fn suite_runs(mode: &str) -> (Vec<ClientRun>, Vec<&'static Program>) {
    let mut runs = Vec::new();
    let mut compared = Vec::new();
    for program in PROGRAMS {
        let args = match (mode, program.retry_args) {
            ("retry", None) => continue,
            ("retry", Some(args)) => args,
            ("native", _) => native_args(program),
            _ => program.direct_args,
        };
        for abi in [Abi::Lp64, Abi::Ilp32] {
            runs.extend(client_runs(program, abi, args));
        }
        compared.push(program);
    }
    (runs, compared)
}

/// Problems with a suite's results: every run counted and clean, and every transcript printed
/// by a 64-bit build (OpenSSL-checked where it links libcrypto) equal, line for line, to the
/// 32-bit build's.
pub fn check_suite(
    results: &Results,
    runs: &[ClientRun],
    compared: &[&Program],
    problems: &mut Vec<String>,
) {
    for run in runs {
        results.check_counted(&run.label, problems);
    }
    for program in compared {
        let (Some((lines64, _)), Some((lines32, _))) = (
            results.sections.get(&format!("{}-64", program.name)),
            results.sections.get(&format!("{}-32", program.name)),
        ) else {
            continue;
        };
        let (t64, t32) = (transcript(lines64), transcript(lines32));
        let required = program.build == Build::Libcrypto;
        let has_total = t64.iter().any(|l| l.starts_with("TRANSCRIPT "));
        if (required || !t64.is_empty() || !t32.is_empty()) && (!has_total || t64 != t32) {
            problems.push(format!(
                "{}: transcripts differ between the 64-bit run (OpenSSL-checked if it links \
                 libcrypto) and the 32-bit run:\n  64: {t64:?}\n  32: {t32:?}",
                program.name
            ));
        }
    }
}

/// The limits the daemon runs with, as the limits program is told them, and the statistics
/// file the load program reads.
pub const DAEMON_OPTIONS: &str = "--max-files-per-uid 64 --max-sessions-per-uid 1024 \
                              --max-held-bytes 100663296 --stats-file /tmp/cryptodev-stats";
