//! The node agent of the simulated cluster: it starts pods (Pending → Running → Ready after the
//! profile's delay, or ErrImagePull for an image nobody models), runs exec'd commands in the
//! container's image model, connects port-forwards to the ports its processes listen on, and
//! keeps each container's log.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokio::io::DuplexStream;

use super::cluster::Cluster;
use super::objects::now_rfc3339;
use super::registry::ResourceKey;
use super::server::http::{Body, full};
use super::server::status::ApiError;
use super::store::{EventType, Write};
use super::workload::{self, ImageKind, ProcessContext, ProcessIo};

pub(crate) use super::workload::ExecOutcome;

/// The simulated node's name (kind's single node is `<cluster>-control-plane`).
pub(crate) const NODE_NAME: &str = "sim-control-plane";
const NODE_IP: &str = "172.18.0.2";

fn pods() -> ResourceKey {
    ResourceKey::new("", "pods")
}

/// Container logs, by (namespace, pod, container).
#[derive(Default)]
pub(crate) struct LogBook {
    lines: Mutex<HashMap<(String, String, String), Vec<String>>>,
    changed: tokio::sync::Notify,
}

impl LogBook {
    pub(crate) fn append(&self, ns: &str, pod: &str, container: &str, line: String) {
        let mut l = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        let v = l
            .entry((ns.to_string(), pod.to_string(), container.to_string()))
            .or_default();
        // Bounded, like the kubelet's log rotation.
        if v.len() >= 10_000 {
            v.drain(..1_000);
        }
        v.push(line);
        drop(l);
        self.changed.notify_waiters();
    }

    fn snapshot(&self, ns: &str, pod: &str, container: &str) -> Vec<String> {
        self.lines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(ns.to_string(), pod.to_string(), container.to_string()))
            .cloned()
            .unwrap_or_default()
    }
}

/// A running container an exec can run in.
pub(crate) struct ExecTarget {
    image: ImageKind,
    ctx: ProcessContext,
}

/// A running pod a port-forward can reach.
pub(crate) struct PodTarget {
    cluster: Arc<Cluster>,
    pod: Arc<Value>,
}

fn running_pod(cluster: &Cluster, ns: &str, name: &str) -> Result<Arc<Value>, ApiError> {
    let pod = cluster.store.get(&pods(), ns, name).ok_or_else(|| {
        ApiError::not_found(
            super::server::status::Qualified {
                group: "",
                resource: "pods",
            },
            name,
        )
    })?;
    if pod["status"]["phase"] != "Running" {
        return Err(ApiError::bad_request(format!(
            "pod {name} does not have a host assigned or is not running (phase {})",
            pod["status"]["phase"].as_str().unwrap_or("Unknown")
        )));
    }
    Ok(pod)
}

fn container<'a>(pod: &'a Value, name: Option<&str>) -> Result<&'a Value, ApiError> {
    let pod_name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let containers = pod["spec"]["containers"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    match name {
        Some(n) => containers.iter().find(|c| c["name"] == n).ok_or_else(|| {
            ApiError::bad_request(format!("container {n} is not valid for pod {pod_name}"))
        }),
        None => {
            // kubectl picks the default-container annotation or the first; the server needs
            // an explicit name when there are several, but kubectl always sends one.
            let default =
                pod["metadata"]["annotations"]["kubectl.kubernetes.io/default-container"].as_str();
            default
                .and_then(|d| containers.iter().find(|c| c["name"] == d))
                .or_else(|| containers.first())
                .ok_or_else(|| ApiError::bad_request(format!("pod {pod_name} has no containers")))
        }
    }
}

