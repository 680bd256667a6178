//! A cryptodev client over the fake kernel: one open file, RETRY rounds (pid 0), typed
//! helpers for the ioctls, for 64- and 32-bit layouts.

#![allow(dead_code)]
#![allow(clippy::cast_possible_truncation)] // test fixtures are small

use std::sync::Arc;

use cryptodev_abi::consts::CopFlags;
use cryptodev_abi::{ArgStruct, AuthCryptParams, CryptParams, Ioctl, Layout, SessionParams};
use cryptodev_cuse::backend::soft::RustCryptoBackend;
use cryptodev_cuse::device::CryptoDevice;

use super::fake_kernel::{AddressSpace, FakeKernel, IoctlOutcome};

/// Hex (whitespace allowed) to bytes.
pub fn unhex(text: &str) -> Vec<u8> {
    let text: String = text.split_whitespace().collect();
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

/// A cryptodev client on one open file, over RETRY rounds (pid 0).
pub struct Client {
    pub kernel: FakeKernel,
    pub device: Arc<CryptoDevice>,
    pub memory: AddressSpace,
    pub fh: u64,
    pub layout: Layout,
}

impl Client {
    pub fn new(layout: Layout) -> Client {
        let device = CryptoDevice::new(Arc::new(RustCryptoBackend::new()), 2).unwrap();
        Client::on(layout, device)
    }

    /// A client of `device`.
    pub fn on(layout: Layout, device: CryptoDevice) -> Client {
        let device = Arc::new(device);
        let mut kernel = FakeKernel::new(device.clone());
        let fh = kernel.open(0);
        let base = match layout {
            Layout::Lp64 => 0x7f00_0000_0000,
            Layout::Ilp32 => 0x0804_8000,
        };
        Client {
            kernel,
            device,
            memory: AddressSpace::new(base),
            fh,
            layout,
        }
    }

    pub fn map(&mut self, bytes: &[u8]) -> u64 {
        self.memory.map(bytes)
    }

    pub fn read(&self, addr: u64, len: usize) -> Vec<u8> {
        self.memory.read(addr, len).expect("mapped")
    }

    pub fn call<T: ArgStruct>(&mut self, ioctl: Ioctl, arg: &T) -> (i32, u64) {
        let mut bytes = vec![0u8; T::wire_size(self.layout)];
        arg.encode_into(self.layout, &mut bytes).unwrap();
        let addr = self.map(&bytes);
        let outcome = self.kernel.ioctl(
            &mut self.memory,
            self.fh,
            0,
            self.layout == Layout::Ilp32,
            ioctl.code(self.layout),
            addr,
        );
        let rc = match outcome {
            IoctlOutcome::Returned(rc) => rc,
            IoctlOutcome::Failed(errno) => -errno,
        };
        (rc, addr)
    }

    pub fn session(
        &mut self,
        cipher: u32,
        key: &[u8],
        mac: u32,
        mackey: &[u8],
    ) -> Result<u32, i32> {
        let key_addr = if key.is_empty() { 0 } else { self.map(key) };
        let mackey_addr = if mackey.is_empty() {
            0
        } else {
            self.map(mackey)
        };
        let params = SessionParams {
            cipher,
            mac,
            keylen: key.len() as u32,
            key: key_addr,
            mackeylen: mackey.len() as u32,
            mackey: mackey_addr,
            ses: 0,
        };
        let (rc, addr) = self.call(Ioctl::GetSession, &params);
        if rc < 0 {
            return Err(-rc);
        }
        let bytes = self.read(addr, SessionParams::wire_size(self.layout));
        Ok(SessionParams::decode(self.layout, &bytes).unwrap().ses)
    }

    pub fn free(&mut self, ses: u32) -> i32 {
        self.call(Ioctl::FreeSession, &ses).0
    }

    /// CIOCCRYPT; returns (rc, dst, mac, iv) as the caller's buffers hold them afterwards.
    pub fn crypt(
        &mut self,
        ses: u32,
        op: u16,
        flags: u16,
        src: &[u8],
        iv: Option<&[u8]>,
    ) -> Crypted {
        let src_addr = if src.is_empty() { 0 } else { self.map(src) };
        let dst_addr = self.map(&vec![0u8; src.len().max(1)]);
        let mac_addr = self.map(&[0u8; 64]);
        let iv_addr = iv.map_or(0, |iv| self.map(iv));
        let params = CryptParams {
            ses,
            op,
            flags: CopFlags(flags),
            len: src.len() as u32,
            src: src_addr,
            dst: dst_addr,
            mac: mac_addr,
            iv: iv_addr,
        };
        let (rc, _) = self.call(Ioctl::Crypt, &params);
        Crypted {
            rc,
            dst: self.read(dst_addr, src.len()),
            mac: self.read(mac_addr, 64),
            iv: iv.map(|iv| self.read(iv_addr, iv.len())),
        }
    }

    /// One CIOCAUTHCRYPT; returns rc, the struct as written back, and the `dst` buffer.
    pub fn authcrypt(
        &mut self,
        mut params: AuthCryptParams,
        data: &[u8],
        room: usize,
    ) -> (i32, AuthCryptParams, Vec<u8>) {
        let mut buffer = data.to_vec();
        buffer.resize(room.max(data.len()), 0);
        let addr = self.memory.map(&buffer);
        params.src = addr;
        params.dst = addr;
        let (rc, arg) = self.call(Ioctl::AuthCrypt, &params);
        let back = AuthCryptParams::decode(
            self.layout,
            &self
                .memory
                .read(arg, AuthCryptParams::wire_size(self.layout))
                .unwrap(),
        )
        .unwrap();
        (rc, back, self.memory.read(addr, buffer.len()).unwrap())
    }
}

pub struct Crypted {
    pub rc: i32,
    pub dst: Vec<u8>,
    pub mac: Vec<u8>,
    pub iv: Option<Vec<u8>>,
}
