//! FUSE mounts: a small fixed tree of directories and files mounted on a directory through
//! `/dev/fuse`, each file a [`Device`] (what CUSE makes a character device, here a regular file,
//! for where CUSE is missing, e.g. in a container).
//!
//! The kernel sends the ioctls of a FUSE mount's regular files restricted (the argument struct
//! in the request, copied back from the reply; 32-bit callers flagged as on CUSE's compat path),
//! so a device reached this way always needs direct caller memory. Reads and writes reach the
//! device unbuffered (`FOPEN_DIRECT_IO`) with the caller's sizes; the files cannot be seeked.
//!
//! Unmounting needs the privileges the daemon gives up once serving, so a keeper process started
//! before that ([`unmount_when_closed`]) does it when the daemon is gone.

use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use nix::errno::Errno;
use nix::mount::{mount as mount_syscall, umount2, MntFlags, MsFlags};

use super::channel::Channel;
use super::request::Operation;
use super::server::{receive_init, ServeError};
use super::wire::*;
use super::Device;

/// The file system type the mount shows in `/proc/mounts` (`fuse.` plus the subtype).
pub const FILESYSTEM_TYPE: &str = "fuse.cryptodev-cuse";

/// How long the kernel may cache names and attributes: the tree never changes while mounted.
const CACHE_SECONDS: u64 = 3600;

const S_IFDIR: u32 = 0o040_000;
const S_IFREG: u32 = 0o100_000;
/// `d_type` of READDIR entries.
const DT_DIR: u32 = 4;
const DT_REG: u32 = 8;

enum NodeKind {
    Directory { children: Vec<u64> },
    File { device: Arc<dyn Device> },
}

struct Node {
    name: String,
    parent: u64,
    kind: NodeKind,
    /// Permission bits, owner and group: set when the tree is made, changed by chmod and
    /// chown (which the kernel allows the owner and root), kept until unmounted.
    mode: AtomicU32,
    uid: AtomicU32,
    gid: AtomicU32,
}

/// The mounted tree: node ids are indices + 1, the root is [`FUSE_ROOT_ID`].
pub struct Tree {
    nodes: Vec<Node>,
    uid: u32,
    gid: u32,
    /// Every node's atime, mtime and ctime: when the tree was made.
    made: u64,
}

/// Directories' permission bits.
const DIRECTORY_MODE: u32 = 0o755;

impl std::fmt::Debug for Tree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tree")
            .field("paths", &self.paths())
            .finish_non_exhaustive()
    }
}

impl Tree {
    /// An empty root directory; every node will belong to `uid`:`gid`.
    pub fn new(uid: u32, gid: u32) -> Tree {
        let made = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut tree = Tree {
            nodes: Vec::new(),
            uid,
            gid,
            made,
        };
        let root = NodeKind::Directory {
            children: Vec::new(),
        };
        tree.push(FUSE_ROOT_ID, "", root, DIRECTORY_MODE);
        tree
    }

    fn node(&self, id: u64) -> Option<&Node> {
        self.nodes.get(usize::try_from(id.checked_sub(1)?).ok()?)
    }

    /// The child of directory `parent` called `name`.
    fn child(&self, parent: u64, name: &[u8]) -> Option<u64> {
        let NodeKind::Directory { children } = &self.node(parent)?.kind else {
            return None;
        };
        children
            .iter()
            .copied()
            .find(|&id| self.node(id).is_some_and(|n| n.name.as_bytes() == name))
    }

    /// Adds a file at `path` (`/`-separated, relative to the mount), making the directories
    /// on the way; `mode` holds its permission bits. Fails on a path that is taken or empty.
    pub fn add_file(
        &mut self,
        path: &str,
        mode: u32,
        device: Arc<dyn Device>,
    ) -> Result<(), String> {
        let mut parts: Vec<&str> = path.split('/').collect();
        let Some(name) = parts
            .pop()
            .filter(|n| !n.is_empty() && *n != "." && *n != "..")
        else {
            return Err(format!("{path:?} is not a file name"));
        };
        let mut dir = FUSE_ROOT_ID;
        for part in parts {
            dir = match self.child(dir, part.as_bytes()) {
                Some(id)
                    if matches!(
                        self.node(id).map(|n| &n.kind),
                        Some(NodeKind::Directory { .. })
                    ) =>
                {
                    id
                }
                Some(_) => return Err(format!("{path:?}: {part:?} is a file")),
                None => self.push(
                    dir,
                    part,
                    NodeKind::Directory {
                        children: Vec::new(),
                    },
                    DIRECTORY_MODE,
                ),
            };
        }
        if self.child(dir, name.as_bytes()).is_some() {
            return Err(format!("{path:?} is there already"));
        }
        self.push(dir, name, NodeKind::File { device }, mode);
        Ok(())
    }

