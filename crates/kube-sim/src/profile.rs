//! The simulated cluster's behaviour profile (`--sim-profile FILE`): the Kubernetes version it
//! reports, how long pods take to start, its random seed, and the chaos knobs that make it fail
//! like a busy real API server. Every field has a default, and an unknown field is an error.

use std::path::Path;

use serde::Deserialize;

use super::istio::{Deviations, IstioProfile, IstioVersion};

/// The whole profile file.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct SimProfile {
    /// The Kubernetes the server claims to be.
    pub kubernetes: KubernetesProfile,
    /// Seed for every random choice the simulator makes (pod names, faults, load balancing).
    pub seed: u64,
    /// Workload timing.
    pub pods: PodTiming,
    /// Faults injected into the API server; all off by default.
    pub chaos: Chaos,
    /// Istio's version, propagation delays, load balancer and deliberate deviations.
    pub istio: IstioProfile,
}

impl Default for SimProfile {
    fn default() -> Self {
        Self {
            kubernetes: KubernetesProfile::default(),
            seed: 1,
            pods: PodTiming::default(),
            chaos: Chaos::default(),
            istio: IstioProfile::default(),
        }
    }
}

/// The reported Kubernetes version.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct KubernetesProfile {
    /// The minor version, 27 to 33 (the kubectl clients installed here). `/version` reports it,
    /// and the kubectl dispatcher picks its client from it.
    pub minor: u32,
}

impl Default for KubernetesProfile {
    fn default() -> Self {
        Self { minor: 33 }
    }
}

impl KubernetesProfile {
    /// The patch release reported for each minor (a release kind ships a node image for).
    pub(crate) fn git_version(&self) -> String {
        let patch = match self.minor {
            27 => 16,
            28 => 15,
            29 => 14,
            30 => 13,
            31 => 9,
            32 => 5,
            _ => 1,
        };
        format!("v1.{}.{}", self.minor, patch)
    }
}

/// How long workloads take to come up.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct PodTiming {
    /// Milliseconds from a pod's creation until it is Running and Ready.
    pub start_delay_ms: u64,
    /// Multiplies the time server images take per request (helloworld's CPU loop takes about
    /// 100 ms per `/hello`); 0 answers at once, for fast test runs.
    pub processing_time_scale: f64,
}

impl Default for PodTiming {
    fn default() -> Self {
        Self {
            start_delay_ms: 300,
            processing_time_scale: 1.0,
        }
    }
}

/// API-server faults, for testing that the harness retries what is safe and reports the rest.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default, rename_all = "snake_case")]
pub struct Chaos {
    /// Share (0..1) of API requests answered with an error status instead of being served.
    pub error_share: f64,
    /// The statuses used for those errors, drawn uniformly (429, 500 and 503 are supported).
    pub error_codes: Vec<u16>,
    /// Close every watch after this many milliseconds, as a restarting apiserver or a load
    /// balancer's idle timeout does.
    pub watch_close_after_ms: Option<u64>,
    /// Share (0..1) of exec sessions cut after their first output, without a status frame.
    pub exec_cut_share: f64,
    /// Every this many milliseconds, one running pod of a user namespace restarts its
    /// containers: not ready for `pod_restart_down_ms` (exec refused, endpoints not ready),
    /// then running again with `restartCount` one higher, as after an OOM kill.
    pub pod_restart_every_ms: Option<u64>,
    /// How long a restarting pod is down. Default 500.
    #[serde(default = "default_restart_down_ms")]
    pub pod_restart_down_ms: u64,
}

fn default_restart_down_ms() -> u64 {
    500
}

impl Default for Chaos {
    fn default() -> Self {
        Self {
            error_share: 0.0,
            error_codes: Vec::new(),
            watch_close_after_ms: None,
            exec_cut_share: 0.0,
            pod_restart_every_ms: None,
            pod_restart_down_ms: default_restart_down_ms(),
        }
    }
}

/// A profile file that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file could not be read.
    #[error("failed to read the simulator profile {path}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Not YAML, a wrong type, or an unknown field.
    #[error("invalid simulator profile {path}: {message}")]
    Parse { path: String, message: String },
    /// A value outside what the simulator models (checked after parsing).
    #[error("invalid simulator profile {path}: {field}: {message}")]
    Invalid {
        path: String,
        field: &'static str,
        message: String,
    },
}

