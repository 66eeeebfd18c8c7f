//! Cluster operations over kube-rs, for any Kubernetes API server: server-side apply through
//! discovery, deletes that wait, waits with "last seen", exec batches, port-forwards and
//! version detection.
//!
//! Nothing here knows about scenarios or which cluster it talks to. Errors name the resource
//! and namespace and say what to do next; they never include credentials. (Inside the crate
//! the kube-rs crate is `::kube`; this module is `crate::kube`.)

pub mod apply;
pub mod delete;
pub mod error;
pub mod exec;
pub mod jsonpath;
pub mod manifest;
pub mod object;
mod poll;
pub mod portforward;
pub(crate) mod retry;
pub mod versions;
pub mod wait;

pub use apply::{ApplyError, ApplyFailure, FIELD_MANAGER, apply, discover};
pub use delete::{DeleteError, delete, delete_manifests, delete_namespace};
pub use error::ApiFailure;
pub use exec::{ExecError, ExecOutput, ExitStatus, exec_batch, exec_command};
pub use jsonpath::JsonPath;
pub use manifest::{ManifestError, Manifests};
pub use object::{Applied, ObjectRef};
pub use portforward::{PortForward, PortForwardError, port_forward};
pub use wait::WaitError;
