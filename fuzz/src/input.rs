//! What one execution does: a few caller buffers and a short sequence of operations on one
//! device, and how such inputs are drawn.
//!
//! Inputs are symbolic where the device decides: a session is named by the order in which this
//! file's sessions were created ([`Ses::Slot`]), a buffer by its index ([`Ptr::Buf`]), an open
//! file by the order of the opens ([`Fh::File`]). The same input therefore means the same thing
//! in every run, whatever random session ids or addresses the device and the allocator hand
//! out, and a crash reproduces from its seed and execution index, or from the input printed in
//! a regression test.

use cryptodev_abi::consts::CopFlags;
use cryptodev_abi::{AlgKind, Algorithm, Ioctl, KeyLengths, KeyOp, Layout};
use cryptodev_cuse::memory::MAX_OPERATION_BYTES;
use cryptodev_cuse::transport::wire::{
    CUSE_INIT, CUSE_MAX_IOCTL_BYTES, FUSE_INTERRUPT, FUSE_IOCTL, FUSE_IOCTL_32BIT,
    FUSE_IOCTL_COMPAT, FUSE_IOCTL_COMPAT_X32, FUSE_IOCTL_DIR, FUSE_IOCTL_RETRY,
    FUSE_IOCTL_UNRESTRICTED, FUSE_OPEN, FUSE_POLL, FUSE_POLL_SCHEDULE_NOTIFY, FUSE_READ,
    FUSE_RELEASE, FUSE_WRITE,
};

use crate::null_backend::WEAK_KEY_BYTE;
use crate::rng::Rng;

/// Caller buffers of one execution, at most.
pub const MAX_BUFFERS: usize = 8;
/// Largest caller buffer: a RETRY round's limit and a little more.
pub const MAX_BUFFER_BYTES: usize = CUSE_MAX_IOCTL_BYTES + 256;
/// Open files one execution holds through [`Op::Open`], at most.
pub const MAX_FILES: usize = 4;
/// A pid no process can have: above the kernel's `PID_MAX_LIMIT` (2^22).
pub const MISSING_PID: u32 = (1 << 22) + 1;

/// `FUSE_FORGET` and `FUSE_BATCH_FORGET`: FUSE requests that expect no reply; CUSE never
/// sends them, the daemon treats them as any other opcode it does not know.
pub const FUSE_FORGET: u32 = 2;
pub const FUSE_BATCH_FORGET: u32 = 42;

/// One execution's input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input {
    /// Caller buffers, mapped into the fake caller's memory (RETRY rounds) and copied into
    /// this process's own memory (direct access).
    pub buffers: Vec<Vec<u8>>,
    pub ops: Vec<Op>,
}

/// Whose memory a direct (restricted) ioctl names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pid {
    /// This process: the daemon reads and writes the fuzzer's own buffers.
    Own,
    /// A caller outside the daemon's pid namespace.
    Zero,
    /// A pid no process has.
    Missing,
}

/// How an ioctl reaches the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Unrestricted ioctl: the fake kernel's RETRY rounds over the fake caller memory.
    Retry { pid: u32 },
    /// Restricted ioctl: the struct travels in the request, buffers are reached by pid.
    Direct(Pid),
}

/// A session of the file the operation runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ses {
    /// The n-th session created on the file (modulo their number; freed ones included), or an
    /// id no session has when none was created.
    Slot(u8),
    /// This id, or the next one no live session has.
    Wild(u32),
}

/// A pointer field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ptr {
    Null,
    /// Into buffer `index` (modulo their number), `offset` bytes in.
    Buf {
        index: u8,
        offset: u32,
    },
    /// An address no buffer is at (direct access turns it into one that cannot be mapped).
    Wild(u64),
}

