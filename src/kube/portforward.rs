//! A local TCP port that reaches a pod's port through the API server (kube-rs `portforward`
//! over WebSocket), for when the pod's address is not reachable from where the harness runs
//! (a gateway on a kind cluster without a load balancer).
//!
//! Each accepted connection gets its own `Portforwarder`, so connections are independent and a
//! broken one does not take the others down. Dropping the [`PortForward`] stops accepting,
//! and aborts every connection and its WebSocket: no task outlives it.

use std::net::SocketAddr;
use std::time::Duration;

use ::kube::api::Api;
use k8s_openapi::api::core::v1::Pod;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use super::error::{ApiFailure, error_chain};

/// How long a connection whose client stopped sending may still receive the pod's answer.
/// (kube-rs closes the whole WebSocket when the pod-bound side ends, so a client's half-close
/// is not passed on; this bounds how long such a connection lingers.)
const HALF_CLOSE_GRACE: Duration = Duration::from_secs(30);

/// The port-forward could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum PortForwardError {
    #[error("cannot listen on 127.0.0.1 for a port-forward: {0}")]
    Listen(#[source] std::io::Error),
    #[error(
        "cannot port-forward to pod {namespace}/{pod} port {port}: {failure}. Check that the pod \
         exists and is Running"
    )]
    Pod {
        namespace: String,
        pod: String,
        port: u16,
        failure: ApiFailure,
    },
}

/// A listening local port forwarding to a pod's port; stops when dropped.
#[derive(Debug)]
pub(crate) struct PortForward {
    local: SocketAddr,
    task: JoinHandle<()>,
}

impl PortForward {
    /// The local address (`127.0.0.1:<ephemeral>`) to connect to.
    pub(crate) fn local_addr(&self) -> SocketAddr {
        self.local
    }
}

impl Drop for PortForward {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection task,
        // whose guards abort their Portforwarders.
        self.task.abort();
    }
}

/// Listens on `127.0.0.1:0` and forwards each accepted connection to `port` of `pod`.
/// Checks first that the pod exists and is Running, so a wrong name fails here and not at the
/// first connection.
pub(crate) async fn port_forward(
    pods: &Api<Pod>,
    pod: &str,
    port: u16,
) -> Result<PortForward, PortForwardError> {
    let pod_error = |failure: ApiFailure| PortForwardError::Pod {
        namespace: pods.namespace().unwrap_or_default().to_string(),
        pod: pod.to_string(),
        port,
        failure,
    };
    let p = pods
        .get(pod)
        .await
        .map_err(|e| pod_error(ApiFailure::from_kube(&e)))?;
    let phase = p.status.and_then(|s| s.phase).unwrap_or_default();
    if phase != "Running" {
        return Err(pod_error(ApiFailure {
            code: None,
            reason: String::new(),
            message: format!(
                "the pod is {}",
                if phase.is_empty() { "Pending" } else { &phase }
            ),
        }));
    }
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(PortForwardError::Listen)?;
    let local = listener.local_addr().map_err(PortForwardError::Listen)?;
    let task = tokio::spawn(accept_loop(listener, pods.clone(), pod.to_string(), port));
    tracing::debug!(%local, pod, port, "port-forward listening");
    Ok(PortForward { local, task })
}

async fn accept_loop(listener: TcpListener, pods: Api<Pod>, pod: String, port: u16) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, peer)) => {
                    let (pods, pod) = (pods.clone(), pod.clone());
                    conns.spawn(async move {
                        if let Err(e) = forward(tcp, &pods, &pod, port).await {
                            tracing::warn!(%peer, pod, port, error = %e, "port-forward connection failed");
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "port-forward accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
}

/// Aborts the Portforwarder's background task when dropped (kube-rs detaches it otherwise).
struct Abort(::kube::api::Portforwarder);

impl Drop for Abort {
    fn drop(&mut self) {
        self.0.abort();
    }
}

async fn forward(mut tcp: TcpStream, pods: &Api<Pod>, pod: &str, port: u16) -> Result<(), String> {
    let mut pf = Abort(
        pods.portforward(pod, &[port])
            .await
            .map_err(|e| ApiFailure::from_kube(&e).to_string())?,
    );
    let stream =
        pf.0.take_stream(port)
            .ok_or("kube-rs gave no stream for the port")?;
    let errors = pf.0.take_error(port);
    let (mut pod_r, mut pod_w) = tokio::io::split(stream);
    let (mut tcp_r, mut tcp_w) = tcp.split();
    let to_pod = async {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            match tcp_r.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if pod_w.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            }
        }
        // The client is done sending (or gone): give the answer a bounded time to come.
        tokio::time::sleep(HALF_CLOSE_GRACE).await;
    };
    let from_pod = async {
        let r = tokio::io::copy(&mut pod_r, &mut tcp_w).await;
        let _ = tcp_w.shutdown().await;
        r.map(|_| ()).map_err(|e| error_chain(&e))
    };
    let pod_error = async {
        match errors {
            Some(f) => match f.await {
                Some(msg) => msg,
                None => std::future::pending().await,
            },
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = to_pod => Ok(()),
        r = from_pod => r,
        msg = pod_error => Err(format!("the pod side reported: {msg}")),
    }
}
