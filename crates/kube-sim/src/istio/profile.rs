//! The `istio:` section of a simulator behaviour profile.
//!
//! Every field has a default; the defaults are the default profile: Istio 1.27 (the newest release on
//! which a VirtualService can still bind to a Gateway API gateway's internal name), the Gateway API
//! CRDs it was built against (experimental channel, as the blog installs them), a load balancer, and
//! no deviation. An unknown field anywhere is an error.
//!
//! ```yaml
//! istio:
//!   version: "1.27.9"
//!   gateway_api: {installed: true, version: v1.3.0, channel: experimental}
//!   load_balancer: true
//!   propagation: {debounce_ms: 100, proxy_delay_min_ms: 200, proxy_delay_max_ms: 2000, never: false}
//!   deviations:
//!     abort_share_scale: 1.0
//!     abort_status: null
//!     mesh_precedence: istio
//!     gamma: true
//!     gateway_routes: true
//!     internal_gateway_binding: version
//!     gateway_api_reference: reject
//!     weight_skew: 0.0
//!     stale_proxy: null
//! ```

use std::time::Duration;

use serde::Deserialize;

use super::crds::GatewayApiChannel;
use super::version::IstioVersion;

/// What istiod and Envoy do, and which deliberate breakages the simulator applies.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IstioProfile {
    /// The Istio release (1.22 to 1.28, `MAJOR.MINOR[.PATCH]`); it selects every version-dependent
    /// rule and the istiod image tag. Default `1.27.9`.
    pub version: IstioVersion,
    /// Which Gateway API CRDs exist in the cluster at start.
    pub gateway_api: GatewayApiProfile,
    /// Whether LoadBalancer Services get an address (like cloud-provider-kind or MetalLB). With it, each
    /// Gateway gets a loopback address in `status.addresses`; without it, a Gateway stays
    /// `Programmed=False/AddressNotAssigned` as on bare kind. Default true.
    pub load_balancer: bool,
    /// How long a configuration change takes to reach each proxy.
    pub propagation: PropagationProfile,
    /// Deliberate deviations from Istio's behaviour, to prove that scenarios detect them.
    pub deviations: Deviations,
}

impl Default for IstioProfile {
    fn default() -> Self {
        IstioProfile {
            version: IstioVersion::DEFAULT,
            gateway_api: GatewayApiProfile::default(),
            load_balancer: true,
            propagation: PropagationProfile::default(),
            deviations: Deviations::default(),
        }
    }
}

/// The Gateway API CRD bundle present at start.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GatewayApiProfile {
    /// Whether the CRDs are installed at all (a minimal Istio install does not install them). Default true.
    pub installed: bool,
    /// The bundle version, e.g. `v1.3.0`; default: the release the profile's Istio was built against
    /// (1.22/1.23 v1.1.0, 1.24 v1.2.0, 1.25 v1.2.1, 1.26/1.27 v1.3.0, 1.28 v1.4.0).
    pub version: Option<String>,
    /// `standard` or `experimental`. Default experimental, as the blog installs.
    pub channel: GatewayApiChannel,
}

impl Default for GatewayApiProfile {
    fn default() -> Self {
        GatewayApiProfile {
            installed: true,
            version: None,
            channel: GatewayApiChannel::Experimental,
        }
    }
}

/// Config propagation: a change reaches a proxy after the debounce plus a per-proxy delay drawn
/// uniformly from `[proxy_delay_min_ms, proxy_delay_max_ms]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PropagationProfile {
    /// istiod's debounce (`PILOT_DEBOUNCE_AFTER`, 100 ms). Default 100.
    pub debounce_ms: u64,
    /// The smallest per-proxy delivery delay after the debounce. Default 200.
    pub proxy_delay_min_ms: u64,
    /// The largest per-proxy delivery delay after the debounce. Default 2000.
    pub proxy_delay_max_ms: u64,
    /// No change after start ever reaches any proxy (all stay STALE). Default false.
    pub never: bool,
}

impl Default for PropagationProfile {
    fn default() -> Self {
        PropagationProfile {
            debounce_ms: 100,
            proxy_delay_min_ms: 200,
            proxy_delay_max_ms: 2000,
            never: false,
        }
    }
}

