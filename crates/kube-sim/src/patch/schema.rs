//! Per-kind list semantics: merge keys for strategic merge patch and list types for
//! server-side apply, plus which API groups serve strategic merge patch at all.
//!
//! Only what changes behaviour is described: paths that lead to associative lists
//! (`x-kubernetes-list-type: map|set`, SMP `patchStrategy: merge`) and atomic structs or
//! maps (`+structType=atomic`, `+mapType=atomic`). Everything else is "unknown": objects
//! merge field by field, lists are atomic for apply and replaced by SMP, which is what the
//! real types say for every list without a patch strategy. Tags follow k8s.io/api v0.32
//! (`core/v1/types.go`, `apps/v1`, `batch/v1`), apimachinery `meta/v1` and Gateway API v1.

/// A described object type: its fields that are not "unknown".
pub(crate) struct TypeDef {
    fields: &'static [(&'static str, Field)],
}

/// What one field is.
#[derive(Clone, Copy)]
enum Field {
    /// An object whose own fields are described.
    Struct(&'static TypeDef),
    /// An atomic struct or map: owned and replaced as a whole (LabelSelector, selectors).
    Atomic,
    /// A list.
    List(&'static ListDef),
}

/// A list field: its server-side-apply type and its strategic-merge-patch strategy.
pub(crate) struct ListDef {
    pub(crate) ssa: ListType,
    pub(crate) smp: Smp,
    elem: Option<&'static TypeDef>,
}

/// `x-kubernetes-list-type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ListType {
    /// Replaced and owned as a whole.
    Atomic,
    /// A set of scalars, items identified by value (`v:`).
    Set,
    /// Items identified by key fields (`k:`); key fields with a schema default
    /// (`protocol: TCP`) take it when absent.
    Map {
        keys: &'static [&'static str],
        defaults: &'static [(&'static str, &'static str)],
    },
}

/// The SMP `patchStrategy` of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Smp {
    /// No strategy: the patch list replaces the live one.
    Replace,
    /// `patchStrategy: merge` on scalars (finalizers): union, `$deleteFromPrimitiveList`.
    MergePrimitive,
    /// `patchStrategy: merge` with `patchMergeKey`.
    MergeKey(&'static str),
}

