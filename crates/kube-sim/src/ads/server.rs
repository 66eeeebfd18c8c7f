//! The ADS gRPC server: one task per Envoy stream, answering as istiod does
//! (pilot/pkg/xds/ads.go `StreamAggregatedResources`, `processRequest`, `pushConnection`;
//! pkg/xds/server.go `ShouldRespond`; pilot/pkg/xds/xdsgen.go `pushXds`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use envoy_types::pb::envoy::config::core::v3::ControlPlane;
use envoy_types::pb::envoy::service::discovery::v3::aggregated_discovery_service_server::{
    AggregatedDiscoveryService, AggregatedDiscoveryServiceServer,
};
use envoy_types::pb::envoy::service::discovery::v3::{
    DeltaDiscoveryRequest, DeltaDiscoveryResponse, DiscoveryRequest, DiscoveryResponse,
};
use envoy_types::pb::google::protobuf::{Struct, value::Kind};
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;
use tokio_stream::wrappers::{ReceiverStream, TcpListenerStream};
use tonic::{Request, Response, Status, Streaming};

use super::source::ConfigSource;
use super::tracker::{Nack, SyncTracker};
use super::{NodeId, PUSH_ORDER};

/// Why the ADS server could not start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AdsError {
    #[error("failed to listen for ADS on {addr}")]
    Listen {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// A running ADS server; dropping it stops serving (open streams end with it).
#[derive(Debug)]
pub(crate) struct AdsServer {
    addr: SocketAddr,
    tracker: SyncTracker,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl AdsServer {
    /// Serves `source` on `listen` (`127.0.0.1:0` for a kernel-picked port). Must be called
    /// inside a tokio runtime.
    pub(crate) async fn start(
        source: Arc<dyn ConfigSource>,
        listen: SocketAddr,
    ) -> Result<Self, AdsError> {
        let err = |source| AdsError::Listen {
            addr: listen,
            source,
        };
        let listener = TcpListener::bind(listen).await.map_err(err)?;
        let addr = listener.local_addr().map_err(err)?;
        let tracker = SyncTracker::default();
        let service = Ads {
            source,
            tracker: tracker.clone(),
            connections: AtomicU64::new(0),
        };
        let (shutdown, stop) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = tonic::transport::Server::builder()
                .add_service(AggregatedDiscoveryServiceServer::new(service))
                .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async {
                    let _ = stop.await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!("ADS server on {addr} failed: {e}");
            }
        });
        tracing::debug!("ADS server listening on {addr}");
        Ok(AdsServer {
            addr,
            tracker,
            shutdown: Some(shutdown),
            task,
        })
    }

    /// The address Envoy bootstraps name.
    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What every connected Envoy was sent, ACKed and NACKed.
    pub(crate) fn tracker(&self) -> &SyncTracker {
        &self.tracker
    }
}

impl Drop for AdsServer {
    fn drop(&mut self) {
        if let Some(s) = self.shutdown.take() {
            let _ = s.send(());
        }
        self.task.abort();
    }
}

struct Ads {
    source: Arc<dyn ConfigSource>,
    tracker: SyncTracker,
    connections: AtomicU64,
}

type Responses = mpsc::Sender<Result<DiscoveryResponse, Status>>;

#[tonic::async_trait]
impl AggregatedDiscoveryService for Ads {
    type StreamAggregatedResourcesStream = ReceiverStream<Result<DiscoveryResponse, Status>>;
    type DeltaAggregatedResourcesStream = ReceiverStream<Result<DeltaDiscoveryResponse, Status>>;

