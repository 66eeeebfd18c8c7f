//! Automated deployment for `gatewayClassName: istio` Gateways: the ServiceAccount, Deployment and
//! Service istiod's deployment controller applies.
//!
//! Follows `pilot/pkg/config/kube/gateway/deploymentcontroller.go` (`configureIstioGateway`,
//! `extractServicePorts`, `extractInfrastructureLabels`) and the template
//! `manifests/charts/istio-control/istio-discovery/files/kube-gateway.yaml`, per version: pods carry
//! `istio.io/gateway-name` only up to 1.23, `gateway.istio.io/managed` from 1.24.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::convert::{ISTIO_CONTROLLER, class_controller, gateway_service_name};
use super::profile::IstioProfile;
use super::snapshot::{GATEWAY_GROUP, Obj, Snapshot, arr_at, at, int_of, str_at, string_map};

/// The label every generated object and pod carries (`label.IoK8sNetworkingGatewayGatewayName`).
pub(crate) const GATEWAY_NAME_LABEL: &str = "gateway.networking.k8s.io/gateway-name";

/// `extractInfrastructureLabels`: `spec.infrastructure.labels`, else the Gateway's own labels, minus
/// `gateway.networking.k8s.io/` keys.
fn infrastructure(gw: Obj<'_>, labels: bool) -> BTreeMap<String, String> {
    let key = if labels { "labels" } else { "annotations" };
    let m = match at(gw.spec(), &["infrastructure", key]) {
        Some(v) => string_map(Some(v)),
        None if labels => gw.labels(),
        None => gw.annotations(),
    };
    m.into_iter()
        .filter(|(k, _)| !k.starts_with("gateway.networking.k8s.io/"))
        .collect()
}

fn annotations_for(gw: Obj<'_>) -> BTreeMap<String, String> {
    const OMIT: &[&str] = &[
        "kubectl.kubernetes.io/last-applied-configuration",
        "gateway.istio.io/name-override",
        "gateway.istio.io/service-account",
        "gateway.istio.io/controller-version",
    ];
    infrastructure(gw, false)
        .into_iter()
        .filter(|(k, _)| !OMIT.contains(&k.as_str()))
        .collect()
}

/// `extractServicePorts`: status-port 15021, then one port per distinct listener port.
fn service_ports(gw: Obj<'_>) -> Vec<Value> {
    let mut ports = vec![
        json!({"name": "status-port", "port": 15021, "protocol": "TCP", "appProtocol": "tcp"}),
    ];
    let mut seen = vec![];
    for (i, l) in arr_at(gw.spec(), &["listeners"]).iter().enumerate() {
        let Some(port) = int_of(at(l, &["port"])) else {
            continue;
        };
        if seen.contains(&port) {
            continue;
        }
        seen.push(port);
        let proto = str_at(l, &["protocol"]).to_ascii_lowercase();
        let mut name: String = str_at(l, &["name"]).replace('.', "-");
        name.truncate(63);
        if name.is_empty() {
            name = format!("{proto}-{i}");
        }
        ports.push(json!({"name": name, "port": port, "protocol": "TCP", "appProtocol": proto}));
    }
    ports
}

