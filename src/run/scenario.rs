//! One scenario: its namespaces (`<alias>-<run id>`), setup, steps and cleanup.

use std::time::{Duration, Instant};

use kube::api::{Api, DynamicObject, Patch, PatchParams};
use kube::discovery::{Discovery, Scope};
use serde_json::json;

use super::{SETTLE, converge, step_report, traffic};
use crate::report::{ScenarioReport, Section, StepOutcome, StepReport};
use crate::scenario::{
    Action, Bindings, Change, Expected, IstioVersion, Manifest, PatchKind, Rollout, RunId,
    Scenario, ScenarioPlan, StepPlan, Wait,
};

/// What every scenario of a run shares.
pub struct Context {
    pub client: kube::Client,
    pub version: IstioVersion,
    pub seed: u64,
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

    fn len(&self) -> usize {
        self.done.len()
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

fn render_all(manifests: &[Manifest], bindings: &Bindings) -> Result<String, String> {
    let mut text = String::new();
    for m in manifests {
        text.push_str(&m.render(bindings).map_err(|e| e.to_string())?);
        text.push_str("\n---\n");
    }
    Ok(text)
}

/// The served resource a `<resource>[.<group>]/<name>` reference names, at its preferred version.
fn resolve(
    discovery: &Discovery,
    target: &crate::scenario::ResourceName,
) -> Option<(
    kube::discovery::ApiResource,
    kube::discovery::ApiCapabilities,
)> {
    discovery
        .groups()
        .flat_map(|g| g.recommended_resources())
        .find(|(ar, _)| ar.plural == target.resource() && ar.group == target.group())
}

/// Applies, deletes or patches; `Err` carries the server's message (admission denials
/// included) or what else went wrong.
async fn change(
    client: &kube::Client,
    discovery: &mut Discovery,
    c: &Change,
    ns: &str,
    bindings: &Bindings,
    timeout: Duration,
) -> Result<(), (String, bool)> {
    match c {
        Change::Apply(ms) => {
            let text = render_all(ms, bindings).map_err(|e| (e, false))?;
            crate::kube::apply(client, discovery, text.as_str(), ns)
                .await
                .map(|_| ())
                .map_err(|f| match f.error.rejection_message() {
                    Some(m) => (m.to_string(), true),
                    None => (f.error.to_string(), false),
                })
        }
        Change::Delete(ms) => {
            let text = render_all(ms, bindings).map_err(|e| (e, false))?;
            crate::kube::delete_manifests(client, discovery, text.as_str(), ns, timeout)
                .await
                .map_err(|e| (e.to_string(), false))
        }
        Change::Patch(p) => {
            let body_text = p
                .body()
                .render(bindings)
                .map_err(|e| (e.to_string(), false))?;
            let body: serde_json::Value =
                serde_saphyr::from_str(&body_text).map_err(|e| (e.to_string(), false))?;
            let target = p.target();
            let Some((ar, caps)) = resolve(discovery, target) else {
                return Err((format!("no resource {target} is served"), false));
            };
            let api: Api<DynamicObject> = match caps.scope {
                Scope::Namespaced => Api::namespaced_with(client.clone(), ns, &ar),
                Scope::Cluster => Api::all_with(client.clone(), &ar),
            };
            let pp = PatchParams::default();
            // Merge and strategic merge patches give the same object however often they are
            // applied, so a transient failure is retried; a JSON patch is not.
            let result = match p.kind() {
                PatchKind::Merge => {
                    let patch = Patch::Merge(&body);
                    crate::kube::retry::idempotent("merge patch", || {
                        api.patch(target.name(), &pp, &patch)
                    })
                    .await
                }
                PatchKind::Strategic => {
                    let patch = Patch::Strategic(&body);
                    crate::kube::retry::idempotent("strategic merge patch", || {
                        api.patch(target.name(), &pp, &patch)
                    })
                    .await
                }
                PatchKind::Json => {
                    let ops: json_patch_ops::Ops =
                        serde_json::from_value(body).map_err(|e| (e.to_string(), false))?;
                    api.patch(target.name(), &pp, &Patch::Merge(&ops.0)).await
                }
            };
            result.map(|_| ()).map_err(|e| match &e {
                kube::Error::Api(s) if s.code == 400 || s.code == 422 => (s.message.clone(), true),
                _ => (e.to_string(), false),
            })
        }
    }
}

mod json_patch_ops {
    /// JSON patch bodies are sent through the merge-patch path only when they are objects; a
    /// real JSON patch needs kube's `jsonpatch` feature, which the project does not enable.
    #[derive(serde::Deserialize)]
    pub struct Ops(pub serde_json::Value);
}

async fn wait(client: &kube::Client, w: &Wait, ns: &str, timeout: Duration) -> Result<(), String> {
    match w {
        Wait::Rollout(Rollout::All) => crate::kube::wait::rollout_all(client, ns, timeout)
            .await
            .map_err(|e| e.to_string()),
        Wait::Rollout(Rollout::Deployment(d)) => crate::kube::wait::rollout(client, ns, d, timeout)
            .await
            .map_err(|e| e.to_string()),
        Wait::Condition { target, condition } => {
            let discovery = crate::kube::discover(client)
                .await
                .map_err(|e| e.to_string())?;
            let (ar, caps) = resolve(&discovery, target)
                .ok_or_else(|| format!("no resource {target} is served"))?;
            let object = crate::kube::ObjectRef {
                gvk: kube::api::GroupVersionKind::gvk(&ar.group, &ar.version, &ar.kind),
                resource: ar,
                namespace: (caps.scope == Scope::Namespaced).then(|| ns.to_string()),
                name: target.name().to_string(),
            };
            crate::kube::wait::condition(client, &object, condition, "True", timeout)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    }
}

/// What a post-mortem needs first: the namespace's pods with their phase and readiness, and its
/// last events. Failures to read them are reported in place.
async fn diagnostics(client: &kube::Client, ns: &str) -> Vec<Section> {
    use k8s_openapi::api::core::v1::{Event, Pod};
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let pods_text = match pods.list(&Default::default()).await {
        Ok(list) => list
            .items
            .iter()
            .map(|p| {
                let st = p.status.as_ref();
                let ready = st
                    .and_then(|s| s.container_statuses.as_ref())
                    .map(|cs| format!("{}/{}", cs.iter().filter(|c| c.ready).count(), cs.len()))
                    .unwrap_or_default();
                let phase = st.and_then(|s| s.phase.as_deref()).unwrap_or("Unknown");
                format!(
                    "{} {phase} {ready}",
                    p.metadata.name.as_deref().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Err(e) => format!("cannot list pods: {e}"),
    };
    let events: Api<Event> = Api::namespaced(client.clone(), ns);
    let events_text = match events.list(&Default::default()).await {
        Ok(list) => {
            let n = list.items.len();
            list.items
                .iter()
                .skip(n.saturating_sub(20))
                .map(|e| {
                    format!(
                        "{} {} {}: {}",
                        e.type_.as_deref().unwrap_or_default(),
                        e.reason.as_deref().unwrap_or_default(),
                        e.involved_object.name.as_deref().unwrap_or_default(),
                        e.message.as_deref().unwrap_or_default()
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        }
        Err(e) => format!("cannot list events: {e}"),
    };
    let configz = super::converge::configz_excerpt(client, ns)
        .await
        .unwrap_or_else(|e| format!("cannot read istiod's /debug/configz: {e}"));
    let syncz = super::converge::syncz_text(client)
        .await
        .unwrap_or_else(|e| format!("cannot read istiod's /debug/syncz: {e}"));
    vec![
        Section {
            title: format!("pods in {ns}"),
            text: pods_text,
        },
        Section {
            title: format!("events in {ns}"),
            text: events_text,
        },
        Section {
            title: format!("istiod configuration for {ns} (/debug/configz)"),
            text: configz,
        },
        Section {
            title: "proxy sync status (/debug/syncz)".into(),
            text: syncz,
        },
    ]
}

/// Runs one scenario and always reports it; namespaces are removed unless kept for a
/// post-mortem.
pub async fn run_scenario(
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
    let outcome = body(ctx, s, &steps, &alphas, &bindings, run_id, &mut results).await;
    if let Err(reason) = outcome {
        // The rest of the steps could not run.
        let done = results.len();
        for p in steps.iter().skip(done) {
            let name = match p {
                StepPlan::Run { step, .. } | StepPlan::Skip { step, .. } => step.name(),
            };
            results.push(step_report(
                name,
                StepOutcome::Error {
                    reason: reason.clone(),
                },
                started,
            ));
        }
    }
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

#[allow(clippy::too_many_arguments)]
async fn body(
    ctx: &Context,
    s: &Scenario,
    steps: &[StepPlan<'_>],
    alphas: &[f64],
    bindings: &Bindings,
    run_id: &RunId,
    results: &mut Steps<'_>,
) -> Result<(), String> {
    let client = &ctx.client;
    for n in s.namespaces() {
        let mut labels = serde_json::Map::new();
        for (k, v) in n.labels() {
            labels.insert(k.clone(), json!(v));
        }
        labels.insert("app.kubernetes.io/managed-by".into(), json!("harness"));
        labels.insert(super::RUN_LABEL.into(), json!(ctx.run_label));
        let ns = json!({"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": n.alias().real_name(run_id), "labels": labels}});
        let mut discovery = crate::kube::discover(client)
            .await
            .map_err(|e| e.to_string())?;
        crate::kube::apply(client, &mut discovery, vec![ns], "")
            .await
            .map_err(|f| {
                format!(
                    "creating namespace {}: {}",
                    n.alias().real_name(run_id),
                    f.error
                )
            })?;
    }
    let default_ns = s
        .namespaces()
        .first()
        .map(|n| n.alias().real_name(run_id))
        .unwrap_or_else(|| "default".to_string());
    let ns_of = |alias: Option<&crate::scenario::NsAlias>| {
        alias
            .and_then(|a| bindings.namespace(a.as_str()).map(str::to_string))
            .unwrap_or_else(|| default_ns.clone())
    };
    let mut discovery = crate::kube::discover(client)
        .await
        .map_err(|e| e.to_string())?;
    // The setup's changes pass the same gate as a step's: the first step samples only once
    // they reached every proxy (a `wait: {condition: Programmed}` is status, not proxy sync).
    let setup_changes = s
        .setup()
        .iter()
        .any(|x| matches!(x.action(), Action::Change(_)));
    let setup_before = if setup_changes {
        Some(converge::before(client).await.map_err(|e| e.to_string())?)
    } else {
        None
    };
    for setup in s.setup() {
        let ns = ns_of(setup.namespace());
        match setup.action() {
            Action::Change(c) => change(client, &mut discovery, c, &ns, bindings, setup.timeout())
                .await
                .map_err(|(e, _)| format!("setup (line {}): {e}", setup.line()))?,
            Action::Wait(w) => wait(client, w, &ns, setup.timeout())
                .await
                .map_err(|e| format!("setup (line {}): {e}", setup.line()))?,
        }
    }
    let mut alphas = alphas.iter();
    // The scenario's pods as last seen (after the setup, then by each traffic step), so that a
    // restart between two readings is noticed before a step's first batch.
    let namespaces: Vec<String> = bindings.namespaces().map(str::to_string).collect();
    let mut pods = traffic::PodEpoch::read(client, &namespaces).await.ok();
    // The sync state before a change that has not passed the convergence gate yet: the
    // setup's, or a step's whose gate timed out or failed.
    let mut unconverged: Option<converge::SyncState> = setup_before;
    for p in steps {
        let started = Instant::now();
        if let StepPlan::Run { step, .. } = p {
            ctx.events.emit(super::RunEvent::StepStarted {
                scenario: results.scenario.clone(),
                step: step.name().to_string(),
            });
        }
        let (step, expected) = match p {
            StepPlan::Skip { step, reason } => {
                results.push(step_report(
                    step.name(),
                    StepOutcome::Skipped {
                        reason: reason.clone(),
                    },
                    started,
                ));
                continue;
            }
            StepPlan::Run { step, expected } => (*step, *expected),
        };
        let alpha = alphas.next().copied().unwrap_or(0.0);
        let ns = ns_of(step.namespace());
        let t = step.timeouts();
        let before = converge::before(client).await.map_err(|e| e.to_string())?;
        if let Some(c) = step.change() {
            let changed = change(client, &mut discovery, c, &ns, bindings, t.apply).await;
            match (expected, changed) {
                (Expected::Rejected(m), Err((msg, true))) => {
                    let outcome = if m.matches(&msg) {
                        StepOutcome::Passed
                    } else {
                        StepOutcome::Failed {
                            reason: format!(
                                "rejected, but the message does not match {}: {msg}",
                                m.describe()
                            ),
                        }
                    };
                    results.push(step_report(step.name(), outcome, started));
                    continue;
                }
                (Expected::Rejected(m), Ok(())) => {
                    results.push(step_report(
                        step.name(),
                        StepOutcome::Failed {
                            reason: format!(
                                "the change was accepted; expected a rejection {}",
                                m.describe()
                            ),
                        },
                        started,
                    ));
                    continue;
                }
                (_, Err((msg, true))) => {
                    results.push(step_report(
                        step.name(),
                        StepOutcome::Failed {
                            reason: format!("the change was rejected: {msg}"),
                        },
                        started,
                    ));
                    continue;
                }
                (_, Err((msg, false))) => return Err(format!("step {}: {msg}", step.name())),
                (_, Ok(())) => {}
            }
        }
        for w in step.waits() {
            wait(client, w, &ns, t.wait)
                .await
                .map_err(|e| format!("step {}: {e}", step.name()))?;
        }
        // Nothing changed: nothing to wait for, unless an earlier change never converged. Its
        // gate still stands, so that no sample counts before that change is in effect.
        let gate = if step.change().is_some() {
            // Its gate waits for every proxy to ack, which covers an earlier change too.
            unconverged = None;
            Some(before)
        } else {
            unconverged.take()
        };
        let converged = match &gate {
            Some(b) => converge::wait(client, b, t.converge, Duration::from_secs(3), SETTLE).await,
            None => Ok(()),
        };
        if let Err(e) = converged {
            unconverged = gate;
            results.push(step_report(
                step.name(),
                StepOutcome::Error {
                    reason: e.to_string(),
                },
                started,
            ));
            continue;
        }
        let (request, expectation) = match expected {
            Expected::Traffic {
                request,
                expectation,
            } => (request, expectation),
            _ => {
                results.push(step_report(step.name(), StepOutcome::Passed, started));
                continue;
            }
        };
        let mut headers = Vec::new();
        for (k, v) in request.headers() {
            headers.push((k.clone(), v.render(bindings).map_err(|e| e.to_string())?));
        }
        let decided = traffic::decide(
            client,
            request.route(),
            request.method().as_str(),
            headers,
            bindings,
            s.outcomes(),
            expectation,
            step.tuning(),
            alpha,
            t.send,
            ctx.curl_mode,
            &mut pods,
        )
        .await;
        let mut r = match decided {
            Ok(tr) => {
                let outcome = if tr.verdict.passed() {
                    StepOutcome::Passed
                } else {
                    StepOutcome::Failed {
                        reason: tr.verdict.summary.clone(),
                    }
                };
                let mut r = step_report(step.name(), outcome, started);
                r.transport_errors = tr.transport_errors;
                r.examples = tr.examples;
                r.verdict = Some(tr.verdict);
                r
            }
            Err(f) => {
                let mut r = step_report(
                    step.name(),
                    StepOutcome::Error { reason: f.reason },
                    started,
                );
                r.transport_errors = f.transport_errors;
                r.examples = f.examples;
                r
            }
        };
        if matches!(
            r.outcome,
            StepOutcome::Failed { .. } | StepOutcome::Error { .. }
        ) {
            r.diagnostics.push(Section {
                title: "where".into(),
                text: format!(
                    "{} line {}, namespace {ns}",
                    s.file().display(),
                    step.line()
                ),
            });
            r.diagnostics.extend(diagnostics(client, &ns).await);
        }
        results.push(r);
    }
    let _ = ctx.seed;
    Ok(())
}
