//! Server-side apply and the managed-fields bookkeeping of every other write.
//!
//! The layering follows apimachinery `managedfields.NewDefaultFieldManager`, outermost
//! first: decode/encode managedFields → last-applied updater and last-applied manager
//! (the client-side → server-side apply upgrade of `kubectl`) → "before-first-apply"
//! (skipNonApplied) → cap of Update managers → manager identity → times → strip of
//! server-owned metadata → structured-merge-diff's `Updater.Apply` / `Updater.Update`.

use serde_json::{Map, Value};

use super::error::{Conflict, PatchError};
use super::fieldset::{FieldSet, field_path, path_string};
use super::managed::{Managed, ManagedSet, ManagerId, Operation, is_reset};
use super::schema::{self, Ty};
use super::typed::{self, Comparison, json_eq};

/// The annotation `kubectl apply` (client-side) stores its last configuration in.
pub(crate) const LAST_APPLIED_ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// kube-apiserver's limit on the total size of annotations (apimachinery
/// `TotalAnnotationSizeLimitB`): a last-applied annotation over it is dropped.
const TOTAL_ANNOTATION_SIZE_LIMIT: usize = 256 * 1024;

/// What the server knows about the endpoint being written, beyond the manager name.
#[derive(Clone, Debug, Default)]
pub(crate) struct TrackOptions {
    /// The subresource written through (`status`, `scale`); recorded in the entries and
    /// part of the manager's identity.
    pub subresource: Option<String>,
    /// Fields the endpoint's strategy resets (`GetResetFields`): never owned by this
    /// write, never a conflict. The server resets their values itself.
    pub reset_fields: FieldSet,
}

impl TrackOptions {
    /// The main resource of a kind with a status subresource: `status` is reset.
    pub(crate) fn main_resource_with_status() -> Self {
        TrackOptions {
            subresource: None,
            reset_fields: FieldSet::from_paths([field_path(&["status"]).as_slice()]),
        }
    }

    /// The `/status` subresource: `spec` is reset (custom resources' status strategy;
    /// Deployments also reset `metadata.labels`).
    pub(crate) fn status_subresource() -> Self {
        TrackOptions {
            subresource: Some("status".to_string()),
            reset_fields: FieldSet::from_paths([field_path(&["spec"]).as_slice()]),
        }
    }
}

/// The result of a server-side apply.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Applied {
    /// The object to store, with `metadata.managedFields` updated. The server still sets
    /// uid, resourceVersion, generation and creationTimestamp, and checks any
    /// resourceVersion/uid the configuration carried as preconditions.
    pub object: Value,
    /// True when there was no live object: the caller answers 201.
    pub created: bool,
}

#[cfg(test)]
/// Server-side apply of `applied` by `manager` (operation `Apply`) onto `live`
/// (`None` creates). See [`apply_with`].
pub(crate) fn apply(
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    now: &str,
) -> Result<Applied, PatchError> {
    apply_with(live, applied, manager, force, now, &TrackOptions::default())
}

