//! Watches: a chunked `application/json` stream with one event object and a newline per event
//! (rust-k8s.md 2.5), replaying history after the requested resourceVersion, bookmarks when
//! asked for, and a 410 Expired ERROR event for a position older than the kept history.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Response, header};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use super::http::{Body, Query};
use super::resources::{Selectors, present};
use super::status::ApiError;
use crate::cluster::Cluster;
use crate::registry::ResourceType;
use crate::store::{EventFeed, EventType, StoredEvent};

const BOOKMARK_EVERY: Duration = Duration::from_secs(10);
/// The longest a watch stays open when the client names no timeout (apiserver:
/// --min-request-timeout 1800 s, randomised up to twice that).
const MAX_WATCH: Duration = Duration::from_secs(1800);

/// The replayed events, the objects the client knows, the live feed and the RV reached.
type WatchStart = (Vec<Bytes>, HashSet<(String, String)>, EventFeed, u64);

fn line(kind: &str, object: Value) -> Bytes {
    let mut v = serde_json::to_vec(&json!({"type": kind, "object": object})).unwrap_or_default();
    v.push(b'\n');
    Bytes::from(v)
}

struct Filter {
    rt: Arc<ResourceType>,
    namespace: Option<String>,
    selectors: Selectors,
}

impl Filter {
    fn scope(&self, e: &StoredEvent) -> bool {
        e.key == self.rt.key() && self.namespace.as_deref().is_none_or(|n| n == e.namespace)
    }

    fn selects(&self, obj: &Value) -> bool {
        self.selectors
            .labels
            .matches(obj["metadata"]["labels"].as_object())
            && self.selectors.fields.matches(obj)
    }
}

pub(crate) fn watch(
    cluster: &Arc<Cluster>,
    rt: Arc<ResourceType>,
    namespace: Option<String>,
    selectors: Selectors,
    q: &Query,
) -> Response<Body> {
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let filter = Filter {
        rt: rt.clone(),
        namespace,
        selectors,
    };
    let bookmarks = q.flag("allowWatchBookmarks");
    let mut timeout = q
        .get("timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(MAX_WATCH)
        .min(MAX_WATCH);
    // Set when the chaos profile, not the client, ends this watch: the cluster counts it.
    let mut chaos_close = None;
    if let Some(ms) = cluster.profile.chaos.watch_close_after_ms
        && Duration::from_millis(ms) < timeout
    {
        timeout = Duration::from_millis(ms);
        chaos_close = Some(cluster.clone());
    }
    let requested = q.get("resourceVersion").unwrap_or_default().to_string();
    let initial_events_end = q.flag("sendInitialEvents");
    let cluster = cluster.clone();

    // Set up the starting point synchronously, so that no event between the request and the
    // task's start is lost.
    let start: Result<WatchStart, ApiError> = (|| {
        let (current, rv) = cluster.store.list(&rt.key(), filter.namespace.as_deref());
        let matching: Vec<&Arc<Value>> = current.iter().filter(|o| filter.selects(o)).collect();
        let known: HashSet<(String, String)> = matching.iter().map(|o| id(o)).collect();
        if requested.is_empty() || requested == "0" {
            let (past, feed) = cluster
                .store
                .watch(&rt.key(), rv)
                .map_err(|e| ApiError::expired(e.requested, e.oldest))?;
            let mut known = known;
            let mut lines: Vec<Bytes> = matching
                .iter()
                .map(|o| line("ADDED", present(&rt, o)))
                .collect();
            // Changes between the snapshot and the subscription.
            for e in past.iter().filter(|e| filter.scope(e)) {
                lines.extend(translate(&filter, e, &mut known));
            }
            if initial_events_end {
                lines.push(line(
                    "BOOKMARK",
                    json!({"kind": rt.kind, "apiVersion": rt.api_version(), "metadata": {
                            "resourceVersion": rv.to_string(),
                            "annotations": {"k8s.io/initial-events-end": "true"}}}),
                ));
            }
            return Ok((lines, known, feed, rv));
        }
        let from: u64 = requested.parse().map_err(|_| {
            ApiError::bad_request(format!("invalid resource version \"{requested}\""))
        })?;
        let (past, feed) = cluster
            .store
            .watch(&rt.key(), from)
            .map_err(|e| ApiError::expired(e.requested, e.oldest))?;
        // `known` is reconstructed for the replayed events below.
        let mut known_then = known.clone();
        let mut lines = Vec::new();
        for e in past.iter().filter(|e| filter.scope(e)) {
            if let Some(l) = translate(&filter, e, &mut known_then) {
                lines.push(l);
            }
        }
        Ok((lines, known, feed, rv.max(from)))
    })();

    match start {
        Err(e) if e.code == 410 => {
            // The apiserver answers 200 and reports expiry as an ERROR event.
            let _ = tx.try_send(line("ERROR", e.to_status()));
        }
        Err(e) => return super::http::error_response(&e),
        Ok((lines, known, feed, rv)) => {
            tokio::spawn(run(
                tx,
                lines,
                known,
                feed,
                filter,
                rv,
                bookmarks,
                (timeout, chaos_close),
            ));
        }
    }
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<_, std::io::Error>(Frame::data(b)), rx))
    });
    let mut resp = Response::new(StreamBody::new(stream).boxed());
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

