//! The FUSE mount mode (`--mount DIR`) on the host's own kernel, no guest: FUSE but no CUSE, as
//! on a machine or in a container without CUSE. Each test runs in a private mount namespace
//! (tests/support/native.rs): the daemon mounts there, and `/dev/crypto` there is the mount's
//! ioctl file, bound as the README says.
//!
//! - the C compat suite, 64- and 32-bit, against DIR/crypto, as the guest runs it against the
//!   CUSE device;
//! - OpenSSL 3's devcrypto engine with Debian's `openssl`, through the bound /dev/crypto;
//! - the README's shell examples against DIR/hash and DIR/hmac, and the files' errors.

mod support;

use std::process::Command;
use std::time::Duration;

use support::compat::{check_suite, suite_runs, DAEMON_OPTIONS};
use support::engine::{check_phases, phase_runs, Phase, DGST, ENC_ALL, FORK, LIST};
use support::guest::{daemon_binary, script, ClientRun};
use support::native::{mount_unavailable, run_in_private_namespace, MOUNT_DIR};

/// Whether the test can run here; says why not when it cannot.
fn mounts_possible(test: &str) -> bool {
    match mount_unavailable() {
        None => true,
        Some(why) => {
            eprintln!("{test}: skipped: {why}");
            false
        }
    }
}

fn device() -> String {
    format!("{MOUNT_DIR}/crypto")
}

#[test]
fn compat_suite_through_a_mount() {
    if !mounts_possible("compat suite through a mount") {
        return;
    }
    let (runs, compared) = suite_runs("native");
    let daemon_args = format!("--mount {MOUNT_DIR} --asym {DAEMON_OPTIONS}");
    let script = script(daemon_binary().as_ref(), &daemon_args, &device(), &runs);
    let results = run_in_private_namespace("compat-suite", &script, Duration::from_secs(900));
    let mut problems = Vec::new();
    check_suite(&results, &runs, &compared, &mut problems);
    results.check_shutdown(&mut problems);
    results.assert_ok("compat suite through a mount", &problems);
}

/// Where the daemon writes its counters (the namespace's private /tmp).
const STATS_FILE: &str = "/tmp/openssl-engine-stats";

/// The engine's checks through the mount: its listing, every cipher and digest on a few sizes,
/// and a forked child using its parent's open file.
const ENGINE_PHASES: &[Phase] = &[LIST, ENC_ALL, DGST, FORK];

#[test]
fn openssl_engine_through_a_bound_dev_crypto() {
    if !mounts_possible("OpenSSL engine through a mount") {
        return;
    }
    // The README's way of putting the mount's file at /dev/crypto; the engine opens that path.
    let bind = ClientRun {
        label: "bind".into(),
        command: format!(
            "mount --bind {device} /dev/crypto && \
             [ \"$(stat -c %i /dev/crypto)\" = \"$(stat -c %i {device})\" ] && \
             echo 'PASS /dev/crypto is {device}' && echo '1 passed, 0 failed'",
            device = device()
        ),
    };
    let mut runs = vec![bind];
    runs.extend(phase_runs(
        ENGINE_PHASES,
        "CHECK_SIZES='0 17 65536 1048576' ",
        STATS_FILE,
    ));
    let daemon_args = format!("--mount {MOUNT_DIR} --stats-file {STATS_FILE}");
    let script = script(daemon_binary().as_ref(), &daemon_args, &device(), &runs);
    let results = run_in_private_namespace("openssl-engine", &script, Duration::from_secs(900));
    let mut problems = Vec::new();
    results.check_counted("bind", &mut problems);
    check_phases(
        "engine through a mount",
        &results,
        ENGINE_PHASES,
        &mut problems,
    );
    results.check_shutdown(&mut problems);
    results.assert_ok("OpenSSL engine through a mount", &problems);
}

/// The README's shell examples, verbatim (the test fails if the README no longer shows one),
/// run with `DIR` the mount and `file`, `key` and `mac` files the test made; each prints what
/// the command after `=>` prints with software alone.
const README_EXAMPLES: &[(&str, &str)] = &[
    (
        "{ cat file >&0; read digest; } <> DIR/hash/sha256; echo \"$digest\"",
        "sha256sum < file | cut -d' ' -f1",
    ),
    (
        "exec 3<> DIR/hash/sha1; cat file >&3; read digest <&3; exec 3>&-; echo \"$digest\"",
        "sha1sum < file | cut -d' ' -f1",
    ),
    (
        "{ cat file >&0; cat; } <> DIR/hash/sha512.bin > digest.bin",
        "openssl dgst -sha512 -binary file > digest.bin",
    ),
    (
        "{ cat key >&0; cat file >&0; read mac; } <> DIR/hmac/sha256; echo \"$mac\"",
        "openssl dgst -sha256 -mac HMAC -macopt hexkey:$(od -An -tx1 key | tr -d ' \\n') file | sed 's/.*= //'",
    ),
];