/// Server-side apply with the endpoint's subresource and reset fields.
///
/// The configuration's fields become owned by `manager`; fields it owned before and no
/// longer applies are removed unless another manager owns them; a field another manager
/// owns whose value would change is a conflict (409) unless `force` takes it over.
/// `now` is the time recorded for the manager when the object changes, RFC 3339 in UTC
/// with seconds precision like `metav1.Time` (`2024-05-01T10:00:00Z`).
pub(crate) fn apply_with(
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
    now: &str,
    opts: &TrackOptions,
) -> Result<Applied, PatchError> {
    let Value::Object(cfg) = applied else {
        return Err(PatchError::BadRequest(
            "error decoding patch: the applied configuration must be an object".into(),
        ));
    };
    if super::too_deep(applied) || live.is_some_and(super::too_deep) {
        return Err(PatchError::BadRequest(format!(
            "error decoding patch: nesting exceeds {} levels",
            super::MAX_DEPTH
        )));
    }
    let (api_version, kind) = gvk(applied);
    // The server checks the version against the endpoint; here only the group and kind
    // can be checked, against the live object.
    let other_type = live.map(gvk).is_some_and(|(v, k)| {
        (!k.is_empty() && k != kind)
            || (!v.is_empty() && schema::group_of(v) != schema::group_of(api_version))
    });
    if api_version.is_empty() || kind.is_empty() || other_type {
        // managedfields `versionCheckManager`.
        return Err(PatchError::BadRequest(format!(
            "invalid object type: {}",
            gvk_string(api_version, kind)
        )));
    }
    let cfg_mf = cfg.get("metadata").and_then(|m| m.get("managedFields"));
    if cfg_mf.is_some_and(|v| !v.is_null()) {
        return Err(PatchError::BadRequest(
            "metadata.managedFields must be nil".into(),
        ));
    }
    let managed = Managed::decode(live.and_then(managed_fields_of))
        .map_err(|e| PatchError::Internal(format!("failed to decode managed fields: {e}")))?;
    let live_obj = live.map_or_else(|| Value::Object(Map::new()), without_managed_fields);
    let ctx = Ctx {
        ty: schema::root(api_version, kind),
        api_version,
        kind,
        now,
        opts,
        creating: live.is_none(),
    };
    let id = ManagerId::new(
        manager,
        Operation::Apply,
        api_version,
        opts.subresource.as_deref(),
    );

    let mut result = ctx.run_apply(&live_obj, applied, managed.clone(), &id, force);
    if manager == "kubectl" {
        // managedfields `lastAppliedManager`: conflicts on fields the client-side apply
        // last set (and that still hold those values) are forced, to upgrade to SSA.
        if let Err(PatchError::Conflict(conflicts)) = &result
            && let Some(allowed) = allowed_from_last_applied(&live_obj, api_version, ctx.ty)
        {
            let remaining: Vec<Conflict> = conflicts
                .iter()
                .filter(|c| !allowed.contains(&c.field))
                .cloned()
                .collect();
            result = if remaining.is_empty() {
                ctx.run_apply(&live_obj, applied, managed, &id, true)
            } else {
                Err(PatchError::Conflict(remaining))
            };
        }
    }
    let (new_obj, managed) = result?;
    let mut object = new_obj.unwrap_or(live_obj);
    if manager == "kubectl" && has_last_applied(&object) {
        // managedfields `lastAppliedUpdater`: keep the annotation in step with the SSA config.
        set_last_applied(&mut object, &build_last_applied(applied));
    }
    set_managed_fields(&mut object, managed.encode());
    Ok(Applied {
        object,
        created: live.is_none(),
    })
}

#[cfg(test)]
/// The `metadata.managedFields` after a non-apply write (create, update, merge/strategic/
/// JSON patch) of `new` over `old` (`None` for a create) by `manager`.
pub(crate) fn record_update(
    old: Option<&Value>,
    new: &Value,
    manager: &str,
    now: &str,
) -> Vec<Value> {
    record_update_with(old, new, manager, now, &TrackOptions::default())
}

/// [`record_update`] with the endpoint's subresource and reset fields.
///
/// As kube-apiserver: the entries come from `new` when the client sent some (`[]` or
/// `[{}]` resets them), else from `old`; an existing object without managed fields is
/// not tracked until its next apply; a failure keeps `old`'s entries.
pub(crate) fn record_update_with(
    old: Option<&Value>,
    new: &Value,
    manager: &str,
    now: &str,
    opts: &TrackOptions,
) -> Vec<Value> {
    let old_mf = old.and_then(managed_fields_of);
    let keep_old = || match old_mf {
        Some(Value::Array(items)) => items.clone(),
        _ => Vec::new(),
    };
    if super::too_deep(new) || old.is_some_and(super::too_deep) {
        return keep_old();
    }
    // managedfields `decodeLiveOrNew`.
    let new_mf = managed_fields_of(new);
    let managed = if opts.subresource.is_some() {
        Managed::decode(old_mf).unwrap_or_default()
    } else if is_reset(new_mf) {
        Managed::default()
    } else {
        match Managed::decode(new_mf) {
            Ok(m) if !m.managers.is_empty() => m,
            _ => Managed::decode(old_mf).unwrap_or_default(),
        }
    };
    // managedfields `skipNonAppliedManager`: objects that predate tracking stay untracked.
    if managed.managers.is_empty() && old.is_some() {
        return Vec::new();
    }
    let (mut api_version, mut kind) = gvk(new);
    if api_version.is_empty() || kind.is_empty() {
        (api_version, kind) = old.map_or(("", ""), gvk);
    }
    let ctx = Ctx {
        ty: schema::root(api_version, kind),
        api_version,
        kind,
        now,
        opts,
        creating: old.is_none(),
    };
    let old_obj = old.map_or_else(|| ctx.zero_object(), without_managed_fields);
    let id = ManagerId::new(
        if manager.is_empty() {
            "unknown"
        } else {
            manager
        },
        Operation::Update,
        api_version,
        opts.subresource.as_deref(),
    );
    let mut managed = managed;
    match ctx.update_core(&old_obj, &without_managed_fields(new), &mut managed, &id) {
        Ok(()) => {
            managed.cap_update_managers();
            managed.encode()
        }
        // managedfields `UpdateNoErrors`: restore the live entries.
        Err(_) => keep_old(),
    }
}

