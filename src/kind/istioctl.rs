//! `istioctl` command lines: install the `minimal` profile, and read the client version so a run
//! fails early when the binary is not the pinned release.
//!
//! Flags checked in istio/istio 1.24.0-1.28.0: `operator/cmd/mesh/install.go` (`--set`/`-s`,
//! `--skip-confirmation`/`-y`, `--readiness-timeout` default 300s), `istioctl/pkg/cli/option.go`
//! (root `--kubeconfig`/`-c`), `pkg/version/cobra.go` + `istioctl/pkg/version/version.go`
//! (`--remote`; istioctl forces `--short`, so the output is `client version: X`).

use std::path::PathBuf;
use std::time::Duration;

use super::command::{CommandError, ToolCommand};

/// `minimal` = istiod only, no ingress gateway; Gateway API gateways are deployed per Gateway
/// by istiod (`manifests/profiles/minimal.yaml`).
pub(crate) const PROFILE: &str = "minimal";
/// istioctl's own default for `--readiness-timeout`.
#[cfg(test)]
pub(crate) const DEFAULT_READINESS_TIMEOUT: Duration = Duration::from_secs(300);
/// Beyond the readiness wait: rendering manifests and applying them.
const INSTALL_SLACK: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
pub enum IstioctlError {
    #[error("failed to install Istio")]
    Install(#[source] CommandError),
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

    pub(crate) async fn install(&self, readiness_timeout: Duration) -> Result<(), IstioctlError> {
        self.install_command(readiness_timeout)
            .run()
            .await
            .map(|_| ())
            .map_err(IstioctlError::Install)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kind::testutil::{StandIn, read_record};

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
}
