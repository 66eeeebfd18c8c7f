//! The console: [`ConsoleReporter`] prints a line naming the cluster when the run starts, a line
//! when a scenario starts, a line per step as it ends, and the summary. These lines are what CI
//! logs keep; the formatting functions are pure so that tests read them as text.

use std::io::Write;

use indicatif::ProgressBar;

use super::model::{ClusterInfo, RunReport, StepOutcome, StepReport};
use super::reporter::{ReportError, Reporter};
use crate::run::{RunEvent, ScenarioId};

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
        StepOutcome::NotRun { reason } => ("NOTRUN", Some(reason.as_str())),
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

/// `START mesh/route-precedence (4 steps)`
pub(crate) fn scenario_line(scenario: &ScenarioId, steps: usize) -> String {
    let unit = if steps == 1 { "step" } else { "steps" };
    format!("START {} ({steps} {unit})", scenario.name)
}

/// What the run runs against, versions included:
/// `cluster sim@127.0.0.1:40123 (sim): Kubernetes 1.33, Istio 1.27.9, Gateway API v1.3.0 (experimental); simulator profile default, no deviation`
pub(crate) fn cluster_line(cluster: &ClusterInfo) -> String {
    let v = &cluster.versions;
    let mut line = format!(
        "cluster {} ({}): Kubernetes {}, Istio {}, Gateway API {}",
        cluster.name,
        cluster.kind,
        v.kubernetes.as_deref().unwrap_or("?"),
        v.istio.as_deref().unwrap_or("?"),
        v.gateway_api.as_deref().unwrap_or("none"),
    );
    if let Some(channel) = &v.gateway_api_channel {
        line.push_str(&format!(" ({channel})"));
    }
    if let Some(sim) = &cluster.sim {
        line.push_str(&format!("; simulator profile {}, ", sim.profile));
        if sim.deviations.is_empty() {
            line.push_str("no deviation");
        } else {
            line.push_str(&format!("deviations: {}", sim.deviations.join("; ")));
        }
    }
    line
}

/// `12 steps in 3 scenarios: 11 passed, 1 failed, 0 errors, 0 skipped in 34.2s (exit 1)`
pub(crate) fn summary_line(report: &RunReport) -> String {
    let stats = report.stats();
    let mut line = format!(
        "{} steps in {} scenarios: {stats} in {:.1}s",
        stats.steps(),
        report.scenarios.len(),
        report.duration.as_secs_f64(),
    );
    if let Some(signal) = report.interrupted {
        line.push_str(&format!("; interrupted by {signal}"));
    }
    line.push_str(&format!(" (exit {})", report.exit_code()));
    line
}

/// For stderr after a signal: what the run showed before it.
/// `completed before the interrupt: 5 steps (4 passed, 1 failed, 0 errors, 0 skipped) in 2 scenarios; 25 steps not run`
pub(crate) fn interrupted_line(report: &RunReport) -> String {
    let stats = report.stats();
    let started = report
        .scenarios
        .iter()
        .filter(|s| s.stats().not_run < s.steps.len())
        .count();
    let done = super::RunStats {
        not_run: 0,
        ..stats
    };
    format!(
        "completed before the interrupt: {} steps ({done}) in {started} scenarios; {} steps not run",
        done.steps(),
        stats.not_run
    )
}

/// Where the console's lines go: above the progress bar when there is one (so that the bar
/// stays at the bottom), else straight to the writer.
pub(crate) enum ConsoleOut {
    Plain(Box<dyn Write + Send>),
    AboveBar(ProgressBar),
}

impl ConsoleOut {
    fn line(&mut self, text: &str) {
        match self {
            ConsoleOut::AboveBar(bar) if !bar.is_finished() => bar.println(text),
            ConsoleOut::AboveBar(_) => println!("{text}"),
            // A console that went away (a closed pipe) must not stop the run or its reports.
            ConsoleOut::Plain(w) => {
                let _ = writeln!(w, "{text}");
            }
        }
    }
}

/// The console lines of a run: step lines and the summary to `out`; after a signal, what
/// completed to `err` as well. A run that could not be made adds nothing here: the caller
/// prints the error with its causes.
pub(crate) struct ConsoleReporter {
    out: ConsoleOut,
    err: Box<dyn Write + Send>,
}

impl ConsoleReporter {
    pub(crate) fn new(out: ConsoleOut, err: Box<dyn Write + Send>) -> Self {
        Self { out, err }
    }

    /// stdout (above `bar` when given) and stderr.
    pub(crate) fn terminal(bar: Option<ProgressBar>) -> Self {
        let out = match bar {
            Some(b) => ConsoleOut::AboveBar(b),
            None => ConsoleOut::Plain(Box::new(std::io::stdout())),
        };
        Self::new(out, Box::new(std::io::stderr()))
    }
}

impl Reporter for ConsoleReporter {
    fn event(&mut self, event: &RunEvent) {
        match event {
            RunEvent::RunStarted { cluster } => self.out.line(&cluster_line(cluster)),
            RunEvent::ScenarioStarted { scenario, steps } => {
                self.out.line(&scenario_line(scenario, steps.len()))
            }
            RunEvent::StepFinished { scenario, report } => {
                self.out.line(&step_line(&scenario.name, report))
            }
            RunEvent::RunPlanned { .. }
            | RunEvent::StepStarted { .. }
            | RunEvent::ScenarioFinished { .. } => {}
        }
    }

    fn finish(&mut self, report: &RunReport) -> Result<(), ReportError> {
        if report.setup_error.is_some() {
            return Ok(());
        }
        self.out.line(&summary_line(report));
        if let Some(t) = &report.teardown {
            self.out.line(t);
        }
        if report.interrupted.is_some() {
            let _ = writeln!(self.err, "{}", interrupted_line(report));
        }
        Ok(())
    }
}
