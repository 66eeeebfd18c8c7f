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
use serde_json::Value;
use tokio::io::DuplexStream;

use super::cluster::Cluster;
use super::workload::{
    self, HttpVersion, ImageKind, InboundRequest, InboundResponse, NetError, Network,
    OutboundRequest, OutboundResponse, PodContext,
};

/// The process environment and identity of a container, as its server sees them.
pub(crate) fn pod_context(pod: &Value, container: &Value) -> PodContext {
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
        hostname,
        env,
        command,
    }
}

/// What listens on a pod port: a workload image's server, a gateway's Envoy, or istiod's
/// monitoring port.
#[derive(Clone)]
pub(crate) enum Listener {
    Workload(WorkloadListener),
    /// A Gateway API gateway's Envoy (ports of its listeners).
    Gateway {
        cluster: Arc<Cluster>,
        namespace: String,
        gateway: String,
        proxy_id: String,
    },
    /// istiod's monitoring port, where `/debug/syncz` and `/debug/configz` live.
    IstiodDebug {
        cluster: Arc<Cluster>,
    },
}

/// A process of a workload image listening on a pod port.
#[derive(Clone)]
pub(crate) struct WorkloadListener {
    cluster: Arc<Cluster>,
    pod: Arc<Value>,
    image: ImageKind,
    container: String,
    ctx: Arc<PodContext>,
}

/// Whatever listens on `port` in `pod`, if anything.
pub(crate) fn listener(cluster: &Arc<Cluster>, pod: &Arc<Value>, port: u16) -> Option<Listener> {
    if pod["status"]["phase"] != "Running" {
        return None;
    }
    if super::mesh::is_istiod(pod) {
        return (port == 15014).then(|| Listener::IstiodDebug {
            cluster: cluster.clone(),
        });
    }
    if let Some(gateway) = super::mesh::gateway_pod(pod) {
        let ns = pod["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let name = pod["metadata"]["name"].as_str().unwrap_or_default();
        // Envoy listens on the Gateway's listener ports (and 15021 for health).
        return Some(Listener::Gateway {
            cluster: cluster.clone(),
            proxy_id: format!("{name}.{ns}"),
            namespace: ns,
            gateway,
        });
    }
    workload_listener(cluster, pod, port).map(Listener::Workload)
}

fn workload_listener(
    cluster: &Arc<Cluster>,
    pod: &Arc<Value>,
    port: u16,
) -> Option<WorkloadListener> {
    pod["spec"]["containers"].as_array()?.iter().find_map(|c| {
        let image = ImageKind::from_reference(c["image"].as_str()?)?;
        let ctx = pod_context(pod, c);
        workload::listening_ports(&image, &ctx.env, &ctx.command)
            .contains(&port)
            .then(|| WorkloadListener {
                cluster: cluster.clone(),
                pod: pod.clone(),
                image,
                container: c["name"].as_str().unwrap_or_default().to_string(),
                ctx: Arc::new(ctx),
            })
    })
}

impl Listener {
    /// Serves one request.
    pub(crate) async fn serve(&self, req: InboundRequest) -> Result<OutboundResponse, NetError> {
        match self {
            Listener::Workload(w) => w.serve(req).await,
            Listener::IstiodDebug { cluster } => {
                let (status, body) = super::mesh::istiod_debug(cluster, &req.path_and_query);
                Ok(OutboundResponse {
                    status,
                    reason: None,
                    headers: vec![("Content-Type".into(), "application/json".into())],
                    body: Bytes::from(serde_json::to_vec_pretty(&body).unwrap_or_default()),
                    processing: Duration::ZERO,
                })
            }
            Listener::Gateway {
                cluster,
                namespace,
                gateway,
                proxy_id,
            } => {
                let host = req
                    .headers
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case("host"))
                    .map(|(_, v)| v.clone())
                    .unwrap_or_default();
                let out = OutboundRequest {
                    scheme: "http".into(),
                    host,
                    port: 80,
                    method: req.method.clone(),
                    path_and_query: req.path_and_query.clone(),
                    headers: req.headers.clone(),
                    body: req.body.clone(),
                    connect_to: None,
                    connection: Default::default(),
                };
                let origin = super::istio::Origin::GatewayProxy {
                    namespace: namespace.clone(),
                    gateway_name: gateway.clone(),
                };
                // Boxed: a sidecar's request can reach a gateway, which routes again.
                let r: Result<InboundResponse, NetError> = Box::pin(super::mesh::route_request(
                    cluster,
                    origin,
                    Some(proxy_id.clone()),
                    namespace,
                    &out,
                    &Value::Null,
                ))
                .await;
                let r = r?;
                Ok(OutboundResponse {
                    status: r.status,
                    reason: r.reason,
                    headers: r.headers,
                    body: r.body,
                    processing: Duration::ZERO,
                })
            }
        }
    }
}

impl WorkloadListener {
    /// Serves one request, taking the time the server takes.
    pub(crate) async fn serve(&self, req: InboundRequest) -> Result<OutboundResponse, NetError> {
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

/// A request's headers in order, as the workload and Envoy models take them.
pub(crate) fn header_list(headers: &http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// Serves HTTP/1.1 on an in-memory connection (a port-forward) with `listener`'s process.
pub(crate) async fn serve_http(stream: DuplexStream, listener: Listener) {
    let service = hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
        let listener = listener.clone();
        async move {
            let (parts, body) = req.into_parts();
            let body = body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            let mut headers = header_list(&parts.headers);
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

/// The network of one client pod.
struct PodNetwork {
    cluster: Arc<Cluster>,
    client: Arc<Value>,
}

/// The network a process in `pod` uses.
pub(crate) fn for_pod(cluster: &Arc<Cluster>, pod: &Value) -> Arc<dyn Network> {
    Arc::new(PodNetwork {
        cluster: cluster.clone(),
        client: Arc::new(pod.clone()),
    })
}

impl Network for PodNetwork {
    fn request(&self, req: OutboundRequest) -> BoxFuture<'_, Result<InboundResponse, NetError>> {
        Box::pin(async move {
            let ns = self.client["metadata"]["namespace"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let name = self.client["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let (origin, proxy_id) = if super::mesh::has_sidecar(&self.client) {
                let labels = self.client["metadata"]["labels"]
                    .as_object()
                    .map(|l| {
                        l.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                            .collect()
                    })
                    .unwrap_or_default();
                (
                    super::istio::Origin::Sidecar {
                        namespace: ns.clone(),
                        pod_name: name.clone(),
                        labels,
                    },
                    Some(format!("{name}.{ns}")),
                )
            } else {
                (
                    super::istio::Origin::Plain {
                        namespace: ns.clone(),
                    },
                    None,
                )
            };
            super::mesh::route_request(&self.cluster, origin, proxy_id, &ns, &req, &self.client)
                .await
        })
    }
}

/// Delivers a request to `port` of `pod` and returns the response as the client reads it.
pub(crate) async fn deliver(
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