pub(crate) fn exec_target(
    cluster: &Arc<Cluster>,
    ns: &str,
    pod: &str,
    container_name: Option<&str>,
) -> Result<ExecTarget, ApiError> {
    let p = running_pod(cluster, ns, pod)?;
    let c = container(&p, container_name)?;
    let cname = c["name"].as_str().unwrap_or_default();
    let running = p["status"]["containerStatuses"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|s| s["name"] == cname)
        .is_none_or(|s| s["state"]["running"].is_object());
    if !running {
        // The kubelet cannot exec into a container that is restarting (CRI: container not
        // running); the API server relays it as a 500.
        return Err(ApiError::internal(format!(
            "unable to upgrade connection: container not found (\"{cname}\")"
        )));
    }
    let image_ref = c["image"].as_str().unwrap_or_default();
    let image = ImageKind::from_reference(image_ref).ok_or_else(|| {
        ApiError::bad_request(format!(
            "container {} is not running (image {image_ref} could not be pulled)",
            c["name"].as_str().unwrap_or_default()
        ))
    })?;
    let pod_ctx = super::network::pod_context(&p, c);
    let mut env = pod_ctx.env;
    // The kubelet's service links for the API server (enableServiceLinks).
    env.push(("KUBERNETES_SERVICE_HOST".into(), "10.96.0.1".into()));
    env.push(("KUBERNETES_SERVICE_PORT".into(), "443".into()));
    Ok(ExecTarget {
        image,
        ctx: ProcessContext {
            hostname: pod_ctx.hostname,
            env,
            net: super::network::for_pod(cluster, &p),
        },
    })
}

/// Runs an exec'd command to completion.
pub(crate) async fn run(
    target: ExecTarget,
    argv: Vec<String>,
    stdin: Option<DuplexStream>,
    stdout: DuplexStream,
    stderr: DuplexStream,
) -> ExecOutcome {
    let io = ProcessIo {
        stdin: stdin.map(|s| Box::new(s) as Box<dyn tokio::io::AsyncRead + Send + Unpin>),
        stdout: Box::new(stdout),
        stderr: Box::new(stderr),
    };
    workload::exec(&target.image, &target.ctx, &argv, io).await
}

pub(crate) fn pod_target(
    cluster: &Arc<Cluster>,
    ns: &str,
    pod: &str,
) -> Result<PodTarget, ApiError> {
    Ok(PodTarget {
        cluster: cluster.clone(),
        pod: running_pod(cluster, ns, pod)?,
    })
}

/// Connects to `port` inside the pod: an in-memory stream served as HTTP/1.1 by the process that
/// listens there. A port nobody listens on gives the kubelet's error text.
pub(crate) async fn connect(target: &PodTarget, port: u16) -> Result<DuplexStream, String> {
    let handler = super::network::listener(&target.cluster, &target.pod, port).ok_or_else(|| {
        format!(
            "error forwarding port {port} to pod {}, uid : failed to execute portforward in network namespace: failed to connect to localhost:{port} inside namespace, IPv4: dial tcp4 127.0.0.1:{port}: connect: connection refused IPv6 dial tcp6 [::1]:{port}: connect: connection refused ",
            target.pod["metadata"]["name"].as_str().unwrap_or_default()
        )
    })?;
    let (client, server) = tokio::io::duplex(64 * 1024);
    tokio::spawn(super::network::serve_http(server, handler));
    Ok(client)
}

/// The log of a container, as `kubectl logs` reads it.
pub(crate) fn logs(
    cluster: &Arc<Cluster>,
    ns: &str,
    pod: &str,
    container_name: Option<&str>,
    tail: Option<usize>,
    follow: bool,
    timestamps: bool,
) -> Result<Body, ApiError> {
    let p = cluster.store.get(&pods(), ns, pod).ok_or_else(|| {
        ApiError::not_found(
            super::server::status::Qualified {
                group: "",
                resource: "pods",
            },
            pod,
        )
    })?;
    let c = container(&p, container_name)?;
    let cname = c["name"].as_str().unwrap_or_default().to_string();
    if p["status"]["phase"] == "Pending" {
        return Err(ApiError::bad_request(format!(
            "container \"{cname}\" in pod \"{pod}\" is waiting to start: ContainerCreating"
        )));
    }
    let book = cluster.logs();
    let render = move |lines: &[String]| -> String {
        let mut s = String::new();
        for l in lines {
            if timestamps {
                s.push_str(&now_rfc3339());
                s.push(' ');
            }
            s.push_str(l);
            s.push('\n');
        }
        s
    };
    let lines = book.snapshot(ns, pod, &cname);
    let start = tail.map_or(0, |t| lines.len().saturating_sub(t));
    let first = render(&lines[start..]);
    if !follow {
        return Ok(full(first));
    }
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(16);
    let (ns, pod) = (ns.to_string(), pod.to_string());
    let cluster = cluster.clone();
    tokio::spawn(async move {
        if tx.send(Bytes::from(first)).await.is_err() {
            return;
        }
        let mut seen = lines.len();
        let book = cluster.logs();
        loop {
            let notified = book.changed.notified();
            let now = book.snapshot(&ns, &pod, &cname);
            if now.len() > seen {
                if tx.send(Bytes::from(render(&now[seen..]))).await.is_err() {
                    return;
                }
                seen = now.len();
            }
            if cluster.store.get(&pods(), &ns, &pod).is_none() {
                return;
            }
            tokio::select! {
                _ = notified => {}
                _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                _ = tx.closed() => return,
            }
        }
    });
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<_, std::io::Error>(hyper::body::Frame::data(b)), rx))
    });
    Ok(http_body_util::StreamBody::new(stream).boxed())
}

