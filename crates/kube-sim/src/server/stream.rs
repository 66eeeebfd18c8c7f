//! Streaming subresources: exec and port-forward over WebSocket with the Kubernetes channel
//! protocols (`v5.channel.k8s.io`, `v4.channel.k8s.io`; rust-k8s.md 2.10 and 1.3), and pod logs.
//!
//! kubectl's SPDY transports (exec before 1.30, every port-forward) are refused with a Status
//! that says so: no usable server-side SPDY/3.1 exists in Rust, and the harness itself uses
//! WebSocket for both.

use std::sync::Arc;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use http::{HeaderValue, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, frame::coding::CloseCode};

use super::http::{Body, Query, error_response, full};
use super::status::{ApiError, success_status};
use crate::cluster::Cluster;
use crate::kubelet::{self, ExecOutcome};

const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const STDERR: u8 = 2;
const ERROR: u8 = 3;
/// v5.channel.k8s.io: `[255, channel]` closes that channel (stdin EOF).
const CLOSE: u8 = 255;

fn offered_protocols(req: &Request<Incoming>) -> Vec<String> {
    req.headers()
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

fn is_websocket(req: &Request<Incoming>) -> bool {
    req.headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"))
}

/// Why a non-WebSocket streaming request is refused.
fn refuse_transport(req: &Request<Incoming>, what: &str) -> ApiError {
    let upgrade = req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if upgrade.to_ascii_uppercase().starts_with("SPDY") {
        ApiError::bad_request(format!(
            "the simulated cluster serves {what} over WebSocket only (v5.channel.k8s.io, v4.channel.k8s.io), not SPDY/3.1: use kubectl 1.30 or newer for exec, and a WebSocket client such as kube-rs for port-forward"
        ))
    } else {
        ApiError::bad_request("Upgrade request required")
    }
}

/// Completes the WebSocket handshake with one of the offered subprotocols in `supported`
/// (in order of preference), and hands the upgraded connection to `task`.
fn upgrade<F, Fut>(mut req: Request<Incoming>, supported: &[&str], task: F) -> Response<Body>
where
    F: FnOnce(WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>, String) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let offered = offered_protocols(&req);
    let Some(protocol) = supported
        .iter()
        .find(|p| offered.iter().any(|o| o == *p))
        .map(|p| p.to_string())
    else {
        return error_response(&ApiError::bad_request(format!(
            "none of the offered WebSocket subprotocols {offered:?} is supported (supported: {supported:?})"
        )));
    };
    let Some(key) = req.headers().get(header::SEC_WEBSOCKET_KEY).cloned() else {
        return error_response(&ApiError::bad_request("missing Sec-WebSocket-Key"));
    };
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let on_upgrade = hyper::upgrade::on(&mut req);
    let chosen = protocol.clone();
    tokio::spawn(async move {
        match on_upgrade.await {
            Ok(upgraded) => {
                let ws =
                    WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, None)
                        .await;
                task(ws, chosen).await;
            }
            Err(e) => tracing::debug!(error = %e, "WebSocket upgrade failed"),
        }
    });
    let mut resp = Response::new(full(Bytes::new()));
    *resp.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = resp.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    if let Ok(v) = HeaderValue::from_str(&protocol) {
        h.insert(header::SEC_WEBSOCKET_PROTOCOL, v);
    }
    resp
}

fn frame(channel: u8, data: &[u8]) -> Message {
    let mut v = Vec::with_capacity(data.len() + 1);
    v.push(channel);
    v.extend_from_slice(data);
    Message::Binary(v.into())
}

/// `pods/exec`: runs a command in a container of a running pod.
pub(crate) async fn exec(
    cluster: &Arc<Cluster>,
    req: Request<Incoming>,
    ns: &str,
    pod: &str,
    q: &Query,
) -> Response<Body> {
    if !is_websocket(&req) {
        return error_response(&refuse_transport(&req, "exec"));
    }
    let command: Vec<String> = q.all("command").into_iter().map(str::to_string).collect();
    if command.is_empty() {
        return error_response(&ApiError::bad_request(
            "you must specify at least 1 command",
        ));
    }
    let target = match kubelet::exec_target(cluster, ns, pod, q.get("container")) {
        Ok(t) => t,
        Err(e) => return error_response(&e),
    };
    let want_stdin = q.flag("stdin");
    let cut = cluster.profile.chaos.exec_cut_share > 0.0
        && cluster.with_rng(|r| rand::Rng::random_bool(r, cluster.profile.chaos.exec_cut_share));
    // v5 (stdin close frames) arrived with 1.30's TranslateStreamCloseWebsocketRequests; older
    // API servers answer v4, where a client can only end stdin by closing the whole socket.
    let protocols: &[&str] = if cluster.profile.kubernetes.minor >= 30 {
        &["v5.channel.k8s.io", "v4.channel.k8s.io"]
    } else {
        &["v4.channel.k8s.io"]
    };
    let counted = cluster.clone();
    upgrade(req, protocols, move |ws, protocol| async move {
        run_exec(
            ws,
            protocol == "v5.channel.k8s.io",
            target,
            command,
            want_stdin,
            cut.then_some(counted),
        )
        .await;
    })
}

