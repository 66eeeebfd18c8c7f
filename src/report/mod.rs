//! Reports of a run. The runner emits [`crate::run::RunEvent`]s; [`Reporters`] fans them out to
//! one [`Reporter`] per output (the progress bar, console lines, JUnit XML, JSON, a Markdown
//! summary) and, when the run ends however it ends ([`RunEnd`]), has each write what it has.
//! One data model ([`RunReport`]) is what every file reporter writes, and one value type
//! ([`RunStats`]) is every count they print and the exit code. The runner never formats; the
//! reporters never decide (nextest's runner → events → reporter split). `reporter.rs` draws
//! the flow.

mod console;
mod files;
mod json;
mod junit;
mod markdown;
mod model;
mod progress;
mod record;
mod reporter;
mod stats;
#[cfg(test)]
mod tests;

pub use console::{
    ConsoleOut, ConsoleReporter, cluster_line, interrupted_line, scenario_line, step_line,
    summary_line,
};
pub use files::{write_atomically, write_private};
pub use json::{JsonReporter, to_json};
pub use junit::{JunitReporter, to_junit};
pub use markdown::{MarkdownReporter, to_markdown};
pub use model::{
    ClusterInfo, Example, RunReport, ScenarioReport, Section, SetupError, SetupStage, SimInfo,
    StepOutcome, StepReport, Versions,
};
pub use progress::ProgressReporter;
pub use record::{RunRecord, RunSettings};
pub use reporter::{ReportError, Reporter, Reporters, RunEnd};
pub use stats::RunStats;
