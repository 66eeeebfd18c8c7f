//! The API operations (get, list, create, update, patch, delete) with kube-apiserver's
//! semantics, independent of HTTP: the server's handlers and the simulated controllers both go
//! through them, so a controller's write is admitted, versioned and watched like a client's.

use std::sync::Arc;

use serde_json::{Value, json};

use super::cluster::Cluster;
use super::objects::{self, WriteScope};
use super::registry::{ResourceKey, ResourceType};
use super::server::status::{ApiError, Cause, Qualified};
use super::store::{FieldSelector, LabelSelector, Write, Written};

/// The patch formats a PATCH request can carry (by Content-Type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PatchKind {
    /// `application/json-patch+json` (RFC 6902).
    Json,
    /// `application/merge-patch+json` (RFC 7386).
    Merge,
    /// `application/strategic-merge-patch+json` (built-in kinds only).
    Strategic,
    /// `application/apply-patch+yaml`: server-side apply.
    Apply { force: bool },
}

/// `DeleteOptions.propagationPolicy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Propagation {
    #[default]
    Background,
    Foreground,
    Orphan,
}

/// The result of a create-or-update write.
pub(crate) struct Stored {
    pub object: Arc<Value>,
    pub created: bool,
}

/// What the field manager must know about the endpoint written: status is not owned through
/// the main resource of a kind with a status subresource, and spec not through `/status`.
fn track(rt: &ResourceType, scope: WriteScope) -> super::patch::TrackOptions {
    match (scope, rt.has_status) {
        (WriteScope::Status, _) => super::patch::TrackOptions::status_subresource(),
        (WriteScope::Main, true) => super::patch::TrackOptions::main_resource_with_status(),
        (WriteScope::Main, false) => super::patch::TrackOptions::default(),
    }
}

fn name_of(obj: &Value) -> &str {
    obj["metadata"]["name"].as_str().unwrap_or_default()
}

impl Cluster {
    pub(crate) fn get(
        &self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
    ) -> Result<Arc<Value>, ApiError> {
        self.store
            .get(&rt.key(), ns, name)
            .ok_or_else(|| ApiError::not_found(rt.qualified(), name))
    }

    /// Objects matching the selectors, and the resourceVersion of the list.
    pub(crate) fn list(
        &self,
        rt: &ResourceType,
        ns: Option<&str>,
        labels: &LabelSelector,
        fields: &FieldSelector,
    ) -> (Vec<Arc<Value>>, u64) {
        let (items, rv) = self.store.list(&rt.key(), ns);
        let items = items
            .into_iter()
            .filter(|o| labels.matches(o["metadata"]["labels"].as_object()) && fields.matches(o))
            .collect();
        (items, rv)
    }

    /// A namespaced write needs an existing namespace that is not being deleted.
    fn check_namespace(&self, rt: &ResourceType, ns: &str, name: &str) -> Result<(), ApiError> {
        if !rt.namespaced {
            return Ok(());
        }
        let key = ResourceKey::new("", "namespaces");
        match self.store.get(&key, "", ns) {
            None => Err(ApiError::not_found(
                Qualified {
                    group: "",
                    resource: "namespaces",
                },
                ns,
            )),
            Some(n) if n["status"]["phase"] == "Terminating" => Err(ApiError::forbidden(
                rt.qualified(),
                name,
                &format!(
                    "unable to create new content in namespace {ns} because it is being terminated"
                ),
            )),
            Some(_) => Ok(()),
        }
    }

    /// POST: creates an object; 409 AlreadyExists when the name is taken.
    pub(crate) fn create(
        &self,
        rt: &ResourceType,
        ns: &str,
        obj: Value,
        manager: Option<&str>,
    ) -> Result<Arc<Value>, ApiError> {
        let mut obj = objects::prepare_create(rt, ns, obj, || self.name_suffix(5))?;
        let name = name_of(&obj).to_string();
        self.check_namespace(rt, ns, &name)?;
        self.admit(rt, None, &mut obj)?;
        let now = objects::now_rfc3339();
        if let Some(m) = manager {
            let entries =
                super::patch::record_update_with(None, &obj, m, &now, &track(rt, WriteScope::Main));
            super::patch::set_managed_fields(&mut obj, entries);
        }
        let written = self.store.modify(&rt.key(), ns, &name, |cur| {
            if cur.is_some() {
                return Err(ApiError::already_exists(rt.qualified(), &name));
            }
            Ok(Write::Put(obj))
        })?;
        let object = written
            .object()
            .cloned()
            .ok_or_else(|| ApiError::internal("create wrote nothing"))?;
        self.after_write(rt, None, Some(&object));
        Ok(object)
    }

