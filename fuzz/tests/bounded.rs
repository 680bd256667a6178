//! A bounded fuzzing run: a few thousand executions per seed (a few seconds in the debug
//! profile) must find no crash. Long runs: the `fuzz-requests` binary.

use cryptodev_cuse_fuzz::{run, Target};

#[test]
fn a_bounded_run_on_the_null_backend_finds_no_crash() {
    for seed in [1, 2] {
        let report = run(seed, 2_000, &Target::null());
        assert_eq!(report.crash_count, 0, "{report}");
        assert!(report.tally.requests > 20 * report.executions, "{report}");
    }
}

#[test]
fn a_short_run_on_the_rustcrypto_backend_finds_no_crash() {
    let report = run(3, 200, &Target::rustcrypto());
    assert_eq!(report.crash_count, 0, "{report}");
}