    fn push(&mut self, parent: u64, name: &str, kind: NodeKind, mode: u32) -> u64 {
        self.nodes.push(Node {
            name: name.to_owned(),
            parent,
            kind,
            mode: AtomicU32::new(mode & 0o7777),
            uid: AtomicU32::new(self.uid),
            gid: AtomicU32::new(self.gid),
        });
        let id = self.nodes.len() as u64;
        if id == FUSE_ROOT_ID {
            return id;
        }
        if let Some(Node {
            kind: NodeKind::Directory { children },
            ..
        }) = self
            .nodes
            .get_mut(usize::try_from(parent - 1).unwrap_or(usize::MAX))
        {
            children.push(id);
        }
        id
    }

    /// chmod and chown (the kernel has checked that the caller may).
    fn set_attributes(&self, id: u64, change: &FuseSetattrIn) -> Option<()> {
        let node = self.node(id)?;
        if change.valid & FATTR_MODE != 0 {
            node.mode.store(change.mode & 0o7777, Ordering::Relaxed);
        }
        if change.valid & FATTR_UID != 0 {
            node.uid.store(change.uid, Ordering::Relaxed);
        }
        if change.valid & FATTR_GID != 0 {
            node.gid.store(change.gid, Ordering::Relaxed);
        }
        Some(())
    }

    /// The device of file node `id`.
    pub fn device(&self, id: u64) -> Option<&Arc<dyn Device>> {
        match &self.node(id)?.kind {
            NodeKind::File { device, .. } => Some(device),
            NodeKind::Directory { .. } => None,
        }
    }

    /// Every file's path, in the order they were added.
    pub fn paths(&self) -> Vec<String> {
        (1..=self.nodes.len() as u64)
            .filter(|&id| self.device(id).is_some())
            .map(|id| self.path(id))
            .collect()
    }

    fn path(&self, mut id: u64) -> String {
        let mut parts = Vec::new();
        while id != FUSE_ROOT_ID {
            let Some(node) = self.node(id) else { break };
            parts.push(node.name.as_str());
            id = node.parent;
        }
        parts.reverse();
        parts.join("/")
    }

    fn attr(&self, id: u64) -> Option<FuseAttr> {
        let node = self.node(id)?;
        let permissions = node.mode.load(Ordering::Relaxed);
        let (mode, nlink) = match &node.kind {
            NodeKind::Directory { children } => {
                let subdirectories = children
                    .iter()
                    .filter(|&&c| self.device(c).is_none())
                    .count();
                (
                    S_IFDIR | permissions,
                    2 + u32::try_from(subdirectories).unwrap_or(u32::MAX),
                )
            }
            NodeKind::File { .. } => (S_IFREG | permissions, 1),
        };
        Some(FuseAttr {
            ino: id,
            atime: self.made,
            mtime: self.made,
            ctime: self.made,
            mode,
            nlink,
            uid: node.uid.load(Ordering::Relaxed),
            gid: node.gid.load(Ordering::Relaxed),
            blksize: 4096,
            ..FuseAttr::default()
        })
    }

    fn entry(&self, id: u64) -> Option<FuseEntryOut> {
        Some(FuseEntryOut {
            nodeid: id,
            generation: 0,
            entry_valid: CACHE_SECONDS,
            attr_valid: CACHE_SECONDS,
            entry_valid_nsec: 0,
            attr_valid_nsec: 0,
            attr: self.attr(id)?,
        })
    }

    fn attr_out(&self, id: u64) -> Option<FuseAttrOut> {
        Some(FuseAttrOut {
            attr_valid: CACHE_SECONDS,
            attr_valid_nsec: 0,
            dummy: 0,
            attr: self.attr(id)?,
        })
    }

