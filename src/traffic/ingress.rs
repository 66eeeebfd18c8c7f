//! The ingress source: requests the harness sends itself to a gateway, with the scenario's
//! `Host` header, from where it runs.
//!
//! The gateway is reached at its address (`Gateway.status.addresses`) when a TCP connection to
//! it succeeds; otherwise (no load balancer on kind, an address only routable inside the
//! cluster) through a port-forward to a gateway pod, decided once when the source is opened.
//! Either way the results are the same [`Sample`]s.

use std::net::SocketAddr;
use std::time::Duration;

use ::kube::api::{Api, ListParams};
use k8s_openapi::api::core::v1::Pod;
use reqwest::header::{HOST, HeaderName, HeaderValue};
use tokio::time::Instant;

use crate::kube::error::{ApiFailure, error_chain};
use crate::kube::portforward::{PortForward, PortForwardError, port_forward};

use super::request::{Request, RequestError, Target};
use super::sample::{Body, Response, Sample, TransportError, TransportErrorKind};

/// How long a TCP connect to the gateway's address may take before the port-forward is used.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// Where a port-forward goes when the address is not reachable.
#[derive(Debug, Clone)]
pub struct Fallback {
    /// The gateway pods' namespace.
    pub pods: Api<Pod>,
    /// A label selector for them (`gateway.networking.k8s.io/gateway-name=NAME`).
    pub selector: String,
    /// The pod port that serves the listener (the listener's port on Istio's gateways).
    pub port: u16,
}

/// How requests reach the gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Straight to the address (`host:port`).
    Direct(String),
    /// Through a port-forward to this pod, listening here.
    PortForward { pod: String, local: SocketAddr },
}

/// The gateway could not be reached either way.
#[derive(Debug, thiserror::Error)]
pub enum IngressError {
    #[error(
        "the gateway address {address} is not reachable from here ({reason}) and no port-forward fallback was given"
    )]
    Unreachable { address: String, reason: String },
    #[error("the gateway has no address and no port-forward fallback was given")]
    NoAddress,
    #[error(
        "no Running gateway pod matches `{selector}` in {namespace} for the port-forward: {detail}"
    )]
    NoPod {
        selector: String,
        namespace: String,
        detail: String,
    },
    #[error(transparent)]
    PortForward(#[from] PortForwardError),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
    #[error(transparent)]
    Request(#[from] RequestError),
}

/// An open way to a gateway; dropping it stops any port-forward.
#[derive(Debug)]
pub struct IngressSource {
    client: reqwest::Client,
    route: Route,
    /// `host:port` requests connect to.
    authority: String,
    _forward: Option<PortForward>,
}

impl IngressSource {
    /// Opens the way to a gateway at `address` (host or IP, `port` when it has none): direct
    /// if a TCP connection succeeds within `probe`, else through `fallback`.
    pub async fn open(
        address: Option<&str>,
        port: u16,
        fallback: Option<Fallback>,
        probe: Duration,
    ) -> Result<Self, IngressError> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(probe)
            .build()
            .map_err(|e| IngressError::Client(error_chain(&e)))?;
        let unreachable = match address {
            Some(a) => {
                let authority = with_port(a, port);
                match tokio::time::timeout(
                    probe,
                    tokio::net::TcpStream::connect(authority.as_str()),
                )
                .await
                {
                    Ok(Ok(_)) => {
                        tracing::debug!(%authority, "gateway reachable directly");
                        return Ok(Self {
                            client,
                            route: Route::Direct(authority.clone()),
                            authority,
                            _forward: None,
                        });
                    }
                    Ok(Err(e)) => Some((authority, e.to_string())),
                    Err(_) => Some((authority, format!("no connection within {probe:?}"))),
                }
            }
            None => None,
        };
        let Some(fb) = fallback else {
            return Err(match unreachable {
                Some((address, reason)) => IngressError::Unreachable { address, reason },
                None => IngressError::NoAddress,
            });
        };
        if let Some((address, reason)) = &unreachable {
            tracing::info!(%address, %reason, "gateway address not reachable; using a port-forward");
        }
        let pod = running_pod(&fb).await?;
        let forward = port_forward(&fb.pods, &pod, fb.port).await?;
        let local = forward.local_addr();
        Ok(Self {
            client,
            route: Route::PortForward { pod, local },
            authority: local.to_string(),
            _forward: Some(forward),
        })
    }

    /// How requests reach the gateway.
    pub fn route(&self) -> &Route {
        &self.route
    }

    /// Sends `requests` one after the other.
    pub async fn send_all(&self, requests: &[Request]) -> Result<Vec<Sample>, RequestError> {
        for (i, r) in requests.iter().enumerate() {
            r.check(i)?;
        }
        let mut out = Vec::with_capacity(requests.len());
        for r in requests {
            out.push(self.send_checked(r).await);
        }
        Ok(out)
    }

    /// Sends one request: to the gateway, with the target's host as `Host` and its path.
    pub async fn send(&self, request: &Request) -> Result<Sample, RequestError> {
        request.check(0)?;
        Ok(self.send_checked(request).await)
    }

    async fn send_checked(&self, r: &Request) -> Sample {
        let start = Instant::now();
        let (host, path) = match &r.target {
            Target::Host { host, path } => (host.clone(), path.clone()),
            Target::Url(u) => match reqwest::Url::parse(u) {
                Ok(url) => {
                    let host = match url.port() {
                        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
                        None => url.host_str().unwrap_or_default().to_string(),
                    };
                    let path = match url.query() {
                        Some(q) => format!("{}?{q}", url.path()),
                        None => url.path().to_string(),
                    };
                    (host, path)
                }
                Err(e) => return other(format!("bad URL {u}: {e}"), start),
            },
        };
        let url = format!("http://{}{path}", self.authority);
        let method = match reqwest::Method::from_bytes(r.method.as_bytes()) {
            Ok(m) => m,
            Err(e) => return other(format!("bad method: {e}"), start),
        };
        let mut req = self.client.request(method, &url).timeout(r.timeout);
        if !r
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("host"))
        {
            match HeaderValue::from_str(&host) {
                Ok(v) => req = req.header(HOST, v),
                Err(e) => return other(format!("bad Host {host}: {e}"), start),
            }
        }
        for (n, v) in &r.headers {
            match (
                HeaderName::from_bytes(n.as_bytes()),
                HeaderValue::from_str(v),
            ) {
                (Ok(n), Ok(v)) => req = req.header(n, v),
                _ => return other(format!("header {n} cannot be sent"), start),
            }
        }
        if let Some(b) = &r.body {
            req = req.body(b.clone());
        }
        let resp = match req.send().await {
            Ok(resp) => resp,
            Err(e) => return transport(&e, start),
        };
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Body::default();
        let mut resp = resp;
        loop {
            match resp.chunk().await {
                Ok(Some(c)) => body.push(&c),
                Ok(None) => break,
                Err(e) => return transport(&e, start),
            }
        }
        Sample::Response(Response {
            status,
            headers,
            body,
            elapsed: Some(start.elapsed()),
        })
    }
}

