//! What the cluster runs: the Kubernetes, Istio and Gateway API versions, read the way an
//! operator would (the API server's `/version`, istiod's image tag, the Gateway API bundle
//! annotation), so that scenario expectations can depend on them.

use std::fmt;

use ::kube::Client;
use ::kube::api::{Api, ListParams};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;

use super::error::ApiFailure;

/// Where istiod is looked for.
pub(crate) const ISTIO_NAMESPACE: &str = "istio-system";
/// The Gateway API CRD whose annotations name the installed bundle.
pub(crate) const GATEWAYS_CRD: &str = "gateways.gateway.networking.k8s.io";
const BUNDLE_ANNOTATION: &str = "gateway.networking.k8s.io/bundle-version";
const CHANNEL_ANNOTATION: &str = "gateway.networking.k8s.io/channel";

/// A release number: `1.27.3`, `v1.3.0`, `1.28.0-beta.1` (the suffix is kept, not ordered).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: Option<u64>,
    /// Anything after the numbers (`-beta.1`, `-distroless`, `+k3s1`), with its separator.
    pub suffix: String,
}

impl Version {
    /// Reads `v1.2.3`, `1.2`, `1.27.1-distroless`, `1.30+` (EKS minors); `None` if it does not
    /// start with `major.minor`.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().trim_start_matches('v');
        let end = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (nums, suffix) = t.split_at(end);
        let mut parts = nums.split('.').filter(|p| !p.is_empty());
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = parts.next().and_then(|p| p.parse().ok());
        Some(Self {
            major,
            minor,
            patch,
            suffix: suffix.to_string(),
        })
    }

    /// `(major, minor)`, what version-dependent expectations compare.
    pub fn minor_version(&self) -> (u64, u64) {
        (self.major, self.minor)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if let Some(p) = self.patch {
            write!(f, ".{p}")?;
        }
        f.write_str(&self.suffix)
    }
}

/// A version could not be determined.
#[derive(Debug, thiserror::Error)]
pub enum VersionError {
    #[error("cannot read {what}: {failure}")]
    Api {
        what: &'static str,
        failure: ApiFailure,
    },
    #[error("{what} `{text}` is not a version")]
    Unparsable { what: &'static str, text: String },
    #[error(
        "no istiod Deployment (label app=istiod) in namespace {namespace}; install Istio, or check \
         that the kubeconfig points at the right cluster"
    )]
    IstioNotFound { namespace: String },
    #[error("CustomResourceDefinition {crd} not found: the Gateway API CRDs are not installed")]
    GatewayApiNotFound { crd: String },
    #[error(
        "CustomResourceDefinition {crd} has no {annotation} annotation; it was not installed from a Gateway API release bundle"
    )]
    NoBundleVersion {
        crd: String,
        annotation: &'static str,
    },
}

/// The API server's version (`/version`).
pub async fn kubernetes(client: &Client) -> Result<Version, VersionError> {
    let info = super::retry::idempotent("get /version", || client.apiserver_version())
        .await
        .map_err(|e| VersionError::Api {
            what: "the API server version (/version)",
            failure: ApiFailure::from_kube(&e),
        })?;
    Version::parse(&info.git_version)
        .or_else(|| {
            Version::parse(&format!(
                "{}.{}",
                info.major,
                info.minor.trim_end_matches('+')
            ))
        })
        .ok_or(VersionError::Unparsable {
            what: "the API server's gitVersion",
            text: info.git_version,
        })
}

/// Istio as installed: the version from istiod's image tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IstioInstall {
    pub version: Version,
    /// The istiod Deployment it was read from (`istiod`, or `istiod-<revision>`).
    pub deployment: String,
    pub image: String,
    /// Other istiod Deployments (revisions during a canary upgrade), with their versions.
    pub others: Vec<(String, Version)>,
}