/// A position in a kind's schema while walking an object.
#[derive(Clone, Copy)]
pub(crate) enum Ty {
    Struct(&'static TypeDef),
    Atomic,
    List(&'static ListDef),
    /// Not described: objects are granular maps, lists atomic.
    Unknown,
}

impl Ty {
    /// The type of field `name` of an object of this type.
    pub(crate) fn field(self, name: &str) -> Ty {
        match self {
            Ty::Struct(def) => {
                def.fields
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map_or(Ty::Unknown, |(_, f)| match *f {
                        Field::Struct(t) => Ty::Struct(t),
                        Field::Atomic => Ty::Atomic,
                        Field::List(l) => Ty::List(l),
                    })
            }
            _ => Ty::Unknown,
        }
    }

    /// The type of the items of a list of this type.
    pub(crate) fn elem(self) -> Ty {
        match self {
            Ty::List(ListDef { elem: Some(t), .. }) => Ty::Struct(t),
            _ => Ty::Unknown,
        }
    }

    /// The server-side-apply list type (unknown lists are atomic).
    pub(crate) fn list_type(self) -> ListType {
        match self {
            Ty::List(l) => l.ssa,
            _ => ListType::Atomic,
        }
    }

    /// The SMP strategy of a list (unknown lists are replaced).
    pub(crate) fn smp(self) -> Smp {
        match self {
            Ty::List(l) => l.smp,
            _ => Smp::Replace,
        }
    }
}

const fn list(ssa: ListType, smp: Smp, elem: Option<&'static TypeDef>) -> ListDef {
    ListDef { ssa, smp, elem }
}

const fn map_keys(keys: &'static [&'static str]) -> ListType {
    ListType::Map {
        keys,
        defaults: &[],
    }
}

// ---- meta/v1 --------------------------------------------------------------------------

static OBJECT_META: TypeDef = TypeDef {
    fields: &[
        ("finalizers", Field::List(&FINALIZERS)),
        ("ownerReferences", Field::List(&OWNER_REFERENCES)),
    ],
};
static FINALIZERS: ListDef = list(ListType::Set, Smp::MergePrimitive, None);
static OWNER_REFERENCES: ListDef = list(map_keys(&["uid"]), Smp::MergeKey("uid"), None);
/// `status.conditions` of most built-ins and of Gateway API (`metav1.Condition`).
static CONDITIONS: ListDef = list(map_keys(&["type"]), Smp::MergeKey("type"), None);

// ---- core/v1 pods ---------------------------------------------------------------------

static CONTAINER: TypeDef = TypeDef {
    fields: &[
        ("ports", Field::List(&CONTAINER_PORTS)),
        ("env", Field::List(&BY_NAME)),
        ("volumeMounts", Field::List(&VOLUME_MOUNTS)),
        ("volumeDevices", Field::List(&VOLUME_DEVICES)),
        ("resources", Field::Struct(&RESOURCES)),
    ],
};
/// Keyed by containerPort+protocol for apply, by containerPort alone for SMP.
static CONTAINER_PORTS: ListDef = list(
    ListType::Map {
        keys: &["containerPort", "protocol"],
        defaults: &[("protocol", "TCP")],
    },
    Smp::MergeKey("containerPort"),
    None,
);
static BY_NAME: ListDef = list(map_keys(&["name"]), Smp::MergeKey("name"), None);
static VOLUME_MOUNTS: ListDef = list(map_keys(&["mountPath"]), Smp::MergeKey("mountPath"), None);
static VOLUME_DEVICES: ListDef = list(map_keys(&["devicePath"]), Smp::MergeKey("devicePath"), None);
static RESOURCES: TypeDef = TypeDef {
    fields: &[("claims", Field::List(&CLAIMS))],
};
/// `resources.claims` has a list-map key but no SMP strategy.
static CLAIMS: ListDef = list(map_keys(&["name"]), Smp::Replace, None);

static POD_SPEC: TypeDef = TypeDef {
    fields: &[
        ("containers", Field::List(&CONTAINERS)),
        ("initContainers", Field::List(&CONTAINERS)),
        ("ephemeralContainers", Field::List(&CONTAINERS)),
        ("volumes", Field::List(&BY_NAME)),
        ("imagePullSecrets", Field::List(&BY_NAME)),
        ("hostAliases", Field::List(&BY_IP)),
        ("topologySpreadConstraints", Field::List(&TOPOLOGY_SPREAD)),
        ("schedulingGates", Field::List(&BY_NAME)),
        ("resourceClaims", Field::List(&BY_NAME)),
        ("nodeSelector", Field::Atomic),
    ],
};
static CONTAINERS: ListDef = list(map_keys(&["name"]), Smp::MergeKey("name"), Some(&CONTAINER));
static BY_IP: ListDef = list(map_keys(&["ip"]), Smp::MergeKey("ip"), None);
static TOPOLOGY_SPREAD: ListDef = list(
    map_keys(&["topologyKey", "whenUnsatisfiable"]),
    Smp::MergeKey("topologyKey"),
    Some(&WITH_LABEL_SELECTOR),
);
static WITH_LABEL_SELECTOR: TypeDef = TypeDef {
    fields: &[("labelSelector", Field::Atomic)],
};

static POD_STATUS: TypeDef = TypeDef {
    fields: &[
        ("conditions", Field::List(&CONDITIONS)),
        ("podIPs", Field::List(&BY_IP)),
        // hostIPs: atomic for apply but merged by ip in SMP.
        ("hostIPs", Field::List(&HOST_IPS)),
        ("resourceClaimStatuses", Field::List(&BY_NAME)),
    ],
};
static HOST_IPS: ListDef = list(ListType::Atomic, Smp::MergeKey("ip"), None);

static POD_TEMPLATE_SPEC: TypeDef = TypeDef {
    fields: &[
        ("metadata", Field::Struct(&OBJECT_META)),
        ("spec", Field::Struct(&POD_SPEC)),
    ],
};

static POD: TypeDef = TypeDef {
    fields: &[
        ("metadata", Field::Struct(&OBJECT_META)),
        ("spec", Field::Struct(&POD_SPEC)),
        ("status", Field::Struct(&POD_STATUS)),
    ],
};
static POD_TEMPLATE: TypeDef = TypeDef {
    fields: &[
        ("metadata", Field::Struct(&OBJECT_META)),
        ("template", Field::Struct(&POD_TEMPLATE_SPEC)),
    ],
};

// ---- workloads (apps/v1, batch/v1, core/v1 ReplicationController) ------------------------

static WORKLOAD_SPEC: TypeDef = TypeDef {
    fields: &[
        ("selector", Field::Atomic),
        ("template", Field::Struct(&POD_TEMPLATE_SPEC)),
    ],
};
static STATUS_WITH_CONDITIONS: TypeDef = TypeDef {
    fields: &[("conditions", Field::List(&CONDITIONS))],
};
static WORKLOAD: TypeDef = TypeDef {
    fields: &[
        ("metadata", Field::Struct(&OBJECT_META)),
        ("spec", Field::Struct(&WORKLOAD_SPEC)),
        ("status", Field::Struct(&STATUS_WITH_CONDITIONS)),
    ],
};
static JOB_STATUS: TypeDef = TypeDef {
    fields: &[("conditions", Field::List(&JOB_CONDITIONS))],
};
/// Job conditions: atomic for apply, merged by type in SMP.
static JOB_CONDITIONS: ListDef = list(ListType::Atomic, Smp::MergeKey("type"), None);
static JOB: TypeDef = TypeDef {
    fields: &[
        ("metadata", Field::Struct(&OBJECT_META)),
        ("spec", Field::Struct(&WORKLOAD_SPEC)),
        ("status", Field::Struct(&JOB_STATUS)),
    ],
};
static JOB_TEMPLATE: TypeDef = TypeDef {
    fields: &[
        ("metadata", Field::Struct(&OBJECT_META)),
        ("spec", Field::Struct(&WORKLOAD_SPEC)),
    ],
};
static CRON_JOB_SPEC: TypeDef = TypeDef {
    fields: &[("jobTemplate", Field::Struct(&JOB_TEMPLATE))],
};
static CRON_JOB: TypeDef = TypeDef {
    fields: &[
        ("metadata", Field::Struct(&OBJECT_META)),
        ("spec", Field::Struct(&CRON_JOB_SPEC)),
    ],
};

// ---- core/v1 others -----------------------------------------------------------------------

static SERVICE_SPEC: TypeDef = TypeDef {
    fields: &[
        ("ports", Field::List(&SERVICE_PORTS)),
        ("selector", Field::Atomic),
    ],
};
/// Keyed by port+protocol for apply, by port alone for SMP.
static SERVICE_PORTS: ListDef = list(
    ListType::Map {
        keys: &["port", "protocol"],
        defaults: &[("protocol", "TCP")],
    },
    Smp::MergeKey("port"),
    None,
);
static SERVICE: TypeDef = TypeDef {
    fields: &[
        ("metadata", Field::Struct(&OBJECT_META)),
        ("spec", Field::Struct(&SERVICE_SPEC)),
        ("status", Field::Struct(&STATUS_WITH_CONDITIONS)),
    ],
};
static SERVICE_ACCOUNT: TypeDef = TypeDef {
    fields: &[
        ("metadata", Field::Struct(&OBJECT_META)),
        ("secrets", Field::List(&BY_NAME)),
    ],
};
static WITH_STATUS_CONDITIONS: TypeDef = TypeDef {
    fields: &[
        ("metadata", Field::Struct(&OBJECT_META)),
        ("status", Field::Struct(&STATUS_WITH_CONDITIONS)),
    ],
};
static NODE_SPEC: TypeDef = TypeDef {
    fields: &[("podCIDRs", Field::List(&FINALIZERS))],
};
static NODE_STATUS: TypeDef = TypeDef {
    fields: &[
        ("conditions", Field::List(&CONDITIONS)),
        ("addresses", Field::List(&CONDITIONS)),
    ],
};
static NODE: TypeDef = TypeDef {
    fields: &[
        ("metadata", Field::Struct(&OBJECT_META)),
        ("spec", Field::Struct(&NODE_SPEC)),
        ("status", Field::Struct(&NODE_STATUS)),
    ],
};

// ---- gateway.networking.k8s.io/v1 (apply only: CRs never get SMP) ---------------------------

static LISTENERS: ListDef = list(map_keys(&["name"]), Smp::Replace, None);
static LISTENER_STATUSES: ListDef = list(
    map_keys(&["name"]),
    Smp::Replace,
    Some(&STATUS_WITH_CONDITIONS),
);
static GATEWAY_SPEC: TypeDef = TypeDef {
    fields: &[("listeners", Field::List(&LISTENERS))],
};
static GATEWAY_STATUS: TypeDef = TypeDef {
    fields: &[
        ("conditions", Field::List(&CONDITIONS)),
        ("listeners", Field::List(&LISTENER_STATUSES)),
    ],
};
static GATEWAY: TypeDef = TypeDef {
    fields: &[
        ("metadata", Field::Struct(&OBJECT_META)),
        ("spec", Field::Struct(&GATEWAY_SPEC)),
        ("status", Field::Struct(&GATEWAY_STATUS)),
    ],
};

/// Any other kind: only its metadata is described (all kinds share ObjectMeta).
static GENERIC: TypeDef = TypeDef {
    fields: &[("metadata", Field::Struct(&OBJECT_META))],
};

/// The API group of an apiVersion (`apps/v1` → `apps`, `v1` → ``).
pub(crate) fn group_of(api_version: &str) -> &str {
    api_version.rsplit_once('/').map_or("", |(g, _)| g)
}

/// The schema root of a kind.
pub(crate) fn root(api_version: &str, kind: &str) -> Ty {
    let def: &'static TypeDef = match (group_of(api_version), kind) {
        ("", "Pod") => &POD,
        ("", "PodTemplate") => &POD_TEMPLATE,
        ("", "ReplicationController")
        | ("apps", "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet") => &WORKLOAD,
        ("batch", "Job") => &JOB,
        ("batch", "CronJob") => &CRON_JOB,
        ("", "Service") => &SERVICE,
        ("", "ServiceAccount") => &SERVICE_ACCOUNT,
        ("", "Namespace" | "PersistentVolumeClaim") => &WITH_STATUS_CONDITIONS,
        ("", "Node") => &NODE,
        ("gateway.networking.k8s.io", "Gateway") => &GATEWAY,
        ("gateway.networking.k8s.io", "GatewayClass") => &WITH_STATUS_CONDITIONS,
        _ => &GENERIC,
    };
    Ty::Struct(def)
}

