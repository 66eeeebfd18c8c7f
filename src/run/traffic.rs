//! One traffic step: resolve where requests come from (a pod's curl, or the ingress gateway),
//! send batches as the sequential decision asks for them, classify every response with the
//! scenario's outcomes, keep transport errors apart, and return the verdict.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DynamicObject, ListParams};
use kube::discovery::ApiResource;

use crate::kube::retry::idempotent;
use crate::report::Example;
use crate::scenario::{Bindings, Outcomes, Route, Tuning, WorkloadKind};
use crate::stats::{Counts, Decider, Expectation, Progress, Verdict};
use crate::traffic::mesh::MeshError;
use crate::traffic::{CurlMode, Fallback, IngressSource, MeshSource, Request, Sample};

/// Why a traffic step reached no verdict, with what it saw on the way (the transport errors
/// and examples go into the report of the errored step).
pub struct TrafficFailure {
    pub reason: String,
    pub transport_errors: u64,
    pub examples: Vec<Example>,
}

impl From<String> for TrafficFailure {
    fn from(reason: String) -> Self {
        Self {
            reason,
            transport_errors: 0,
            examples: Vec::new(),
        }
    }
}

/// What a traffic step found.
pub struct TrafficResult {
    pub verdict: Verdict,
    pub transport_errors: u64,
    pub examples: Vec<Example>,
}

enum Source {
    Mesh(MeshSource),
    Ingress(IngressSource),
}

/// What sending one batch gave.
enum Batch {
    /// One sample per request (a response or a per-request transport error).
    Samples(Vec<Sample>),
    /// Nothing that may be counted, and why: the exec could not start for a transient reason,
    /// or its stream was cut or timed out before every transfer was reported. The transfers
    /// that did complete are not a random sample of the batch (a stream cut after its first
    /// output keeps short responses more often than long ones), so none counts; the batch is
    /// sent again. (A stream cut after every transfer was reported, sizes checked, loses
    /// nothing: that batch counts.)
    Broken(String),
}

/// The pods of the scenario's namespaces as a batch sees them: a restart or a pod that is not
/// ready during a batch means some responses came from a cluster in transition (503s while an
/// endpoint is gone, a reset connection), so such a batch is broken, not counted. Summed
/// restart counts plus the names of pods not ready, compared before and after each batch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PodEpoch {
    restarts: u64,
    not_ready: Vec<String>,
}

impl PodEpoch {
    pub(super) async fn read(client: &kube::Client, namespaces: &[String]) -> Result<Self, String> {
        let mut epoch = PodEpoch::default();
        for ns in namespaces {
            let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
            let lp = ListParams::default();
            let list = idempotent("list pods", || pods.list(&lp))
                .await
                .map_err(|e| format!("pods in {ns}: {e}"))?;
            for p in list.items {
                if p.metadata.deletion_timestamp.is_some() {
                    continue;
                }
                let status = p.status.unwrap_or_default();
                let statuses = status.container_statuses.unwrap_or_default();
                epoch.restarts += statuses.iter().map(|c| c.restart_count as u64).sum::<u64>();
                let ready =
                    status.phase.as_deref() == Some("Running") && statuses.iter().all(|c| c.ready);
                if !ready {
                    epoch
                        .not_ready
                        .push(format!("{ns}/{}", p.metadata.name.unwrap_or_default()));
                }
            }
        }
        Ok(epoch)
    }

    /// Why a batch sent between `self` and `after` cannot count, if it cannot.
    fn disturbed(&self, after: &PodEpoch) -> Option<String> {
        if after.restarts != self.restarts {
            return Some(format!(
                "a container restarted during the batch (restarts {} -> {})",
                self.restarts, after.restarts
            ));
        }
        let down: Vec<&String> = self.not_ready.iter().chain(&after.not_ready).collect();
        (!down.is_empty()).then(|| format!("pods not ready during the batch: {down:?}"))
    }
}