/// Which request code an ioctl uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// The code of the call's layout.
    Right,
    /// The other layout's code for the same ioctl.
    OtherLayout,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SessionArgs {
    pub cipher: u32,
    pub mac: u32,
    pub keylen: u32,
    pub key: Ptr,
    pub mackeylen: u32,
    pub mackey: Ptr,
    pub ses: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CryptArgs {
    pub ses: Ses,
    pub op: u16,
    pub flags: u16,
    pub len: u32,
    pub src: Ptr,
    pub dst: Ptr,
    pub mac: Ptr,
    pub iv: Ptr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthArgs {
    pub ses: Ses,
    pub op: u16,
    pub flags: u16,
    pub len: u32,
    pub auth_len: u32,
    pub auth_src: Ptr,
    pub src: Ptr,
    pub dst: Ptr,
    pub tag: Ptr,
    pub tag_len: u32,
    pub iv: Ptr,
    pub iv_len: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyArgs {
    pub op: u32,
    pub status: u32,
    pub iparams: u16,
    pub oparams: u16,
    pub pad: u32,
    /// Pointer and bit size of each `crparam`.
    pub params: [(Ptr, u32); 8],
}

/// An ioctl's argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Args {
    CrioGet,
    GetSession(SessionArgs),
    FreeSession(Ses),
    SessionInfo(Ses),
    Crypt(CryptArgs),
    AsyncCrypt(CryptArgs),
    AsyncFetch,
    AuthCrypt(AuthArgs),
    CopyHash {
        dst: Ses,
        src: Ses,
    },
    Key(KeyArgs),
    AsymFeatures,
    /// A request code that is, most likely, none of the ABI's.
    Unknown(u32),
}

impl Args {
    /// The ioctl the argument belongs to.
    pub fn ioctl(&self) -> Option<Ioctl> {
        Some(match self {
            Args::CrioGet => Ioctl::CrioGet,
            Args::GetSession(_) => Ioctl::GetSession,
            Args::FreeSession(_) => Ioctl::FreeSession,
            Args::SessionInfo(_) => Ioctl::GetSessionInfo,
            Args::Crypt(_) => Ioctl::Crypt,
            Args::AsyncCrypt(_) => Ioctl::AsyncCrypt,
            Args::AsyncFetch => Ioctl::AsyncFetch,
            Args::AuthCrypt(_) => Ioctl::AuthCrypt,
            Args::CopyHash { .. } => Ioctl::CopyHash,
            Args::Key(_) => Ioctl::Key,
            Args::AsymFeatures => Ioctl::AsymFeatures,
            Args::Unknown(_) => return None,
        })
    }
}

/// A well-formed ioctl, as a client makes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    /// The open file (modulo the files opened so far).
    pub file: u8,
    pub access: Access,
    pub layout: Layout,
    pub code: Code,
    /// The bytes of the struct's holes and of fields the call does not set.
    pub fill: u8,
    pub args: Args,
}

/// An open file named in a raw request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fh {
    /// The n-th file the operations opened (modulo their number).
    File(u8),
    /// The n-th file raw OPEN requests opened, or a handle never given out.
    Raw(u8),
    Wild(u64),
}

/// The `len` field of a raw request's header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LenField {
    /// The request's real length.
    Exact,
    Value(u32),
}

/// The bytes after `fuse_ioctl_in`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawInput {
    Bytes(Vec<u8>),
    /// An argument struct as [`Call`] would build it over RETRY rounds, then damaged:
    /// `flips` XOR bytes at offsets (modulo the length), `resize` cuts or extends it.
    Arg {
        layout: Layout,
        args: Box<Args>,
        fill: u8,
        flips: Vec<(u16, u8)>,
        resize: Option<u16>,
    },
}

/// The body of a raw request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Body {
    Bytes(Vec<u8>),
    Open {
        flags: u32,
    },
    Release {
        fh: Fh,
    },
    Poll {
        fh: Fh,
        kh: u64,
        flags: u32,
        events: u32,
    },
    Interrupt {
        unique: u64,
    },
    Read {
        fh: Fh,
        size: u32,
    },
    Write {
        fh: Fh,
        data: Vec<u8>,
    },
    Ioctl {
        fh: Fh,
        flags: u32,
        cmd: u32,
        arg: u64,
        /// `None`: the real length of `input`.
        in_size: Option<u32>,
        out_size: u32,
        input: RawInput,
    },
}

/// A FUSE request as the kernel never sends it, or as it might.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Raw {
    pub opcode: u32,
    pub unique: u64,
    /// 0 or [`MISSING_PID`]-like values only: the daemon must never reach a real process
    /// through a raw request.
    pub pid: u32,
    pub uid: u32,
    pub nodeid: u64,
    pub body: Body,
    /// Keep only this many bytes of the body (after encoding).
    pub cut: Option<u16>,
    /// Zero bytes appended to the body.
    pub extend: u8,
    pub len: LenField,
}

/// One step of an execution.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Opens another file (up to [`MAX_FILES`]); file 0 is opened before the first step.
    Open,
    Release {
        file: u8,
    },
    Call(Call),
    Raw(Raw),
}

impl Input {
    /// The input of execution `index` of the run seeded with `seed`.
    pub fn generate(seed: u64, index: u64) -> Input {
        let mut rng = Rng::for_execution(seed, index);
        Generator::new(&mut rng).input()
    }
}

/// Picks one of the items, evaluating them all first (they may draw from the generator too).
macro_rules! pick {
    ($rng:expr, $items:expr) => {{
        let items = $items;
        $rng.pick(&items)
    }};
}

fn u8_of(n: u64) -> u8 {
    n.to_le_bytes()[0]
}

fn u16_of(n: u64) -> u16 {
    u16::try_from(n).unwrap_or(u16::MAX)
}