impl PropagationProfile {
    /// The debounce as a duration.
    pub(crate) fn debounce(&self) -> Duration {
        Duration::from_millis(self.debounce_ms)
    }

    /// When a change made now reaches a proxy, drawn from the profile; `None` means never.
    pub(crate) fn delivery_delay(&self, rng: &mut impl rand::Rng) -> Option<Duration> {
        if self.never {
            return None;
        }
        let lo = self.proxy_delay_min_ms.min(self.proxy_delay_max_ms);
        let hi = self.proxy_delay_min_ms.max(self.proxy_delay_max_ms);
        let extra = rng.random_range(lo..=hi);
        Some(Duration::from_millis(self.debounce_ms + extra))
    }
}

/// Which VirtualService wins for a host on a sidecar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeshPrecedence {
    /// Istio's order: exportTo groups, then generated routes from the proxy's namespace, then creation time.
    #[default]
    Istio,
    /// Deviation: user (non-generated) VirtualServices sort before generated ones.
    UserVirtualServiceWins,
}

/// Whether a user VirtualService may bind to a Gateway API gateway's internal name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InternalGatewayBinding {
    /// As the version does: accepted up to 1.27, rejected by the webhook from 1.28.
    #[default]
    Version,
    /// Deviation: accepted on every version (the webhook lets the `~` name through).
    Accept,
    /// Deviation: rejected on every version, with the 1.28 message.
    Reject,
}

/// The webhook's answer to a `gateway.networking.k8s.io:` gateway reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GatewayApiReference {
    /// As every release does: read as a legacy FQDN, which the `:` makes invalid.
    #[default]
    Reject,
    /// Deviation: accepted (as the unmerged istio#47101 would have); nothing is bound by it.
    Accept,
}

/// Deliberate deviations; each changes exactly the behaviour its name says.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Deviations {
    /// Multiplies every fault abort share (0.5 turns 50% into 25%). Default 1.0.
    pub abort_share_scale: f64,
    /// Replaces the status of every fault abort (e.g. 503 instead of 500). Default none.
    pub abort_status: Option<u16>,
    /// Which VirtualService a sidecar uses for a host. Default `istio`.
    pub mesh_precedence: MeshPrecedence,
    /// Whether HTTPRoutes with a Service parent (GAMMA) are honoured; false ignores them (no mesh
    /// routing, no status). Default true.
    pub gamma: bool,
    /// Whether HTTPRoutes with a Gateway parent are honoured; false ignores them (no ingress
    /// routing, no status), as `gamma: false` does for Service parents. Default true.
    pub gateway_routes: bool,
    /// Binding of user VirtualServices to internal gateway names. Default `version`.
    pub internal_gateway_binding: InternalGatewayBinding,
    /// What the webhook does with a `gateway.networking.k8s.io:<name>.<namespace>` gateway
    /// reference, the syntax of the unmerged istio#47101. Default `reject` (released Istio).
    pub gateway_api_reference: GatewayApiReference,
    /// Adds this share to the first weighted destination of every route, taking it proportionally from
    /// the others (0.1 turns 90/10 into 100/0 and 50/50 into 60/40). Default 0.
    pub weight_skew: f64,
    /// One proxy that never receives configuration after its first push, as `namespace/pod-name-prefix`
    /// (e.g. `sample/sleep`). The namespace also matches the namespaces of a harness scenario run
    /// that uses it as an alias, `<namespace>-<run id>` (see [`IstioProfile::is_stale_proxy`]).
    /// Default none.
    pub stale_proxy: Option<String>,
}

impl Default for Deviations {
    fn default() -> Self {
        Deviations {
            abort_share_scale: 1.0,
            abort_status: None,
            mesh_precedence: MeshPrecedence::Istio,
            gamma: true,
            gateway_routes: true,
            internal_gateway_binding: InternalGatewayBinding::Version,
            gateway_api_reference: GatewayApiReference::Reject,
            weight_skew: 0.0,
            stale_proxy: None,
        }
    }
}

/// A profile value that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum ProfileError {
    /// The YAML did not parse or has an unknown field.
    #[cfg(test)]
    #[error("invalid istio profile: {0}")]
    Parse(String),
    /// A Gateway API bundle the simulator does not know.
    #[error("istio.gateway_api.version {0:?} is not modelled; use one of {1}")]
    GatewayApiVersion(String, String),
    /// A value out of its range.
    #[error("istio.{field}: {message}")]
    Range {
        /// The field path below `istio.`.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
}

