//! The pod network: what a request from a pod reaches (cluster DNS, Services and kube-proxy's
//! choice of a ready endpoint), and what answers on a pod's ports (the HTTP servers of the
//! workload images). Port-forwards and in-pod clients use the same delivery path.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::future::BoxFuture;
use http_body_util::BodyExt;
use hyper_util::rt::TokioIo;
use rand::Rng;
use serde_json::Value;
use tokio::io::DuplexStream;

use super::cluster::Cluster;
use super::controllers::target_port;
use super::registry::ResourceKey;
use super::store::LabelSelector;
use super::workload::{
    self, HttpVersion, ImageKind, InboundRequest, InboundResponse, NetError, Network,
    OutboundRequest, OutboundResponse, PodContext,
};

const CLUSTER_DOMAIN: &str = "cluster.local";

fn pods() -> ResourceKey {
    ResourceKey::new("", "pods")
}

fn services() -> ResourceKey {
    ResourceKey::new("", "services")
}

/// The process environment and identity of a container, as its server sees them.
pub fn pod_context(pod: &Value, container: &Value) -> PodContext {
    let name = pod["metadata"]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let hostname = pod["spec"]["hostname"]
        .as_str()
        .unwrap_or(&name)
        .to_string();
    let image = ImageKind::from_reference(container["image"].as_str().unwrap_or_default());
    let spec_env: Vec<(String, String)> = container["env"]
        .as_array()
        .map(|e| {
            e.iter()
                .filter_map(|v| {
                    Some((
                        v["name"].as_str()?.to_string(),
                        v["value"].as_str().unwrap_or_default().to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let env = match &image {
        Some(i) => workload::container_env(i, &hostname, &spec_env),
        None => spec_env,
    };
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut command = strings(&container["command"]);
    command.extend(strings(&container["args"]));
    PodContext {
        pod_name: name,
        namespace: pod["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        hostname,
        env,
        command,
    }
}

/// A process listening on a pod port.
#[derive(Clone)]
pub struct Listener {
    cluster: Arc<Cluster>,
    pod: Arc<Value>,
    image: ImageKind,
    container: String,
    ctx: Arc<PodContext>,
}

/// The container process that listens on `port` in `pod`, if any.
pub fn listener(cluster: &Arc<Cluster>, pod: &Arc<Value>, port: u16) -> Option<Listener> {
    if pod["status"]["phase"] != "Running" {
        return None;
    }
    pod["spec"]["containers"].as_array()?.iter().find_map(|c| {
        let image = ImageKind::from_reference(c["image"].as_str()?)?;
        let ctx = pod_context(pod, c);
        workload::listening_ports(&image, &ctx.env, &ctx.command)
            .contains(&port)
            .then(|| Listener {
                cluster: cluster.clone(),
                pod: pod.clone(),
                image,
                container: c["name"].as_str().unwrap_or_default().to_string(),
                ctx: Arc::new(ctx),
            })
    })
}

impl Listener {
    /// Serves one request, taking the time the server takes.
    pub async fn serve(&self, req: InboundRequest) -> Result<OutboundResponse, NetError> {
        let started = std::time::Instant::now();
        let resp = workload::serve(&self.image, &self.ctx, &req).ok_or(NetError::EmptyReply)?;
        let scale = self.cluster.profile.pods.processing_time_scale;
        if scale > 0.0 && !resp.processing.is_zero() {
            tokio::time::sleep(resp.processing.mul_f64(scale)).await;
        }
        if let Some(line) = workload::access_log_line(
            &self.image,
            &req,
            &resp,
            SystemTime::now(),
            started.elapsed(),
        ) {
            let ns = self.pod["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default();
            let name = self.pod["metadata"]["name"].as_str().unwrap_or_default();
            self.cluster.logs().append(ns, name, &self.container, line);
        }
        Ok(resp)
    }
}

/// Serves HTTP/1.1 on an in-memory connection (a port-forward) with `listener`'s process.
pub async fn serve_http(stream: DuplexStream, listener: Listener) {
    let service = hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
        let listener = listener.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let mut headers: Vec<(String, String)> = parts
                .headers
                .iter()
                .map(|(k, v)| {
                    (
                        k.as_str().to_string(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect();
            if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("host")) {
                headers.insert(0, ("Host".into(), "localhost".into()));
            }
            let inbound = InboundRequest {
                method: parts.method.to_string(),
                path_and_query: parts
                    .uri
                    .path_and_query()
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "/".into()),
                http_version: HttpVersion::Http11,
                headers,
                body,
                // A port-forward arrives on the pod's loopback.
                peer: SocketAddr::from(([127, 0, 0, 1], 40_000)),
                received_at: SystemTime::now(),
            };
            let resp = match listener.serve(inbound).await {
                Ok(r) => r,
                Err(_) => OutboundResponse {
                    status: 502,
                    reason: None,
                    headers: Vec::new(),
                    body: Bytes::new(),
                    processing: Duration::ZERO,
                },
            };
            let mut builder = http::Response::builder().status(resp.status);
            for (k, v) in &resp.headers {
                builder = builder.header(k.as_str(), v.as_str());
            }
            Ok::<_, std::convert::Infallible>(
                builder
                    .body(http_body_util::Full::new(resp.body))
                    .unwrap_or_else(|_| {
                        http::Response::new(http_body_util::Full::new(Bytes::new()))
                    }),
            )
        }
    });
    let _ = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), service)
        .await;
}

/// What a name or address in a pod's request points at.
enum Destination {
    Service(Arc<Value>),
    Pod(Arc<Value>),
}

/// Cluster DNS and ClusterIPs: `svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`, a
/// ClusterIP or a pod IP.
fn resolve(cluster: &Cluster, client_ns: &str, host: &str) -> Option<Destination> {
    let host = host.trim_end_matches('.');
    if host.parse::<std::net::IpAddr>().is_ok() {
        let svc = cluster
            .store
            .list(&services(), None)
            .0
            .into_iter()
            .find(|s| s["spec"]["clusterIP"] == host);
        if let Some(s) = svc {
            return Some(Destination::Service(s));
        }
        return cluster
            .store
            .list(&pods(), None)
            .0
            .into_iter()
            .find(|p| p["status"]["podIP"] == host)
            .map(Destination::Pod);
    }
    let labels: Vec<&str> = host.split('.').collect();
    let (name, ns) = match labels.as_slice() {
        [name] => (*name, client_ns),
        [name, ns] => (*name, *ns),
        [name, ns, "svc"] => (*name, *ns),
        [name, ns, "svc", rest @ ..] if rest.join(".") == CLUSTER_DOMAIN => (*name, *ns),
        _ => return None,
    };
    cluster
        .store
        .get(&services(), ns, name)
        .map(Destination::Service)
}

fn is_ready(pod: &Value) -> bool {
    pod["status"]["conditions"].as_array().is_some_and(|c| {
        c.iter()
            .any(|c| c["type"] == "Ready" && c["status"] == "True")
    }) && pod["metadata"]["deletionTimestamp"].is_null()
}

/// The network of one client pod.
struct PodNetwork {
    cluster: Arc<Cluster>,
    client: Arc<Value>,
}

/// The network a process in `pod` uses.
pub fn for_pod(cluster: &Arc<Cluster>, pod: &Value) -> Arc<dyn Network> {
    Arc::new(PodNetwork {
        cluster: cluster.clone(),
        client: Arc::new(pod.clone()),
    })
}

impl Network for PodNetwork {
    fn request(&self, req: OutboundRequest) -> BoxFuture<'_, Result<InboundResponse, NetError>> {
        Box::pin(async move { self.plain(req).await })
    }
}

impl PodNetwork {
    /// kube-proxy: a Service port goes to a random ready endpoint's target port.
    async fn plain(&self, req: OutboundRequest) -> Result<InboundResponse, NetError> {
        let client_ns = self.client["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default();
        let (host, port) = match &req.connect_to {
            Some(t) => (t.host.clone(), t.port),
            None => (req.host.clone(), req.port),
        };
        let dest = resolve(&self.cluster, client_ns, &host)
            .ok_or_else(|| NetError::ResolveHost(host.clone()))?;
        let (pod, port) = match dest {
            Destination::Pod(p) => (p, port),
            Destination::Service(svc) => {
                let svc_port = svc["spec"]["ports"]
                    .as_array()
                    .and_then(|ps| {
                        ps.iter()
                            .find(|p| p["port"].as_u64() == Some(u64::from(port)))
                            .cloned()
                    })
                    // No rule for that port: the packets go nowhere.
                    .ok_or(NetError::Unreachable)?;
                let selector = svc["spec"]["selector"]
                    .as_object()
                    .map(LabelSelector::from_match_labels);
                let ns = svc["metadata"]["namespace"].as_str().unwrap_or_default();
                let ready: Vec<Arc<Value>> = match selector {
                    None => Vec::new(),
                    Some(sel) => self
                        .cluster
                        .store
                        .list(&pods(), Some(ns))
                        .0
                        .into_iter()
                        .filter(|p| sel.matches(p["metadata"]["labels"].as_object()) && is_ready(p))
                        .collect(),
                };
                if ready.is_empty() {
                    // kube-proxy rejects connections to a Service without ready endpoints.
                    return Err(NetError::ConnectionRefused);
                }
                let i = self.cluster.with_rng(|r| r.random_range(0..ready.len()));
                let pod = ready[i].clone();
                let tp = target_port(&svc_port, &pod)
                    .and_then(|p| u16::try_from(p).ok())
                    .unwrap_or(port);
                (pod, tp)
            }
        };
        deliver(&self.cluster, &pod, port, &req, &self.client).await
    }
}

/// Delivers a request to `port` of `pod` and returns the response as the client reads it.
pub async fn deliver(
    cluster: &Arc<Cluster>,
    pod: &Arc<Value>,
    port: u16,
    req: &OutboundRequest,
    client: &Value,
) -> Result<InboundResponse, NetError> {
    let listener = listener(cluster, pod, port).ok_or(NetError::ConnectionRefused)?;
    let peer_ip: std::net::IpAddr = client["status"]["podIP"]
        .as_str()
        .and_then(|ip| ip.parse().ok())
        .unwrap_or_else(|| [10, 244, 0, 1].into());
    let inbound = InboundRequest {
        method: req.method.clone(),
        path_and_query: req.path_and_query.clone(),
        http_version: HttpVersion::Http11,
        headers: req.headers.clone(),
        body: req.body.clone(),
        peer: SocketAddr::new(peer_ip, 40_000 + (req.connection.id % 20_000) as u16),
        received_at: SystemTime::now(),
    };
    let resp = listener.serve(inbound).await?;
    let pod_ip: Option<std::net::IpAddr> = pod["status"]["podIP"]
        .as_str()
        .and_then(|ip| ip.parse().ok());
    Ok(InboundResponse {
        status: resp.status,
        reason: resp.reason,
        headers: resp.headers,
        body: resp.body,
        http_version: HttpVersion::Http11,
        remote_addr: pod_ip.map(|ip| SocketAddr::new(ip, port)),
        local_addr: Some(SocketAddr::new(peer_ip, 40_000)),
    })
}
