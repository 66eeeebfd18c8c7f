//! Reports of a run. The runner emits [`crate::run::RunEvent`]s; [`Reporters`] fans them out to
//! one [`Reporter`](reporter::Reporter) per output (the progress bar, console lines, JUnit XML, JSON, a Markdown
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

pub(crate) use console::ConsoleReporter;
pub use console::step_line;
pub(crate) use files::{write_atomically, write_private};
pub(crate) use json::JsonReporter;
pub(crate) use junit::JunitReporter;
pub(crate) use markdown::MarkdownReporter;
pub(crate) use model::{
    ClusterInfo, Example, ScenarioReport, Section, SetupError, SetupStage, SimInfo, StepReport,
};
pub use model::{RunReport, StepOutcome};
pub(crate) use progress::ProgressReporter;
pub(crate) use record::{RunRecord, RunSettings};
pub(crate) use reporter::{ReportError, Reporters, RunEnd};
pub(crate) use stats::RunStats;
