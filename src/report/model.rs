//! What a run found, in a form every writer reads and serde serialises (the JSON report is this
//! model as is).

use std::time::Duration;

use serde::Serialize;

use super::stats::RunStats;
use crate::exit::Signal;
use crate::stats::Verdict;

/// Where the run happened.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct ClusterInfo {
    /// `kind`, `current` or `sim`.
    pub kind: String,
    /// The kubeconfig context or cluster name (never credentials).
    pub name: String,
    pub versions: Versions,
    /// On the simulator: the profile it runs and what that profile breaks on purpose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sim: Option<SimInfo>,
}

/// The simulated cluster's profile, named in every report: a run against a simulator that
/// deviates from Istio on purpose must not read like a run against a faithful one.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct SimInfo {
    /// The `--sim-profile` file, or `default`.
    pub profile: String,
    /// Each deliberate deviation the profile turns on, as `name: value`.
    pub deviations: Vec<String>,
}

/// The versions detected in the cluster.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Versions {
    pub kubernetes: Option<String>,
    pub istio: Option<String>,
    pub gateway_api: Option<String>,
    pub gateway_api_channel: Option<String>,
}

/// How one step ended.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum StepOutcome {
    /// The cluster behaved as expected.
    Passed,
    /// The cluster did not behave as expected (exit code 1).
    Failed { reason: String },
    /// The step could not be carried out: apply failed, a wait timed out, no traffic got through
    /// (exit code 2 unless some other scenario failed).
    Error { reason: String },
    /// Not run on purpose (version-dependent step out of range, filtered, or an earlier step
    /// failed).
    Skipped { reason: String },
    /// Never reached: the run stopped before it (a signal), or an earlier step of its scenario
    /// ended in an error that left the scenario's state unknown. Kept apart from `Skipped`
    /// because a skip is a decision and this is a gap (exit code 2 at least).
    NotRun { reason: String },
}

/// A response kept as an example of an outcome (typically an unexpected one).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Example {
    pub outcome: String,
    pub status: Option<u16>,
    /// At most a few hundred bytes, lossily decoded.
    pub body: String,
    pub count: u64,
}

/// A titled block of diagnostics (events, pod states, the involved resources, config dumps).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Section {
    pub title: String,
    pub text: String,
}

/// One step of a scenario.
#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub name: String,
    pub outcome: StepOutcome,
    #[serde(with = "secs")]
    pub duration: Duration,
    /// The statistical (or deterministic) decision, for steps that sent traffic.
    pub verdict: Option<Verdict>,
    /// Responses that could not be classified as HTTP outcomes (refused, reset, timed out).
    pub transport_errors: u64,
    pub examples: Vec<Example>,
    pub diagnostics: Vec<Section>,
    /// The file with this step's diagnostics under `--artifacts`, for failed steps.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact: Option<String>,
}

/// One scenario.
#[derive(Debug, Clone, Serialize)]
pub struct ScenarioReport {
    pub name: String,
    pub description: String,
    pub source: String,
    pub file: String,
    #[serde(with = "secs")]
    pub duration: Duration,
    pub steps: Vec<StepReport>,
}

impl ScenarioReport {
    /// The counts of this scenario's steps.
    pub fn stats(&self) -> RunStats {
        self.steps.iter().map(|s| &s.outcome).collect()
    }

    pub fn passed(&self) -> bool {
        self.steps
            .iter()
            .all(|s| matches!(s.outcome, StepOutcome::Passed | StepOutcome::Skipped { .. }))
    }
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub cluster: ClusterInfo,
    /// The run-wide false-failure budget.
    pub alpha: f64,
    /// RFC 3339 start time.
    pub started: String,
    #[serde(with = "secs")]
    pub duration: Duration,
    pub scenarios: Vec<ScenarioReport>,
    /// Set when a signal stopped the run: the report then holds the steps that finished, and
    /// marks the others [`StepOutcome::NotRun`].
    pub interrupted: Option<Signal>,
    /// Set when the run could not be made (no scenario ran).
    pub setup_error: Option<SetupError>,
    /// The `--artifacts` directory, when failure diagnostics were written there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<String>,
    /// What happened to the cluster at the end (a kind cluster deleted, kept, left as found).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub teardown: Option<String>,
}

impl RunReport {
    /// The counts of every step of every scenario.
    pub fn stats(&self) -> RunStats {
        self.scenarios.iter().map(ScenarioReport::stats).sum()
    }

    /// The process exit code: a signal's own code; 2 when the run could not be made; else the
    /// code of the counts ([`RunStats::exit_code`]: 1 failed, 2 errors or not run, 0).
    pub fn exit_code(&self) -> u8 {
        if let Some(signal) = self.interrupted {
            signal.exit_code()
        } else if self.setup_error.is_some() {
            crate::exit::RUN_ERROR
        } else {
            self.stats().exit_code()
        }
    }
}

/// Why a run could not be made, and at which stage: reports show it in place of the steps (the
/// JUnit report as one errored test case named after the stage).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SetupError {
    pub stage: SetupStage,
    /// The error with its causes, one sentence.
    pub cause: String,
}

/// Where a run that could not be made stopped.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SetupStage {
    /// The scenarios, the filter or the error budget were refused before any cluster was made.
    InputCheck,
    /// The cluster could not be made, reached or read (kubeconfig, kind, Istio's version).
    ClusterSetup,
}

impl SetupStage {
    /// `input-check` or `cluster-setup`: the JUnit test case's name.
    pub fn name(self) -> &'static str {
        match self {
            SetupStage::InputCheck => "input-check",
            SetupStage::ClusterSetup => "cluster-setup",
        }
    }
}

mod secs {
    use std::time::Duration;

    pub(super) fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}
