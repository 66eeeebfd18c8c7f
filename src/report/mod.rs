//! Reports of a run: one data model ([`RunReport`]) that the runner fills, and one writer per
//! output kind (console lines, JUnit XML, JSON, a Markdown summary). The runner never formats;
//! the writers never decide (nextest's reporter/aggregator split).

mod console;
mod junit;
mod markdown;
mod model;

pub use console::{step_line, summary_line};
pub use junit::to_junit;
pub use markdown::to_markdown;
pub use model::{
    ClusterInfo, Example, RunReport, ScenarioReport, Section, StepOutcome, StepReport, Versions,
};

/// Writes `text` to `path` through a temporary file in the same directory, so that a reader
/// never sees half a report.
/// [`write_atomically`] for secrets (kubeconfigs): the file is 0600 before any byte is in it.
pub fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
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

pub fn write_atomically(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| std::path::Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
