//! Least privilege for the serving daemon (docs/ARCHITECTURE.md, "Sandbox").
//!
//! The daemon needs root only to open `/dev/cuse`, to raise its descriptor limit and to
//! look at the kernel's algorithms; once the device exists and AF_ALG discovery is done,
//! [`enter`] (called before any thread is started, since credentials and capability sets are
//! per thread) takes the rest away:
//! - it switches to an unprivileged user (its own group, no supplementary groups);
//! - it keeps one capability, CAP_SYS_PTRACE, and only when callers' memory is reached
//!   directly (process_vm_readv/writev on other users' processes); in RETRY mode none;
//! - it sets no_new_privs and makes itself non-dumpable, so its memory (keys in use) is not
//!   readable through /proc by the user it runs as, and no core file holds it;
//! - it installs a seccomp filter that allows the system calls serving needs and answers
//!   every other one with ENOSYS (glibc then falls back from clone3 to clone, which is
//!   allowed for threads only). Sockets are allowed for AF_ALG only.

use std::collections::BTreeMap;

use caps::{CapSet, Capability, CapsHashSet};
use nix::unistd::{Gid, Uid, User};
use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

/// The system user packaging creates for the daemon; `nobody` serves where it does not exist.
pub const SYSTEM_USER: &str = "cryptodev";

/// The user the daemon runs as when no other is named.
const FALLBACK_USER: &str = "nobody";

/// What [`enter`] does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SandboxOptions {
    /// Run as this user; `None`: [`SYSTEM_USER`] if it exists, else `nobody`.
    pub user: Option<String>,
    /// Keep CAP_SYS_PTRACE (direct caller memory).
    pub keep_ptrace: bool,
}

/// Why the sandbox could not be entered; the daemon does not serve without it.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("user {0:?} does not exist")]
    NoSuchUser(String),
    #[error("looking up user {0:?}: {1}")]
    Lookup(String, nix::Error),
    #[error("{0}: {1}")]
    Syscall(&'static str, nix::Error),
    #[error("capabilities: {0}")]
    Caps(#[from] caps::errors::CapsError),
    #[error("seccomp filter: {0}")]
    Seccomp(#[from] seccompiler::Error),
    #[error("seccomp filter: {0}")]
    Backend(#[from] seccompiler::BackendError),
}

/// What the daemon runs with once [`enter`] returned, for the start-up log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Confinement {
    pub user: String,
    pub uid: u32,
    pub gid: u32,
    pub capabilities: Vec<String>,
    pub syscalls_allowed: usize,
}

impl std::fmt::Display for Confinement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "running as {} (uid {}, gid {}), capabilities: {}, no_new_privs, not dumpable, \
             seccomp allowlist of {} system calls",
            self.user,
            self.uid,
            self.gid,
            if self.capabilities.is_empty() {
                "none".to_owned()
            } else {
                self.capabilities.join(", ")
            },
            self.syscalls_allowed
        )
    }
}

fn find_user(name: &str) -> Result<Option<User>, SandboxError> {
    User::from_name(name).map_err(|e| SandboxError::Lookup(name.to_owned(), e))
}

/// The user to switch to.
fn target_user(options: &SandboxOptions) -> Result<User, SandboxError> {
    if let Some(name) = &options.user {
        return find_user(name)?.ok_or_else(|| SandboxError::NoSuchUser(name.clone()));
    }
    if let Some(user) = find_user(SYSTEM_USER)? {
        return Ok(user);
    }
    find_user(FALLBACK_USER)?.ok_or_else(|| SandboxError::NoSuchUser(FALLBACK_USER.to_owned()))
}

fn syscall<T>(what: &'static str, result: nix::Result<T>) -> Result<T, SandboxError> {
    result.map_err(|e| SandboxError::Syscall(what, e))
}

/// Switches to the unprivileged user and the one capability kept. Without root (a user
/// already unprivileged) the user stays, and only the capabilities are reduced.
fn drop_privileges(options: &SandboxOptions) -> Result<(String, Uid, Gid), SandboxError> {
    let kept: CapsHashSet = if options.keep_ptrace {
        [Capability::CAP_SYS_PTRACE].into_iter().collect()
    } else {
        CapsHashSet::new()
    };
    let root = Uid::effective().is_root();
    let identity = if root {
        let user = target_user(options)?;
        for cap in caps::all() {
            if !kept.contains(&cap) {
                // Fails only for capabilities this kernel does not know.
                let _ = caps::drop(None, CapSet::Bounding, cap);
            }
        }
        syscall("PR_SET_KEEPCAPS", nix::sys::prctl::set_keepcaps(true))?;
        syscall("setgroups", nix::unistd::setgroups(&[user.gid]))?;
        syscall(
            "setresgid",
            nix::unistd::setresgid(user.gid, user.gid, user.gid),
        )?;
        syscall(
            "setresuid",
            nix::unistd::setresuid(user.uid, user.uid, user.uid),
        )?;
        syscall("PR_SET_KEEPCAPS", nix::sys::prctl::set_keepcaps(false))?;
        (user.name, user.uid, user.gid)
    } else {
        let uid = Uid::current();
        let name = User::from_uid(uid)
            .ok()
            .flatten()
            .map_or_else(|| uid.to_string(), |u| u.name);
        (name, uid, Gid::current())
    };
    let permitted = caps::read(None, CapSet::Permitted)?;
    let kept: CapsHashSet = kept.intersection(&permitted).copied().collect();
    caps::clear(None, CapSet::Ambient)?;
    caps::clear(None, CapSet::Inheritable)?;
    caps::set(None, CapSet::Effective, &kept)?;
    caps::set(None, CapSet::Permitted, &kept)?;
    Ok(identity)
}