/// Starts pods as they are created: after the profile's delay each pod is scheduled on the
/// node, gets an IP and becomes Running and Ready (or waits in ErrImagePull).
pub(crate) async fn run_pod_starter(cluster: Arc<Cluster>) {
    let mut feed = cluster.store.subscribe();
    // Pods that already exist when the starter begins.
    for p in cluster.store.list(&pods(), None).0 {
        schedule_start(&cluster, &p);
    }
    loop {
        match feed.recv().await {
            Ok(e) if e.key == pods() && e.kind == EventType::Added => {
                schedule_start(&cluster, &e.object)
            }
            Ok(_) => {}
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                for p in cluster.store.list(&pods(), None).0 {
                    if p["status"]["phase"] == "Pending" && p["spec"]["nodeName"].is_null() {
                        schedule_start(&cluster, &p);
                    }
                }
            }
            Err(_) => return,
        }
    }
}

/// `chaos.pod_restart_every_ms`: every `every`, one running pod of a user namespace (not
/// kube-system or istio-system) goes down for `pod_restart_down_ms` and comes back with its
/// containers' `restartCount` one higher.
pub(crate) async fn run_pod_restarter(cluster: Arc<Cluster>, every: Duration) {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(cluster.profile.seed ^ 0x07e5_7a27);
    let down = Duration::from_millis(cluster.profile.chaos.pod_restart_down_ms);
    loop {
        tokio::time::sleep(every).await;
        let candidates: Vec<Arc<Value>> = cluster
            .store
            .list(&pods(), None)
            .0
            .into_iter()
            .filter(|p| {
                let ns = p["metadata"]["namespace"].as_str().unwrap_or_default();
                ns != "kube-system"
                    && ns != "istio-system"
                    && p["status"]["phase"] == "Running"
                    && p["metadata"]["deletionTimestamp"].is_null()
            })
            .collect();
        if candidates.is_empty() {
            continue;
        }
        let p = &candidates[rng.random_range(0..candidates.len())];
        let (ns, name, uid) = identity(p);
        if set_running(&cluster, &ns, &name, &uid, false) {
            cluster.faults().pod_restart();
            tracing::debug!(%ns, pod = %name, "chaos: restarting pod");
            tokio::time::sleep(down).await;
            set_running(&cluster, &ns, &name, &uid, true);
        }
    }
}

/// Takes a running pod's containers down (terminated, not ready) or brings them back up
/// (running, ready, `restartCount` + 1). Returns whether the pod was changed.
fn set_running(cluster: &Arc<Cluster>, ns: &str, name: &str, uid: &Value, up: bool) -> bool {
    let now = now_rfc3339();
    let written = cluster.store.modify(&pods(), ns, name, |cur| {
        let Some(cur) = cur else { return Ok::<_, ApiError>(Write::Keep) };
        if cur["metadata"]["uid"] != *uid
            || cur["metadata"]["deletionTimestamp"].is_string()
            || cur["status"]["phase"] != "Running"
        {
            return Ok(Write::Keep);
        }
        let mut p = (**cur).clone();
        let ready = if up { "True" } else { "False" };
        if let Some(statuses) = p["status"]["containerStatuses"].as_array_mut() {
            for s in statuses {
                if up {
                    let restarts = s["restartCount"].as_u64().unwrap_or(0) + 1;
                    s["restartCount"] = json!(restarts);
                    s["state"] = json!({"running": {"startedAt": now}});
                    s["ready"] = json!(true);
                    s["started"] = json!(true);
                } else {
                    s["lastState"] = json!({"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": now}});
                    s["state"] = json!({"waiting": {"reason": "CrashLoopBackOff"}});
                    s["ready"] = json!(false);
                    s["started"] = json!(false);
                }
            }
        }
        if let Some(conds) = p["status"]["conditions"].as_array_mut() {
            for c in conds {
                if c["type"] == "Ready" || c["type"] == "ContainersReady" {
                    c["status"] = json!(ready);
                    c["lastTransitionTime"] = json!(now);
                }
            }
        }
        Ok(Write::Put(p))
    });
    matches!(written, Ok(super::store::Written::Updated(_)))
}

