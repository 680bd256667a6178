//! The Debian package (`packaging/build-deb`, cargo-deb): what it holds, whether systemd
//! accepts its service, and, in the guest, the packaged daemon with the packaged OpenSSL
//! configuration. (The compat suite's direct-memory run, tests/guest_suite.rs, also uses the
//! packaged daemon.)

mod support;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use cryptodev_cuse::cli;
use guest_harness::reach::record_pass;
use guest_harness::{image_for_tests, workspace_target_dir};
use support::guest::{run_with_daemon_at, ClientRun};
use support::host::run_step;
use support::package::{dpkg_deb, package};

/// Where the engine and the configuration are installed; the configuration must name the
/// engine's path.
const ENGINE: &str = "/usr/lib/x86_64-linux-gnu/cryptodev-cuse/engines-3/devcrypto.so";
const OPENSSL_CONFIG: &str = "/usr/share/cryptodev-cuse/openssl-devcrypto.cnf";
const UNIT: &str = "/usr/lib/systemd/system/cryptodev-cuse.service";

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_package_holds_what_users_need() {
    let package = package();
    let listing = dpkg_deb(&["--contents"], &package.deb);
    let files: BTreeSet<&str> = listing
        .lines()
        .filter_map(|line| line.split_whitespace().last())
        .filter_map(|path| path.strip_prefix('.'))
        .collect();
    let expected = [
        "/usr/sbin/cryptodev-cuse",
        "/usr/share/man/man8/cryptodev-cuse.8.gz",
        "/usr/include/crypto/cryptodev.h",
        "/usr/share/pkgconfig/cryptodev.pc",
        "/usr/lib/x86_64-linux-gnu/libcryptodev-crioget.so",
        "/usr/lib/i386-linux-gnu/libcryptodev-crioget.so",
        ENGINE,
        OPENSSL_CONFIG,
        UNIT,
        "/usr/lib/udev/rules.d/60-cryptodev-cuse.rules",
        "/usr/lib/sysusers.d/cryptodev-cuse.conf",
        "/usr/lib/modules-load.d/cryptodev-cuse.conf",
        "/usr/share/doc/cryptodev-cuse/copyright",
    ];
    let missing: Vec<&str> = expected
        .iter()
        .copied()
        .filter(|path| !files.contains(path))
        .collect();
    assert!(missing.is_empty(), "missing {missing:?} in:\n{listing}");

    // The daemon runs and is the version packaged.
    let version = Command::new(package.daemon())
        .arg("--version")
        .output()
        .expect("running the packaged daemon");
    let version = String::from_utf8_lossy(&version.stdout);
    assert_eq!(
        version.trim(),
        format!("cryptodev-cuse {}", env!("CARGO_PKG_VERSION"))
    );
    let control = dpkg_deb(&["--field"], &package.deb);
    assert!(
        control.contains(&format!("Version: {}-1", env!("CARGO_PKG_VERSION"))),
        "{control}"
    );
    assert!(
        !control.contains("libc6-i386"),
        "the 32-bit preload library must not pull in libc6-i386:\n{control}"
    );

    // The manual page documents the options (generated from the same definition).
    let page = run_step(
        "gzip -dc of the manual page",
        Command::new("gzip")
            .arg("-dc")
            .arg(package.file("/usr/share/man/man8/cryptodev-cuse.8.gz")),
    );
    assert_contains_all(
        "the manual page",
        &page,
        &[
            ".TH cryptodev-cuse 8",
            "memory\\-access",
            "status",
            ".SH FILES",
            &format!("{} when the kernel has no CUSE", cli::EXIT_NO_CUSE),
            &format!(
                "{} when /dev/cuse may not be opened",
                cli::EXIT_NO_PERMISSION
            ),
        ],
    );

    // The service is not restarted in a loop where restarting cannot help.
    let unit = read(&package.file(UNIT));
    assert!(
        unit.lines().any(|line| line
            == format!(
                "RestartPreventExitStatus={} {}",
                cli::EXIT_NO_CUSE,
                cli::EXIT_NO_PERMISSION
            )),
        "{unit}"
    );

    let pc = read(&package.file("/usr/share/pkgconfig/cryptodev.pc"));
    assert!(pc.contains("includedir=${prefix}/include") && pc.contains("prefix=/usr"));
    assert!(!pc.contains('@'), "unsubstituted template:\n{pc}");

    // The configuration loads the engine where the package puts it, and leaves out AES-CTR.
    let config = read(&package.file(OPENSSL_CONFIG));
    assert!(
        config.contains(&format!("dynamic_path = {ENGINE}\n")),
        "{config}"
    );
    let ciphers = config
        .lines()
        .find(|line| line.starts_with("CIPHERS = "))
        .expect("a CIPHERS line");
    assert!(!ciphers.contains("CTR"), "{ciphers}");

    let rules = read(&package.file("/usr/lib/udev/rules.d/60-cryptodev-cuse.rules"));
    let rule: Vec<&str> = rules.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        rule,
        ["SUBSYSTEM==\"cuse\", KERNEL==\"crypto\", GROUP=\"crypto\", MODE=\"0660\""]
    );

    // The maintainer scripts create the user and start the service.
    let scripts = workspace_target_dir().join(format!("package-control-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scripts);
    run_step(
        "dpkg-deb --control",
        Command::new("dpkg-deb")
            .arg("--control")
            .arg(&package.deb)
            .arg(&scripts),
    );
    let postinst = read(&scripts.join("postinst"));
    let _ = std::fs::remove_dir_all(&scripts);
    assert_contains_all(
        "postinst",
        &postinst,
        &[
            "systemd-sysusers",
            "deb-systemd-helper enable cryptodev-cuse.service",
            "deb-systemd-invoke $_dh_action cryptodev-cuse.service",
            "modprobe cuse",
        ],
    );
}

fn assert_contains_all(what: &str, text: &str, needles: &[&str]) {
    for needle in needles {
        assert!(text.contains(needle), "{what} lacks {needle:?}:\n{text}");
    }
}

/// `systemd-analyze verify` on the packaged unit, with the packaged daemon at the path the
/// unit names (a tmpfs over /usr/sbin in a private mount namespace: nothing is installed on
/// the host) and the packaged manual page on MANPATH. Any warning fails it.
#[test]
fn systemd_accepts_the_service() {
    let package = package();
    let unit = package.file(UNIT);
    let script = format!(
        "mount -t tmpfs tmpfs /usr/sbin && cp '{daemon}' /usr/sbin/cryptodev-cuse && \
         MANPATH='{man}' systemd-analyze verify '{unit}'",
        daemon = package.daemon().display(),
        man = package.file("/usr/share/man").display(),
        unit = unit.display()
    );
    let output = Command::new("unshare")
        .args(["--mount", "sh", "-c", &script])
        .output()
        .expect("running unshare (util-linux) and systemd-analyze (systemd)");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.trim().is_empty(),
        "systemd-analyze verify ({}):\n{stderr}",
        output.status
    );
    let text = read(&unit);
    assert!(text.contains("Type=notify"), "{text}");
}

