//! What the generator does not translate, reported per object and field.
//!
//! User objects are checked against the fields the generator reads; any other field becomes an
//! [`Untranslated`] warning instead of vanishing. Generated VirtualServices hold only what the Gateway
//! API conversion produced, all of which is translated.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::istio::PushContext;
use crate::istio::cluster::PodInfo;
use crate::istio::model::{IstioGateway, Origin, VirtualService};
use crate::istio::select;

use super::Untranslated;

/// VirtualService `spec` fields the generator reads.
const VS_SPEC: &[&str] = &["hosts", "gateways", "http", "exportTo"];
/// `HTTPRoute` fields the generator reads.
const HTTP_ROUTE: &[&str] = &[
    "name",
    "match",
    "route",
    "redirect",
    "directResponse",
    "rewrite",
    "timeout",
    "retries",
    "fault",
    "headers",
];
/// `HTTPMatchRequest` fields the generator reads.
const HTTP_MATCH: &[&str] = &[
    "name",
    "uri",
    "headers",
    "withoutHeaders",
    "queryParams",
    "method",
    "authority",
    "port",
    "gateways",
    "sourceLabels",
    "sourceNamespace",
    "ignoreUriCase",
];
const DESTINATION: &[&str] = &["destination", "weight", "headers"];
const REWRITE: &[&str] = &["uri", "authority", "uriRegexRewrite"];
const REDIRECT: &[&str] = &[
    "uri",
    "authority",
    "scheme",
    "port",
    "derivePort",
    "redirectCode",
];
const RETRIES: &[&str] = &[
    "attempts",
    "perTryTimeout",
    "retryOn",
    "retryIgnorePreviousHosts",
];
const FAULT_DELAY: &[&str] = &["fixedDelay", "percentage", "percent"];
const FAULT_ABORT: &[&str] = &["httpStatus", "percentage"];
const DIRECT_RESPONSE: &[&str] = &["status", "body"];
/// DestinationRule `spec` fields the generator reads (subsets' labels only).
const DR_SPEC: &[&str] = &["host", "subsets", "exportTo"];
const DR_SUBSET: &[&str] = &["name", "labels"];

/// The warnings of one push (deduplicated).
#[derive(Debug, Default)]
pub(super) struct Warnings {
    set: BTreeSet<Untranslated>,
}

fn vs_object(vs: &VirtualService) -> String {
    format!("VirtualService/{}/{}", vs.meta.namespace, vs.meta.name)
}

impl Warnings {
    /// A field of a VirtualService.
    pub(super) fn push(&mut self, vs: &VirtualService, field: &str, reason: String) {
        self.set.insert(Untranslated {
            object: vs_object(vs),
            field: field.to_string(),
            reason,
        });
    }

    /// A field of a Gateway.
    pub(super) fn push_gateway(&mut self, g: &IstioGateway, field: &str, reason: String) {
        self.set.insert(Untranslated {
            object: format!("Gateway/{}/{}", g.meta.namespace, g.meta.name),
            field: field.to_string(),
            reason,
        });
    }

    fn unknown(&mut self, object: &str, v: Option<&Value>, known: &[&str], path: &str) {
        let Some(map) = v.and_then(Value::as_object) else {
            return;
        };
        for k in map.keys().filter(|k| !known.contains(&k.as_str())) {
            self.set.insert(Untranslated {
                object: object.to_string(),
                field: format!("{path}.{k}"),
                reason: "not translated by the simulator's xDS generator".into(),
            });
        }
    }

    /// Checks the user VirtualServices that reach this proxy and every user DestinationRule.
    pub(super) fn scan_user_objects(&mut self, push: &PushContext, pod: &PodInfo) {
        let names: Vec<String> = if pod.router {
            select::gateways_for_proxy(push, &pod.namespace, &pod.labels)
                .iter()
                .map(|g| format!("{}/{}", g.meta.namespace, g.meta.name))
                .collect()
        } else {
            vec!["mesh".to_string()]
        };
        for vs in push
            .virtual_services
            .iter()
            .filter(|v| v.origin == Origin::User)
            .filter(|v| v.gateway_names().iter().any(|g| names.contains(g)))
        {
            let Some(spec) = &vs.raw_spec else { continue };
            let obj = vs_object(vs);
            self.unknown(&obj, Some(spec), VS_SPEC, "spec");
            let http = spec.get("http").and_then(Value::as_array);
            for (i, r) in http.into_iter().flatten().enumerate() {
                let p = format!("spec.http[{i}]");
                self.unknown(&obj, Some(r), HTTP_ROUTE, &p);
                for (j, m) in arr(r, "match").iter().enumerate() {
                    self.unknown(&obj, Some(m), HTTP_MATCH, &format!("{p}.match[{j}]"));
                }
                for (j, d) in arr(r, "route").iter().enumerate() {
                    self.unknown(&obj, Some(d), DESTINATION, &format!("{p}.route[{j}]"));
                }
                self.unknown(&obj, r.get("rewrite"), REWRITE, &format!("{p}.rewrite"));
                self.unknown(&obj, r.get("redirect"), REDIRECT, &format!("{p}.redirect"));
                self.unknown(&obj, r.get("retries"), RETRIES, &format!("{p}.retries"));
                self.unknown(
                    &obj,
                    r.get("directResponse"),
                    DIRECT_RESPONSE,
                    &format!("{p}.directResponse"),
                );
                if r.pointer("/directResponse/body/bytes").is_some() {
                    self.set.insert(Untranslated {
                        object: obj.clone(),
                        field: format!("{p}.directResponse.body.bytes"),
                        reason: "only a string body is translated".into(),
                    });
                }
                let fault = r.get("fault");
                self.unknown(
                    &obj,
                    fault.and_then(|f| f.get("delay")),
                    FAULT_DELAY,
                    &format!("{p}.fault.delay"),
                );
                self.unknown(
                    &obj,
                    fault.and_then(|f| f.get("abort")),
                    FAULT_ABORT,
                    &format!("{p}.fault.abort"),
                );
            }
        }
        for dr in &push.destination_rules {
            let obj = format!("DestinationRule/{}/{}", dr.meta.namespace, dr.meta.name);
            self.unknown(&obj, Some(&dr.raw_spec), DR_SPEC, "spec");
            for (i, s) in arr(&dr.raw_spec, "subsets").iter().enumerate() {
                self.unknown(&obj, Some(s), DR_SUBSET, &format!("spec.subsets[{i}]"));
            }
        }
    }

    /// The warnings in a stable order.
    pub(super) fn into_sorted(self) -> Vec<Untranslated> {
        self.set.into_iter().collect()
    }
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}
