//! The seccomp allowlist the daemon confines itself with (src/sandbox.rs), applied to a copy
//! of this test binary: a system call outside the list is refused with ENOSYS, the ones the
//! daemon serves with still work, sockets other than AF_ALG and new processes are refused.
//!
//! The filter cannot be taken off again, so the outer test starts this binary once more with
//! `--exact filter_inside_child --include-ignored` and a marker variable; the inner test is
//! `#[ignore]`d in normal runs.

use std::io::IoSliceMut;
use std::process::Command;

use cryptodev_cuse::sandbox;
use nix::errno::Errno;
use nix::sys::socket::{socket, AddressFamily, SockFlag, SockType};
use nix::sys::uio::{process_vm_readv, RemoteIoVec};

const INSIDE: &str = "CRYPTODEV_SANDBOX_CHILD";

#[test]
fn the_allowlist_refuses_what_serving_does_not_need() {
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "filter_inside_child",
            "--include-ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(INSIDE, "1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("1 passed"),
        "the inner test did not run:\n{text}"
    );
}

#[test]
#[ignore = "runs only as the child of the_allowlist_refuses_what_serving_does_not_need"]
fn filter_inside_child() {
    assert_eq!(
        std::env::var(INSIDE).as_deref(),
        Ok("1"),
        "run by the outer test only"
    );
    let (program, count) = sandbox::filter().unwrap();
    assert!(count > 20);
    nix::sys::prctl::set_no_new_privs().unwrap();
    seccompiler::apply_filter(&program).unwrap();

    // Outside the list: opening files, other sockets, new processes.
    let opened = std::fs::File::open("/etc/hostname").map_err(|e| e.raw_os_error());
    assert_eq!(opened.unwrap_err(), Some(libc::ENOSYS));
    let inet = socket(
        AddressFamily::Inet,
        SockType::Stream,
        SockFlag::empty(),
        None,
    );
    assert_eq!(inet.unwrap_err(), Errno::ENOSYS);
    assert!(
        Command::new("/bin/true").status().is_err(),
        "spawned a process"
    );

    // On the list: threads, memory, callers' memory, AF_ALG sockets (refused by a kernel
    // without AF_ALG with EAFNOSUPPORT, never by the filter).
    let joined: u64 = std::thread::spawn(|| {
        vec![7u8; 1 << 20]
            .iter()
            .map(|&b| u64::from(b))
            .sum::<u64>()
    })
    .join()
    .unwrap();
    assert_eq!(joined, 7u64 << 20);
    let source = [5u8; 64];
    let mut copy = [0u8; 64];
    let read = process_vm_readv(
        nix::unistd::getpid(),
        &mut [IoSliceMut::new(&mut copy)],
        &[RemoteIoVec {
            base: source.as_ptr() as usize,
            len: source.len(),
        }],
    )
    .unwrap();
    assert_eq!((read, copy), (64, source));
    match socket(
        AddressFamily::Alg,
        SockType::SeqPacket,
        SockFlag::empty(),
        None,
    ) {
        Ok(_) => {}
        Err(errno) => assert_eq!(errno, Errno::EAFNOSUPPORT),
    }
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).unwrap();
}
