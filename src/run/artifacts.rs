//! `--artifacts DIR`: what a post-mortem needs, written when a step failed or errored: one file
//! per such step (reason, distribution, examples, diagnostics) that the JUnit report points
//! to, and istiod's recent log. Kind node logs are added by the cluster backend.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{ListParams, LogParams};

use crate::report::{RunReport, StepOutcome, StepReport};

/// Lines of istiod's log kept per pod.
const ISTIOD_LOG_LINES: i64 = 5000;

/// Writes the failed steps' files and istiod's log; records each step's file in the report.
/// Best effort: what cannot be written is logged, the run's verdicts do not change.
pub(super) async fn write(dir: &Path, report: &mut RunReport, client: &kube::Client) {
    let mut any = false;
    for sc in &mut report.scenarios {
        for st in &mut sc.steps {
            if !matches!(
                st.outcome,
                StepOutcome::Failed { .. } | StepOutcome::Error { .. }
            ) {
                continue;
            }
            any = true;
            let path = dir
                .join(file_name(&sc.name))
                .join(format!("{}.txt", file_name(&st.name)));
            match write_file(&path, &step_text(&sc.name, st)) {
                Ok(()) => st.artifact = Some(path.display().to_string()),
                Err(e) => {
                    tracing::warn!(path = %path.display(), error = %e, "artifact not written")
                }
            }
        }
    }
    if any {
        if let Err(e) = istiod_logs(dir, client).await {
            tracing::warn!(error = %e, "istiod logs not collected");
        }
        report.artifacts = Some(dir.display().to_string());
    }
}

/// A path component from a scenario or step name (names are validated, but keep the file
/// system safe regardless).
fn file_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    match s.trim_start_matches('.') {
        "" => "_".into(),
        t => t.to_string(),
    }
}

fn step_text(scenario: &str, st: &StepReport) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "{}", crate::report::step_line(scenario, st));
    if let StepOutcome::Failed { reason } | StepOutcome::Error { reason } = &st.outcome {
        let _ = writeln!(t, "\n{reason}");
    }
    if let Some(v) = &st.verdict {
        let _ = writeln!(t, "\noutcome  count  observed  expected");
        for c in &v.outcomes {
            let _ = writeln!(
                t,
                "{:<8} {:>5}  {:>8.4}  {:>8}",
                c.outcome, c.count, c.observed_share, c.expected_share
            );
        }
    }
    if st.transport_errors > 0 {
        let _ = writeln!(t, "\ntransport errors: {}", st.transport_errors);
    }
    for e in &st.examples {
        let _ = writeln!(
            t,
            "\nexample ({} x{}): status {:?}\n{}",
            e.outcome, e.count, e.status, e.body
        );
    }
    for s in &st.diagnostics {
        let _ = writeln!(t, "\n== {}\n{}", s.title, s.text);
    }
    t
}

fn write_file(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    crate::report::write_atomically(path, text)
}

async fn istiod_logs(dir: &Path, client: &kube::Client) -> Result<Vec<PathBuf>, kube::Error> {
    let pods: kube::Api<Pod> =
        kube::Api::namespaced(client.clone(), crate::install::ISTIO_NAMESPACE);
    let list = pods
        .list(&ListParams::default().labels("app=istiod"))
        .await?;
    let mut written = Vec::new();
    for p in list.items {
        let Some(name) = p.metadata.name else {
            continue;
        };
        let params = LogParams {
            tail_lines: Some(ISTIOD_LOG_LINES),
            ..LogParams::default()
        };
        let text = pods.logs(&name, &params).await?;
        let path = dir.join("istiod").join(format!("{}.log", file_name(&name)));
        match write_file(&path, &text) {
            Ok(()) => written.push(path),
            Err(e) => tracing::warn!(path = %path.display(), error = %e, "istiod log not written"),
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_cannot_escape_the_directory() {
        assert_eq!(file_name("../../etc/passwd"), "_.._etc_passwd");
        assert_eq!(file_name(".."), "_");
        assert_eq!(file_name("mesh/precedence"), "mesh_precedence");
        assert_eq!(file_name("weights-80-20"), "weights-80-20");
    }
}