    /// PUT: replaces an object; 409 Conflict when `metadata.resourceVersion` is stale.
    pub(crate) fn update(
        &self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        new: Value,
        scope: WriteScope,
        manager: Option<&str>,
    ) -> Result<Arc<Value>, ApiError> {
        let wanted_rv = new["metadata"]["resourceVersion"]
            .as_str()
            .map(str::to_string);
        let old = self.get(rt, ns, name)?;
        self.write_over(rt, ns, name, &old, new, scope, manager, wanted_rv)
    }

    /// Writes `new` over `old`, failing if the stored object moved past `old` (or past an explicit
    /// resourceVersion precondition) in between.
    #[allow(clippy::too_many_arguments)]
    fn write_over(
        &self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        old: &Arc<Value>,
        new: Value,
        scope: WriteScope,
        manager: Option<&str>,
        wanted_rv: Option<String>,
    ) -> Result<Arc<Value>, ApiError> {
        let mut new = objects::prepare_update(rt, old, new, scope)?;
        if scope == WriteScope::Main {
            self.admit(rt, Some(old), &mut new)?;
        }
        if let Some(m) = manager {
            let entries = super::patch::record_update_with(
                Some(old),
                &new,
                m,
                &objects::now_rfc3339(),
                &track(rt, scope),
            );
            super::patch::set_managed_fields(&mut new, entries);
        }
        let old_rv = old["metadata"]["resourceVersion"].clone();
        let deleting = new["metadata"]["deletionTimestamp"].is_string()
            && new["metadata"]["finalizers"]
                .as_array()
                .is_none_or(|f| f.is_empty());
        let written = self.store.modify(&rt.key(), ns, name, |cur| {
            let Some(cur) = cur else {
                return Err(ApiError::not_found(rt.qualified(), name));
            };
            let cur_rv = &cur["metadata"]["resourceVersion"];
            let stale_precondition = wanted_rv
                .as_deref()
                .is_some_and(|w| !w.is_empty() && Some(w) != cur_rv.as_str());
            if stale_precondition || *cur_rv != old_rv {
                return Err(ApiError::stale(rt.qualified(), name));
            }
            Ok(if deleting {
                Write::Delete
            } else {
                Write::Put(new)
            })
        })?;
        let object = written
            .object()
            .cloned()
            .ok_or_else(|| ApiError::internal("update wrote nothing"))?;
        if matches!(written, Written::Deleted(_)) {
            self.after_write(rt, Some(old), None);
        } else {
            self.after_write(rt, Some(old), Some(&object));
        }
        Ok(object)
    }

