//! The tables' wire facts checked against `k8s-pb`, kube-rs's prost bindings generated from the
//! upstream `generated.proto` files (the tables were transcribed by hand; see their module doc
//! for why they are not generated).
//!
//! For each kind, a body that sets every field the table knows (one occurrence each, nested
//! messages filled the same way) is decoded into the k8s-pb type and encoded again. prost keeps
//! no unknown fields, so a field number k8s-pb does not have comes back missing; a varint where
//! k8s-pb expects a length (or the reverse) fails to decode; a table `Bytes` field is sent as
//! invalid UTF-8, which a k8s-pb `string` refuses. Both bodies are compared as trees ordered by
//! field number, since prost writes fields in declaration order. What this does not catch: a
//! JSON name or an omission rule (those are Go facts; the vectors test them), a table `String`
//! that is `bytes` upstream, and fields k8s-pb has that the tables lack (skipped by design).

use std::collections::{BTreeMap, BTreeSet};

use super::super::schema::{Message, Shape, Ty};
use super::super::wire::{Reader, WireType};
use super::super::{lookup, tables};
use super::{lenf, vint};

/// A decoded field occurrence: varints by value, messages as trees, other payloads as bytes.
#[derive(Debug, PartialEq)]
enum Node {
    Varint(u64),
    Bytes(Vec<u8>),
    Msg(Tree),
}

type Tree = BTreeMap<u32, Vec<Node>>;

/// The field occurrences of `bytes`, read with `msg`'s schema to know which payloads nest.
fn tree(msg: &'static Message, bytes: &[u8]) -> Result<Tree, String> {
    let mut r = Reader::new(bytes);
    let mut out = Tree::new();
    while !r.is_empty() {
        let (number, wire) = r.key()?;
        let field = msg.field(number);
        let node = match wire {
            WireType::Varint => Node::Varint(r.varint()?),
            WireType::Len => {
                let payload = r.len_delimited()?;
                match field.map(|f| (f.shape, f.ty)) {
                    Some((Shape::Map, ty)) => Node::Msg(entry(ty, payload)?),
                    Some((_, Ty::Msg(sub))) => Node::Msg(tree(sub, payload)?),
                    _ => Node::Bytes(payload.to_vec()),
                }
            }
            other => return Err(format!("{}: unexpected wire type {other:?}", msg.name)),
        };
        let number = u32::try_from(number).map_err(|e| e.to_string())?;
        out.entry(number).or_default().push(node);
    }
    Ok(out)
}

/// A map entry: key = 1 (a string), value = 2 of `ty`.
fn entry(ty: Ty, bytes: &[u8]) -> Result<Tree, String> {
    let mut r = Reader::new(bytes);
    let mut out = Tree::new();
    while !r.is_empty() {
        let (number, wire) = r.key()?;
        let node = match (number, wire, ty) {
            (2, WireType::Len, Ty::Msg(sub)) => Node::Msg(tree(sub, r.len_delimited()?)?),
            (_, WireType::Len, _) => Node::Bytes(r.len_delimited()?.to_vec()),
            (_, WireType::Varint, _) => Node::Varint(r.varint()?),
            (_, other, _) => return Err(format!("map entry: unexpected wire type {other:?}")),
        };
        out.entry(u32::try_from(number).map_err(|e| e.to_string())?)
            .or_default()
            .push(node);
    }
    Ok(out)
}

/// One value of `ty`, encoded as field `number`.
fn value(number: u32, ty: Ty, path: &mut Vec<*const Message>) -> Vec<u8> {
    match ty {
        Ty::Bool => vint(number, 1),
        Ty::Int32 | Ty::Int64 => vint(number, 7),
        Ty::String => lenf(number, b"s"),
        // Not UTF-8: a k8s-pb `string` field refuses it, so a Go []byte typed as a string shows.
        Ty::Bytes => lenf(number, &[0xff, 0xfe]),
        Ty::Msg(sub) => lenf(number, &body(sub, path)),
        Ty::Time => lenf(number, &vint(1, 5)),
        Ty::Quantity => lenf(number, &lenf(1, b"1")),
        Ty::IntOrString => lenf(number, &[vint(1, 0), vint(2, 7)].concat()),
        Ty::FieldsV1 => lenf(number, &lenf(1, b"{}")),
        Ty::StringList => lenf(number, &lenf(1, b"a")),
    }
}

