//! The Markdown summary, appended to `$GITHUB_STEP_SUMMARY` when it is set: the run's header
//! (cluster, versions, simulator profile), its counts, a table of steps, and how the run ended
//! when it did not complete.

use std::path::PathBuf;

use super::model::{RunReport, StepOutcome};
use super::reporter::{ReportError, Reporter};

/// A table of scenarios and steps, then the reasons of failures.
pub(crate) fn to_markdown(report: &RunReport) -> String {
    let stats = report.stats();
    let v = &report.cluster.versions;
    let mut md = format!(
        "## Istio + Gateway API conformance\n\ncluster `{}` ({}), Kubernetes {}, Istio {}, Gateway API {} · run alpha {:.0e}\n",
        report.cluster.name,
        report.cluster.kind,
        v.kubernetes.as_deref().unwrap_or("?"),
        v.istio.as_deref().unwrap_or("?"),
        v.gateway_api.as_deref().unwrap_or("?"),
        report.alpha,
    );
    if let Some(sim) = &report.cluster.sim {
        let deviations = if sim.deviations.is_empty() {
            "no deviation".to_string()
        } else {
            format!("deviations: `{}`", sim.deviations.join("`, `"))
        };
        md.push_str(&format!(
            "\nsimulator profile `{}`, {deviations}\n",
            sim.profile
        ));
    }
    if let Some(e) = &report.setup_error {
        md.push_str(&format!(
            "\n**The run could not be made** ({}): {}\n",
            e.stage.name(),
            e.cause
        ));
        return md;
    }
    md.push_str(&format!(
        "\n**{stats}**\n\n| scenario | step | result | n | detail |\n|---|---|---|---|---|\n"
    ));
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    for sc in &report.scenarios {
        for st in &sc.steps {
            let (result, detail) = match &st.outcome {
                StepOutcome::Passed => (
                    "✅ pass",
                    st.verdict
                        .as_ref()
                        .map(|v| v.summary.clone())
                        .unwrap_or_default(),
                ),
                StepOutcome::Failed { reason } => ("❌ fail", reason.clone()),
                StepOutcome::Error { reason } => ("⚠️ error", reason.clone()),
                StepOutcome::Skipped { reason } => ("⏭ skip", reason.clone()),
                StepOutcome::NotRun { reason } => ("⏹ not run", reason.clone()),
            };
            let n = st
                .verdict
                .as_ref()
                .map(|v| v.requests.to_string())
                .unwrap_or_default();
            md.push_str(&format!(
                "| {} | {} | {result} | {n} | {} |\n",
                cell(&sc.name),
                cell(&st.name),
                cell(&detail)
            ));
        }
    }
    if let Some(signal) = report.interrupted {
        md.push_str(&format!(
            "\nInterrupted by {signal}: {} steps did not run.\n",
            stats.not_run
        ));
    }
    md
}

/// Appends [`to_markdown`] to a file at the end of the run, however it ended. Appending, not
/// replacing: GitHub gives every step of a job the same summary file.
pub(crate) struct MarkdownReporter {
    path: PathBuf,
}

impl MarkdownReporter {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self { path }
    }
}

impl Reporter for MarkdownReporter {
    fn finish(&mut self, report: &RunReport) -> Result<(), ReportError> {
        use std::io::Write;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .and_then(|mut f| f.write_all(to_markdown(report).as_bytes()))
            .map_err(|source| ReportError::StepSummary {
                path: self.path.clone(),
                source,
            })
    }
}
