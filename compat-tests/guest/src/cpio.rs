//! A writer for uncompressed `newc` cpio archives (the initramfs format).

use std::collections::BTreeSet;
use std::io::{self, Write};

const S_IFMT: u32 = 0o170_000;
const S_IFDIR: u32 = 0o040_000;
const S_IFREG: u32 = 0o100_000;
const S_IFLNK: u32 = 0o120_000;
const S_IFCHR: u32 = 0o020_000;

/// Writes a newc archive; every entry is owned by root with mtime 0, so the output depends
/// only on the contents. Parent directories are created implicitly (mode 0755).
pub(crate) struct CpioWriter<W: Write> {
    out: W,
    ino: u32,
    dirs: BTreeSet<String>,
}

impl<W: Write> CpioWriter<W> {
    pub(crate) fn new(out: W) -> Self {
        CpioWriter {
            out,
            ino: 1,
            dirs: BTreeSet::new(),
        }
    }

    fn entry(&mut self, name: &str, mode: u32, rdev: (u32, u32), data: &[u8]) -> io::Result<()> {
        let namesize = u32::try_from(name.len() + 1).map_err(io::Error::other)?;
        let filesize = u32::try_from(data.len()).map_err(io::Error::other)?;
        let nlink = if mode & S_IFMT == S_IFDIR { 2 } else { 1 };
        let fields = [
            self.ino, mode, 0, 0, nlink, 0, filesize, 0, 0, rdev.0, rdev.1, namesize, 0,
        ];
        self.ino += 1;
        let mut header = String::with_capacity(110);
        header.push_str("070701");
        for f in fields {
            header.push_str(&format!("{f:08x}"));
        }
        self.out.write_all(header.as_bytes())?;
        self.out.write_all(name.as_bytes())?;
        self.out.write_all(&[0])?;
        self.pad(110 + name.len() + 1)?;
        self.out.write_all(data)?;
        self.pad(data.len())
    }

    fn pad(&mut self, len: usize) -> io::Result<()> {
        let n = (4 - len % 4) % 4;
        self.out.write_all(&[0u8; 3][..n])
    }

    fn parents(&mut self, path: &str) -> io::Result<()> {
        if let Some((parent, _)) = path.rsplit_once('/') {
            self.dir(parent, 0o755)?;
        }
        Ok(())
    }

    /// Adds a directory (and its parents) unless already present. `path` has no leading `/`.
    pub(crate) fn dir(&mut self, path: &str, perm: u32) -> io::Result<()> {
        if path.is_empty() || self.dirs.contains(path) {
            return Ok(());
        }
        self.parents(path)?;
        self.dirs.insert(path.to_owned());
        self.entry(path, S_IFDIR | perm, (0, 0), &[])
    }

    /// Adds a regular file.
    pub(crate) fn file(&mut self, path: &str, perm: u32, data: &[u8]) -> io::Result<()> {
        self.parents(path)?;
        self.entry(path, S_IFREG | perm, (0, 0), data)
    }

    /// Adds a symbolic link `path` → `target`.
    pub(crate) fn symlink(&mut self, path: &str, target: &str) -> io::Result<()> {
        self.parents(path)?;
        self.entry(path, S_IFLNK | 0o777, (0, 0), target.as_bytes())
    }

    /// Adds a character device node.
    pub(crate) fn char_device(
        &mut self,
        path: &str,
        perm: u32,
        major: u32,
        minor: u32,
    ) -> io::Result<()> {
        self.parents(path)?;
        self.entry(path, S_IFCHR | perm, (major, minor), &[])
    }

    /// Writes the trailer and returns the underlying writer.
    pub(crate) fn finish(mut self) -> io::Result<W> {
        self.entry("TRAILER!!!", 0, (0, 0), &[])?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newc_layout() {
        let mut w = CpioWriter::new(Vec::new());
        w.file("a/b", 0o644, b"hello").unwrap();
        w.symlink("a/l", "/b").unwrap();
        let out = w.finish().unwrap();
        // First entry: the implicit directory "a".
        assert!(out.starts_with(b"070701"));
        let h = std::str::from_utf8(&out[..110]).unwrap();
        assert_eq!(&h[14..22], "000041ed"); // mode: dir 0755
        assert_eq!(&h[94..102], "00000002"); // namesize "a\0"
                                             // Every header starts 4-byte aligned.
        let text = String::from_utf8_lossy(&out);
        for (i, _) in text.match_indices("070701") {
            assert_eq!(i % 4, 0);
        }
        assert!(text.contains("a/b\0"));
        assert!(text.contains("hello"));
        assert!(text.contains("TRAILER!!!\0"));
        assert_eq!(out.len() % 4, 0);
    }

    #[test]
    fn cpio_tool_reads_it() {
        let Some(cpio) = crate::tools::find_program("cpio") else {
            return;
        };
        let mut w = CpioWriter::new(Vec::new());
        w.file("x/y/z", 0o755, b"data").unwrap();
        w.symlink("bin/sh", "busybox").unwrap();
        w.char_device("dev/console", 0o600, 5, 1).unwrap();
        let out = w.finish().unwrap();
        let mut child = std::process::Command::new(cpio)
            .args(["-t", "-v", "--quiet"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(&out).unwrap();
        let listing = child.wait_with_output().unwrap();
        assert!(listing.status.success());
        let listing = String::from_utf8(listing.stdout).unwrap();
        assert!(listing.contains("x/y/z"), "{listing}");
        assert!(listing.contains("bin/sh -> busybox"), "{listing}");
        assert!(listing.contains("crw-------"), "{listing}");
    }
}
