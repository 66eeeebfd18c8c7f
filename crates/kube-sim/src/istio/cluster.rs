//! istiod's service registry: Services, their ports and protocols, and ready endpoints (pods).
//!
//! Follows `pilot/pkg/serviceregistry/kube/conversion.go` (Service → model.Service) and
//! `pkg/config/kube/conversion.go` `ConvertProtocol` (port name / appProtocol → protocol). Endpoints are
//! computed from Pods (Ready, with an IP, not terminating) matching the Service selector, as the
//! EndpointSlice controller would.

use std::collections::BTreeMap;

use serde_json::Value;

use super::snapshot::{Obj, Snapshot, arr_at, at, int_of, labels_match, str_at, string_map};

/// The cluster domain suffix (`--domain` / `cluster.local`).
pub(crate) const DOMAIN: &str = "cluster.local";

/// A Service's `targetPort`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TargetPort {
    /// A port number on the pod.
    Number(u16),
    /// A named container port.
    Name(String),
}

/// One Service port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServicePort {
    /// `name` (may be empty for single-port Services).
    pub name: String,
    /// `port`.
    pub port: u16,
    /// `targetPort` (defaults to `port`).
    pub target: TargetPort,
    /// `appProtocol`, if set.
    pub app_protocol: Option<String>,
}

impl ServicePort {
    /// Whether Istio routes this port as HTTP (explicit HTTP/HTTP2/gRPC, or unknown and sniffed).
    // pkg/config/kube/conversion.go ConvertProtocol + pkg/config/protocol/instance.go IsHTTPOrSniffed.
    pub(crate) fn http_or_sniffed(&self) -> bool {
        let proto = match &self.app_protocol {
            Some(p) => p.to_ascii_lowercase(),
            None => self
                .name
                .split('-')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase(),
        };
        !matches!(
            proto.as_str(),
            "tcp" | "tls" | "https" | "mongo" | "redis" | "mysql" | "udp"
        )
    }
}

/// A Service as istiod sees it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ServiceInfo {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// `<name>.<namespace>.svc.cluster.local`.
    pub hostname: String,
    /// `spec.selector`; `None` when the Service has no selector (no endpoints from pods).
    pub selector: Option<BTreeMap<String, String>>,
    /// Ports in spec order.
    pub ports: Vec<ServicePort>,
    /// `spec.type` (default ClusterIP).
    pub service_type: String,
    /// `spec.clusterIP` (may be empty in a snapshot that has not allocated one).
    pub cluster_ip: String,
    /// `status.loadBalancer.ingress[*].ip|hostname`.
    pub lb_ingress: Vec<String>,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
}

impl ServiceInfo {
    /// The port with this number.
    pub(crate) fn port(&self, port: u16) -> Option<&ServicePort> {
        self.ports.iter().find(|p| p.port == port)
    }
}

/// A pod as an endpoint or a proxy.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PodInfo {
    /// Namespace.
    pub namespace: String,
    /// Name.
    pub name: String,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// `status.podIP`.
    pub ip: String,
    /// Ready condition True, an IP, and not terminating.
    pub ready: bool,
    /// An `istio-proxy` sidecar was injected (container or native-sidecar init container).
    pub sidecar: bool,
    /// The pod is a gateway (`istio-proxy` runs `proxy router`).
    pub router: bool,
    /// `spec.serviceAccountName` (default `default`).
    pub service_account: String,
    /// Named container ports (name, port).
    pub container_ports: Vec<(String, u16)>,
}

/// One endpoint: a ready pod and the port on it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Endpoint {
    /// Pod namespace.
    pub namespace: String,
    /// Pod name.
    pub pod: String,
    /// The port on the pod.
    pub port: u16,
}

/// The registry built from a snapshot.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Registry {
    /// Every Service.
    pub services: Vec<ServiceInfo>,
    /// Every Pod.
    pub pods: Vec<PodInfo>,
}

fn service_from(o: Obj<'_>) -> ServiceInfo {
    let spec = o.spec();
    let ports = arr_at(spec, &["ports"])
        .iter()
        .filter_map(|p| {
            let port = u16::try_from(int_of(at(p, &["port"]))?).ok()?;
            let target = match at(p, &["targetPort"]) {
                Some(Value::String(s)) if s.parse::<u16>().is_err() => TargetPort::Name(s.clone()),
                t => int_of(t)
                    .and_then(|n| u16::try_from(n).ok())
                    .map(TargetPort::Number)
                    .unwrap_or(TargetPort::Number(port)),
            };
            Some(ServicePort {
                name: str_at(p, &["name"]).to_string(),
                port,
                target,
                app_protocol: at(p, &["appProtocol"])
                    .and_then(Value::as_str)
                    .map(str::to_string),
            })
        })
        .collect();
    let selector = at(spec, &["selector"])
        .filter(|s| s.as_object().is_some_and(|m| !m.is_empty()))
        .map(|s| string_map(Some(s)));
    let lb_ingress = arr_at(o.value(), &["status", "loadBalancer", "ingress"])
        .iter()
        .filter_map(|i| {
            let ip = str_at(i, &["ip"]);
            let host = str_at(i, &["hostname"]);
            if !ip.is_empty() {
                Some(ip.to_string())
            } else if !host.is_empty() {
                Some(host.to_string())
            } else {
                None
            }
        })
        .collect();
    let service_type = match str_at(spec, &["type"]) {
        "" => "ClusterIP",
        t => t,
    };
    ServiceInfo {
        namespace: o.namespace().to_string(),
        name: o.name().to_string(),
        hostname: format!("{}.{}.svc.{DOMAIN}", o.name(), o.namespace()),
        selector,
        ports,
        service_type: service_type.to_string(),
        cluster_ip: str_at(spec, &["clusterIP"]).to_string(),
        lb_ingress,
        labels: o.labels(),
    }
}

