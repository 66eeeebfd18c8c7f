//! Sending requests and turning what comes back into samples, for the two sources a scenario
//! uses: curl inside a mesh pod ([`mesh`], batches over one exec) and the harness itself
//! towards an ingress gateway ([`ingress`], directly or through a port-forward).
//!
//! Nothing here knows about scenarios or which cluster it talks to.

mod curl;
mod ingress;
pub(crate) mod mesh;
mod request;
mod sample;

pub use curl::{CurlBatch, CurlMode, curl_batch, parse_curl_batch};
pub use ingress::{Fallback, IngressSource, PROBE_TIMEOUT, Route};
pub use mesh::MeshSource;
pub use request::Request;
pub(crate) use sample::Response;
#[cfg(test)]
pub(crate) use sample::{Body, TransportError};
pub use sample::{Sample, TransportErrorKind};