    /// READDIR of directory `id` from entry `offset` (0: ".", 1: "..", then the children), as
    /// many whole entries as fit `size` bytes; empty at the end.
    fn read_dir(&self, id: u64, offset: u64, size: usize) -> Option<Vec<u8>> {
        let node = self.node(id)?;
        let NodeKind::Directory { children } = &node.kind else {
            return None;
        };
        let mut entries: Vec<(u64, &str, u32)> =
            vec![(id, ".", DT_DIR), (node.parent, "..", DT_DIR)];
        for &child in children {
            let kind = if self.device(child).is_some() {
                DT_REG
            } else {
                DT_DIR
            };
            entries.push((child, self.node(child)?.name.as_str(), kind));
        }
        let mut out = Vec::new();
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        for (index, (ino, name, kind)) in entries.iter().enumerate().skip(start) {
            let fixed = size_of::<FuseDirent>();
            let padded = (fixed + name.len()).next_multiple_of(8);
            if out.len() + padded > size {
                break;
            }
            let dirent = FuseDirent {
                ino: *ino,
                off: index as u64 + 1,
                namelen: u32::try_from(name.len()).ok()?,
                kind: *kind,
            };
            out.extend_from_slice(bytemuck::bytes_of(&dirent));
            out.extend_from_slice(name.as_bytes());
            out.resize(out.len() + padded - fixed - name.len(), 0);
        }
        Some(out)
    }
}

/// The answer to a request only a mount gets (see [`answer`]).
#[derive(Debug, PartialEq, Eq)]
pub enum NodeAnswer {
    Reply(Vec<u8>),
    Error(Errno),
    /// FORGET: the kernel expects no reply.
    Nothing,
}

/// Answers a request about the tree's nodes (lookups, attributes, directories, the file system
/// itself); `None` for requests that go to a file's device or that the tree does not serve.
pub fn answer(tree: &Tree, nodeid: u64, operation: &Operation<'_>) -> Option<NodeAnswer> {
    let found =
        |bytes: Option<Vec<u8>>| bytes.map_or(NodeAnswer::Error(Errno::ENOENT), NodeAnswer::Reply);
    let answer = match operation {
        Operation::Lookup { name } => found(
            tree.child(nodeid, name)
                .and_then(|id| tree.entry(id))
                .map(|entry| bytemuck::bytes_of(&entry).to_vec()),
        ),
        Operation::Forget => NodeAnswer::Nothing,
        Operation::GetAttr => found(
            tree.attr_out(nodeid)
                .map(|a| bytemuck::bytes_of(&a).to_vec()),
        ),
        Operation::SetAttr(change) => {
            // Modes and owners are kept; truncating or touching a file changes nothing here
            // and is harmless to allow (shells truncate what they redirect into).
            const ALLOWED: u32 = FATTR_MODE
                | FATTR_UID
                | FATTR_GID
                | FATTR_SIZE
                | FATTR_ATIME
                | FATTR_MTIME
                | FATTR_FH
                | FATTR_ATIME_NOW
                | FATTR_MTIME_NOW
                | FATTR_LOCKOWNER
                | FATTR_CTIME;
            if change.valid & !ALLOWED != 0 {
                NodeAnswer::Error(Errno::EPERM)
            } else {
                found(
                    tree.set_attributes(nodeid, change)
                        .and_then(|()| tree.attr_out(nodeid))
                        .map(|a| bytemuck::bytes_of(&a).to_vec()),
                )
            }
        }
        Operation::Statfs => {
            let out = FuseStatfsOut {
                bsize: 4096,
                frsize: 4096,
                namelen: 255,
                files: tree.nodes.len() as u64,
                ..FuseStatfsOut::default()
            };
            NodeAnswer::Reply(bytemuck::bytes_of(&out).to_vec())
        }
        Operation::OpenDir => match tree.node(nodeid).map(|n| &n.kind) {
            Some(NodeKind::Directory { .. }) => {
                let out = FuseOpenOut {
                    fh: 0,
                    open_flags: 0,
                    padding: 0,
                };
                NodeAnswer::Reply(bytemuck::bytes_of(&out).to_vec())
            }
            Some(NodeKind::File { .. }) => NodeAnswer::Error(Errno::ENOTDIR),
            None => NodeAnswer::Error(Errno::ENOENT),
        },
        Operation::ReadDir { offset, size } => {
            found(tree.read_dir(nodeid, *offset, *size as usize))
        }
        Operation::ReleaseDir | Operation::Flush | Operation::Destroy => {
            NodeAnswer::Reply(Vec::new())
        }
        Operation::Other(opcode) if CHANGES_THE_TREE.contains(opcode) => {
            NodeAnswer::Error(Errno::EPERM)
        }
        _ => return None,
    };
    Some(answer)
}

