//! Test doubles: a scripted pod network and captured exec streams.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use futures::future::BoxFuture;
use tokio::io::AsyncWrite;

use super::super as w;
use w::{
    ExecOutcome, ImageKind, InboundRequest, InboundResponse, NetError, Network, OutboundRequest,
    PodContext, ProcessContext, ProcessIo,
};

/// What the fake network does for one `host:port`.
#[derive(Clone)]
pub(super) enum Behaviour {
    Respond(InboundResponse),
    Fail(NetError),
    /// Wait, then behave as the inner one (a fault delay).
    Delay(Duration, Box<Behaviour>),
    /// Hand the request to a server image, as the pod behind the Service would.
    Serve(ImageKind, PodContext),
    /// Answer from a list in turn (the last one repeats).
    Sequence(Vec<Behaviour>),
}

/// A pod network scripted per `host:port`; unknown hosts do not resolve. It records every
/// request it receives.
#[derive(Default)]
pub(super) struct FakeNet {
    routes: Vec<(String, Behaviour)>,
    pub seen: Mutex<Vec<OutboundRequest>>,
    turns: Mutex<Vec<(String, usize)>>,
}

impl FakeNet {
    pub(super) fn new() -> FakeNet {
        FakeNet::default()
    }

    pub(super) fn route(mut self, host_port: &str, b: Behaviour) -> FakeNet {
        self.routes.push((host_port.to_string(), b));
        self
    }

    pub(super) fn requests(&self) -> Vec<OutboundRequest> {
        self.seen.lock().map(|v| v.clone()).unwrap_or_default()
    }

    fn pick(&self, key: &str) -> Option<Behaviour> {
        let b = self.routes.iter().find(|(k, _)| k == key)?.1.clone();
        if let Behaviour::Sequence(list) = &b {
            let mut turns = self.turns.lock().ok()?;
            let n = match turns.iter_mut().find(|(k, _)| k == key) {
                Some(slot) => {
                    slot.1 += 1;
                    slot.1
                }
                None => {
                    turns.push((key.to_string(), 0));
                    0
                }
            };
            return list.get(n.min(list.len().saturating_sub(1))).cloned();
        }
        Some(b)
    }
}

fn act(
    b: Behaviour,
    req: OutboundRequest,
) -> BoxFuture<'static, Result<InboundResponse, NetError>> {
    Box::pin(async move {
        match b {
            Behaviour::Respond(r) => Ok(r),
            Behaviour::Fail(e) => Err(e),
            Behaviour::Delay(d, inner) => {
                tokio::time::sleep(d).await;
                act(*inner, req).await
            }
            Behaviour::Serve(image, pod) => {
                let inbound = InboundRequest {
                    method: req.method.clone(),
                    path_and_query: req.path_and_query.clone(),
                    http_version: w::HttpVersion::Http11,
                    headers: req.headers.clone(),
                    body: req.body.clone(),
                    peer: "10.244.0.9:51234"
                        .parse()
                        .map_err(|_| NetError::ConnectionReset)?,
                    received_at: SystemTime::now(),
                };
                let out = w::serve(&image, &pod, &inbound).ok_or(NetError::ConnectionRefused)?;
                Ok(InboundResponse {
                    status: out.status,
                    reason: out.reason,
                    headers: out.headers,
                    body: out.body,
                    http_version: w::HttpVersion::Http11,
                    remote_addr: None,
                    local_addr: None,
                })
            }
            Behaviour::Sequence(_) => Err(NetError::ConnectionReset),
        }
    })
}

impl Network for FakeNet {
    fn request(&self, req: OutboundRequest) -> BoxFuture<'_, Result<InboundResponse, NetError>> {
        if let Ok(mut seen) = self.seen.lock() {
            seen.push(req.clone());
        }
        let key = format!("{}:{}", req.host, req.port);
        match self.pick(&key) {
            Some(b) => act(b, req),
            None => {
                let host = req.host.clone();
                Box::pin(async move { Err(NetError::ResolveHost(host)) })
            }
        }
    }
}

/// An AsyncWrite into a shared buffer.
#[derive(Clone, Default)]
pub(super) struct Capture(pub Arc<Mutex<Vec<u8>>>);

impl Capture {
    pub(super) fn bytes(&self) -> Vec<u8> {
        self.0.lock().map(|v| v.clone()).unwrap_or_default()
    }

    pub(super) fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes()).into_owned()
    }
}

impl AsyncWrite for Capture {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(buf);
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// The result of one exec.
pub(super) struct Run {
    pub outcome: ExecOutcome,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub(super) fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub(super) fn code(&self) -> i32 {
        match self.outcome {
            ExecOutcome::Exited(c) => c,
            ExecOutcome::NotFound { .. } => -1,
        }
    }
}

pub(super) const SLEEP_POD: &str = "sleep-78ff5975c6-gv888";

pub(super) fn curl_image() -> ImageKind {
    ImageKind::from_reference("curlimages/curl").unwrap_or(ImageKind::Busybox)
}

pub(super) fn ctx_for(image: &ImageKind, net: Arc<dyn Network>) -> ProcessContext {
    ProcessContext {
        hostname: SLEEP_POD.into(),
        env: w::container_env(image, SLEEP_POD, &[]),
        net,
    }
}

/// exec `argv` in `image` with `stdin` (None = no -i).
pub(super) async fn exec_with(
    image: &ImageKind,
    net: Arc<dyn Network>,
    argv: &[&str],
    stdin: Option<&[u8]>,
) -> Run {
    let ctx = ctx_for(image, net);
    let out = Capture::default();
    let err = Capture::default();
    let io = ProcessIo {
        stdin: stdin.map(|s| {
            Box::new(std::io::Cursor::new(s.to_vec()))
                as Box<dyn tokio::io::AsyncRead + Send + Unpin>
        }),
        stdout: Box::new(out.clone()),
        stderr: Box::new(err.clone()),
    };
    let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
    let outcome = w::exec(image, &ctx, &argv, io).await;
    Run {
        outcome,
        stdout: out.bytes(),
        stderr: err.text(),
    }
}

/// curl in the sleep pod.
pub(super) async fn curl(net: &Arc<FakeNet>, argv: &[&str]) -> Run {
    curl_stdin(net, argv, None).await
}

pub(super) async fn curl_stdin(net: &Arc<FakeNet>, argv: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut full = vec!["curl"];
    full.extend_from_slice(argv);
    exec_with(&curl_image(), net.clone(), &full, stdin).await
}

/// A pod of the helloworld sample.
pub(super) fn helloworld_pod(
    version: w::image::HelloworldVersion,
    name: &str,
) -> (ImageKind, PodContext) {
    let image = ImageKind::Helloworld(version);
    let pod = PodContext {
        hostname: name.into(),
        env: w::container_env(&image, name, &[]),
        command: Vec::new(),
    };
    (image, pod)
}

pub(super) fn text_response(status: u16, headers: &[(&str, &str)], body: &str) -> InboundResponse {
    InboundResponse::new(
        status,
        headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        Bytes::from(body.to_string()),
    )
}

/// Envoy's local reply for an aborted request (istio-facts section 4).
pub(super) fn fault_abort() -> InboundResponse {
    text_response(
        500,
        &[
            ("content-length", "18"),
            ("content-type", "text/plain"),
            ("date", "Thu, 27 Nov 2025 09:48:05 GMT"),
            ("server", "envoy"),
        ],
        "fault filter abort",
    )
}
