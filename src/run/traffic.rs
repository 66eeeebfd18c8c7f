//! One traffic step: resolve where requests come from (a pod's curl, or the ingress gateway),
//! send batches as the sequential decision asks for them, classify every response with the
//! scenario's outcomes, keep transport errors apart, and return the verdict.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DynamicObject, ListParams};
use kube::discovery::ApiResource;

use super::sampling::{Batch, BatchSource, PodEpoch, TrafficFailure, TrafficResult};
use crate::kube::retry::idempotent;
use crate::scenario::{Bindings, Outcomes, Route, Tuning, WorkloadKind};
use crate::stats::{Decider, Expectation};
use crate::traffic::mesh::MeshError;
use crate::traffic::{CurlMode, Fallback, IngressSource, MeshSource, Request};

enum Source {
    Mesh(MeshSource),
    Ingress(IngressSource),
}

/// Reads the pods of `namespaces` (see [`PodEpoch`]).
pub(super) async fn read_pods(
    client: &kube::Client,
    namespaces: &[String],
) -> Result<PodEpoch, String> {
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

/// After pods restarted or were not ready: waits (bounded) until every pod of the namespaces
/// is ready again, then until istiod has pushed the endpoint change to every proxy and they
/// acked it (the convergence gate); until then Envoy may still answer 503 for a pod that is
/// back.
async fn settle_pods(client: &kube::Client, namespaces: &[String]) {
    let until = tokio::time::Instant::now() + Duration::from_secs(60);
    while tokio::time::Instant::now() < until {
        match read_pods(client, namespaces).await {
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
            // The endpoint change of a pod that came back is usually pushed already; this
            // waits for its acks, not for a change of the scenario's.
            Duration::from_secs(3),
            super::SETTLE,
        )
        .await
    };
    if let Err(e) = gate.await {
        tracing::debug!(error = %e, "no convergence after pods came back; sending anyway");
    }
}

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

/// A traffic step as the scenario wrote it, with the run's share of the error budget.
pub(super) struct TrafficStep<'a> {
    pub route: &'a Route,
    pub method: &'a str,
    pub headers: Vec<(String, String)>,
    pub bindings: &'a Bindings,
    pub outcomes: &'a Outcomes,
    pub expectation: &'a Expectation,
    pub tuning: &'a Tuning,
    pub alpha: f64,
    /// Each request's own time limit.
    pub timeout: Duration,
}

/// The step's batches on a real cluster: its request from its source, and the pods of the
/// scenario's namespaces.
struct ClusterBatches<'a> {
    client: &'a kube::Client,
    source: Source,
    request: Request,
    namespaces: Vec<String>,
}

impl BatchSource for ClusterBatches<'_> {
    async fn send(&self, n: usize) -> Result<Batch, String> {
        self.source.send(&vec![self.request.clone(); n]).await
    }

    async fn pods(&self) -> Result<PodEpoch, String> {
        read_pods(self.client, &self.namespaces).await
    }

    async fn settle(&self) {
        settle_pods(self.client, &self.namespaces).await
    }
}

/// Sends the step's requests until the decision is made.
pub(super) async fn decide(
    client: &kube::Client,
    step: TrafficStep<'_>,
    curl_mode: CurlMode,
    last: &mut Option<PodEpoch>,
) -> Result<TrafficResult, TrafficFailure> {
    let policy = step
        .tuning
        .policy(step.alpha.max(f64::MIN_POSITIVE))
        .map_err(|e| TrafficFailure::before_sending(e.to_string()))?;
    let plan = crate::stats::plan(step.expectation, &policy)
        .map_err(|e| TrafficFailure::before_sending(e.to_string()))?;
    let (source, request) = prepare(
        client,
        step.route,
        step.method,
        step.headers,
        step.bindings,
        step.timeout,
        curl_mode,
    )
    .await
    .map_err(TrafficFailure::before_sending)?;
    let batches = ClusterBatches {
        client,
        source,
        request,
        namespaces: step.bindings.namespaces().map(str::to_string).collect(),
    };
    let outcomes = step.outcomes;
    let classify = move |r: &crate::traffic::Response, body: &str| {
        outcomes.classify(r.status, &r.headers, body).to_string()
    };
    super::sampling::sample(
        &batches,
        &classify,
        step.expectation,
        Decider::new(&plan),
        last,
    )
    .await
}