/// Opcodes that would create, remove, rename or link names, or set extended attributes: the
/// tree is fixed.
const CHANGES_THE_TREE: &[u32] = &[
    FUSE_SYMLINK,
    FUSE_MKNOD,
    FUSE_MKDIR,
    FUSE_UNLINK,
    FUSE_RMDIR,
    FUSE_RENAME,
    FUSE_LINK,
    FUSE_SETXATTR,
    FUSE_REMOVEXATTR,
    FUSE_CREATE,
    FUSE_RENAME2,
    FUSE_TMPFILE,
];

/// Mounts an empty FUSE file system on `dir` (created if missing) through `fuse_device`
/// (`/dev/fuse`) and returns its connection, on which the kernel's FUSE_INIT waits for
/// [`handshake`]. A dead mount of an earlier daemon left on `dir` is detached first.
pub fn mount(dir: &Path, fuse_device: &Path) -> Result<Channel, ServeError> {
    let mount_error = |source: io::Error| ServeError::Mount {
        dir: dir.display().to_string(),
        source,
    };
    match std::fs::metadata(dir) {
        Err(e) if e.raw_os_error() == Some(libc::ENOTCONN) => {
            tracing::info!(dir = %dir.display(), "detaching the dead mount of an earlier daemon");
            umount2(dir, MntFlags::MNT_DETACH).map_err(|e| mount_error(e.into()))?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(mount_error)?;
        }
        Err(e) => return Err(mount_error(e)),
        Ok(meta) if !meta.is_dir() => {
            return Err(mount_error(io::Error::from_raw_os_error(libc::ENOTDIR)));
        }
        Ok(_) => {}
    }
    if is_our_mount(dir) {
        return Err(ServeError::AlreadyMounted(dir.display().to_string()));
    }
    let channel = Channel::open(fuse_device).map_err(|source| ServeError::NoFuse {
        path: fuse_device.display().to_string(),
        source,
    })?;
    let options = format!(
        "fd={},rootmode={:o},user_id={},group_id={},allow_other,default_permissions,max_read={}",
        channel.as_fd().as_raw_fd(),
        S_IFDIR | 0o755,
        nix::unistd::getuid(),
        nix::unistd::getgid(),
        MOUNT_MAX_IO_BYTES,
    );
    mount_syscall(
        Some("cryptodev-cuse"),
        dir,
        Some(FILESYSTEM_TYPE),
        MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC,
        Some(options.as_str()),
    )
    .map_err(|errno| match errno {
        Errno::EPERM | Errno::EACCES => ServeError::MountRefused {
            dir: dir.display().to_string(),
            source: errno.into(),
        },
        errno => mount_error(errno.into()),
    })?;
    Ok(channel)
}

/// Whether `dir` is the mount point of one of our mounts (per `/proc/self/mountinfo`).
fn is_our_mount(dir: &Path) -> bool {
    let Ok(dir) = std::fs::canonicalize(dir) else {
        return false;
    };
    let Ok(table) = std::fs::read_to_string("/proc/self/mountinfo") else {
        return false;
    };
    table.lines().any(|line| {
        let fields: Vec<&str> = line.split(' ').collect();
        let fstype = line
            .split_once(" - ")
            .and_then(|(_, rest)| rest.split(' ').next());
        fields.get(4).map(PathBuf::from).as_deref() == Some(dir.as_path())
            && fstype == Some(FILESYSTEM_TYPE)
    })
}

