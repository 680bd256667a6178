//! Just enough ELF64 reading to check a kernel's PVH entry note and whether a program is static.

const PT_INTERP: u32 = 3;
const PT_NOTE: u32 = 4;
/// `XEN_ELFNOTE_PHYS32_ENTRY`: the PVH entry point that lets qemu boot `vmlinux` directly.
const XEN_ELFNOTE_PHYS32_ENTRY: u32 = 18;

/// True if `data` starts with the ELF magic.
pub(crate) fn is_elf(data: &[u8]) -> bool {
    data.starts_with(b"\x7fELF")
}

fn u16_at(d: &[u8], off: usize) -> Option<u16> {
    Some(u16::from_le_bytes(d.get(off..off + 2)?.try_into().ok()?))
}

fn u32_at(d: &[u8], off: usize) -> Option<u32> {
    Some(u32::from_le_bytes(d.get(off..off + 4)?.try_into().ok()?))
}

fn u64_at(d: &[u8], off: usize) -> Option<usize> {
    usize::try_from(u64::from_le_bytes(d.get(off..off + 8)?.try_into().ok()?)).ok()
}

/// A program header: (type, file offset, file size).
type Phdr = (u32, usize, usize);

/// The program headers of a little-endian ELF64 file, or `None` if it is not one.
fn program_headers(d: &[u8]) -> Option<Vec<Phdr>> {
    if !is_elf(d) || d.get(4) != Some(&2) || d.get(5) != Some(&1) {
        return None;
    }
    let phoff = u64_at(d, 0x20)?;
    let phentsize = usize::from(u16_at(d, 0x36)?);
    let phnum = usize::from(u16_at(d, 0x38)?);
    (0..phnum)
        .map(|i| {
            let ph = phoff.checked_add(i.checked_mul(phentsize)?)?;
            Some((u32_at(d, ph)?, u64_at(d, ph + 8)?, u64_at(d, ph + 32)?))
        })
        .collect()
}

/// `Some(true)` if the ELF64 file has a `PT_INTERP` header (dynamically linked), `Some(false)`
/// if not, `None` if it is not a little-endian ELF64 file.
pub(crate) fn has_interp(d: &[u8]) -> Option<bool> {
    Some(
        program_headers(d)?
            .iter()
            .any(|&(ty, _, _)| ty == PT_INTERP),
    )
}

/// True if the ELF64 file carries a Xen `PHYS32_ENTRY` note (PVH boot entry).
pub(crate) fn has_pvh_note(d: &[u8]) -> bool {
    let Some(headers) = program_headers(d) else {
        return false;
    };
    headers
        .iter()
        .filter(|&&(ty, _, _)| ty == PT_NOTE)
        .any(|&(_, off, size)| notes_have_pvh(d.get(off..off.saturating_add(size)).unwrap_or(&[])))
}

fn notes_have_pvh(mut notes: &[u8]) -> bool {
    let align4 = |n: usize| n.div_ceil(4) * 4;
    while notes.len() >= 12 {
        let (Some(namesz), Some(descsz), Some(ty)) =
            (u32_at(notes, 0), u32_at(notes, 4), u32_at(notes, 8))
        else {
            return false;
        };
        let (namesz, descsz) = (namesz as usize, descsz as usize);
        let name = notes.get(12..12 + namesz).unwrap_or(&[]);
        if ty == XEN_ELFNOTE_PHYS32_ENTRY && name.starts_with(b"Xen") {
            return true;
        }
        let next = 12 + align4(namesz) + align4(descsz);
        if next > notes.len() {
            return false;
        }
        notes = &notes[next..];
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_busybox_or_sh_parses() {
        // /bin/sh exists everywhere; it is a valid ELF64 file, static or not.
        let data = std::fs::read("/bin/sh").unwrap();
        assert!(is_elf(&data));
        assert!(has_interp(&data).is_some());
        assert!(!has_pvh_note(&data));
    }

    #[test]
    fn note_walk_finds_pvh() {
        let mut n = Vec::new();
        // An unrelated GNU note first.
        n.extend_from_slice(&4u32.to_le_bytes());
        n.extend_from_slice(&4u32.to_le_bytes());
        n.extend_from_slice(&3u32.to_le_bytes());
        n.extend_from_slice(b"GNU\0abcd");
        n.extend_from_slice(&4u32.to_le_bytes());
        n.extend_from_slice(&8u32.to_le_bytes());
        n.extend_from_slice(&18u32.to_le_bytes());
        n.extend_from_slice(b"Xen\0");
        n.extend_from_slice(&[0; 8]);
        assert!(notes_have_pvh(&n));
        assert!(!notes_have_pvh(&n[..20]));
        assert!(!is_elf(b"MZ"));
    }
}