/// Stores `entries` as `metadata.managedFields`, removing the field when there are none
/// (it is `omitempty` in Go).
pub(crate) fn set_managed_fields(obj: &mut Value, entries: Vec<Value>) {
    let Some(root) = obj.as_object_mut() else {
        return;
    };
    let meta = root
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(meta) = meta.as_object_mut() {
        if entries.is_empty() {
            meta.remove("managedFields");
        } else {
            meta.insert("managedFields".into(), Value::Array(entries));
        }
    }
}

fn managed_fields_of(v: &Value) -> Option<&Value> {
    v.get("metadata").and_then(|m| m.get("managedFields"))
}

fn without_managed_fields(v: &Value) -> Value {
    let mut v = v.clone();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.remove("managedFields");
    }
    v
}

fn gvk(v: &Value) -> (&str, &str) {
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("");
    (s("apiVersion"), s("kind"))
}

/// Go's `GroupVersionKind.String()`: `apps/v1, Kind=Deployment`, `/v1, Kind=Pod`.
fn gvk_string(api_version: &str, kind: &str) -> String {
    let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
    format!("{group}/{version}, Kind={kind}")
}

/// Server-owned fields no manager owns (managedfields `stripMetaManager`).
fn strip_set() -> FieldSet {
    let mut s = FieldSet::new();
    for p in [
        &["apiVersion"][..],
        &["kind"],
        &["metadata"],
        &["metadata", "name"],
        &["metadata", "namespace"],
        &["metadata", "creationTimestamp"],
        &["metadata", "selfLink"],
        &["metadata", "uid"],
        &["metadata", "clusterName"],
        &["metadata", "generation"],
        &["metadata", "managedFields"],
        &["metadata", "resourceVersion"],
    ] {
        s.insert(&field_path(p));
    }
    s
}

/// What one write is about.
struct Ctx<'a> {
    ty: Ty,
    api_version: &'a str,
    kind: &'a str,
    now: &'a str,
    opts: &'a TrackOptions,
    creating: bool,
}

