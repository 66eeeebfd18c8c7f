//! Handlers for resource URLs: get, list, create, update, patch, delete, deletecollection, the
//! status subresource, and the hand-off of watches, exec, port-forward and logs.

use std::sync::Arc;

use base64::Engine;
use http::{Method, Request, Response};
use hyper::body::Incoming;
use serde_json::{Value, json};

use super::http::{Body, Query, decode, error_response, json_response, media_type, read_body};
use super::route::ResourcePath;
use super::status::{ApiError, success_status};
use crate::api::{PatchKind, Propagation};
use crate::cluster::Cluster;
use crate::objects::WriteScope;
use crate::registry::ResourceType;
use crate::store::{FieldSelector, LabelSelector};

/// The object as served at `rt`'s version ([`ResourceType::present`]).
pub(crate) fn present(rt: &ResourceType, obj: &Value) -> Value {
    rt.present(obj)
}

/// The fields a field selector may name (the apiserver's per-kind field label conversions).
fn supported_field(rt: &ResourceType, field: &str) -> bool {
    if matches!(field, "metadata.name" | "metadata.namespace") {
        return true;
    }
    let extra: &[&str] = match (rt.group.as_str(), rt.plural.as_str()) {
        ("", "pods") => &[
            "spec.nodeName",
            "spec.restartPolicy",
            "spec.schedulerName",
            "spec.serviceAccountName",
            "spec.hostNetwork",
            "status.phase",
            "status.podIP",
            "status.nominatedNodeName",
        ],
        ("", "events") => &[
            "involvedObject.kind",
            "involvedObject.namespace",
            "involvedObject.name",
            "involvedObject.uid",
            "involvedObject.apiVersion",
            "involvedObject.resourceVersion",
            "involvedObject.fieldPath",
            "reason",
            "reportingComponent",
            "source",
            "type",
        ],
        ("", "secrets") => &["type"],
        ("", "namespaces") => &["status.phase"],
        ("apps", "replicasets") => &["status.replicas"],
        _ => &[],
    };
    extra.contains(&field)
}

pub(crate) struct Selectors {
    pub labels: LabelSelector,
    pub fields: FieldSelector,
}

pub(crate) fn selectors(rt: &ResourceType, q: &Query) -> Result<Selectors, ApiError> {
    let labels = LabelSelector::parse(q.get("labelSelector").unwrap_or_default())
        .map_err(|e| ApiError::bad_request(e.0))?;
    let fields = FieldSelector::parse(q.get("fieldSelector").unwrap_or_default())
        .map_err(|e| ApiError::bad_request(e.0))?;
    if let Some(f) = fields.fields().find(|f| !supported_field(rt, f)) {
        return Err(ApiError::bad_request(format!(
            "field label not supported: {f}"
        )));
    }
    Ok(Selectors { labels, fields })
}

