//! Whole-or-nothing file writes: a reader never sees a half-written bundle, key or commitment.

use std::io::Write;
use std::path::Path;

/// Writes a file others may read (bundles, keys, parameters): temp file, fsync, rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with_mode(path, bytes, 0o644)
}

/// Writes a file only its owner may read (the commitment: every position and salt).
pub fn write_atomic_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with_mode(path, bytes, 0o600)
}

/// `value` as pretty JSON with a final newline, written as `write_atomic` does.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    write_atomic(path, &pretty_json(value))
}

/// As `write_json`, readable by the owner only (`write_atomic_private`).
pub fn write_json_private<T: serde::Serialize>(path: &Path, value: &T) -> std::io::Result<()> {
    write_atomic_private(path, &pretty_json(value))
}

fn pretty_json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Our documents are plain structs and maps with string keys: serializing cannot fail.
    let mut json = serde_json::to_vec_pretty(value).expect("serializes");
    json.push(b'\n');
    json
}

fn write_with_mode(path: &Path, bytes: &[u8], mode: u32) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new().prefix(".bondproof-").suffix(".tmp").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = mode;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    if let Ok(d) = std::fs::File::open(dir) {
        // Persist the rename itself; not every platform can sync a directory.
        let _ = d.sync_all();
    }
    Ok(())
}
