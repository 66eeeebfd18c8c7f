//! Connecting to the engine and turning connection failures into advice.

use std::error::Error as _;
use std::io;
use std::time::Duration;

use bollard::errors::Error as BollardError;

use super::{Docker, DockerError, Result};

/// How long the first ping may take before the engine counts as unreachable; bollard's own
/// request timeout is two minutes, far too long for a startup check.
const PING_TIMEOUT: Duration = Duration::from_secs(15);

/// Where the docker CLI looks without DOCKER_HOST (bollard's `DEFAULT_SOCKET`, not exported).
pub(super) const DEFAULT_HOST: &str = "unix:///var/run/docker.sock";

/// How a connection failure should be reported; decided from error kinds, not message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    NotRunning,
    PermissionDenied,
    Unreachable,
}

impl Docker {
    /// Connects the way the docker CLI does: `DOCKER_HOST` if set, else the local socket, then
    /// pings and negotiates the API version down to the engine's (bollard defaults to a newer
    /// API than e.g. a 20.10 engine speaks, which would reject every call).
    pub async fn connect() -> Result<Docker> {
        let host = host_from_env(std::env::var("DOCKER_HOST").ok());
        Self::connect_to(&host).await
    }

    /// Connects to an explicit engine address (`unix:///path`, `tcp://host:port`).
    pub async fn connect_to(host: &str) -> Result<Docker> {
        // DOCKER_HOST may be a bare path; bollard's host parser wants a scheme.
        let host = if host.starts_with('/') {
            format!("unix://{host}")
        } else {
            host.to_string()
        };
        let api = bollard::Docker::connect_with_host(&host).map_err(|e| classify(&host, e))?;
        match tokio::time::timeout(PING_TIMEOUT, api.ping()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(classify(&host, e)),
            Err(_) => {
                return Err(DockerError::Unreachable {
                    host,
                    detail: format!("no answer to ping within {}s", PING_TIMEOUT.as_secs()),
                });
            }
        }
        let api = api
            .negotiate_version()
            .await
            .map_err(|e| classify(&host, e))?;
        let version = api.client_version();
        tracing::debug!(%host, api_version = %version, "connected to Docker");
        Ok(Docker { api, host })
    }
}

/// The engine address for a `DOCKER_HOST` value; unset or empty means the local socket, as for
/// the docker CLI.
fn host_from_env(docker_host: Option<String>) -> String {
    docker_host
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_HOST.to_string())
}

/// Maps a bollard error met while connecting to the error that tells the user what to do.
pub(crate) fn classify(host: &str, err: BollardError) -> DockerError {
    let host = host.to_string();
    match failure_kind(&err) {
        Failure::NotRunning => DockerError::NotRunning {
            host,
            detail: err.to_string(),
        },
        Failure::PermissionDenied => DockerError::PermissionDenied { host, source: err },
        Failure::Unreachable => DockerError::Unreachable {
            host,
            detail: chain(&err),
        },
    }
}

/// Decides the failure kind: bollard checks the socket path exists itself
/// (`SocketNotFoundError`); everything else surfaces as an `io::Error` somewhere down the
/// hyper error's source chain.
pub(crate) fn failure_kind(err: &BollardError) -> Failure {
    if matches!(err, BollardError::SocketNotFoundError(_)) {
        return Failure::NotRunning;
    }
    match io_kind(err) {
        // A socket file left behind by a stopped daemon refuses connections.
        Some(io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused) => Failure::NotRunning,
        Some(io::ErrorKind::PermissionDenied) => Failure::PermissionDenied,
        _ => Failure::Unreachable,
    }
}

/// The kind of the first `io::Error` in the source chain, if any.
fn io_kind(err: &BollardError) -> Option<io::ErrorKind> {
    // bollard's `IOError` is `#[error(transparent)]`: its `source()` skips the io::Error itself.
    if let BollardError::IOError { err } = err {
        return Some(err.kind());
    }
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(io) = e.downcast_ref::<io::Error>() {
            return Some(io.kind());
        }
        current = e.source();
    }
    None
}

