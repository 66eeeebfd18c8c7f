//! The CustomResourceDefinitions a minimal Istio install creates, and those of a Gateway API bundle.
//!
//! Names, versions (served/storage), scope, names, printer columns, labels and annotations follow
//! `manifests/charts/base/files/crd-all.gen.yaml` (istio/istio, 1.22 to 1.28) and
//! `config/crd/{standard,experimental}/*.yaml` (kubernetes-sigs/gateway-api v1.1.0 to v1.4.0). The
//! schemas are `x-kubernetes-preserve-unknown-fields: true`, so the API server applies no defaults; the
//! model applies Gateway API's CRD defaults itself (see `convert.rs`).

use serde::Deserialize;
use serde_json::{Value, json};

use super::version::IstioVersion;

/// The Gateway API bundle versions the simulator can install.
pub(crate) const GATEWAY_API_BUNDLES: &[&str] = &["v1.1.0", "v1.2.0", "v1.2.1", "v1.3.0", "v1.4.0"];

/// A Gateway API release channel (`config/crd` vs `config/crd/experimental`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GatewayApiChannel {
    /// `standard-install.yaml`.
    Standard,
    /// `experimental-install.yaml`.
    Experimental,
}

impl GatewayApiChannel {
    fn as_str(self) -> &'static str {
        match self {
            GatewayApiChannel::Standard => "standard",
            GatewayApiChannel::Experimental => "experimental",
        }
    }
}

/// A printer column: name, type, jsonPath, priority.
type Column = (&'static str, &'static str, &'static str, u8);

const AGE: Column = ("Age", "date", ".metadata.creationTimestamp", 0);

struct CrdSpec {
    group: &'static str,
    kind: &'static str,
    plural: &'static str,
    short: &'static [&'static str],
    categories: &'static [&'static str],
    cluster: bool,
    /// (version, served, storage, status subresource)
    versions: Vec<(&'static str, bool, bool, bool)>,
    columns: &'static [Column],
}

fn crd(spec: &CrdSpec, labels: Value, annotations: Value) -> Value {
    let versions: Vec<Value> = spec
        .versions
        .iter()
        .map(|(name, served, storage, status)| {
            let mut v = json!({
                "name": name,
                "served": served,
                "storage": storage,
                "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
            });
            if *status {
                v["subresources"] = json!({"status": {}});
            }
            if !spec.columns.is_empty() {
                v["additionalPrinterColumns"] = spec
                    .columns
                    .iter()
                    .map(|(n, t, p, prio)| {
                        let mut c = json!({"name": n, "type": t, "jsonPath": p});
                        if *prio > 0 {
                            c["priority"] = json!(prio);
                        }
                        c
                    })
                    .collect();
            }
            v
        })
        .collect();
    let mut names = json!({
        "kind": spec.kind,
        "listKind": format!("{}List", spec.kind),
        "plural": spec.plural,
        "singular": spec.kind.to_ascii_lowercase(),
    });
    if !spec.short.is_empty() {
        names["shortNames"] = json!(spec.short);
    }
    if !spec.categories.is_empty() {
        names["categories"] = json!(spec.categories);
    }
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": format!("{}.{}", spec.plural, spec.group),
            "labels": labels,
            "annotations": annotations,
        },
        "spec": {
            "group": spec.group,
            "names": names,
            "scope": if spec.cluster { "Cluster" } else { "Namespaced" },
            "versions": versions,
        }
    })
}