fn u32_of(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

const CIPHERS: [Algorithm; 12] = [
    Algorithm::DesCbc,
    Algorithm::TripleDesCbc,
    Algorithm::BlowfishCbc,
    Algorithm::Cast5Cbc,
    Algorithm::AesCbc,
    Algorithm::AesCtr,
    Algorithm::AesXts,
    Algorithm::AesEcb,
    Algorithm::AesCfb,
    Algorithm::AesOfb,
    Algorithm::Null,
    Algorithm::CamelliaCbc,
];
const STREAM_CIPHERS: [Algorithm; 5] = [
    Algorithm::AesCtr,
    Algorithm::AesCfb,
    Algorithm::AesOfb,
    Algorithm::Null,
    Algorithm::AesCtr,
];
const AEADS: [Algorithm; 2] = [Algorithm::AesGcm, Algorithm::AesCcm];
const HASHES: [Algorithm; 7] = [
    Algorithm::Md5,
    Algorithm::Sha1,
    Algorithm::Ripemd160,
    Algorithm::Sha224,
    Algorithm::Sha256,
    Algorithm::Sha384,
    Algorithm::Sha512,
];
const HMACS: [Algorithm; 7] = [
    Algorithm::Md5Hmac,
    Algorithm::Sha1Hmac,
    Algorithm::Ripemd160Hmac,
    Algorithm::Sha224Hmac,
    Algorithm::Sha256Hmac,
    Algorithm::Sha384Hmac,
    Algorithm::Sha512Hmac,
];

const RETRY_LIMIT: u32 = 128 * 1024;

/// Draws inputs.
struct Generator<'r> {
    rng: &'r mut Rng,
    sizes: Vec<usize>,
    /// 0: RETRY rounds only, 1: direct only, 2: both.
    access_mode: u64,
    /// 0: 64-bit callers only, 1: 32-bit only, 2: both.
    layout_mode: u64,
    raw_percent: u64,
    files: u64,
}

