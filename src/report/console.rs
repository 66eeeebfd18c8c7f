//! Plain console lines: one per step, one for the run. Progress bars are the runner's business;
//! these lines are what CI logs keep.

use super::model::{RunReport, StepOutcome, StepReport};

fn share(x: f64) -> String {
    format!("{x:.3}")
}

/// `PASS mesh/route-precedence :: httproute-routes-to-v1  n=200 v1=200 (1.000) [deterministic check] 1.2s`
pub fn step_line(scenario: &str, step: &StepReport) -> String {
    let (tag, reason) = match &step.outcome {
        StepOutcome::Passed => ("PASS", None),
        StepOutcome::Failed { reason } => ("FAIL", Some(reason.as_str())),
        StepOutcome::Error { reason } => ("ERROR", Some(reason.as_str())),
        StepOutcome::Skipped { reason } => ("SKIP", Some(reason.as_str())),
    };
    let mut line = format!("{tag:5} {scenario} :: {}", step.name);
    if let Some(v) = &step.verdict {
        line.push_str(&format!("  n={}", v.requests));
        for c in v
            .outcomes
            .iter()
            .filter(|c| c.count > 0 || c.expected_share > 0.0)
        {
            line.push_str(&format!(
                " {}={} ({} vs {})",
                c.outcome,
                c.count,
                share(c.observed_share),
                share(c.expected_share)
            ));
        }
        if let Some(p) = v.p_value {
            line.push_str(&format!(" p={p:.3e}"));
        }
        line.push_str(&format!(" [{}, alpha {:.1e}]", v.test.describe(), v.alpha));
    }
    if step.transport_errors > 0 {
        line.push_str(&format!(" transport-errors={}", step.transport_errors));
    }
    line.push_str(&format!(" {:.1}s", step.duration.as_secs_f64()));
    if let Some(r) = reason {
        line.push_str(&format!("\n      {r}"));
    }
    line
}

/// `12 steps: 11 passed, 1 failed, 0 errors, 0 skipped in 34.2s (exit 1)`
pub fn summary_line(report: &RunReport) -> String {
    let (p, f, e, s) = report.counts();
    let mut line = format!(
        "{} steps in {} scenarios: {p} passed, {f} failed, {e} errors, {s} skipped in {:.1}s (exit {})",
        p + f + e + s,
        report.scenarios.len(),
        report.duration.as_secs_f64(),
        report.exit_code()
    );
    if let Some(why) = &report.interrupted {
        line.push_str(&format!("; interrupted: {why}"));
    }
    line
}
