//! The status istiod writes: GatewayClass, Gateway (with listeners and addresses) and HTTPRoute parents.
//!
//! Follows `pilot/pkg/config/kube/gateway/gatewayclass.go` (`GetClassStatus`), `conversion.go`
//! (`reportGatewayStatus`, `setProgrammedCondition`, `reportUnmanagedGatewayStatus`), `context.go`
//! (`ResolveGatewayInstances`), `conditions.go` (`createRouteStatus`, `setConditions`,
//! `reportListenerCondition`) and `pkg/kube/controllers` `UpdateConditionIfChanged` (a condition keeps
//! its lastTransitionTime while its status does not change). Output is stable: equal inputs and an
//! equal `now` give equal statuses, so the caller writes only when something changed.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::cluster::ServiceInfo;
use super::convert::{ConfigError, GatewayReport, ISTIO_CONTROLLER, ListenerReport, RouteReport};
use super::push::PushContext;
use super::snapshot::{GATEWAY_GROUP, Snapshot, arr_at, str_at};

/// One status to write.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StatusUpdate {
    /// `gateway.networking.k8s.io/v1`.
    pub api_version: String,
    /// GatewayClass, Gateway or HTTPRoute.
    pub kind: String,
    /// Namespace (empty for GatewayClass).
    pub namespace: String,
    /// Name.
    pub name: String,
    /// The whole `status`.
    pub status: Value,
}

struct Cond {
    kind: &'static str,
    status: &'static str,
    reason: String,
    message: String,
}

fn ok(kind: &'static str, reason: &str, message: &str) -> Cond {
    Cond {
        kind,
        status: "True",
        reason: reason.into(),
        message: message.into(),
    }
}

impl Cond {
    fn fail(mut self, e: &Option<ConfigError>) -> Cond {
        if let Some(e) = e {
            self.status = if self.status == "True" {
                "False"
            } else {
                "True"
            };
            self.reason = e.reason.clone();
            self.message = e.message.clone();
        }
        self
    }
}

/// `setConditions` + `UpdateConditionIfChanged`, keys in sorted order.
fn set_conditions(existing: &[Value], mut conds: Vec<Cond>, generation: i64, now: &str) -> Value {
    conds.sort_by_key(|c| c.kind);
    let mut out: Vec<Value> = existing.to_vec();
    for c in conds {
        let mut new = json!({
            "type": c.kind,
            "status": c.status,
            "observedGeneration": generation,
            "lastTransitionTime": now,
            "reason": c.reason,
            "message": c.message,
        });
        match out.iter_mut().find(|e| str_at(e, &["type"]) == c.kind) {
            None => out.push(new),
            Some(e) => {
                if str_at(e, &["status"]) == c.status {
                    if str_at(e, &["message"]) == c.message.as_str()
                        && e.get("observedGeneration").and_then(Value::as_i64) == Some(generation)
                    {
                        continue;
                    }
                    new["lastTransitionTime"] =
                        e.get("lastTransitionTime").cloned().unwrap_or(json!(now));
                }
                *e = new;
            }
        }
    }
    Value::Array(out)
}

fn human_join(ss: &[String]) -> String {
    match ss {
        [] => String::new(),
        [a] => a.clone(),
        [a, b] => format!("{a} and {b}"),
        [init @ .., last] => format!("{}, and {last}", init.join(", ")),
    }
}

struct Instances {
    internal: Vec<String>,
    internal_ip: Vec<String>,
    external: Vec<String>,
    pending: Vec<String>,
    warnings: Vec<String>,
    all_usable: bool,
}

