//! Crashes the fuzzer found, each shrunk to a fixed sequence, kept as regression tests.

use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

use cryptodev_abi::{Algorithm, ArgStruct, CryptParams, Ioctl, Layout, SessionParams};
use cryptodev_cuse::backend::{
    AeadContext, Backend, BackendError, CipherContext, DriverInfo, HashContext,
};
use cryptodev_cuse::device::CryptoDevice;
use cryptodev_cuse_fuzz::fake_kernel::{AddressSpace, FakeKernel, IoctlOutcome};
use cryptodev_cuse_fuzz::input::{
    Access, Args, Call, Code, CryptArgs, Input, Op, Pid, Ptr, Ses, SessionArgs,
};
use cryptodev_cuse_fuzz::{execute, record_panics, NullBackend, Target};

const EPERM: i32 = 1;

fn call(access: Access, args: Args) -> Op {
    Op::Call(Call {
        file: 0,
        access,
        layout: Layout::Lp64,
        code: Code::Right,
        fill: 0,
        args,
    })
}

fn buffer(index: u8, offset: u32) -> Ptr {
    Ptr::Buf { index, offset }
}

/// Found as ESRCH from CIOCCRYPT and CIOCASYNCFETCH with direct access for a caller pid that
/// does not exist. `memory::serve_direct` learns whether it can reach the caller only from
/// `process_vm_readv`; an operation that reads nothing from the caller (a fetch, a hash
/// finish with `len` 0) runs first, and only writing its results finds the caller
/// unreachable: the errno of `process_vm_writev` (ESRCH, which docs/ABI.md §14 does not list)
/// goes back unmapped, and what the operation consumed is gone (here the job: the next fetch
/// says EBUSY).
#[test]
fn an_unreachable_caller_gets_eperm_and_keeps_its_job() {
    let input = Input {
        buffers: vec![vec![3; 64]],
        ops: vec![
            call(
                Access::Retry { pid: 0 },
                Args::GetSession(SessionArgs {
                    cipher: Algorithm::AesCbc.id(),
                    mac: 0,
                    keylen: 16,
                    key: buffer(0, 0),
                    mackeylen: 0,
                    mackey: Ptr::Null,
                    ses: 0,
                }),
            ),
            call(
                Access::Direct(Pid::Own),
                Args::AsyncCrypt(CryptArgs {
                    ses: Ses::Slot(0),
                    op: 0,
                    flags: 0,
                    len: 16,
                    src: buffer(0, 0),
                    dst: buffer(0, 16),
                    mac: Ptr::Null,
                    iv: Ptr::Null,
                }),
            ),
            call(Access::Direct(Pid::Missing), Args::AsyncFetch),
            call(Access::Direct(Pid::Own), Args::AsyncFetch),
        ],
    };
    let outcomes = execute(&input, &Target::null(), true).expect("no crash");
    assert_eq!(outcomes[2], Err(EPERM), "the unreachable caller");
    assert_eq!(outcomes[3], Ok(0), "the job is still there");
}

/// A null backend whose ciphers wait, before encrypting, until the gate opens.
struct Gated(Arc<(Mutex<bool>, Condvar)>);

struct GatedCipher {
    gate: Arc<(Mutex<bool>, Condvar)>,
    inner: Box<dyn CipherContext>,
}

impl CipherContext for GatedCipher {
    fn info(&self) -> DriverInfo {
        self.inner.info()
    }

    fn encrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        let (open, opened) = &*self.gate;
        let mut open = open.lock().unwrap_or_else(|e| e.into_inner());
        while !*open {
            open = opened.wait(open).unwrap_or_else(|e| e.into_inner());
        }
        self.inner.encrypt(iv, data)
    }

    fn decrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        self.inner.decrypt(iv, data)
    }
}

impl Backend for Gated {
    fn name(&self) -> &'static str {
        "gated"
    }

    fn supports(&self, alg: Algorithm) -> bool {
        NullBackend.supports(alg)
    }

    fn cipher(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn CipherContext>, BackendError> {
        Ok(Box::new(GatedCipher {
            gate: Arc::clone(&self.0),
            inner: NullBackend.cipher(alg, key)?,
        }))
    }

    fn hash(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn HashContext>, BackendError> {
        NullBackend.hash(alg, key)
    }

    fn aead(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn AeadContext>, BackendError> {
        NullBackend.aead(alg, key)
    }
}

/// Found as a panic "failed to join thread: Resource deadlock avoided" on `crypto-job-0` in
/// about one execution in a few hundred, when the device was dropped right after a job
/// announced its completion. Each job's closure holds an `Arc<JobRunner>` (to wake poll
/// waiters); a job that outlives its device drops the last one on the executor thread, and
/// `JobRunner::drop` joins every executor thread, its own included: `pthread_join` fails with
/// EDEADLK and the standard library panics. The daemon drops its device at the end of `main`,
/// with jobs possibly still running. Here the job is held inside the cipher until the device
/// is gone, which makes it happen every time.
#[test]
fn a_job_outliving_its_device_does_not_join_its_own_thread() {
    let layout = Layout::Lp64;
    let gate = Arc::new((Mutex::new(false), Condvar::new()));
    let (result, panics) = record_panics(|| {
        let device = Arc::new(CryptoDevice::new(Arc::new(Gated(Arc::clone(&gate))), 1).unwrap());
        let mut kernel = FakeKernel::new(device.clone());
        let mut memory = AddressSpace::new(0x7f00_0000_0000);
        let fh = kernel.open(0);

        let mut session = vec![0u8; SessionParams::wire_size(layout)];
        SessionParams {
            cipher: Algorithm::AesCbc.id(),
            keylen: 16,
            key: memory.map(&[7; 16]),
            ..SessionParams::default()
        }
        .encode_into(layout, &mut session)
        .unwrap();
        let arg = memory.map(&session);
        let code = Ioctl::GetSession.code(layout);
        let outcome = kernel.ioctl(&mut memory, fh, 0, false, code, arg);
        assert_eq!(outcome, IoctlOutcome::Returned(0));
        let written = memory.read(arg, session.len()).unwrap();
        let ses = SessionParams::decode(layout, &written).unwrap().ses;

        let data = memory.map(&[0; 16]);
        let mut op = vec![0u8; CryptParams::wire_size(layout)];
        CryptParams {
            ses,
            len: 16,
            src: data,
            dst: data,
            ..CryptParams::default()
        }
        .encode_into(layout, &mut op)
        .unwrap();
        let arg = memory.map(&op);
        let code = Ioctl::AsyncCrypt.code(layout);
        let outcome = kernel.ioctl(&mut memory, fh, 0, false, code, arg);
        assert_eq!(outcome, IoctlOutcome::Returned(0));

        // The job waits in the cipher until the device is gone (or, if dropping the device
        // waits for its jobs, until the gate opens a moment later).
        let opener = {
            let gate = Arc::clone(&gate);
            thread::spawn(move || {
                thread::sleep(Duration::from_millis(200));
                *gate.0.lock().unwrap() = true;
                gate.1.notify_all();
            })
        };
        drop(kernel);
        drop(device);
        opener.join().unwrap();
        // Time for the job to finish and its thread to let go of the executor.
        thread::sleep(Duration::from_millis(500));
    });
    assert!(result.is_ok(), "the test itself did not panic");
    assert!(panics.is_empty(), "{panics:#?}");
}
