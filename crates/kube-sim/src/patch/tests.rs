//! Real-world write sequences (kubectl client-side apply, server-side apply, kube-rs
//! force apply, controllers) and property tests: no input panics, patches that should
//! be idempotent are.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::apply::{LAST_APPLIED_ANNOTATION, apply, record_update};
use super::strategy::{keep_status, status_only};
use super::*;

const T1: &str = "2024-05-01T10:00:00Z";
const T2: &str = "2024-05-01T10:05:00Z";
const T3: &str = "2024-05-01T10:10:00Z";

fn deployment(replicas: i64, image: &str) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": image, "ports": [{"containerPort": 80}]}]}}}
    })
}

fn entries(obj: &Value) -> Vec<Value> {
    obj["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn entry<'a>(obj: &'a Value, manager: &str) -> &'a Value {
    obj["metadata"]["managedFields"]
        .as_array()
        .and_then(|es| es.iter().find(|e| e["manager"] == manager))
        .unwrap_or_else(|| panic!("no entry for {manager} in {obj}"))
}

fn owns(obj: &Value, manager: &str, pointer: &str) -> bool {
    entry(obj, manager)["fieldsV1"].pointer(pointer).is_some()
}

/// `kubectl apply` of a new object: POST with the last-applied annotation.
fn client_side_create(config: &Value) -> Value {
    let mut obj = config.clone();
    let annotation = format!("{}\n", serde_json::to_string(config).unwrap());
    obj["metadata"]["annotations"] = json!({ LAST_APPLIED_ANNOTATION: annotation });
    let mf = record_update(None, &obj, "kubectl-client-side-apply", T1);
    set_managed_fields(&mut obj, mf);
    obj
}

#[test]
fn client_side_create_records_an_update_manager_like_the_apiserver() {
    let obj = client_side_create(&deployment(2, "nginx:1"));
    let es = entries(&obj);
    assert_eq!(es.len(), 1);
    let e = &es[0];
    assert_eq!(e["manager"], "kubectl-client-side-apply");
    assert_eq!(e["operation"], "Update");
    assert_eq!(e["apiVersion"], "apps/v1");
    assert_eq!(e["time"], T1);
    assert_eq!(e["fieldsType"], "FieldsV1");
    let f = &e["fieldsV1"];
    // Maps absent from the Go zero value carry ".", structs present in it do not.
    assert_eq!(
        f["f:metadata"],
        json!({"f:annotations": {".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {}},
               "f:labels": {".": {}, "f:app": {}}})
    );
    assert!(f["f:spec"].get(".").is_none());
    assert_eq!(f["f:spec"]["f:replicas"], json!({}));
    assert_eq!(
        f["f:spec"]["f:selector"],
        json!({}),
        "LabelSelector is atomic"
    );
    assert_eq!(
        f["f:spec"]["f:template"]["f:spec"]["f:containers"],
        json!({"k:{\"name\":\"app\"}": {".": {}, "f:image": {}, "f:name": {},
            "f:ports": {".": {}, "k:{\"containerPort\":80,\"protocol\":\"TCP\"}": {".": {}, "f:containerPort": {}}}}})
    );
}

#[test]
fn server_side_apply_of_the_same_file_shares_ownership_without_conflict() {
    let config = deployment(2, "nginx:1");
    let live = client_side_create(&config);
    let out = apply(Some(&live), &config, "kubectl", false, T2).unwrap();
    assert!(!out.created);
    let obj = out.object;
    assert_eq!(obj["spec"], live["spec"]);
    assert!(owns(&obj, "kubectl", "/f:spec/f:replicas"));
    assert!(owns(
        &obj,
        "kubectl-client-side-apply",
        "/f:spec/f:replicas"
    ));
    let kubectl = entry(&obj, "kubectl");
    assert_eq!(kubectl["operation"], "Apply");
    assert!(
        kubectl.get("time").is_none(),
        "a no-op apply records no time"
    );
    assert!(
        kubectl["fieldsV1"].pointer("/f:metadata/f:name").is_none(),
        "name is never owned"
    );
    // Apply entries sort before Update entries.
    assert_eq!(entries(&obj)[0]["manager"], "kubectl");
    // lastAppliedUpdater rewrote the annotation from the server-side config.
    let annotation = obj["metadata"]["annotations"][LAST_APPLIED_ANNOTATION]
        .as_str()
        .unwrap();
    assert!(annotation.ends_with('\n'));
    let parsed: Value = serde_json::from_str(annotation).unwrap();
    assert_eq!(parsed, config);
}

#[test]
fn another_manager_conflicts_then_forces_ownership() {
    let config = deployment(2, "nginx:1");
    let live = client_side_create(&config);
    let live = apply(Some(&live), &config, "kubectl", false, T2)
        .unwrap()
        .object;
    let other = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"}, "spec": {"replicas": 3}});
    let err = apply(Some(&live), &other, "other", false, T3).unwrap_err();
    assert_eq!(err.code(), 409);
    assert_eq!(
        err.message(),
        "Apply failed with 2 conflicts: conflicts with \"kubectl\":\n- .spec.replicas\n\
         conflicts with \"kubectl-client-side-apply\" using apps/v1:\n- .spec.replicas"
    );
    let status = err.to_status();
    assert_eq!(status["reason"], "Conflict");
    assert_eq!(
        status["details"]["causes"],
        json!([
            {"reason": "FieldManagerConflict", "message": "conflict with \"kubectl\"", "field": ".spec.replicas"},
            {"reason": "FieldManagerConflict", "message": "conflict with \"kubectl-client-side-apply\" using apps/v1",
             "field": ".spec.replicas"}
        ])
    );

    let forced = apply(Some(&live), &other, "other", true, T3)
        .unwrap()
        .object;
    assert_eq!(forced["spec"]["replicas"], 3);
    assert!(owns(&forced, "other", "/f:spec/f:replicas"));
    assert!(!owns(&forced, "kubectl", "/f:spec/f:replicas"));
    assert!(!owns(
        &forced,
        "kubectl-client-side-apply",
        "/f:spec/f:replicas"
    ));
    assert_eq!(entry(&forced, "other")["time"], T3);
    // Everything else stays as it was.
    assert_eq!(forced["spec"]["template"], live["spec"]["template"]);

    // kubectl re-applying replicas 2 now conflicts with "other" only; the last-applied
    // annotation no longer matches live (3), so kubectl gets no free pass.
    let err = apply(Some(&forced), &config, "kubectl", false, T3).unwrap_err();
    assert_eq!(
        err.message(),
        "Apply failed with 1 conflict: conflict with \"other\": .spec.replicas"
    );
}

#[test]
fn kubectl_server_side_upgrade_overrides_client_side_values_it_applied() {
    // apimachinery lastAppliedManager: `kubectl apply --server-side` after a
    // client-side apply may change fields the last-applied annotation still matches.
    let live = client_side_create(&deployment(2, "nginx:1"));
    let out = apply(Some(&live), &deployment(5, "nginx:2"), "kubectl", false, T2).unwrap();
    assert_eq!(out.object["spec"]["replicas"], 5);
    assert_eq!(
        out.object["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:2"
    );
    assert!(!owns(
        &out.object,
        "kubectl-client-side-apply",
        "/f:spec/f:replicas"
    ));
    assert_eq!(entry(&out.object, "kubectl")["time"], T2);
    // Any other manager gets the conflict.
    let err = apply(Some(&live), &deployment(5, "nginx:1"), "e2e", false, T2).unwrap_err();
    assert_eq!(
        err.message(),
        "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"
    );
}

#[test]
fn kube_rs_force_apply_creates_updates_and_prunes() {
    // kube-rs `PatchParams::apply("e2e-harness").force()` of a DynamicObject.
    let cm = |data: Value| {
        json!({"apiVersion": "v1", "kind": "ConfigMap",
               "metadata": {"name": "cfg", "namespace": "e2e"}, "data": data})
    };
    let created = apply(None, &cm(json!({"a": "1"})), "e2e-harness", true, T1).unwrap();
    assert!(created.created);
    assert_eq!(created.object["data"], json!({"a": "1"}));
    assert_eq!(
        entries(&created.object),
        vec![
            json!({"manager": "e2e-harness", "operation": "Apply", "apiVersion": "v1", "time": T1,
            "fieldsType": "FieldsV1", "fieldsV1": {"f:data": {"f:a": {}}}})
        ]
    );
    let grown = apply(
        Some(&created.object),
        &cm(json!({"a": "1", "b": "2"})),
        "e2e-harness",
        true,
        T2,
    )
    .unwrap()
    .object;
    assert_eq!(grown["data"], json!({"a": "1", "b": "2"}));
    let pruned = apply(
        Some(&grown),
        &cm(json!({"b": "2"})),
        "e2e-harness",
        true,
        T3,
    )
    .unwrap()
    .object;
    assert_eq!(
        pruned["data"],
        json!({"b": "2"}),
        "a field no longer applied is removed"
    );
    assert_eq!(pruned["metadata"]["name"], "cfg");
}

#[test]
fn removing_fields_from_the_config_removes_them_unless_someone_else_owns_them() {
    let mut two = deployment(1, "app:1");
    two["metadata"]["labels"]["tier"] = json!("front");
    two["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "sidecar", "image": "proxy:1"}));
    let live = apply(None, &two, "e2e", false, T1).unwrap().object;
    // A second applier shares the "tier" label.
    let shared = json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"tier": "front"}}});
    let live = apply(Some(&live), &shared, "mesh", false, T2)
        .unwrap()
        .object;
    let out = apply(Some(&live), &deployment(1, "app:1"), "e2e", false, T3)
        .unwrap()
        .object;
    let names: Vec<&str> = out["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["app"], "the sidecar is pruned");
    assert_eq!(
        out["metadata"]["labels"],
        json!({"app": "web", "tier": "front"})
    );
    // Once the last owner stops applying it, it goes.
    let none = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}});
    let out = apply(Some(&out), &none, "mesh", false, T3).unwrap().object;
    assert_eq!(out["metadata"]["labels"], json!({"app": "web"}));
    assert!(entries(&out).iter().all(|e| e["manager"] != "mesh"));
}