impl Ctx<'_> {
    /// The "old" object of a create: the Go zero value of the kind.
    fn zero_object(&self) -> Value {
        let mut z = schema::zero_object(self.api_version, self.kind);
        if let Some(m) = z.as_object_mut() {
            m.insert("apiVersion".into(), Value::String(self.api_version.into()));
            m.insert("kind".into(), Value::String(self.kind.into()));
        }
        z
    }

    /// One apply below the last-applied layers: "before-first-apply", the merge, the
    /// strip of server-owned fields and the manager's time.
    fn run_apply(
        &self,
        live: &Value,
        config: &Value,
        mut managed: Managed,
        id: &ManagerId,
        force: bool,
    ) -> Result<(Option<Value>, Managed), PatchError> {
        if managed.managers.is_empty() && !self.creating {
            // managedfields `skipNonAppliedManager`: fields set before the first apply
            // belong to "before-first-apply", so they can conflict.
            let before = ManagerId::new(
                "before-first-apply",
                Operation::Update,
                self.api_version,
                self.opts.subresource.as_deref(),
            );
            self.update_core(&self.zero_object(), live, &mut managed, &before)
                .map_err(|e| {
                    PatchError::Internal(format!(
                        "failed to create manager for existing fields: {e}"
                    ))
                })?;
        }
        let (new_obj, mut managed) = self.apply_core(live, config, managed, id, force)?;
        if let Some(entry) = managed.managers.get_mut(id) {
            entry.set = entry.set.difference(&strip_set());
            if new_obj.is_some() {
                entry.time = Some(self.now.to_string());
            }
        }
        managed.managers.retain(|_, s| !s.set.is_empty());
        Ok((new_obj, managed))
    }

    /// structured-merge-diff `Updater.Apply`. `None` when the object does not change.
    fn apply_core(
        &self,
        live: &Value,
        config: &Value,
        mut managed: Managed,
        id: &ManagerId,
        force: bool,
    ) -> Result<(Option<Value>, Managed), PatchError> {
        let typed_err = |e: String| {
            PatchError::Internal(format!(
                "failed to create typed patch object ({}): {e}",
                object_ref(config)
            ))
        };
        let set = typed::to_field_set(config, self.ty, false)
            .map_err(typed_err)?
            .recursive_difference(&self.opts.reset_fields);
        let merged = typed::merge(live, config, self.ty)
            .map_err(|e| PatchError::Internal(format!("failed to merge config: {e}")))?;
        let previous = managed.managers.remove(id);
        managed.managers.insert(
            id.clone(),
            ManagedSet {
                set,
                api_version: self.api_version.to_string(),
                time: previous.as_ref().and_then(|p| p.time.clone()),
            },
        );
        let merged = match previous {
            Some(last) if !last.set.is_empty() => prune(&merged, &managed, &last.set, self.ty),
            _ => merged,
        };
        self.update_managers(live, &merged, &mut managed, Some(id), force)?;
        let changed = !json_eq(live, &merged);
        Ok((changed.then_some(merged), managed))
    }

    /// structured-merge-diff `Updater.Update` plus managedfields' `managedFieldsUpdater`
    /// (the writer's new fields join what it owned) and `stripMetaManager`.
    fn update_core(
        &self,
        old: &Value,
        new: &Value,
        managed: &mut Managed,
        id: &ManagerId,
    ) -> Result<(), String> {
        // managedfields `managedFieldsUpdater` computes the write as a fresh manager
        // ("current-operation"), so the writer's own older fields are diffed too.
        let cmp = self
            .update_managers(old, new, managed, None, true)
            .map_err(|e| e.to_string())?;
        let current = cmp
            .modified
            .union(&cmp.added)
            .recursive_difference(&self.opts.reset_fields)
            .difference(&strip_set());
        if current.is_empty() {
            return Ok(());
        }
        let set = match managed.managers.get(id) {
            Some(previous) => current.union(&previous.set),
            None => current,
        };
        managed.managers.insert(
            id.clone(),
            ManagedSet {
                set,
                api_version: self.api_version.to_string(),
                time: Some(self.now.to_string()),
            },
        );
        Ok(())
    }

    /// structured-merge-diff `Updater.update`: every other manager whose field changes
    /// is a conflict (or, forced, loses it); removed fields leave every manager.
    fn update_managers(
        &self,
        old: &Value,
        new: &Value,
        managed: &mut Managed,
        workflow: Option<&ManagerId>,
        force: bool,
    ) -> Result<Comparison, PatchError> {
        let mut cmp = typed::compare(old, new, self.ty)
            .map_err(|e| PatchError::Internal(format!("failed to compare objects: {e}")))?;
        let reset = &self.opts.reset_fields;
        cmp.added = cmp.added.recursive_difference(reset);
        cmp.modified = cmp.modified.recursive_difference(reset);
        cmp.removed = cmp.removed.recursive_difference(reset);
        let changed = cmp.modified.union(&cmp.added);
        let mut conflicts: Vec<(ManagerId, FieldSet)> = Vec::new();
        for (id, owned) in &managed.managers {
            if Some(id) == workflow {
                continue;
            }
            let c = owned.set.intersection(&changed);
            if !c.is_empty() {
                conflicts.push((id.clone(), c));
            }
        }
        if !force && !conflicts.is_empty() {
            conflicts.sort_by_key(|(id, _)| id.identifier());
            let list = conflicts
                .iter()
                .flat_map(|(id, set)| {
                    set.paths().into_iter().map(move |p| Conflict {
                        manager: id.manager.clone(),
                        operation: id.operation,
                        api_version: id.api_version.clone(),
                        subresource: id.subresource.clone(),
                        field: path_string(&p),
                    })
                })
                .collect();
            return Err(PatchError::Conflict(list));
        }
        for (id, c) in conflicts {
            if let Some(owned) = managed.managers.get_mut(&id) {
                owned.set = owned.set.difference(&c);
            }
        }
        if !cmp.removed.is_empty() {
            for (id, owned) in managed.managers.iter_mut() {
                if Some(id) != workflow {
                    owned.set = owned.set.difference(&cmp.removed);
                }
            }
        }
        managed.managers.retain(|_, s| !s.set.is_empty());
        Ok(cmp)
    }
}