    async fn stream_aggregated_resources(
        &self,
        request: Request<Streaming<DiscoveryRequest>>,
    ) -> Result<Response<Self::StreamAggregatedResourcesStream>, Status> {
        let mut inbound = request.into_inner();
        // The first request carries the node (`set_node_on_first_message_only`); istiod
        // refuses a stream without one (ads.go `initConnection`).
        let first = match inbound.message().await {
            Ok(Some(r)) => r,
            Ok(None) => {
                return Err(Status::cancelled(
                    "the stream ended before its first request",
                ));
            }
            Err(e) => return Err(e),
        };
        let node = first
            .node
            .as_ref()
            .ok_or_else(|| Status::invalid_argument("missing node information"))?;
        let id = NodeId::parse(&node.id)
            .ok_or_else(|| Status::invalid_argument(format!("invalid node id {:?}", node.id)))?;
        let metadata = node.metadata.as_ref().map_or(Value::Null, struct_to_json);
        let n = self.connections.fetch_add(1, Ordering::Relaxed) + 1;
        let conn_id = format!("{}-{n}", id.proxy_id());
        self.tracker.connect(&conn_id, id.clone(), metadata);
        tracing::debug!(conn = conn_id, node = %id, "ADS stream opened");
        let (tx, rx) = mpsc::channel(16);
        let conn = Connection {
            conn_id,
            node: id,
            source: self.source.clone(),
            tracker: self.tracker.clone(),
            tx,
            watched: BTreeMap::new(),
        };
        tokio::spawn(conn.run(first, inbound));
        Ok(Response::new(ReceiverStream::new(rx)))
    }

    async fn delta_aggregated_resources(
        &self,
        _request: Request<Streaming<DeltaDiscoveryRequest>>,
    ) -> Result<Response<Self::DeltaAggregatedResourcesStream>, Status> {
        // istiod serves delta xDS only behind ISTIO_DELTA_XDS; the bootstraps here ask for
        // state of the world.
        Err(Status::unimplemented("delta xDS is not served"))
    }
}

/// One type's subscription on a stream (istiod's `WatchedResource`).
#[derive(Debug, Default)]
struct Watched {
    names: Vec<String>,
    nonce_sent: String,
}

/// One Envoy's stream.
struct Connection {
    conn_id: String,
    node: NodeId,
    source: Arc<dyn ConfigSource>,
    tracker: SyncTracker,
    tx: Responses,
    watched: BTreeMap<String, Watched>,
}

impl Connection {
    async fn run(mut self, first: DiscoveryRequest, mut inbound: Streaming<DiscoveryRequest>) {
        let mut pushes = self.source.pushes();
        pushes.borrow_and_update();
        let mut next = Some(first);
        loop {
            if let Some(req) = next.take()
                && self.process(req).await.is_err()
            {
                break;
            }
            tokio::select! {
                msg = inbound.message() => match msg {
                    Ok(Some(req)) => next = Some(req),
                    Ok(None) => break,
                    Err(e) => {
                        tracing::debug!(conn = self.conn_id, "ADS stream error: {e}");
                        break;
                    }
                },
                changed = pushes.changed() => {
                    if changed.is_err() {
                        break;
                    }
                    if self.push_all().await.is_err() {
                        break;
                    }
                }
            }
        }
        self.tracker.disconnect(&self.conn_id);
        tracing::debug!(conn = self.conn_id, "ADS stream closed");
    }

    /// One request: a NACK, an ACK, a stale ACK, or a (re)subscription (server.go
    /// `ShouldRespond`). Errors only when the stream is gone.
    async fn process(&mut self, req: DiscoveryRequest) -> Result<(), ()> {
        let type_url = req.type_url.clone();
        if let Some(err) = &req.error_detail {
            tracing::warn!(
                conn = self.conn_id,
                type_url,
                nonce = req.response_nonce,
                "ADS NACK: {}",
                err.message
            );
            self.tracker.nacked(
                &self.conn_id,
                &type_url,
                Nack {
                    nonce: req.response_nonce,
                    version_kept: req.version_info,
                    message: err.message.clone(),
                    at: jiff::Timestamp::now().to_string(),
                },
            );
            return Ok(());
        }
        if req.response_nonce.is_empty() {
            // A new subscription, or Envoy reconnected and asks again.
            self.watched.insert(
                type_url.clone(),
                Watched {
                    names: req.resource_names,
                    nonce_sent: String::new(),
                },
            );
            return self.push(&type_url).await;
        }
        let Some(w) = self.watched.get_mut(&type_url) else {
            // A nonce for a type this stream never sent: istiod treats it as a new watch.
            self.watched.insert(
                type_url.clone(),
                Watched {
                    names: req.resource_names,
                    nonce_sent: String::new(),
                },
            );
            return self.push(&type_url).await;
        };
        if w.nonce_sent != req.response_nonce {
            // An ACK of a response that was superseded: the newer one's ACK follows.
            tracing::debug!(
                conn = self.conn_id,
                type_url,
                "ADS expired nonce {}",
                req.response_nonce
            );
            return Ok(());
        }
        self.tracker.acked(
            &self.conn_id,
            &type_url,
            &req.response_nonce,
            &req.version_info,
        );
        if w.names != req.resource_names {
            // The ACK also changes the subscription (new routes or clusters): answer it.
            w.names = req.resource_names;
            return self.push(&type_url).await;
        }
        Ok(())
    }

