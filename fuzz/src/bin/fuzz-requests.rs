//! Runs the structured fuzzer and prints what it did; exits with status 1 on any crash.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use cryptodev_cuse_fuzz::{execute, minimize, run_with, Input, Options, Target};

#[derive(Clone, Copy, Debug, ValueEnum)]
enum BackendChoice {
    /// No cryptography: the transport and the handlers take all the time.
    Null,
    /// The daemon's RustCrypto backend.
    Rustcrypto,
}

/// Fuzzes the CUSE transport and the ioctl handlers of cryptodev-cuse with structured inputs.
#[derive(Debug, Parser)]
#[command(name = "fuzz-requests")]
struct Args {
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 100_000)]
    executions: u64,
    #[arg(long, value_enum, default_value = "null")]
    backend: BackendChoice,
    /// Runs only this execution of the seed and prints its input (shrunk with --minimize).
    #[arg(long)]
    replay: Option<u64>,
    #[arg(long, requires = "replay")]
    minimize: bool,
    /// Seconds without progress after which an execution counts as hung.
    #[arg(long, default_value_t = 120)]
    hang_timeout: u64,
    /// Counts the known issues (listed in the table) as crashes.
    #[arg(long)]
    strict: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let target = match args.backend {
        BackendChoice::Null => Target::null(),
        BackendChoice::Rustcrypto => Target::rustcrypto(),
    };
    if let Some(index) = args.replay {
        let input = Input::generate(args.seed, index);
        let result = execute(&input, &target, args.strict);
        let input = if args.minimize && result.is_err() {
            minimize(&input, &target, args.strict)
        } else {
            input
        };
        println!("{input:#?}");
        return match result {
            Ok(_) => {
                println!("seed {} execution {index}: no crash", args.seed);
                ExitCode::SUCCESS
            }
            Err(what) => {
                println!("crash: seed {} execution {index}: {what}", args.seed);
                ExitCode::FAILURE
            }
        };
    }
    let report = run_with(
        &Options {
            seed: args.seed,
            executions: args.executions,
            hang_timeout: Some(Duration::from_secs(args.hang_timeout)),
            strict: args.strict,
        },
        &target,
    );
    print!("{report}");
    if report.crash_count == 0 {
        return ExitCode::SUCCESS;
    }
    let backend = format!("{:?}", args.backend).to_lowercase();
    for crash in &report.crashes {
        println!(
            "reproduce: fuzz-requests --backend {backend}{} --seed {} --replay {} --minimize",
            if args.strict { " --strict" } else { "" },
            crash.seed,
            crash.index
        );
    }
    ExitCode::FAILURE
}
