//! `metadata.managedFields`: decoding, manager identity, encoding and ordering, after
//! apimachinery `util/managedfields/internal` (managedfields.go, capmanagers.go).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::fieldset::FieldSet;
use super::gojson;

/// How a manager wrote its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Operation {
    /// Server-side apply (`application/apply-patch+yaml`).
    Apply,
    /// Any other write: create, update, merge/strategic/JSON patch.
    Update,
}

impl Operation {
    /// The wire name, `Apply` or `Update`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Operation::Apply => "Apply",
            Operation::Update => "Update",
        }
    }
}

/// The identity of a manager: Apply managers are one per name whatever the API version
/// they used; Update managers are one per name and version (managedfields
/// `BuildManagerIdentifier`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct ManagerId {
    pub(crate) manager: String,
    pub(crate) operation: Operation,
    /// Only for `Update`.
    pub(crate) api_version: Option<String>,
    pub(crate) subresource: Option<String>,
}

impl ManagerId {
    pub(crate) fn new(
        manager: &str,
        operation: Operation,
        api_version: &str,
        subresource: Option<&str>,
    ) -> Self {
        ManagerId {
            manager: manager.to_string(),
            operation,
            api_version: (operation == Operation::Update && !api_version.is_empty())
                .then(|| api_version.to_string()),
            subresource: subresource.filter(|s| !s.is_empty()).map(str::to_string),
        }
    }

    /// The JSON identifier Go builds (field order of `ManagedFieldsEntry`, omitempty);
    /// used to order managers in conflict messages.
    pub(crate) fn identifier(&self) -> String {
        let q = |s: &str| gojson::to_string(&Value::String(s.to_string()));
        let mut parts = Vec::new();
        if !self.manager.is_empty() {
            parts.push(format!("\"manager\":{}", q(&self.manager)));
        }
        parts.push(format!("\"operation\":{}", q(self.operation.as_str())));
        if let Some(v) = &self.api_version {
            parts.push(format!("\"apiVersion\":{}", q(v)));
        }
        if let Some(s) = &self.subresource {
            parts.push(format!("\"subresource\":{}", q(s)));
        }
        format!("{{{}}}", parts.join(","))
    }
}

/// The fields one manager owns.
#[derive(Clone, Debug)]
pub(crate) struct ManagedSet {
    pub(crate) set: FieldSet,
    /// The version the fields are expressed in (also kept for Apply managers).
    pub(crate) api_version: String,
    /// RFC 3339; absent when a manager was recorded by a no-op apply.
    pub(crate) time: Option<String>,
}

/// All managers of an object.
#[derive(Clone, Debug, Default)]
pub(crate) struct Managed {
    pub(crate) managers: BTreeMap<ManagerId, ManagedSet>,
}

/// `managedFields: []` or `[{}]` in a write resets tracking (managedfields
/// `isResetManagedFields`).
pub(crate) fn is_reset(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Array(items)) => match items.as_slice() {
            [] => true,
            [only] => only.as_object().is_some_and(Map::is_empty),
            _ => false,
        },
        _ => false,
    }
}

fn str_field<'a>(entry: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    match entry.get(name) {
        None | Some(Value::Null) => Ok(""),
        Some(Value::String(s)) => Ok(s),
        Some(_) => Err(format!("managedFields: {name} must be a string")),
    }
}

impl Managed {
    /// Decodes `metadata.managedFields` (managedfields `DecodeManagedFields`).
    pub(crate) fn decode(v: Option<&Value>) -> Result<Managed, String> {
        let mut out = Managed::default();
        let items = match v {
            None | Some(Value::Null) => return Ok(out),
            Some(Value::Array(items)) => items,
            Some(_) => return Err("managedFields must be a list".into()),
        };
        for (i, item) in items.iter().enumerate() {
            let entry = item
                .as_object()
                .ok_or_else(|| format!("managed fields entry {i} must be an object"))?;
            let operation = match str_field(entry, "operation")? {
                "Apply" => Operation::Apply,
                "Update" => Operation::Update,
                _ => return Err("operation must be `Apply` or `Update`".into()),
            };
            let api_version = str_field(entry, "apiVersion")?;
            if api_version.is_empty() {
                return Err("apiVersion must not be empty".into());
            }
            match str_field(entry, "fieldsType")? {
                "FieldsV1" => {}
                "" => return Err(format!("missing fieldsType in managed fields entry {i}")),
                other => {
                    return Err(format!(
                        "invalid fieldsType {other:?} in managed fields entry {i}"
                    ));
                }
            }
            let set = match entry.get("fieldsV1") {
                None | Some(Value::Null) => FieldSet::new(),
                Some(f) => {
                    FieldSet::from_fields_v1(f).map_err(|e| format!("error decoding set: {e}"))?
                }
            };
            let subresource = str_field(entry, "subresource")?;
            let time = str_field(entry, "time")?;
            let id = ManagerId::new(
                str_field(entry, "manager")?,
                operation,
                api_version,
                Some(subresource),
            );
            out.managers.insert(
                id,
                ManagedSet {
                    set,
                    api_version: api_version.to_string(),
                    time: (!time.is_empty()).then(|| time.to_string()),
                },
            );
        }
        Ok(out)
    }

