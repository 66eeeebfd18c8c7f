//! A scenario on the cluster, one step at a time: its namespaces and setup, then for each step
//! the change, the waits, the convergence gate and the traffic, each a small function with a
//! typed error ([`StepError`]) that says whose fault a step without a verdict is.

use std::time::Instant;

use kube::discovery::Discovery;
use serde_json::json;

use super::action::{self, ChangeError};
use super::converge::{self, ConvergeError, SyncState};
use super::sampling::{PodEpoch, TrafficFailure};
use super::scenario::Context;
use super::traffic::{self, TrafficStep};
use super::{SETTLE, step_report};
use crate::report::{Section, StepOutcome, StepReport};
use crate::scenario::{Action, Bindings, Expected, NsAlias, RunId, Scenario, Step};

/// Why a step reached no verdict (an `Error` outcome, exit code 2). A change the cluster
/// rejected is not one of these: it is what the step checks (`expect_apply: {rejected}`), or a
/// failed step when the scenario expected the change to be accepted.
#[derive(Debug, thiserror::Error)]
pub(super) enum StepError {
    /// The harness's own fault: a request it could not build, or one the API server refused
    /// as malformed.
    #[error("harness error: {0}")]
    Harness(String),
    /// The cluster did not carry out a change, a wait or a read (unreachable, a missing
    /// object, a wait that timed out).
    #[error("{0}")]
    Cluster(String),
    /// The change did not reach every proxy within the step's time.
    #[error(transparent)]
    Convergence(ConvergeError),
    /// Traffic reached no verdict: no HTTP response, or batches that kept breaking.
    #[error("{}", .0.reason)]
    Transport(TrafficFailure),
}

impl StepError {
    /// After a failed change or wait, the scenario's state is unknown: its later steps do not
    /// run. A step that did not converge or got no traffic through leaves the state as
    /// written, and the next step runs (its gate still waits for the unconverged change).
    pub(super) fn ends_scenario(&self) -> bool {
        matches!(self, StepError::Harness(_) | StepError::Cluster(_))
    }

    /// The `Error` report of the step that ended with this error.
    pub(super) fn into_report(self, name: &str, started: Instant) -> StepReport {
        let reason = self.to_string();
        let mut r = step_report(name, StepOutcome::Error { reason }, started);
        if let StepError::Transport(f) = self {
            r.transport_errors = f.evidence.transport_errors;
            r.examples = f.evidence.into_examples();
        }
        r
    }
}

impl From<ChangeError> for StepError {
    fn from(e: ChangeError) -> Self {
        match e {
            ChangeError::Harness(m) => StepError::Harness(m),
            other => StepError::Cluster(other.to_string()),
        }
    }
}

/// A scenario whose namespaces exist: what its steps share on the cluster.
pub(super) struct ScenarioRun<'a> {
    ctx: &'a Context,
    scenario: &'a Scenario,
    bindings: &'a Bindings,
    default_ns: String,
    discovery: Discovery,
    /// The scenario's pods as last seen (after the setup, then by each traffic step), so that
    /// a restart between two readings is noticed before a step's first batch.
    pods: Option<PodEpoch>,
    /// The sync state before a change that has not passed the convergence gate yet: the
    /// setup's, or a step's whose gate timed out.
    unconverged: Option<SyncState>,
}