#[cfg(test)]
/// The type at a path of field names; a name after a list steps into its items.
fn resolve(api_version: &str, kind: &str, path: &[&str]) -> Ty {
    path.iter().fold(root(api_version, kind), |ty, name| {
        let ty = if matches!(ty, Ty::List(_)) {
            ty.elem()
        } else {
            ty
        };
        ty.field(name)
    })
}

#[cfg(test)]
/// The strategic-merge-patch merge key of the list at `path`, e.g.
/// `merge_key("apps/v1", "Deployment", &["spec", "template", "spec", "containers", "ports"])`
/// is `Some("containerPort")`. `None` for lists that SMP replaces or merges as scalars.
pub(crate) fn merge_key(api_version: &str, kind: &str, path: &[&str]) -> Option<&'static str> {
    match resolve(api_version, kind, path).smp() {
        Smp::MergeKey(k) => Some(k),
        _ => None,
    }
}

#[cfg(test)]
/// The server-side-apply list-map keys of the list at `path` (`x-kubernetes-list-map-keys`),
/// e.g. `["containerPort", "protocol"]` for container ports. `None` for atomic lists and sets.
pub(crate) fn apply_list_keys(
    api_version: &str,
    kind: &str,
    path: &[&str],
) -> Option<&'static [&'static str]> {
    match resolve(api_version, kind, path).list_type() {
        ListType::Map { keys, .. } => Some(keys),
        _ => None,
    }
}

