//! `vmtest [--kernel 6.1|6.12|PACKAGE] [--timeout SECS] [--cpus N] [--no-cuse] [--no-af-alg]
//! [--virtio-crypto] [--cwd DIR] -- COMMAND...`
//!
//! `--kernel` picks the guest kernel: the newest Debian image of a series, or one exact
//! `linux-image-…` package (default: `$CRYPTODEV_GUEST_KERNEL`, else 6.1). The choice and the
//! package it resolved to are printed on every run.
//!
//! `--cpus N` gives the guest N vCPUs (default 1; under TCG, more than one runs them on
//! separate host threads).
//!
//! Prepares the guest image (cached), runs COMMAND (its words joined with spaces, as a shell
//! command line) in a fresh guest, prints the command's output and the console log path, and
//! exits with the guest command's exit status; 124 on timeout, 125 when the guest ended
//! without reporting (e.g. a kernel panic), 2 on a harness error or bad usage.
#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use guest_harness::{GuestImage, GuestRun, HarnessError, KernelChoice};

const USAGE: &str = "usage: vmtest [--kernel 6.1|6.12|PACKAGE] [--timeout SECS] [--cpus N] \
                     [--no-cuse] [--no-af-alg] [--virtio-crypto] [--cwd DIR] -- COMMAND...";

/// Parsed command line.
#[derive(Debug, PartialEq, Eq)]
struct Args {
    kernel: Option<KernelChoice>,
    timeout: Option<Duration>,
    cpus: Option<u32>,
    cuse: bool,
    af_alg: bool,
    virtio_crypto: bool,
    cwd: Option<PathBuf>,
    command: String,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args {
        kernel: None,
        timeout: None,
        cpus: None,
        cuse: true,
        af_alg: true,
        virtio_crypto: false,
        cwd: None,
        command: String::new(),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--" => {
                parsed.command = it.map(String::as_str).collect::<Vec<_>>().join(" ");
                break;
            }
            "--timeout" => {
                let v = it.next().ok_or("--timeout needs a value")?;
                let secs: u64 =
                    v.parse().ok().filter(|&s| s > 0).ok_or_else(|| {
                        format!("--timeout: not a positive number of seconds: {v}")
                    })?;
                parsed.timeout = Some(Duration::from_secs(secs));
            }
            "--cpus" => {
                let v = it.next().ok_or("--cpus needs a value")?;
                let n: u32 = v
                    .parse()
                    .ok()
                    .filter(|&n| n > 0)
                    .ok_or_else(|| format!("--cpus: not a positive number: {v}"))?;
                parsed.cpus = Some(n);
            }
            "--kernel" => {
                let v = it.next().ok_or("--kernel needs a value")?;
                parsed.kernel = Some(KernelChoice::parse(v).map_err(|e| e.to_string())?);
            }
            "--cwd" => parsed.cwd = Some(PathBuf::from(it.next().ok_or("--cwd needs a value")?)),
            "--no-cuse" => parsed.cuse = false,
            "--no-af-alg" => parsed.af_alg = false,
            "--virtio-crypto" => parsed.virtio_crypto = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if parsed.command.trim().is_empty() {
        return Err("no command given after --".to_owned());
    }
    Ok(parsed)
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse_args(&argv) {
        Ok(args) => args,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("vmtest: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let choice = match args
        .kernel
        .clone()
        .map_or_else(KernelChoice::from_environment, Ok)
    {
        Ok(choice) => choice,
        Err(e) => {
            eprintln!("vmtest: {e}");
            return ExitCode::from(2);
        }
    };
    let started = std::time::Instant::now();
    let image = match GuestImage::prepare_kernel(&choice) {
        Ok(image) => {
            eprintln!(
                "vmtest: guest image ready in {:.2} s (kernel {choice} = {}, release {})",
                started.elapsed().as_secs_f64(),
                image.package(),
                image.release()
            );
            image
        }
        Err(e) => {
            eprintln!("vmtest: {e}");
            return ExitCode::from(2);
        }
    };
    let mut run = GuestRun::new(&image).command(args.command);
    if let Some(t) = args.timeout {
        run = run.timeout(t);
    }
    if let Some(n) = args.cpus {
        run = run.cpus(n);
    }
    if let Some(dir) = args.cwd {
        run = run.cwd(dir);
    }
    if !args.cuse {
        run = run.without_cuse();
    }
    if !args.af_alg {
        run = run.without_af_alg();
    }
    if args.virtio_crypto {
        run = run.with_virtio_crypto();
    }
    match run.run() {
        Ok(outcome) => {
            print!("{}", outcome.output);
            eprintln!(
                "vmtest: exit {} after {:.2} s ({:?}); console log: {}",
                outcome.exit_code,
                outcome.duration.as_secs_f64(),
                outcome.accelerator,
                outcome.log_path.display()
            );
            ExitCode::from(u8::try_from(outcome.exit_code).unwrap_or(255))
        }
        Err(e) => {
            eprintln!("vmtest: {e}");
            ExitCode::from(match e {
                HarnessError::Timeout { .. } => 124,
                HarnessError::NoMarker { .. } | HarnessError::GuestPanic { .. } => 125,
                _ => 2,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_options_and_command() {
        let a = parse_args(&v(&[
            "--kernel",
            "6.12",
            "--timeout",
            "30",
            "--cpus",
            "4",
            "--no-cuse",
            "--no-af-alg",
            "--virtio-crypto",
            "--cwd",
            "/w",
            "--",
            "ls",
            "-l",
        ]))
        .unwrap();
        assert_eq!(
            a,
            Args {
                kernel: Some(KernelChoice::Series("6.12")),
                timeout: Some(Duration::from_secs(30)),
                cpus: Some(4),
                cuse: false,
                af_alg: false,
                virtio_crypto: true,
                cwd: Some(PathBuf::from("/w")),
                command: "ls -l".to_owned(),
            }
        );
    }

    #[test]
    fn rejects_bad_usage() {
        assert!(parse_args(&v(&["ls"])).is_err());
        assert!(parse_args(&v(&["--"])).is_err());
        assert!(parse_args(&v(&["--timeout", "x", "--", "ls"])).is_err());
        assert!(parse_args(&v(&["--timeout"])).is_err());
        assert!(parse_args(&v(&["--cpus", "0", "--", "ls"])).is_err());
        assert!(parse_args(&v(&["--cpus", "-", "--", "ls"])).is_err());
        assert!(parse_args(&v(&["--kernel", "5.10", "--", "ls"])).is_err());
        assert_eq!(parse_args(&v(&["--", "ls"])).unwrap().cpus, None);
        assert!(parse_args(&v(&["--", "--timeout", "3"])).unwrap().command == "--timeout 3");
    }
}
