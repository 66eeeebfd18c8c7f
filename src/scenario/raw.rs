//! The scenario file as written: serde types that keep every value's line and column.
//!
//! Every struct denies unknown fields and every field is optional here, so that a missing
//! field is reported by the checks in `build`/`steps` at the enclosing mapping, with a help
//! line, rather than by serde wherever the parser happened to be. No `flatten` and no
//! `untagged` (they lose spans and unknown-field detection): the few places that accept two
//! shapes (a path or a list of paths; one expectation or a list of version cases) have small
//! visitors that hand each shape back to serde-saphyr, which keeps the spans.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// A value with its location.
pub(crate) type S<T> = Spanned<T>;

/// A YAML mapping read in order, with the location of every key (for "unknown outcome" and
/// similar errors that must point at the key). Duplicate keys are rejected by the parser.
#[derive(Debug)]
pub(crate) struct Entries<V>(pub Vec<(S<String>, V)>);

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Entries<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Vis<V> {
            type Value = Entries<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entries<V>, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<S<String>>()? {
                    let value = map.next_value::<V>()?;
                    entries.push((key, value));
                }
                Ok(Entries(entries))
            }
        }
        d.deserialize_map(Vis(PhantomData))
    }
}

/// One wait or a list of them (`wait: {...}` or `wait: [{...}, {...}]`). A single wait takes
/// the location of the enclosing `Spanned`.
#[derive(Debug)]
pub(crate) enum RawWaits {
    One(Box<RawWait>),
    Many(Vec<S<RawWait>>),
}

impl<'de> Deserialize<'de> for RawWaits {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis;
        impl<'de> Visitor<'de> for Vis {
            type Value = RawWaits;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a wait mapping or a list of them")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawWaits, A::Error> {
                RawWait::deserialize(MapAccessDeserializer::new(map))
                    .map(|w| RawWaits::One(Box::new(w)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawWaits, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(RawWaits::Many)
            }
        }
        d.deserialize_any(Vis)
    }
}

/// One file path or a list of them (`apply: a.yaml` or `apply: [a.yaml, b.yaml]`). A single
/// path takes the location of the enclosing `Spanned`.
#[derive(Debug)]
pub(crate) enum RawPaths {
    One(String),
    Many(Vec<S<String>>),
}

impl<'de> Deserialize<'de> for RawPaths {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis;
        impl<'de> Visitor<'de> for Vis {
            type Value = RawPaths;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a file path or a list of file paths")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawPaths, E> {
                Ok(RawPaths::One(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawPaths, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(RawPaths::Many)
            }
        }
        d.deserialize_any(Vis)
    }
}

/// `send:` is the name of an entry of `requests:` or a request written in place.
#[derive(Debug)]
pub(crate) enum RawSend {
    Named(String),
    Inline(Box<RawRequest>),
}

impl<'de> Deserialize<'de> for RawSend {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis;
        impl<'de> Visitor<'de> for Vis {
            type Value = RawSend;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("the name of an entry of `requests:` or a request mapping")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawSend, E> {
                Ok(RawSend::Named(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawSend, A::Error> {
                RawRequest::deserialize(MapAccessDeserializer::new(map))
                    .map(|r| RawSend::Inline(Box::new(r)))
            }
        }
        d.deserialize_any(Vis)
    }
}

/// `expect:` is one expectation for every version, or a list of version cases.
#[derive(Debug)]
pub(crate) enum RawExpect {
    One(Box<RawCase>),
    Cases(Vec<S<RawCase>>),
}

impl<'de> Deserialize<'de> for RawExpect {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis;
        impl<'de> Visitor<'de> for Vis {
            type Value = RawExpect;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping (`shares:` or `rejected:`) or a list of version cases")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawExpect, A::Error> {
                RawCase::deserialize(MapAccessDeserializer::new(map))
                    .map(|c| RawExpect::One(Box::new(c)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<RawExpect, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(RawExpect::Cases)
            }
        }
        d.deserialize_any(Vis)
    }
}

/// The top level of scenario.yaml.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    pub name: Option<S<String>>,
    pub description: Option<S<String>>,
    pub source: Option<S<String>>,
    pub when: Option<S<RawWhen>>,
    pub concurrent: Option<S<bool>>,
    pub namespace: Option<S<String>>,
    pub namespaces: Option<S<Entries<S<RawNamespace>>>>,
    pub setup: Option<S<Vec<S<RawAction>>>>,
    pub outcomes: Option<S<Entries<S<RawOutcome>>>>,
    pub requests: Option<S<Entries<S<RawRequest>>>>,
    pub stats: Option<S<RawStats>>,
    pub timeouts: Option<S<RawTimeouts>>,
    pub steps: Option<S<Vec<S<RawStep>>>>,
}

/// `when: {istio: ">=1.24"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWhen {
    pub istio: Option<S<String>>,
}

