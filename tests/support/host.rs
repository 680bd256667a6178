//! Host-side steps of the guest tests (builds, packaging, extraction).

#![allow(dead_code)]

use std::process::Command;

/// Runs `command` on the host and returns its stdout; a failure (a missing tool or source
/// package) fails the test with the command's own explanation.
pub fn run_step(what: &str, command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {command:?}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