/// `host:port`, unless `address` already has a port (IPv6 literals get brackets).
fn with_port(address: &str, port: u16) -> String {
    if address.parse::<std::net::Ipv6Addr>().is_ok() {
        format!("[{address}]:{port}")
    } else if address.parse::<SocketAddr>().is_ok()
        || (address.contains(':') && !address.contains('['))
    {
        address.to_string()
    } else {
        format!("{address}:{port}")
    }
}

async fn running_pod(fb: &Fallback) -> Result<String, IngressError> {
    let namespace = fb.pods.namespace().unwrap_or_default().to_string();
    let no_pod = |detail: String| IngressError::NoPod {
        selector: fb.selector.clone(),
        namespace: namespace.clone(),
        detail,
    };
    let list = fb
        .pods
        .list(&ListParams::default().labels(&fb.selector))
        .await
        .map_err(|e| no_pod(ApiFailure::from_kube(&e).to_string()))?;
    list.items
        .iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .find(|p| p.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running"))
        .and_then(|p| p.metadata.name.clone())
        .ok_or_else(|| no_pod(format!("{} pods match, none Running", list.items.len())))
}

fn other(message: String, start: Instant) -> Sample {
    Sample::TransportError(TransportError {
        kind: TransportErrorKind::Other,
        curl_exit: None,
        message,
        elapsed: Some(start.elapsed()),
    })
}

/// Sorts a reqwest error into the transport error kinds curl would have reported.
fn transport(e: &reqwest::Error, start: Instant) -> Sample {
    let message = error_chain(e);
    let kind = classify(e, &message);
    Sample::TransportError(TransportError {
        kind,
        curl_exit: None,
        message,
        elapsed: Some(start.elapsed()),
    })
}

fn classify(e: &reqwest::Error, message: &str) -> TransportErrorKind {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut io_kind = None;
    let mut incomplete = false;
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            io_kind.get_or_insert(io.kind());
        }
        if let Some(h) = s.downcast_ref::<hyper::Error>()
            && h.is_incomplete_message()
        {
            incomplete = true;
        }
        source = s.source();
    }
    use std::io::ErrorKind as K;
    if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if e.is_connect() {
        if message.contains("dns error") || message.contains("failed to lookup address") {
            TransportErrorKind::Resolve
        } else if io_kind == Some(K::TimedOut) {
            TransportErrorKind::Timeout
        } else {
            TransportErrorKind::Connect
        }
    } else if incomplete {
        TransportErrorKind::EmptyReply
    } else if matches!(
        io_kind,
        Some(K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof)
    ) {
        TransportErrorKind::Reset
    } else {
        TransportErrorKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_the_port_only_when_missing() {
        assert_eq!(with_port("127.0.0.5", 80), "127.0.0.5:80");
        assert_eq!(with_port("127.0.0.5:8080", 80), "127.0.0.5:8080");
        assert_eq!(with_port("gw.example.com", 80), "gw.example.com:80");
        assert_eq!(with_port("::1", 80), "[::1]:80");
    }
}
