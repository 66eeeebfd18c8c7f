//! What a run found, in a form every writer reads and serde serialises (the JSON report is this
//! model as is).

use std::time::Duration;

use serde::Serialize;

use crate::stats::Verdict;

/// Where the run happened.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct ClusterInfo {
    /// `kind`, `current` or `sim`.
    pub kind: String,
    /// The kubeconfig context or cluster name (never credentials).
    pub name: String,
    pub versions: Versions,
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
    /// Not run (version-dependent step out of range, filtered, or an earlier step failed).
    Skipped { reason: String },
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
    pub seed: u64,
    /// The run-wide false-failure budget.
    pub alpha: f64,
    /// RFC 3339 start time.
    pub started: String,
    #[serde(with = "secs")]
    pub duration: Duration,
    pub scenarios: Vec<ScenarioReport>,
    /// Set when the run was interrupted; the report then holds what completed.
    pub interrupted: Option<String>,
    /// The `--artifacts` directory, when failure diagnostics were written there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifacts: Option<String>,
    /// What happened to the cluster at the end (a kind cluster deleted, kept, left as found).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub teardown: Option<String>,
}

impl RunReport {
    fn steps(&self) -> impl Iterator<Item = &StepReport> {
        self.scenarios.iter().flat_map(|s| &s.steps)
    }

    /// Counts of passed, failed, errored and skipped steps.
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let mut c = (0, 0, 0, 0);
        for s in self.steps() {
            match s.outcome {
                StepOutcome::Passed => c.0 += 1,
                StepOutcome::Failed { .. } => c.1 += 1,
                StepOutcome::Error { .. } => c.2 += 1,
                StepOutcome::Skipped { .. } => c.3 += 1,
            }
        }
        c
    }

    /// 1 when any step failed (Istio misbehaved), else 2 when any step could not be made or the
    /// run was interrupted, else 0 (DESIGN.md: a user must tell the two apart at a glance).
    pub fn exit_code(&self) -> u8 {
        let (_, failed, errors, _) = self.counts();
        if failed > 0 {
            crate::exit::SCENARIO_FAILED
        } else if errors > 0 || self.interrupted.is_some() {
            crate::exit::RUN_ERROR
        } else {
            crate::exit::SUCCESS
        }
    }
}

mod secs {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}
