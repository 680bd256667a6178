//! Preparing (and caching) the guest kernel and initramfs.
//!
//! Cache layout (`<cache>` = [`cache_dir`](crate::cache_dir)):
//!
//! ```text
//! <cache>/.lock                                   flock(2) guard for all of the below
//! <cache>/kernels/<package>/<package>_<ver>.deb   the downloaded kernel package (kept: offline rebuilds)
//! <cache>/kernels/<package>/vmlinux               uncompressed kernel, booted via its PVH entry
//! <cache>/kernels/<package>/release, complete     kernel release string; "fully prepared" stamp
//! <cache>/kernels/<package>/last-used             touched on every prepare (pruning)
//! <cache>/initramfs-<release>-<key>.cpio          base initramfs, key = hash of its inputs
//! ```
//!
//! The unpacked package tree (≈400 MB) lives under `kernels/<package>/tree` only while an
//! initramfs is being built. Entries unused for a day are pruned.

use std::fs::{self, File, OpenOptions};
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use nix::fcntl::{Flock, FlockArg};

use crate::cpio::CpioWriter;
use crate::elf;
use crate::error::{HarnessError, Result};
use crate::init::{INIT_SCRIPT, MODULE_LIST_PATH};
use crate::kernel::KernelChoice;
use crate::tools::{self, describe, require, run_checked, run_output};

/// Bumped whenever the initramfs layout changes in a way the other key inputs do not capture.
const FORMAT_VERSION: &str = "guest-harness initramfs v1";

/// FUSE, which CUSE is built on; always loaded.
pub(crate) const FUSE_MODULES: &[&str] = &["fuse"];

/// CUSE; left out (and deleted from the guest's module tree) with
/// [`GuestRun::without_cuse`](crate::GuestRun::without_cuse).
pub(crate) const CUSE_MODULES: &[&str] = &["cuse"];

/// The crypto implementations the compat suite compares against; always loaded where the
/// kernel has them (Linux 6.7 dropped `cfb` and `ofb`).
pub(crate) const CRYPTO_MODULES: &[&str] = &[
    "aesni_intel",
    "gcm",
    "ccm",
    "ctr",
    "ecb",
    "xts",
    "cfb",
    "ofb",
    "cmac",
    "ghash_clmulni_intel",
    "sha1_ssse3",
    "sha256_ssse3",
    "sha512_ssse3",
    "des_generic",
    "des3_ede_x86_64",
    "camellia_generic",
    "camellia_x86_64",
    "blowfish_generic",
    "cast5_generic",
    "rmd160",
    "drbg",
];

/// AF_ALG and the algorithm-table netlink interface; left out (and deleted from the guest's
/// module tree) with [`GuestRun::without_af_alg`](crate::GuestRun::without_af_alg).
pub(crate) const AF_ALG_MODULES: &[&str] = &[
    "af_alg",
    "algif_hash",
    "algif_skcipher",
    "algif_aead",
    "algif_rng",
    "crypto_user",
];

/// virtio PCI transport and 9p, loaded when a virtio PCI device exists (always: the host root
/// is shared over 9p).
pub(crate) const VIRTIO_MODULES: &[&str] = &["virtio_pci", "9pnet_virtio", "9p"];

/// Loaded only with [`GuestRun::with_virtio_crypto`](crate::GuestRun::with_virtio_crypto).
pub(crate) const VIRTIO_CRYPTO_MODULES: &[&str] = &["virtio_crypto"];

/// A group of modules, as named in the guest's module list.
struct ModuleGroup {
    name: &'static str,
    modules: &'static [&'static str],
    /// Whether a kernel may lack some of them.
    optional: bool,
}

/// Module groups in load order.
const MODULE_GROUPS: &[ModuleGroup] = &[
    ModuleGroup {
        name: "fuse",
        modules: FUSE_MODULES,
        optional: false,
    },
    ModuleGroup {
        name: "cuse",
        modules: CUSE_MODULES,
        optional: false,
    },
    ModuleGroup {
        name: "crypto",
        modules: CRYPTO_MODULES,
        optional: true,
    },
    ModuleGroup {
        name: "afalg",
        modules: AF_ALG_MODULES,
        optional: false,
    },
    ModuleGroup {
        name: "virtio",
        modules: VIRTIO_MODULES,
        optional: false,
    },
    ModuleGroup {
        name: "vcrypto",
        modules: VIRTIO_CRYPTO_MODULES,
        optional: false,
    },
];