/// `ResolveGatewayInstances` (context.go).
fn resolve_instances(
    push: &PushContext,
    ns: &str,
    services: &[String],
    ports: &BTreeSet<u32>,
) -> Instances {
    let mut r = Instances {
        internal: vec![],
        internal_ip: vec![],
        external: vec![],
        pending: vec![],
        warnings: vec![],
        all_usable: true,
    };
    let mut internal = BTreeSet::new();
    let mut internal_ip = BTreeSet::new();
    let mut external = BTreeSet::new();
    for g in services {
        let svc: Option<&ServiceInfo> = push
            .registry
            .services
            .iter()
            .find(|s| s.hostname == *g && s.namespace == ns);
        let Some(svc) = svc else {
            let mut others: Vec<String> = push
                .registry
                .services
                .iter()
                .filter(|s| s.hostname == *g)
                .map(|s| format!("\"{}\"", s.namespace))
                .collect();
            others.sort();
            if others.is_empty() {
                r.warnings.push(format!("hostname {g:?} not found"));
            } else {
                r.warnings.push(format!(
                    "hostname {g:?} not found in namespace {ns:?}, but it was found in namespace(s) {}",
                    others.join(", ")
                ));
            }
            r.all_usable = false;
            continue;
        };
        for port in ports {
            let sp = u16::try_from(*port).ok().and_then(|p| svc.port(p));
            let eps = sp
                .map(|sp| push.registry.endpoints(svc, sp, None))
                .unwrap_or_default();
            if !eps.is_empty() {
                internal.insert(format!("{g}:{port}"));
                if !svc.cluster_ip.is_empty() {
                    internal_ip.insert(svc.cluster_ip.clone());
                }
                if !svc.lb_ingress.is_empty() {
                    external.extend(svc.lb_ingress.iter().cloned());
                } else if svc.service_type == "LoadBalancer" && !r.pending.contains(g) {
                    r.warnings
                        .push(format!("address pending for hostname {g:?}"));
                    r.pending.push(g.clone());
                }
            } else {
                let any_ready = svc
                    .ports
                    .iter()
                    .any(|p| !push.registry.endpoints(svc, p, None).is_empty());
                if !any_ready {
                    r.warnings
                        .push(format!("no instances found for hostname {g:?}"));
                } else {
                    let managed = svc.labels.contains_key("gateway.istio.io/managed");
                    if !managed || sp.is_none() {
                        r.warnings
                            .push(format!("port {port} not found for hostname {g:?}"));
                        r.all_usable = false;
                    }
                }
            }
        }
    }
    r.warnings.sort();
    r.internal = internal.into_iter().collect();
    r.internal_ip = internal_ip.into_iter().collect();
    r.external = external.into_iter().collect();
    r
}

fn listener_status(existing: &[Value], l: &ListenerReport, generation: i64, now: &str) -> Value {
    let prev = existing
        .iter()
        .find(|e| str_at(e, &["name"]) == l.name)
        .map(|e| arr_at(e, &["conditions"]).to_vec())
        .unwrap_or_default();
    let mut resolved = ok("ResolvedRefs", "ResolvedRefs", "No errors found");
    if !l.kinds_valid {
        resolved = Cond {
            kind: "ResolvedRefs",
            status: "False",
            reason: "InvalidRouteKinds".into(),
            message: "Invalid route kinds".into(),
        };
    }
    let conds = vec![
        ok("Accepted", "Accepted", "No errors found").fail(&l.accepted_error),
        ok("Programmed", "Programmed", "No errors found"),
        Cond {
            kind: "Conflicted",
            status: "False",
            reason: "NoConflicts".into(),
            message: "No errors found".into(),
        },
        resolved,
    ];
    json!({
        "name": l.name,
        "attachedRoutes": l.attached_routes,
        "supportedKinds": l.supported_kinds.iter().map(|(g, k)| json!({"group": g, "kind": k})).collect::<Vec<_>>(),
        "conditions": set_conditions(&prev, conds, generation, now),
    })
}