/// A body setting every field of `msg` once; a message already being filled on this path
/// (a recursive type) is left empty.
fn body(msg: &'static Message, path: &mut Vec<*const Message>) -> Vec<u8> {
    let id: *const Message = msg;
    if path.contains(&id) {
        return Vec::new();
    }
    path.push(id);
    let mut out = Vec::new();
    for f in msg.fields {
        if f.shape == Shape::Map {
            let entry = [lenf(1, b"k"), value(2, f.ty, path)].concat();
            out.extend(lenf(f.number, &entry));
        } else {
            out.extend(value(f.number, f.ty, path));
        }
    }
    path.pop();
    out
}

/// Round-trips the full body of `api_version`/`kind` through the k8s-pb type `M` and adds
/// each table field k8s-pb lost, as `Message.number (json)`, to `lost`.
fn check<M: prost::Message + Default>(api_version: &str, kind: &str, lost: &mut BTreeSet<String>) {
    let msg = lookup(api_version, kind).unwrap_or_else(|| panic!("{api_version} {kind}"));
    let sent = body(msg, &mut Vec::new());
    let decoded = M::decode(sent.as_slice())
        .unwrap_or_else(|e| panic!("k8s-pb refuses the table's {api_version} {kind}: {e}"));
    let back = decoded.encode_to_vec();
    let (sent, back) = (tree(msg, &sent).unwrap(), tree(msg, &back).unwrap());
    diff(msg, &sent, &back, lost);
    assert_eq!(
        sent.len(),
        back.len(),
        "{api_version} {kind}: k8s-pb wrote a field the table does not have"
    );
}

/// The fields of `sent` that `back` lacks, recursively; any other difference fails.
fn diff(msg: &'static Message, sent: &Tree, back: &Tree, lost: &mut BTreeSet<String>) {
    for (number, nodes) in sent {
        let field = msg.field(u64::from(*number)).expect("a table field");
        let Some(other) = back.get(number) else {
            lost.insert(format!("{}.{number} ({})", msg.name, field.json));
            continue;
        };
        match (field.shape, field.ty, nodes.first(), other.first()) {
            (Shape::Map, ..) => assert_eq!(nodes, other, "{}.{number}", msg.name),
            (_, Ty::Msg(sub), Some(Node::Msg(x)), Some(Node::Msg(y))) => diff(sub, x, y, lost),
            _ => assert_eq!(nodes, other, "{}.{number}", msg.name),
        }
    }
}

/// Table fields k8s-pb 0.9.0 (Kubernetes 1.34 protos) does not have: the tables follow a newer
/// kubernetes/api commit. Those looked up are alpha fields of 1.35 to 1.37
/// (`status.nodeAllocatableResourceClaimStatuses` for DRA node-allocatable resources,
/// `spec.evictionResponders` for the EvictionRequest API, `volumeMounts[].bindMountOptions`,
/// `emptyDir.mode`, `configMap.defaultUser`). A newer k8s-pb that has them fails this test until
/// they leave the list; a new entry here needs the same look-up.
const KNOWN_ONLY_TO_THE_TABLES: &[&str] = &[
    "ClusterTrustBundleProjection.6 (user)",
    "ConfigMapVolumeSource.5 (defaultUser)",
    "DownwardAPIVolumeFile.5 (user)",
    "DownwardAPIVolumeSource.3 (defaultUser)",
    "EmptyDirVolumeSource.3 (mode)",
    "GRPCAction.3 (mode)",
    "HTTPGetAction.6 (protocol)",
    "JobSpec.17 (scheduling)",
    "KeyToPath.4 (user)",
    "PodCertificateProjection.8 (user)",
    "PodSpec.43 (schedulingGroup)",
    "PodSpec.44 (evictionResponders)",
    "PodStatus.21 (nodeAllocatableResourceClaimStatuses)",
    "PodStatus.22 (volumeHealth)",
    "ProjectedVolumeSource.3 (defaultUser)",
    "ResourceHealth.6 (message)",
    "SecretVolumeSource.5 (defaultUser)",
    "ServiceAccountTokenProjection.4 (user)",
    "TokenRequestSpec.5 (attestations)",
    "VolumeMount.8 (bindMountOptions)",
    "VolumeMountStatus.5 (volumeStatus)",
];