/// Unused cache entries older than this are removed.
const PRUNE_AGE: Duration = Duration::from_secs(24 * 3600);

/// A bootable guest: an uncompressed kernel (`vmlinux`, PVH entry) and an uncompressed
/// initramfs with busybox, the kernel modules and the harness's `/init`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestImage {
    kernel: PathBuf,
    initramfs: PathBuf,
    release: String,
    package: String,
}

impl GuestImage {
    /// Prepares the image of the kernel chosen by the environment
    /// ([`KernelChoice::from_environment`]) in the default [`cache_dir`](crate::cache_dir),
    /// reusing whatever is cached; see [`GuestImage::prepare_in`].
    pub fn prepare() -> Result<GuestImage> {
        GuestImage::prepare_kernel(&KernelChoice::from_environment()?)
    }

    /// Prepares the image of `choice` in the default [`cache_dir`](crate::cache_dir).
    pub fn prepare_kernel(choice: &KernelChoice) -> Result<GuestImage> {
        GuestImage::prepare_in(&tools::cache_dir()?, choice)
    }

    /// Prepares the image of `choice` in `cache`.
    ///
    /// A series' kernel is the package its Debian metapackage depends on; it is fetched with
    /// `apt-get download` (never installed) and unpacked with `dpkg -x`. When apt cannot
    /// resolve or download it (e.g. offline) the newest cached kernel of the choice is used.
    /// The initramfs is rebuilt only when its inputs change (kernel release, module lists,
    /// `/init`, busybox binary). Safe to call from several threads and processes at once
    /// (flock on `<cache>/.lock`).
    pub fn prepare_in(cache: &Path, choice: &KernelChoice) -> Result<GuestImage> {
        fs::create_dir_all(cache)
            .map_err(|e| HarnessError::io(format!("creating {}", cache.display()), e))?;
        let _lock = lock_cache(cache)?;

        let busybox_path = find_static_busybox()?;
        let busybox = fs::read(&busybox_path)
            .map_err(|e| HarnessError::io(format!("reading {}", busybox_path.display()), e))?;
        let kernel = acquire_kernel(cache, choice)?;

        let key = initramfs_key(&kernel.release, &busybox);
        let initramfs = cache.join(format!("initramfs-{}-{key:016x}.cpio", kernel.release));
        if !initramfs.is_file() {
            build_initramfs(&kernel, &busybox_path, &busybox, &initramfs)?;
        }
        remove_dir_if_exists(&kernel.dir.join("tree"))?;

        touch(&initramfs)?;
        fs::write(kernel.dir.join("last-used"), b"")
            .map_err(|e| HarnessError::io("stamping the kernel as used", e))?;
        prune(cache, &kernel.dir, &initramfs);

        Ok(GuestImage {
            kernel: kernel.dir.join("vmlinux"),
            initramfs,
            package: kernel.package(),
            release: kernel.release,
        })
    }

    /// An image made of existing files (no preparation, no checks); for custom kernels and
    /// for tests of the run machinery.
    pub fn from_files(
        kernel: impl Into<PathBuf>,
        initramfs: impl Into<PathBuf>,
        release: impl Into<String>,
    ) -> GuestImage {
        let release = release.into();
        GuestImage {
            kernel: kernel.into(),
            initramfs: initramfs.into(),
            package: format!("linux-image-{release}"),
            release,
        }
    }

    /// The uncompressed kernel (`vmlinux`) passed to qemu's `-kernel`.
    pub fn kernel(&self) -> &Path {
        &self.kernel
    }

    /// The uncompressed newc initramfs passed to qemu's `-initrd`.
    pub fn initramfs(&self) -> &Path {
        &self.initramfs
    }

    /// The kernel release, e.g. `6.1.0-56-amd64`.
    pub fn release(&self) -> &str {
        &self.release
    }

    /// The Debian package the kernel came from, e.g. `linux-image-6.1.0-56-amd64`.
    pub fn package(&self) -> &str {
        &self.package
    }
}