    /// PATCH in any of the four formats. Server-side apply creates an absent object
    /// (`created` is then true and the server answers 201).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn patch(
        &self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        kind: &PatchKind,
        body: &Value,
        scope: WriteScope,
        manager: Option<&str>,
    ) -> Result<Stored, ApiError> {
        if let PatchKind::Apply { .. } = kind
            && manager.is_none_or(str::is_empty)
        {
            return Err(ApiError::invalid(
                "meta.k8s.io",
                "PatchOptions",
                "",
                &[Cause {
                    reason: "FieldValueRequired".into(),
                    message: "Required value: is required for apply patch".into(),
                    field: Some("fieldManager".into()),
                }],
            ));
        }
        if *kind == PatchKind::Strategic
            && !super::patch::supports_strategic(&rt.api_version(), &rt.kind)
        {
            // kube-apiserver lists the patch types the resource serves (installer.go), not
            // the body formats of a create.
            let e = super::patch::unsupported_media_type(&rt.api_version(), &rt.kind);
            return Err(ApiError::unsupported_media_type_for(&e.to_string()));
        }
        // The real apiserver retries a patch whose base moved underneath it (GuaranteedUpdate).
        for _ in 0..5 {
            let current = self.store.get(&rt.key(), ns, name);
            let result = match (kind, current) {
                (PatchKind::Apply { force }, None) => {
                    if scope == WriteScope::Status {
                        return Err(ApiError::not_found(rt.qualified(), name));
                    }
                    let manager = manager.unwrap_or_default();
                    objects::check_type_meta(rt, body)?;
                    let applied = super::patch::apply_with(
                        None,
                        body,
                        manager,
                        *force,
                        &objects::now_rfc3339(),
                        &track(rt, scope),
                    )
                    .map_err(|e| self.patch_error(rt, name, e))?;
                    let mut obj = applied.object;
                    if obj["metadata"]["name"].as_str().is_none_or(str::is_empty) {
                        obj["metadata"]["name"] = json!(name);
                    }
                    let managed = obj["metadata"]["managedFields"].clone();
                    let mut created = self.create(rt, ns, obj, None)?;
                    if !managed.is_null() && created["metadata"]["managedFields"] != managed {
                        let mut o = (*created).clone();
                        o["metadata"]["managedFields"] = managed;
                        created = self.write_over(
                            rt,
                            ns,
                            name,
                            &created,
                            o,
                            WriteScope::Main,
                            None,
                            None,
                        )?;
                    }
                    return Ok(Stored {
                        object: created,
                        created: true,
                    });
                }
                (_, None) => return Err(ApiError::not_found(rt.qualified(), name)),
                (kind, Some(cur)) => {
                    // The patch applies to the object as served at the request's version (the
                    // apiserver converts before patching); stored objects keep the version they
                    // were written at.
                    let served = rt.present(&cur);
                    let patched = self.patched(rt, name, &served, kind, body, manager, scope)?;
                    let manager_for_update = match kind {
                        PatchKind::Apply { .. } => None,
                        _ => manager,
                    };
                    self.write_over(rt, ns, name, &cur, patched, scope, manager_for_update, None)
                }
            };
            match result {
                Err(e)
                    if e.reason == "Conflict"
                        && e.details.as_ref().is_none_or(|d| d.get("causes").is_none()) =>
                {
                    continue;
                }
                Err(e) => return Err(e),
                Ok(object) => {
                    return Ok(Stored {
                        object,
                        created: false,
                    });
                }
            }
        }
        Err(ApiError::stale(rt.qualified(), name))
    }

    #[allow(clippy::too_many_arguments)]
    fn patched(
        &self,
        rt: &ResourceType,
        name: &str,
        cur: &Value,
        kind: &PatchKind,
        body: &Value,
        manager: Option<&str>,
        scope: WriteScope,
    ) -> Result<Value, ApiError> {
        use super::patch;
        let out = match kind {
            PatchKind::Json => patch::json_patch(cur, body),
            PatchKind::Merge => patch::merge_patch(cur, body),
            PatchKind::Strategic => {
                patch::strategic_merge_patch(&rt.api_version(), &rt.kind, cur, body)
            }
            PatchKind::Apply { force } => {
                objects::check_type_meta(rt, body)?;
                patch::apply_with(
                    Some(cur),
                    body,
                    manager.unwrap_or_default(),
                    *force,
                    &objects::now_rfc3339(),
                    &track(rt, scope),
                )
                .map(|a| a.object)
            }
        };
        out.map_err(|e| self.patch_error(rt, name, e))
    }

    fn patch_error(&self, rt: &ResourceType, name: &str, e: super::patch::PatchError) -> ApiError {
        super::patch_status::to_api_error(rt, name, e)
    }

    /// DELETE with finalizers and propagation to dependents (ownerReferences).
    pub(crate) fn delete(
        &self,
        rt: &ResourceType,
        ns: &str,
        name: &str,
        propagation: Propagation,
        precondition_uid: Option<&str>,
    ) -> Result<Arc<Value>, ApiError> {
        let current = self.get(rt, ns, name)?;
        if let Some(uid) = precondition_uid
            && current["metadata"]["uid"].as_str() != Some(uid)
        {
            return Err(ApiError::stale(rt.qualified(), name));
        }
        let is_namespace = rt.group.is_empty() && rt.plural == "namespaces";
        let has_finalizers = current["metadata"]["finalizers"]
            .as_array()
            .is_some_and(|f| !f.is_empty());
        if is_namespace || has_finalizers {
            // Marked for deletion; the namespace controller (or whoever owns the finalizers)
            // completes it.
            if current["metadata"]["deletionTimestamp"].is_string() {
                return Ok(current);
            }
            let mut marked = (*current).clone();
            marked["metadata"]["deletionTimestamp"] = json!(objects::now_rfc3339());
            marked["metadata"]["deletionGracePeriodSeconds"] = json!(0);
            if is_namespace {
                marked["status"]["phase"] = json!("Terminating");
            }
            let written = self.store.modify(&rt.key(), ns, name, |_| {
                Ok::<_, ApiError>(Write::Put(marked))
            })?;
            let obj = written.object().cloned().unwrap_or(current);
            self.after_write(rt, None, Some(&obj));
            return Ok(obj);
        }
        if propagation == Propagation::Foreground {
            self.delete_dependents(ns, &current, Propagation::Foreground);
        }
        let written = self.store.modify(&rt.key(), ns, name, |cur| {
            if cur.is_none() {
                return Err(ApiError::not_found(rt.qualified(), name));
            }
            Ok(Write::Delete)
        })?;
        let gone = written
            .object()
            .cloned()
            .ok_or_else(|| ApiError::not_found(rt.qualified(), name))?;
        match propagation {
            Propagation::Orphan => self.orphan_dependents(ns, &current),
            _ => self.delete_dependents(ns, &current, Propagation::Background),
        }
        self.after_write(rt, Some(&current), None);
        Ok(gone)
    }

    /// Objects in `ns` whose ownerReferences name `owner`'s uid.
    fn dependents(&self, ns: &str, owner: &Value) -> Vec<(Arc<ResourceType>, Arc<Value>)> {
        let Some(uid) = owner["metadata"]["uid"].as_str() else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let registry = self.registry();
        for key in self.store.keys_with_objects_in(ns) {
            let Some(rt) = registry.preferred_for(&key) else {
                continue;
            };
            for obj in self.store.list(&key, Some(ns)).0 {
                let owned = obj["metadata"]["ownerReferences"]
                    .as_array()
                    .is_some_and(|refs| refs.iter().any(|r| r["uid"] == uid));
                if owned {
                    out.push((rt.clone(), obj));
                }
            }
        }
        out
    }

    fn delete_dependents(&self, ns: &str, owner: &Value, propagation: Propagation) {
        for (rt, obj) in self.dependents(ns, owner) {
            // Already gone is fine: another path (a controller) got there first.
            let _ = self.delete(&rt, ns, name_of(&obj), propagation, None);
        }
    }

    fn orphan_dependents(&self, ns: &str, owner: &Value) {
        let uid = owner["metadata"]["uid"].clone();
        for (rt, obj) in self.dependents(ns, owner) {
            let mut o = (*obj).clone();
            if let Some(refs) = o["metadata"]["ownerReferences"].as_array_mut() {
                refs.retain(|r| r["uid"] != uid);
            }
            let _ = self.write_over(
                &rt,
                ns,
                name_of(&obj),
                &obj,
                o,
                WriteScope::Main,
                None,
                None,
            );
        }
    }

    /// Removes an object outright, bypassing finalizers (the namespace controller's last step).
    pub(crate) fn remove(&self, rt: &ResourceType, ns: &str, name: &str) {
        let old = self.store.get(&rt.key(), ns, name);
        let _ = self
            .store
            .modify(&rt.key(), ns, name, |_| Ok::<_, ApiError>(Write::Delete));
        if let Some(old) = old {
            self.after_write(rt, Some(&old), None);
        }
    }

    /// Admission: the in-process equivalent of mutating and validating webhooks.
    fn admit(
        &self,
        rt: &ResourceType,
        old: Option<&Arc<Value>>,
        obj: &mut Value,
    ) -> Result<(), ApiError> {
        if rt.group == "apiextensions.k8s.io" && rt.plural == "customresourcedefinitions" {
            super::crd::validate(rt, obj)?;
        }
        if rt.group.is_empty() && rt.plural == "services" {
            self.allocate_cluster_ip(old.map(|o| &**o), obj);
        }
        if rt.group.is_empty() && rt.plural == "pods" && old.is_none() {
            super::mesh::inject(self, obj);
        }
        super::mesh::validate(self, rt, obj)
    }

    /// Reactions that a real apiserver performs synchronously with a write: CRDs register and
    /// unregister their kinds at once.
    fn after_write(&self, rt: &ResourceType, old: Option<&Arc<Value>>, new: Option<&Arc<Value>>) {
        if rt.group == "apiextensions.k8s.io" && rt.plural == "customresourcedefinitions" {
            super::crd::after_write(self, old, new);
        }
    }

    /// Services get a ClusterIP from kind's service CIDR (10.96.0.0/16 here) when created, and
    /// keep it on updates that omit it (the field is immutable).
    fn allocate_cluster_ip(&self, old: Option<&Value>, svc: &mut Value) {
        if svc["spec"]["type"] == "ExternalName" || svc["spec"]["clusterIP"] == "None" {
            return;
        }
        if let Some(old_ip) = old.and_then(|o| o["spec"]["clusterIP"].as_str()) {
            svc["spec"]["clusterIP"] = json!(old_ip);
            svc["spec"]["clusterIPs"] = json!([old_ip]);
            return;
        }
        if svc["spec"]["clusterIP"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
        {
            return;
        }
        let taken: std::collections::HashSet<String> = self
            .store
            .list(&ResourceKey::new("", "services"), None)
            .0
            .iter()
            .filter_map(|s| s["spec"]["clusterIP"].as_str().map(str::to_string))
            .collect();
        let ip = loop {
            let n: u16 = self.with_rng(|r| rand::Rng::random_range(r, 2..65_000));
            let ip = format!("10.96.{}.{}", n / 256, n % 256);
            if !taken.contains(&ip) {
                break ip;
            }
        };
        svc["spec"]["clusterIP"] = json!(ip);
        svc["spec"]["clusterIPs"] = json!([ip]);
        svc["spec"]["ipFamilies"] = json!(["IPv4"]);
        svc["spec"]["ipFamilyPolicy"] = json!("SingleStack");
        svc["spec"]["internalTrafficPolicy"] = json!("Cluster");
    }
}
