//! Cluster operations over kube-rs, for any Kubernetes API server: server-side apply through
//! discovery, deletes that wait, waits with "last seen", exec batches, port-forwards and
//! version detection.
//!
//! Nothing here knows about scenarios or which cluster it talks to. Errors name the resource
//! and namespace and say what to do next; they never include credentials. (Inside the crate
//! the kube-rs crate is `::kube`; this module is `crate::kube`.)

pub(crate) mod apply;
mod delete;
pub(crate) mod error;
pub(crate) mod exec;
mod jsonpath;
pub(crate) mod manifest;
mod object;
mod poll;
pub(crate) mod portforward;
pub(crate) mod retry;
/// Public as a module: the integration tests call `versions::kubernetes`, `istio`, `gateway_api`.
pub mod versions;
/// Public as a module: the integration tests call `wait::condition`, `rollout`, `pods_ready`, ...
pub mod wait;

pub(crate) use apply::ApplyFailure;
pub use apply::{ApplyError, apply, discover};
pub(crate) use delete::delete_manifests;
pub use delete::{delete, delete_namespace};
pub(crate) use error::ApiFailure;
pub use exec::{ExitStatus, exec_batch};
pub use jsonpath::JsonPath;
pub use object::Applied;
pub(crate) use object::ObjectRef;
pub(crate) use portforward::port_forward;
pub(crate) use wait::WaitError;