fn gateway_status(push: &PushContext, s: &Snapshot, g: &GatewayReport, now: &str) -> Value {
    let obj = s.get(GATEWAY_GROUP, "Gateway", &g.namespace, &g.name);
    let existing = obj
        .map(|o| arr_at(o.value(), &["status", "conditions"]).to_vec())
        .unwrap_or_default();
    let existing_listeners = obj
        .map(|o| arr_at(o.value(), &["status", "listeners"]).to_vec())
        .unwrap_or_default();
    if g.unmanaged {
        let conds = vec![
            ok("Accepted", "Accepted", "Resource accepted"),
            ok(
                "Programmed",
                "Programmed",
                "This Gateway is remote; Istio will not program it",
            ),
        ];
        return json!({
            "addresses": g.spec_addresses,
            "conditions": set_conditions(&existing, conds, g.generation, now),
        });
    }
    let ports: BTreeSet<u32> = g.servers.iter().map(|s| s.port.number).collect();
    let inst = resolve_instances(push, &g.namespace, &g.services, &ports);
    let mut programmed = ok("Programmed", "Programmed", "Resource programmed");
    if !inst.internal.is_empty() {
        programmed.message = format!(
            "Resource programmed, assigned to service(s) {}",
            human_join(&inst.internal)
        );
    }
    let perr = if g.services.is_empty() {
        Some(ConfigError {
            reason: "UnsupportedAddress".into(),
            message: "Failed to assign to any requested addresses".into(),
        })
    } else if !inst.warnings.is_empty() {
        let msg = if !inst.internal.is_empty() {
            format!(
                "Assigned to service(s) {}, but failed to assign to all requested addresses: {}",
                human_join(&inst.internal),
                inst.warnings.join("; ")
            )
        } else {
            format!(
                "Failed to assign to any requested addresses: {}",
                inst.warnings.join("; ")
            )
        };
        Some(ConfigError {
            reason: if inst.all_usable {
                "AddressNotAssigned".into()
            } else {
                "AddressNotUsable".into()
            },
            message: msg,
        })
    } else {
        None
    };
    let conds = vec![
        ok("Accepted", "Accepted", "Resource accepted").fail(&g.gateway_error),
        programmed.fail(&perr),
    ];
    // Addresses: external, else (class addressType Hostname) the non-pending service hostnames.
    let mut addrs: Vec<String> = inst.external.clone();
    if addrs.is_empty() {
        let want = g.address_type_override.as_deref().unwrap_or("Hostname");
        if want != "Hostname" {
            addrs = inst.internal_ip.clone();
        }
        if want != "IPAddress" {
            for hp in &inst.internal {
                let h = hp.rsplit_once(':').map(|(h, _)| h).unwrap_or(hp);
                if !inst.pending.iter().any(|p| p == h) && !addrs.iter().any(|a| a == h) {
                    addrs.push(h.to_string());
                }
            }
        }
    }
    let addresses: Vec<Value> = if addrs.is_empty() {
        // "Do not report an address until we are ready. But once we are ready, never remove the address."
        g.existing_addresses.clone()
    } else {
        addrs
            .iter()
            .map(|a| {
                let t = if a.parse::<std::net::IpAddr>().is_ok() {
                    "IPAddress"
                } else {
                    "Hostname"
                };
                json!({"type": t, "value": a})
            })
            .collect()
    };
    let mut status = json!({
        "conditions": set_conditions(&existing, conds, g.generation, now),
        "listeners": g.listeners.iter().map(|l| listener_status(&existing_listeners, l, g.generation, now)).collect::<Vec<_>>(),
    });
    if !addresses.is_empty() {
        status["addresses"] = Value::Array(addresses);
    }
    status
}

fn rank(e: &Option<ConfigError>) -> u8 {
    match e.as_ref().map(|e| e.reason.as_str()) {
        None => 0,
        Some("NotAllowedByListeners") => 1,
        Some("NoMatchingListenerHostname") => 2,
        Some("ParentRefConflict") => 3,
        Some(_) => 4,
    }
}

