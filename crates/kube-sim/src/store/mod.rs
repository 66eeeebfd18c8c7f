//! The object store: every object of the simulated cluster, one global resourceVersion counter,
//! and a bounded event history that watches resume from (older positions get 410 Expired, as
//! etcd compaction makes them on a real cluster).

mod selector;

pub(crate) use selector::{FieldSelector, LabelSelector};

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::broadcast;

use super::registry::ResourceKey;

/// A live feed of store events.
pub(crate) type EventFeed = broadcast::Receiver<Arc<StoredEvent>>;

/// How many events watches can resume from.
const HISTORY: usize = 20_000;

/// The kind of change a watch event reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EventType {
    Added,
    Modified,
    Deleted,
}

/// One change, as watches and controllers see it.
#[derive(Debug)]
pub(crate) struct StoredEvent {
    pub rv: u64,
    pub key: ResourceKey,
    pub namespace: String,
    pub name: String,
    pub kind: EventType,
    /// The object after the change (for a delete: its last state, with the delete's RV).
    pub object: Arc<Value>,
}

/// The result of a [`Store::modify`] closure.
pub(crate) enum Write {
    /// Store this object (created if absent).
    Put(Value),
    /// Remove the object.
    Delete,
    /// Change nothing.
    Keep,
}

/// What a modification did.
#[derive(Debug, Clone)]
pub(crate) enum Written {
    Created(Arc<Value>),
    Updated(Arc<Value>),
    /// The new object equalled the old one: nothing was written and no RV was spent, as
    /// kube-apiserver skips no-op updates.
    Unchanged(Arc<Value>),
    Deleted(Arc<Value>),
    Nothing,
}

impl Written {
    pub(crate) fn object(&self) -> Option<&Arc<Value>> {
        match self {
            Written::Created(o)
            | Written::Updated(o)
            | Written::Unchanged(o)
            | Written::Deleted(o) => Some(o),
            Written::Nothing => None,
        }
    }
}

type Objects = BTreeMap<(String, String), Arc<Value>>;

struct Inner {
    rv: u64,
    objects: HashMap<ResourceKey, Objects>,
    history: VecDeque<Arc<StoredEvent>>,
    /// The highest RV no longer in `history`.
    compacted: u64,
}

/// The cluster's objects. Cheap to share; all methods take `&self`.
pub(crate) struct Store {
    inner: Mutex<Inner>,
    events: broadcast::Sender<Arc<StoredEvent>>,
}

/// A watch start point that is older than the history kept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Expired {
    pub requested: u64,
    pub oldest: u64,
}

impl Default for Store {
    fn default() -> Self {
        Self::new()
    }
}