    /// Encodes the entries in kube-apiserver's order: operation, then time (seconds),
    /// manager, apiVersion, subresource (managedfields `sortEncodedManagedFields`).
    pub(crate) fn encode(&self) -> Vec<Value> {
        let mut entries: Vec<(&ManagerId, &ManagedSet)> = self
            .managers
            .iter()
            .filter(|(_, s)| !s.set.is_empty())
            .collect();
        entries.sort_by(|(a, sa), (b, sb)| {
            a.operation
                .as_str()
                .cmp(b.operation.as_str())
                .then_with(|| seconds(sa.time.as_deref()).cmp(seconds(sb.time.as_deref())))
                .then_with(|| a.manager.cmp(&b.manager))
                .then_with(|| sa.api_version.cmp(&sb.api_version))
                .then_with(|| a.subresource.cmp(&b.subresource))
        });
        entries
            .into_iter()
            .map(|(id, s)| {
                let mut e = Map::new();
                if !id.manager.is_empty() {
                    e.insert("manager".into(), Value::String(id.manager.clone()));
                }
                e.insert(
                    "operation".into(),
                    Value::String(id.operation.as_str().into()),
                );
                e.insert("apiVersion".into(), Value::String(s.api_version.clone()));
                if let Some(t) = &s.time {
                    e.insert("time".into(), Value::String(t.clone()));
                }
                e.insert("fieldsType".into(), Value::String("FieldsV1".into()));
                e.insert("fieldsV1".into(), s.set.to_fields_v1());
                if let Some(sub) = &id.subresource {
                    e.insert("subresource".into(), Value::String(sub.clone()));
                }
                Value::Object(e)
            })
            .collect()
    }

    /// Folds the oldest Update managers into `ancient-changes` once there are more than
    /// ten (managedfields `capManagersManager`).
    pub(crate) fn cap_update_managers(&mut self) {
        const MAX_UPDATE_MANAGERS: usize = 10;
        let mut updaters: Vec<ManagerId> = self
            .managers
            .keys()
            .filter(|id| id.operation == Operation::Update)
            .cloned()
            .collect();
        if updaters.len() <= MAX_UPDATE_MANAGERS {
            return;
        }
        let time_of = |m: &Managed, id: &ManagerId| {
            seconds(m.managers.get(id).and_then(|s| s.time.as_deref())).to_string()
        };
        updaters.sort_by(|a, b| {
            time_of(self, a)
                .cmp(&time_of(self, b))
                .then_with(|| a.identifier().cmp(&b.identifier()))
        });
        let mut first_of_version: BTreeMap<String, ManagerId> = BTreeMap::new();
        let mut remaining = updaters.len();
        for id in updaters {
            if remaining <= MAX_UPDATE_MANAGERS {
                break;
            }
            let Some(entry) = self.managers.get(&id).cloned() else {
                continue;
            };
            let version = entry.api_version.clone();
            let bucket = ManagerId::new("ancient-changes", Operation::Update, &version, None);
            match first_of_version.get(&version) {
                Some(first) => {
                    if !self.managers.contains_key(&bucket)
                        && let Some(s) = self.managers.remove(first)
                    {
                        self.managers.insert(bucket.clone(), s);
                    }
                    self.managers.remove(&id);
                    if let Some(b) = self.managers.get_mut(&bucket) {
                        b.set = entry.set.union(&b.set);
                        b.time = entry.time.clone();
                    }
                    remaining -= 1;
                }
                None => {
                    first_of_version.insert(version, id);
                }
            }
        }
    }
}

/// The sortable seconds part of an RFC 3339 UTC time; "" (first) when absent.
fn seconds(t: Option<&str>) -> &str {
    t.map_or("", |t| t.get(..19).unwrap_or(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn decode_encode_round_trip_and_order() {
        let mf = json!([
            {"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "apps/v1",
             "time": "2024-01-01T00:00:01Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}},
            {"manager": "kubectl", "operation": "Apply", "apiVersion": "apps/v1",
             "time": "2024-01-01T00:00:02Z", "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}}
        ]);
        let m = Managed::decode(Some(&mf)).unwrap();
        let enc = m.encode();
        assert_eq!(enc[0]["manager"], "kubectl");
        assert_eq!(enc[1]["manager"], "kubectl-client-side-apply");
        assert_eq!(Value::Array(enc.clone()), json!([mf[1], mf[0]]));
    }

    #[test]
    fn identifiers_and_reset_markers() {
        let id = ManagerId::new("kubectl", Operation::Apply, "apps/v1", None);
        assert_eq!(
            id.identifier(),
            r#"{"manager":"kubectl","operation":"Apply"}"#
        );
        let id = ManagerId::new("c", Operation::Update, "v1", Some("status"));
        assert_eq!(
            id.identifier(),
            r#"{"manager":"c","operation":"Update","apiVersion":"v1","subresource":"status"}"#
        );
        assert!(is_reset(Some(&json!([]))));
        assert!(is_reset(Some(&json!([{}]))));
        assert!(!is_reset(None));
        assert!(
            Managed::decode(Some(&json!([{"operation": "Patch", "apiVersion": "v1"}]))).is_err()
        );
    }

    #[test]
    fn caps_update_managers_at_ten() {
        let mut m = Managed::default();
        for i in 0..12 {
            let mut set = FieldSet::new();
            set.insert(&super::super::fieldset::field_path(&[
                "data",
                &format!("k{i}"),
            ]));
            m.managers.insert(
                ManagerId::new(&format!("m{i:02}"), Operation::Update, "v1", None),
                ManagedSet {
                    set,
                    api_version: "v1".into(),
                    time: Some(format!("2024-01-01T00:00:{i:02}Z")),
                },
            );
        }
        m.cap_update_managers();
        assert_eq!(m.managers.len(), 10);
        let ancient = ManagerId::new("ancient-changes", Operation::Update, "v1", None);
        assert_eq!(m.managers[&ancient].set.paths().len(), 3);
    }
}