/// `createRouteStatus` (conditions.go).
fn route_status(s: &Snapshot, r: &RouteReport, now: &str) -> Value {
    let obj = s.get(GATEWAY_GROUP, "HTTPRoute", &r.namespace, &r.name);
    let current: Vec<Value> = obj
        .map(|o| arr_at(o.value(), &["status", "parents"]).to_vec())
        .unwrap_or_default();
    let key_of = |p: &Value| -> String {
        let pr = p.get("parentRef").cloned().unwrap_or(Value::Null);
        let g = pr
            .get("group")
            .and_then(Value::as_str)
            .unwrap_or(GATEWAY_GROUP);
        let k = pr.get("kind").and_then(Value::as_str).unwrap_or("Gateway");
        let port = pr.get("port").and_then(Value::as_i64).unwrap_or(0);
        let ns = pr
            .get("namespace")
            .and_then(Value::as_str)
            .unwrap_or(&r.namespace);
        format!(
            "{g}/{k}/{}/{}/{port}.{ns}",
            str_at(&pr, &["name"]),
            str_at(&pr, &["sectionName"])
        )
    };
    // Collapse results per parentRef: any success wins, else the most severe, messages joined.
    let mut keys: Vec<String> = vec![];
    for p in &r.parents {
        if !keys.contains(&p.key) {
            keys.push(p.key.clone());
        }
    }
    let mut ours: Vec<(String, Value)> = vec![];
    for k in keys {
        let results: Vec<_> = r.parents.iter().filter(|p| p.key == k).collect();
        let successes = results.iter().filter(|p| p.denied.is_none()).count();
        let Some(first) = results.first() else {
            continue;
        };
        let mut report = (*first).clone();
        for other in &results[1..] {
            let (a, b) = (rank(&other.denied), rank(&report.denied));
            if a < b {
                report = (*other).clone();
            } else if a == b
                && let (Some(d), Some(o)) = (report.denied.as_mut(), other.denied.as_ref())
            {
                d.message = format!("{}; {}", d.message, o.message);
            }
        }
        let msg = if successes > 1 {
            format!("Route was valid, bound to {successes} parents")
        } else {
            "Route was valid".to_string()
        };
        let conds = vec![
            ok("Accepted", "Accepted", &msg).fail(&report.denied),
            ok("ResolvedRefs", "ResolvedRefs", "All references resolved").fail(&report.route_error),
        ];
        let prev = current
            .iter()
            .find(|c| key_of(c) == k && str_at(c, &["controllerName"]) == ISTIO_CONTROLLER)
            .map(|c| arr_at(c, &["conditions"]).to_vec())
            .unwrap_or_default();
        ours.push((
            k,
            json!({
                "parentRef": report.reference,
                "controllerName": ISTIO_CONTROLLER,
                "conditions": set_conditions(&prev, conds, r.generation, now),
            }),
        ));
    }
    let mut parents: Vec<Value> = vec![];
    for c in &current {
        if str_at(c, &["controllerName"]) != ISTIO_CONTROLLER {
            parents.push(c.clone());
            continue;
        }
        let k = key_of(c);
        if let Some(i) = ours.iter().position(|(key, _)| *key == k) {
            parents.push(ours.remove(i).1);
        }
    }
    ours.sort_by(|a, b| b.0.cmp(&a.0));
    parents.extend(ours.into_iter().map(|(_, v)| v));
    json!({ "parents": parents })
}

/// Every status istiod would write for this push. `now` is the RFC 3339 time used for new transitions.
pub(crate) fn statuses(push: &PushContext, snapshot: &Snapshot, now: &str) -> Vec<StatusUpdate> {
    let mut out = vec![];
    for (name, generation) in &push.conversion.classes {
        let existing = snapshot
            .get(GATEWAY_GROUP, "GatewayClass", "", name)
            .map(|o| arr_at(o.value(), &["status", "conditions"]).to_vec())
            .unwrap_or_default();
        let conds = vec![ok("Accepted", "Accepted", "Handled by Istio controller")];
        out.push(StatusUpdate {
            api_version: format!("{GATEWAY_GROUP}/v1"),
            kind: "GatewayClass".into(),
            namespace: String::new(),
            name: name.clone(),
            status: json!({"conditions": set_conditions(&existing, conds, *generation, now)}),
        });
    }
    for g in &push.conversion.gateway_reports {
        out.push(StatusUpdate {
            api_version: format!("{GATEWAY_GROUP}/v1"),
            kind: "Gateway".into(),
            namespace: g.namespace.clone(),
            name: g.name.clone(),
            status: gateway_status(push, snapshot, g, now),
        });
    }
    for r in &push.conversion.route_reports {
        if r.parents.is_empty() {
            continue; // no parent Istio owns: no status entry
        }
        out.push(StatusUpdate {
            api_version: format!("{GATEWAY_GROUP}/v1"),
            kind: "HTTPRoute".into(),
            namespace: r.namespace.clone(),
            name: r.name.clone(),
            status: route_status(snapshot, r, now),
        });
    }
    out
}
