//! Installing what the scenarios need into a cluster that lacks it: the Gateway API CRDs of the
//! release paired with the chosen Istio, Istio itself (`istioctl install --set profile=minimal`),
//! and, on kind, a load balancer (MetalLB) so that Gateways get a reachable address.
//!
//! Every step first looks at the cluster and does nothing where the piece is present, so the
//! same code serves `--cluster kind` (a fresh cluster), `--cluster current --install` and a
//! reused kind cluster. Waits follow what the pieces need before use: CRDs Established before
//! anything of theirs is applied, istiod rolled out, GatewayClass `istio` Accepted, MetalLB's
//! controller (and its webhook) ready before its address pool is applied.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kube::Client;
use kube::api::{ApiResource, GroupVersionKind};

use crate::kind::{Istioctl, IstioctlError};
use crate::kube::ObjectRef;
use crate::kube::versions::{self, VersionError};
use crate::provision::{Artifact, DownloadError, Downloader, IstioPin, ToolError, ToolResolver};

/// The namespace `istioctl install` puts istiod in.
pub(crate) const ISTIO_NAMESPACE: &str = "istio-system";

/// What to install when it is missing.
#[derive(Debug, Clone)]
pub(crate) struct InstallPlan {
    /// The Istio release (`istioctl` of exactly this version installs it).
    pub istio: &'static IstioPin,
    /// The Gateway API `standard-install.yaml` paired with that release.
    pub gateway_api: Artifact,
    /// A load balancer for LoadBalancer Services (kind has none).
    pub load_balancer: Option<LoadBalancer>,
    /// The limit for each wait (istiod, GatewayClass, MetalLB).
    pub timeout: Duration,
}

/// MetalLB: its pinned manifest, then an address pool from the node network.
#[derive(Debug, Clone)]
pub(crate) struct LoadBalancer {
    pub manifest: Artifact,
    /// `IPAddressPool` + `L2Advertisement` (see [`crate::kind::metallb::manifest_for_subnet`]).
    pub pool: String,
}

/// What [`ensure`] found or did, per piece, for the run's log and report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Action {
    /// Present before the run, at this version.
    Present(String),
    /// Installed by this run, at this version.
    Installed(String),
}

/// The result of [`ensure`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Installed {
    pub gateway_api: Action,
    pub istio: Action,
    pub load_balancer: Option<Action>,
}

