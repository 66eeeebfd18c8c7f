//! The object-merging engine of the simulated API server: every write that is not a
//! plain create or replace goes through here. Pure functions on `serde_json::Value`.
//!
//! - **JSON merge patch** (`application/merge-patch+json`, [`merge_patch`]): RFC 7386.
//!   Objects merge, `null` deletes, lists are replaced. kubectl's client-side apply of
//!   custom resources and `kubectl patch --type=merge`.
//! - **JSON patch** (`application/json-patch+json`, [`json_patch`]): RFC 6902, applied
//!   whole or not at all, typed errors ([`JsonPatchError`]), 10 000 operations at most.
//! - **Strategic merge patch** (`application/strategic-merge-patch+json`,
//!   [`strategic_merge_patch`]): built-in kinds only (415 for custom resources, see
//!   [`supports_strategic`]). Lists merge by the `patchMergeKey` of the real Go types
//!   (table in `schema.rs`), with `$patch`, `$setElementOrder`, `$retainKeys` and
//!   `$deleteFromPrimitiveList`. What `kubectl apply` (3-way) and `kubectl patch` send.
//! - **Server-side apply** (`application/apply-patch+yaml`, [`apply`]): the semantics of
//!   structured-merge-diff with `metadata.managedFields` in FieldsV1; ownership,
//!   conflicts (409 with the apiserver's message), `force`, pruning of fields a manager
//!   stops applying, kubectl's client-side → server-side upgrade via the last-applied
//!   annotation. [`record_update`] records `Update` managers for every other write.
//!   [`TrackOptions`] carries the subresource and the fields its strategy resets;
//!   [`keep_status`] / [`status_only`] do the matching value resets.
//! - **Endpoint plumbing** ([`negotiate_patch_type`] → 415, [`validate_patch_options`] →
//!   422, [`parse_patch_body`] → 400, [`patch_object`]), and [`PatchError::to_status`]
//!   for the `v1.Status` body of every error.
//!
//! A PATCH handler: negotiate the type, validate the options, parse the body, then either
//! `patch_object` + `record_update` (JSON/merge/SMP) or `apply` (apply), then set uid,
//! resourceVersion, generation and creationTimestamp as for any write.
//!
//! Simplified, knowingly:
//! - Schemas: only list types and atomic structs/maps that change behaviour are
//!   described (pods and pod templates, workloads, Service, Node, ServiceAccount,
//!   Namespace, PVC, ObjectMeta of every kind, Gateway listeners/conditions). Other lists
//!   are atomic (apply) or replaced (SMP), other objects merge field by field; every
//!   object key is treated as a struct field (no `.` entries for map-of-object keys).
//!   Custom resources get only the ObjectMeta lists (no CRD schemas).
//! - No version conversion: managers of any apiVersion are compared on the same object.
//! - No defaulting, validation or pruning of unknown fields; `null`s an applied
//!   configuration sets unset the field, as the typed round trip would.
//! - A list SMP does not know but for which the patch sends `$setElementOrder` merges by
//!   the key that order list uses, instead of failing.
//! - Errors kube-apiserver leaves unclassified are 500 with the upstream text, as there.
//! - Input is bounded: nesting deeper than [`MAX_DEPTH`] is a 400, never a stack overflow.

mod apply;
mod dispatch;
mod error;
mod fieldset;
mod gojson;
mod json_patch;
mod managed;
mod merge;
mod schema;
mod strategic;
#[cfg(test)]
mod strategy;
mod typed;

#[cfg(test)]
mod tests;

pub(crate) use apply::{TrackOptions, apply_with, record_update_with, set_managed_fields};
pub(crate) use dispatch::unsupported_media_type;
pub(crate) use error::PatchError;
pub(crate) use json_patch::json_patch;
pub(crate) use merge::merge_patch;
pub(crate) use schema::supports_strategic;
pub(crate) use strategic::strategic_merge_patch;

use serde_json::Value;

/// Deepest nesting of objects and lists accepted in any input.
pub(crate) const MAX_DEPTH: usize = 200;

/// True when `v` nests deeper than [`MAX_DEPTH`]; iterative, so it cannot overflow.
pub(crate) fn too_deep(v: &Value) -> bool {
    let mut stack = vec![(v, 0usize)];
    while let Some((v, depth)) = stack.pop() {
        if depth > MAX_DEPTH {
            return true;
        }
        match v {
            Value::Object(m) => stack.extend(m.values().map(|c| (c, depth + 1))),
            Value::Array(items) => stack.extend(items.iter().map(|c| (c, depth + 1))),
            _ => {}
        }
    }
    false
}