/// Answers the kernel's FUSE_INIT on a fresh mount's connection: protocol 7.16 or later,
/// writes of up to [`MOUNT_MAX_IO_BYTES`], `O_TRUNC` passed on open.
pub fn handshake(channel: &Channel) -> Result<(), ServeError> {
    let (unique, init) = receive_init(channel, |operation| match operation {
        Operation::MountInit(init) => Some((*init, init.major, init.minor)),
        _ => None,
    })?;
    // 128 KiB and 32 pages: constants far below u32 and u16.
    #[allow(clippy::cast_possible_truncation)]
    const MAX_WRITE: u32 = MOUNT_MAX_IO_BYTES as u32;
    #[allow(clippy::cast_possible_truncation)]
    const PAGES: u16 = (MOUNT_MAX_IO_BYTES / 4096) as u16;
    let out = FuseInitOut {
        major: FUSE_KERNEL_VERSION,
        minor: init.minor.min(OUR_KERNEL_MINOR),
        max_readahead: init.max_readahead,
        flags: init.flags & (FUSE_ATOMIC_O_TRUNC | FUSE_BIG_WRITES | FUSE_MAX_PAGES),
        max_background: 16,
        congestion_threshold: 12,
        max_write: MAX_WRITE,
        time_gran: 1,
        max_pages: PAGES,
        map_alignment: 0,
        flags2: 0,
        unused: [0; 7],
    };
    channel
        .reply(unique, 0, &[bytemuck::bytes_of(&out)])
        .map_err(ServeError::Write)?;
    tracing::info!(minor = out.minor, "FUSE mount initialised");
    Ok(())
}