/// Takes the cache's exclusive lock (released on drop).
fn lock_cache(cache: &Path) -> Result<Flock<File>> {
    let path = cache.join(".lock");
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| HarnessError::io(format!("opening {}", path.display()), e))?;
    Flock::lock(file, FlockArg::LockExclusive)
        .map_err(|(_, errno)| HarnessError::io(format!("locking {}", path.display()), errno.into()))
}

/// Finds busybox and insists on a static one (the initramfs has no dynamic loader).
fn find_static_busybox() -> Result<PathBuf> {
    let path = require("busybox", "busybox-static")?;
    let mut head = vec![0u8; 64 * 1024];
    let n = File::open(&path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|e| HarnessError::io(format!("reading {}", path.display()), e))?;
    head.truncate(n);
    if elf::has_interp(&head) == Some(true) {
        return Err(HarnessError::tool_missing(
            &format!(
                "a static busybox ({} is dynamically linked)",
                path.display()
            ),
            "busybox-static",
        ));
    }
    Ok(path)
}

/// A fully prepared kernel directory in the cache.
#[derive(Debug)]
struct Kernel {
    dir: PathBuf,
    release: String,
}

impl Kernel {
    /// Reads a kernel directory if it is complete.
    fn load(dir: &Path) -> Option<Kernel> {
        if !dir.join("complete").is_file() || !dir.join("vmlinux").is_file() {
            return None;
        }
        let release = fs::read_to_string(dir.join("release")).ok()?;
        Some(Kernel {
            dir: dir.to_owned(),
            release: release.trim().to_owned(),
        })
    }

    /// The package name: the cache directory is named after it.
    fn package(&self) -> String {
        self.dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned()
    }

    /// The cached kernel package file.
    fn deb(&self) -> Result<PathBuf> {
        find_deb(&self.dir)?.ok_or_else(|| {
            HarnessError::Image(format!(
                "the kernel package is missing from {}; delete that directory to re-download it",
                self.dir.display()
            ))
        })
    }
}

fn find_deb(dir: &Path) -> Result<Option<PathBuf>> {
    let entries =
        fs::read_dir(dir).map_err(|e| HarnessError::io(format!("listing {}", dir.display()), e))?;
    for entry in entries {
        let path = entry
            .map_err(|e| HarnessError::io(format!("listing {}", dir.display()), e))?
            .path();
        if path.extension().is_some_and(|x| x == "deb") {
            return Ok(Some(path));
        }
    }
    Ok(None)
}

/// Resolves, downloads and unpacks the chosen kernel, or falls back to a cached one.
fn acquire_kernel(cache: &Path, choice: &KernelChoice) -> Result<Kernel> {
    let kernels = cache.join("kernels");
    let pkg = match choice.metapackage() {
        Some(meta) => match resolve_kernel_package_memoized(cache, meta, choice) {
            Ok(pkg) => pkg,
            Err(e) => return fallback_kernel(&kernels, choice, e),
        },
        None => choice.to_string(),
    };
    let dir = kernels.join(&pkg);
    if let Some(kernel) = Kernel::load(&dir) {
        return Ok(kernel);
    }
    match download_kernel(&pkg, &dir) {
        Ok(kernel) => Ok(kernel),
        Err(e @ HarnessError::KernelUnavailable(_)) => fallback_kernel(&kernels, choice, e),
        Err(e) => Err(e),
    }
}

/// The apt package lists: `apt-cache` answers change only when these do.
const APT_LISTS: &str = "/var/lib/apt/lists";

/// A signature of the apt package lists (names, sizes, mtimes), or `None` if unreadable.
fn apt_lists_signature() -> Option<u64> {
    let mut entries: Vec<String> = fs::read_dir(APT_LISTS)
        .ok()?
        .flatten()
        .filter_map(|e| {
            let meta = e.metadata().ok()?;
            let mtime = meta
                .modified()
                .ok()?
                .duration_since(SystemTime::UNIX_EPOCH)
                .ok()?;
            meta.is_file()
                .then(|| format!("{:?} {} {}", e.file_name(), meta.len(), mtime.as_nanos()))
        })
        .collect();
    entries.sort();
    Some(tools::fnv1a64(&[entries.join("\n").as_bytes()]))
}