    /// A full push: every watched type, in istiod's order, then any others.
    async fn push_all(&mut self) -> Result<(), ()> {
        let mut order: Vec<String> = PUSH_ORDER
            .iter()
            .filter(|t| self.watched.contains_key(**t))
            .map(|t| t.to_string())
            .collect();
        order.extend(
            self.watched
                .keys()
                .filter(|t| !PUSH_ORDER.contains(&t.as_str()))
                .cloned(),
        );
        for t in order {
            self.push(&t).await?;
        }
        Ok(())
    }

    /// Sends one type's resources (xdsgen.go `pushXds`: `VersionInfo` is the push version,
    /// the nonce that version followed by a UUID).
    async fn push(&mut self, type_url: &str) -> Result<(), ()> {
        let names = self
            .watched
            .get(type_url)
            .map(|w| w.names.clone())
            .unwrap_or_default();
        let generated = self.source.generate(&self.node, type_url, &names);
        let version = generated.version.to_string();
        let nonce = crate::istio::nonce(
            &generated.version.time,
            generated.version.counter,
            &mut rand::rng(),
        );
        let count = generated.resources.len();
        let response = DiscoveryResponse {
            version_info: version.clone(),
            resources: generated.resources,
            type_url: type_url.to_string(),
            nonce: nonce.clone(),
            control_plane: Some(control_plane()),
            ..Default::default()
        };
        if let Some(w) = self.watched.get_mut(type_url) {
            w.nonce_sent = nonce.clone();
        }
        self.tracker
            .sent(&self.conn_id, type_url, &version, &nonce, count);
        tracing::debug!(conn = self.conn_id, type_url, version, count, "ADS push");
        self.tx.send(Ok(response)).await.map_err(|_| ())
    }
}

/// istiod's control-plane identifier (pilot/pkg/xds/xdsgen.go `ControlPlane`: the JSON of
/// `{Component, ID, Info}`), with the simulator's own id.
fn control_plane() -> ControlPlane {
    ControlPlane {
        identifier: r#"{"Component":"istiod","ID":"istiod-sim","Info":{"version":"kube-sim"}}"#
            .to_string(),
    }
}

/// A protobuf Struct (node metadata) as JSON.
fn struct_to_json(s: &Struct) -> Value {
    Value::Object(
        s.fields
            .iter()
            .map(|(k, v)| (k.clone(), kind_to_json(v.kind.as_ref())))
            .collect(),
    )
}

fn kind_to_json(kind: Option<&Kind>) -> Value {
    match kind {
        None | Some(Kind::NullValue(_)) => Value::Null,
        Some(Kind::NumberValue(n)) => {
            serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number)
        }
        Some(Kind::StringValue(s)) => Value::String(s.clone()),
        Some(Kind::BoolValue(b)) => Value::Bool(*b),
        Some(Kind::StructValue(s)) => struct_to_json(s),
        Some(Kind::ListValue(l)) => Value::Array(
            l.values
                .iter()
                .map(|v| kind_to_json(v.kind.as_ref()))
                .collect(),
        ),
    }
}