/// Why an install step failed (exit code 2: the run could not be made).
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("failed to read what is installed in the cluster")]
    Detect(#[source] VersionError),
    #[error("failed to download {what}")]
    Download {
        what: &'static str,
        #[source]
        source: DownloadError,
    },
    #[error("failed to read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("failed to apply {what}")]
    Apply {
        what: &'static str,
        #[source]
        source: crate::kube::ApplyFailure,
    },
    #[error("istioctl {version} is not available")]
    Istioctl {
        version: String,
        #[source]
        source: ToolError,
    },
    #[error("istioctl install of Istio {version} failed")]
    IstioInstall {
        version: String,
        #[source]
        source: IstioctlError,
    },
    #[error("{what} did not become ready")]
    Wait {
        what: String,
        #[source]
        source: crate::kube::WaitError,
    },
    #[error("failed to reach the cluster's discovery")]
    Discovery(#[source] crate::kube::ApplyError),
}

/// Installs what is missing, in dependency order, and waits until each piece is usable.
pub(crate) async fn ensure(
    client: &Client,
    kubeconfig: &Path,
    plan: &InstallPlan,
    downloader: &Downloader,
    tools: &ToolResolver<'_>,
) -> Result<Installed, InstallError> {
    let gateway_api = ensure_gateway_api(client, plan, downloader).await?;
    let istio = ensure_istio(client, kubeconfig, plan, tools).await?;
    let load_balancer = match &plan.load_balancer {
        Some(lb) => Some(ensure_load_balancer(client, lb, downloader, plan.timeout).await?),
        None => None,
    };
    Ok(Installed {
        gateway_api,
        istio,
        load_balancer,
    })
}

async fn ensure_gateway_api(
    client: &Client,
    plan: &InstallPlan,
    downloader: &Downloader,
) -> Result<Action, InstallError> {
    match versions::gateway_api(client).await {
        Ok(found) => {
            let v = format!(
                "v{}.{}.{}",
                found.version.major,
                found.version.minor,
                found.version.patch.unwrap_or(0)
            );
            if v != plan.gateway_api.version {
                tracing::warn!(present = %v, paired = %plan.gateway_api.version,
                    "the cluster's Gateway API CRDs are not the release paired with Istio {}; using them as they are",
                    plan.istio.version);
            }
            return Ok(Action::Present(v));
        }
        Err(VersionError::GatewayApiNotFound { .. }) => {}
        Err(e) => return Err(InstallError::Detect(e)),
    }
    tracing::info!(version = %plan.gateway_api.version, "installing the Gateway API CRDs");
    apply_artifact(
        client,
        downloader,
        &plan.gateway_api,
        "the Gateway API CRDs",
    )
    .await?;
    Ok(Action::Installed(plan.gateway_api.version.clone()))
}

async fn ensure_istio(
    client: &Client,
    kubeconfig: &Path,
    plan: &InstallPlan,
    tools: &ToolResolver<'_>,
) -> Result<Action, InstallError> {
    let version = plan.istio.version;
    let action = match versions::istio(client).await {
        Ok(found) => {
            let v = found.version.to_string();
            if !v.starts_with(version.rsplit_once('.').map_or(version, |(m, _)| m)) {
                tracing::warn!(present = %v, requested = %version,
                    "Istio is already installed at another version; the scenarios run against it");
            }
            Action::Present(v)
        }
        Err(VersionError::IstioNotFound { .. }) => {
            let tool = tools
                .istioctl(version)
                .await
                .map_err(|source| InstallError::Istioctl {
                    version: version.to_string(),
                    source,
                })?;
            tracing::info!(%version, istioctl = %tool.path.display(), "installing Istio (profile minimal)");
            Istioctl::new(&tool.path, kubeconfig)
                .install(plan.timeout)
                .await
                .map_err(|source| InstallError::IstioInstall {
                    version: version.to_string(),
                    source,
                })?;
            Action::Installed(version.to_string())
        }
        Err(e) => return Err(InstallError::Detect(e)),
    };
    let istiod = match versions::istio(client).await {
        Ok(i) => i.deployment,
        Err(_) => "istiod".to_string(),
    };
    crate::kube::wait::rollout(client, ISTIO_NAMESPACE, &istiod, plan.timeout)
        .await
        .map_err(|source| InstallError::Wait {
            what: format!("Deployment {ISTIO_NAMESPACE}/{istiod}"),
            source,
        })?;
    // istiod creates GatewayClass `istio` and marks it Accepted once its Gateway API controller
    // runs (research/istio-facts.md 2a); Gateways of that class are not handled before.
    let class = gateway_class("istio");
    crate::kube::wait::condition(client, &class, "Accepted", "True", plan.timeout)
        .await
        .map_err(|source| InstallError::Wait {
            what: "GatewayClass istio".into(),
            source,
        })?;
    Ok(action)
}

async fn ensure_load_balancer(
    client: &Client,
    lb: &LoadBalancer,
    downloader: &Downloader,
    timeout: Duration,
) -> Result<Action, InstallError> {
    use k8s_openapi::api::apps::v1::Deployment;
    let ns = crate::kind::metallb::NAMESPACE;
    let api: kube::Api<Deployment> = kube::Api::namespaced(client.clone(), ns);
    let present = matches!(api.get_opt("controller").await, Ok(Some(_)));
    if !present {
        tracing::info!(version = %lb.manifest.version, "installing MetalLB");
        apply_artifact(client, downloader, &lb.manifest, "the MetalLB manifest").await?;
    }
    crate::kube::wait::rollout(client, ns, "controller", timeout)
        .await
        .map_err(|source| InstallError::Wait {
            what: format!("Deployment {ns}/controller"),
            source,
        })?;
    // The pool goes through MetalLB's validating webhook, which answers only once the
    // controller's webhook server is up: retry the apply (idempotent SSA) until then.
    let started = Instant::now();
    let mut discovery = crate::kube::discover(client)
        .await
        .map_err(InstallError::Discovery)?;
    loop {
        match crate::kube::apply(client, &mut discovery, lb.pool.as_str(), ns).await {
            Ok(_) => break,
            Err(e) if started.elapsed() < timeout => {
                tracing::debug!(error = %e.error, "MetalLB pool not accepted yet; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
                let _ = crate::kube::apply::refresh(client, &mut discovery).await;
            }
            Err(source) => {
                return Err(InstallError::Apply {
                    what: "the MetalLB address pool",
                    source,
                });
            }
        }
    }
    Ok(if present {
        Action::Present(lb.manifest.version.clone())
    } else {
        Action::Installed(lb.manifest.version.clone())
    })
}

/// Downloads (verified, cached) and applies a multi-document manifest server-side.
async fn apply_artifact(
    client: &Client,
    downloader: &Downloader,
    artifact: &Artifact,
    what: &'static str,
) -> Result<(), InstallError> {
    let path = downloader
        .fetch(artifact)
        .await
        .map_err(|source| InstallError::Download { what, source })?;
    let text = tokio::fs::read_to_string(&path)
        .await
        .map_err(|source| InstallError::Read {
            path: path.clone(),
            source,
        })?;
    let mut discovery = crate::kube::discover(client)
        .await
        .map_err(InstallError::Discovery)?;
    crate::kube::apply(client, &mut discovery, text.as_str(), "default")
        .await
        .map_err(|source| InstallError::Apply { what, source })?;
    Ok(())
}

fn gateway_class(name: &str) -> ObjectRef {
    let gvk = GroupVersionKind::gvk("gateway.networking.k8s.io", "v1", "GatewayClass");
    ObjectRef {
        resource: ApiResource::from_gvk_with_plural(&gvk, "gatewayclasses"),
        gvk,
        namespace: None,
        name: name.to_string(),
    }
}

/// Images that Istio's minimal profile and its gateways run, to pre-load into kind nodes.
pub(crate) fn istio_images(pin: &IstioPin) -> Vec<String> {
    ["pilot", "proxyv2"]
        .iter()
        .map(|c| format!("docker.io/istio/{c}:{}", pin.version))
        .collect()
}

#[cfg(test)]
mod tests;