impl IstioProfile {
    /// Parses the `istio:` section on its own, for tests of this section alone (the whole
    /// profile embeds [`IstioProfile`]).
    #[cfg(test)]
    pub(crate) fn from_yaml(yaml: &str) -> Result<Self, ProfileError> {
        let p: IstioProfile =
            serde_saphyr::from_str(yaml).map_err(|e| ProfileError::Parse(e.to_string()))?;
        p.validate()?;
        Ok(p)
    }

    /// Checks the values serde cannot.
    pub(crate) fn validate(&self) -> Result<(), ProfileError> {
        let v = self.gateway_api_version();
        if !super::crds::GATEWAY_API_BUNDLES.contains(&v) {
            return Err(ProfileError::GatewayApiVersion(
                v.to_string(),
                super::crds::GATEWAY_API_BUNDLES.join(", "),
            ));
        }
        let d = &self.deviations;
        if !(d.abort_share_scale.is_finite() && d.abort_share_scale >= 0.0) {
            return Err(ProfileError::Range {
                field: "deviations.abort_share_scale",
                message: "must be a finite number >= 0".into(),
            });
        }
        if let Some(s) = d.abort_status
            && !(200..=599).contains(&s)
        {
            return Err(ProfileError::Range {
                field: "deviations.abort_status",
                message: format!("{s} is not an HTTP status in 200-599"),
            });
        }
        if !(d.weight_skew.is_finite() && (-1.0..=1.0).contains(&d.weight_skew)) {
            return Err(ProfileError::Range {
                field: "deviations.weight_skew",
                message: "must be between -1 and 1".into(),
            });
        }
        if let Some(s) = &d.stale_proxy
            && s.split_once('/')
                .is_none_or(|(a, b)| a.is_empty() || b.is_empty())
        {
            return Err(ProfileError::Range {
                field: "deviations.stale_proxy",
                message: format!("{s:?} is not namespace/pod-name-prefix"),
            });
        }
        let p = &self.propagation;
        if p.proxy_delay_min_ms > p.proxy_delay_max_ms {
            return Err(ProfileError::Range {
                field: "propagation.proxy_delay_min_ms",
                message: "must not exceed proxy_delay_max_ms".into(),
            });
        }
        Ok(())
    }

    /// The Gateway API bundle version in effect (explicit, or the one paired with the Istio version).
    pub(crate) fn gateway_api_version(&self) -> &str {
        match &self.gateway_api.version {
            Some(v) => v.as_str(),
            None => self.version.rules().paired_gateway_api,
        }
    }

    /// Whether the proxy `<pod>.<namespace>` is the profile's stale proxy: its pod name starts
    /// with the prefix, and its namespace is the one named or that name as a scenario alias,
    /// `<alias>-<run id>`. A harness run names each namespace of a scenario run from its alias
    /// plus a fresh random run id (`harness::scenario::RunId::random`: six lower-case letters
    /// and digits), so an exact match alone would never hit a scenario's namespace (`sample/sleep`
    /// applied to 0 of 7 runs). Only that suffix form counts, so `sample` matches `sample-x7k2qp`
    /// but not `sample-ingress` (or `sample-ingress-x7k2qp`, the run namespace of another alias).
    pub(crate) fn is_stale_proxy(&self, namespace: &str, pod_name: &str) -> bool {
        match self
            .deviations
            .stale_proxy
            .as_deref()
            .and_then(|s| s.split_once('/'))
        {
            Some((ns, prefix)) => {
                let run_suffix = || {
                    namespace
                        .strip_prefix(ns)
                        .and_then(|rest| rest.strip_prefix('-'))
                        .is_some_and(is_run_id)
                };
                (namespace == ns || run_suffix()) && pod_name.starts_with(prefix)
            }
            None => false,
        }
    }
}

/// The length of the run ids the harness draws for each scenario run (`RunId::random`).
const RUN_ID_LEN: usize = 6;

