//! Writing report files so that a reader never sees half of one.

use std::io::Write;
use std::path::Path;

/// Writes `text` to `path` through a temporary file in the same directory, renamed over it when
/// complete, so that a reader (or a run killed mid-write) never leaves half a report.
pub(crate) fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// [`write_atomically`] for secrets (kubeconfigs): the file is 0600 before any byte is in it.
pub(crate) fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    // tempfile creates its files 0600 on Unix; the rename keeps the mode.
    write_atomically(path, text)?;
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if mode != 0o600 {
        return Err(std::io::Error::other(format!(
            "{} has mode {mode:o}, expected 600",
            path.display()
        )));
    }
    Ok(())
}