/// [`resolve_kernel_package`], remembered in `<cache>/kernel-package-<metapackage>` until the
/// apt lists change (`apt-cache` needs ≈1 s when apt keeps no binary cache).
fn resolve_kernel_package_memoized(
    cache: &Path,
    metapackage: &str,
    choice: &KernelChoice,
) -> Result<String> {
    let memo = cache.join(format!("kernel-package-{metapackage}"));
    let signature = apt_lists_signature();
    if let (Some(sig), Ok(text)) = (signature, fs::read_to_string(&memo)) {
        if let Some((memo_sig, pkg)) = text.trim().split_once(' ') {
            if memo_sig == format!("{sig:016x}") && choice.accepts(pkg) {
                return Ok(pkg.to_owned());
            }
        }
    }
    let pkg = resolve_kernel_package(metapackage)?;
    if !choice.accepts(&pkg) {
        return Err(HarnessError::KernelUnavailable(format!(
            "{metapackage} depends on {pkg}, which is not a {choice} kernel"
        )));
    }
    if let Some(sig) = signature {
        // Only an optimisation: failing to write the memo is harmless.
        let _ = write_atomically(&memo, format!("{sig:016x} {pkg}\n").as_bytes());
    }
    Ok(pkg)
}

/// `apt-cache depends <metapackage>` → `linux-image-<release>`.
fn resolve_kernel_package(metapackage: &str) -> Result<String> {
    let apt_cache = require("apt-cache", "apt")?;
    let mut cmd = Command::new(apt_cache);
    cmd.args(["depends", metapackage]);
    let out = run_output(&mut cmd)?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let found = stdout.lines().find_map(|line| {
        let dep = line.trim().strip_prefix("Depends:")?.trim();
        dep.starts_with("linux-image-").then(|| dep.to_owned())
    });
    match found {
        Some(pkg) if out.status.success() => Ok(pkg),
        _ => {
            let said = format!(
                "{}{}",
                stdout.trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
            Err(HarnessError::KernelUnavailable(format!(
                "cannot resolve {metapackage} to a kernel package: run apt-get update; apt-cache said: {}",
                if said.is_empty() { "nothing" } else { &said }
            )))
        }
    }
}

/// Uses the most recently prepared cached kernel of `choice`, or returns `why`.
fn fallback_kernel(kernels: &Path, choice: &KernelChoice, why: HarnessError) -> Result<Kernel> {
    let mut best: Option<(SystemTime, Kernel)> = None;
    if let Ok(entries) = fs::read_dir(kernels) {
        for entry in entries.flatten() {
            let Some(kernel) = Kernel::load(&entry.path()) else {
                continue;
            };
            if !choice.accepts(&kernel.package()) {
                continue;
            }
            let stamp = fs::metadata(kernel.dir.join("complete"))
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            if best.as_ref().is_none_or(|(t, _)| stamp > *t) {
                best = Some((stamp, kernel));
            }
        }
    }
    match best {
        Some((_, kernel)) => {
            eprintln!(
                "guest-harness: {why}\nguest-harness: using the cached kernel {}",
                kernel.dir.display()
            );
            Ok(kernel)
        }
        None => Err(match why {
            HarnessError::KernelUnavailable(msg) => HarnessError::KernelUnavailable(format!(
                "{msg} (and no {choice} kernel is cached in {})",
                kernels.display()
            )),
            other => other,
        }),
    }
}

/// Downloads `pkg` into `dir`, unpacks it, extracts `vmlinux`, and marks `dir` complete. The
/// unpacked tree is left in `dir/tree` for the initramfs build.
fn download_kernel(pkg: &str, dir: &Path) -> Result<Kernel> {
    let apt_get = require("apt-get", "apt")?;
    require("dpkg", "dpkg")?;
    remove_dir_if_exists(dir)?;
    let download = dir.join("download");
    fs::create_dir_all(&download)
        .map_err(|e| HarnessError::io(format!("creating {}", download.display()), e))?;

    eprintln!(
        "guest-harness: downloading {pkg} (once; cached in {})",
        dir.display()
    );
    let mut cmd = Command::new(apt_get);
    cmd.args(["download", pkg]).current_dir(&download);
    let out = run_output(&mut cmd)?;
    if !out.status.success() {
        return Err(HarnessError::KernelUnavailable(format!(
            "cannot download {pkg}: run apt-get update; apt-get said: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let deb = find_deb(&download)?.ok_or_else(|| {
        HarnessError::KernelUnavailable(format!("apt-get download {pkg} produced no .deb"))
    })?;
    let kept = dir.join(deb.file_name().unwrap_or_default());
    fs::rename(&deb, &kept).map_err(|e| HarnessError::io("moving the kernel package", e))?;
    remove_dir_if_exists(&download)?;

    let tree = unpack_tree(&kept, dir, None)?;
    let release = single_release(&tree)?;
    let vmlinuz = tree.join("boot").join(format!("vmlinuz-{release}"));
    let bzimage = fs::read(&vmlinuz)
        .map_err(|e| HarnessError::io(format!("reading {}", vmlinuz.display()), e))?;
    let vmlinux = extract_vmlinux(&bzimage)?;
    if !elf::has_pvh_note(&vmlinux) {
        return Err(HarnessError::Image(format!(
            "{} has no PVH entry note: qemu cannot boot its vmlinux directly",
            vmlinuz.display()
        )));
    }
    write_atomically(&dir.join("vmlinux"), &vmlinux)?;
    write_atomically(&dir.join("release"), release.as_bytes())?;
    write_atomically(&dir.join("complete"), b"")?;
    Ok(Kernel {
        dir: dir.to_owned(),
        release,
    })
}

/// Marks a completely unpacked kernel tree (an interrupted unpack is redone).
const TREE_READY: &str = ".unpacked";

/// `dpkg -x DEB <dir>/tree` and `depmod -b` (the package ships no modules.dep).
fn unpack_tree(deb: &Path, dir: &Path, release: Option<&str>) -> Result<PathBuf> {
    let dpkg = require("dpkg", "dpkg")?;
    let depmod = require("depmod", "kmod")?;
    let tree = dir.join("tree");
    remove_dir_if_exists(&tree)?;
    run_checked(Command::new(dpkg).arg("-x").arg(deb).arg(&tree))?;
    let release = match release {
        Some(r) => r.to_owned(),
        None => single_release(&tree)?,
    };
    run_checked(Command::new(depmod).arg("-b").arg(&tree).arg(&release))?;
    fs::write(tree.join(TREE_READY), b"")
        .map_err(|e| HarnessError::io("marking the unpacked kernel tree", e))?;
    Ok(tree)
}

/// The one directory name under `tree/lib/modules`.
fn single_release(tree: &Path) -> Result<String> {
    let modules = tree.join("lib").join("modules");
    let mut names: Vec<String> = fs::read_dir(&modules)
        .map_err(|e| HarnessError::io(format!("listing {}", modules.display()), e))?
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    match names.len() {
        1 => Ok(names.remove(0)),
        _ => Err(HarnessError::Image(format!(
            "expected exactly one kernel release under {}, found {names:?}",
            modules.display()
        ))),
    }
}

/// Compression formats a bzImage payload may use: magic, decompressor, arguments, package.
const PAYLOAD_FORMATS: &[(&[u8], &str, &[&str], &str)] = &[
    (
        b"\xfd7zXZ\x00",
        "xz",
        &["-dc", "--single-stream"],
        "xz-utils",
    ),
    (b"\x28\xb5\x2f\xfd", "zstd", &["-dc"], "zstd"),
    (b"\x02\x21\x4c\x18", "lz4", &["-dc"], "lz4"),
    (b"\x1f\x8b\x08", "gzip", &["-dc"], "gzip"),
];

/// Finds the compressed kernel inside a bzImage: tries every magic match with the matching
/// decompressor until the output is an ELF file (false matches occur).
pub(crate) fn extract_vmlinux(bzimage: &[u8]) -> Result<Vec<u8>> {
    let mut missing = None;
    for &(magic, tool, args, package) in PAYLOAD_FORMATS {
        let offsets: Vec<usize> = bzimage
            .windows(magic.len())
            .enumerate()
            .filter(|(_, w)| *w == magic)
            .map(|(i, _)| i)
            .collect();
        if offsets.is_empty() {
            continue;
        }
        let Some(tool_path) = tools::find_program(tool) else {
            missing.get_or_insert((tool, package));
            continue;
        };
        for off in offsets {
            let out = decompress(&tool_path, args, &bzimage[off..])?;
            if elf::is_elf(&out) {
                return Ok(out);
            }
        }
    }
    Err(match missing {
        Some((tool, package)) => HarnessError::tool_missing(tool, package),
        None => HarnessError::Image("no compressed ELF kernel found inside the bzImage".to_owned()),
    })
}

/// Pipes `input` through `tool args` and returns its stdout (whatever its exit status).
fn decompress(tool: &Path, args: &[&str], input: &[u8]) -> Result<Vec<u8>> {
    let mut cmd = Command::new(tool);
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut child = cmd
        .spawn()
        .map_err(|e| HarnessError::io(format!("cannot run `{}`", describe(&cmd)), e))?;
    let mut stdin = child.stdin.take();
    let mut stdout = child.stdout.take();
    let mut out = Vec::new();
    let read = std::thread::scope(|s| {
        s.spawn(move || {
            if let Some(stdin) = stdin.as_mut() {
                // A decompressor stops reading at the end of its stream: EPIPE is expected.
                let _ = stdin.write_all(input);
            }
        });
        match stdout.as_mut() {
            Some(stdout) => stdout.read_to_end(&mut out).map(|_| ()),
            None => Ok(()),
        }
    });
    let _ = child.wait();
    read.map_err(|e| HarnessError::io(format!("reading the output of `{}`", describe(&cmd)), e))?;
    Ok(out)
}

/// The initramfs cache key: format version, kernel release, module lists, `/init`, busybox.
fn initramfs_key(release: &str, busybox: &[u8]) -> u64 {
    let modules: String = MODULE_GROUPS
        .iter()
        .map(|group| {
            format!(
                "{}{}:{}\n",
                group.name,
                if group.optional { "?" } else { "" },
                group.modules.join(",")
            )
        })
        .collect();
    tools::fnv1a64(&[
        FORMAT_VERSION.as_bytes(),
        release.as_bytes(),
        modules.as_bytes(),
        INIT_SCRIPT.as_bytes(),
        busybox,
    ])
}

/// Resolves the module groups to `.ko` paths (relative to `lib/modules/<release>`) in load
/// order, each module once, with `modprobe --show-depends` (which fails on unknown names).
/// A module of an optional group that the kernel lacks is left out with a note.
fn resolve_modules(tree: &Path, release: &str) -> Result<Vec<(&'static str, String)>> {
    let modprobe = require("modprobe", "kmod")?;
    let prefix = format!("/lib/modules/{release}/");
    let mut seen = std::collections::HashSet::new();
    let mut list = Vec::new();
    for group in MODULE_GROUPS {
        for name in group.modules {
            let mut cmd = Command::new(&modprobe);
            cmd.arg("-d")
                .arg(tree)
                .args(["-S", release, "--show-depends", name]);
            let out = run_output(&mut cmd)?;
            if !out.status.success() && group.optional {
                eprintln!("guest-harness: {release} has no module {name}; left out");
                continue;
            }
            if !out.status.success() {
                return Err(HarnessError::Image(format!(
                    "kernel module {name} not found in {release}: `{}` said: {}",
                    describe(&cmd),
                    String::from_utf8_lossy(&out.stderr).trim()
                )));
            }
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                let mut words = line.split_whitespace();
                match words.next() {
                    Some("insmod") => {}
                    Some("builtin") | None => continue,
                    Some(_) => {
                        return Err(HarnessError::Image(format!(
                            "unexpected `modprobe --show-depends {name}` output: {line}"
                        )))
                    }
                }
                let path = words.next().unwrap_or_default();
                let rel = path
                    .find(&prefix)
                    .map(|i| path[i + prefix.len()..].to_owned())
                    .ok_or_else(|| {
                        HarnessError::Image(format!("module path {path} is outside {prefix}"))
                    })?;
                if seen.insert(rel.clone()) {
                    list.push((group.name, rel));
                }
            }
        }
    }
    Ok(list)
}

/// Drops an appended module signature (`~Module signature appended~\n`, preceded by a
/// 12-byte `struct module_signature` whose last 4 bytes are the big-endian signature length).
/// Saves the RSA verification under TCG; the kernel (signatures not enforced) then taints
/// itself with `E`.
pub(crate) fn strip_module_signature(data: &mut Vec<u8>) {
    const MAGIC: &[u8] = b"~Module signature appended~\n";
    if !data.ends_with(MAGIC) || data.len() < MAGIC.len() + 12 {
        return;
    }
    let info_end = data.len() - MAGIC.len();
    let mut len_bytes = [0u8; 4];
    len_bytes.copy_from_slice(&data[info_end - 4..info_end]);
    let sig_len = u32::from_be_bytes(len_bytes) as usize;
    if let Some(new_len) = (info_end - 12).checked_sub(sig_len) {
        data.truncate(new_len);
    }
}

/// Builds the initramfs at `dest` (via a temporary file) from the unpacked kernel tree.
fn build_initramfs(
    kernel: &Kernel,
    busybox_path: &Path,
    busybox: &[u8],
    dest: &Path,
) -> Result<()> {
    let tree = kernel.dir.join("tree");
    let tree = if tree.join(TREE_READY).is_file() {
        tree
    } else {
        unpack_tree(&kernel.deb()?, &kernel.dir, Some(&kernel.release))?
    };
    let tree = tree
        .canonicalize()
        .map_err(|e| HarnessError::io(format!("resolving {}", tree.display()), e))?;
    let release = kernel.release.as_str();
    let modules = resolve_modules(&tree, release)?;

    // Staging tree for depmod: the chosen modules (signatures stripped) + modules.order/builtin.
    let staging = kernel.dir.join("staging");
    remove_dir_if_exists(&staging)?;
    let src_base = tree.join("lib/modules").join(release);
    let dst_base = staging.join("lib/modules").join(release);
    for (_, rel) in &modules {
        let mut data = fs::read(src_base.join(rel))
            .map_err(|e| HarnessError::io(format!("reading module {rel}"), e))?;
        strip_module_signature(&mut data);
        let dst = dst_base.join(rel);
        if let Some(parent) = dst.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| HarnessError::io(format!("creating {}", parent.display()), e))?;
        }
        fs::write(&dst, data)
            .map_err(|e| HarnessError::io(format!("writing {}", dst.display()), e))?;
    }
    for name in [
        "modules.order",
        "modules.builtin",
        "modules.builtin.modinfo",
    ] {
        let src = src_base.join(name);
        if src.is_file() {
            fs::copy(&src, dst_base.join(name))
                .map_err(|e| HarnessError::io(format!("copying {name}"), e))?;
        }
    }
    let depmod = require("depmod", "kmod")?;
    run_checked(Command::new(depmod).arg("-b").arg(&staging).arg(release))?;

    let applets = run_checked(Command::new(busybox_path).arg("--list-full"))?;
    let applets = String::from_utf8_lossy(&applets.stdout).into_owned();
    let module_list: String = modules
        .iter()
        .map(|(group, rel)| format!("{group} {rel}\n"))
        .collect();

    let tmp = dest.with_extension(format!("tmp.{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let file = File::create(&tmp)?;
        let mut w = CpioWriter::new(BufWriter::new(file));
        for dir in [
            "bin",
            "sbin",
            "usr/bin",
            "usr/sbin",
            "etc/vmtest",
            "proc",
            "sys",
            "dev",
            "tmp",
            "run",
            "root",
            "hostroot",
            "lib/modules",
        ] {
            w.dir(dir, 0o755)?;
        }
        w.char_device("dev/console", 0o600, 5, 1)?;
        w.file("bin/busybox", 0o755, busybox)?;
        let mut have_modprobe = false;
        for applet in applets.lines().map(str::trim) {
            if applet.is_empty() || applet == "bin/busybox" || applet.starts_with('/') {
                continue;
            }
            have_modprobe |= applet == "sbin/modprobe";
            w.symlink(applet, "/bin/busybox")?;
        }
        if !have_modprobe {
            w.symlink("sbin/modprobe", "/bin/busybox")?;
        }
        w.file("init", 0o755, INIT_SCRIPT.as_bytes())?;
        w.file(MODULE_LIST_PATH, 0o644, module_list.as_bytes())?;
        add_tree(&mut w, &staging, "lib")?;
        w.finish()?
            .into_inner()
            .map_err(|e| e.into_error())?
            .sync_all()
    };
    write().map_err(|e| HarnessError::io(format!("writing {}", tmp.display()), e))?;
    fs::rename(&tmp, dest)
        .map_err(|e| HarnessError::io(format!("renaming to {}", dest.display()), e))?;
    remove_dir_if_exists(&staging)
}

/// Adds `base/rel` recursively (sorted, so the archive is deterministic).
fn add_tree<W: Write>(w: &mut CpioWriter<W>, base: &Path, rel: &str) -> std::io::Result<()> {
    let path = base.join(rel);
    let meta = fs::symlink_metadata(&path)?;
    if meta.is_dir() {
        w.dir(rel, 0o755)?;
        let mut names: Vec<String> = fs::read_dir(&path)?
            .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect::<std::io::Result<_>>()?;
        names.sort();
        for name in names {
            add_tree(w, base, &format!("{rel}/{name}"))?;
        }
        Ok(())
    } else {
        w.file(rel, 0o644, &fs::read(&path)?)
    }
}

/// Removes cache entries other than the current ones that were not used for [`PRUNE_AGE`].
/// Failures are ignored (another process may be pruning too).
fn prune(cache: &Path, current_kernel: &Path, current_initramfs: &Path) {
    let old = |path: &Path| {
        fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_none_or(|age| age > PRUNE_AGE)
    };
    if let Ok(entries) = fs::read_dir(cache) {
        for path in entries.flatten().map(|e| e.path()) {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            if name.starts_with("initramfs-") && path != current_initramfs && old(&path) {
                let _ = fs::remove_file(&path);
            }
        }
    }
    if let Ok(entries) = fs::read_dir(cache.join("kernels")) {
        for path in entries.flatten().map(|e| e.path()) {
            if path != current_kernel && old(&path.join("last-used")) && old(&path) {
                let _ = fs::remove_dir_all(&path);
            }
        }
    }
}

fn touch(path: &Path) -> Result<()> {
    OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|f| f.set_modified(SystemTime::now()))
        .map_err(|e| HarnessError::io(format!("touching {}", path.display()), e))
}

