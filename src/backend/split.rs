//! Hardware sessions whose short operations run in software (`--software-below`): below a
//! size the round trip to a device costs more than the work, so a RustCrypto context keyed
//! alike takes them. The IV travels with every call, so the two interleave seamlessly.

use super::{AeadContext, BackendError, CipherContext, DriverInfo};

/// A hardware cipher session whose short operations run in software.
pub(super) struct SplitCipher {
    pub(super) kernel: Box<dyn CipherContext>,
    pub(super) soft: Box<dyn CipherContext>,
    pub(super) below: usize,
}

impl SplitCipher {
    fn pick(&mut self, len: usize) -> &mut dyn CipherContext {
        if len < self.below {
            self.soft.as_mut()
        } else {
            self.kernel.as_mut()
        }
    }
}

impl CipherContext for SplitCipher {
    fn info(&self) -> DriverInfo {
        self.kernel.info()
    }

    fn encrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        self.pick(data.len()).encrypt(iv, data)
    }

    fn decrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
        self.pick(data.len()).decrypt(iv, data)
    }
}

/// A hardware AEAD session whose short operations run in software; the tag length is kept
/// equal on both.
pub(super) struct SplitAead {
    pub(super) kernel: Box<dyn AeadContext>,
    pub(super) soft: Box<dyn AeadContext>,
    pub(super) below: usize,
}

impl SplitAead {
    fn pick(&mut self, len: usize) -> &mut dyn AeadContext {
        if len < self.below {
            self.soft.as_mut()
        } else {
            self.kernel.as_mut()
        }
    }
}

impl AeadContext for SplitAead {
    fn info(&self) -> DriverInfo {
        self.kernel.info()
    }

    fn tag_len(&self) -> usize {
        self.kernel.tag_len()
    }

    fn set_tag_len(&mut self, len: usize) -> Result<(), BackendError> {
        self.kernel.set_tag_len(len)?;
        self.soft.set_tag_len(len)
    }

    fn encrypt(&mut self, iv: &[u8], aad: &[u8], data: &mut [u8]) -> Result<Vec<u8>, BackendError> {
        self.pick(data.len()).encrypt(iv, aad, data)
    }

    fn decrypt(
        &mut self,
        iv: &[u8],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<(), BackendError> {
        self.pick(data.len()).decrypt(iv, aad, data, tag)
    }
}

#[cfg(test)]
mod tests {
    use cryptodev_abi::Algorithm;

    use super::*;
    use crate::backend::soft::RustCryptoBackend;
    use crate::backend::Backend;

    /// A fake hardware context that counts its calls, to see the size split.
    struct Counting(
        std::sync::Arc<std::sync::atomic::AtomicUsize>,
        Box<dyn CipherContext>,
    );

    impl CipherContext for Counting {
        fn info(&self) -> DriverInfo {
            DriverInfo {
                name: "cbc(aes)".into(),
                driver: "fake-hw".into(),
                hardware: true,
            }
        }
        fn encrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.1.encrypt(iv, data)
        }
        fn decrypt(&mut self, iv: &mut [u8], data: &mut [u8]) -> Result<(), BackendError> {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.1.decrypt(iv, data)
        }
    }

    #[test]
    fn split_sends_short_operations_to_software_and_chains_the_iv() {
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let soft = RustCryptoBackend;
        let key = [7u8; 16];
        let mut split = SplitCipher {
            kernel: Box::new(Counting(
                calls.clone(),
                soft.cipher(Algorithm::AesCbc, &key).unwrap(),
            )),
            soft: soft.cipher(Algorithm::AesCbc, &key).unwrap(),
            below: 64,
        };
        assert_eq!(split.info().driver, "fake-hw");
        let plain: Vec<u8> = (0u8..160).collect();
        let mut whole = plain.clone();
        let mut iv = [1u8; 16];
        soft.cipher(Algorithm::AesCbc, &key)
            .unwrap()
            .encrypt(&mut iv, &mut whole)
            .unwrap();
        // 32 (software) + 96 (hardware) + 32 (software), chained through the IV.
        let mut parts = plain.clone();
        let mut iv2 = [1u8; 16];
        let (a, rest) = parts.split_at_mut(32);
        let (b, c) = rest.split_at_mut(96);
        for piece in [a, b, c] {
            split.encrypt(&mut iv2, piece).unwrap();
        }
        assert_eq!(parts, whole);
        assert_eq!(iv, iv2);
        assert_eq!(calls.load(std::sync::atomic::Ordering::Relaxed), 1);
    }

    #[test]
    fn split_aead_keeps_tag_lengths_in_step() {
        let soft = RustCryptoBackend;
        let key = [3u8; 16];
        let mut split = SplitAead {
            kernel: soft.aead(Algorithm::AesGcm, &key).unwrap(),
            soft: soft.aead(Algorithm::AesGcm, &key).unwrap(),
            below: 32,
        };
        split.set_tag_len(12).unwrap();
        assert!(split.set_tag_len(11).is_err());
        let iv = [9u8; 12];
        let mut short = *b"short";
        let tag = split.encrypt(&iv, b"aad", &mut short).unwrap();
        assert_eq!(tag.len(), 12);
        let mut long = [5u8; 40];
        let tag_long = split.encrypt(&iv, b"aad", &mut long).unwrap();
        assert_eq!(tag_long.len(), 12);
        split.decrypt(&iv, b"aad", &mut long, &tag_long).unwrap();
        assert_eq!(long, [5u8; 40]);
    }
}