impl Store {
    pub(crate) fn new() -> Self {
        let (events, _) = broadcast::channel(8192);
        Self {
            inner: Mutex::new(Inner {
                rv: 1,
                objects: HashMap::new(),
                history: VecDeque::new(),
                compacted: 0,
            }),
            events,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock would be a bug in this module's own short critical
        // sections; the data is still consistent (every write is a single insert/remove).
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current resourceVersion of the whole store.
    pub(crate) fn resource_version(&self) -> u64 {
        self.lock().rv
    }

    pub(crate) fn get(&self, key: &ResourceKey, namespace: &str, name: &str) -> Option<Arc<Value>> {
        self.lock()
            .objects
            .get(key)?
            .get(&(namespace.to_string(), name.to_string()))
            .cloned()
    }

    /// Objects of a resource (in one namespace, or all), sorted by namespace and name, and the
    /// store's resourceVersion at the time of the list.
    pub(crate) fn list(
        &self,
        key: &ResourceKey,
        namespace: Option<&str>,
    ) -> (Vec<Arc<Value>>, u64) {
        let inner = self.lock();
        let items = match inner.objects.get(key) {
            None => Vec::new(),
            Some(objs) => match namespace {
                None => objs.values().cloned().collect(),
                Some(ns) => objs
                    .range((ns.to_string(), String::new())..)
                    .take_while(|((n, _), _)| n == ns)
                    .map(|(_, v)| v.clone())
                    .collect(),
            },
        };
        (items, inner.rv)
    }

    /// Atomically reads the object and writes what `f` decides. `f` sees the current object (or
    /// `None`) and may fail; the store assigns `metadata.resourceVersion` on a write.
    pub(crate) fn modify<E>(
        &self,
        key: &ResourceKey,
        namespace: &str,
        name: &str,
        f: impl FnOnce(Option<&Arc<Value>>) -> Result<Write, E>,
    ) -> Result<Written, E> {
        let mut inner = self.lock();
        let id = (namespace.to_string(), name.to_string());
        let current = inner.objects.get(key).and_then(|o| o.get(&id)).cloned();
        let write = f(current.as_ref())?;
        let (kind, object) = match write {
            Write::Keep => {
                return Ok(match current {
                    Some(c) => Written::Unchanged(c),
                    None => Written::Nothing,
                });
            }
            Write::Put(mut obj) => {
                if let Some(cur) = &current
                    && same_ignoring_rv(cur, &obj)
                {
                    return Ok(Written::Unchanged(cur.clone()));
                }
                inner.rv += 1;
                set_rv(&mut obj, inner.rv);
                let obj = Arc::new(obj);
                inner
                    .objects
                    .entry(key.clone())
                    .or_default()
                    .insert(id, obj.clone());
                let kind = if current.is_some() {
                    EventType::Modified
                } else {
                    EventType::Added
                };
                (kind, obj)
            }
            Write::Delete => {
                let Some(cur) = current else {
                    return Ok(Written::Nothing);
                };
                if let Some(objs) = inner.objects.get_mut(key) {
                    objs.remove(&id);
                }
                inner.rv += 1;
                let mut last = (*cur).clone();
                set_rv(&mut last, inner.rv);
                (EventType::Deleted, Arc::new(last))
            }
        };
        let event = Arc::new(StoredEvent {
            rv: inner.rv,
            key: key.clone(),
            namespace: namespace.to_string(),
            name: name.to_string(),
            kind,
            object: object.clone(),
        });
        inner.history.push_back(event.clone());
        if inner.history.len() > HISTORY
            && let Some(old) = inner.history.pop_front()
        {
            inner.compacted = old.rv;
        }
        // Sent under the lock, so subscribers see events in RV order with no gap.
        let _ = self.events.send(event);
        Ok(match kind {
            EventType::Added => Written::Created(object),
            EventType::Modified => Written::Updated(object),
            EventType::Deleted => Written::Deleted(object),
        })
    }

    /// Events of `key` after `from_rv`, then a live feed of later events (of every resource;
    /// the caller filters). Fails when `from_rv` is older than the kept history.
    pub(crate) fn watch(
        &self,
        key: &ResourceKey,
        from_rv: u64,
    ) -> Result<(Vec<Arc<StoredEvent>>, EventFeed), Expired> {
        let inner = self.lock();
        if from_rv < inner.compacted {
            return Err(Expired {
                requested: from_rv,
                oldest: inner.compacted + 1,
            });
        }
        let start = inner.history.partition_point(|e| e.rv <= from_rv);
        let past = inner
            .history
            .range(start..)
            .filter(|e| &e.key == key)
            .cloned()
            .collect();
        Ok((past, self.events.subscribe()))
    }

    /// A live feed of every change, for controllers.
    pub(crate) fn subscribe(&self) -> broadcast::Receiver<Arc<StoredEvent>> {
        self.events.subscribe()
    }

    /// Every resource key that holds objects in `namespace`.
    pub(crate) fn keys_with_objects_in(&self, namespace: &str) -> Vec<ResourceKey> {
        let inner = self.lock();
        inner
            .objects
            .iter()
            .filter(|(_, objs)| {
                objs.range((namespace.to_string(), String::new())..)
                    .next()
                    .is_some_and(|((n, _), _)| n == namespace)
            })
            .map(|(k, _)| k.clone())
            .collect()
    }
}

fn set_rv(obj: &mut Value, rv: u64) {
    if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.insert("resourceVersion".into(), Value::String(rv.to_string()));
    }
}

fn same_ignoring_rv(a: &Value, b: &Value) -> bool {
    match (a.as_object(), b.as_object()) {
        (Some(a), Some(b)) => {
            a.len() == b.len()
                && a.iter().all(|(k, va)| {
                    let Some(vb) = b.get(k) else { return false };
                    if k == "metadata" {
                        match (va.as_object(), vb.as_object()) {
                            (Some(ma), Some(mb)) => {
                                let strip = |m: &serde_json::Map<String, Value>| {
                                    m.iter()
                                        .filter(|(k, _)| {
                                            k.as_str() != "resourceVersion"
                                                && k.as_str() != "managedFields"
                                        })
                                        .map(|(k, v)| (k.clone(), v.clone()))
                                        .collect::<BTreeMap<_, _>>()
                                };
                                strip(ma) == strip(mb) && managed_same(ma, mb)
                            }
                            _ => va == vb,
                        }
                    } else {
                        va == vb
                    }
                })
        }
        _ => a == b,
    }
}

/// managedFields differ only in timestamps on a no-op apply; those are not a change.
fn managed_same(a: &serde_json::Map<String, Value>, b: &serde_json::Map<String, Value>) -> bool {
    let strip_time = |v: Option<&Value>| -> Value {
        let mut v = v.cloned().unwrap_or(Value::Null);
        if let Some(entries) = v.as_array_mut() {
            for e in entries {
                if let Some(o) = e.as_object_mut() {
                    o.remove("time");
                }
            }
        }
        v
    };
    strip_time(a.get("managedFields")) == strip_time(b.get("managedFields"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key() -> ResourceKey {
        ResourceKey::new("", "configmaps")
    }

    #[test]
    fn writes_bump_one_global_rv_and_noops_do_not() {
        let s = Store::new();
        let put = |v: Value| move |_: Option<&Arc<Value>>| Ok::<_, ()>(Write::Put(v));
        let obj = json!({"metadata": {"name": "a", "namespace": "x"}, "data": {"k": "1"}});
        let w = s.modify(&key(), "x", "a", put(obj.clone())).unwrap();
        assert!(matches!(w, Written::Created(_)));
        let rv1 = s.resource_version();
        let w = s.modify(&key(), "x", "a", put(obj)).unwrap();
        assert!(matches!(w, Written::Unchanged(_)));
        assert_eq!(s.resource_version(), rv1);
        let w = s
            .modify(
                &key(),
                "x",
                "a",
                put(json!({"metadata": {"name": "a", "namespace": "x"}, "data": {"k": "2"}})),
            )
            .unwrap();
        assert!(matches!(w, Written::Updated(_)));
        assert_eq!(s.resource_version(), rv1 + 1);
        assert_eq!(
            w.object().unwrap()["metadata"]["resourceVersion"],
            json!((rv1 + 1).to_string())
        );
    }

    #[test]
    fn watch_replays_history_after_rv_and_expires_when_compacted() {
        let s = Store::new();
        for i in 0..(HISTORY + 10) {
            let name = format!("o{i}");
            s.modify(&key(), "x", &name, |_| {
                Ok::<_, ()>(Write::Put(
                    json!({"metadata": {"name": name, "namespace": "x"}}),
                ))
            })
            .unwrap();
        }
        let now = s.resource_version();
        let (past, _) = s.watch(&key(), now - 3).unwrap();
        assert_eq!(past.len(), 3);
        assert!(s.watch(&key(), 2).is_err());
    }

    #[test]
    fn list_is_scoped_to_a_namespace() {
        let s = Store::new();
        for (ns, n) in [("a", "1"), ("b", "1"), ("b", "2"), ("c", "1")] {
            s.modify(&key(), ns, n, |_| {
                Ok::<_, ()>(Write::Put(
                    json!({"metadata": {"name": n, "namespace": ns}}),
                ))
            })
            .unwrap();
        }
        assert_eq!(s.list(&key(), Some("b")).0.len(), 2);
        assert_eq!(s.list(&key(), None).0.len(), 4);
        assert_eq!(s.keys_with_objects_in("c"), vec![key()]);
    }
}
