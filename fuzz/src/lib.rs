//! Structured fuzzing of cryptodev-cuse: the CUSE request parser, the transport and the ioctl
//! handlers, driven through the real `dispatch` over a socket pair by the fake kernel of the
//! project's tests, in RETRY rounds and as restricted ioctls, for 64- and 32-bit callers.
//!
//! Each execution is one [`Input`] (a few buffers and a short sequence of operations: FUSE
//! requests well-formed or not, and ioctls of every kind with fields biased toward their
//! edges) run against a fresh device; the invariants it checks are listed in
//! `execution.rs`. An execution's input follows from the run's seed and its index alone, so
//! `(seed, index)` reproduces any crash ([`replay`]), and [`minimize`] shrinks its input to
//! the operations that matter.
//!
//! By default the device runs on [`NullBackend`], which does no cryptography, so executions
//! exercise the handlers' logic rather than cipher speed; [`Target::rustcrypto`] runs the real
//! backend.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use cryptodev_cuse::backend::soft::RustCryptoBackend;
use cryptodev_cuse::backend::Backend;

#[path = "../../tests/support/fake_kernel.rs"]
pub mod fake_kernel;

mod execution;
pub mod input;
pub mod null_backend;
mod panics;
pub mod rng;

pub use execution::{Arena, Outcome, KNOWN_ESRCH, SANITY_IV, SANITY_KEY, SANITY_PLAINTEXT};
pub use input::Input;
pub use null_backend::NullBackend;

/// Outcome key of requests that got no reply (they expected none).
pub const NO_REPLY: i32 = -1;
/// Outcome key of raw ioctl requests answered with a RETRY round.
pub const RETRY_ROUND: i32 = -2;

/// What the fuzzed device runs on, and the AES-CBC answer it must give at the end of every
/// execution (SP 800-38A F.2.1's key, IV and first two plaintext blocks).
#[derive(Clone)]
pub struct Target {
    pub name: String,
    pub backend: Arc<dyn Backend>,
    pub cbc_answer: [u8; 32],
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target").field("name", &self.name).finish()
    }
}

/// [`NullBackend`]'s "AES-CBC" of the same inputs: its stand-in block function (key XOR, byte
/// reversal) chained by CBC. Pinned here, so a change of the backend or of the handlers'
/// chaining shows as a failed sanity check in every execution.
pub const NULL_CBC_ANSWER: [u8; 32] = [
    0xc8, 0xe4, 0xc2, 0x02, 0xc7, 0x57, 0xd4, 0xb2, 0xee, 0xf1, 0x70, 0x7e, 0xaa, 0x97, 0xa1, 0x40,
    0xfc, 0xd2, 0x64, 0x92, 0x0f, 0x3c, 0xa6, 0x23, 0x51, 0x10, 0x61, 0x8d, 0x1e, 0x63, 0xa8, 0x4d,
];

/// SP 800-38A F.2.1, CBC-AES128.Encrypt, blocks 1 and 2.
pub const AES_CBC_ANSWER: [u8; 32] = [
    0x76, 0x49, 0xab, 0xac, 0x81, 0x19, 0xb2, 0x46, 0xce, 0xe9, 0x8e, 0x9b, 0x12, 0xe9, 0x19, 0x7d,
    0x50, 0x86, 0xcb, 0x9b, 0x50, 0x72, 0x19, 0xee, 0x95, 0xdb, 0x11, 0x3a, 0x91, 0x76, 0x78, 0xb2,
];

impl Target {
    pub fn null() -> Target {
        Target {
            name: "null".into(),
            backend: Arc::new(NullBackend),
            cbc_answer: NULL_CBC_ANSWER,
        }
    }

    pub fn rustcrypto() -> Target {
        Target {
            name: "rustcrypto".into(),
            backend: Arc::new(RustCryptoBackend::new()),
            cbc_answer: AES_CBC_ANSWER,
        }
    }
}

/// Requests sent and how they were answered.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    pub requests: u64,
    /// By errno (0: success; [`NO_REPLY`], [`RETRY_ROUND`]).
    pub outcomes: BTreeMap<i32, u64>,
    /// Known deviations met (see [`KNOWN_ESRCH`]), tolerated unless strict.
    pub known: BTreeMap<&'static str, u64>,
}

