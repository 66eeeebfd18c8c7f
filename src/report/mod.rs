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