impl<'r> Generator<'r> {
    fn new(rng: &'r mut Rng) -> Generator<'r> {
        let access_mode = u64::try_from(rng.weighted(&[45, 30, 25])).unwrap_or(0);
        let layout_mode = u64::try_from(rng.weighted(&[45, 30, 25])).unwrap_or(0);
        let raw_percent = rng.pick(&[0, 10, 10, 25, 60]);
        Generator {
            rng,
            sizes: Vec::new(),
            access_mode,
            layout_mode,
            raw_percent,
            files: 1,
        }
    }

    fn input(mut self) -> Input {
        let count = 2 + self.rng.below(MAX_BUFFERS as u64 - 1);
        let buffers: Vec<Vec<u8>> = (0..count).map(|_| self.buffer()).collect();
        self.sizes = buffers.iter().map(Vec::len).collect();
        let mut ops = Vec::new();
        if self.rng.percent(70) {
            for _ in 0..=self.rng.below(3) {
                let session = self.valid_session();
                let call = self.call(Args::GetSession(session));
                ops.push(Op::Call(call));
            }
        }
        let steps = 1 + if self.rng.percent(85) {
            self.rng.below(16)
        } else {
            self.rng.below(48)
        };
        for _ in 0..steps {
            let mut op = self.op();
            let pair = self.decryption_of(&mut op);
            ops.push(op);
            ops.extend(pair);
        }
        Input { buffers, ops }
    }

    fn buffer(&mut self) -> Vec<u8> {
        let len = match self.rng.weighted(&[3, 25, 25, 30, 12, 5]) {
            0 => 0,
            1 => 1 + self.rng.below(64),
            2 => 64 + self.rng.below(960),
            3 => 4096,
            4 => 4096 + self.rng.below(60_000),
            _ => MAX_BUFFER_BYTES as u64,
        };
        let len = usize::try_from(len).unwrap_or(0);
        match self.rng.weighted(&[50, 15, 10, 15, 10]) {
            0 => self.rng.bytes(len),
            1 => vec![0; len],
            2 => vec![WEAK_KEY_BYTE; len],
            3 => (0..len).map(|i| u8_of(i as u64)).collect(),
            _ => vec![0xff; len],
        }
    }

    /// Sometimes, for an authenticated encryption, the decryption of its output right after
    /// it (same session, access and layout; for plain AEAD an explicit tag length, set on
    /// both): random inputs almost never carry a tag that verifies, and without such pairs
    /// the paths past the check would go untested.
    fn decryption_of(&mut self, op: &mut Op) -> Option<Op> {
        let Op::Call(call) = op else {
            return None;
        };
        let Args::AuthCrypt(encrypt) = &mut call.args else {
            return None;
        };
        if encrypt.op != 0 || !self.rng.percent(40) {
            return None;
        }
        let mut decrypt = *encrypt;
        decrypt.op = 1;
        if encrypt.flags & CopFlags::AEAD_SRTP_TYPE == 0 {
            // Ciphertext and tag, where the encryption wrote them, become the input.
            let tag_len = pick!(self.rng, [4, 8, 12, 16]);
            encrypt.tag_len = tag_len;
            decrypt.tag_len = tag_len;
            decrypt.len = encrypt.len.saturating_add(tag_len);
            decrypt.src = encrypt.dst;
            decrypt.dst = self.ptr_for(u64::from(encrypt.len));
        }
        Some(Op::Call(Call {
            args: Args::AuthCrypt(decrypt),
            ..*call
        }))
    }

    fn op(&mut self) -> Op {
        if self.rng.percent(self.raw_percent) {
            return Op::Raw(self.raw());
        }
        let args = match self
            .rng
            .weighted(&[20, 17, 11, 6, 5, 5, 5, 5, 6, 2, 2, 3, 2, 2])
        {
            0 => {
                if self.rng.percent(75) {
                    Args::GetSession(self.valid_session())
                } else {
                    Args::GetSession(self.random_session())
                }
            }
            1 => Args::Crypt(self.crypt()),
            2 => Args::AuthCrypt(self.authcrypt()),
            3 => {
                let mut args = self.crypt();
                if self.rng.percent(85) {
                    args.flags &= !CopFlags::NO_ZC;
                }
                Args::AsyncCrypt(args)
            }
            4 => Args::AsyncFetch,
            5 => Args::FreeSession(self.ses()),
            6 => Args::SessionInfo(self.ses()),
            7 => {
                let dst = self.ses();
                let src = if self.rng.percent(15) {
                    dst
                } else {
                    self.ses()
                };
                Args::CopyHash { dst, src }
            }
            8 => Args::Key(self.key()),
            9 => Args::AsymFeatures,
            10 => Args::CrioGet,
            11 => {
                let layout = self.layout();
                Args::Unknown(self.unknown_code(layout))
            }
            12 => {
                self.files = (self.files + 1).min(MAX_FILES as u64);
                return Op::Open;
            }
            _ => {
                return Op::Release {
                    file: self.file_to_close(),
                }
            }
        };
        Op::Call(self.call(args))
    }

    fn call(&mut self, args: Args) -> Call {
        let file = if self.rng.percent(75) {
            0
        } else {
            u8_of(self.rng.below(self.files))
        };
        let code = if self.rng.percent(4) {
            Code::OtherLayout
        } else {
            Code::Right
        };
        Call {
            file,
            access: self.access(),
            layout: self.layout(),
            code,
            fill: pick!(self.rng, [0, 0, 0xff, 0x5a, self.rng.byte()]),
            args,
        }
    }

    fn access(&mut self) -> Access {
        let direct = match self.access_mode {
            0 => false,
            1 => true,
            _ => self.rng.percent(50),
        };
        if direct {
            Access::Direct([Pid::Own, Pid::Zero, Pid::Missing][self.rng.weighted(&[80, 12, 8])])
        } else {
            Access::Retry {
                pid: pick!(self.rng, [0, 0, 0, 1, 4242]),
            }
        }
    }

    fn layout(&mut self) -> Layout {
        let ilp32 = match self.layout_mode {
            0 => false,
            1 => true,
            _ => self.rng.percent(50),
        };
        if ilp32 {
            Layout::Ilp32
        } else {
            Layout::Lp64
        }
    }

    fn ses(&mut self) -> Ses {
        if self.rng.percent(85) {
            Ses::Slot(u8_of(self.rng.below(4)))
        } else {
            Ses::Wild(pick!(self.rng, [0, 1, u32::MAX, self.rng.next_u32()]))
        }
    }

    fn wild_address(&mut self) -> u64 {
        pick!(
            self.rng,
            [
                1,
                0xfff,
                0x1000,
                0xdead_beef,
                0x7f00_0000_0000 - 16,
                0xffff_fff0,
                0x1_0000_0000 - 8,
                u64::MAX,
                u64::MAX - 15,
                self.rng.next_u64(),
            ]
        )
    }

    /// A pointer to `len` bytes, most often inside a buffer that holds them.
    fn ptr_for(&mut self, len: u64) -> Ptr {
        match self.rng.weighted(&[85, 5, 5, 5]) {
            0 => {
                let fitting: Vec<usize> = (0..self.sizes.len())
                    .filter(|&i| self.sizes[i] as u64 >= len)
                    .collect();
                let index = if fitting.is_empty() {
                    self.rng.index(self.sizes.len().max(1))
                } else {
                    self.rng.pick(&fitting)
                };
                let room = (self.sizes.get(index).copied().unwrap_or(0) as u64).saturating_sub(len);
                let offset = if self.rng.percent(50) {
                    0
                } else {
                    self.rng.below(room + 1)
                };
                Ptr::Buf {
                    index: u8_of(index as u64),
                    offset: u32_of(offset),
                }
            }
            1 => Ptr::Null,
            2 => Ptr::Wild(self.wild_address()),
            _ => Ptr::Buf {
                index: self.rng.byte(),
                offset: pick!(self.rng, [0, 1, 4095, 4096, 200_000, self.rng.next_u32()]),
            },
        }
    }

    /// A data length: block multiples, off-by-one values, the RETRY and operation limits.
    fn len(&mut self) -> u32 {
        let operation_limit = u32_of(MAX_OPERATION_BYTES as u64);
        match self.rng.weighted(&[60, 20, 10, 10]) {
            0 => pick!(self.rng, [0, 8, 16, 16, 32, 48, 64, 128, 256, 1024, 4096]),
            1 => pick!(self.rng, [1, 7, 9, 15, 17, 31, 100, 4095]),
            2 => pick!(
                self.rng,
                [
                    RETRY_LIMIT - 64,
                    RETRY_LIMIT - 48,
                    RETRY_LIMIT - 16,
                    RETRY_LIMIT,
                    RETRY_LIMIT + 16,
                    operation_limit,
                    operation_limit + 16,
                    !15,
                    u32::MAX,
                ]
            ),
            _ => u32_of(self.rng.below(8192)),
        }
    }

    fn key_len(&mut self, alg: Algorithm) -> u32 {
        if self.rng.percent(12) {
            return pick!(self.rng, [0, 1, 15, 17, 63, 64, 65, u32::MAX]);
        }
        match alg.kind() {
            AlgKind::Cipher { keys, .. } | AlgKind::Aead { keys, .. } => match keys {
                KeyLengths::OneOf(lens) => self.rng.pick(lens),
                KeyLengths::Range { min, max } => {
                    let mid = min + u32_of(self.rng.below(u64::from(max - min) + 1));
                    pick!(self.rng, [min, max, mid])
                }
            },
            _ => 16,
        }
    }

    fn mac_key_len(&mut self, alg: Option<Algorithm>) -> u32 {
        match alg.map(Algorithm::kind) {
            Some(AlgKind::Hmac { .. }) => {
                self.rng
                    .pick(&[0, 1, 16, 20, 32, 64, 65, 128, 129, 512, 513, u32::MAX])
            }
            Some(_) => pick!(self.rng, [0, 0, 16]),
            None => pick!(self.rng, [0, 0, 0, 32]),
        }
    }

    fn valid_session(&mut self) -> SessionArgs {
        let (cipher, mac) = match self.rng.weighted(&[30, 12, 10, 18, 4, 14, 2]) {
            0 => (Some(self.rng.pick(&CIPHERS)), None),
            1 => (None, Some(self.rng.pick(&HASHES))),
            2 => (None, Some(self.rng.pick(&HMACS))),
            3 => {
                let cipher = if self.rng.percent(30) {
                    self.rng.pick(&STREAM_CIPHERS)
                } else {
                    self.rng.pick(&CIPHERS)
                };
                (Some(cipher), Some(self.rng.pick(&HMACS)))
            }
            4 => (Some(self.rng.pick(&CIPHERS)), Some(self.rng.pick(&HASHES))),
            5 => (Some(self.rng.pick(&AEADS)), None),
            _ => (Some(self.rng.pick(&AEADS)), Some(self.rng.pick(&HMACS))),
        };
        let keylen = cipher.map_or(0, |alg| self.key_len(alg));
        let mackeylen = self.mac_key_len(mac);
        SessionArgs {
            cipher: cipher.map_or(0, Algorithm::id),
            mac: mac.map_or(0, Algorithm::id),
            keylen,
            key: if self.rng.percent(8) {
                Ptr::Null
            } else {
                self.ptr_for(u64::from(keylen))
            },
            mackeylen,
            mackey: if self.rng.percent(20) {
                Ptr::Null
            } else {
                self.ptr_for(u64::from(mackeylen))
            },
            ses: self.rng.next_u32(),
        }
    }

    fn algorithm_id(&mut self) -> u32 {
        match self.rng.weighted(&[50, 40, 10]) {
            0 => self.rng.pick(Algorithm::ALL).id(),
            1 => pick!(
                self.rng,
                [
                    0,
                    0,
                    5,
                    9,
                    10,
                    12,
                    15,
                    17,
                    26,
                    49,
                    52,
                    100,
                    110,
                    999,
                    u32::MAX,
                ]
            ),
            _ => self.rng.next_u32(),
        }
    }

    fn random_session(&mut self) -> SessionArgs {
        let keylen = pick!(self.rng, [0, 1, 8, 16, 24, 32, 56, 64, 65, u32::MAX]);
        let mackeylen = pick!(self.rng, [0, 1, 64, 512, 513, u32::MAX]);
        SessionArgs {
            cipher: self.algorithm_id(),
            mac: self.algorithm_id(),
            keylen,
            key: self.ptr_for(u64::from(keylen)),
            mackeylen,
            mackey: self.ptr_for(u64::from(mackeylen)),
            ses: self.rng.next_u32(),
        }
    }

    fn op_field(&mut self) -> u16 {
        pick!(self.rng, [0, 0, 0, 1, 1, 1, 2, u16::MAX])
    }

    fn crypt_flags(&mut self) -> u16 {
        pick!(
            self.rng,
            [
                CopFlags::NONE,
                CopFlags::NONE,
                CopFlags::UPDATE,
                CopFlags::FINAL,
                CopFlags::UPDATE | CopFlags::FINAL,
                CopFlags::RESET | CopFlags::UPDATE,
                CopFlags::RESET | CopFlags::FINAL,
                CopFlags::WRITE_IV,
                CopFlags::WRITE_IV,
                CopFlags::WRITE_IV | CopFlags::UPDATE,
                CopFlags::NO_ZC,
                CopFlags::RESET,
                u16_of(self.rng.below(0x80)),
                u16_of(self.rng.below(0x1_0000)),
            ]
        )
    }

    fn crypt(&mut self) -> CryptArgs {
        let len = self.len();
        let src = self.ptr_for(u64::from(len));
        let dst = if self.rng.percent(30) {
            src
        } else {
            self.ptr_for(u64::from(len))
        };
        CryptArgs {
            ses: self.ses(),
            op: self.op_field(),
            flags: self.crypt_flags(),
            len,
            src,
            dst,
            mac: if self.rng.percent(85) {
                self.ptr_for(64)
            } else {
                Ptr::Null
            },
            iv: match self.rng.weighted(&[80, 15, 5]) {
                0 => self.ptr_for(16),
                1 => Ptr::Null,
                _ => Ptr::Wild(self.wild_address()),
            },
        }
    }

    fn authcrypt(&mut self) -> AuthArgs {
        let len = self.len();
        let mut args = AuthArgs {
            ses: self.ses(),
            op: self.op_field(),
            flags: 0,
            len,
            auth_len: pick!(self.rng, [0, 0, 1, 13, 16, 64, 4096, 4097]),
            auth_src: Ptr::Null,
            src: Ptr::Null,
            dst: Ptr::Null,
            tag: self.ptr_for(64),
            tag_len: pick!(
                self.rng,
                [0, 0, 4, 6, 8, 10, 12, 13, 16, 17, 20, 32, 64, 65, u32::MAX]
            ),
            iv: if self.rng.percent(85) {
                self.ptr_for(16)
            } else {
                Ptr::Null
            },
            iv_len: pick!(self.rng, [0, 12, 16, u32::MAX]),
        };
        args.auth_src = self.ptr_for(u64::from(args.auth_len));
        match self.rng.weighted(&[40, 25, 20, 15]) {
            0 => {
                args.flags = pick!(
                    self.rng,
                    [
                        0,
                        0,
                        CopFlags::WRITE_IV,
                        CopFlags::AEAD_TLS_TYPE,
                        u16_of(self.rng.below(0x80)),
                    ]
                );
                args.src = self.ptr_for(u64::from(len) + 16);
                args.dst = if self.rng.percent(40) {
                    args.src
                } else {
                    self.ptr_for(u64::from(len) + 16)
                };
            }
            1 => {
                args.flags = CopFlags::AEAD_TLS_TYPE
                    | if self.rng.percent(30) {
                        CopFlags::WRITE_IV
                    } else {
                        0
                    };
                args.src = self.ptr_for(u64::from(len) + 80);
                args.dst = if self.rng.percent(95) {
                    args.src
                } else {
                    self.ptr_for(u64::from(len) + 80)
                };
            }
            2 => {
                args.flags = CopFlags::AEAD_SRTP_TYPE
                    | if self.rng.percent(20) {
                        CopFlags::WRITE_IV
                    } else {
                        0
                    };
                let header = pick!(self.rng, [0, 12, 12, 16, 256, 257]);
                let base = self.ptr_for(u64::from(len) + u64::from(header));
                let (index, offset) = match base {
                    Ptr::Buf { index, offset } => (index, offset),
                    _ => (0, 0),
                };
                args.auth_src = Ptr::Buf { index, offset };
                args.src = Ptr::Buf {
                    index,
                    offset: offset.saturating_add(header),
                };
                args.dst = args.src;
                if self.rng.percent(70) {
                    args.auth_len = len.saturating_add(header);
                }
            }
            _ => {
                args.flags = u16_of(self.rng.below(0x80));
                args.src = self.ptr_for(u64::from(len));
                args.dst = self.ptr_for(u64::from(len));
            }
        }
        args
    }

    fn key_bits(&mut self) -> u32 {
        // Mostly small: CIOCKEY's cost grows with the cube of the sizes.
        match self.rng.weighted(&[900, 80, 15, 5]) {
            0 => pick!(
                self.rng,
                [0, 0, 1, 2, 7, 8, 9, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129,]
            ),
            1 => pick!(self.rng, [160, 255, 256, 257, 512]),
            2 => pick!(self.rng, [1024, 2048]),
            _ => pick!(self.rng, [8192, 8193, 16384, u32::MAX]),
        }
    }

    fn key(&mut self) -> KeyArgs {
        let op = if self.rng.percent(92) {
            u32_of(self.rng.below(5))
        } else {
            pick!(self.rng, [5, 6, u32::MAX, self.rng.next_u32()])
        };
        let counts = KeyOp::try_from(op).ok().map(KeyOp::param_counts);
        let (iparams, oparams) = match counts {
            Some(counts) if self.rng.percent(85) => counts,
            _ => (
                pick!(self.rng, [0, 1, 3, 5, 6, 7, 8, 9, u16::MAX]),
                pick!(self.rng, [0, 1, 2, 3, 8, u16::MAX]),
            ),
        };
        let mut params = [(Ptr::Null, 0); 8];
        for param in &mut params {
            let bits = self.key_bits();
            *param = (self.ptr_for(u64::from(bits.div_ceil(8))), bits);
        }
        KeyArgs {
            op,
            status: pick!(self.rng, [0, 1, u32::MAX]),
            iparams,
            oparams,
            pad: self.rng.next_u32(),
            params,
        }
    }

    /// A request code near the ABI's: another layout's, a wrong size or direction, a number
    /// next to one, the BSD numbering, the kernel module's broken 32-bit async codes.
    fn unknown_code(&mut self, layout: Layout) -> u32 {
        let valid = self.rng.pick(&Ioctl::ALL);
        let code = valid.code(layout);
        let other = valid.code(match layout {
            Layout::Lp64 => Layout::Ilp32,
            Layout::Ilp32 => Layout::Lp64,
        });
        match self.rng.weighted(&[15, 20, 10, 10, 10, 5, 5, 5, 10, 10]) {
            0 => other,
            1 => code ^ (1 << (16 + self.rng.below(14))),
            2 => code ^ (1 << 30),
            3 => code ^ (2 << 30),
            4 => (code & !0xff) | 108,
            5 => code.wrapping_add(1),
            6 => pick!(self.rng, [0xc030_6367, 0x401c_636b, 0x801c_636c]),
            7 => code ^ 0x100,
            8 => 0,
            _ => self.rng.next_u32(),
        }
    }

    /// A file to release: seldom file 0, which most operations use.
    fn file_to_close(&mut self) -> u8 {
        if self.files > 1 && self.rng.percent(80) {
            u8_of(1 + self.rng.below(self.files - 1))
        } else {
            0
        }
    }

    fn fh(&mut self) -> Fh {
        match self.rng.weighted(&[70, 10, 20]) {
            0 => Fh::File(u8_of(self.rng.below(self.files))),
            1 => Fh::Raw(self.rng.byte()),
            _ => Fh::Wild(pick!(self.rng, [0, 1000, u64::MAX, self.rng.next_u64()])),
        }
    }

    fn raw(&mut self) -> Raw {
        let (opcode, body) = match self.rng.weighted(&[8, 8, 6, 6, 6, 6, 3, 3, 2, 4, 48]) {
            0 => (self.rng.next_u32(), Body::Bytes(Vec::new())),
            1 => {
                let opcode = pick!(
                    self.rng,
                    [
                        0,
                        FUSE_FORGET,
                        FUSE_BATCH_FORGET,
                        1,
                        3,
                        25,
                        FUSE_IOCTL + 2,
                        CUSE_INIT + 1,
                        u32::MAX,
                        self.rng.next_u32(),
                    ]
                );
                let len = self.rng.index(64);
                (opcode, Body::Bytes(self.rng.bytes(len)))
            }
            2 => (
                FUSE_OPEN,
                Body::Open {
                    flags: pick!(self.rng, [0, 2, self.rng.next_u32()]),
                },
            ),
            3 => {
                let fh = match self.rng.weighted(&[30, 30, 40]) {
                    0 => Fh::File(self.file_to_close()),
                    1 => Fh::Raw(self.rng.byte()),
                    _ => Fh::Wild(pick!(self.rng, [0, 1000, u64::MAX, self.rng.next_u64()])),
                };
                (FUSE_RELEASE, Body::Release { fh })
            }
            4 => (
                FUSE_POLL,
                Body::Poll {
                    fh: self.fh(),
                    kh: self.rng.next_u64(),
                    flags: pick!(
                        self.rng,
                        [0, FUSE_POLL_SCHEDULE_NOTIFY, self.rng.next_u32()]
                    ),
                    events: self.rng.next_u32(),
                },
            ),
            5 => (
                FUSE_INTERRUPT,
                Body::Interrupt {
                    unique: self.rng.next_u64(),
                },
            ),
            6 => (
                FUSE_READ,
                Body::Read {
                    fh: self.fh(),
                    size: pick!(self.rng, [0, 4096, u32::MAX]),
                },
            ),
            7 => {
                let len = self.rng.index(100);
                (
                    FUSE_WRITE,
                    Body::Write {
                        fh: self.fh(),
                        data: self.rng.bytes(len),
                    },
                )
            }
            8 => {
                let len = pick!(self.rng, [0, 8, 16, 20]);
                (CUSE_INIT, Body::Bytes(self.rng.bytes(len)))
            }
            9 => {
                let len = pick!(self.rng, [0, 8, 40]);
                (
                    pick!(self.rng, [FUSE_FORGET, FUSE_BATCH_FORGET]),
                    Body::Bytes(self.rng.bytes(len)),
                )
            }
            _ => (FUSE_IOCTL, self.raw_ioctl()),
        };
        let unique = match self.rng.weighted(&[60, 30, 5, 5]) {
            0 => self.rng.next_u64(),
            1 => self.rng.below(64),
            2 => 0,
            _ => u64::MAX,
        };
        Raw {
            opcode: if self.rng.percent(3) {
                self.rng.next_u32()
            } else {
                opcode
            },
            unique,
            pid: pick!(
                self.rng,
                [
                    0,
                    0,
                    u32::MAX,
                    0x7fff_ffff,
                    MISSING_PID + u32_of(self.rng.below(1000)),
                ]
            ),
            uid: pick!(self.rng, [0, 1000, u32::MAX]),
            nodeid: pick!(self.rng, [0, 1, self.rng.next_u64()]),
            body,
            cut: if self.rng.percent(8) {
                Some(u16_of(self.rng.below(48)))
            } else {
                None
            },
            extend: if self.rng.percent(5) {
                self.rng.byte()
            } else {
                0
            },
            len: if self.rng.percent(92) {
                LenField::Exact
            } else {
                LenField::Value(pick!(self.rng, [0, 39, 40, 41, 72, 4096, u32::MAX]))
            },
        }
    }

    fn raw_ioctl(&mut self) -> Body {
        let layout = self.layout();
        let mut flags = match layout {
            Layout::Lp64 => 0,
            Layout::Ilp32 => FUSE_IOCTL_COMPAT | FUSE_IOCTL_32BIT,
        };
        let unrestricted = self.rng.percent(50);
        if unrestricted {
            flags |= FUSE_IOCTL_UNRESTRICTED;
        }
        if self.rng.percent(15) {
            flags |= pick!(
                self.rng,
                [
                    FUSE_IOCTL_RETRY,
                    FUSE_IOCTL_DIR,
                    FUSE_IOCTL_COMPAT_X32,
                    FUSE_IOCTL_COMPAT,
                    FUSE_IOCTL_32BIT,
                    self.rng.next_u32(),
                ]
            );
        }
        let ioctl = self.rng.pick(&Ioctl::ALL);
        let cmd = match self.rng.weighted(&[60, 10, 30]) {
            0 => ioctl.code(layout),
            1 => self.unknown_code(layout),
            _ => pick!(self.rng, [0, self.rng.next_u32()]),
        };
        let size = cryptodev_abi::ioc::ioc_size(ioctl.code(layout));
        let args = self.args_for(ioctl);
        let arg_input = |g: &mut Self| {
            let flips = (0..pick!(g.rng, [0, 0, 0, 1, 2, 4]))
                .map(|_| (u16_of(g.rng.below(256)), g.rng.byte()))
                .collect();
            RawInput::Arg {
                layout,
                args: Box::new(args),
                fill: g.rng.byte(),
                flips,
                resize: if g.rng.percent(10) {
                    Some(u16_of(
                        g.rng.below(u64::try_from(size).unwrap_or(0) * 2 + 1),
                    ))
                } else {
                    None
                },
            }
        };
        let input = match self.rng.weighted(&[55, 25, 20]) {
            0 if !unrestricted || self.rng.percent(50) => arg_input(self),
            0 | 1 => RawInput::Bytes(Vec::new()),
            _ => {
                let len = self.rng.index(300);
                RawInput::Bytes(self.rng.bytes(len))
            }
        };
        let size = u32_of(size as u64);
        let out_size = if self.rng.percent(65) {
            if cmd >> 30 & 2 != 0 && !unrestricted {
                size
            } else {
                0
            }
        } else {
            pick!(
                self.rng,
                [
                    0,
                    1,
                    size.saturating_sub(1),
                    size,
                    RETRY_LIMIT,
                    u32::MAX,
                    self.rng.next_u32(),
                ]
            )
        };
        Body::Ioctl {
            fh: self.fh(),
            flags,
            cmd,
            arg: pick!(
                self.rng,
                [0, 0x7f00_0000_0000, 0x0804_8000, self.rng.next_u64()]
            ),
            in_size: if self.rng.percent(8) {
                Some(pick!(self.rng, [0, 1, size, u32::MAX, self.rng.next_u32()]))
            } else {
                None
            },
            out_size,
            input,
        }
    }

    fn args_for(&mut self, ioctl: Ioctl) -> Args {
        match ioctl {
            Ioctl::CrioGet => Args::CrioGet,
            Ioctl::GetSession => Args::GetSession(if self.rng.percent(60) {
                self.valid_session()
            } else {
                self.random_session()
            }),
            Ioctl::FreeSession => Args::FreeSession(self.ses()),
            Ioctl::GetSessionInfo => Args::SessionInfo(self.ses()),
            Ioctl::Crypt => Args::Crypt(self.crypt()),
            Ioctl::AsyncCrypt => Args::AsyncCrypt(self.crypt()),
            Ioctl::AsyncFetch => Args::AsyncFetch,
            Ioctl::AuthCrypt => Args::AuthCrypt(self.authcrypt()),
            Ioctl::CopyHash => Args::CopyHash {
                dst: self.ses(),
                src: self.ses(),
            },
            Ioctl::Key => Args::Key(self.key()),
            Ioctl::AsymFeatures => Args::AsymFeatures,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_raw_requests_never_name_a_real_process() {
        for index in 0..200 {
            let input = Input::generate(3, index);
            assert_eq!(input, Input::generate(3, index));
            assert!(!input.ops.is_empty());
            assert!(input.buffers.len() <= MAX_BUFFERS);
            assert!(input.buffers.iter().all(|b| b.len() <= MAX_BUFFER_BYTES));
            for op in &input.ops {
                if let Op::Raw(raw) = op {
                    assert!(raw.pid == 0 || raw.pid > 1 << 22, "{raw:?}");
                }
            }
        }
    }
}