/// The keeper's work: waits until `daemon` (the read end of a pipe whose write end only the
/// daemon holds) reaches its end, which happens when the daemon exits however it exits, then
/// detaches the mount on `dir`. Not mounted (any more) is not an error.
pub fn unmount_when_closed(dir: &Path, mut daemon: impl Read) -> io::Result<()> {
    let mut sink = [0u8; 64];
    loop {
        match daemon.read(&mut sink) {
            Ok(0) => break,
            Ok(_) => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // The daemon is gone either way.
            Err(_) => break,
        }
    }
    match umount2(dir, MntFlags::MNT_DETACH) {
        Ok(()) | Err(Errno::EINVAL | Errno::ENOENT) => Ok(()),
        Err(errno) => Err(errno.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transport::{Caller, IoctlCall, IoctlReply};

    struct Nothing;
    impl Device for Nothing {
        fn open(&self, _: &Caller, _: u32) -> Result<u64, Errno> {
            Ok(1)
        }
        fn release(&self, _: u64) {}
        fn ioctl(&self, _: &Caller, _: &IoctlCall<'_>) -> IoctlReply {
            IoctlReply::Error(Errno::EINVAL)
        }
        fn poll(&self, _: u64, _: u64, _: u32, _: bool) -> Result<u32, Errno> {
            Ok(0)
        }
    }

    fn tree() -> Tree {
        let mut tree = Tree::new(0, 0);
        tree.add_file("crypto", 0o666, Arc::new(Nothing)).unwrap();
        tree.add_file("hash/sha256", 0o666, Arc::new(Nothing))
            .unwrap();
        tree.add_file("hash/md5", 0o644, Arc::new(Nothing)).unwrap();
        tree
    }

    fn names(bytes: &[u8]) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let mut rest = bytes;
        while rest.len() >= size_of::<FuseDirent>() {
            let dirent: FuseDirent = bytemuck::pod_read_unaligned(&rest[..24]);
            let name = &rest[24..24 + dirent.namelen as usize];
            out.push((String::from_utf8_lossy(name).into_owned(), dirent.off));
            rest = &rest[(24 + dirent.namelen as usize).next_multiple_of(8)..];
        }
        out
    }

    #[test]
    fn paths_make_their_directories_and_refuse_duplicates() {
        let mut tree = tree();
        assert_eq!(tree.paths(), ["crypto", "hash/sha256", "hash/md5"]);
        assert!(tree.add_file("hash/md5", 0o666, Arc::new(Nothing)).is_err());
        assert!(tree.add_file("crypto/x", 0o666, Arc::new(Nothing)).is_err());
        assert!(tree.add_file("hash/", 0o666, Arc::new(Nothing)).is_err());
    }

    #[test]
    fn lookups_and_attributes() {
        let tree = tree();
        let Some(NodeAnswer::Reply(bytes)) =
            answer(&tree, FUSE_ROOT_ID, &Operation::Lookup { name: b"hash" })
        else {
            panic!("no hash directory")
        };
        let hash: FuseEntryOut = bytemuck::pod_read_unaligned(&bytes);
        assert_eq!(hash.attr.mode, S_IFDIR | 0o755);
        let Some(NodeAnswer::Reply(bytes)) =
            answer(&tree, hash.nodeid, &Operation::Lookup { name: b"md5" })
        else {
            panic!("no md5 file")
        };
        let md5: FuseEntryOut = bytemuck::pod_read_unaligned(&bytes);
        assert_eq!(md5.attr.mode, S_IFREG | 0o644);
        assert!(tree.device(md5.nodeid).is_some());
        assert_eq!(
            answer(&tree, hash.nodeid, &Operation::Lookup { name: b"sha1" }),
            Some(NodeAnswer::Error(Errno::ENOENT))
        );
        assert_eq!(
            answer(&tree, md5.nodeid, &Operation::Lookup { name: b"x" }),
            Some(NodeAnswer::Error(Errno::ENOENT))
        );
        assert_eq!(
            answer(&tree, 99, &Operation::GetAttr),
            Some(NodeAnswer::Error(Errno::ENOENT))
        );
        assert_eq!(
            answer(&tree, md5.nodeid, &Operation::OpenDir),
            Some(NodeAnswer::Error(Errno::ENOTDIR))
        );
        let mut change: FuseSetattrIn = bytemuck::Zeroable::zeroed();
        change.valid = FATTR_MODE | FATTR_GID | FATTR_SIZE;
        change.mode = S_IFREG | 0o660;
        change.gid = 42;
        let Some(NodeAnswer::Reply(bytes)) = answer(&tree, md5.nodeid, &Operation::SetAttr(change))
        else {
            panic!("chmod and chgrp refused")
        };
        let changed: FuseAttrOut = bytemuck::pod_read_unaligned(&bytes);
        assert_eq!(
            (changed.attr.mode, changed.attr.uid, changed.attr.gid),
            (S_IFREG | 0o660, 0, 42)
        );
        assert_eq!(
            tree.attr(md5.nodeid).map(|a| a.mode),
            Some(S_IFREG | 0o660),
            "kept"
        );
        change.valid = 1 << 15; // FATTR_KILL_SUIDGID: nothing here to kill
        assert_eq!(
            answer(&tree, md5.nodeid, &Operation::SetAttr(change)),
            Some(NodeAnswer::Error(Errno::EPERM))
        );
        assert_eq!(
            answer(&tree, FUSE_ROOT_ID, &Operation::Other(FUSE_MKDIR)),
            Some(NodeAnswer::Error(Errno::EPERM)),
            "mkdir"
        );
        assert_eq!(
            answer(&tree, md5.nodeid, &Operation::Other(FUSE_IOCTL)),
            None
        );
    }

    #[test]
    fn directories_list_in_pieces_that_fit() {
        let tree = tree();
        let list = |offset, size| match answer(
            &tree,
            FUSE_ROOT_ID,
            &Operation::ReadDir { offset, size },
        ) {
            Some(NodeAnswer::Reply(bytes)) => names(&bytes),
            other => panic!("{other:?}"),
        };
        let all = list(0, 4096);
        let expected = [(".", 1), ("..", 2), ("crypto", 3), ("hash", 4)];
        assert_eq!(all, expected.map(|(n, o)| (n.to_owned(), o)).to_vec());
        // Two entries of 32 bytes fit in 70; the next call goes on from the last offset.
        assert_eq!(list(0, 70).len(), 2);
        assert_eq!(list(2, 70), all[2..].to_vec());
        assert!(list(4, 4096).is_empty());
    }

    /// Node ids, names, offsets and sizes the kernel would never send: answers, never a panic.
    #[test]
    #[allow(clippy::cast_possible_truncation)] // random bits, cut to size on purpose
    fn odd_requests_get_answers() {
        let tree = tree();
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let ids = [0, 1, 2, 3, 4, 5, 6, 7, u64::MAX, u64::MAX - 1, 1 << 32];
        for _ in 0..5000 {
            let id = ids[(next() % ids.len() as u64) as usize];
            let name_len = (next() % 8) as usize;
            let name: Vec<u8> = (0..name_len)
                .map(|_| b"crypto/h.\0"[(next() % 10) as usize])
                .collect();
            let mut change: FuseSetattrIn = bytemuck::Zeroable::zeroed();
            change.valid = next() as u32;
            change.mode = next() as u32;
            let operations = [
                Operation::Lookup { name: &name },
                Operation::GetAttr,
                Operation::SetAttr(change),
                Operation::OpenDir,
                Operation::ReadDir {
                    offset: [0, 1, 3, 4, u64::MAX][(next() % 5) as usize],
                    size: [0, 1, 24, 31, 32, 4096, u32::MAX][(next() % 7) as usize],
                },
                Operation::Statfs,
            ];
            for operation in &operations {
                assert!(answer(&tree, id, operation).is_some());
            }
        }
    }
}
