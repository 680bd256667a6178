# Shared by tools/quickstart and tools/test-all (sourced): installing what they need on a
# Debian machine.

# What each use needs, as Debian packages.
BUILD_PACKAGES="gcc libc6-dev make curl ca-certificates"
# The throwaway test guest: qemu with Debian's kernel package, a busybox initramfs.
GUEST_PACKAGES="qemu-system-x86 busybox-static kmod xz-utils"
# The tests beyond the guest: 32-bit builds, the differential test's OpenSSL, the OpenSSL
# engine (apt-get source, its build, Debian's openssl), the older OpenSSL releases' builds
# (perl, patch), the package (dpkg-deb, systemd-analyze, unshare).
TEST_PACKAGES="gcc-multilib libssl-dev dpkg-dev openssl perl patch systemd util-linux"

# Runs a command as root (sudo when not root already).
as_root() {
    if [ "$(id -u)" = 0 ]; then
        "$@"
    else
        sudo "$@"
    fi
}

# apt-get install PACKAGES..., after one `apt-get update` (a mirror caught mid-sync fails one
# index; the lists already present still serve).
install_packages() {
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq || echo "warning: apt-get update failed; using the package lists present" >&2
    # shellcheck disable=SC2068 # word lists
    as_root apt-get install -y -qq --no-install-recommends $@ >/dev/null
}

# A Rust toolchain: the one present, else rustup's stable (Debian's rustc is too old).
ensure_rust() {
    [ -f "$HOME/.cargo/env" ] && . "$HOME/.cargo/env"
    command -v cargo >/dev/null 2>&1 && return 0
    echo "no Rust toolchain: installing rustup's stable toolchain for $(id -un) (~/.cargo)" >&2
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs |
        sh -s -- -y --profile minimal --component rustfmt,clippy >&2
    . "$HOME/.cargo/env"
}