fn remove_dir_if_exists(dir: &Path) -> Result<()> {
    match fs::remove_dir_all(dir) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(HarnessError::io(format!("removing {}", dir.display()), e))
        }
        _ => Ok(()),
    }
}

fn write_atomically(path: &Path, data: &[u8]) -> Result<()> {
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    fs::write(&tmp, data)
        .and_then(|()| fs::rename(&tmp, path))
        .map_err(|e| HarnessError::io(format!("writing {}", path.display()), e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_stripped() {
        let mut m = b"MODULEBODY".to_vec();
        m.extend_from_slice(b"SIGNATURE");
        m.extend_from_slice(&[0, 0, 2, 0, 0, 0, 0, 0]);
        m.extend_from_slice(&9u32.to_be_bytes());
        m.extend_from_slice(b"~Module signature appended~\n");
        strip_module_signature(&mut m);
        assert_eq!(m, b"MODULEBODY");

        let mut plain = b"no signature here".to_vec();
        strip_module_signature(&mut plain);
        assert_eq!(plain, b"no signature here");
    }

    #[test]
    fn vmlinux_is_found_after_false_magic() {
        let Some(xz) = tools::find_program("xz") else {
            return;
        };
        // A fake bzImage: a false XZ magic, then a real xz stream of an "ELF" payload.
        let mut child = Command::new(xz)
            .args(["-zc", "--format=xz"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"\x7fELF fake kernel")
            .unwrap();
        let compressed = child.wait_with_output().unwrap().stdout;
        let mut image = b"MZ header \xfd7zXZ\x00 garbage ".to_vec();
        image.extend_from_slice(&compressed);
        image.extend_from_slice(b"trailing");
        assert_eq!(extract_vmlinux(&image).unwrap(), b"\x7fELF fake kernel");
        assert!(extract_vmlinux(b"nothing compressed").is_err());
    }

    #[test]
    fn key_depends_on_inputs() {
        assert_ne!(initramfs_key("a", b"bb"), initramfs_key("b", b"bb"));
        assert_ne!(initramfs_key("a", b"bb"), initramfs_key("a", b"bc"));
    }
}