fn pod_from(o: Obj<'_>) -> PodInfo {
    let v = o.value();
    let ip = str_at(v, &["status", "podIP"]).to_string();
    let ready_cond = arr_at(v, &["status", "conditions"])
        .iter()
        .any(|c| str_at(c, &["type"]) == "Ready" && str_at(c, &["status"]) == "True");
    let containers = arr_at(v, &["spec", "containers"]);
    let inits = arr_at(v, &["spec", "initContainers"]);
    let proxy = containers
        .iter()
        .chain(
            inits
                .iter()
                .filter(|c| str_at(c, &["restartPolicy"]) == "Always"),
        )
        .find(|c| str_at(c, &["name"]) == "istio-proxy");
    let router = proxy.is_some_and(|c| {
        arr_at(c, &["args"])
            .iter()
            .any(|a| a.as_str() == Some("router"))
    });
    let mut container_ports = vec![];
    for c in containers {
        for p in arr_at(c, &["ports"]) {
            if let Some(n) = int_of(at(p, &["containerPort"])).and_then(|n| u16::try_from(n).ok()) {
                container_ports.push((str_at(p, &["name"]).to_string(), n));
            }
        }
    }
    let sa = match str_at(v, &["spec", "serviceAccountName"]) {
        "" => "default",
        s => s,
    };
    PodInfo {
        namespace: o.namespace().to_string(),
        name: o.name().to_string(),
        labels: o.labels(),
        ready: ready_cond && !ip.is_empty() && !o.deleting(),
        ip,
        sidecar: proxy.is_some() && !router,
        router,
        service_account: sa.to_string(),
        container_ports,
    }
}

impl Registry {
    /// Reads Services and Pods from a snapshot.
    pub(crate) fn from_snapshot(s: &Snapshot) -> Self {
        Registry {
            services: s.list("", "Service").map(service_from).collect(),
            pods: s.list("", "Pod").map(pod_from).collect(),
        }
    }

    /// A Service by namespace and name.
    pub(crate) fn service(&self, namespace: &str, name: &str) -> Option<&ServiceInfo> {
        self.services
            .iter()
            .find(|s| s.namespace == namespace && s.name == name)
    }

    /// A Service by its FQDN.
    pub(crate) fn service_by_host(&self, host: &str) -> Option<&ServiceInfo> {
        self.services.iter().find(|s| s.hostname == host)
    }

    /// A pod by namespace and name.
    pub(crate) fn pod(&self, namespace: &str, name: &str) -> Option<&PodInfo> {
        self.pods
            .iter()
            .find(|p| p.namespace == namespace && p.name == name)
    }

    /// The pods a Service selects (ready or not), optionally narrowed by subset labels.
    pub(crate) fn selected_pods<'a>(
        &'a self,
        svc: &'a ServiceInfo,
        subset: Option<&'a BTreeMap<String, String>>,
    ) -> impl Iterator<Item = &'a PodInfo> + 'a {
        self.pods.iter().filter(move |p| {
            p.namespace == svc.namespace
                && svc
                    .selector
                    .as_ref()
                    .is_some_and(|sel| labels_match(sel, &p.labels))
                && subset.is_none_or(|s| labels_match(s, &p.labels))
        })
    }

    /// Ready endpoints of a Service port, in pod order.
    pub(crate) fn endpoints(
        &self,
        svc: &ServiceInfo,
        port: &ServicePort,
        subset: Option<&BTreeMap<String, String>>,
    ) -> Vec<Endpoint> {
        self.selected_pods(svc, subset)
            .filter(|p| p.ready)
            .filter_map(|p| {
                let target = match &port.target {
                    TargetPort::Number(n) => Some(*n),
                    TargetPort::Name(name) => p
                        .container_ports
                        .iter()
                        .find(|(n, _)| n == name)
                        .map(|(_, n)| *n),
                }?;
                Some(Endpoint {
                    namespace: p.namespace.clone(),
                    pod: p.name.clone(),
                    port: target,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;

    #[test]
    fn protocols_and_endpoints() {
        let s = Snapshot::new([
            Arc::new(
                json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "namespace": "n"},
                "spec": {"selector": {"app": "a"}, "ports": [{"name": "http", "port": 80, "targetPort": "web"},
                {"name": "tcp-x", "port": 81}, {"port": "bad"}]}}),
            ),
            Arc::new(
                json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a-1", "namespace": "n", "labels": {"app": "a"}},
                "spec": {"containers": [{"name": "app", "ports": [{"name": "web", "containerPort": 8080}]}, {"name": "istio-proxy"}]},
                "status": {"podIP": "10.0.0.1", "conditions": [{"type": "Ready", "status": "True"}]}}),
            ),
            Arc::new(
                json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a-2", "namespace": "n", "labels": {"app": "a"}},
                "status": {"podIP": "10.0.0.2"}}),
            ),
        ]);
        let r = Registry::from_snapshot(&s);
        let svc = r.service("n", "a").unwrap();
        assert_eq!(svc.ports.len(), 2);
        assert!(svc.ports[0].http_or_sniffed());
        assert!(!svc.ports[1].http_or_sniffed());
        let eps = r.endpoints(svc, &svc.ports[0], None);
        assert_eq!(eps.len(), 1);
        assert_eq!(eps[0].port, 8080);
        assert!(r.pod("n", "a-1").unwrap().sidecar);
    }
}
