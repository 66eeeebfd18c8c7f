//! The pod network: what a request from a pod reaches, and what listens on a pod's ports.
use std::sync::Arc;

use serde_json::Value;
use tokio::io::DuplexStream;

use super::cluster::Cluster;
use super::workload::{self, NetError, Network, OutboundRequest, InboundResponse, PodContext};

/// A handler for connections to one port of one pod.
#[derive(Clone)]
pub struct Listener;

struct PodNetwork;

impl Network for PodNetwork {
    fn request(&self, _req: OutboundRequest) -> futures::future::BoxFuture<'_, Result<InboundResponse, NetError>> {
        Box::pin(async { Err(NetError::Refused) })
    }
}

pub fn for_pod(_cluster: &Arc<Cluster>, _pod: &Value) -> Arc<dyn Network> {
    Arc::new(PodNetwork)
}

pub fn listener(_cluster: &Arc<Cluster>, pod: &Value, port: u16) -> Option<Listener> {
    let _ = (pod, port, workload::listening_ports);
    None
}

pub async fn serve_http(_stream: DuplexStream, _l: Listener) {}

pub fn pod_context(pod: &Value, _container: &Value) -> PodContext {
    PodContext { pod_name: pod["metadata"]["name"].as_str().unwrap_or_default().to_string() }
}
