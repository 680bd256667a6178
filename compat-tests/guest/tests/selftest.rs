//! Self-test of the guest harness: one boot checks CUSE, AF_ALG (64- and 32-bit callers), a
//! raw CUSE server and virtio-crypto; a second boot checks exit-status propagation and
//! `without_af_alg`; a boot-free test checks the missing-qemu error.

use std::path::{Path, PathBuf};
use std::time::Duration;

use guest_harness::{
    build_c, image_for_tests, workspace_root, Abi, GuestImage, GuestRun, HarnessError, Linkage,
};

fn selftest_source(name: &str) -> PathBuf {
    workspace_root()
        .join("compat-tests")
        .join("harness-selftest")
        .join(name)
}

fn build(name: &str, abi: Abi) -> PathBuf {
    let src = selftest_source(&format!("{name}.c"));
    build_c(name, &[src.as_path()], abi, Linkage::Static, &[])
        .unwrap_or_else(|e| panic!("building {name}: {e}"))
}

fn show(out: &guest_harness::GuestOutcome) {
    println!(
        "--- guest output ({:.2} s, {:?}, log {}) ---\n{}--- end ---",
        out.duration.as_secs_f64(),
        out.accelerator,
        out.log_path.display(),
        out.output
    );
}

#[test]
fn missing_qemu_is_reported_with_install_hint() {
    let image = GuestImage::from_files("/nonexistent/vmlinux", "/nonexistent/initramfs", "none");
    let err = GuestRun::new(&image)
        .qemu("/nonexistent/qemu-system-x86_64")
        .command("true")
        .run()
        .unwrap_err();
    assert!(matches!(err, HarnessError::QemuMissing { .. }), "{err}");
    assert!(err.to_string().contains("install qemu-system-x86"), "{err}");
}

#[test]
fn guest_selftest() {
    let Some(image) = image_for_tests() else {
        return;
    };
    let kat64 = build("afalg_kat", Abi::Lp64);
    let kat32 = build("afalg_kat", Abi::Ilp32);
    let cuse = build("tiny_cuse", Abi::Lp64);
    let q = |p: &Path| p.display().to_string();
    let script = format!(
        r#"
fails=0
pass() {{ echo "PASS $*"; }}
fail() {{ echo "FAIL $*"; fails=$((fails + 1)); }}

if [ -c /dev/cuse ] && (exec 3<>/dev/cuse) 2>/dev/null; then pass cuse-open; else fail cuse-open; fi

for kat in '{kat64}' '{kat32}'; do
    "$kat" || fail "$kat exited $?"
done

'{cuse}' harness_selftest &
server=$!
i=0
while [ ! -c /dev/harness_selftest ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
got=$(head -c 100 /dev/harness_selftest 2>&1)
if [ "$got" = "hello from tiny_cuse" ]; then pass cuse-read; else fail "cuse-read (got: $got)"; fi
kill $server
wait $server 2>/dev/null

if grep -q '^driver *: virtio_crypto' /proc/crypto; then pass virtio-crypto; else fail virtio-crypto; fi

echo "failures: $fails"
exit $fails
"#,
        kat64 = q(&kat64),
        kat32 = q(&kat32),
        cuse = q(&cuse),
    );
    let out = GuestRun::new(&image)
        .with_virtio_crypto()
        .timeout(Duration::from_secs(300))
        .command(script)
        .run()
        .unwrap_or_else(|e| panic!("{e}"));
    show(&out);
    for line in [
        "PASS cuse-open",
        "PASS afalg-64 sha256",
        "PASS afalg-64 cbc(aes)",
        "PASS afalg-64 gcm(aes)",
        "PASS afalg-32 sha256",
        "PASS afalg-32 cbc(aes)",
        "PASS afalg-32 gcm(aes)",
        "PASS cuse-read",
        "PASS virtio-crypto",
        "failures: 0",
    ] {
        assert!(out.has_line(line), "missing {line:?} in:\n{}", out.output);
    }
    assert_eq!(out.exit_code, 0, "{}", out.output);
}

#[test]
fn exit_status_and_absent_af_alg() {
    let Some(image) = image_for_tests() else {
        return;
    };
    let kat64 = build("afalg_kat", Abi::Lp64);
    let out = GuestRun::new(&image)
        .without_af_alg()
        .env("HARNESS_GREETING", "it's here")
        .timeout(Duration::from_secs(300))
        .command(format!(
            "'{}' --expect-absent\necho \"env: $HARNESS_GREETING\"\nexit 3",
            kat64.display()
        ))
        .run()
        .unwrap_or_else(|e| panic!("{e}"));
    show(&out);
    assert!(out.has_line("PASS afalg-absent-64"), "{}", out.output);
    assert!(out.has_line("env: it's here"), "{}", out.output);
    assert_eq!(out.exit_code, 3, "{}", out.output);
}
