//! The Markdown summary written to `$GITHUB_STEP_SUMMARY` when it is set.

use super::model::{RunReport, StepOutcome};

/// A table of scenarios and steps, then the reasons of failures.
pub fn to_markdown(report: &RunReport) -> String {
    let (p, f, e, s) = report.counts();
    let v = &report.cluster.versions;
    let mut md = format!(
        "## Istio + Gateway API conformance\n\ncluster `{}` ({}), Kubernetes {}, Istio {}, Gateway API {} · seed {} · run alpha {:.0e}\n\n**{p} passed, {f} failed, {e} errors, {s} skipped**\n\n| scenario | step | result | n | detail |\n|---|---|---|---|---|\n",
        report.cluster.name,
        report.cluster.kind,
        v.kubernetes.as_deref().unwrap_or("?"),
        v.istio.as_deref().unwrap_or("?"),
        v.gateway_api.as_deref().unwrap_or("?"),
        report.seed,
        report.alpha,
    );
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
    if let Some(why) = &report.interrupted {
        md.push_str(&format!("\nInterrupted: {why}\n"));
    }
    md
}
