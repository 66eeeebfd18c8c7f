//! The start state of `istioctl install --set profile=minimal` (`manifests/profiles/minimal.yaml`:
//! base and istiod, no gateways, no Gateway API CRDs), and the GatewayClasses istiod creates once the
//! Gateway API CRDs exist (`pilot/pkg/config/kube/gateway/gatewayclass.go` `ClassController.reconcileClass`).

use serde_json::{Value, json};

use super::crds::{gateway_api_crds, istio_crds};
use super::profile::IstioProfile;

/// istio-system, the istiod ServiceAccount/Deployment/Service and Istio's CRDs, plus the Gateway API CRDs
/// when the profile installs them. The lead's controllers make the istiod pod from the Deployment.
pub(crate) fn minimal_install(profile: &IstioProfile) -> Vec<Value> {
    let v = profile.version;
    let mut out = istio_crds(&v);
    if profile.gateway_api.installed
        && let Ok(c) = gateway_api_crds(profile.gateway_api_version(), profile.gateway_api.channel)
    {
        out.extend(c);
    }
    let labels = json!({"app": "istiod", "istio": "pilot", "istio.io/rev": "default",
        "install.operator.istio.io/owning-resource": "unknown", "operator.istio.io/component": "Pilot",
        "app.kubernetes.io/name": "istiod", "app.kubernetes.io/instance": "istio",
        "app.kubernetes.io/part-of": "istio", "app.kubernetes.io/version": v.to_string()});
    out.push(json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "istio-system", "labels": {"kubernetes.io/metadata.name": "istio-system"}}}));
    out.push(json!({"apiVersion": "v1", "kind": "ServiceAccount",
        "metadata": {"name": "istiod", "namespace": "istio-system", "labels": {"app": "istiod", "release": "istio"}}}));
    out.push(json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "istio", "namespace": "istio-system", "labels": {"istio.io/rev": "default"}},
        "data": {"mesh": "defaultConfig:\n  discoveryAddress: istiod.istio-system.svc:15012\ndefaultProviders:\n  metrics:\n  - prometheus\nenablePrometheusMerge: true\nrootNamespace: istio-system\ntrustDomain: cluster.local\n",
                 "meshNetworks": "networks: {}"}}));
    out.push(json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "istiod", "namespace": "istio-system", "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"istio": "pilot"}},
            "template": {
                "metadata": {"labels": {"app": "istiod", "istio": "pilot", "istio.io/rev": "default",
                    "sidecar.istio.io/inject": "false", "istio.io/dataplane-mode": "none"},
                    "annotations": {"prometheus.io/port": "15014", "prometheus.io/scrape": "true",
                        "sidecar.istio.io/inject": "false"}},
                "spec": {
                    "serviceAccountName": "istiod",
                    "containers": [{
                        "name": "discovery",
                        "image": format!("docker.io/istio/pilot:{v}"),
                        "args": ["discovery", "--monitoringAddr=:15014", "--log_output_level=default:info",
                            "--domain", "cluster.local", "--keepaliveMaxServerConnectionAge", "30m"],
                        "ports": [
                            {"containerPort": 8080, "protocol": "TCP", "name": "http-debug"},
                            {"containerPort": 15010, "protocol": "TCP", "name": "grpc-xds"},
                            {"containerPort": 15012, "protocol": "TCP", "name": "tls-xds"},
                            {"containerPort": 15017, "protocol": "TCP", "name": "https-webhooks"},
                            {"containerPort": 15014, "protocol": "TCP", "name": "http-monitoring"}
                        ],
                        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080},
                            "initialDelaySeconds": 1, "periodSeconds": 3, "timeoutSeconds": 5},
                    }],
                },
            },
        }}));
    out.push(json!({"apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "istiod", "namespace": "istio-system",
        "labels": {"app": "istiod", "istio": "pilot", "istio.io/rev": "default"}},
    "spec": {"selector": {"app": "istiod", "istio": "pilot"}, "ports": [
        {"name": "grpc-xds", "port": 15010, "protocol": "TCP"},
        {"name": "https-dns", "port": 15012, "protocol": "TCP"},
        {"name": "https-webhook", "port": 443, "targetPort": 15017, "protocol": "TCP"},
        {"name": "http-monitoring", "port": 15014, "protocol": "TCP"}
    ]}}));
    out
}

/// The GatewayClasses istiod creates when the Gateway API CRDs exist: `istio`, and from 1.23
/// `istio-remote` (deploymentcontroller.go `getBuiltinClasses`, `getClassInfos`).
pub(crate) fn gateway_classes(profile: &IstioProfile) -> Vec<Value> {
    let mut out = vec![json!({
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "GatewayClass",
        "metadata": {"name": "istio"},
        "spec": {"controllerName": "istio.io/gateway-controller", "description": "The default Istio GatewayClass"},
    })];
    if profile.version.rules().remote_gateway_class {
        out.push(json!({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "GatewayClass",
            "metadata": {"name": "istio-remote"},
            "spec": {"controllerName": "istio.io/unmanaged-gateway",
                "description": "Remote to this cluster. Does not deploy or affect configuration."},
        }));
    }
    out
}