/// A violated invariant and how to reproduce it.
#[derive(Clone, Debug)]
pub struct Crash {
    pub seed: u64,
    pub index: u64,
    pub what: String,
}

/// What a run did.
#[derive(Clone, Debug)]
pub struct Report {
    pub seed: u64,
    pub target: String,
    pub executions: u64,
    pub tally: Tally,
    pub crash_count: u64,
    /// The first crashes, at most [`KEPT_CRASHES`].
    pub crashes: Vec<Crash>,
    pub elapsed: Duration,
}

/// Crashes a report keeps in full.
pub const KEPT_CRASHES: usize = 20;

impl Report {
    pub fn executions_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.executions as f64 / seconds
        } else {
            0.0
        }
    }
}

fn outcome_name(key: i32) -> String {
    match key {
        0 => "OK".into(),
        NO_REPLY => "(no reply)".into(),
        RETRY_ROUND => "(RETRY round)".into(),
        errno => format!("{:?}", nix::errno::Errno::from_raw(errno)),
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "seed {}, backend {}", self.seed, self.target)?;
        writeln!(f, "  {:<22}{:>12}", "executions", self.executions)?;
        writeln!(f, "  {:<22}{:>12}", "requests sent", self.tally.requests)?;
        writeln!(
            f,
            "  {:<22}{:>12.0}",
            "executions per second",
            self.executions_per_second()
        )?;
        writeln!(f, "  replies by errno")?;
        let mut outcomes: Vec<(&i32, &u64)> = self.tally.outcomes.iter().collect();
        outcomes.sort_by(|a, b| b.1.cmp(a.1));
        for (&key, &count) in outcomes {
            writeln!(f, "    {:<20}{:>12}", outcome_name(key), count)?;
        }
        for (issue, count) in &self.tally.known {
            writeln!(f, "  known issue, {count} times: {issue}")?;
        }
        writeln!(f, "  {:<22}{:>12}", "crashes", self.crash_count)?;
        for crash in &self.crashes {
            writeln!(
                f,
                "  crash: seed {} execution {}: {}",
                crash.seed, crash.index, crash.what
            )?;
        }
        Ok(())
    }
}

/// How a run goes.
#[derive(Clone, Debug)]
pub struct Options {
    pub seed: u64,
    pub executions: u64,
    /// When set, an execution that makes no progress for this long is reported as a hang
    /// (with its reproducer) and the process exits with status 1: a deadlocked device would
    /// otherwise stall the run forever.
    pub hang_timeout: Option<Duration>,
    /// Whether the known deviations count as crashes.
    pub strict: bool,
}

/// Runs `executions` executions of the run seeded with `seed`.
pub fn run(seed: u64, executions: u64, target: &Target) -> Report {
    run_with(
        &Options {
            seed,
            executions,
            hang_timeout: None,
            strict: true,
        },
        target,
    )
}

/// A deviation the fuzzer found (see `tests/regressions.rs`), tolerated and counted unless
/// strict.
pub const KNOWN_SELF_JOIN: &str = "the job executor dropped by its own thread: a job \
    finishing after its device was dropped holds the last reference to the JobRunner, whose \
    drop then joins the current thread (pthread_join: EDEADLK) and panics";

fn is_known_self_join(panic: &str) -> bool {
    panic.starts_with("panic in thread crypto-job-") && panic.contains("failed to join thread")
}

/// Runs one input; a panic or a violated invariant is the error.
fn check(
    input: &Input,
    target: &Target,
    arena: &mut Arena,
    tally: &mut Tally,
    strict: bool,
) -> Result<Vec<Outcome>, String> {
    let result = catch_unwind(AssertUnwindSafe(|| {
        execution::Execution::new(target, input, arena, tally, strict).run()
    }));
    let (known, panics): (Vec<String>, Vec<String>) = panics::take()
        .into_iter()
        .partition(|p| !strict && is_known_self_join(p));
    if !known.is_empty() {
        *tally.known.entry(KNOWN_SELF_JOIN).or_default() += known.len() as u64;
    }
    let result = result.unwrap_or_else(|_| Err("the execution stopped at a panic".into()));
    if panics.is_empty() {
        return result;
    }
    let mut what = panics.join("; ");
    if let Err(after) = result {
        what.push_str(&format!(" (then: {after})"));
    }
    Err(what)
}