pub(crate) async fn handle(
    cluster: &Arc<Cluster>,
    req: Request<Incoming>,
    rp: ResourcePath,
    q: Query,
) -> Response<Body> {
    let rt = cluster.registry().get(&rp.group, &rp.version, &rp.plural);
    let Some(rt) = rt else {
        return error_response(&ApiError::path_not_found());
    };
    // A namespaced kind addressed without a namespace may only be listed or watched across all
    // namespaces; a cluster-scoped kind never has one.
    if (rt.namespaced && rp.namespace.is_none() && rp.name.is_some())
        || (!rt.namespaced && rp.namespace.is_some())
    {
        return error_response(&ApiError::path_not_found());
    }
    let ns = rp.namespace.clone().unwrap_or_default();
    let sub = rp.subresource.as_deref();
    // Server-side dry run is not modelled: refuse it rather than persist what the client meant
    // not to write.
    if q.all("dryRun").contains(&"All") && req.method() != Method::GET {
        return error_response(&ApiError::bad_request(
            "dryRun=All is not supported by the simulated cluster; use client-side dry run (kubectl --dry-run=client)",
        ));
    }
    if let Some(s) = sub
        && !rt.subresources.iter().any(|x| x == s)
    {
        return error_response(&ApiError::path_not_found());
    }
    let result = match (req.method().clone(), &rp.name, sub) {
        (_, Some(name), Some("exec" | "attach")) => {
            return super::stream::exec(cluster, req, &ns, name, &q).await;
        }
        (_, Some(name), Some("portforward")) => {
            return super::stream::portforward(cluster, req, &ns, name, &q).await;
        }
        (Method::GET, Some(name), Some("log")) => {
            return super::stream::logs(cluster, &ns, name, &q).await;
        }
        (Method::GET, None, None) if q.flag("watch") => {
            return match selectors(&rt, &q) {
                Ok(sel) => super::watch::watch(cluster, rt.clone(), rp.namespace.clone(), sel, &q),
                Err(e) => error_response(&e),
            };
        }
        (Method::GET, None, None) => list(cluster, &rt, rp.namespace.as_deref(), &q),
        (Method::GET, Some(name), None | Some("status")) => {
            cluster.get(&rt, &ns, name).map(|o| (200, present(&rt, &o)))
        }
        (Method::POST, None, None) => create(cluster, &rt, &ns, req, &q).await,
        (Method::PUT, Some(name), s @ (None | Some("status") | Some("finalize"))) => {
            let scope = if s == Some("status") {
                WriteScope::Status
            } else {
                WriteScope::Main
            };
            update(cluster, &rt, &ns, name, scope, req, &q).await
        }
        (Method::PATCH, Some(name), s @ (None | Some("status"))) => {
            let scope = if s == Some("status") {
                WriteScope::Status
            } else {
                WriteScope::Main
            };
            patch(cluster, &rt, &ns, name, scope, req, &q).await
        }
        (Method::DELETE, Some(name), None) => delete(cluster, &rt, &ns, name, req, &q).await,
        (Method::DELETE, None, None) => {
            delete_collection(cluster, &rt, rp.namespace.as_deref(), req, &q).await
        }
        (m, _, _) => Err(ApiError::method_not_allowed(m.as_str(), rt.qualified())),
    };
    match result {
        Ok((code, v)) => json_response(code, &v),
        Err(e) => error_response(&e),
    }
}

fn list(
    cluster: &Cluster,
    rt: &ResourceType,
    ns: Option<&str>,
    q: &Query,
) -> Result<(u16, Value), ApiError> {
    let sel = selectors(rt, q)?;
    let (items, rv) = cluster.list(rt, ns, &sel.labels, &sel.fields);
    // Pagination: `continue` carries the last (namespace, name) served, base64-encoded.
    let after = match q.get("continue").filter(|c| !c.is_empty()) {
        Some(token) => Some(decode_continue(token)?),
        None => None,
    };
    let mut items: Vec<Arc<Value>> = match &after {
        Some((ans, aname)) => items
            .into_iter()
            .filter(|o| {
                let k = (
                    o["metadata"]["namespace"].as_str().unwrap_or_default(),
                    o["metadata"]["name"].as_str().unwrap_or_default(),
                );
                k > (ans.as_str(), aname.as_str())
            })
            .collect(),
        None => items,
    };
    let limit = q
        .get("limit")
        .and_then(|l| l.parse::<usize>().ok())
        .filter(|l| *l > 0);
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if let Some(limit) = limit
        && items.len() > limit
    {
        let remaining = items.len() - limit;
        items.truncate(limit);
        if let Some(last) = items.last() {
            metadata["continue"] = json!(encode_continue(
                last["metadata"]["namespace"].as_str().unwrap_or_default(),
                last["metadata"]["name"].as_str().unwrap_or_default(),
            ));
            metadata["remainingItemCount"] = json!(remaining);
        }
    }
    Ok((
        200,
        json!({
            "kind": format!("{}List", rt.kind),
            "apiVersion": rt.api_version(),
            "metadata": metadata,
            "items": items.iter().map(|o| present(rt, o)).collect::<Vec<_>>(),
        }),
    ))
}

