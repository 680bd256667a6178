//! Builds `tests/c/abi_dump.c` against `include/crypto/cryptodev.h` with `gcc -m64` and
//! `gcc -m32`, and checks every request code, struct size, field offset and constant it prints
//! against this crate's values for the matching layout.

use std::collections::BTreeMap;
use std::mem::{offset_of, size_of};
use std::path::{Path, PathBuf};
use std::process::Command;

use cryptodev_abi::alg::{CRYPTO_ALGORITHM_ALL, CRYPTO_ALGORITHM_MAX};
use cryptodev_abi::consts::*;
use cryptodev_abi::wire::{self, ilp32, lp64};
use cryptodev_abi::{Algorithm, Ioctl, Layout};

type Facts = BTreeMap<String, String>;

fn add(facts: &mut Facts, kind: &str, name: &str, value: impl ToString) {
    let previous = facts.insert(format!("{kind} {name}"), value.to_string());
    assert!(previous.is_none(), "duplicate fact {kind} {name}");
}

macro_rules! layout_facts {
    ($facts:ident, $name:literal, $ty:ty, [$($field:ident),*]) => {
        add(&mut $facts, "size", $name, size_of::<$ty>());
        $(add(&mut $facts, "offset", concat!($name, ".", stringify!($field)), offset_of!($ty, $field));)*
    };
}

macro_rules! pointer_struct_facts {
    ($facts:ident, $layout:ident) => {
        layout_facts!(
            $facts,
            "session_op",
            $layout::SessionOp,
            [cipher, mac, keylen, key, mackeylen, mackey, ses]
        );
        layout_facts!(
            $facts,
            "crypt_op",
            $layout::CryptOp,
            [ses, op, flags, len, src, dst, mac, iv]
        );
        layout_facts!(
            $facts,
            "crypt_auth_op",
            $layout::CryptAuthOp,
            [ses, op, flags, len, auth_len, auth_src, src, dst, tag, tag_len, iv, iv_len]
        );
        layout_facts!($facts, "crparam", $layout::CrParam, [crp_p, crp_nbits]);
        layout_facts!(
            $facts,
            "crypt_kop",
            $layout::CryptKop,
            [
                crk_op,
                crk_status,
                crk_iparams,
                crk_oparams,
                crk_pad1,
                crk_param
            ]
        );
    };
}

fn rust_facts(layout: Layout) -> Facts {
    let mut facts = Facts::new();
    for ioctl in Ioctl::ALL {
        add(
            &mut facts,
            "ioctl",
            ioctl.name(),
            format!("{:#010x}", ioctl.code(layout)),
        );
    }
    match layout {
        Layout::Lp64 => {
            pointer_struct_facts!(facts, lp64);
        }
        Layout::Ilp32 => {
            pointer_struct_facts!(facts, ilp32);
        }
    }
    layout_facts!(
        facts,
        "alg_info",
        wire::AlgInfo,
        [cra_name, cra_driver_name]
    );
    layout_facts!(
        facts,
        "session_info_op",
        wire::SessionInfoOp,
        [ses, cipher_info, hash_info, alignmask, flags]
    );
    layout_facts!(facts, "cphash_op", wire::CphashOp, [dst_ses, src_ses]);

    for alg in Algorithm::ALL {
        add(&mut facts, "const", alg.constant_name(), alg.id());
    }
    add(
        &mut facts,
        "const",
        "CRYPTO_RIJNDAEL128_CBC",
        Algorithm::AesCbc.id(),
    );
    let constants: &[(&str, u32)] = &[
        ("CRYPTO_ALGORITHM_ALL", CRYPTO_ALGORITHM_ALL),
        ("CRYPTO_ALGORITHM_MAX", CRYPTO_ALGORITHM_MAX),
        ("CRK_MOD_EXP", CRK_MOD_EXP),
        ("CRK_MOD_EXP_CRT", CRK_MOD_EXP_CRT),
        ("CRK_DSA_SIGN", CRK_DSA_SIGN),
        ("CRK_DSA_VERIFY", CRK_DSA_VERIFY),
        ("CRK_DH_COMPUTE_KEY", CRK_DH_COMPUTE_KEY),
        ("CRK_ALGORITHM_ALL", CRK_ALGORITHM_ALL),
        ("CRK_ALGORITHM_MAX", CRK_ALGORITHM_MAX),
        ("CRK_MAXPARAM", CRK_MAXPARAM),
        ("CRF_MOD_EXP", CRF_MOD_EXP),
        ("CRF_MOD_EXP_CRT", CRF_MOD_EXP_CRT),
        ("CRF_DSA_SIGN", CRF_DSA_SIGN),
        ("CRF_DSA_VERIFY", CRF_DSA_VERIFY),
        ("CRF_DH_COMPUTE_KEY", CRF_DH_COMPUTE_KEY),
        ("COP_ENCRYPT", u32::from(COP_ENCRYPT)),
        ("COP_DECRYPT", u32::from(COP_DECRYPT)),
        ("COP_FLAG_NONE", u32::from(CopFlags::NONE)),
        ("COP_FLAG_UPDATE", u32::from(CopFlags::UPDATE)),
        ("COP_FLAG_FINAL", u32::from(CopFlags::FINAL)),
        ("COP_FLAG_WRITE_IV", u32::from(CopFlags::WRITE_IV)),
        ("COP_FLAG_NO_ZC", u32::from(CopFlags::NO_ZC)),
        ("COP_FLAG_AEAD_TLS_TYPE", u32::from(CopFlags::AEAD_TLS_TYPE)),
        (
            "COP_FLAG_AEAD_SRTP_TYPE",
            u32::from(CopFlags::AEAD_SRTP_TYPE),
        ),
        ("COP_FLAG_RESET", u32::from(CopFlags::RESET)),
        ("SIOP_FLAG_KERNEL_DRIVER_ONLY", SIOP_FLAG_KERNEL_DRIVER_ONLY),
        ("CRYPTO_ALG_FLAG_SUPPORTED", CRYPTO_ALG_FLAG_SUPPORTED),
        ("CRYPTO_ALG_FLAG_RNG_ENABLE", CRYPTO_ALG_FLAG_RNG_ENABLE),
        ("CRYPTO_ALG_FLAG_DSA_SHA", CRYPTO_ALG_FLAG_DSA_SHA),
        ("CRYPTO_CIPHER_MAX_KEY_LEN", CRYPTO_CIPHER_MAX_KEY_LEN),
        ("CRYPTO_HMAC_MAX_KEY_LEN", CRYPTO_HMAC_MAX_KEY_LEN),
        ("HASH_MAX_LEN", HASH_MAX_LEN),
        ("AALG_MAX_RESULT_LEN", AALG_MAX_RESULT_LEN),
        ("CRYPTODEV_MAX_ALG_NAME", CRYPTODEV_MAX_ALG_NAME),
        ("EALG_MAX_BLOCK_LEN", EALG_MAX_BLOCK_LEN),
        ("CRIOGET_NOT_NEEDED", CRIOGET_NOT_NEEDED),
        ("DES_BLOCK_LEN", Algorithm::DesCbc.block_size()),
        ("DES3_BLOCK_LEN", Algorithm::TripleDesCbc.block_size()),
        ("RIJNDAEL128_BLOCK_LEN", Algorithm::AesCbc.block_size()),
        ("AES_BLOCK_LEN", Algorithm::AesCbc.block_size()),
        ("CAMELLIA_BLOCK_LEN", Algorithm::CamelliaCbc.block_size()),
        ("BLOWFISH_BLOCK_LEN", Algorithm::BlowfishCbc.block_size()),
        ("SKIPJACK_BLOCK_LEN", SKIPJACK_BLOCK_LEN),
        ("CAST128_BLOCK_LEN", Algorithm::Cast5Cbc.block_size()),
    ];
    for (name, value) in constants {
        add(&mut facts, "const", name, value);
    }
    facts
}