/// Watches that executions keep starting; see [`Options::hang_timeout`].
fn watchdog(seed: u64, timeout: Duration, started: Arc<AtomicU64>, done: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let mut last = started.load(Ordering::SeqCst);
        let mut since = Instant::now();
        while !done.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(200));
            let now = started.load(Ordering::SeqCst);
            if now != last {
                last = now;
                since = Instant::now();
            } else if since.elapsed() > timeout {
                let index = now.saturating_sub(1);
                eprintln!(
                    "crash: seed {seed} execution {index}: no progress for {timeout:?} \
                     (hang); reproduce with --seed {seed} --replay {index}"
                );
                std::process::exit(1);
            }
        }
    });
}

pub fn run_with(options: &Options, target: &Target) -> Report {
    let _recording = panics::Recording::start();
    let mut arena = Arena::default();
    let mut tally = Tally::default();
    let mut crashes = Vec::new();
    let mut crash_count = 0;
    let started = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicBool::new(false));
    if let Some(timeout) = options.hang_timeout {
        watchdog(
            options.seed,
            timeout,
            Arc::clone(&started),
            Arc::clone(&done),
        );
    }
    let start = Instant::now();
    for index in 0..options.executions {
        started.store(index + 1, Ordering::SeqCst);
        let input = Input::generate(options.seed, index);
        if let Err(what) = check(&input, target, &mut arena, &mut tally, options.strict) {
            crash_count += 1;
            if crashes.len() < KEPT_CRASHES {
                crashes.push(Crash {
                    seed: options.seed,
                    index,
                    what,
                });
            }
        }
    }
    done.store(true, Ordering::SeqCst);
    Report {
        seed: options.seed,
        target: target.name.clone(),
        executions: options.executions,
        tally,
        crash_count,
        crashes,
        elapsed: start.elapsed(),
    }
}

/// Runs one input (a regression test's fixed sequence, a replayed execution): how each
/// operation ended, or the crash; `strict` as in [`Options::strict`].
pub fn execute(input: &Input, target: &Target, strict: bool) -> Result<Vec<Outcome>, String> {
    let _recording = panics::Recording::start();
    check(
        input,
        target,
        &mut Arena::default(),
        &mut Tally::default(),
        strict,
    )
}

/// Runs `f` with panics recorded rather than printed (any thread, as during runs): what it
/// returned and the panics it caused, for tests that drive the device themselves.
pub fn record_panics<R>(f: impl FnOnce() -> R) -> (std::thread::Result<R>, Vec<String>) {
    let _recording = panics::Recording::start();
    let result = catch_unwind(AssertUnwindSafe(f));
    (result, panics::take())
}

/// Execution `index` of the run seeded with `seed`: its input and how it ended.
pub fn replay(seed: u64, index: u64, target: &Target) -> (Input, Result<Vec<Outcome>, String>) {
    let input = Input::generate(seed, index);
    let result = execute(&input, target, false);
    (input, result)
}

/// The input with every operation left out that the failure does not need (one at a time,
/// until none can go); `strict` as in [`Options::strict`].
pub fn minimize(input: &Input, target: &Target, strict: bool) -> Input {
    let _recording = panics::Recording::start();
    let mut arena = Arena::default();
    let mut fails = |candidate: &Input| {
        check(candidate, target, &mut arena, &mut Tally::default(), strict).is_err()
    };
    let mut best = input.clone();
    if !fails(&best) {
        return best;
    }
    loop {
        let mut shrunk = false;
        for index in (0..best.ops.len()).rev() {
            let mut candidate = best.clone();
            candidate.ops.remove(index);
            if fails(&candidate) {
                best = candidate;
                shrunk = true;
            }
        }
        if !shrunk {
            return best;
        }
    }
}