#[test]
fn associative_lists_merge_by_key_and_ownership_is_per_item() {
    let live = apply(None, &deployment(1, "app:1"), "e2e", false, T1)
        .unwrap()
        .object;
    let sidecar = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"template": {"spec": {"containers": [{"name": "istio-proxy", "image": "proxyv2"}]}}}});
    let out = apply(Some(&live), &sidecar, "injector", false, T2)
        .unwrap()
        .object;
    let containers = out["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    assert_eq!(containers.len(), 2);
    assert!(owns(
        &out,
        "injector",
        "/f:spec/f:template/f:spec/f:containers/k:{\"name\":\"istio-proxy\"}"
    ));
    assert!(!owns(
        &out,
        "injector",
        "/f:spec/f:template/f:spec/f:containers/k:{\"name\":\"app\"}"
    ));
    // Changing the other manager's container is a conflict on that item's field only.
    let mut hijack = sidecar.clone();
    hijack["spec"]["template"]["spec"]["containers"] = json!([{"name": "app", "image": "evil"}]);
    let err = apply(Some(&out), &hijack, "injector", false, T3).unwrap_err();
    assert_eq!(
        err.message(),
        "Apply failed with 1 conflict: conflict with \"e2e\": .spec.template.spec.containers[name=\"app\"].image"
    );
}

