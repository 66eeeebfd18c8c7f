//! The mesh source: requests sent by curl from inside a pod (the sleep/curl client), so they
//! go through that pod's sidecar like the application's own traffic would.

use std::time::Duration;

use ::kube::api::Api;
use k8s_openapi::api::core::v1::Pod;
use tokio::time::Instant;

use crate::kube::exec::{ExecError, exec_batch};

use super::curl::{ParsedBatch, curl_batch};
use super::request::{Request, RequestError};

/// Added to the sum of the requests' timeouts to bound one exec.
const EXEC_SLACK: Duration = Duration::from_secs(15);

/// A batch could not be sent at all.
#[derive(Debug, thiserror::Error)]
pub enum MeshError {
    #[error(transparent)]
    Request(#[from] RequestError),
    #[error(transparent)]
    Exec(#[from] ExecError),
}

/// A pod (and container) that runs curl.
#[derive(Debug, Clone)]
pub struct MeshSource {
    pods: Api<Pod>,
    pod: String,
    container: Option<String>,
}

/// A batch's results and how long the exec took.
#[derive(Debug, Clone)]
pub struct MeshBatch {
    pub parsed: ParsedBatch,
    pub took: Duration,
}

impl MeshSource {
    /// `pods` is the pod's namespace; `container` the one with curl (`None`: the pod's default
    /// container, which with a sidecar may be the wrong one, so name it).
    pub fn new(pods: Api<Pod>, pod: impl Into<String>, container: Option<String>) -> Self {
        Self {
            pods,
            pod: pod.into(),
            container,
        }
    }

    /// Sends `requests` in one curl run (in order, one after the other). The exec is bounded
    /// by the sum of the requests' timeouts plus a slack; a cut or timed-out run returns the
    /// complete transfers and says why the rest is missing.
    pub async fn send(&self, requests: &[Request]) -> Result<MeshBatch, MeshError> {
        let batch = curl_batch(requests)?;
        let timeout = requests.iter().map(|r| r.timeout).sum::<Duration>() + EXEC_SLACK;
        let start = Instant::now();
        let out = exec_batch(
            &self.pods,
            &self.pod,
            self.container.as_deref(),
            batch.argv(),
            batch.stdin(),
            timeout,
        )
        .await?;
        let parsed = batch.parse(&out.stdout, &out.stderr, &out.exit);
        let took = start.elapsed();
        tracing::debug!(pod = %self.pod, n = requests.len(), missing = parsed.missing(), ms = took.as_millis() as u64, "mesh batch");
        Ok(MeshBatch { parsed, took })
    }
}