/// The 14 CRDs of Istio's `base` chart (identical set in 1.22 to 1.28).
pub(crate) fn istio_crds(v: &IstioVersion) -> Vec<Value> {
    let r = v.rules();
    let net = |served_all: bool| -> Vec<(&'static str, bool, bool, bool)> {
        if !served_all {
            return vec![];
        }
        vec![
            ("v1", true, r.networking_storage_v1, true),
            ("v1alpha3", true, false, true),
            ("v1beta1", true, !r.networking_storage_v1, true),
        ]
    };
    let sec = vec![
        ("v1", true, r.security_storage_v1, true),
        ("v1beta1", true, !r.security_storage_v1, true),
    ];
    const NET: &[&str] = &["istio-io", "networking-istio-io"];
    const SEC: &[&str] = &["istio-io", "security-istio-io"];
    let specs = vec![
        CrdSpec {
            group: "extensions.istio.io",
            kind: "WasmPlugin",
            plural: "wasmplugins",
            short: &[],
            categories: &["istio-io", "extensions-istio-io"],
            cluster: false,
            versions: vec![("v1alpha1", true, true, true)],
            columns: &[AGE],
        },
        CrdSpec {
            group: "networking.istio.io",
            kind: "DestinationRule",
            plural: "destinationrules",
            short: &["dr"],
            categories: NET,
            cluster: false,
            versions: net(true),
            columns: &[("Host", "string", ".spec.host", 0), AGE],
        },
        CrdSpec {
            group: "networking.istio.io",
            kind: "EnvoyFilter",
            plural: "envoyfilters",
            short: &[],
            categories: NET,
            cluster: false,
            versions: vec![("v1alpha3", true, true, true)],
            columns: &[],
        },
        CrdSpec {
            group: "networking.istio.io",
            kind: "Gateway",
            plural: "gateways",
            short: &["gw"],
            categories: NET,
            cluster: false,
            versions: net(true),
            columns: &[],
        },
        CrdSpec {
            group: "networking.istio.io",
            kind: "ProxyConfig",
            plural: "proxyconfigs",
            short: &[],
            categories: NET,
            cluster: false,
            versions: vec![("v1beta1", true, true, true)],
            columns: &[],
        },
        CrdSpec {
            group: "networking.istio.io",
            kind: "ServiceEntry",
            plural: "serviceentries",
            short: &["se"],
            categories: NET,
            cluster: false,
            versions: net(true),
            columns: &[
                ("Hosts", "string", ".spec.hosts", 0),
                ("Location", "string", ".spec.location", 0),
                ("Resolution", "string", ".spec.resolution", 0),
                AGE,
            ],
        },
        CrdSpec {
            group: "networking.istio.io",
            kind: "Sidecar",
            plural: "sidecars",
            short: &[],
            categories: NET,
            cluster: false,
            versions: net(true),
            columns: &[],
        },
        CrdSpec {
            group: "networking.istio.io",
            kind: "VirtualService",
            plural: "virtualservices",
            short: &["vs"],
            categories: NET,
            cluster: false,
            versions: net(true),
            columns: &[
                ("Gateways", "string", ".spec.gateways", 0),
                ("Hosts", "string", ".spec.hosts", 0),
                AGE,
            ],
        },
        CrdSpec {
            group: "networking.istio.io",
            kind: "WorkloadEntry",
            plural: "workloadentries",
            short: &["we"],
            categories: NET,
            cluster: false,
            versions: net(true),
            columns: &[AGE, ("Address", "string", ".spec.address", 0)],
        },
        CrdSpec {
            group: "networking.istio.io",
            kind: "WorkloadGroup",
            plural: "workloadgroups",
            short: &["wg"],
            categories: NET,
            cluster: false,
            versions: net(true),
            columns: &[AGE],
        },
        CrdSpec {
            group: "security.istio.io",
            kind: "AuthorizationPolicy",
            plural: "authorizationpolicies",
            short: &["ap"],
            categories: SEC,
            cluster: false,
            versions: sec.clone(),
            columns: &[("Action", "string", ".spec.action", 0), AGE],
        },
        CrdSpec {
            group: "security.istio.io",
            kind: "PeerAuthentication",
            plural: "peerauthentications",
            short: &["pa"],
            categories: SEC,
            cluster: false,
            versions: sec.clone(),
            columns: &[("Mode", "string", ".spec.mtls.mode", 0), AGE],
        },
        CrdSpec {
            group: "security.istio.io",
            kind: "RequestAuthentication",
            plural: "requestauthentications",
            short: &["ra"],
            categories: SEC,
            cluster: false,
            versions: sec,
            columns: &[],
        },
        CrdSpec {
            group: "telemetry.istio.io",
            kind: "Telemetry",
            plural: "telemetries",
            short: &["telemetry"],
            categories: &["istio-io", "telemetry-istio-io"],
            cluster: false,
            versions: vec![("v1", true, false, true), ("v1alpha1", true, true, true)],
            columns: &[AGE],
        },
    ];
    specs
        .iter()
        .map(|s| {
            let mut labels = json!({"app": "istio-pilot", "chart": "istio", "heritage": "Tiller", "release": "istio"});
            if s.group == "security.istio.io" {
                labels["istio"] = json!("security");
            }
            if s.group == "telemetry.istio.io" {
                labels["istio"] = json!("telemetry");
            }
            let ann = if s.kind == "WorkloadGroup" {
                json!({})
            } else {
                json!({"helm.sh/resource-policy": "keep"})
            };
            crd(s, labels, ann)
        })
        .collect()
}

/// Why a Gateway API bundle cannot be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Gateway API bundle {0:?} is not modelled; known: v1.1.0, v1.2.0, v1.2.1, v1.3.0, v1.4.0")]
pub(crate) struct UnknownBundle(pub String);

