//! What the runner tells the world while a run is under way: one [`RunEvent`] per thing that
//! happened, in the order it happened, sent through [`Events`]. The runner never prints and
//! never writes a report; reporters (console, progress bar, JUnit, JSON, Markdown) consume the
//! events, so a run that is stopped half-way still has everything that happened before the stop
//! (nextest's runner/reporter split).
//!
//! Events are owned values on an unbounded channel: scenarios run concurrently under `--jobs`,
//! and the receiving side must be able to outlive a run future that a signal dropped.

use crate::report::{ClusterInfo, ScenarioReport, StepReport};

/// One thing that happened during a run.
///
/// How the run ended is not an event: a signal drops the runner's future before it could say
/// so, and a set-up failure is the runner's `Err`. The caller knows both, and tells the
/// reporters through [`crate::report::Reporters::finish`].
#[derive(Debug, Clone)]
pub enum RunEvent {
    /// What will run, known once the scenarios are loaded and before any cluster is made: a run
    /// stopped while a kind cluster is created still names every step it did not run.
    RunPlanned { planned: Planned },
    /// The cluster is connected and its versions are known (and, on the simulator, its profile
    /// and deviations).
    RunStarted { cluster: ClusterInfo },
    /// A scenario begins (its namespaces are about to be created).
    ScenarioStarted {
        scenario: ScenarioId,
        /// Its steps, in order, as they will be reported.
        steps: Vec<String>,
    },
    /// A step begins.
    StepStarted { scenario: ScenarioId, step: String },
    /// A step ended: passed, failed, errored or skipped, with its evidence.
    StepFinished {
        scenario: ScenarioId,
        report: Box<StepReport>,
    },
    /// A scenario ended; `report` holds all its steps.
    ScenarioFinished { report: Box<ScenarioReport> },
}

/// A scenario as events name it: its name and the file it came from (for reporters that point
/// at the source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioId {
    pub name: String,
    pub file: String,
}

/// What a run will do: every scenario with every step, in the order they are reported. Steps
/// that the cluster's Istio version rules out are still listed (they are reported skipped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Planned {
    pub scenarios: Vec<PlannedScenario>,
}

impl Planned {
    /// All steps of all scenarios.
    pub fn steps(&self) -> usize {
        self.scenarios.iter().map(|s| s.steps.len()).sum()
    }
}

/// One scenario a run will run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedScenario {
    pub id: ScenarioId,
    pub description: String,
    pub source: String,
    /// Its steps' names, in order.
    pub steps: Vec<String>,
}

/// The runner's side of the event channel. Cloned into every scenario; sending never blocks
/// and never fails the run (a reporter that went away only loses its events).
#[derive(Debug, Clone)]
pub struct Events {
    tx: Option<tokio::sync::mpsc::UnboundedSender<RunEvent>>,
}

impl Events {
    /// A sender and the receiver reporters read from.
    pub fn channel() -> (Self, tokio::sync::mpsc::UnboundedReceiver<RunEvent>) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        (Self { tx: Some(tx) }, rx)
    }

    /// Events that go nowhere (tests of the runner's parts).
    pub fn discard() -> Self {
        Self { tx: None }
    }

    pub fn emit(&self, event: RunEvent) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(event);
        }
    }
}