/// A namespace declaration.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNamespace {
    pub labels: Option<Entries<S<String>>>,
}

/// A setup entry: exactly one of apply, delete, patch, wait.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAction {
    pub apply: Option<S<RawPaths>>,
    pub delete: Option<S<RawPaths>>,
    pub patch: Option<S<RawPatch>>,
    pub wait: Option<S<RawWait>>,
    pub namespace: Option<S<String>>,
    pub timeout: Option<S<String>>,
}

/// `patch: {target: ..., type: merge, file: ...}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawPatch {
    pub target: Option<S<String>>,
    #[serde(rename = "type")]
    pub kind: Option<S<String>>,
    pub file: Option<S<String>>,
}

/// `wait: {rollout: all}` or `wait: {condition: Programmed, target: ...}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawWait {
    pub rollout: Option<S<String>>,
    pub condition: Option<S<String>>,
    pub target: Option<S<String>>,
}

/// An outcome class.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawOutcome {
    pub status: Option<S<u64>>,
    pub body: Option<S<RawTextMatch>>,
    pub headers: Option<S<Entries<S<RawTextMatch>>>>,
}

/// `{equals: ...}`, `{contains: ...}` or `{regex: ...}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTextMatch {
    pub equals: Option<S<String>>,
    pub contains: Option<S<String>>,
    pub regex: Option<S<String>>,
}

/// A request: `from` (exec into a pod) with `url`, or `via` (a gateway) with `host`/`path`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRequest {
    pub from: Option<S<RawFrom>>,
    pub via: Option<S<RawVia>>,
    pub url: Option<S<String>>,
    pub host: Option<S<String>>,
    pub path: Option<S<String>>,
    pub method: Option<S<String>>,
    pub headers: Option<S<Entries<S<String>>>>,
}

/// `from: {pod: sample/deployment/sleep, container: sleep}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFrom {
    pub pod: Option<S<String>>,
    pub container: Option<S<String>>,
}

/// `via: {gateway: sample-ingress/example-gateway, port: 80}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVia {
    pub gateway: Option<S<String>>,
    pub port: Option<S<u64>>,
}

/// Statistical settings (scenario defaults or a step's overrides).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStats {
    pub alpha: Option<S<f64>>,
    pub min_deviation: Option<S<f64>>,
    pub power: Option<S<f64>>,
    pub batch_size: Option<S<u64>>,
    pub max_requests: Option<S<u64>>,
    pub design: Option<S<String>>,
}

/// Time limits (scenario defaults or a step's overrides).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTimeouts {
    pub apply: Option<S<String>>,
    pub wait: Option<S<String>>,
    pub converge: Option<S<String>>,
    pub send: Option<S<String>>,
}

/// A step.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStep {
    pub name: Option<S<String>>,
    pub description: Option<S<String>>,
    pub when: Option<S<RawWhen>>,
    pub namespace: Option<S<String>>,
    pub apply: Option<S<RawPaths>>,
    pub delete: Option<S<RawPaths>>,
    pub patch: Option<S<RawPatch>>,
    pub wait: Option<S<RawWaits>>,
    pub send: Option<S<RawSend>>,
    pub expect: Option<S<RawExpect>>,
    pub stats: Option<S<RawStats>>,
    pub timeouts: Option<S<RawTimeouts>>,
}

/// One version case of `expect:` (or the only one).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCase {
    pub when: Option<S<RawWhen>>,
    pub shares: Option<S<Entries<S<f64>>>>,
    pub rejected: Option<S<RawTextMatch>>,
}

/// The largest file the loader reads: scenario files and manifests are hand-written, and a
/// bound keeps `harness validate` fast on anything it is pointed at.
pub(crate) const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Parser limits for hand-written files: shallow nesting, few nodes, and alias expansion
/// bounded so that an alias bomb fails fast with a clear error instead of eating memory.
pub(crate) fn yaml_options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: 32,
            max_nodes: 200_000,
            max_events: 400_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_documents: 256,
            max_total_scalar_bytes: 8 * 1024 * 1024,
            max_merge_keys: 100,
            max_recorded_anchor_events: 100_000,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 100_000,
            max_replay_stack_depth: 16,
            max_alias_expansions_per_anchor: 1_000,
        },
    }
}
