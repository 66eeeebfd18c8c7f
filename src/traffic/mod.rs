//! Sending requests and turning what comes back into samples, for the two sources a scenario
//! uses: curl inside a mesh pod ([`mesh`], batches over one exec) and the harness itself
//! towards an ingress gateway ([`ingress`], directly or through a port-forward).
//!
//! Nothing here knows about scenarios or which cluster it talks to.

pub mod curl;
pub mod ingress;
pub mod mesh;
pub mod request;
pub mod sample;

pub use curl::{CurlBatch, CurlMode, ParsedBatch, curl_argv_batches, curl_batch, parse_curl_batch};
pub use ingress::{Fallback, IngressSource, Route};
pub use mesh::{MeshBatch, MeshSource};
pub use request::{Request, RequestError, Target};
pub use sample::{Body, Response, Sample, TransportError, TransportErrorKind};