#[test]
fn every_kind_matches_k8s_pb() {
    use k8s_pb::api::{
        apps, authentication, authorization, autoscaling, batch, core, networking, policy, rbac,
        scheduling,
    };
    use k8s_pb::apimachinery::pkg::apis::meta;
    let mut lost = BTreeSet::new();
    check::<core::v1::Namespace>("v1", "Namespace", &mut lost);
    check::<core::v1::ConfigMap>("v1", "ConfigMap", &mut lost);
    check::<core::v1::Secret>("v1", "Secret", &mut lost);
    check::<core::v1::ServiceAccount>("v1", "ServiceAccount", &mut lost);
    check::<core::v1::Service>("v1", "Service", &mut lost);
    check::<core::v1::Pod>("v1", "Pod", &mut lost);
    check::<core::v1::ResourceQuota>("v1", "ResourceQuota", &mut lost);
    check::<apps::v1::Deployment>("apps/v1", "Deployment", &mut lost);
    check::<batch::v1::Job>("batch/v1", "Job", &mut lost);
    check::<batch::v1::CronJob>("batch/v1", "CronJob", &mut lost);
    check::<autoscaling::v1::HorizontalPodAutoscaler>(
        "autoscaling/v1",
        "HorizontalPodAutoscaler",
        &mut lost,
    );
    check::<policy::v1::PodDisruptionBudget>("policy/v1", "PodDisruptionBudget", &mut lost);
    check::<policy::v1::Eviction>("policy/v1", "Eviction", &mut lost);
    check::<rbac::v1::Role>("rbac.authorization.k8s.io/v1", "Role", &mut lost);
    check::<rbac::v1::ClusterRole>("rbac.authorization.k8s.io/v1", "ClusterRole", &mut lost);
    check::<rbac::v1::RoleBinding>("rbac.authorization.k8s.io/v1", "RoleBinding", &mut lost);
    check::<rbac::v1::ClusterRoleBinding>(
        "rbac.authorization.k8s.io/v1",
        "ClusterRoleBinding",
        &mut lost,
    );
    check::<networking::v1::Ingress>("networking.k8s.io/v1", "Ingress", &mut lost);
    check::<scheduling::v1::PriorityClass>("scheduling.k8s.io/v1", "PriorityClass", &mut lost);
    check::<authentication::v1::TokenRequest>(
        "authentication.k8s.io/v1",
        "TokenRequest",
        &mut lost,
    );
    check::<authentication::v1::SelfSubjectReview>(
        "authentication.k8s.io/v1",
        "SelfSubjectReview",
        &mut lost,
    );
    check::<authorization::v1::SelfSubjectAccessReview>(
        "authorization.k8s.io/v1",
        "SelfSubjectAccessReview",
        &mut lost,
    );
    check::<authorization::v1::SelfSubjectRulesReview>(
        "authorization.k8s.io/v1",
        "SelfSubjectRulesReview",
        &mut lost,
    );
    check::<meta::v1::DeleteOptions>("meta.k8s.io/v1", "DeleteOptions", &mut lost);
    // Every kind the tables serve is checked above.
    assert_eq!(tables::KINDS.len(), 24);
    let lost: Vec<&str> = lost.iter().map(String::as_str).collect();
    assert_eq!(lost, KNOWN_ONLY_TO_THE_TABLES);
}