impl SimProfile {
    /// Reads and checks a profile file.
    pub fn load(path: &Path) -> Result<Self, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|source| ProfileError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parses profile text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ProfileError> {
        let profile: SimProfile = if text.trim().is_empty() {
            SimProfile::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| ProfileError::Parse {
                path: origin.to_string(),
                message: e.to_string(),
            })?
        };
        profile.check(origin)?;
        Ok(profile)
    }

    /// The profile with the Istio release (`1.26`, `1.26.3`) and Kubernetes minor (`1.31`) a
    /// command line asked for, checked as if the profile had said them: a run on the simulator
    /// plays the versions it was asked to test, or refuses, but never ignores them.
    pub fn with_versions(
        mut self,
        istio: Option<&str>,
        kubernetes: Option<&str>,
    ) -> Result<Self, ProfileError> {
        const ORIGIN: &str = "the command line";
        if let Some(v) = istio {
            // As a profile's `istio.version` is read: only the releases the model follows.
            self.istio.version =
                IstioVersion::parse_supported(v).map_err(|e| ProfileError::Invalid {
                    path: ORIGIN.into(),
                    field: "--istio",
                    message: e.to_string(),
                })?;
        }
        if let Some(k) = kubernetes {
            self.kubernetes.minor = k
                .strip_prefix("1.")
                .and_then(|m| m.parse().ok())
                .ok_or_else(|| ProfileError::Invalid {
                    path: ORIGIN.into(),
                    field: "--kubernetes",
                    message: format!("{k:?} is not a Kubernetes minor such as 1.33"),
                })?;
        }
        self.check(ORIGIN)?;
        Ok(self)
    }

    fn check(&self, origin: &str) -> Result<(), ProfileError> {
        let invalid = |field, message: String| ProfileError::Invalid {
            path: origin.to_string(),
            field,
            message,
        };
        if let Err(e) = self.istio.validate() {
            return Err(ProfileError::Parse {
                path: origin.to_string(),
                message: format!("istio: {e}"),
            });
        }
        if !(27..=33).contains(&self.kubernetes.minor) {
            return Err(invalid(
                "kubernetes.minor",
                format!("{} is not supported (27 to 33 are)", self.kubernetes.minor),
            ));
        }
        if !(0.0..=100.0).contains(&self.pods.processing_time_scale) {
            return Err(invalid(
                "pods.processing_time_scale",
                format!(
                    "{} is not between 0 and 100",
                    self.pods.processing_time_scale
                ),
            ));
        }
        for (field, share) in [
            ("chaos.error_share", self.chaos.error_share),
            ("chaos.exec_cut_share", self.chaos.exec_cut_share),
        ] {
            if !(0.0..=1.0).contains(&share) {
                return Err(invalid(
                    field,
                    format!("{share} is not a share between 0 and 1"),
                ));
            }
        }
        if let Some(code) = self
            .chaos
            .error_codes
            .iter()
            .find(|c| ![429, 500, 503].contains(*c))
        {
            return Err(invalid(
                "chaos.error_codes",
                format!("{code} is not one of 429, 500, 503"),
            ));
        }
        if self.chaos.error_share > 0.0 && self.chaos.error_codes.is_empty() {
            return Err(invalid(
                "chaos.error_codes",
                "must list at least one status when error_share is set".into(),
            ));
        }
        Ok(())
    }
}

impl SimProfile {
    /// Each deliberate deviation from Istio's behaviour this profile turns on, as `name: value`
    /// (the key under `istio.deviations`, and `propagation.never`), in the order of the profile
    /// file; empty for a faithful profile. Reports name them, so that a run against a broken
    /// simulator is never mistaken for a run against a faithful one.
    pub fn deviations(&self) -> Vec<String> {
        let (d, faithful) = (&self.istio.deviations, Deviations::default());
        let mut out = Vec::new();
        let mut note = |name: &str, on: bool, value: String| {
            if on {
                out.push(format!("{name}: {value}"));
            }
        };
        let snake = |debug: String| {
            debug
                .chars()
                .enumerate()
                .fold(String::new(), |mut s, (i, c)| {
                    if c.is_ascii_uppercase() && i > 0 {
                        s.push('_');
                    }
                    s.push(c.to_ascii_lowercase());
                    s
                })
        };
        let abort_share_scale = d.abort_share_scale;
        note(
            "abort_share_scale",
            abort_share_scale != faithful.abort_share_scale,
            abort_share_scale.to_string(),
        );
        if let Some(status) = d.abort_status {
            note("abort_status", true, status.to_string());
        }
        note(
            "mesh_precedence",
            d.mesh_precedence != faithful.mesh_precedence,
            snake(format!("{:?}", d.mesh_precedence)),
        );
        note("gamma", d.gamma != faithful.gamma, d.gamma.to_string());
        note(
            "gateway_routes",
            d.gateway_routes != faithful.gateway_routes,
            d.gateway_routes.to_string(),
        );
        note(
            "internal_gateway_binding",
            d.internal_gateway_binding != faithful.internal_gateway_binding,
            snake(format!("{:?}", d.internal_gateway_binding)),
        );
        note(
            "gateway_api_reference",
            d.gateway_api_reference != faithful.gateway_api_reference,
            snake(format!("{:?}", d.gateway_api_reference)),
        );
        note(
            "weight_skew",
            d.weight_skew != faithful.weight_skew,
            d.weight_skew.to_string(),
        );
        if let Some(proxy) = &d.stale_proxy {
            note("stale_proxy", true, proxy.clone());
        }
        note(
            "propagation.never",
            self.istio.propagation.never,
            "true".into(),
        );
        out
    }
}