#[test]
fn sets_merge_by_value_and_keep_other_managers_items_in_place() {
    // structured-merge-diff set_test "apply_update_apply_no_overlap", on finalizers.
    let cm = |finalizers: Value| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "finalizers": finalizers}});
    let live = apply(None, &cm(json!(["a", "c"])), "default", false, T1)
        .unwrap()
        .object;
    let mut updated = merge_patch(
        &live,
        &json!({"metadata": {"finalizers": ["a", "b", "c", "d"]}}),
    )
    .unwrap();
    let mf = record_update(Some(&live), &updated, "controller", T2);
    set_managed_fields(&mut updated, mf);
    let out = apply(
        Some(&updated),
        &cm(json!(["a", "aprime", "c", "cprime"])),
        "default",
        false,
        T3,
    )
    .unwrap()
    .object;
    assert_eq!(
        out["metadata"]["finalizers"],
        json!(["a", "b", "aprime", "c", "d", "cprime"])
    );
    assert_eq!(
        entry(&out, "default")["fieldsV1"],
        json!({"f:metadata": {"f:finalizers": {"v:\"a\"": {}, "v:\"aprime\"": {}, "v:\"c\"": {}, "v:\"cprime\"": {}}}})
    );
    assert_eq!(
        entry(&out, "controller")["fieldsV1"],
        json!({"f:metadata": {"f:finalizers": {"v:\"b\"": {}, "v:\"d\"": {}}}})
    );
}