/// After pods restarted or were not ready: waits (bounded) until every pod of the namespaces
/// is ready again, then until istiod has pushed the endpoint change to every proxy and they
/// acked it (the convergence gate); until then Envoy may still answer 503 for a pod that is
/// back.
async fn settle_pods(client: &kube::Client, namespaces: &[String]) {
    let until = tokio::time::Instant::now() + Duration::from_secs(60);
    while tokio::time::Instant::now() < until {
        match PodEpoch::read(client, namespaces).await {
            Ok(e) if e.not_ready.is_empty() => break,
            _ => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let gate = async {
        let before = super::converge::before(client).await?;
        super::converge::wait(
            client,
            &before,
            Duration::from_secs(60),
            Duration::from_secs(3),
            super::SETTLE,
        )
        .await
    };
    if let Err(e) = gate.await {
        tracing::debug!(error = %e, "no convergence after pods came back; sending anyway");
    }
}

/// Batches discarded because pods restarted or were not ready, per step, before it gives up.
const DISTURBED_PER_STEP: u32 = 20;

/// Broken batches in a row before the step gives up (an exec cut share of 0.2 makes eight in a
/// row a 3e-6 event).
const BROKEN_IN_A_ROW: u32 = 8;

impl Source {
    async fn send(&self, requests: &[Request]) -> Result<Batch, String> {
        match self {
            Source::Mesh(m) => match m.send(requests).await {
                Ok(b) if b.parsed.missing() == 0 => Ok(Batch::Samples(
                    b.parsed.results.into_iter().flatten().collect(),
                )),
                Ok(b) => {
                    let missing = b.parsed.missing();
                    Ok(Batch::Broken(b.parsed.problem.unwrap_or_else(|| {
                        format!("{missing} of {} results missing", requests.len())
                    })))
                }
                Err(MeshError::Exec(e)) if e.failure.is_transient() => {
                    Ok(Batch::Broken(e.to_string()))
                }
                Err(e) => Err(e.to_string()),
            },
            Source::Ingress(i) => i
                .send_all(requests)
                .await
                .map(Batch::Samples)
                .map_err(|e| e.to_string()),
        }
    }
}

async fn running_pod(
    client: &kube::Client,
    ns: &str,
    kind: WorkloadKind,
    name: &str,
) -> Result<String, String> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let selector = match kind {
        WorkloadKind::Pod => return Ok(name.to_string()),
        WorkloadKind::Deployment => {
            let deployments = Api::<Deployment>::namespaced(client.clone(), ns);
            let d = idempotent("get deployment", || deployments.get(name))
                .await
                .map_err(|e| format!("deployment {ns}/{name}: {e}"))?;
            d.spec
                .and_then(|s| s.selector.match_labels)
                .unwrap_or_default()
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        }
    };
    let lp = ListParams::default().labels(&selector);
    let list = idempotent("list pods", || pods.list(&lp))
        .await
        .map_err(|e| format!("pods of {ns}/{name}: {e}"))?;
    list.items
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .find(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
        .and_then(|p| p.metadata.name.clone())
        .ok_or_else(|| format!("no running pod of deployment {ns}/{name}"))
}

/// The request and where it is sent from, with the scenario's templates filled in.
async fn prepare(
    client: &kube::Client,
    route: &Route,
    method: &str,
    headers: Vec<(String, String)>,
    bindings: &Bindings,
    timeout: Duration,
    curl_mode: CurlMode,
) -> Result<(Source, Request), String> {
    let render = |t: &crate::scenario::Template| t.render(bindings).map_err(|e| e.to_string());
    let real_ns = |alias: &crate::scenario::NsAlias| {
        bindings
            .namespace(alias.as_str())
            .map(str::to_string)
            .ok_or_else(|| format!("namespace alias {} is not bound", alias.as_str()))
    };
    let (source, mut request) = match route {
        Route::FromPod {
            pod,
            container,
            url,
        } => {
            let ns = real_ns(pod.namespace())?;
            let name = running_pod(client, &ns, pod.kind(), pod.name()).await?;
            let pods: Api<Pod> = Api::namespaced(client.clone(), &ns);
            (
                Source::Mesh(MeshSource::new(pods, name, container.clone()).mode(curl_mode)),
                Request::get(render(url)?),
            )
        }
        Route::ViaGateway {
            gateway,
            port,
            host,
            path,
        } => {
            let ns = real_ns(gateway.namespace())?;
            let ar = ApiResource {
                group: "gateway.networking.k8s.io".into(),
                version: "v1".into(),
                api_version: "gateway.networking.k8s.io/v1".into(),
                kind: "Gateway".into(),
                plural: "gateways".into(),
            };
            let gateways = Api::<DynamicObject>::namespaced_with(client.clone(), &ns, &ar);
            let gw = idempotent("get gateway", || gateways.get(gateway.name()))
                .await
                .map_err(|e| format!("gateway {ns}/{}: {e}", gateway.name()))?;
            let address = gw.data["status"]["addresses"][0]["value"]
                .as_str()
                .map(str::to_string);
            let fallback = Fallback {
                pods: Api::namespaced(client.clone(), &ns),
                selector: format!("gateway.networking.k8s.io/gateway-name={}", gateway.name()),
                port: *port,
            };
            let source = IngressSource::open(
                address.as_deref(),
                *port,
                Some(fallback),
                Duration::from_secs(2),
            )
            .await
            .map_err(|e| e.to_string())?;
            (
                Source::Ingress(source),
                Request::to_host(render(host)?, render(path)?),
            )
        }
    };
    request = request.method(method).timeout(timeout);
    for (k, v) in headers {
        request = request.header(k, v);
    }
    Ok((source, request))
}

/// Samples until the decision is made.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    client: &kube::Client,
    route: &Route,
    method: &str,
    headers: Vec<(String, String)>,
    bindings: &Bindings,
    outcomes: &Outcomes,
    expectation: &Expectation,
    tuning: &Tuning,
    alpha: f64,
    timeout: Duration,
    curl_mode: CurlMode,
    last: &mut Option<PodEpoch>,
) -> Result<TrafficResult, TrafficFailure> {
    let (source, request) =
        prepare(client, route, method, headers, bindings, timeout, curl_mode).await?;
    let policy = tuning
        .policy(alpha.max(f64::MIN_POSITIVE))
        .map_err(|e| e.to_string())?;
    let plan = crate::stats::plan(expectation, &policy).map_err(|e| e.to_string())?;
    let mut decider = Decider::new(&plan);
    let mut transport_errors = 0u64;
    let mut examples: BTreeMap<String, Example> = BTreeMap::new();
    let mut broken_in_a_row = 0u32;
    let mut disturbed_batches = 0u32;
    let namespaces: Vec<String> = bindings.namespaces().map(str::to_string).collect();
    let mut first_batch = true;
    loop {
        let n = decider.next_batch() as usize;
        let batch = vec![request.clone(); n.max(1)];
        // The state the previous batch ended in is this one's start: one pod list per batch.
        // A step's first batch (and the one after a disturbance) reads afresh, and waits for
        // the pods and proxies when a pod is not ready or restarted since the scenario's last
        // reading (a restart before the step may still be on its way to the proxies).
        let before = match last.take() {
            Some(l) if !first_batch => l,
            earlier => {
                let now = PodEpoch::read(client, &namespaces).await?;
                let moved = earlier.is_some_and(|e| e.restarts != now.restarts);
                if now.not_ready.is_empty() && !moved {
                    now
                } else {
                    settle_pods(client, &namespaces).await;
                    PodEpoch::read(client, &namespaces).await?
                }
            }
        };
        first_batch = false;
        let sent = source.send(&batch).await?;
        let after = PodEpoch::read(client, &namespaces).await?;
        // A batch sent while the cluster was in transition is discarded, and the cause is waited
        // out: it does not count toward the broken-in-a-row limit, which is about the transport
        // (its own, larger limit stops a cluster whose pods never settle).
        let disturbed = before.disturbed(&after);
        *last = Some(after);
        if disturbed.is_some() {
            // Waited out below; the next batch reads afresh.
            first_batch = true;
        }
        let sent = match disturbed.clone() {
            Some(why) => {
                settle_pods(client, &namespaces).await;
                disturbed_batches += 1;
                if disturbed_batches > DISTURBED_PER_STEP {
                    return Err(TrafficFailure {
                        transport_errors,
                        examples: examples.into_values().collect(),
                        reason: format!(
                            "{disturbed_batches} batches were sent while pods restarted or were not ready; the last: {why}"
                        ),
                    });
                }
                match sent {
                    Batch::Samples(_) => Batch::Broken(why),
                    broken => broken,
                }
            }
            None => sent,
        };
        let samples = match sent {
            Batch::Samples(s) => {
                broken_in_a_row = 0;
                s
            }
            Batch::Broken(why) => {
                transport_errors += 1;
                if disturbed.is_none() {
                    broken_in_a_row += 1;
                }
                let e = examples
                    .entry("broken batch (sent again)".into())
                    .or_insert_with(|| Example {
                        outcome: "broken batch (sent again)".into(),
                        status: None,
                        body: why.chars().take(300).collect(),
                        count: 0,
                    });
                e.count += 1;
                if broken_in_a_row >= BROKEN_IN_A_ROW {
                    return Err(TrafficFailure {
                        transport_errors,
                        examples: examples.into_values().collect(),
                        reason: format!(
                            "{broken_in_a_row} batches in a row could not be sent or came back incomplete; the last: {why}"
                        ),
                    });
                }
                tracing::debug!(why = %why, "broken batch, sending it again");
                tokio::time::sleep(Duration::from_millis(100) * broken_in_a_row.max(1)).await;
                continue;
            }
        };
        let mut counts = Counts::new();
        for s in &samples {
            match s {
                Sample::Response(r) => {
                    let body = r.body.text();
                    let outcome = outcomes.classify(r.status, &r.headers, &body).to_string();
                    counts.record(&outcome);
                    if expectation.share(&outcome) == 0.0 {
                        let e = examples.entry(outcome.clone()).or_insert_with(|| Example {
                            outcome: outcome.clone(),
                            status: Some(r.status),
                            body: body.chars().take(300).collect(),
                            count: 0,
                        });
                        e.count += 1;
                    }
                }
                Sample::TransportError(t) => {
                    transport_errors += 1;
                    let e = examples
                        .entry("transport error".into())
                        .or_insert_with(|| Example {
                            outcome: "transport error".into(),
                            status: None,
                            body: t.message.chars().take(300).collect(),
                            count: 0,
                        });
                    e.count += 1;
                }
            }
        }
        if counts.total() == 0 {
            let reason = format!(
                "no HTTP response in a batch of {n}: {transport_errors} transport errors so far{}",
                examples
                    .get("transport error")
                    .map(|e| format!(" (e.g. {})", e.body))
                    .unwrap_or_default()
            );
            return Err(TrafficFailure {
                reason,
                transport_errors,
                examples: examples.into_values().collect(),
            });
        }
        match decider.observe(&counts) {
            Progress::Continue(d) => decider = d,
            Progress::Decided(verdict) => {
                return Ok(TrafficResult {
                    verdict: *verdict,
                    transport_errors,
                    examples: examples.into_values().collect(),
                });
            }
        }
    }
}
