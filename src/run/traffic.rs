//! One traffic step: resolve where requests come from (a pod's curl, or the ingress gateway),
//! send batches as the sequential decision asks for them, classify every response with the
//! scenario's outcomes, keep transport errors apart, and return the verdict.

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, DynamicObject, ListParams};
use kube::discovery::ApiResource;

use crate::report::Example;
use crate::scenario::{Bindings, Outcomes, Route, Tuning, WorkloadKind};
use crate::stats::{Counts, Decider, Expectation, Progress, Verdict};
use crate::traffic::{Fallback, IngressSource, MeshSource, Request, Sample};

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

impl Source {
    async fn send(&self, requests: &[Request]) -> Result<Vec<Sample>, String> {
        match self {
            Source::Mesh(m) => m
                .send(requests)
                .await
                .map(|b| b.parsed.results.into_iter().flatten().collect())
                .map_err(|e| e.to_string()),
            Source::Ingress(i) => i.send_all(requests).await.map_err(|e| e.to_string()),
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
            let d = Api::<Deployment>::namespaced(client.clone(), ns)
                .get(name)
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
    let list = pods
        .list(&ListParams::default().labels(&selector))
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
                Source::Mesh(MeshSource::new(pods, name, container.clone())),
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
            let gw = Api::<DynamicObject>::namespaced_with(client.clone(), &ns, &ar)
                .get(gateway.name())
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
) -> Result<TrafficResult, String> {
    let (source, request) = prepare(client, route, method, headers, bindings, timeout).await?;
    let policy = tuning
        .policy(alpha.max(f64::MIN_POSITIVE))
        .map_err(|e| e.to_string())?;
    let plan = crate::stats::plan(expectation, &policy).map_err(|e| e.to_string())?;
    let mut decider = Decider::new(&plan);
    let mut transport_errors = 0u64;
    let mut examples: BTreeMap<String, Example> = BTreeMap::new();
    loop {
        let n = decider.next_batch() as usize;
        let batch = vec![request.clone(); n.max(1)];
        let samples = source.send(&batch).await?;
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
            return Err(format!(
                "no HTTP response in a batch of {n}: {transport_errors} transport errors so far{}",
                examples
                    .get("transport error")
                    .map(|e| format!(" (e.g. {})", e.body))
                    .unwrap_or_default()
            ));
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