#[test]
fn shell_examples_of_the_readme() {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    for (example, _) in README_EXAMPLES {
        assert!(
            readme.contains(example),
            "the README no longer shows the example {example:?}"
        );
    }
    if !mounts_possible("shell examples") {
        return;
    }
    const SHOW: &str = "if [ -f digest.bin ]; then od -An -tx1 digest.bin; fi";
    let mut runs = Vec::new();
    for (index, (example, reference)) in README_EXAMPLES.iter().enumerate() {
        let example = example.replace("DIR", MOUNT_DIR);
        // `digest.bin` is compared as a file; every other example prints its result.
        runs.push(ClientRun {
            label: format!("example-{index}"),
            command: format!(
                "cd /tmp/shell && got=$({example}; {SHOW}) && rm -f digest.bin && \
                 want=$({reference}; {SHOW}) && rm -f digest.bin && \
                 echo \"got  $got\" && echo \"want $want\" && \
                 [ -n \"$got\" ] && [ \"$got\" = \"$want\" ] && echo '1 passed, 0 failed'"
            ),
        });
    }
    // Each open file is its own message; the end comes after the digest; an HMAC file wants its
    // key before it can answer; an algorithm the daemon lacks has no file; nothing can be made.
    runs.push(ClientRun {
        label: "semantics".into(),
        command: format!(
            "cd /tmp/shell && d={MOUNT_DIR} && pass=0 && fail=0 && \
             check() {{ if [ \"$2\" = \"$3\" ]; then pass=$((pass+1)); echo \"PASS $1\"; \
             else fail=$((fail+1)); echo \"FAIL $1: got '$2', want '$3'\"; fi; }} && \
             check empty \"$(cat < $d/hash/md5)\" d41d8cd98f00b204e9800998ecf8427e && \
             exec 4<> $d/hash/sha256 5<> $d/hash/sha256 && printf abc >&4 && \
             check 'own message' \"$(read -r l <&5; echo $l)\" \
               e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 && \
             check 'other message' \"$(read -r l <&4; echo $l)\" \
               ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad && \
             check 'end after the digest' \"$(cat <&4 | wc -c)\" 0 && \
             printf abc >&4 && check 'a write starts over' \"$(read -r l <&4; echo $l)\" \
               ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad && \
             exec 4>&- 5>&- && \
             check 'hmac without a key' \"$(cat < $d/hmac/sha1 2>&1 >/dev/null | grep -c 'key not available')\" 1 && \
             check 'no such algorithm' \"$(ls $d/hash/whirlpool 2>&1 | grep -c 'No such file')\" 1 && \
             check 'no new files' \"$(touch $d/hash/new 2>&1 | grep -c 'not permitted')\" 1 && \
             check 'the tree' \"$(ls $d | tr '\\n' ' ')\" 'crypto hash hmac ' && \
             echo \"$pass passed, $fail failed\" && [ $fail = 0 ]"
        ),
    });
    let setup = "mkdir -p /tmp/shell && cd /tmp/shell && \
                 head -c 1000000 /dev/urandom > file && head -c 32 /dev/urandom > key\n";
    let script = format!(
        "{setup}{}",
        script(
            daemon_binary().as_ref(),
            &format!("--mount {MOUNT_DIR}"),
            &device(),
            &runs
        )
    );
    let results = run_in_private_namespace("shell-examples", &script, Duration::from_secs(300));
    let mut problems = Vec::new();
    for run in &runs {
        results.check_counted(&run.label, &mut problems);
    }
    results.check_shutdown(&mut problems);
    results.assert_ok("shell examples", &problems);
}

/// A mount's ioctls need direct caller memory: asked for RETRY rounds, the daemon says so and
/// ends before it mounts anything.
#[test]
fn a_mount_refuses_retry_rounds() {
    let output = Command::new(daemon_binary())
        .args([
            "--mount",
            "/nonexistent/never-made",
            "--memory-access",
            "retry",
            "--foreground",
        ])
        .output()
        .expect("running the daemon");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("no RETRY"), "{stderr}");
    assert!(!std::path::Path::new("/nonexistent/never-made").exists());
}

/// Detached (no `--foreground`), the daemon returns to its caller once mounted, and neither it
/// nor the keeper that unmounts later holds the caller's output open: `$(...)` returns. The
/// mount goes with the daemon.
#[test]
fn a_detached_daemon_lets_go_of_its_callers_output() {
    if !mounts_possible("detached daemon") {
        return;
    }
    let script = format!(
        "dir=/tmp/detached; status=/tmp/detached.status\n\
         out=$(timeout 60 {daemon} --mount $dir --stats-file $status 2>&1); rc=$?\n\
         echo \"=== begin detach\"\n\
         echo \"# daemon returned $rc: $out\"\n\
         pass=0; fail=0\n\
         check() {{ if eval \"$2\"; then pass=$((pass+1)); echo \"PASS $1\"; else fail=$((fail+1)); echo \"FAIL $1\"; fi; }}\n\
         check returned '[ $rc = 0 ]'\n\
         check mounted '[ -e $dir/crypto ]'\n\
         pid=$(sed -n 's/^# pid: //p' $status)\n\
         check 'detached pid' '[ -n \"$pid\" ] && kill -0 $pid'\n\
         kill -TERM $pid\n\
         i=0; while [ -e $dir/crypto ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done\n\
         check unmounted '! [ -e $dir/crypto ] && ! grep -q \" $dir \" /proc/self/mounts'\n\
         echo \"$pass passed, $fail failed\"\n\
         echo \"=== end detach rc=$fail\"\n",
        daemon = daemon_binary()
    );
    let results = run_in_private_namespace("detached", &script, Duration::from_secs(120));
    let mut problems = Vec::new();
    results.check_counted("detach", &mut problems);
    results.assert_ok("detached daemon", &problems);
}
