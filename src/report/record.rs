//! [`RunRecord`]: what the events of a run told so far, kept so that a run that never returns
//! its report (a signal dropped it, or it could not be made) still has one. It plays the part of
//! nextest's `EventAggregator`: the file reporters write the report it builds on those exit
//! paths, and the runner's own [`RunReport`] when the run ends normally.

use std::time::{Duration, Instant};

use super::model::{ClusterInfo, RunReport, ScenarioReport, SetupError, StepOutcome, StepReport};
use crate::exit::Signal;
use crate::run::{PlannedScenario, RunEvent, ScenarioId};

/// What a run was asked to do that no event carries: the reports print it on every exit path.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RunSettings {
    /// The run-wide false-failure budget.
    pub alpha: f64,
}

/// The events of one run, folded.
#[derive(Debug)]
pub(crate) struct RunRecord {
    settings: RunSettings,
    cluster: ClusterInfo,
    started: String,
    t0: Instant,
    planned: Vec<PlannedScenario>,
    /// Scenarios in the order they started.
    seen: Vec<Seen>,
}

/// A scenario that started: its steps that finished, and its report once it finished.
#[derive(Debug)]
struct Seen {
    id: ScenarioId,
    started: Instant,
    steps: Vec<String>,
    done: Vec<StepReport>,
    finished: Option<ScenarioReport>,
}

impl RunRecord {
    /// A record that knows only what the caller knows before the run: its settings, and the
    /// cluster as asked for (`kind` set; the rest arrives with [`RunEvent::RunStarted`]).
    pub(crate) fn new(settings: RunSettings, cluster: ClusterInfo) -> Self {
        Self {
            settings,
            cluster,
            started: jiff::Timestamp::now().to_string(),
            t0: Instant::now(),
            planned: Vec::new(),
            seen: Vec::new(),
        }
    }

    pub(crate) fn event(&mut self, event: &RunEvent) {
        match event {
            RunEvent::RunPlanned { planned } => self.planned = planned.scenarios.clone(),
            RunEvent::RunStarted { cluster } => self.cluster = cluster.clone(),
            RunEvent::ScenarioStarted { scenario, steps } => self.seen.push(Seen {
                id: scenario.clone(),
                started: Instant::now(),
                steps: steps.clone(),
                done: Vec::new(),
                finished: None,
            }),
            RunEvent::StepStarted { .. } => {}
            RunEvent::StepFinished { scenario, report } => {
                if let Some(s) = self.seen_mut(scenario) {
                    s.done.push((**report).clone());
                }
            }
            RunEvent::ScenarioFinished { report } => {
                let id = ScenarioId {
                    name: report.name.clone(),
                    file: report.file.clone(),
                };
                if let Some(s) = self.seen_mut(&id) {
                    s.finished = Some((**report).clone());
                }
            }
        }
    }

    fn seen_mut(&mut self, id: &ScenarioId) -> Option<&mut Seen> {
        // The latest first: a scenario runs once per run.
        self.seen.iter_mut().rev().find(|s| &s.id == id)
    }

    /// The report of a run a signal stopped: the scenarios that finished as they are; in the
    /// others, the steps that finished as they are and every other step planned or announced
    /// [`StepOutcome::NotRun`], in the planned order.
    pub(crate) fn interrupted(&self, signal: Signal) -> RunReport {
        let reason = format!("not run: the run was interrupted by {signal}");
        let mut scenarios = Vec::new();
        let mut reported = vec![false; self.seen.len()];
        for p in &self.planned {
            let seen = self.seen.iter().position(|s| s.id == p.id);
            scenarios.push(match seen {
                Some(i) => {
                    reported[i] = true;
                    self.scenario_so_far(&self.seen[i], Some(p), &reason)
                }
                None => not_started(p, &reason),
            });
        }
        // Scenarios no plan announced (a caller that sends no RunPlanned) still count.
        for (s, _) in self.seen.iter().zip(&reported).filter(|(_, r)| !**r) {
            scenarios.push(self.scenario_so_far(s, None, &reason));
        }
        RunReport {
            interrupted: Some(signal),
            ..self.report(scenarios)
        }
    }

    /// The report of a run that could not be made: no scenario, and why.
    pub(crate) fn setup_failed(&self, error: SetupError) -> RunReport {
        RunReport {
            setup_error: Some(error),
            ..self.report(Vec::new())
        }
    }

    fn report(&self, scenarios: Vec<ScenarioReport>) -> RunReport {
        RunReport {
            cluster: self.cluster.clone(),
            alpha: self.settings.alpha,
            started: self.started.clone(),
            duration: self.t0.elapsed(),
            scenarios,
            interrupted: None,
            setup_error: None,
            artifacts: None,
            teardown: None,
        }
    }

    fn scenario_so_far(
        &self,
        s: &Seen,
        plan: Option<&PlannedScenario>,
        reason: &str,
    ) -> ScenarioReport {
        if let Some(done) = &s.finished {
            return done.clone();
        }
        let mut steps = s.done.clone();
        // The runner reports a scenario's steps in order: those after the finished ones did not
        // run.
        steps.extend(
            s.steps
                .iter()
                .skip(s.done.len())
                .map(|name| not_run(name, reason)),
        );
        ScenarioReport {
            name: s.id.name.clone(),
            description: plan.map(|p| p.description.clone()).unwrap_or_default(),
            source: plan.map(|p| p.source.clone()).unwrap_or_default(),
            file: s.id.file.clone(),
            duration: s.started.elapsed(),
            steps,
        }
    }
}

fn not_started(p: &PlannedScenario, reason: &str) -> ScenarioReport {
    ScenarioReport {
        name: p.id.name.clone(),
        description: p.description.clone(),
        source: p.source.clone(),
        file: p.id.file.clone(),
        duration: Duration::ZERO,
        steps: p.steps.iter().map(|name| not_run(name, reason)).collect(),
    }
}

fn not_run(name: &str, reason: &str) -> StepReport {
    StepReport {
        name: name.to_string(),
        outcome: StepOutcome::NotRun {
            reason: reason.to_string(),
        },
        duration: Duration::ZERO,
        verdict: None,
        transport_errors: 0,
        examples: Vec::new(),
        diagnostics: Vec::new(),
        artifact: None,
    }
}
