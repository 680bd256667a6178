//! The guest's `/init` (busybox sh, PID 1) and the marker protocol it shares with the host.

/// Printed by `/init` right before the test script starts: `VMTEST-BEGIN <nonce>`.
pub(crate) const BEGIN_MARKER: &str = "VMTEST-BEGIN";
/// Printed by `/init` after the script: `VMTEST-EXIT=<rc> <nonce>`.
pub(crate) const EXIT_MARKER: &str = "VMTEST-EXIT=";

/// Where `/init` finds the module load list: lines `<group> <path below /lib/modules/REL>`,
/// groups `fuse`, `cuse`, `crypto`, `afalg`, `virtio`, `vcrypto`, in load order.
pub(crate) const MODULE_LIST_PATH: &str = "etc/vmtest/modules";

/// The text of `/init`.
///
/// Kernel command-line options it reads: `vmtest.nonce=`, `vmtest.script=/abs/host/path`,
/// `vmtest.nocuse`, `vmtest.noafalg`, `vmtest.virtiocrypto`, `vmtest.keep=/abs/host/dir` (a directory under
/// `/tmp` or `/run` that stays visible over their fresh tmpfs mounts). It mounts the host's `/` (9p tag `hostroot`,
/// read-only) at `/hostroot`, prepares proc/sys/dev/tmp/run in it, runs the script there with
/// `chroot … /bin/sh SCRIPT`, prints the exit marker and reboots (qemu runs with `-no-reboot`,
/// so it exits). Anything that goes wrong before the script prints a `vmtest:` line and
/// reboots without a marker.
pub(crate) const INIT_SCRIPT: &str = r#"#!/bin/sh
# /init of the cryptodev-cuse guest harness (busybox sh, PID 1). Generated; do not edit.
export PATH=/sbin:/bin:/usr/sbin:/usr/bin

fail() {
    echo "vmtest: $*"
    sync
    reboot -f
    sleep 10
}

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /tmp /run /hostroot
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t tmpfs -o mode=1777 tmpfs /tmp

NONCE=none
SCRIPT=
NOCUSE=
NOAFALG=
VCRYPTO=
KEEP=
set -f
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        vmtest.nonce=*) NONCE=${arg#vmtest.nonce=} ;;
        vmtest.script=*) SCRIPT=${arg#vmtest.script=} ;;
        vmtest.nocuse) NOCUSE=1 ;;
        vmtest.noafalg) NOAFALG=1 ;;
        vmtest.virtiocrypto) VCRYPTO=1 ;;
        vmtest.keep=*) KEEP=${arg#vmtest.keep=} ;;
    esac
done
set +f

MODDIR=/lib/modules/$(uname -r)
load_group() {
    while read -r group path; do
        [ "$group" = "$1" ] || continue
        insmod "$MODDIR/$path" || echo "vmtest: insmod $path failed (continuing)"
    done < /etc/vmtest/modules
}

# Deletes a group's modules, so that request_module() cannot autoload them behind our back.
delete_group() {
    while read -r group path; do
        [ "$group" = "$1" ] && rm -f "$MODDIR/$path"
    done < /etc/vmtest/modules
}

load_group fuse
if [ -n "$NOCUSE" ]; then delete_group cuse; else load_group cuse; fi
load_group crypto
if [ -n "$NOAFALG" ]; then delete_group afalg; else load_group afalg; fi
if grep -qs 0x1af4 /sys/bus/pci/devices/*/vendor; then
    load_group virtio
fi
if [ -n "$VCRYPTO" ]; then
    load_group vcrypto
fi

mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=512000,cache=loose hostroot /hostroot \
    || fail "cannot mount the host root over 9p (tag hostroot)"
R=/hostroot
mount -t proc proc $R/proc || fail "cannot mount proc in the host root"
mount -t sysfs sysfs $R/sys || fail "cannot mount sysfs in the host root"
mount -o bind /dev $R/dev || fail "cannot bind /dev into the host root"
mount -o bind /dev/pts $R/dev/pts || fail "cannot bind /dev/pts into the host root"
mount -o bind /dev/shm $R/dev/shm || fail "cannot bind /dev/shm into the host root"
if [ -n "$KEEP" ]; then
    mkdir -p /keep
    mount -o bind "$R$KEEP" /keep || fail "cannot hold $KEEP before covering its parent"
fi
mount -t tmpfs -o mode=1777 tmpfs $R/tmp || fail "cannot mount /tmp in the host root"
mount -t tmpfs -o mode=0755 tmpfs $R/run || fail "cannot mount /run in the host root"
if [ -n "$KEEP" ]; then
    mkdir -p "$R$KEEP" && mount -o bind /keep "$R$KEEP" || fail "cannot carry $KEEP over"
fi

[ -n "$SCRIPT" ] || fail "no vmtest.script= on the kernel command line"
[ -f "$R$SCRIPT" ] || fail "script $SCRIPT not visible in the guest"

echo "VMTEST-BEGIN $NONCE"
cd /
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb \
    chroot $R /bin/sh "$SCRIPT" < /dev/null 2>&1
rc=$?
echo "VMTEST-EXIT=$rc $NONCE"
sync
reboot -f
sleep 10
"#;
