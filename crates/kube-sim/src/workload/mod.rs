//! The container images of the simulated cluster.
//!
//! A scenario only ever sees what the images it runs do: what a process prints when
//! `kubectl exec` starts it, which ports a server listens on, what it answers to HTTP, and
//! what it writes to its log. This module models exactly those surfaces for the images the
//! Istio samples use (`istio/examples-helloworld-v1|v2`, `curlimages/curl` in the
//! sleep/curl sample, `kong/httpbin`, `mccutchen/go-httpbin`) plus `busybox` and `pause`,
//! so that the harness cannot tell the simulator from a real kind cluster.
//!
//! * [`image`]: which references are known ([`ImageKind::from_reference`]), and what each
//!   image contains (executables, environment, user).
//! * [`process`]: `kubectl exec` of an argv in an image ([`exec`]), including the exact
//!   containerd/runc error for a missing executable.
//! * [`coreutils`] and [`curl`]: the programs the images ship, with their real output,
//!   messages and exit codes.
//! * [`net`]: what a pod's network does with a request ([`Network`], implemented by the
//!   cluster model: DNS, the Envoy sidecar, the target pod).
//! * [`server`]: the HTTP behaviour of the server images ([`serve`], [`listening_ports`]).
//! * [`logs`]: what the server images write to their logs.
//!
//! Every rule cites the upstream source it follows in a one-line comment.

mod clock;
pub(crate) mod coreutils;
pub(crate) mod curl;
pub(crate) mod image;
mod json;
pub(crate) mod logs;
pub(crate) mod net;
pub(crate) mod process;
pub(crate) mod server;
#[cfg(test)]
mod tests;

pub(crate) use image::ImageKind;
pub(crate) use logs::{access_log_line, startup_log};
pub(crate) use net::{HttpVersion, InboundResponse, NetError, Network, OutboundRequest};
pub(crate) use process::{ExecOutcome, ProcessContext, ProcessIo, container_env, exec};
pub(crate) use server::{InboundRequest, OutboundResponse, PodContext, listening_ports, serve};