fn id(o: &Value) -> (String, String) {
    (
        o["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        o["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

/// An event as this watcher sees it: selector changes turn MODIFIED into ADDED or DELETED, as
/// the apiserver's cacher does.
fn translate(
    filter: &Filter,
    e: &StoredEvent,
    known: &mut HashSet<(String, String)>,
) -> Option<Bytes> {
    let key = (e.namespace.clone(), e.name.clone());
    let selected = filter.selects(&e.object);
    let obj = || present(&filter.rt, &e.object);
    match e.kind {
        EventType::Deleted => known.remove(&key).then(|| line("DELETED", obj())),
        EventType::Added | EventType::Modified if selected => {
            let was = !known.insert(key);
            Some(line(if was { "MODIFIED" } else { "ADDED" }, obj()))
        }
        _ => known.remove(&key).then(|| line("DELETED", obj())),
    }
}

#[allow(clippy::too_many_arguments)]
async fn run(
    tx: mpsc::Sender<Bytes>,
    initial: Vec<Bytes>,
    mut known: HashSet<(String, String)>,
    mut feed: broadcast::Receiver<Arc<StoredEvent>>,
    filter: Filter,
    mut last_rv: u64,
    bookmarks: bool,
    (timeout, chaos_close): (Duration, Option<Arc<Cluster>>),
) {
    for l in initial {
        if tx.send(l).await.is_err() {
            return;
        }
    }
    let deadline = tokio::time::Instant::now() + timeout;
    let mut tick = tokio::time::interval(BOOKMARK_EVERY);
    tick.tick().await;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => {
                if let Some(c) = &chaos_close {
                    c.faults().watch_close();
                }
                return;
            }
            _ = tx.closed() => return,
            _ = tick.tick(), if bookmarks => {
                let b = line("BOOKMARK", json!({"kind": filter.rt.kind, "apiVersion": filter.rt.api_version(),
                    "metadata": {"resourceVersion": last_rv.to_string()}}));
                if tx.send(b).await.is_err() { return; }
            }
            ev = feed.recv() => match ev {
                Ok(e) => {
                    last_rv = last_rv.max(e.rv);
                    if !filter.scope(&e) { continue; }
                    if let Some(l) = translate(&filter, &e, &mut known)
                        && tx.send(l).await.is_err() { return; }
                }
                // Too slow a reader: end the watch; the client resumes from its last RV.
                Err(broadcast::error::RecvError::Lagged(_)) | Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    }
}
