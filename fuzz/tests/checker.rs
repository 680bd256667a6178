//! The checker can fail: a backend with planted faults makes executions crash, through a
//! fixed input and through a random run, and the crash reproduces from its seed and index.

use std::sync::Arc;

use cryptodev_abi::{Algorithm, Layout};
use cryptodev_cuse::backend::{
    AeadContext, Backend, BackendError, CipherContext, DriverInfo, HashContext,
};
use cryptodev_cuse_fuzz::input::{
    Access, Args, Call, Code, CryptArgs, Input, Op, Ptr, Ses, SessionArgs,
};
use cryptodev_cuse_fuzz::{execute, replay, run, NullBackend, Target, NULL_CBC_ANSWER};

/// The null backend with planted faults: creating a Blowfish context panics, CAST5 contexts
/// panic when they encrypt (in asynchronous jobs too), and with `wrong_aes` AES-CBC contexts
/// get one byte wrong.
struct Faulty {
    wrong_aes: bool,
}

struct Planted {
    alg: Algorithm,
    inner: Box<dyn CipherContext>,
}

impl CipherContext for Planted {
    fn info(&self) -> DriverInfo {
        self.inner.info()
    }

    fn encrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        assert!(
            self.alg != Algorithm::Cast5Cbc,
            "planted panic: CAST5 encryption"
        );
        self.inner.encrypt(iv, data)?;
        if let Some(first) = data.first_mut() {
            *first ^= 1;
        }
        Ok(())
    }

    fn decrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        self.inner.decrypt(iv, data)
    }
}

impl Backend for Faulty {
    fn name(&self) -> &'static str {
        "faulty"
    }

    fn supports(&self, alg: Algorithm) -> bool {
        NullBackend.supports(alg)
    }

    fn cipher(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn CipherContext>, BackendError> {
        assert!(alg != Algorithm::BlowfishCbc, "planted panic: Blowfish key");
        let inner = NullBackend.cipher(alg, key)?;
        if alg == Algorithm::Cast5Cbc || (alg == Algorithm::AesCbc && self.wrong_aes) {
            return Ok(Box::new(Planted { alg, inner }));
        }
        Ok(inner)
    }

    fn hash(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn HashContext>, BackendError> {
        NullBackend.hash(alg, key)
    }

    fn aead(&self, alg: Algorithm, key: &[u8]) -> Result<Box<dyn AeadContext>, BackendError> {
        NullBackend.aead(alg, key)
    }
}

fn faulty(wrong_aes: bool) -> Target {
    Target {
        name: "faulty".into(),
        backend: Arc::new(Faulty { wrong_aes }),
        cbc_answer: NULL_CBC_ANSWER,
    }
}

fn call(args: Args) -> Op {
    Op::Call(Call {
        file: 0,
        access: Access::Retry { pid: 0 },
        layout: Layout::Lp64,
        code: Code::Right,
        fill: 0,
        args,
    })
}

fn session(cipher: Algorithm, keylen: u32) -> Op {
    call(Args::GetSession(SessionArgs {
        cipher: cipher.id(),
        mac: 0,
        keylen,
        key: Ptr::Buf {
            index: 0,
            offset: 0,
        },
        mackeylen: 0,
        mackey: Ptr::Null,
        ses: 0,
    }))
}

fn input(ops: Vec<Op>) -> Input {
    Input {
        buffers: vec![vec![7; 64], vec![0; 64]],
        ops,
    }
}

#[test]
fn a_panicking_handler_is_a_crash_although_the_transport_answers_eio() {
    let crash = execute(
        &input(vec![session(Algorithm::BlowfishCbc, 16)]),
        &faulty(false),
        false,
    )
    .expect_err("the planted panic is found");
    assert!(crash.contains("planted panic: Blowfish key"), "{crash}");
}

#[test]
fn a_panicking_asynchronous_job_is_a_crash() {
    let job = call(Args::AsyncCrypt(CryptArgs {
        ses: Ses::Slot(0),
        op: 0,
        flags: 0,
        len: 8,
        src: Ptr::Buf {
            index: 1,
            offset: 0,
        },
        dst: Ptr::Buf {
            index: 1,
            offset: 0,
        },
        mac: Ptr::Null,
        iv: Ptr::Null,
    }));
    let crash = execute(
        &input(vec![session(Algorithm::Cast5Cbc, 16), job]),
        &faulty(false),
        false,
    )
    .expect_err("the planted panic is found");
    assert!(crash.contains("crypto-job"), "{crash}");
    assert!(crash.contains("planted panic: CAST5 encryption"), "{crash}");
}

#[test]
fn a_wrong_known_answer_is_a_crash() {
    let crash = execute(&input(Vec::new()), &faulty(true), false).expect_err("AES-CBC is wrong");
    assert!(crash.contains("not the known answer"), "{crash}");
}

#[test]
fn a_random_run_finds_the_planted_faults_and_they_reproduce() {
    let target = faulty(false);
    let report = run(1, 200, &target);
    assert!(report.crash_count > 0, "{report}");
    for crash in &report.crashes {
        assert!(crash.what.contains("planted panic"), "{}", crash.what);
        let (_, again) = replay(crash.seed, crash.index, &target);
        assert_eq!(again.expect_err("the crash reproduces"), crash.what);
    }
}