#[cfg(test)]
mod deviation_tests {
    use super::*;

    #[test]
    fn deviations_name_what_differs_from_istio() {
        assert_eq!(SimProfile::default().deviations(), Vec::<String>::new());
        let p = SimProfile::parse(
            "istio:\n  propagation: {never: true}\n  deviations: {abort_status: 503, mesh_precedence: user_virtual_service_wins, weight_skew: 0.1}\n",
            "p.yaml",
        )
        .unwrap();
        assert_eq!(
            p.deviations(),
            [
                "abort_status: 503",
                "mesh_precedence: user_virtual_service_wins",
                "weight_skew: 0.1",
                "propagation.never: true"
            ]
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--istio`/`--kubernetes` with the simulator: played, or refused as the profile's own
    /// field would be, never ignored.
    #[test]
    fn command_line_versions_are_played_or_refused() {
        let p = SimProfile::default()
            .with_versions(Some("1.25.1"), Some("1.30"))
            .unwrap();
        assert_eq!((p.istio.version.minor, p.istio.version.patch), (25, 1));
        assert_eq!(p.kubernetes.minor, 30);
        let unchanged = SimProfile::default().with_versions(None, None).unwrap();
        assert_eq!(unchanged, SimProfile::default());
        for (istio, kubernetes, field) in [
            (Some("1.99"), None, "--istio"),
            (Some("latest"), None, "--istio"),
            (None, Some("33"), "--kubernetes"),
            (None, Some("1.20"), "kubernetes.minor"),
        ] {
            let e = SimProfile::default()
                .with_versions(istio, kubernetes)
                .unwrap_err()
                .to_string();
            assert!(e.contains(field), "{istio:?} {kubernetes:?}: {e}");
        }
    }

    #[test]
    fn empty_profile_is_the_default() {
        assert_eq!(SimProfile::parse("", "p").unwrap(), SimProfile::default());
    }

    #[test]
    fn unknown_fields_and_bad_values_are_errors() {
        let e = SimProfile::parse("kubernetes: {minor: 33, major: 1}\n", "p.yaml").unwrap_err();
        assert!(e.to_string().contains("major"), "{e}");
        let e = SimProfile::parse("kubernetes: {minor: 26}\n", "p.yaml").unwrap_err();
        assert!(e.to_string().contains("kubernetes.minor"), "{e}");
        let e = SimProfile::parse("chaos: {error_share: 0.5}\n", "p.yaml").unwrap_err();
        assert!(e.to_string().contains("error_codes"), "{e}");
    }

    /// The documented examples are valid profiles (docs/sim-profile.md).
    #[test]
    fn documented_examples_parse() {
        let doc = include_str!("../../../docs/sim-profile.md");
        let blocks: Vec<&str> = doc
            .split("```yaml\n")
            .skip(1)
            .filter_map(|b| b.split("```").next())
            .collect();
        assert_eq!(blocks.len(), 2);
        for b in blocks {
            SimProfile::parse(b, "docs/sim-profile.md").unwrap();
        }
    }

    #[test]
    fn fields_parse() {
        let p = SimProfile::parse(
            "kubernetes: {minor: 28}\nseed: 7\npods: {start_delay_ms: 0}\nchaos: {error_share: 0.1, error_codes: [429, 503]}\n",
            "p",
        )
        .unwrap();
        assert_eq!(p.kubernetes.git_version(), "v1.28.15");
        assert_eq!(p.seed, 7);
        assert_eq!(p.pods.start_delay_ms, 0);
        assert_eq!(p.chaos.error_codes, vec![429, 503]);
    }
}