#[test]
fn update_managers_take_fields_and_conflict_with_later_applies() {
    let live = apply(None, &deployment(1, "app:1"), "e2e", false, T1)
        .unwrap()
        .object;
    // A controller scales through a merge patch (an Update).
    let mut scaled = merge_patch(&live, &json!({"spec": {"replicas": 4}})).unwrap();
    let mf = record_update(Some(&live), &scaled, "hpa-controller", T2);
    set_managed_fields(&mut scaled, mf);
    assert!(owns(&scaled, "hpa-controller", "/f:spec/f:replicas"));
    assert!(
        !owns(&scaled, "e2e", "/f:spec/f:replicas"),
        "an update takes the field without conflict"
    );
    let err = apply(Some(&scaled), &deployment(1, "app:1"), "e2e", false, T3).unwrap_err();
    assert_eq!(
        err.message(),
        "Apply failed with 1 conflict: conflict with \"hpa-controller\" using apps/v1: .spec.replicas"
    );
    // A no-op write by the same manager keeps its entry and time.
    let same = record_update(Some(&scaled), &scaled, "hpa-controller", T3);
    assert_eq!(Value::Array(same), scaled["metadata"]["managedFields"]);
}

#[test]
fn objects_without_managed_fields_stay_untracked_until_the_first_apply() {
    let mut live = deployment(1, "app:1");
    live["metadata"]["uid"] = json!("u-1");
    let changed = merge_patch(&live, &json!({"spec": {"replicas": 2}})).unwrap();
    assert!(record_update(Some(&live), &changed, "kubectl-edit", T1).is_empty());
    // The first apply attributes what exists to "before-first-apply".
    let err = apply(Some(&changed), &deployment(3, "app:1"), "e2e", false, T2).unwrap_err();
    assert_eq!(
        err.message(),
        "Apply failed with 1 conflict: conflict with \"before-first-apply\" using apps/v1: .spec.replicas"
    );
    let ok = apply(Some(&changed), &deployment(2, "app:1"), "e2e", false, T2).unwrap();
    assert!(owns(&ok.object, "before-first-apply", "/f:spec/f:replicas"));
    assert!(owns(&ok.object, "e2e", "/f:spec/f:replicas"));
    // `managedFields: [{}]` in a write resets tracking.
    let mut reset = ok.object.clone();
    reset["metadata"]["managedFields"] = json!([{}]);
    assert!(record_update(Some(&ok.object), &reset, "kubectl-patch", T3).is_empty());
}

#[test]
fn status_subresource_and_reset_fields() {
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "i"}]}, "status": {"phase": "Pending"}});
    let main = TrackOptions::main_resource_with_status();
    let created = apply_with(None, &pod, "e2e", false, T1, &main)
        .unwrap()
        .object;
    assert!(entry(&created, "e2e")["fieldsV1"].get("f:status").is_none());
    let mut stored = created.clone();
    keep_status(None, &mut stored);
    assert!(stored.get("status").is_none());
    // The kubelet writes status through /status: an Update with subresource "status".
    pod["status"] =
        json!({"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]});
    let mut with_status = status_only(&stored, &pod);
    let mf = record_update_with(
        Some(&stored),
        &with_status,
        "kubelet",
        T2,
        &TrackOptions::status_subresource(),
    );
    set_managed_fields(&mut with_status, mf);
    let kubelet = entry(&with_status, "kubelet");
    assert_eq!(kubelet["subresource"], "status");
    assert_eq!(
        kubelet["fieldsV1"]["f:status"]["f:conditions"],
        json!({".": {}, "k:{\"type\":\"Ready\"}": {".": {}, "f:status": {}, "f:type": {}}})
    );
    assert!(kubelet["fieldsV1"].get("f:spec").is_none());
}

#[test]
fn unkeyable_stored_lists_are_atomic_and_identity_is_never_pruned() {
    // Stored without validation: a container without a name.
    let mut live = deployment(1, "a");
    live["spec"]["template"]["spec"]["containers"] = json!([{"image": "nameless"}]);
    let out = apply(Some(&live), &deployment(2, "b"), "e2e", true, T1)
        .unwrap()
        .object;
    assert_eq!(
        out["spec"]["template"]["spec"]["containers"],
        deployment(2, "b")["spec"]["template"]["spec"]["containers"]
    );
    // A config without metadata at all does not strip the stored name.
    let bare = json!({"apiVersion": "apps/v1", "kind": "Deployment", "spec": {"replicas": 2}});
    let out = apply(Some(&out), &bare, "e2e", true, T2).unwrap().object;
    assert_eq!(out["metadata"]["name"], "web");
    assert_eq!(
        out["metadata"]["labels"],
        json!({"app": "web"}),
        "still owned by before-first-apply"
    );
    assert!(owns(
        &out,
        "before-first-apply",
        "/f:metadata/f:labels/f:app"
    ));
}

#[test]
fn nulls_inside_a_value_that_replaces_another_kind_are_dropped() {
    // Found by proptest: a list replaced by a map holding a null must not keep the null,
    // or a second identical apply would change the object.
    let live =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "x": {"k": []}});
    let cfg = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "x": {"k": {"a": null}}});
    let once = apply(Some(&live), &cfg, "m", true, T1).unwrap().object;
    assert_eq!(once["x"], json!({"k": {}}));
    let twice = apply(Some(&once), &cfg, "m", true, T2).unwrap().object;
    assert_eq!(once, twice);
}

