//! The mesh source: requests sent by curl from inside a pod (the sleep/curl client), so they
//! go through that pod's sidecar like the application's own traffic would.

use std::time::Duration;

use ::kube::api::Api;
use k8s_openapi::api::core::v1::Pod;
use tokio::time::Instant;

use crate::kube::exec::{ExecError, exec_command};

use super::curl::{CurlBatch, CurlMode, ParsedBatch, curl_argv_batches, curl_batch};
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
    mode: CurlMode,
}

/// A batch's results and how long the exec took.
#[derive(Debug, Clone)]
pub struct MeshBatch {
    pub parsed: ParsedBatch,
    pub took: Duration,
}

impl MeshSource {
    /// `pods` is the pod's namespace; `container` the one with curl (`None`: the pod's default
    /// container, which with a sidecar may be the wrong one, so name it). Sends in
    /// [`CurlMode::Stdin`]; see [`MeshSource::mode`].
    pub fn new(pods: Api<Pod>, pod: impl Into<String>, container: Option<String>) -> Self {
        Self {
            pods,
            pod: pod.into(),
            container,
            mode: CurlMode::Stdin,
        }
    }

    /// How requests reach curl: [`CurlMode::for_kubernetes`] of the API server's version.
    pub fn mode(mut self, mode: CurlMode) -> Self {
        self.mode = mode;
        self
    }

    /// Sends `requests` in order, one after the other: in one curl run with the config on
    /// stdin, or in argv mode in as few runs as the exec URL's size allows. Each exec is
    /// bounded by the sum of its requests' timeouts plus a slack; a cut or timed-out run
    /// returns the complete transfers and says why the rest is missing.
    pub async fn send(&self, requests: &[Request]) -> Result<MeshBatch, MeshError> {
        let runs = match self.mode {
            CurlMode::Stdin => vec![curl_batch(requests)?],
            CurlMode::Argv => curl_argv_batches(requests)?,
        };
        let start = Instant::now();
        let mut parsed = ParsedBatch {
            results: Vec::with_capacity(requests.len()),
            problem: None,
        };
        let mut done = 0;
        for run in &runs {
            let part = self.run(run, &requests[done..done + run.len()]).await?;
            if let Some(p) = part.problem {
                let p = if runs.len() > 1 {
                    format!("requests {}..{}: {p}", done, done + run.len())
                } else {
                    p
                };
                parsed.problem = Some(match parsed.problem.take() {
                    Some(before) => format!("{before}; {p}"),
                    None => p,
                });
            }
            parsed.results.extend(part.results);
            done += run.len();
        }
        let took = start.elapsed();
        tracing::debug!(pod = %self.pod, n = requests.len(), runs = runs.len(), mode = ?self.mode, missing = parsed.missing(), ms = took.as_millis() as u64, "mesh batch");
        Ok(MeshBatch { parsed, took })
    }

    /// One curl run of `requests`.
    async fn run(&self, batch: &CurlBatch, requests: &[Request]) -> Result<ParsedBatch, MeshError> {
        let timeout = requests.iter().map(|r| r.timeout).sum::<Duration>() + EXEC_SLACK;
        let out = exec_command(
            &self.pods,
            &self.pod,
            self.container.as_deref(),
            batch.argv(),
            batch.stdin(),
            timeout,
        )
        .await?;
        Ok(batch.parse(&out.stdout, &out.stderr, &out.exit))
    }
}