/// Whether `s` has the form of a harness run id: six lower-case ASCII letters and digits.
fn is_run_id(s: &str) -> bool {
    s.len() == RUN_ID_LEN
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_default_profile() {
        let p = IstioProfile::from_yaml("{}").unwrap();
        assert_eq!(p, IstioProfile::default());
        assert_eq!(p.version.minor, 27);
        assert_eq!(p.gateway_api_version(), "v1.3.0");
        assert!(p.load_balancer);
        assert!(p.gateway_api.installed);
    }

    #[test]
    fn unknown_fields_are_errors() {
        assert!(IstioProfile::from_yaml("versoin: '1.27'").is_err());
        assert!(IstioProfile::from_yaml("deviations: {gama: false}").is_err());
        assert!(IstioProfile::from_yaml("propagation: {never: true, x: 1}").is_err());
    }

    #[test]
    fn parses_every_field() {
        let p = IstioProfile::from_yaml(
            "version: '1.28.0'\ngateway_api: {installed: false, version: v1.2.1, channel: standard}\n\
             load_balancer: false\npropagation: {debounce_ms: 50, proxy_delay_min_ms: 1, proxy_delay_max_ms: 2, never: true}\n\
             deviations: {abort_share_scale: 0.5, abort_status: 503, mesh_precedence: user_virtual_service_wins,\n\
             gamma: false, internal_gateway_binding: accept, weight_skew: 0.1, stale_proxy: sample/sleep}\n",
        )
        .unwrap();
        assert_eq!(p.version, IstioVersion::new(1, 28, 0));
        assert_eq!(p.gateway_api.channel, GatewayApiChannel::Standard);
        assert_eq!(
            p.deviations.mesh_precedence,
            MeshPrecedence::UserVirtualServiceWins
        );
        assert!(p.is_stale_proxy("sample", "sleep-78ff5975c6-gv888"));
        assert!(!p.is_stale_proxy("sample", "helloworld-v1-1"));
        let mut rng = rand::rng();
        assert_eq!(p.propagation.delivery_delay(&mut rng), None);
    }

    #[test]
    fn stale_proxy_matches_the_namespace_or_its_run_namespaces() {
        let p = IstioProfile::from_yaml("deviations: {stale_proxy: sample/sleep}").unwrap();
        // The namespace as named.
        assert!(p.is_stale_proxy("sample", "sleep-78ff5975c6-gv888"));
        // A scenario run's namespace for the alias `sample`: `sample-<run id>`.
        assert!(p.is_stale_proxy("sample-x7k2qp", "sleep-78ff5975c6-gv888"));
        assert!(p.is_stale_proxy("sample-000000", "sleep"));
        // Not another alias that starts with the same name, nor its run namespace, nor a
        // suffix that is not a run id.
        assert!(!p.is_stale_proxy("sample-ingress", "sleep-1"));
        assert!(!p.is_stale_proxy("sample-ingress-x7k2qp", "sleep-1"));
        assert!(!p.is_stale_proxy("samplex7k2qp", "sleep-1"));
        assert!(!p.is_stale_proxy("sample-X7K2QP", "sleep-1"));
        assert!(!p.is_stale_proxy("sample-", "sleep-1"));
        assert!(!p.is_stale_proxy("other-x7k2qp", "sleep-1"));
        assert!(!p.is_stale_proxy("samp", "sleep-1"));
        // The pod name is a prefix match.
        assert!(!p.is_stale_proxy("sample-x7k2qp", "helloworld-v1-1"));
        assert!(!p.is_stale_proxy("sample-x7k2qp", "notsleep-1"));
        // No deviation: nothing is stale.
        let none = IstioProfile::default();
        assert!(!none.is_stale_proxy("sample", "sleep-1"));
    }

    #[test]
    fn rejects_bad_values() {
        assert!(IstioProfile::from_yaml("version: '1.21'").is_err());
        assert!(IstioProfile::from_yaml("gateway_api: {version: v0.9.9}").is_err());
        assert!(IstioProfile::from_yaml("deviations: {abort_status: 700}").is_err());
        assert!(IstioProfile::from_yaml("deviations: {stale_proxy: sleep}").is_err());
        assert!(
            IstioProfile::from_yaml("propagation: {proxy_delay_min_ms: 5, proxy_delay_max_ms: 1}")
                .is_err()
        );
    }
}