fn encode_continue(ns: &str, name: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{ns}/{name}"))
}

fn decode_continue(token: &str) -> Result<(String, String), ApiError> {
    let bad = || {
        ApiError::bad_request(
            "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
        )
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .map_err(|_| bad())?;
    let s = String::from_utf8(bytes).map_err(|_| bad())?;
    let (ns, name) = s.split_once('/').ok_or_else(bad)?;
    Ok((ns.to_string(), name.to_string()))
}

/// A create or update body in JSON, YAML or Kubernetes protobuf (kubectl 1.32+ sends its
/// typed clients' bodies in protobuf).
async fn body_value(rt: &ResourceType, req: Request<Incoming>) -> Result<Value, ApiError> {
    let media = media_type(req.headers().get(http::header::CONTENT_TYPE));
    let bytes = read_body(req.into_body()).await?;
    decode_any(rt, &bytes, &media)
}

fn decode_any(rt: &ResourceType, bytes: &[u8], media: &str) -> Result<Value, ApiError> {
    if media == super::protobuf::CONTENT_TYPE {
        return super::protobuf::decode_with_defaults(bytes, &rt.api_version(), &rt.kind).map_err(
            |e| {
                let message = e.to_string();
                match e.status_code() {
                    413 => ApiError::request_entity_too_large(super::http::MAX_BODY),
                    415 => ApiError::unsupported_media_type_for(&message),
                    _ => ApiError::bad_request(message),
                }
            },
        );
    }
    decode(bytes, media)
}

fn check_write_media(media: &str) -> Result<(), ApiError> {
    match media {
        "application/json" | "application/yaml" | "" | super::protobuf::CONTENT_TYPE => Ok(()),
        other => Err(ApiError::unsupported_media_type(other)),
    }
}

async fn create(
    cluster: &Cluster,
    rt: &ResourceType,
    ns: &str,
    req: Request<Incoming>,
    q: &Query,
) -> Result<(u16, Value), ApiError> {
    check_write_media(&media_type(req.headers().get(http::header::CONTENT_TYPE)))?;
    let body = body_value(rt, req).await?;
    let manager = q
        .get("fieldManager")
        .filter(|m| !m.is_empty())
        .unwrap_or("unknown");
    let obj = cluster.create(rt, ns, body, Some(manager))?;
    Ok((201, present(rt, &obj)))
}

async fn update(
    cluster: &Cluster,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    scope: WriteScope,
    req: Request<Incoming>,
    q: &Query,
) -> Result<(u16, Value), ApiError> {
    check_write_media(&media_type(req.headers().get(http::header::CONTENT_TYPE)))?;
    let body = body_value(rt, req).await?;
    let manager = q
        .get("fieldManager")
        .filter(|m| !m.is_empty())
        .unwrap_or("unknown");
    let obj = cluster.update(rt, ns, name, body, scope, Some(manager))?;
    Ok((200, present(rt, &obj)))
}

async fn patch(
    cluster: &Cluster,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    scope: WriteScope,
    req: Request<Incoming>,
    q: &Query,
) -> Result<(u16, Value), ApiError> {
    let media = media_type(req.headers().get(http::header::CONTENT_TYPE));
    let kind = match media.as_str() {
        "application/json-patch+json" => PatchKind::Json,
        "application/merge-patch+json" => PatchKind::Merge,
        "application/strategic-merge-patch+json" => PatchKind::Strategic,
        "application/apply-patch+yaml" | "application/apply-patch+cbor" => PatchKind::Apply {
            force: q.flag("force"),
        },
        other => return Err(ApiError::unsupported_media_type(other)),
    };
    if !matches!(kind, PatchKind::Apply { .. }) && q.get("force").is_some() {
        return Err(ApiError::invalid(
            "meta.k8s.io",
            "PatchOptions",
            "",
            &[super::status::Cause {
                reason: "FieldValueForbidden".into(),
                message: "Forbidden: may not be specified for non-apply patch".into(),
                field: Some("force".into()),
            }],
        ));
    }
    let bytes = read_body(req.into_body()).await?;
    let body = decode(
        &bytes,
        if matches!(kind, PatchKind::Apply { .. }) {
            "yaml"
        } else {
            "json"
        },
    )?;
    let manager = q.get("fieldManager").filter(|m| !m.is_empty());
    let manager = match (&kind, manager) {
        (PatchKind::Apply { .. }, m) => m,
        (_, Some(m)) => Some(m),
        (_, None) => Some("unknown"),
    };
    let stored = cluster.patch(rt, ns, name, &kind, &body, scope, manager)?;
    Ok((
        if stored.created { 201 } else { 200 },
        present(rt, &stored.object),
    ))
}

/// DeleteOptions from the body (kubectl, kube-rs) or the query.
async fn delete_options(
    req: Request<Incoming>,
    q: &Query,
) -> Result<(Propagation, Option<String>), ApiError> {
    let bytes = read_body(req.into_body()).await?;
    let opts = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        decode(&bytes, "json")?
    };
    let policy = opts["propagationPolicy"]
        .as_str()
        .or(q.get("propagationPolicy"))
        .map(str::to_string);
    let propagation = match policy.as_deref() {
        None | Some("Background") => Propagation::Background,
        Some("Foreground") => Propagation::Foreground,
        Some("Orphan") => Propagation::Orphan,
        Some(other) => {
            return Err(ApiError::invalid(
                "meta.k8s.io",
                "DeleteOptions",
                "",
                &[super::status::Cause {
                    reason: "FieldValueNotSupported".into(),
                    message: format!(
                        "Unsupported value: \"{other}\": supported values: \"Foreground\", \"Background\", \"Orphan\""
                    ),
                    field: Some("propagationPolicy".into()),
                }],
            ));
        }
    };
    let uid = opts["preconditions"]["uid"].as_str().map(str::to_string);
    Ok((propagation, uid))
}