/// A pod's namespace, name and uid: the uid tells a pod from a later one of the same name.
fn identity(pod: &Value) -> (String, String, Value) {
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    (
        text(&pod["metadata"]["namespace"]),
        text(&pod["metadata"]["name"]),
        pod["metadata"]["uid"].clone(),
    )
}

fn schedule_start(cluster: &Arc<Cluster>, pod: &Value) {
    if pod["status"]["phase"] != "Pending" || !pod["spec"]["nodeName"].is_null() {
        return;
    }
    let (ns, name, uid) = identity(pod);
    let delay = Duration::from_millis(cluster.profile.pods.start_delay_ms);
    let cluster = cluster.clone();
    tokio::spawn(async move {
        tokio::time::sleep(delay).await;
        start_pod(&cluster, &ns, &name, &uid);
    });
}

fn start_pod(cluster: &Arc<Cluster>, ns: &str, name: &str, uid: &Value) {
    let ip = cluster.allocate_pod_ip();
    let now = now_rfc3339();
    let mut started: Option<Arc<Value>> = None;
    let written = cluster.store.modify(&pods(), ns, name, |cur| {
        let Some(cur) = cur else { return Ok::<_, ApiError>(Write::Keep) };
        if cur["metadata"]["uid"] != *uid || cur["metadata"]["deletionTimestamp"].is_string() {
            return Ok(Write::Keep);
        }
        let mut p = (**cur).clone();
        p["spec"]["nodeName"] = json!(NODE_NAME);
        let containers = p["spec"]["containers"].as_array().cloned().unwrap_or_default();
        let mut all_ready = true;
        let statuses: Vec<Value> = containers
            .iter()
            .map(|c| {
                let image = c["image"].as_str().unwrap_or_default();
                let cname = c["name"].as_str().unwrap_or_default();
                if super::mesh::runnable(image) {
                    json!({"name": cname, "image": image, "imageID": format!("{image}@sha256:{}", "0".repeat(64)),
                           "containerID": format!("containerd://{}", super::objects::new_uid().replace('-', "")),
                           "ready": true, "started": true, "restartCount": 0,
                           "state": {"running": {"startedAt": now}}})
                } else {
                    all_ready = false;
                    json!({"name": cname, "image": image, "imageID": "", "ready": false, "started": false, "restartCount": 0,
                           "state": {"waiting": {"reason": "ErrImagePull",
                             "message": format!("failed to pull and unpack image \"{image}\": the simulated cluster has no registry and does not model this image")}}})
                }
            })
            .collect();
        let ready = if all_ready { "True" } else { "False" };
        p["status"] = json!({
            "phase": if all_ready { "Running" } else { "Pending" },
            "hostIP": NODE_IP,
            "hostIPs": [{"ip": NODE_IP}],
            "podIP": ip,
            "podIPs": [{"ip": ip}],
            "startTime": now,
            "qosClass": "BestEffort",
            "conditions": [
                {"type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": null, "lastTransitionTime": now},
                {"type": "Initialized", "status": "True", "lastProbeTime": null, "lastTransitionTime": now},
                {"type": "Ready", "status": ready, "lastProbeTime": null, "lastTransitionTime": now},
                {"type": "ContainersReady", "status": ready, "lastProbeTime": null, "lastTransitionTime": now},
                {"type": "PodScheduled", "status": "True", "lastProbeTime": null, "lastTransitionTime": now},
            ],
            "containerStatuses": statuses,
        });
        Ok(Write::Put(p))
    });
    if let Ok(super::store::Written::Updated(p)) = written {
        started = Some(p);
    }
    if let Some(p) = started {
        for c in p["spec"]["containers"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            let cname = c["name"].as_str().unwrap_or_default();
            if let Some(image) = ImageKind::from_reference(c["image"].as_str().unwrap_or_default())
            {
                let pod_ctx = super::network::pod_context(&p, &c);
                for line in workload::startup_log(&image, &pod_ctx, std::time::SystemTime::now()) {
                    cluster.logs().append(ns, name, cname, line);
                }
            }
        }
    }
}