impl<'a> ScenarioRun<'a> {
    /// Creates the scenario's namespaces (labelled with the run, so an interrupted run's
    /// leftovers can be found) and runs its setup.
    pub(super) async fn start(
        ctx: &'a Context,
        scenario: &'a Scenario,
        bindings: &'a Bindings,
        run_id: &RunId,
    ) -> Result<Self, StepError> {
        let client = &ctx.client;
        let mut discovery = crate::kube::discover(client)
            .await
            .map_err(|e| StepError::Cluster(e.to_string()))?;
        for n in scenario.namespaces() {
            let name = n.alias().real_name(run_id);
            let mut labels = serde_json::Map::new();
            for (k, v) in n.labels() {
                labels.insert(k.clone(), json!(v));
            }
            labels.insert("app.kubernetes.io/managed-by".into(), json!("harness"));
            labels.insert(super::RUN_LABEL.into(), json!(ctx.run_label));
            let ns = json!({"apiVersion": "v1", "kind": "Namespace",
                "metadata": {"name": name, "labels": labels}});
            crate::kube::apply(client, &mut discovery, vec![ns], "")
                .await
                .map_err(|f| {
                    StepError::Cluster(format!("creating namespace {name}: {}", f.error))
                })?;
        }
        let default_ns = scenario
            .namespaces()
            .first()
            .map(|n| n.alias().real_name(run_id))
            .unwrap_or_else(|| "default".to_string());
        let mut run = Self {
            ctx,
            scenario,
            bindings,
            default_ns,
            discovery,
            pods: None,
            unconverged: None,
        };
        run.setup().await?;
        Ok(run)
    }

