//! The JSON report: the [`RunReport`] model as serde writes it, with the run's counts
//! ([`RunStats`]) beside it so that a consumer need not recount the steps.

use std::path::PathBuf;

use serde::Serialize;

use super::model::RunReport;
use super::reporter::{ReportError, Reporter};
use super::stats::RunStats;

/// The document: `stats`, then the report's own fields. `flatten` is used for serialisation
/// only (the harness never reads this document back), where it has none of the deserialisation
/// pitfalls that keep it out of the scenario and profile loaders.
#[derive(Serialize)]
struct Document<'a> {
    stats: RunStats,
    #[serde(flatten)]
    report: &'a RunReport,
}

/// The report as pretty-printed JSON.
///
/// # Errors
/// serde_json refused a value (a map key that is not a string, a serializer's own refusal):
/// the caller reports it, and no empty or partial file is written.
pub(crate) fn to_json(report: &RunReport) -> Result<String, serde_json::Error> {
    serde_json::to_string_pretty(&Document {
        stats: report.stats(),
        report,
    })
}

/// Writes [`to_json`] to a file (atomically) at the end of the run, however it ended.
pub(crate) struct JsonReporter {
    path: PathBuf,
}

impl JsonReporter {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self { path }
    }
}

impl Reporter for JsonReporter {
    fn finish(&mut self, report: &RunReport) -> Result<(), ReportError> {
        let text = to_json(report).map_err(|e| ReportError::Serialize {
            what: "JSON",
            source: Box::new(e),
        })?;
        super::write_atomically(&self.path, &text).map_err(|source| ReportError::Write {
            what: "JSON",
            path: self.path.clone(),
            source,
        })
    }
}