/// The CRDs of a Gateway API bundle (`standard-install.yaml` or `experimental-install.yaml`).
pub(crate) fn gateway_api_crds(
    version: &str,
    channel: GatewayApiChannel,
) -> Result<Vec<Value>, UnknownBundle> {
    let Some(idx) = GATEWAY_API_BUNDLES.iter().position(|b| *b == version) else {
        return Err(UnknownBundle(version.to_string()));
    };
    // Index into GATEWAY_API_BUNDLES: 0 = v1.1.0, 1 = v1.2.0, 2 = v1.2.1, 3 = v1.3.0, 4 = v1.4.0.
    let exp = channel == GatewayApiChannel::Experimental;
    let v11 = idx == 0;
    let since = |i: usize| idx >= i;
    const G: &str = "gateway.networking.k8s.io";
    const X: &str = "gateway.networking.x-k8s.io";
    const CAT: &[&str] = &["gateway-api"];
    let mut specs = vec![];
    if since(4) {
        // v1.4: BackendTLSPolicy v1 is standard (config/crd/standard, v1.4.0).
        specs.push(CrdSpec {
            group: G,
            kind: "BackendTLSPolicy",
            plural: "backendtlspolicies",
            short: &["btlspolicy"],
            categories: CAT,
            cluster: false,
            versions: vec![("v1", true, true, true), ("v1alpha3", exp, false, false)],
            columns: &[AGE],
        });
    } else if exp {
        specs.push(CrdSpec {
            group: G,
            kind: "BackendTLSPolicy",
            plural: "backendtlspolicies",
            short: &["btlspolicy"],
            categories: CAT,
            cluster: false,
            versions: vec![("v1alpha3", true, true, true)],
            columns: &[AGE],
        });
    }
    if exp && idx <= 2 {
        specs.push(CrdSpec {
            group: G,
            kind: "BackendLBPolicy",
            plural: "backendlbpolicies",
            short: &["blbpolicy"],
            categories: CAT,
            cluster: false,
            versions: vec![("v1alpha2", true, true, true)],
            columns: &[AGE],
        });
    }
    specs.push(CrdSpec {
        group: G,
        kind: "GatewayClass",
        plural: "gatewayclasses",
        short: &["gc"],
        categories: CAT,
        cluster: true,
        versions: vec![("v1", true, true, true), ("v1beta1", true, false, true)],
        columns: &[
            ("Controller", "string", ".spec.controllerName", 0),
            (
                "Accepted",
                "string",
                ".status.conditions[?(@.type==\"Accepted\")].status",
                0,
            ),
            AGE,
            ("Description", "string", ".spec.description", 1),
        ],
    });
    specs.push(CrdSpec {
        group: G,
        kind: "Gateway",
        plural: "gateways",
        short: &["gtw"],
        categories: CAT,
        cluster: false,
        versions: vec![("v1", true, true, true), ("v1beta1", true, false, true)],
        columns: &[
            ("Class", "string", ".spec.gatewayClassName", 0),
            ("Address", "string", ".status.addresses[*].value", 0),
            (
                "Programmed",
                "string",
                ".status.conditions[?(@.type==\"Programmed\")].status",
                0,
            ),
            AGE,
        ],
    });
    let mut grpc = vec![("v1", true, true, true)];
    if v11 {
        grpc.push(("v1alpha2", exp, false, false));
    }
    specs.push(CrdSpec {
        group: G,
        kind: "GRPCRoute",
        plural: "grpcroutes",
        short: &[],
        categories: CAT,
        cluster: false,
        versions: grpc,
        columns: &[("Hostnames", "string", ".spec.hostnames", 0), AGE],
    });
    specs.push(CrdSpec {
        group: G,
        kind: "HTTPRoute",
        plural: "httproutes",
        short: &[],
        categories: CAT,
        cluster: false,
        versions: vec![("v1", true, true, true), ("v1beta1", true, false, true)],
        columns: &[("Hostnames", "string", ".spec.hostnames", 0), AGE],
    });
    let mut refgrant = vec![];
    if v11 {
        refgrant.push(("v1alpha2", exp, false, false));
    }
    refgrant.push(("v1beta1", true, true, false));
    specs.push(CrdSpec {
        group: G,
        kind: "ReferenceGrant",
        plural: "referencegrants",
        short: &["refgrant"],
        categories: CAT,
        cluster: false,
        versions: refgrant,
        columns: &[AGE],
    });
    if exp {
        for (kind, plural) in [
            ("TCPRoute", "tcproutes"),
            ("TLSRoute", "tlsroutes"),
            ("UDPRoute", "udproutes"),
        ] {
            let versions = if kind == "TLSRoute" && since(4) {
                vec![
                    ("v1alpha2", true, false, true),
                    ("v1alpha3", true, true, true),
                ]
            } else {
                vec![("v1alpha2", true, true, true)]
            };
            specs.push(CrdSpec {
                group: G,
                kind,
                plural,
                short: &[],
                categories: CAT,
                cluster: false,
                versions,
                columns: &[AGE],
            });
        }
        if since(3) {
            specs.push(CrdSpec {
                group: X,
                kind: "XBackendTrafficPolicy",
                plural: "xbackendtrafficpolicies",
                short: &["xbtrafficpolicy"],
                categories: CAT,
                cluster: false,
                versions: vec![("v1alpha1", true, true, true)],
                columns: &[AGE],
            });
            specs.push(CrdSpec {
                group: X,
                kind: "XListenerSet",
                plural: "xlistenersets",
                short: &["lset"],
                categories: CAT,
                cluster: false,
                versions: vec![("v1alpha1", true, true, true)],
                columns: &[
                    (
                        "Accepted",
                        "string",
                        ".status.conditions[?(@.type==\"Accepted\")].status",
                        0,
                    ),
                    (
                        "Programmed",
                        "string",
                        ".status.conditions[?(@.type==\"Programmed\")].status",
                        0,
                    ),
                    AGE,
                ],
            });
        }
        if since(4) {
            specs.push(CrdSpec {
                group: X,
                kind: "XMesh",
                plural: "xmeshes",
                short: &["mesh"],
                categories: CAT,
                cluster: true,
                versions: vec![("v1alpha1", true, true, true)],
                columns: &[
                    (
                        "Accepted",
                        "string",
                        ".status.conditions[?(@.type==\"Accepted\")].status",
                        0,
                    ),
                    AGE,
                ],
            });
        }
    }
    let approved = if v11 {
        "https://github.com/kubernetes-sigs/gateway-api/pull/2997"
    } else {
        "https://github.com/kubernetes-sigs/gateway-api/pull/3328"
    };
    Ok(specs
        .iter()
        .map(|s| {
            crd(
                s,
                json!({}),
                json!({
                    "api-approved.kubernetes.io": approved,
                    "gateway.networking.k8s.io/bundle-version": version,
                    "gateway.networking.k8s.io/channel": channel.as_str(),
                }),
            )
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[Value]) -> Vec<String> {
        v.iter()
            .map(|c| c["metadata"]["name"].as_str().unwrap_or("").to_string())
            .collect()
    }

    #[test]
    fn istio_crds_per_version() {
        let c27 = istio_crds(&IstioVersion::new(1, 27, 0));
        assert_eq!(c27.len(), 14);
        let vs = c27
            .iter()
            .find(|c| c["metadata"]["name"] == "virtualservices.networking.istio.io")
            .unwrap();
        assert_eq!(vs["spec"]["names"]["shortNames"], json!(["vs"]));
        let storage: Vec<&str> = vs["spec"]["versions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["storage"] == true)
            .map(|v| v["name"].as_str().unwrap())
            .collect();
        assert_eq!(storage, vec!["v1"]);
        let c22 = istio_crds(&IstioVersion::new(1, 22, 0));
        let vs22 = c22
            .iter()
            .find(|c| c["metadata"]["name"] == "virtualservices.networking.istio.io")
            .unwrap();
        assert_eq!(vs22["spec"]["versions"][2]["storage"], true);
        assert_eq!(vs22["spec"]["versions"][2]["name"], "v1beta1");
    }

    #[test]
    fn gateway_api_bundles() {
        let std13 = gateway_api_crds("v1.3.0", GatewayApiChannel::Standard).unwrap();
        assert_eq!(
            names(&std13),
            vec![
                "gatewayclasses.gateway.networking.k8s.io",
                "gateways.gateway.networking.k8s.io",
                "grpcroutes.gateway.networking.k8s.io",
                "httproutes.gateway.networking.k8s.io",
                "referencegrants.gateway.networking.k8s.io"
            ]
        );
        let exp13 = gateway_api_crds("v1.3.0", GatewayApiChannel::Experimental).unwrap();
        assert_eq!(exp13.len(), 11);
        assert_eq!(
            exp13[0]["metadata"]["annotations"]["gateway.networking.k8s.io/channel"],
            "experimental"
        );
        let std14 = gateway_api_crds("v1.4.0", GatewayApiChannel::Standard).unwrap();
        assert!(names(&std14).contains(&"backendtlspolicies.gateway.networking.k8s.io".into()));
        assert_eq!(
            gateway_api_crds("v1.4.0", GatewayApiChannel::Experimental)
                .unwrap()
                .len(),
            12
        );
        assert_eq!(
            gateway_api_crds("v1.1.0", GatewayApiChannel::Experimental)
                .unwrap()
                .len(),
            10
        );
        assert!(gateway_api_crds("v9", GatewayApiChannel::Standard).is_err());
    }
}