/// structured-merge-diff `Updater.prune`: a field the applier owned last time and no
/// longer applies is removed, unless some manager (the applier included) still owns it
/// or something below it. Removing a field removes everything below it.
fn prune(merged: &Value, managed: &Managed, last: &FieldSet, ty: Ty) -> Value {
    let owned = managed
        .managers
        .values()
        .fold(FieldSet::new(), |acc, s| acc.union(&s.set));
    // Unlike SMD, never prune the object's identity (apiVersion, kind, metadata, name):
    // kube-apiserver would reject such a write, the simulator keeps the object whole.
    let to_remove = last
        .ensure_named_fields_are_members()
        .difference(&owned.ensure_named_fields_are_members())
        .difference(&strip_set());
    if to_remove.is_empty() {
        return merged.clone();
    }
    typed::remove_items(merged, &to_remove, ty)
}

/// `ns/name; group/version, Kind=Kind` as the apiserver names objects in errors.
fn object_ref(v: &Value) -> String {
    let meta = |k: &str| {
        v.get("metadata")
            .and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .unwrap_or("")
    };
    let (api_version, kind) = gvk(v);
    format!(
        "{}/{}; {}",
        meta("namespace"),
        meta("name"),
        gvk_string(api_version, kind)
    )
}

fn last_applied_of(obj: &Value) -> Option<&str> {
    obj.get("metadata")?
        .get("annotations")?
        .get(LAST_APPLIED_ANNOTATION)?
        .as_str()
        .filter(|s| !s.is_empty())
}

fn has_last_applied(obj: &Value) -> bool {
    last_applied_of(obj).is_some()
}

/// The conflicts a `kubectl` apply may override: fields of the last client-side applied
/// configuration whose values the live object still has (managedfields
/// `allowedConflictsFromLastApplied`). `None` when there is no usable annotation.
fn allowed_from_last_applied(live: &Value, api_version: &str, ty: Ty) -> Option<ConflictFields> {
    let last: Value = serde_json::from_str(last_applied_of(live)?).ok()?;
    if last.get("apiVersion").and_then(Value::as_str) != Some(api_version) {
        return None;
    }
    let set = typed::to_field_set(&last, ty, false).ok()?;
    let cmp = typed::compare(&last, live, ty).ok()?;
    let allowed = set
        .difference(&cmp.modified)
        .difference(&cmp.added)
        .difference(&cmp.removed);
    Some(ConflictFields(
        allowed.paths().iter().map(|p| path_string(p)).collect(),
    ))
}

/// Conflict fields, by their printed path.
struct ConflictFields(std::collections::BTreeSet<String>);

impl ConflictFields {
    fn contains(&self, field: &str) -> bool {
        self.0.contains(field)
    }
}

/// The annotation value kube-apiserver writes: the applied configuration without the
/// annotation itself, as Go's JSON encoder writes it (sorted keys, trailing newline).
fn build_last_applied(applied: &Value) -> String {
    let mut obj = applied.clone();
    if let Some(ann) = obj
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Value::as_object_mut)
    {
        ann.remove(LAST_APPLIED_ANNOTATION);
    }
    format!("{}\n", super::gojson::to_string(&obj))
}

/// managedfields `SetLastApplied`: an annotation that makes the annotations too large
/// is dropped instead.
fn set_last_applied(obj: &mut Value, value: &str) {
    let Some(ann) = obj
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    ann.insert(LAST_APPLIED_ANNOTATION.into(), Value::String(value.into()));
    let total: usize = ann
        .iter()
        .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
        .sum();
    if total > TOTAL_ANNOTATION_SIZE_LIMIT {
        ann.remove(LAST_APPLIED_ANNOTATION);
    }
}