/// `outer: inner: innermost`, since hyper's top-level message alone ("client error (Connect)")
/// says little.
fn chain(err: &BollardError) -> String {
    let mut text = err.to_string();
    let mut current = err.source();
    while let Some(e) = current {
        text.push_str(": ");
        text.push_str(&e.to_string());
        current = e.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;
    use std::os::unix::process::CommandExt;

    /// Set for the child process of `permission_denied_socket`, which runs as an unprivileged user.
    const CHILD_SOCKET_ENV: &str = "HARNESS_TEST_DENIED_SOCKET";

    #[test]
    fn docker_host_wins_over_the_default_socket() {
        assert_eq!(host_from_env(None), DEFAULT_HOST);
        assert_eq!(host_from_env(Some(String::new())), DEFAULT_HOST);
        assert_eq!(
            host_from_env(Some("tcp://127.0.0.1:2375".into())),
            "tcp://127.0.0.1:2375"
        );
    }

    #[tokio::test]
    async fn missing_socket_says_not_running() {
        let err = Docker::connect_to("unix:///nonexistent/docker.sock")
            .await
            .expect_err("connecting to a missing socket must fail");
        assert!(matches!(err, DockerError::NotRunning { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("systemctl start docker"), "{text}");
        assert!(text.contains("DOCKER_HOST"), "{text}");
    }

    #[tokio::test]
    async fn stale_socket_file_says_not_running() {
        // A socket file with nobody listening: what a crashed daemon leaves behind.
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("docker.sock");
        drop(std::os::unix::net::UnixListener::bind(&path).expect("bind"));
        let err = Docker::connect_to(&format!("unix://{}", path.display()))
            .await
            .expect_err("nobody listens");
        assert!(matches!(err, DockerError::NotRunning { .. }), "{err:?}");
    }

    #[test]
    fn io_error_kinds_classify() {
        let cases = [
            (io::ErrorKind::PermissionDenied, Failure::PermissionDenied),
            (io::ErrorKind::ConnectionRefused, Failure::NotRunning),
            (io::ErrorKind::NotFound, Failure::NotRunning),
            (io::ErrorKind::TimedOut, Failure::Unreachable),
        ];
        for (kind, expected) in cases {
            let err = BollardError::from(io::Error::from(kind));
            assert_eq!(failure_kind(&err), expected, "{kind:?}");
        }
        let err = BollardError::SocketNotFoundError("/x".into());
        assert_eq!(failure_kind(&err), Failure::NotRunning);
        assert_eq!(
            failure_kind(&BollardError::RequestTimeoutError),
            Failure::Unreachable
        );
    }

    /// Root bypasses socket permissions, so the real check re-runs this test binary as
    /// `nobody` against a mode-000 listening socket.
    #[test]
    fn permission_denied_socket() {
        if let Ok(path) = std::env::var(CHILD_SOCKET_ENV) {
            // We are the unprivileged child.
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            let err = rt
                .block_on(Docker::connect_to(&format!("unix://{path}")))
                .expect_err("mode 000 socket must refuse us");
            assert!(
                matches!(err, DockerError::PermissionDenied { .. }),
                "{err:?}"
            );
            assert!(err.to_string().contains("docker group"), "{err}");
            return;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))
            .expect("chmod dir");
        let path = dir.path().join("docker.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&path).expect("bind");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000))
            .expect("chmod socket");

        // Are we root? std has no geteuid; /proc/self/status has the effective uid.
        let is_root = std::fs::read_to_string("/proc/self/status")
            .map(|s| {
                s.lines()
                    .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
            })
            .unwrap_or(false);
        if !is_root {
            // Unprivileged already: the socket denies us directly.
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            let err = rt
                .block_on(Docker::connect_to(&format!("unix://{}", path.display())))
                .expect_err("mode 000 socket must refuse us");
            assert!(
                matches!(err, DockerError::PermissionDenied { .. }),
                "{err:?}"
            );
            return;
        }
        let exe = std::env::current_exe().expect("current exe");
        // The test's path without the crate name, as libtest filters it.
        let module = module_path!().split_once("::").map_or("", |(_, m)| m);
        let name = format!("{module}::permission_denied_socket");
        // Output captured, so the child's own "test result" line stays out of the parent's.
        let child = std::process::Command::new(exe)
            .args(["--exact", &name, "--test-threads=1"])
            .env(CHILD_SOCKET_ENV, &path)
            .uid(65534)
            .gid(65534)
            .output();
        let child = match child {
            Ok(child) => child,
            // A checkout under a private home directory is not executable by nobody; the
            // classification itself is still covered by `io_error_kinds_classify`.
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                eprintln!(
                    "SKIPPED: permission_denied_socket: cannot run the test binary as nobody: {e}"
                );
                return;
            }
            Err(e) => panic!("run child as nobody: {e}"),
        };
        assert!(
            child.status.success() && String::from_utf8_lossy(&child.stdout).contains("1 passed"),
            "unprivileged child failed: {}\n{}\n{}",
            child.status,
            String::from_utf8_lossy(&child.stdout),
            String::from_utf8_lossy(&child.stderr)
        );
    }
}
