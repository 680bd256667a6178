//! What the daemon does on a kernel that cannot serve it, in the guest: without the cuse module
//! (no /dev/cuse node, and a node whose module cannot be loaded) and when /dev/cuse may not be
//! opened. Each must end at once with an error that names the cause and the remedy, and with
//! the documented exit status (cryptodev-cuse(8), EXIT STATUS). A kernel without AF_ALG is
//! covered by guest_afalg, a kernel that withholds unrestricted ioctls by tests/protocol.rs.

mod support;

use std::time::Duration;

use cryptodev_cuse::cli::{EXIT_NO_CUSE, EXIT_NO_PERMISSION};
use guest_harness::reach::record_pass;
use guest_harness::{image_for_tests, GuestImage, GuestRun};
use support::guest::{daemon_binary, sections, Sections};

/// Runs `script` (sections marked as in support::guest) in a guest set up by `configure`.
fn run(
    image: &GuestImage,
    script: &str,
    configure: impl FnOnce(GuestRun) -> GuestRun,
) -> (String, Sections) {
    let outcome = configure(GuestRun::new(image))
        .command(script)
        .timeout(Duration::from_secs(180))
        .run()
        .unwrap_or_else(|e| panic!("guest run failed: {e}"));
    assert_eq!(outcome.exit_code, 0, "{}", outcome.output);
    let sections = sections(&outcome.output);
    (outcome.output, sections)
}

/// A section that starts the daemon in the foreground (bounded by `timeout`) and reports its
/// exit status as the section's rc.
fn attempt(label: &str, prefix: &str) -> String {
    format!(
        "echo '=== begin {label}'\n\
         {prefix} timeout 30 {daemon} --foreground --log-level info\n\
         echo \"=== end {label} rc=$?\"\n\
         if [ -e /dev/crypto ]; then echo 'DEVICE-APPEARED {label}'; fi\n",
        daemon = daemon_binary()
    )
}

/// Problems with a failed start: its exit status and the words its error must contain.
fn check_attempt(
    sections: &Sections,
    label: &str,
    exit_status: u8,
    words: &[&str],
    problems: &mut Vec<String>,
) {
    let Some((lines, rc)) = sections.get(label) else {
        problems.push(format!("{label}: did not run"));
        return;
    };
    let text = lines.join("\n");
    if *rc != Some(i32::from(exit_status)) {
        problems.push(format!("{label}: exit {rc:?}, want {exit_status}:\n{text}"));
    }
    for word in words {
        if !text.contains(word) {
            problems.push(format!("{label}: the error does not say {word:?}:\n{text}"));
        }
    }
}

#[test]
fn without_the_cuse_module_the_daemon_says_to_load_it() {
    let Some(image) = image_for_tests() else {
        return;
    };
    let script = format!(
        "{}mknod /dev/cuse c 10 203\n{}",
        attempt("no-node", ""),
        attempt("node-without-module", "")
    );
    let (output, sections) = run(&image, &script, |run| run.without_cuse());
    let mut problems = Vec::new();
    let advice = ["cannot open /dev/cuse", "modprobe cuse", "CONFIG_CUSE"];
    check_attempt(
        &sections,
        "no-node",
        EXIT_NO_CUSE,
        &[&advice[..], &["No such file or directory"]].concat(),
        &mut problems,
    );
    check_attempt(
        &sections,
        "node-without-module",
        EXIT_NO_CUSE,
        &[&advice[..], &["No such device"]].concat(),
        &mut problems,
    );
    if output.contains("DEVICE-APPEARED") {
        problems.push("a device appeared without CUSE".into());
    }
    assert!(
        problems.is_empty(),
        "{}\n--- output ---\n{output}",
        problems.join("\n")
    );
    record_pass(&image, "no cuse module: exit 69, the error says to load it");
}

#[test]
fn without_access_to_dev_cuse_the_daemon_says_to_start_as_root() {
    let Some(image) = image_for_tests() else {
        return;
    };
    // The same boot serves as root afterwards: the refusal is the permission, not the kernel.
    let script = format!(
        "{}echo '=== begin as-root'\n\
         {daemon} --foreground --log-level warn &\n\
         pid=$!\n\
         i=0; while [ ! -c /dev/crypto ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i+1)); done\n\
         [ -c /dev/crypto ] && echo SERVED\n\
         kill -TERM $pid; wait $pid\n\
         echo \"=== end as-root rc=$?\"\n",
        attempt(
            "unprivileged",
            "setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all"
        ),
        daemon = daemon_binary()
    );
    let (output, sections) = run(&image, &script, |run| run);
    let mut problems = Vec::new();
    check_attempt(
        &sections,
        "unprivileged",
        EXIT_NO_PERMISSION,
        &[
            "cannot open /dev/cuse",
            "Permission denied",
            "start the daemon as root",
        ],
        &mut problems,
    );
    if output.contains("DEVICE-APPEARED unprivileged") {
        problems.push("a device appeared for an unprivileged daemon".into());
    }
    match sections.get("as-root") {
        Some((lines, Some(0))) if lines.iter().any(|l| l == "SERVED") => {}
        other => problems.push(format!("the daemon as root did not serve: {other:?}")),
    }
    assert!(
        problems.is_empty(),
        "{}\n--- output ---\n{output}",
        problems.join("\n")
    );
    record_pass(
        &image,
        "/dev/cuse not accessible: exit 77, the error says to start as root",
    );
}
