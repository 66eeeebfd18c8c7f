//! Where the ADS server's resources come from: the simulated istiod's generator will implement
//! [`ConfigSource`]; [`StaticSource`] is a hand-fed one for tests.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Mutex;

use envoy_types::pb::google::protobuf::Any;
use tokio::sync::watch;

use super::NodeId;

/// A push's version, `<RFC 3339 time>/<counter>`: istiod's `PushContext.PushVersion`
/// (pilot/pkg/model/push_context.go `versionNum` and `NewPushContext`), sent as
/// `version_info` and as the prefix of every nonce of that push (pilot/pkg/xds/xdsgen.go).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PushVersion {
    pub time: String,
    pub counter: u64,
}

impl PushVersion {
    /// The version of a push made now.
    pub(crate) fn now(counter: u64) -> Self {
        PushVersion {
            // Go's time.RFC3339 in UTC: whole seconds.
            time: jiff::Timestamp::now()
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
            counter,
        }
    }
}

impl fmt::Display for PushVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.time, self.counter)
    }
}

/// One generated answer: the resources of one type for one proxy, and the push they belong to.
#[derive(Debug, Clone)]
pub(crate) struct Generated {
    pub version: PushVersion,
    pub resources: Vec<Any>,
}

/// What the ADS server serves. Kept to two calls so that istiod's model can implement it
/// over its PushContext: generate on demand, and announce each push.
pub(crate) trait ConfigSource: Send + Sync + 'static {
    /// The resources of `type_url` for `node`; `names` is what Envoy subscribed to (empty:
    /// a wildcard, as for listeners and clusters).
    fn generate(&self, node: &NodeId, type_url: &str, names: &[String]) -> Generated;
    /// Changes on every push; each stream then sends every type it watches again
    /// (istiod's full push, pilot/pkg/xds/ads.go `pushConnection`).
    fn pushes(&self) -> watch::Receiver<PushVersion>;
}

/// A source holding fixed resources per type URL, the same for every proxy.
#[derive(Debug)]
pub(crate) struct StaticSource {
    resources: Mutex<BTreeMap<String, Vec<Any>>>,
    push: watch::Sender<PushVersion>,
}

impl Default for StaticSource {
    fn default() -> Self {
        StaticSource {
            resources: Mutex::new(BTreeMap::new()),
            push: watch::Sender::new(PushVersion::now(1)),
        }
    }
}

impl StaticSource {
    /// Replaces the resources of one type and pushes them to every stream.
    pub(crate) fn set(&self, type_url: &str, resources: Vec<Any>) {
        if let Ok(mut map) = self.resources.lock() {
            map.insert(type_url.to_string(), resources);
        }
        self.push
            .send_modify(|v| *v = PushVersion::now(v.counter + 1));
    }
}

impl ConfigSource for StaticSource {
    fn generate(&self, _node: &NodeId, type_url: &str, _names: &[String]) -> Generated {
        let resources = self
            .resources
            .lock()
            .map(|m| m.get(type_url).cloned().unwrap_or_default())
            .unwrap_or_default();
        Generated {
            version: self.push.borrow().clone(),
            resources,
        }
    }

    fn pushes(&self) -> watch::Receiver<PushVersion> {
        self.push.subscribe()
    }
}