#[test]
fn invalid_apply_requests() {
    let live = deployment(1, "a");
    let mut with_mf = deployment(1, "a");
    with_mf["metadata"]["managedFields"] = json!([]);
    assert_eq!(
        apply(Some(&live), &with_mf, "x", false, T1)
            .unwrap_err()
            .message(),
        "metadata.managedFields must be nil"
    );
    let mut other_kind = deployment(1, "a");
    other_kind["kind"] = json!("StatefulSet");
    assert_eq!(
        apply(Some(&live), &other_kind, "x", false, T1)
            .unwrap_err()
            .message(),
        "invalid object type: apps/v1, Kind=StatefulSet"
    );
    assert_eq!(
        apply(None, &json!({"metadata": {"name": "x"}}), "x", false, T1)
            .unwrap_err()
            .message(),
        "invalid object type: /, Kind="
    );
    assert_eq!(
        apply(None, &json!([1]), "x", false, T1).unwrap_err().code(),
        400
    );
    let mut dup = deployment(1, "a");
    dup["spec"]["template"]["spec"]["containers"] = json!([{"name": "a"}, {"name": "a"}]);
    let err = apply(None, &dup, "x", false, T1).unwrap_err();
    assert_eq!(err.code(), 500);
    assert!(
        err.message()
            .contains("duplicate entries for key [name=\"a\"]"),
        "{}",
        err.message()
    );
}

#[test]
fn deep_input_is_rejected_not_overflowing() {
    let mut deep = json!("leaf");
    for _ in 0..(MAX_DEPTH + 50) {
        deep = json!({ "a": deep });
    }
    let obj =
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": deep});
    assert_eq!(merge_patch(&json!({}), &obj).unwrap_err().code(), 400);
    assert_eq!(
        strategic_merge_patch("v1", "ConfigMap", &json!({}), &obj)
            .unwrap_err()
            .code(),
        400
    );
    assert_eq!(apply(None, &obj, "x", false, T1).unwrap_err().code(), 400);
    assert!(record_update(None, &obj, "x", T1).is_empty());
    let ops = json!([{"op": "test", "path": "/data", "value": deep}]);
    assert!(json_patch(&obj, &ops).is_ok());
}

// ---- properties --------------------------------------------------------------------------

