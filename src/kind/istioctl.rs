//! `istioctl` command lines: install the `minimal` profile, and read the client version so a run
//! fails early when the binary is not the pinned release.
//!
//! Flags checked in istio/istio 1.24.0-1.28.0: `operator/cmd/mesh/install.go` (`--set`/`-s`,
//! `--skip-confirmation`/`-y`, `--readiness-timeout` default 300s), `istioctl/pkg/cli/option.go`
//! (root `--kubeconfig`/`-c`), `pkg/version/cobra.go` + `istioctl/pkg/version/version.go`
//! (`--remote`; istioctl forces `--short`, so the output is `client version: X`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::command::{CommandError, ToolCommand};

/// `minimal` = istiod only, no ingress gateway; Gateway API gateways are deployed per Gateway
/// by istiod (`manifests/profiles/minimal.yaml`).
pub(crate) const PROFILE: &str = "minimal";
/// istioctl's own default for `--readiness-timeout`.
pub(crate) const DEFAULT_READINESS_TIMEOUT: Duration = Duration::from_secs(300);
/// Beyond the readiness wait: rendering manifests and applying them.
const INSTALL_SLACK: Duration = Duration::from_secs(120);
const VERSION_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum IstioctlError {
    #[error("failed to install Istio")]
    Install(#[source] CommandError),
    #[error("failed to read the istioctl version")]
    Version(#[source] CommandError),
    #[error("no `client version:` line in the output of `istioctl version`: {stdout:?}")]
    UnparsableVersion { stdout: String },
    #[error("istioctl at {binary} is version {actual}, not the pinned {pinned}")]
    VersionMismatch {
        binary: String,
        actual: String,
        pinned: String,
    },
}

/// The `istioctl` binary and the isolated kubeconfig it must use.
#[derive(Debug, Clone)]
pub(crate) struct Istioctl {
    binary: PathBuf,
    kubeconfig: PathBuf,
}

impl Istioctl {
    pub(crate) fn new(binary: impl Into<PathBuf>, kubeconfig: impl Into<PathBuf>) -> Self {
        Self {
            binary: binary.into(),
            kubeconfig: kubeconfig.into(),
        }
    }

    pub(crate) fn binary(&self) -> &Path {
        &self.binary
    }

    /// `istioctl install --set profile=minimal --skip-confirmation --readiness-timeout 300s
    /// --kubeconfig K`. The kubeconfig goes both as the flag and as `KUBECONFIG`, so neither
    /// path can reach the user's default file.
    pub(crate) fn install_command(&self, readiness_timeout: Duration) -> ToolCommand {
        ToolCommand::new(
            &self.binary,
            &self.kubeconfig,
            readiness_timeout + INSTALL_SLACK,
        )
        .args([
            "install".to_string(),
            "--set".to_string(),
            format!("profile={PROFILE}"),
            // Long form of `-y`: no prompt, there is no terminal.
            "--skip-confirmation".to_string(),
            "--readiness-timeout".to_string(),
            format!("{}s", readiness_timeout.as_secs()),
            "--kubeconfig".to_string(),
        ])
        .arg(&self.kubeconfig)
    }

    /// `istioctl version --remote=false`: the client version only, no cluster needed.
    pub(crate) fn version_command(&self) -> ToolCommand {
        ToolCommand::new(&self.binary, &self.kubeconfig, VERSION_TIMEOUT)
            .args(["version", "--remote=false"])
    }

    pub(crate) async fn install(&self, readiness_timeout: Duration) -> Result<(), IstioctlError> {
        self.install_command(readiness_timeout)
            .run()
            .await
            .map(|_| ())
            .map_err(IstioctlError::Install)
    }

    /// The client version (`1.28.0`).
    pub(crate) async fn client_version(&self) -> Result<String, IstioctlError> {
        let out = self
            .version_command()
            .run()
            .await
            .map_err(IstioctlError::Version)?;
        parse_client_version(&out.stdout)
            .map(str::to_string)
            .ok_or(IstioctlError::UnparsableVersion { stdout: out.stdout })
    }

    /// Checks the binary is the pinned release; returns its exact version.
    pub(crate) async fn check_version(&self, pinned: &str) -> Result<String, IstioctlError> {
        let actual = self.client_version().await?;
        if version_matches(&actual, pinned) {
            Ok(actual)
        } else {
            Err(IstioctlError::VersionMismatch {
                binary: self.binary.display().to_string(),
                actual,
                pinned: pinned.to_string(),
            })
        }
    }
}

/// The version from `client version: 1.28.0` (`pkg/version/cobra.go`, short form).
pub(crate) use crate::provision::tools::parse_istioctl_version as parse_client_version;

/// Whether `actual` (`1.28.0`) is the pin: the same version, or a release of a pinned minor
/// (`1.28` matches `1.28.0` and `1.28.3`, not `1.2.8` or `1.280.0`).
pub(crate) fn version_matches(actual: &str, pinned: &str) -> bool {
    let actual = actual.trim().trim_start_matches('v');
    let pinned = pinned.trim().trim_start_matches('v');
    actual == pinned
        || actual
            .strip_prefix(pinned)
            .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::testutil::{StandIn, read_record, records};

    #[tokio::test]
    async fn install_argv_and_kubeconfig() {
        let stand_in = StandIn::new("istioctl", "echo '✔ Installation complete' >&2");
        let kubeconfig = stand_in.dir().join("kubeconfig");
        Istioctl::new(stand_in.path(), &kubeconfig)
            .install(DEFAULT_READINESS_TIMEOUT)
            .await
            .expect("installed");
        let rec = read_record(&stand_in);
        let k = kubeconfig.display().to_string();
        assert_eq!(
            rec.argv,
            [
                "install",
                "--set",
                "profile=minimal",
                "--skip-confirmation",
                "--readiness-timeout",
                "300s",
                "--kubeconfig",
                k.as_str(),
            ]
        );
        assert_eq!(rec.kubeconfig, k);
    }

    #[tokio::test]
    async fn install_failure_names_command_and_stderr() {
        let stand_in = StandIn::new(
            "istioctl",
            "echo 'Error: failed to install manifests: context deadline exceeded' >&2; exit 1",
        );
        let kubeconfig = stand_in.dir().join("kubeconfig");
        let err = Istioctl::new(stand_in.path(), &kubeconfig)
            .install(Duration::from_secs(60))
            .await
            .expect_err("fails");
        let source = std::error::Error::source(&err).expect("source").to_string();
        assert!(source.contains("install --set profile=minimal"), "{source}");
        assert!(source.contains("--readiness-timeout 60s"), "{source}");
        assert!(source.contains("context deadline exceeded"), "{source}");
    }

    #[tokio::test]
    async fn version_probe() {
        let stand_in = StandIn::new("istioctl", "echo 'client version: 1.28.0'");
        let kubeconfig = stand_in.dir().join("kubeconfig");
        let istioctl = Istioctl::new(stand_in.path(), &kubeconfig);
        assert_eq!(istioctl.check_version("1.28").await.expect("ok"), "1.28.0");
        let err = istioctl
            .check_version("1.27.3")
            .await
            .expect_err("mismatch");
        assert!(
            matches!(err, IstioctlError::VersionMismatch { .. }),
            "{err}"
        );
        let calls = records(&stand_in);
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].argv, ["version", "--remote=false"]);
    }

    #[test]
    fn parses_versions() {
        assert_eq!(
            parse_client_version("client version: 1.24.6\n"),
            Some("1.24.6")
        );
        assert_eq!(
            parse_client_version("warning: x\nclient version: 1.28-dev\n"),
            Some("1.28-dev")
        );
        assert_eq!(parse_client_version("client version:\n"), None);
        assert_eq!(parse_client_version(""), None);
        assert!(version_matches("1.28.0", "1.28"));
        assert!(version_matches("1.28.0", "1.28.0"));
        assert!(version_matches("1.28.0", "v1.28.0"));
        assert!(!version_matches("1.280.0", "1.28"));
        assert!(!version_matches("1.2.8", "1.28"));
        assert!(!version_matches("1.28.1", "1.28.10"));
    }
}