/// The objects istiod applies for each managed `istio`-class Gateway: ServiceAccount, Deployment and
/// Service, all named `<gw>-istio` (or the name-override annotation) with ownerReferences to the Gateway.
pub(crate) fn gateway_deployments(snapshot: &Snapshot, profile: &IstioProfile) -> Vec<Value> {
    let rules = profile.version.rules();
    let mut out = vec![];
    for gw in snapshot.list(GATEWAY_GROUP, "Gateway") {
        let class = str_at(gw.spec(), &["gatewayClassName"]);
        if class_controller(snapshot, &rules, class).as_deref() != Some(ISTIO_CONTROLLER) {
            continue;
        }
        // IsManaged: a Gateway naming an existing address is not deployed.
        let addrs = arr_at(gw.spec(), &["addresses"]);
        if addrs.len() > 1
            || addrs
                .first()
                .is_some_and(|a| !matches!(str_at(a, &["type"]), "" | "IPAddress"))
        {
            continue;
        }
        let name = gateway_service_name(gw);
        let sa = gw
            .annotation("gateway.istio.io/service-account")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| name.clone());
        let ns = gw.namespace();
        let owner = json!([{
            "apiVersion": "gateway.networking.k8s.io/v1beta1",
            "kind": "Gateway",
            "name": gw.name(),
            "uid": gw.uid(),
        }]);
        let infra = infrastructure(gw, true);
        let ann = annotations_for(gw);
        let mut base_labels = infra.clone();
        base_labels.insert(GATEWAY_NAME_LABEL.into(), gw.name().into());
        if rules.legacy_gateway_name_label {
            base_labels.insert("istio.io/gateway-name".into(), gw.name().into());
        }
        let mut deploy_labels = base_labels.clone();
        if rules.managed_label_on_pods {
            deploy_labels.insert(
                "gateway.istio.io/managed".into(),
                "istio.io-gateway-controller".into(),
            );
        }
        let mut pod_labels: BTreeMap<String, String> = BTreeMap::new();
        pod_labels.insert("sidecar.istio.io/inject".into(), "false".into());
        pod_labels.insert("service.istio.io/canonical-name".into(), name.clone());
        pod_labels.insert(
            "service.istio.io/canonical-revision".into(),
            "latest".into(),
        );
        pod_labels.extend(deploy_labels.clone());
        let mut pod_ann = ann.clone();
        pod_ann.insert("istio.io/rev".into(), "default".into());
        pod_ann.insert("prometheus.io/path".into(), "/stats/prometheus".into());
        pod_ann.insert("prometheus.io/port".into(), "15020".into());
        pod_ann.insert("prometheus.io/scrape".into(), "true".into());
        let service_type = gw
            .annotation("networking.istio.io/service-type")
            .unwrap_or("LoadBalancer");
        let image = format!("docker.io/istio/proxyv2:{}", profile.version);
        out.push(json!({
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": sa, "namespace": ns, "labels": base_labels,
                "annotations": ann, "ownerReferences": owner},
        }));
        out.push(json!({
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": name, "namespace": ns, "labels": deploy_labels, "annotations": ann,
                "ownerReferences": owner},
            "spec": {
                "selector": {"matchLabels": {GATEWAY_NAME_LABEL: gw.name()}},
                "template": {
                    "metadata": {"labels": pod_labels, "annotations": pod_ann},
                    "spec": {
                        "serviceAccountName": sa,
                        "containers": [{
                            "name": "istio-proxy",
                            "image": image,
                            "args": ["proxy", "router", "--domain", "$(POD_NAMESPACE).svc.cluster.local",
                                "--proxyLogLevel", "warning", "--proxyComponentLogLevel", "misc:error",
                                "--log_output_level", "default:info"],
                            "ports": [
                                {"containerPort": 15020, "name": "metrics", "protocol": "TCP"},
                                {"containerPort": 15021, "name": "status-port", "protocol": "TCP"},
                                {"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}
                            ],
                            "readinessProbe": {"httpGet": {"path": "/healthz/ready", "port": 15021},
                                "failureThreshold": 4, "periodSeconds": 15, "successThreshold": 1, "timeoutSeconds": 1},
                        }],
                    },
                },
            },
        }));
        let mut svc_spec = json!({
            "ipFamilyPolicy": "PreferDualStack",
            "ports": service_ports(gw),
            "selector": {GATEWAY_NAME_LABEL: gw.name()},
            "type": service_type,
        });
        if service_type == "LoadBalancer"
            && let Some(a) = addrs.first()
        {
            svc_spec["loadBalancerIP"] = json!(str_at(a, &["value"]));
        }
        out.push(json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "labels": base_labels, "annotations": ann,
                "ownerReferences": owner},
            "spec": svc_spec,
        }));
    }
    out
}