const KEYS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "name",
    "labels",
    "finalizers",
    "spec",
    "template",
    "containers",
    "image",
    "ports",
    "containerPort",
    "protocol",
    "env",
    "value",
    "replicas",
    "status",
    "conditions",
    "type",
    "$patch",
    "$retainKeys",
    "$setElementOrder/containers",
    "$deleteFromPrimitiveList/finalizers",
    "a",
    "b",
];
const STRINGS: &[&str] = &[
    "replace", "delete", "merge", "app", "x", "TCP", "a", "name", "",
];

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..100).prop_map(Value::from),
        prop::sample::select(STRINGS).prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(
                prop::sample::select(KEYS).prop_map(String::from),
                inner,
                0..5
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn arb_object() -> impl Strategy<Value = Value> {
    prop::collection::btree_map(
        prop::sample::select(KEYS).prop_map(String::from),
        arb_json(),
        0..6,
    )
    .prop_map(|m| Value::Object(m.into_iter().collect()))
}

/// A Deployment-shaped object with arbitrary content under known keys.
fn arb_deployment() -> impl Strategy<Value = Value> {
    (arb_object(), prop::collection::vec(("[a-c]", "[x-z]", 0i64..3), 0..4), 0i64..4).prop_map(
        |(extra, containers, replicas)| {
            let cs: Vec<Value> = containers
                .into_iter()
                .map(|(n, img, p)| json!({"name": n, "image": img, "ports": [{"containerPort": p}]}))
                .collect();
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": {"name": "d", "labels": extra.get("labels").cloned().unwrap_or(json!({}))},
                   "spec": {"replicas": replicas, "template": {"spec": {"containers": cs}}, "extra": extra}})
        },
    )
}

fn arb_ops() -> impl Strategy<Value = Value> {
    let path = prop::collection::vec(
        prop::sample::select(&["a", "b", "0", "1", "-", "spec", "~1x"][..]),
        0..4,
    )
    .prop_map(|parts| parts.iter().map(|p| format!("/{p}")).collect::<String>());
    let op = (
        prop::sample::select(&["add", "remove", "replace", "move", "copy", "test", "bogus"][..]),
        path.clone(),
        path,
        arb_json(),
    )
        .prop_map(|(op, p, from, v)| json!({"op": op, "path": p, "from": from, "value": v}));
    prop::collection::vec(op, 0..6).prop_map(Value::Array)
}

proptest! {
    // No regression files: they would land outside this module's directory.
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn merge_patch_never_panics_and_is_idempotent(target in arb_json(), patch in arb_object()) {
        let once = merge_patch(&target, &patch).unwrap();
        let twice = merge_patch(&once, &patch).unwrap();
        prop_assert_eq!(once, twice);
    }

    #[test]
    fn json_patch_never_panics(doc in arb_json(), ops in arb_ops()) {
        let _ = json_patch(&doc, &ops);
    }

    #[test]
    fn strategic_merge_patch_never_panics_nor_stores_directives(live in arb_deployment(), patch in arb_json()) {
        if let Ok(out) = strategic_merge_patch("apps/v1", "Deployment", &live, &patch) {
            let text = out.to_string();
            prop_assert!(!text.contains("\"$patch\"") && !text.contains("$setElementOrder")
                && !text.contains("$retainKeys") && !text.contains("$deleteFromPrimitiveList"), "{}", text);
        }
    }

    #[test]
    fn apply_never_panics_and_is_idempotent(live in arb_deployment(), cfg in arb_deployment(), force: bool) {
        let created = apply(None, &live, "first", false, T1);
        let Ok(created) = created else { return Ok(()) };
        if let Ok(once) = apply(Some(&created.object), &cfg, "second", force, T2) {
            let twice = apply(Some(&once.object), &cfg, "second", force, T3).unwrap();
            prop_assert_eq!(&once.object, &twice.object);
        }
    }

    #[test]
    fn record_update_never_panics_and_round_trips(old in arb_deployment(), new in arb_deployment()) {
        let mut created = old.clone();
        let mf = record_update(None, &old, "creator", T1);
        set_managed_fields(&mut created, mf);
        let mf = record_update(Some(&created), &new, "editor", T2);
        let mut stored = new.clone();
        set_managed_fields(&mut stored, mf.clone());
        // What we encode decodes to the same entries.
        let again = record_update(Some(&stored), &stored, "editor", T3);
        prop_assert_eq!(again, mf);
    }

    #[test]
    fn arbitrary_managed_fields_never_panic(mf in arb_json(), cfg in arb_deployment()) {
        let mut live = cfg.clone();
        live["metadata"]["managedFields"] = mf;
        let _ = apply(Some(&live), &cfg, "x", false, T1);
        let _ = record_update(Some(&live), &cfg, "x", T1);
    }
}
