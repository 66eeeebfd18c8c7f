//! The fan-out: [`Reporters`] hands every [`RunEvent`] to each [`Reporter`] as it happens, and
//! at the end tells them all how the run ended ([`RunEnd`]) with the report that ending has.
//!
//! ```text
//! runner ── RunEvent ──▶ Reporters ──▶ RunRecord (what the events told)
//!                            ├──▶ ProgressReporter  (the terminal's bar)
//!                            ├──▶ ConsoleReporter   (a line per scenario start and step end)
//!                            ├──▶ JunitReporter     ┐
//!                            ├──▶ JsonReporter      ├ write the final report at finish
//!                            └──▶ MarkdownReporter  ┘
//! caller ── RunEnd::{Completed, Interrupted, SetupFailed} ──▶ Reporters::finish
//! ```
//!
//! The end comes from the caller, not the runner: on a signal the runner's future is dropped
//! before it could report anything, and a set-up failure is its `Err`. Every ending gives the
//! reporters a [`RunReport`]: the runner's own when it completed, otherwise the one the
//! [`RunRecord`] builds from the events it saw, so every exit path writes every report.

use std::path::PathBuf;

use super::model::{RunReport, SetupError};
use super::record::RunRecord;
use crate::exit::Signal;
use crate::run::RunEvent;

/// One output of a run.
pub(crate) trait Reporter: Send {
    /// Something happened; reporters that write at the end ignore it.
    fn event(&mut self, _event: &RunEvent) {}

    /// The run ended. `report` says how ([`RunReport::interrupted`],
    /// [`RunReport::setup_error`]) and holds every step known, finished or not.
    ///
    /// # Errors
    /// The report could not be written.
    fn finish(&mut self, report: &RunReport) -> Result<(), ReportError>;
}

/// How a run ended, as its caller saw it.
#[derive(Debug)]
pub(crate) enum RunEnd {
    /// The runner returned its report.
    Completed(Box<RunReport>),
    /// A signal stopped the run; the report is built from the events seen until then.
    Interrupted(Signal),
    /// The run could not be made; no scenario ran.
    SetupFailed(SetupError),
}

/// A report that could not be written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ReportError {
    #[error("failed to write the {what} report {}", path.display())]
    Write {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to serialise the {what} report")]
    Serialize {
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// `$GITHUB_STEP_SUMMARY` is a courtesy to the CI's page: failing to append to it is
    /// worth a warning, not a different exit code.
    #[error("failed to append to the step summary {}", path.display())]
    StepSummary {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl ReportError {
    /// Whether the run's exit code must say that a report is missing (2 at least).
    pub(crate) fn is_fatal(&self) -> bool {
        !matches!(self, ReportError::StepSummary { .. })
    }
}

/// Every reporter of a run, fed in the order they were added.
pub(crate) struct Reporters {
    record: RunRecord,
    sinks: Vec<Box<dyn Reporter>>,
}

impl Reporters {
    pub(crate) fn new(record: RunRecord) -> Self {
        Self {
            record,
            sinks: Vec::new(),
        }
    }

    /// Adds a reporter; add the progress bar before the console, so that the bar is cleared
    /// before the console prints its summary.
    pub(crate) fn add(&mut self, reporter: impl Reporter + 'static) -> &mut Self {
        self.sinks.push(Box::new(reporter));
        self
    }

    pub(crate) fn event(&mut self, event: &RunEvent) {
        self.record.event(event);
        for s in &mut self.sinks {
            s.event(event);
        }
    }

    /// Tells every reporter how the run ended, and returns the report they wrote (its
    /// [`RunReport::exit_code`] is the run's) with what could not be written. Every reporter
    /// finishes, whatever the others did.
    pub(crate) fn finish(mut self, end: RunEnd) -> (RunReport, Vec<ReportError>) {
        let report = match end {
            RunEnd::Completed(report) => *report,
            RunEnd::Interrupted(signal) => self.record.interrupted(signal),
            RunEnd::SetupFailed(error) => self.record.setup_failed(error),
        };
        let errors = self
            .sinks
            .iter_mut()
            .filter_map(|s| s.finish(&report).err())
            .collect();
        (report, errors)
    }
}