/// Reads the tag of the `discovery` container image of the `app=istiod` Deployments in
/// `istio-system`; prefers the one named `istiod` when revisions coexist.
pub async fn istio(client: &Client) -> Result<IstioInstall, VersionError> {
    let api: Api<Deployment> = Api::namespaced(client.clone(), ISTIO_NAMESPACE);
    let lp = ListParams::default().labels("app=istiod");
    let list = super::retry::idempotent("list istiod", || api.list(&lp))
        .await
        .map_err(|e| VersionError::Api {
            what: "the istiod Deployments",
            failure: ApiFailure::from_kube(&e),
        })?;
    let mut found: Vec<(String, String, Version)> = Vec::new();
    for d in list.items {
        let name = d.metadata.name.clone().unwrap_or_default();
        let containers = d
            .spec
            .and_then(|s| s.template.spec)
            .map(|s| s.containers)
            .unwrap_or_default();
        let Some(image) = containers
            .iter()
            .find(|c| c.name == "discovery")
            .or(containers.first())
            .and_then(|c| c.image.clone())
        else {
            continue;
        };
        let tag = image_tag(&image).unwrap_or_default();
        let version = Version::parse(tag).ok_or_else(|| VersionError::Unparsable {
            what: "istiod's image tag",
            text: image.clone(),
        })?;
        found.push((name, image, version));
    }
    found.sort_by_key(|(name, _, _)| (name != "istiod", name.clone()));
    let mut it = found.into_iter();
    let (deployment, image, version) = it.next().ok_or_else(|| VersionError::IstioNotFound {
        namespace: ISTIO_NAMESPACE.into(),
    })?;
    Ok(IstioInstall {
        version,
        deployment,
        image,
        others: it.map(|(n, _, v)| (n, v)).collect(),
    })
}

/// The tag of an image reference (`reg:5000/istio/pilot:1.27.1@sha256:...` gives `1.27.1`).
pub(crate) fn image_tag(image: &str) -> Option<&str> {
    let no_digest = image.split('@').next()?;
    let last = no_digest.rsplit('/').next()?;
    last.split_once(':').map(|(_, t)| t)
}

/// The Gateway API release installed, from the gateways CRD's annotations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GatewayApiInstall {
    pub version: Version,
    /// `standard` or `experimental` (empty when the annotation is absent).
    pub channel: String,
}

/// Reads `gateway.networking.k8s.io/bundle-version` and `.../channel` from the gateways CRD.
pub async fn gateway_api(client: &Client) -> Result<GatewayApiInstall, VersionError> {
    let api: Api<CustomResourceDefinition> = Api::all(client.clone());
    let crd = super::retry::idempotent("get the gateways CRD", || api.get_opt(GATEWAYS_CRD))
        .await
        .map_err(|e| VersionError::Api {
            what: "the Gateway API CRD",
            failure: ApiFailure::from_kube(&e),
        })?
        .ok_or_else(|| VersionError::GatewayApiNotFound {
            crd: GATEWAYS_CRD.into(),
        })?;
    let annotations = crd.metadata.annotations.unwrap_or_default();
    let text = annotations
        .get(BUNDLE_ANNOTATION)
        .ok_or(VersionError::NoBundleVersion {
            crd: GATEWAYS_CRD.into(),
            annotation: BUNDLE_ANNOTATION,
        })?;
    let version = Version::parse(text).ok_or_else(|| VersionError::Unparsable {
        what: "the Gateway API bundle version",
        text: text.clone(),
    })?;
    Ok(GatewayApiInstall {
        version,
        channel: annotations
            .get(CHANNEL_ANNOTATION)
            .cloned()
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_versions_as_clusters_write_them() {
        let v = Version::parse("v1.33.1").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (1, 33, Some(1)));
        let v = Version::parse("1.27.1-distroless").unwrap();
        assert_eq!((v.minor, v.suffix.as_str()), (27, "-distroless"));
        assert_eq!(Version::parse("1.30+").unwrap().to_string(), "1.30+");
        assert_eq!(Version::parse("latest"), None);
        assert_eq!(Version::parse("1"), None);
    }

    #[test]
    fn finds_image_tags() {
        assert_eq!(image_tag("docker.io/istio/pilot:1.27.1"), Some("1.27.1"));
        assert_eq!(
            image_tag("reg:5000/istio/pilot:1.28.0@sha256:ab"),
            Some("1.28.0")
        );
        assert_eq!(image_tag("reg:5000/istio/pilot"), None);
    }
}
