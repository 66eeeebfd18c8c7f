//! One error type for the Docker side, carrying which container, image or network failed.

use std::io;
use std::path::PathBuf;

/// Result alias for this module.
pub(crate) type Result<T, E = DockerError> = std::result::Result<T, E>;

/// What went wrong talking to Docker, with the object involved and, for setup problems, what to do.
#[derive(Debug, thiserror::Error)]
pub enum DockerError {
    #[error(
        "the Docker daemon is not running at {host} ({detail}): start Docker (systemctl start docker) or set DOCKER_HOST"
    )]
    NotRunning { host: String, detail: String },

    #[error(
        "permission denied on the Docker socket {host}: add your user to the docker group or run with access to /var/run/docker.sock"
    )]
    PermissionDenied {
        host: String,
        #[source]
        source: bollard::errors::Error,
    },

    #[error("the Docker engine at {host} is unreachable: {detail}")]
    Unreachable { host: String, detail: String },

    #[error(
        "the Docker engine has {cpus} CPUs and {memory} of memory; this run needs at least {min_cpus} CPUs and {min_memory}: give Docker more resources or run fewer nodes",
        memory = gib(*memory_bytes),
        min_memory = gib(*min_memory_bytes)
    )]
    InsufficientResources {
        cpus: u32,
        memory_bytes: u64,
        min_cpus: u32,
        min_memory_bytes: u64,
    },

    #[error("Docker API call `{action}` failed: {source}")]
    Api {
        action: &'static str,
        #[source]
        source: bollard::errors::Error,
    },

    #[error("container {container}: {action} failed: {source}")]
    Container {
        container: String,
        action: &'static str,
        #[source]
        source: bollard::errors::Error,
    },

    #[error("container {container}: writing stdin of `{argv}` failed: {source}")]
    ExecStdin {
        container: String,
        argv: String,
        #[source]
        source: io::Error,
    },

    #[error("container {container}: `{argv}` exited with {exit_code}: {stderr}")]
    CommandFailed {
        container: String,
        argv: String,
        exit_code: i64,
        stderr: String,
    },

    #[error("container {container}: cannot tell containerd's snapshotter: {reason}")]
    Snapshotter { container: String, reason: String },

    #[error("image {image}: {action} failed: {source}")]
    Image {
        image: String,
        action: &'static str,
        #[source]
        source: bollard::errors::Error,
    },

    #[error(
        "image {image} is not on the Docker host and pulling it failed: {reason}. Without registry access, build it or `docker load` it on this host, then retry"
    )]
    ImageUnavailable { image: String, reason: String },

    #[error("Docker network {network} does not exist: create the kind cluster first")]
    NetworkNotFound { network: String },

    #[error("Docker network {network} has no IPv4 subnet (IPAM config: {ipam})")]
    NoIpv4Subnet { network: String, ipam: String },

    #[error("network {network}: {source}")]
    Network {
        network: String,
        #[source]
        source: bollard::errors::Error,
    },

    #[error("no kind node containers found for cluster {cluster}")]
    NoNodes { cluster: String },

    #[error("{path}: {source}")]
    File {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// `12.0 GiB`-style rendering for resource messages.
fn gib(bytes: u64) -> String {
    format!("{:.1} GiB", bytes as f64 / (1024.0 * 1024.0 * 1024.0))
}

/// The HTTP status of a server-side error, to tell "not found" from real failures.
pub(crate) fn status_code(err: &bollard::errors::Error) -> Option<u16> {
    match err {
        bollard::errors::Error::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}
