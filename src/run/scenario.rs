//! One scenario: its namespaces (`<alias>-<run id>`), setup, steps and cleanup.

use std::time::{Duration, Instant};

use super::step::ScenarioRun;
use super::step_report;
use crate::report::{ScenarioReport, StepOutcome, StepReport};
use crate::scenario::{IstioVersion, RunId, Scenario, ScenarioPlan, StepPlan};

/// What every scenario of a run shares.
pub(super) struct Context {
    pub client: kube::Client,
    pub version: IstioVersion,
    pub keep_on_failure: bool,
    pub run_label: String,
    /// How mesh requests reach curl, from the API server's version.
    pub curl_mode: crate::traffic::CurlMode,
    /// Where scenario and step starts and ends are told.
    pub events: super::Events,
}

/// The steps of one scenario as they end: each is told to the run's events at once.
struct Steps<'a> {
    scenario: super::ScenarioId,
    events: &'a super::Events,
    done: Vec<StepReport>,
}

impl Steps<'_> {
    fn push(&mut self, report: StepReport) {
        self.events.emit(super::RunEvent::StepFinished {
            scenario: self.scenario.clone(),
            report: Box::new(report.clone()),
        });
        self.done.push(report);
    }
}

fn report(s: &Scenario, steps: Vec<StepReport>, started: Instant) -> ScenarioReport {
    ScenarioReport {
        name: s.name().to_string(),
        description: s.description().to_string(),
        source: s.source().to_string(),
        file: s.file().display().to_string(),
        duration: started.elapsed(),
        steps,
    }
}

/// Runs one scenario and always reports it; namespaces are removed unless kept for a
/// post-mortem.
pub(super) async fn run_scenario(
    ctx: &Context,
    s: &Scenario,
    plan: ScenarioPlan<'_>,
    alphas: Vec<f64>,
    run_id: &RunId,
) -> ScenarioReport {
    let started = Instant::now();
    let id = super::ScenarioId {
        name: s.name().to_string(),
        file: s.file().display().to_string(),
    };
    ctx.events.emit(super::RunEvent::ScenarioStarted {
        scenario: id.clone(),
        steps: s.steps().iter().map(|st| st.name().to_string()).collect(),
    });
    let mut results = Steps {
        scenario: id,
        events: &ctx.events,
        done: Vec::new(),
    };
    let steps = match plan {
        ScenarioPlan::Skip { reason } => {
            for st in s.steps() {
                results.push(step_report(
                    st.name(),
                    StepOutcome::Skipped {
                        reason: reason.clone(),
                    },
                    started,
                ));
            }
            return finished(ctx, report(s, results.done, started));
        }
        ScenarioPlan::Run(steps) => steps,
    };
    let bindings = s.bindings(run_id, &ctx.version);
    let namespaces: Vec<String> = s
        .namespaces()
        .iter()
        .map(|n| n.alias().real_name(run_id))
        .collect();
    run_steps(ctx, s, &steps, &alphas, &bindings, run_id, &mut results).await;
    let failed = results.done.iter().any(|r| {
        matches!(
            r.outcome,
            StepOutcome::Failed { .. } | StepOutcome::Error { .. }
        )
    });
    if !(failed && ctx.keep_on_failure) {
        for ns in &namespaces {
            if let Err(e) =
                crate::kube::delete_namespace(&ctx.client, ns, Duration::from_secs(120)).await
            {
                tracing::warn!(namespace = %ns, error = %e, "cleanup failed");
            }
        }
    } else {
        tracing::warn!(?namespaces, "kept for a post-mortem (--keep-on-failure)");
    }
    finished(ctx, report(s, results.done, started))
}

fn finished(ctx: &Context, report: ScenarioReport) -> ScenarioReport {
    ctx.events.emit(super::RunEvent::ScenarioFinished {
        report: Box::new(report.clone()),
    });
    report
}

/// Runs the steps in order; after an error that leaves the scenario's state unknown, the rest
/// are reported with that error.
async fn run_steps(
    ctx: &Context,
    s: &Scenario,
    steps: &[StepPlan<'_>],
    alphas: &[f64],
    bindings: &crate::scenario::Bindings,
    run_id: &RunId,
    results: &mut Steps<'_>,
) {
    let started = Instant::now();
    let mut run = match ScenarioRun::start(ctx, s, bindings, run_id).await {
        Ok(run) => run,
        Err(e) => {
            // Nothing ran: every step carries the set-up's error.
            let reason = e.to_string();
            for p in steps {
                let outcome = StepOutcome::Error {
                    reason: reason.clone(),
                };
                results.push(step_report(plan_name(p), outcome, started));
            }
            return;
        }
    };
    let mut alphas = alphas.iter();
    for (i, p) in steps.iter().enumerate() {
        let started = Instant::now();
        let (step, expected) = match p {
            StepPlan::Skip { step, reason } => {
                let skipped = StepOutcome::Skipped {
                    reason: reason.clone(),
                };
                results.push(step_report(step.name(), skipped, started));
                continue;
            }
            StepPlan::Run { step, expected } => (*step, *expected),
        };
        ctx.events.emit(super::RunEvent::StepStarted {
            scenario: results.scenario.clone(),
            step: step.name().to_string(),
        });
        let alpha = alphas.next().copied().unwrap_or(0.0);
        let (mut report, fatal) = match run.step(step, expected, alpha, started).await {
            Ok(r) => (r, false),
            Err(e) => {
                let fatal = e.ends_scenario();
                (e.into_report(step.name(), started), fatal)
            }
        };
        if matches!(
            report.outcome,
            StepOutcome::Failed { .. } | StepOutcome::Error { .. }
        ) {
            report.diagnostics = run.diagnostics(step).await;
        }
        results.push(report);
        if fatal {
            let reason = format!("not run: step {} ended in an error", step.name());
            for p in &steps[i + 1..] {
                let outcome = StepOutcome::NotRun {
                    reason: reason.clone(),
                };
                results.push(step_report(plan_name(p), outcome, started));
            }
            return;
        }
    }
}

fn plan_name<'a>(p: &StepPlan<'a>) -> &'a str {
    match p {
        StepPlan::Run { step, .. } | StepPlan::Skip { step, .. } => step.name(),
    }
}