async fn run_exec(
    ws: WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>,
    v5: bool,
    target: kubelet::ExecTarget,
    command: Vec<String>,
    want_stdin: bool,
    // Set when chaos cuts this stream; the cluster counts the cut.
    cut: Option<Arc<Cluster>>,
) {
    let (mut sink, mut source) = ws.split();
    let (stdin_w, stdin_r) = tokio::io::duplex(64 * 1024);
    let (stdout_w, mut stdout_r) = tokio::io::duplex(64 * 1024);
    let (stderr_w, mut stderr_r) = tokio::io::duplex(64 * 1024);
    let shown = format!("[{}]", command.join(" "));
    let process = tokio::spawn(kubelet::run(
        target,
        command,
        want_stdin.then_some(stdin_r),
        stdout_w,
        stderr_w,
    ));
    // Client → stdin. Ends at stdin close ([255, 0] under v5), a close frame, or disconnect.
    let reader = tokio::spawn(async move {
        let mut stdin_w = Some(stdin_w);
        while let Some(msg) = source.next().await {
            tracing::trace!(?msg, "exec: client message");
            match msg {
                Ok(Message::Binary(b)) if b.len() > 1 && b[0] == STDIN => {
                    if let Some(w) = stdin_w.as_mut()
                        && w.write_all(&b[1..]).await.is_err()
                    {
                        stdin_w = None;
                    }
                }
                Ok(Message::Binary(b)) if v5 && b.len() == 2 && b[0] == CLOSE && b[1] == STDIN => {
                    stdin_w = None;
                }
                Ok(Message::Close(_)) | Err(_) => break,
                _ => {}
            }
        }
    });
    // stdout/stderr → client, as produced.
    let mut out_buf = vec![0u8; 16 * 1024];
    let mut err_buf = vec![0u8; 16 * 1024];
    let (mut out_open, mut err_open) = (true, true);
    while out_open || err_open {
        let msg = tokio::select! {
            n = stdout_r.read(&mut out_buf), if out_open => match n {
                Ok(0) | Err(_) => { out_open = false; None }
                Ok(n) => Some(frame(STDOUT, &out_buf[..n])),
            },
            n = stderr_r.read(&mut err_buf), if err_open => match n {
                Ok(0) | Err(_) => { err_open = false; None }
                Ok(n) => Some(frame(STDERR, &err_buf[..n])),
            },
        };
        if let Some(m) = msg {
            tracing::trace!(?m, "exec: server message");
            if sink.send(m).await.is_err() {
                process.abort();
                reader.abort();
                return;
            }
            if let Some(cluster) = &cut {
                // Chaos: the stream breaks mid-command, with no status frame.
                cluster.faults().exec_cut();
                process.abort();
                reader.abort();
                return;
            }
        }
    }
    let outcome = process.await.unwrap_or(ExecOutcome::Exited(137));
    let status = match outcome {
        ExecOutcome::Exited(0) => success_status(None),
        ExecOutcome::Exited(code) => json!({
            "metadata": {}, "status": "Failure",
            "message": format!("command terminated with non-zero exit code: error executing command {shown}, exit code {code}"),
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]},
        }),
        // The kubelet reports a missing executable as an internal error (see ExecOutcome).
        ref missing @ ExecOutcome::NotFound { .. } => json!({
            "metadata": {}, "status": "Failure", "reason": "InternalError", "code": 500,
            "message": missing.kubelet_status_message().unwrap_or_default(),
        }),
    };
    let _ = sink
        .send(frame(
            ERROR,
            &serde_json::to_vec(&status).unwrap_or_default(),
        ))
        .await;
    let _ = sink
        .send(Message::Close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        })))
        .await;
    let _ = sink.close().await;
    reader.abort();
}