/// API groups compiled into kube-apiserver (and apiextensions/aggregator), whose
/// resources accept `application/strategic-merge-patch+json`.
const BUILT_IN_GROUPS: &[&str] = &[
    "",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
];

/// Whether the real apiserver serves strategic merge patch for this kind: true for
/// built-in groups, false for custom resources (apiextensions-apiserver answers 415).
pub(crate) fn supports_strategic(api_version: &str, _kind: &str) -> bool {
    BUILT_IN_GROUPS.contains(&group_of(api_version))
}

/// The object a fresh Go struct of the kind serializes to, which kube-apiserver uses as
/// the "old" object when it records the managed fields of a create. Non-pointer structs
/// (`spec`, `template`, `strategy`) are present there, so they do not get a `.` entry.
pub(crate) fn zero_object(api_version: &str, kind: &str) -> serde_json::Value {
    use serde_json::json;
    let pod_template = json!({"metadata": {}, "spec": {"containers": null}});
    match (group_of(api_version), kind) {
        ("", "Pod") => json!({"metadata": {}, "spec": {"containers": null}, "status": {}}),
        ("", "PodTemplate") => json!({"metadata": {}, "template": pod_template}),
        ("apps", "Deployment") => json!({"metadata": {}, "spec": {"selector": null,
            "template": pod_template, "strategy": {}}, "status": {}}),
        ("apps", "StatefulSet" | "DaemonSet") => json!({"metadata": {}, "spec": {
            "selector": null, "template": pod_template, "updateStrategy": {}}, "status": {}}),
        ("apps", "ReplicaSet") | ("", "ReplicationController") => {
            json!({"metadata": {}, "spec": {"template": pod_template}, "status": {}})
        }
        ("batch", "Job") => {
            json!({"metadata": {}, "spec": {"template": pod_template}, "status": {}})
        }
        ("batch", "CronJob") => json!({"metadata": {}, "spec": {"jobTemplate": {
            "metadata": {}, "spec": {"template": pod_template}}}, "status": {}}),
        ("", "Service") => json!({"metadata": {}, "spec": {}, "status": {"loadBalancer": {}}}),
        ("", "Namespace" | "PersistentVolumeClaim" | "Node") => {
            json!({"metadata": {}, "spec": {}, "status": {}})
        }
        _ => json!({}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_template_paths_resolve_in_every_workload() {
        let deploy = root("apps/v1", "Deployment");
        let containers = deploy
            .field("spec")
            .field("template")
            .field("spec")
            .field("containers");
        assert_eq!(containers.smp(), Smp::MergeKey("name"));
        let ports = containers.elem().field("ports");
        assert_eq!(ports.smp(), Smp::MergeKey("containerPort"));
        assert!(
            matches!(ports.list_type(), ListType::Map { keys, .. } if keys == ["containerPort", "protocol"])
        );
        let cron = root("batch/v1", "CronJob");
        let env = cron
            .field("spec")
            .field("jobTemplate")
            .field("spec")
            .field("template")
            .field("spec")
            .field("initContainers")
            .elem()
            .field("env");
        assert_eq!(env.smp(), Smp::MergeKey("name"));
    }

    #[test]
    fn public_table_lookups() {
        let ports = ["spec", "template", "spec", "containers", "ports"];
        assert_eq!(
            merge_key("apps/v1", "Deployment", &ports),
            Some("containerPort")
        );
        assert_eq!(
            apply_list_keys("apps/v1", "Deployment", &ports),
            Some(&["containerPort", "protocol"][..])
        );
        assert_eq!(merge_key("v1", "Service", &["spec", "ports"]), Some("port"));
        assert_eq!(merge_key("v1", "Pod", &["spec", "tolerations"]), None);
        assert_eq!(
            merge_key("v1", "Pod", &["status", "conditions"]),
            Some("type")
        );
        assert_eq!(
            merge_key("v1", "Pod", &["spec", "containers", "volumeMounts"]),
            Some("mountPath")
        );
    }

    #[test]
    fn unknown_lists_are_atomic_and_crs_have_no_smp() {
        let route = root("gateway.networking.k8s.io/v1", "HTTPRoute");
        assert_eq!(
            route.field("spec").field("rules").list_type(),
            ListType::Atomic
        );
        assert_eq!(
            route.field("metadata").field("finalizers").list_type(),
            ListType::Set
        );
        assert!(!supports_strategic(
            "gateway.networking.k8s.io/v1",
            "HTTPRoute"
        ));
        assert!(supports_strategic("v1", "ConfigMap"));
        assert!(supports_strategic("apps/v1", "Deployment"));
    }
}