    fn client(&self) -> &'a kube::Client {
        &self.ctx.client
    }

    fn namespace(&self, alias: Option<&NsAlias>) -> String {
        alias
            .and_then(|a| self.bindings.namespace(a.as_str()).map(str::to_string))
            .unwrap_or_else(|| self.default_ns.clone())
    }

    /// The setup's changes pass the same gate as a step's: the first step samples only once
    /// they reached every proxy (a `wait: {condition: Programmed}` is status, not proxy sync).
    async fn setup(&mut self) -> Result<(), StepError> {
        let changes = self
            .scenario
            .setup()
            .iter()
            .any(|x| matches!(x.action(), Action::Change(_)));
        if changes {
            self.unconverged = Some(self.sync_state().await?);
        }
        let client = self.client();
        for setup in self.scenario.setup() {
            let ns = self.namespace(setup.namespace());
            let at = |e: String| format!("setup (line {}): {e}", setup.line());
            match setup.action() {
                Action::Change(c) => {
                    let changed = action::change(
                        client,
                        &mut self.discovery,
                        c,
                        &ns,
                        self.bindings,
                        setup.timeout(),
                    )
                    .await;
                    changed.map_err(|e| match e {
                        ChangeError::Harness(m) => StepError::Harness(at(m)),
                        other => StepError::Cluster(at(other.to_string())),
                    })?
                }
                Action::Wait(w) => {
                    action::wait(client, &mut self.discovery, w, &ns, setup.timeout())
                        .await
                        .map_err(|e| StepError::Cluster(at(e)))?
                }
            }
        }
        let namespaces: Vec<String> = self.bindings.namespaces().map(str::to_string).collect();
        self.pods = traffic::read_pods(client, &namespaces).await.ok();
        Ok(())
    }

    async fn sync_state(&self) -> Result<SyncState, StepError> {
        converge::before(self.client())
            .await
            .map_err(|e| StepError::Cluster(e.to_string()))
    }

    /// Runs one step; `Ok` carries its report (passed or failed), `Err` why it reached no
    /// verdict.
    pub(super) async fn step(
        &mut self,
        step: &Step,
        expected: &Expected,
        alpha: f64,
        started: Instant,
    ) -> Result<StepReport, StepError> {
        let ns = self.namespace(step.namespace());
        if let Some(done) = self.change(step, expected, &ns, started).await? {
            return Ok(done);
        }
        for w in step.waits() {
            action::wait(
                self.client(),
                &mut self.discovery,
                w,
                &ns,
                step.timeouts().wait,
            )
            .await
            .map_err(|e| StepError::Cluster(format!("step {}: {e}", step.name())))?;
        }
        self.converge(step).await?;
        let Expected::Traffic {
            request,
            expectation,
        } = expected
        else {
            return Ok(step_report(step.name(), StepOutcome::Passed, started));
        };
        let mut headers = Vec::new();
        for (k, v) in request.headers() {
            let value = v
                .render(self.bindings)
                .map_err(|e| StepError::Harness(e.to_string()))?;
            headers.push((k.clone(), value));
        }
        let decided = traffic::decide(
            self.client(),
            TrafficStep {
                route: request.route(),
                method: request.method().as_str(),
                headers,
                bindings: self.bindings,
                outcomes: self.scenario.outcomes(),
                expectation,
                tuning: step.tuning(),
                alpha,
                timeout: step.timeouts().send,
            },
            self.ctx.curl_mode,
            &mut self.pods,
        )
        .await
        .map_err(StepError::Transport)?;
        let outcome = if decided.verdict.passed() {
            StepOutcome::Passed
        } else {
            StepOutcome::Failed {
                reason: decided.verdict.summary.clone(),
            }
        };
        let mut r = step_report(step.name(), outcome, started);
        r.transport_errors = decided.evidence.transport_errors;
        r.examples = decided.evidence.into_examples();
        r.verdict = Some(decided.verdict);
        Ok(r)
    }

    /// Makes the step's change, if it has one. `Some` is the step's report when the step ends
    /// with the change: a rejection, expected or not, or an acceptance that was expected to be
    /// a rejection.
    async fn change(
        &mut self,
        step: &Step,
        expected: &Expected,
        ns: &str,
        started: Instant,
    ) -> Result<Option<StepReport>, StepError> {
        let Some(c) = step.change() else {
            return Ok(None);
        };
        // The sync state before the change: the gate waits for pushes after it.
        let before = self.sync_state().await?;
        let changed = action::change(
            self.client(),
            &mut self.discovery,
            c,
            ns,
            self.bindings,
            step.timeouts().apply,
        )
        .await;
        let outcome = match (expected, changed) {
            (Expected::Rejected(m), Err(ChangeError::Rejected(msg))) if m.matches(&msg) => {
                StepOutcome::Passed
            }
            (Expected::Rejected(m), Err(ChangeError::Rejected(msg))) => StepOutcome::Failed {
                reason: format!(
                    "rejected, but the message does not match {}: {msg}",
                    m.describe()
                ),
            },
            (Expected::Rejected(m), Ok(())) => StepOutcome::Failed {
                reason: format!(
                    "the change was accepted; expected a rejection {}",
                    m.describe()
                ),
            },
            (_, Err(ChangeError::Rejected(msg))) => StepOutcome::Failed {
                reason: format!("the change was rejected: {msg}"),
            },
            (_, Err(e)) => {
                return Err(match StepError::from(e) {
                    StepError::Cluster(m) => {
                        StepError::Cluster(format!("step {}: {m}", step.name()))
                    }
                    other => other,
                });
            }
            (_, Ok(())) => {
                // Its gate waits for every proxy to ack, which covers an earlier change too.
                self.unconverged = Some(before);
                return Ok(None);
            }
        };
        Ok(Some(step_report(step.name(), outcome, started)))
    }

    /// The convergence gate: no sample counts before the step's change (or an earlier one
    /// that never converged) is in effect in every proxy. A step that changed nothing and
    /// follows converged changes passes at once.
    async fn converge(&mut self, step: &Step) -> Result<(), StepError> {
        let Some(gate) = self.unconverged.take() else {
            return Ok(());
        };
        let timeout = step.timeouts().converge;
        match converge::wait(
            self.client(),
            &gate,
            timeout,
            converge::NO_PUSH_QUIET,
            SETTLE,
        )
        .await
        {
            Ok(()) => Ok(()),
            Err(e) => {
                // The gate stands for the next step.
                self.unconverged = Some(gate);
                Err(StepError::Convergence(e))
            }
        }
    }

    /// What a failed or errored step's report carries: where it is written and the cluster's
    /// state around it.
    pub(super) async fn diagnostics(&self, step: &Step) -> Vec<Section> {
        let ns = self.namespace(step.namespace());
        let mut sections = vec![Section {
            title: "where".into(),
            text: format!(
                "{} line {}, namespace {ns}",
                self.scenario.file().display(),
                step.line()
            ),
        }];
        sections.extend(super::diagnostics::diagnostics(self.client(), &ns).await);
        sections
    }
}