/// In a guest with a virtio-crypto device: the packaged daemon, its status command, and
/// OpenSSL 3 with the packaged engine, preload library and configuration
/// (openssl-engine-test/shipped-config): what the configuration sends to the device goes
/// there and matches software, what it leaves out stays out, and RAND_bytes never repeats
/// (while the same check finds the repeats AES-CTR on the engine causes).
#[test]
fn the_shipped_openssl_configuration_in_the_guest() {
    let Some(image) = image_for_tests() else {
        return;
    };
    let package = package();
    // rand-repeats, built beside the packaged engine by build-deb.
    let tools = workspace_target_dir().join("packaging/openssl-engine");
    let script = guest_harness::workspace_root().join("openssl-engine-test/shipped-config");
    const STATUS: &str = "/tmp/cryptodev-status";
    let runs = [ClientRun {
        label: "shipped-config".into(),
        command: format!(
            "{} {} {} {STATUS}",
            script.display(),
            package.root.display(),
            tools.display()
        ),
    }];
    let results = run_with_daemon_at(
        &image,
        &package.daemon(),
        &format!("--stats-file {STATUS}"),
        "/dev/crypto",
        &runs,
        Duration::from_secs(900),
        |run| run.with_virtio_crypto(),
    );
    let mut problems = Vec::new();
    results.check_counted("shipped-config", &mut problems);
    results.check_shutdown(&mut problems);
    results.assert_ok("shipped OpenSSL configuration", &problems);
    record_pass(
        &image,
        "Debian package: the shipped OpenSSL configuration on virtio-crypto",
    );
}

/// The packaged daemon's logs, in the guest: in the foreground with stderr a file, plain text
/// (no colour escapes); detached, everything after detaching in syslog (busybox syslogd on
/// /dev/log), tagged with its pid.
#[test]
fn logs_go_to_stderr_in_plain_text_and_to_syslog_once_detached() {
    let Some(image) = image_for_tests() else {
        return;
    };
    let daemon = package().daemon();
    let daemon = daemon.display();
    let script = format!(
        "{daemon} --foreground --name crypto-fg --stats-file /tmp/fg 2>/tmp/stderr &\n\
         fg=$!\n\
         i=0; while [ ! -c /dev/crypto-fg ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done\n\
         kill -TERM $fg; wait $fg\n\
         echo '=== stderr'; cat /tmp/stderr\n\
         busybox syslogd -n -O /tmp/messages &\n\
         i=0; while [ ! -S /dev/log ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done\n\
         {daemon} --stats-file /tmp/detached || exit 1\n\
         sleep 1\n\
         pid=$(sed -n 's/^# pid: //p' /tmp/detached)\n\
         echo \"=== pid $pid\"\n\
         kill -USR1 $pid; sleep 0.5; kill -TERM $pid\n\
         i=0; while [ -e /dev/crypto ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done\n\
         sleep 0.5\n\
         echo '=== syslog'; cat /tmp/messages\n"
    );
    let outcome = guest_harness::GuestRun::new(&image)
        .command(script)
        .timeout(Duration::from_secs(300))
        .run()
        .unwrap_or_else(|e| panic!("guest run failed: {e}"));
    let output = &outcome.output;
    let section = |name: &str| -> String {
        output
            .split(&format!("=== {name}"))
            .nth(1)
            .unwrap_or_else(|| panic!("no {name} section in:\n{output}"))
            .split("\n=== ")
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let stderr = section("stderr");
    assert!(stderr.contains("serving"), "stderr:\n{stderr}");
    assert!(!stderr.contains('\u{1b}'), "colour escapes in:\n{stderr}");
    let pid: u32 = section("pid")
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no pid in:\n{output}"));
    let syslog = section("syslog");
    let tag = format!("daemon.info cryptodev-cuse[{pid}]: INFO cryptodev_cuse: ");
    for message in [
        "sandbox: running as",
        "serving",
        "usage per algorithm",
        "shutting down",
    ] {
        assert!(
            syslog.contains(&format!("{tag}{message}")),
            "no {message:?} from pid {pid} in syslog:\n{syslog}"
        );
    }
    assert!(!syslog.contains('\u{1b}'), "colour escapes in:\n{syslog}");
    record_pass(
        &image,
        "Debian package: logs to stderr, and to syslog once detached",
    );
}