fn abi_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn c_facts(layout: Layout) -> Facts {
    let (flag, suffix) = match layout {
        Layout::Lp64 => ("-m64", "64"),
        Layout::Ilp32 => ("-m32", "32"),
    };
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let exe = out_dir.join(format!("abi_dump-{suffix}"));
    let source = abi_dir().join("tests/c/abi_dump.c");
    let include = abi_dir().join("include");
    let compile = Command::new("gcc")
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", flag, "-I"])
        .arg(&include)
        .arg("-o")
        .arg(&exe)
        .arg(&source)
        .output()
        .expect("gcc could not be started: install gcc");
    let stderr = String::from_utf8_lossy(&compile.stderr);
    if !compile.status.success() {
        let hint = if layout == Layout::Ilp32
            && (stderr.contains("bits/")
                || stderr.contains("gnu/stubs-32")
                || stderr.contains("cannot find"))
        {
            "\n32-bit builds need gcc-multilib: apt-get install gcc-multilib"
        } else {
            ""
        };
        panic!("gcc {flag} failed on {}:\n{stderr}{hint}", source.display());
    }
    run_dump(&exe)
}

fn run_dump(exe: &Path) -> Facts {
    let output = Command::new(exe).output().expect("run abi_dump");
    assert!(output.status.success(), "{} failed", exe.display());
    let mut facts = Facts::new();
    for line in String::from_utf8(output.stdout).expect("utf-8").lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let [kind, name, value] = fields[..] else {
            panic!("malformed line from abi_dump: {line:?}");
        };
        add(&mut facts, kind, name, value);
    }
    facts
}

fn compare(layout: Layout) {
    let rust = rust_facts(layout);
    let c = c_facts(layout);
    let mut problems = Vec::new();
    for (key, value) in &rust {
        match c.get(key) {
            None => problems.push(format!("{key}: missing from the C dump (Rust {value})")),
            Some(c_value) if c_value != value => {
                problems.push(format!("{key}: C {c_value}, Rust {value}"))
            }
            Some(_) => {}
        }
    }
    for key in c.keys().filter(|key| !rust.contains_key(*key)) {
        problems.push(format!("{key}: printed by C, unknown to the Rust crate"));
    }
    assert!(
        problems.is_empty(),
        "{layout:?}: header and crate disagree:\n{}",
        problems.join("\n")
    );
    assert!(rust.len() > 100, "suspiciously few facts: {}", rust.len());
}

#[test]
fn header_matches_crate_lp64() {
    compare(Layout::Lp64);
}

#[test]
fn header_matches_crate_ilp32() {
    compare(Layout::Ilp32);
}
