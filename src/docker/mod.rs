//! The Docker side of `--cluster kind`: talking to the local Docker engine through bollard.
//!
//! kind runs every Kubernetes node as a Docker container, so everything the harness needs from
//! the host engine lives here: connecting (with errors that say what to do), checking the engine
//! is big enough, finding kind's node containers, running commands in them, collecting their logs
//! as failure artifacts, preloading images the way `kind load docker-image` does, and reading the
//! `kind` network's subnet for MetalLB.
//!
//! Each concern is a small submodule adding methods to [`Docker`].

mod connect;
mod engine;
mod error;
mod exec;
mod logs;
mod network;
mod nodes;
mod preload;
mod snapshotter;

#[cfg(test)]
mod testkit;

pub(crate) use engine::Requirements;
pub(crate) use error::{DockerError, Result};
pub(crate) use nodes::{KindNode, NodeRole};
pub(crate) use preload::PreloadOptions;

/// A connected, version-negotiated handle on the Docker engine.
///
/// Cheap to clone: bollard's client is reference-counted inside.
#[derive(Debug, Clone)]
pub struct Docker {
    api: bollard::Docker,
    /// The address we connected to, for error messages (`unix:///var/run/docker.sock`, ...).
    host: String,
}

impl Docker {
    /// The engine address this handle talks to.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The underlying bollard client, for calls this module does not wrap.
    pub fn api(&self) -> &bollard::Docker {
        &self.api
    }
}