/// `pods/portforward`: bytes to and from ports that simulated processes listen on.
pub(crate) async fn portforward(
    cluster: &Arc<Cluster>,
    req: Request<Incoming>,
    ns: &str,
    pod: &str,
    q: &Query,
) -> Response<Body> {
    if !is_websocket(&req)
        || offered_protocols(&req)
            .iter()
            .any(|p| p.starts_with("SPDY"))
    {
        return error_response(&refuse_transport_pf(&req));
    }
    let ports: Vec<u16> = match q
        .all("ports")
        .iter()
        .flat_map(|p| p.split(','))
        .map(|p| p.trim().parse::<u16>())
        .collect::<Result<Vec<_>, _>>()
    {
        Ok(p) if !p.is_empty() && p.iter().all(|p| *p > 0) => p,
        _ => {
            return error_response(&ApiError::bad_request(
                "query parameter \"port\" is required and must be a valid port number",
            ));
        }
    };
    let target = match kubelet::pod_target(cluster, ns, pod) {
        Ok(t) => t,
        Err(e) => return error_response(&e),
    };
    // The kubelet's WebSocket port-forward speaks v4 (containerd's streaming server).
    upgrade(
        req,
        &["v4.channel.k8s.io", "v5.channel.k8s.io"],
        move |ws, _| async move {
            run_portforward(ws, target, ports).await;
        },
    )
}

fn refuse_transport_pf(req: &Request<Incoming>) -> ApiError {
    if offered_protocols(req).iter().any(|p| p.starts_with("SPDY")) {
        return ApiError::bad_request(
            "the simulated cluster serves port-forward over WebSocket (v4.channel.k8s.io) only; kubectl port-forward needs SPDY/3.1, which it does not implement: use a WebSocket client such as kube-rs (Api::portforward)",
        );
    }
    refuse_transport(req, "port-forward")
}

async fn run_portforward(
    ws: WebSocketStream<TokioIo<hyper::upgrade::Upgraded>>,
    target: kubelet::PodTarget,
    ports: Vec<u16>,
) {
    let (mut sink, mut source) = ws.split();
    // The first frame on every channel names its port (u16 little endian).
    for (i, port) in ports.iter().enumerate() {
        let p = port.to_le_bytes();
        for ch in [2 * i as u8, 2 * i as u8 + 1] {
            if sink
                .send(Message::Binary(vec![ch, p[0], p[1]].into()))
                .await
                .is_err()
            {
                return;
            }
        }
    }
    let (to_client, mut outbox) = tokio::sync::mpsc::channel::<Message>(64);
    let mut writers = Vec::new();
    for (i, port) in ports.iter().enumerate() {
        let data_ch = 2 * i as u8;
        match kubelet::connect(&target, *port).await {
            Ok(conn) => {
                let (mut r, w) = tokio::io::split(conn);
                writers.push(Some(w));
                let tx = to_client.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 32 * 1024];
                    loop {
                        match r.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => {
                                if tx.send(frame(data_ch, &buf[..n])).await.is_err() {
                                    break;
                                }
                            }
                        }
                    }
                });
            }
            Err(message) => {
                writers.push(None);
                let _ = to_client.send(frame(data_ch + 1, message.as_bytes())).await;
            }
        }
    }
    drop(to_client);
    loop {
        tokio::select! {
            out = outbox.recv() => match out {
                Some(m) => if sink.send(m).await.is_err() { return; },
                None => break,
            },
            msg = source.next() => match msg {
                Some(Ok(Message::Binary(b))) if b.len() > 1 => {
                    let ch = b[0] as usize;
                    if ch.is_multiple_of(2)
                        && let Some(Some(w)) = writers.get_mut(ch / 2)
                            && w.write_all(&b[1..]).await.is_err() {
                                writers[ch / 2] = None;
                            }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => return,
                _ => {}
            }
        }
    }
    let _ = sink
        .send(Message::Close(Some(CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        })))
        .await;
}

/// `pods/log`: the container's log, optionally followed.
pub(crate) async fn logs(cluster: &Arc<Cluster>, ns: &str, pod: &str, q: &Query) -> Response<Body> {
    let tail = q.get("tailLines").and_then(|t| t.parse::<usize>().ok());
    let follow = q.flag("follow");
    let timestamps = q.flag("timestamps");
    match kubelet::logs(
        cluster,
        ns,
        pod,
        q.get("container"),
        tail,
        follow,
        timestamps,
    ) {
        Ok(body) => {
            let mut resp = Response::new(body);
            resp.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            resp
        }
        Err(e) => error_response(&e),
    }
}
