//! The product on a real kernel: the daemon serves /dev/crypto in a throwaway guest and the
//! C compat suite (compat-tests/cryptodev), built 64- and 32-bit, runs against it — once with
//! direct caller-memory access, by the daemon as the Debian package installs it (release
//! build, tests/support/package.rs), once with CUSE RETRY rounds only, by cargo's debug build
//! (overflow checks and debug assertions on).

mod support;

use std::path::Path;
use std::time::Duration;

use guest_harness::image_for_tests;
use guest_harness::reach::record_pass;
use support::compat::{check_suite, suite_runs, DAEMON_OPTIONS};
use support::guest::{daemon_binary, run_with_daemon_at};
use support::package::package;

/// Runs the compat suite against `daemon`; on success records `check` in the kernel table.
fn run_suite(daemon: &Path, mode: &str, daemon_args: &str, device: &str, check: &str) {
    let Some(image) = image_for_tests() else {
        return;
    };
    let (runs, compared) = suite_runs(mode);
    let results = run_with_daemon_at(
        &image,
        daemon,
        daemon_args,
        device,
        &runs,
        Duration::from_secs(1500),
        |run| run,
    );
    let mut problems = Vec::new();
    check_suite(&results, &runs, &compared, &mut problems);
    results.check_shutdown(&mut problems);
    results.assert_ok(mode, &problems);
    record_pass(&image, check);
}

#[test]
fn compat_suite_with_direct_caller_memory() {
    run_suite(
        &package().daemon(),
        "direct",
        &format!("--asym {DAEMON_OPTIONS}"),
        "/dev/crypto",
        "compat suite, 64- and 32-bit, direct caller memory (packaged daemon)",
    );
}

#[test]
fn compat_suite_with_retry_rounds_only() {
    run_suite(
        Path::new(daemon_binary()),
        "retry",
        &format!("--memory-access retry --name crypto-retry {DAEMON_OPTIONS}"),
        "/dev/crypto-retry",
        "compat suite, 64- and 32-bit, CUSE RETRY rounds",
    );
}