async fn delete(
    cluster: &Cluster,
    rt: &ResourceType,
    ns: &str,
    name: &str,
    req: Request<Incoming>,
    q: &Query,
) -> Result<(u16, Value), ApiError> {
    let (propagation, uid) = delete_options(req, q).await?;
    let obj = cluster.delete(rt, ns, name, propagation, uid.as_deref())?;
    if obj["metadata"]["deletionTimestamp"].is_string()
        && cluster.store.get(&rt.key(), ns, name).is_some()
    {
        // Still present (finalizers, namespaces): the object with its deletionTimestamp.
        return Ok((200, present(rt, &obj)));
    }
    if rt.group.is_empty() && rt.plural == "pods" {
        return Ok((200, present(rt, &obj)));
    }
    let mut details = json!({"name": name, "kind": rt.plural, "uid": obj["metadata"]["uid"]});
    if !rt.group.is_empty() {
        details["group"] = json!(rt.group);
    }
    Ok((200, success_status(Some(details))))
}

async fn delete_collection(
    cluster: &Cluster,
    rt: &ResourceType,
    ns: Option<&str>,
    req: Request<Incoming>,
    q: &Query,
) -> Result<(u16, Value), ApiError> {
    let sel = selectors(rt, q)?;
    let (propagation, _) = delete_options(req, q).await?;
    let (items, _) = cluster.list(rt, ns, &sel.labels, &sel.fields);
    let mut deleted = Vec::new();
    for o in items {
        let ons = o["metadata"]["namespace"].as_str().unwrap_or_default();
        let name = o["metadata"]["name"].as_str().unwrap_or_default();
        match cluster.delete(rt, ons, name, propagation, None) {
            Ok(d) => deleted.push(present(rt, &d)),
            Err(e) if e.code == 404 => {}
            Err(e) => return Err(e),
        }
    }
    Ok((
        200,
        json!({
            "kind": format!("{}List", rt.kind),
            "apiVersion": rt.api_version(),
            "metadata": {"resourceVersion": cluster.store.resource_version().to_string()},
            "items": deleted,
        }),
    ))
}