/// Condition "argument `index` equals `value`".
fn arg_equals(index: u8, value: u64) -> Result<SeccompRule, SandboxError> {
    Ok(SeccompRule::new(vec![SeccompCondition::new(
        index,
        SeccompCmpArgLen::Dword,
        SeccompCmpOp::Eq,
        value,
    )?])?)
}

fn unsigned(value: libc::c_int) -> u64 {
    u64::from(value.unsigned_abs())
}

/// The system calls the daemon makes while serving, each with the argument conditions that
/// narrow it (none: any arguments).
pub fn allowlist() -> Result<BTreeMap<i64, Vec<SeccompRule>>, SandboxError> {
    let mut rules: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    let anything = [
        // The CUSE channel, AF_ALG sockets, log lines, the status file.
        libc::SYS_read,
        libc::SYS_readv,
        libc::SYS_write,
        libc::SYS_writev,
        libc::SYS_pread64,
        libc::SYS_pwrite64,
        libc::SYS_ftruncate,
        libc::SYS_close,
        libc::SYS_fcntl,
        // Callers' memory.
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        // AF_ALG transforms (the socket itself: AF_ALG only, below).
        libc::SYS_bind,
        libc::SYS_accept4,
        libc::SYS_setsockopt,
        libc::SYS_sendmsg,
        libc::SYS_recvmsg,
        // Syslog lines and service-manager notices, on sockets connected before the sandbox.
        libc::SYS_sendto,
        // Memory.
        libc::SYS_brk,
        libc::SYS_mmap,
        libc::SYS_munmap,
        libc::SYS_mremap,
        libc::SYS_mprotect,
        libc::SYS_madvise,
        // Threads, their synchronisation and their end.
        libc::SYS_futex,
        libc::SYS_set_robust_list,
        libc::SYS_rseq,
        libc::SYS_sched_yield,
        libc::SYS_sched_getaffinity,
        libc::SYS_sigaltstack,
        libc::SYS_rt_sigprocmask,
        libc::SYS_rt_sigreturn,
        libc::SYS_rt_sigtimedwait,
        libc::SYS_gettid,
        libc::SYS_getpid,
        libc::SYS_tgkill,
        libc::SYS_exit,
        libc::SYS_exit_group,
        // Time, sleeping, randomness (session ids, blinding in CIOCKEY).
        libc::SYS_clock_gettime,
        libc::SYS_clock_nanosleep,
        libc::SYS_nanosleep,
        libc::SYS_getrandom,
    ];
    for call in anything {
        rules.insert(call, Vec::new());
    }
    rules.insert(
        libc::SYS_socket,
        vec![arg_equals(0, unsigned(libc::AF_ALG))?],
    );
    // Threads only: a clone without CLONE_THREAD would be a new process.
    let thread = unsigned(libc::CLONE_THREAD);
    rules.insert(
        libc::SYS_clone,
        vec![SeccompRule::new(vec![SeccompCondition::new(
            0,
            SeccompCmpArgLen::Dword,
            SeccompCmpOp::MaskedEq(thread),
            thread,
        )?])?],
    );
    // Thread names, and glibc's naming of its stack guard pages.
    rules.insert(
        libc::SYS_prctl,
        vec![
            arg_equals(0, unsigned(libc::PR_SET_NAME))?,
            arg_equals(0, unsigned(libc::PR_SET_VMA))?,
        ],
    );
    Ok(rules)
}

fn target_arch() -> TargetArch {
    if cfg!(target_arch = "aarch64") {
        TargetArch::aarch64
    } else if cfg!(target_arch = "riscv64") {
        TargetArch::riscv64
    } else {
        TargetArch::x86_64
    }
}

/// The compiled filter: [`allowlist`] allowed, everything else ENOSYS.
pub fn filter() -> Result<(BpfProgram, usize), SandboxError> {
    let rules = allowlist()?;
    let count = rules.len();
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Errno(libc::ENOSYS.unsigned_abs()),
        SeccompAction::Allow,
        target_arch(),
    )?;
    Ok((filter.try_into()?, count))
}

/// Confines the process (see the module documentation). Call before starting any thread.
pub fn enter(options: &SandboxOptions) -> Result<Confinement, SandboxError> {
    let (program, syscalls_allowed) = filter()?;
    let (user, uid, gid) = drop_privileges(options)?;
    syscall("PR_SET_DUMPABLE", nix::sys::prctl::set_dumpable(false))?;
    syscall("PR_SET_NO_NEW_PRIVS", nix::sys::prctl::set_no_new_privs())?;
    let capabilities = caps::read(None, CapSet::Effective)?
        .iter()
        .map(ToString::to_string)
        .collect();
    seccompiler::apply_filter(&program)?;
    Ok(Confinement {
        user,
        uid: uid.as_raw(),
        gid: gid.as_raw(),
        capabilities,
        syscalls_allowed,
    })
}
