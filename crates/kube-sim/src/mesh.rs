//! The glue between the simulated cluster and the Istio model (`istio`): the minimal install at
//! start, the admission webhooks (validation, sidecar injection), the istiod controller loop
//! (recompute on change, write status, deploy gateways, assign load-balancer addresses), config
//! propagation to each proxy with sync status, and the data plane (sidecars, gateways, ingress
//! from the host, istiod's debug endpoints).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};

use super::api::PatchKind;
use super::cluster::Cluster;
use super::istio::{self, Decision, Origin, PushContext, RequestHead, Snapshot, Target};
use super::objects::{WriteScope, now_rfc3339};
use super::registry::{ResourceKey, ResourceType};
use super::server::status::ApiError;
use super::workload::{HttpVersion, InboundResponse, NetError, OutboundRequest};

/// istiod's field manager for the objects and status it writes.
const MANAGER: &str = "pilot-discovery";
/// The container istio's injector adds.
pub(crate) const PROXY_CONTAINER: &str = "istio-proxy";

/// Kinds istiod watches; a change to any of them triggers a recompute.
fn watched(key: &ResourceKey) -> bool {
    // istiod watches CRDs too (pkg/kube/kclient/crdwatcher.go): Gateway API CRDs installed
    // after it started make it create its GatewayClasses without any other change.
    matches!(
        (key.group.as_str(), key.plural.as_str()),
        ("", "namespaces" | "services" | "pods")
            | ("apiextensions.k8s.io", "customresourcedefinitions")
            | ("gateway.networking.k8s.io", _)
            | ("networking.istio.io", _)
            | ("security.istio.io", _)
    )
}

/// One computed configuration, as istiod holds it.
pub(crate) struct MeshConfig {
    pub snapshot: Snapshot,
    pub push: PushContext,
    pub version: u64,
    pub pushed_at: String,
}

/// What one proxy has received.
struct ProxyView {
    config: Arc<MeshConfig>,
    sync: istio::ProxySync,
}

/// Istio's state in the simulated cluster.
pub(crate) struct Mesh {
    latest: RwLock<Arc<MeshConfig>>,
    proxies: Mutex<HashMap<String, ProxyView>>,
    /// Loopback addresses handed out to LoadBalancer Services, by `ns/name`.
    lb_addresses: Mutex<HashMap<String, IpAddr>>,
    /// The loopback /24 this cluster's load balancer hands addresses from.
    lb_base: [u8; 3],
}

impl Default for Mesh {
    fn default() -> Self {
        Self::new()
    }
}

impl Mesh {
    pub(crate) fn new() -> Self {
        // Each simulated cluster gets its own loopback /24 (127.x.y.0), so that parallel
        // clusters can all serve port 80: a process-wide counter (from a random start, for
        // separate processes) never hands the same /24 out twice in one process.
        static NEXT: std::sync::OnceLock<std::sync::atomic::AtomicU32> = std::sync::OnceLock::new();
        let n = NEXT
            .get_or_init(|| std::sync::atomic::AtomicU32::new(rand::random::<u32>()))
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            % (254 * 256);
        let x = 1 + (n / 256) as u8;
        let y = (n % 256) as u8;
        Self {
            latest: RwLock::new(Arc::new(MeshConfig {
                snapshot: Snapshot::new(Vec::<Arc<Value>>::new()),
                push: istio::compute(
                    &Snapshot::new(Vec::<Arc<Value>>::new()),
                    &Default::default(),
                ),
                version: 0,
                pushed_at: now_rfc3339(),
            })),
            proxies: Mutex::new(HashMap::new()),
            lb_addresses: Mutex::new(HashMap::new()),
            lb_base: [127, x, y],
        }
    }

    pub(crate) fn latest(&self) -> Arc<MeshConfig> {
        self.latest
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The configuration a proxy currently has (the latest one for a proxy istiod has not
    /// pushed to yet: a new proxy gets the current config on connect).
    fn config_of(&self, proxy_id: &str) -> Arc<MeshConfig> {
        let proxies = self.proxies.lock().unwrap_or_else(|e| e.into_inner());
        proxies
            .get(proxy_id)
            .map(|p| p.config.clone())
            .unwrap_or_else(|| self.latest())
    }

    /// The syncz document (`/debug/syncz`).
    pub(crate) fn syncz(&self, cluster: &Cluster) -> Value {
        let proxies = self.proxies.lock().unwrap_or_else(|e| e.into_inner());
        let mut list: Vec<istio::ProxySync> = proxies.values().map(|p| p.sync.clone()).collect();
        list.sort_by(|a, b| a.proxy_id.cmp(&b.proxy_id));
        istio::syncz(&list, &cluster.profile.istio.version)
    }
}

fn key(group: &str, plural: &str) -> ResourceKey {
    ResourceKey::new(group, plural)
}

fn is_istio_image(image: &str) -> bool {
    let path = image.split('@').next().unwrap_or(image);
    let path = path
        .rsplit_once(':')
        .map_or(path, |(p, tag)| if tag.contains('/') { path } else { p });
    path.ends_with("istio/proxyv2") || path.ends_with("istio/pilot")
}

/// Whether the kubelet can run this image: a modelled workload or an Istio component.
pub(crate) fn runnable(image: &str) -> bool {
    super::workload::ImageKind::from_reference(image).is_some() || is_istio_image(image)
}

/// Creates what `istioctl install --set profile=minimal` leaves behind (and the Gateway API
/// CRDs when the profile installs them).
pub(crate) fn install(cluster: &Arc<Cluster>) -> Result<(), ApiError> {
    let profile = &cluster.profile.istio;
    let objects = istio::minimal_install(profile);
    // CRDs first, so that their kinds exist for anything after them.
    let (crds, rest): (Vec<Value>, Vec<Value>) = objects
        .into_iter()
        .partition(|o| o["kind"] == "CustomResourceDefinition");
    for o in crds.into_iter().chain(rest) {
        create_or_keep(cluster, o)?;
    }
    Ok(())
}

fn type_of(cluster: &Cluster, obj: &Value) -> Option<Arc<ResourceType>> {
    cluster.registry().by_kind(
        obj["apiVersion"].as_str().unwrap_or_default(),
        obj["kind"].as_str().unwrap_or_default(),
    )
}

fn create_or_keep(cluster: &Arc<Cluster>, obj: Value) -> Result<(), ApiError> {
    let Some(rt) = type_of(cluster, &obj) else {
        return Err(ApiError::internal(format!("no type for {}", obj["kind"])));
    };
    let ns = obj["metadata"]["namespace"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    match cluster.create(&rt, &ns, obj, Some("istio-operator")) {
        Ok(_) => Ok(()),
        Err(e) if e.code == 409 => Ok(()),
        Err(e) => Err(e),
    }
}

/// The validating webhook (`validation.istio.io`) for Istio's kinds.
pub(crate) fn validate(cluster: &Cluster, rt: &ResourceType, obj: &Value) -> Result<(), ApiError> {
    if !matches!(
        rt.group.as_str(),
        "networking.istio.io" | "security.istio.io" | "telemetry.istio.io"
    ) {
        return Ok(());
    }
    let p = &cluster.profile.istio;
    match istio::validate(obj, &p.version, p) {
        Ok(_warnings) => Ok(()),
        // apiserver webhookerrors.ToStatusErr: the webhook's message, code raised to 400.
        Err(denial) => Err(ApiError {
            code: 400,
            reason: "",
            message: denial.to_string(),
            details: None,
        }),
    }
}

/// The sidecar injector: pods in namespaces labelled `istio-injection=enabled` get an
/// `istio-proxy` container, unless the pod opts out (`sidecar.istio.io/inject: "false"`).
/// (pkg/kube/inject/webhook.go `injectRequired`.)
pub(crate) fn inject(cluster: &Cluster, pod: &mut Value) {
    let ns = pod["metadata"]["namespace"].as_str().unwrap_or_default();
    let Some(namespace) = cluster.store.get(&key("", "namespaces"), "", ns) else {
        return;
    };
    let labels = &namespace["metadata"]["labels"];
    let enabled = labels["istio-injection"] == "enabled"
        || (labels["istio-injection"].is_null() && labels["istio.io/rev"].is_string());
    let opted_out = pod["metadata"]["labels"]["sidecar.istio.io/inject"] == "false"
        || pod["metadata"]["annotations"]["sidecar.istio.io/inject"] == "false";
    let already = pod["spec"]["containers"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["name"] == PROXY_CONTAINER));
    if !enabled || opted_out || already || pod["spec"]["hostNetwork"] == true {
        return;
    }
    let v = cluster.profile.istio.version;
    let image = format!("docker.io/istio/proxyv2:{v}");
    let first = pod["spec"]["containers"][0]["name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let app = pod["metadata"]["labels"]["app"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let version = pod["metadata"]["labels"]["version"]
        .as_str()
        .unwrap_or("latest")
        .to_string();
    if let Some(c) = pod["spec"]["containers"].as_array_mut() {
        c.push(json!({"name": PROXY_CONTAINER, "image": image,
            "args": ["proxy", "sidecar", "--domain", "$(POD_NAMESPACE).svc.cluster.local"],
            "ports": [{"containerPort": 15090, "name": "http-envoy-prom", "protocol": "TCP"}]}));
    }
    let init = json!({"name": "istio-init", "image": image, "args": ["istio-iptables", "-p", "15001", "-z", "15006", "-u", "1337"]});
    match pod["spec"]["initContainers"].as_array_mut() {
        Some(i) => i.push(init),
        None => pod["spec"]["initContainers"] = json!([init]),
    }
    let meta = &mut pod["metadata"];
    meta["annotations"]["kubectl.kubernetes.io/default-container"] = json!(first);
    meta["annotations"]["kubectl.kubernetes.io/default-logs-container"] = json!(first);
    meta["annotations"]["sidecar.istio.io/status"] = json!(
        "{\"initContainers\":[\"istio-init\"],\"containers\":[\"istio-proxy\"],\"volumes\":[\"istio-envoy\",\"istio-data\",\"istio-podinfo\",\"istio-token\",\"istiod-ca-cert\"],\"imagePullSecrets\":null,\"revision\":\"default\"}"
    );
    meta["labels"]["security.istio.io/tlsMode"] = json!("istio");
    if !app.is_empty() {
        meta["labels"]["service.istio.io/canonical-name"] = json!(app);
    }
    meta["labels"]["service.istio.io/canonical-revision"] = json!(version);
}

/// Whether a pod runs an injected sidecar (or is a gateway's Envoy).
pub(crate) fn has_sidecar(pod: &Value) -> bool {
    pod["spec"]["containers"]
        .as_array()
        .is_some_and(|c| c.iter().any(|c| c["name"] == PROXY_CONTAINER))
}

fn gateway_of(pod: &Value) -> Option<String> {
    pod["metadata"]["labels"]["gateway.networking.k8s.io/gateway-name"]
        .as_str()
        .or(pod["metadata"]["labels"][istio::GATEWAY_NAME_LABEL].as_str())
        .map(str::to_string)
}

/// istiod's controller loop: debounce changes, recompute, write back, propagate.
pub(crate) async fn run(cluster: Arc<Cluster>) {
    let mut feed = cluster.store.subscribe();
    recompute(&cluster);
    loop {
        // Wait for a relevant change, then for the debounce window to settle.
        let mut dirty = false;
        while !dirty {
            match feed.recv().await {
                Ok(e) => dirty = watched(&e.key),
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => dirty = true,
                Err(_) => return,
            }
        }
        let debounce = cluster.profile.istio.propagation.debounce();
        let deadline = tokio::time::Instant::now() + debounce;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => break,
                e = feed.recv() => if matches!(e, Err(tokio::sync::broadcast::error::RecvError::Closed)) { return },
            }
        }
        recompute(&cluster);
    }
}

fn snapshot(cluster: &Cluster) -> Snapshot {
    let registry = cluster.registry().clone();
    let mut objects = Vec::new();
    let mut keys: Vec<ResourceKey> = registry.all().map(|t| t.key()).collect();
    keys.sort();
    keys.dedup();
    for k in keys.into_iter().filter(watched) {
        objects.extend(cluster.store.list(&k, None).0);
    }
    Snapshot::new(objects)
}

fn recompute(cluster: &Arc<Cluster>) {
    let profile = &cluster.profile.istio;
    let snap = snapshot(cluster);
    let push = istio::compute(&snap, profile);
    let now = now_rfc3339();
    write_statuses(cluster, &push, &snap, &now);
    deploy_gateways(cluster, &snap);
    ensure_gateway_classes(cluster);
    assign_load_balancers(cluster);
    let mesh = cluster.mesh();
    let version = mesh.latest().version + 1;
    let config = Arc::new(MeshConfig {
        snapshot: snap,
        push,
        version,
        pushed_at: now,
    });
    *mesh.latest.write().unwrap_or_else(|e| e.into_inner()) = config.clone();
    propagate(cluster, config);
}

fn write_statuses(cluster: &Arc<Cluster>, push: &PushContext, snap: &Snapshot, now: &str) {
    for u in istio::statuses(push, snap, now) {
        let Some(rt) = cluster.registry().by_kind(&u.api_version, &u.kind) else {
            continue;
        };
        let Some(cur) = cluster.store.get(&rt.key(), &u.namespace, &u.name) else {
            continue;
        };
        if cur["status"] == u.status {
            continue;
        }
        // The object may have been written through another served version (v1beta1).
        let mut o = rt.present(&cur);
        o["status"] = u.status;
        if let Err(e) = cluster.update(
            &rt,
            &u.namespace,
            &u.name,
            o,
            WriteScope::Status,
            Some(MANAGER),
        ) {
            tracing::warn!(kind = %u.kind, name = %u.name, error = %e, "istiod could not write status");
        }
    }
}

fn deploy_gateways(cluster: &Arc<Cluster>, snap: &Snapshot) {
    for obj in istio::gateway_deployments(snap, &cluster.profile.istio) {
        let Some(rt) = type_of(cluster, &obj) else {
            continue;
        };
        let ns = obj["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let name = obj["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let _ = cluster.patch(
            &rt,
            &ns,
            &name,
            &PatchKind::Apply { force: true },
            &obj,
            WriteScope::Main,
            Some("istio.io/gateway-controller"),
        );
    }
}

fn ensure_gateway_classes(cluster: &Arc<Cluster>) {
    let present = cluster
        .registry()
        .get("gateway.networking.k8s.io", "v1", "gatewayclasses")
        .is_some()
        || cluster
            .registry()
            .get("gateway.networking.k8s.io", "v1beta1", "gatewayclasses")
            .is_some();
    if !present {
        return;
    }
    for gc in istio::gateway_classes(&cluster.profile.istio) {
        let _ = create_or_keep(cluster, gc);
    }
}

/// With a load balancer in the profile, every LoadBalancer Service gets a loopback address in
/// `status.loadBalancer.ingress`, and the host can reach the gateway there.
fn assign_load_balancers(cluster: &Arc<Cluster>) {
    if !cluster.profile.istio.load_balancer {
        return;
    }
    let Some(rt) = cluster.registry().get("", "v1", "services") else {
        return;
    };
    for svc in cluster.store.list(&rt.key(), None).0 {
        if svc["spec"]["type"] != "LoadBalancer"
            || svc["status"]["loadBalancer"]["ingress"].is_array()
        {
            continue;
        }
        let ns = svc["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let name = svc["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let ip = {
            let mesh = cluster.mesh();
            let mut addrs = mesh.lb_addresses.lock().unwrap_or_else(|e| e.into_inner());
            let n = addrs.len() as u8 + 2;
            *addrs.entry(format!("{ns}/{name}")).or_insert_with(|| {
                IpAddr::from([mesh.lb_base[0], mesh.lb_base[1], mesh.lb_base[2], n])
            })
        };
        let ports: Vec<u16> = svc["spec"]["ports"]
            .as_array()
            .map(|p| {
                p.iter()
                    .filter_map(|p| p["port"].as_u64().and_then(|p| u16::try_from(p).ok()))
                    .collect()
            })
            .unwrap_or_default();
        let mut o = (*svc).clone();
        o["status"]["loadBalancer"] = json!({"ingress": [{"ip": ip.to_string(), "ipMode": "VIP"}]});
        if cluster
            .update(
                &rt,
                &ns,
                &name,
                o,
                WriteScope::Status,
                Some("cloud-controller-manager"),
            )
            .is_ok()
        {
            for port in ports {
                tokio::spawn(serve_ingress(
                    cluster.clone(),
                    ns.clone(),
                    name.clone(),
                    SocketAddr::new(ip, port),
                ));
            }
        }
    }
}

/// Schedules the delivery of `config` to every proxy after its delay (never to a stale one).
fn propagate(cluster: &Arc<Cluster>, config: Arc<MeshConfig>) {
    let Some(pod_rt) = cluster.registry().get("", "v1", "pods") else {
        return;
    };
    let profile = &cluster.profile.istio;
    let mesh = cluster.mesh();
    let pods = cluster.store.list(&pod_rt.key(), None).0;
    let mut proxies = mesh.proxies.lock().unwrap_or_else(|e| e.into_inner());
    let mut live = std::collections::HashSet::new();
    for pod in pods
        .iter()
        .filter(|p| has_sidecar(p) && p["status"]["phase"] == "Running")
    {
        let ns = pod["metadata"]["namespace"].as_str().unwrap_or_default();
        let name = pod["metadata"]["name"].as_str().unwrap_or_default();
        let id = format!("{name}.{ns}");
        live.insert(id.clone());
        let nonce = cluster.with_rng(|r| istio::nonce(&config.pushed_at, config.version, r));
        let proxy_type = if gateway_of(pod).is_some() {
            "router"
        } else {
            "sidecar"
        };
        let fresh = !proxies.contains_key(&id);
        let view = proxies.entry(id.clone()).or_insert_with(|| ProxyView {
            config: config.clone(),
            sync: istio::ProxySync {
                proxy_id: id.clone(),
                proxy_type: proxy_type.to_string(),
                xds: Default::default(),
            },
        });
        for x in view.sync.xds.iter_mut() {
            x.nonce_sent = nonce.clone();
            x.last_sent = config.pushed_at.clone();
            if fresh {
                // A proxy that connects now gets the current config at once.
                x.nonce_acked = nonce.clone();
            }
        }
        if fresh {
            continue;
        }
        let delay = if profile.is_stale_proxy(ns, name) {
            None
        } else {
            cluster.with_rng(|r| profile.propagation.delivery_delay(r))
        };
        let Some(delay) = delay else { continue };
        let (cluster, config, id, nonce) =
            (cluster.clone(), config.clone(), id.clone(), nonce.clone());
        tokio::spawn(async move {
            tokio::time::sleep(delay.saturating_sub(profile_debounce(&cluster))).await;
            let mesh = cluster.mesh();
            let mut proxies = mesh.proxies.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(view) = proxies.get_mut(&id) {
                // Only if nothing newer was delivered meanwhile.
                if view.config.version < config.version {
                    view.config = config.clone();
                }
                for x in view.sync.xds.iter_mut() {
                    if x.nonce_sent == nonce {
                        x.nonce_acked = nonce.clone();
                    }
                }
            }
        });
    }
    proxies.retain(|id, _| live.contains(id));
}

/// The debounce was already waited for before the recompute.
fn profile_debounce(cluster: &Cluster) -> Duration {
    cluster.profile.istio.propagation.debounce()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn response(
    status: u16,
    body: impl Into<Bytes>,
    headers: Vec<(String, String)>,
) -> InboundResponse {
    InboundResponse {
        status,
        reason: None,
        headers,
        body: body.into(),
        http_version: HttpVersion::Http11,
        remote_addr: None,
        local_addr: None,
    }
}

/// Routes a request from a pod (through its sidecar when it has one), or arriving at a gateway.
pub(crate) async fn route_request(
    cluster: &Arc<Cluster>,
    origin: Origin,
    proxy_id: Option<String>,
    client_ns: &str,
    req: &OutboundRequest,
    client: &Value,
) -> Result<InboundResponse, NetError> {
    let mesh = cluster.mesh();
    let config = match &proxy_id {
        Some(id) => mesh.config_of(id),
        None => mesh.latest(),
    };
    let (host, port) = match &req.connect_to {
        Some(t) => (t.host.clone(), t.port),
        None => (req.host.clone(), req.port),
    };
    let target = match &origin {
        Origin::GatewayProxy {
            namespace,
            gateway_name,
        } => Target::Gateway {
            namespace: namespace.clone(),
            name: gateway_name.clone(),
            port,
        },
        _ => istio::resolve_host(&config.snapshot, client_ns, &host, port)
            .ok_or_else(|| NetError::ResolveHost(host.clone()))?,
    };
    let authority = header(&req.headers, "host").unwrap_or(&host).to_string();
    let head = RequestHead {
        authority,
        target,
        method: req.method.clone(),
        path: req.path_and_query.clone(),
        headers: req.headers.clone(),
    };
    let decision = cluster.with_rng(|r| istio::route(&config.push, &origin, &head, r));
    match decision {
        Decision::Abort {
            status,
            body,
            headers,
            delay,
        } => {
            if let Some(d) = delay {
                tokio::time::sleep(d).await;
            }
            Ok(response(status, body, headers))
        }
        Decision::Direct {
            status,
            body,
            headers,
        } => Ok(response(status, body, headers)),
        Decision::NoRoute { headers } => Ok(response(404, Bytes::new(), headers)),
        Decision::ClusterNotFound { headers } => Ok(response(503, Bytes::new(), headers)),
        Decision::NoHealthyUpstream { headers } => {
            Ok(response(503, istio::NO_HEALTHY_UPSTREAM, headers))
        }
        Decision::ConnectionRefused => Err(NetError::ConnectionRefused),
        Decision::Forward(f) => {
            if let Some(d) = f.delay {
                tokio::time::sleep(d).await;
            }
            let Some(pod_rt) = cluster.registry().get("", "v1", "pods") else {
                return Err(NetError::ConnectionRefused);
            };
            let Some(pod) = cluster.store.get(&pod_rt.key(), &f.pod.0, &f.pod.1) else {
                return Ok(response(
                    503,
                    istio::NO_HEALTHY_UPSTREAM,
                    vec![("server".into(), "envoy".into())],
                ));
            };
            let mut forwarded = req.clone();
            forwarded.path_and_query = f.path.clone();
            let mut headers = req.headers.clone();
            headers.retain(|(k, _)| !k.eq_ignore_ascii_case("host"));
            headers.insert(0, ("host".into(), f.authority.clone()));
            f.request_edits.apply(&mut headers);
            forwarded.headers = headers;
            let started = std::time::Instant::now();
            let mut resp =
                super::network::deliver(cluster, &pod, f.port, &forwarded, client).await?;
            f.response_edits.apply(&mut resp.headers);
            if let istio::ServerHeader::Overwrite(v) = f.server {
                resp.headers
                    .retain(|(k, _)| !k.eq_ignore_ascii_case("server"));
                resp.headers.push(("server".into(), v.into()));
            }
            if f.upstream_service_time {
                resp.headers.push((
                    "x-envoy-upstream-service-time".into(),
                    started.elapsed().as_millis().to_string(),
                ));
            }
            Ok(resp)
        }
    }
}

/// The host-side listener of a LoadBalancer Service's address: requests go to the gateway's
/// Envoy, as a load balancer in front of kind would send them.
async fn serve_ingress(cluster: Arc<Cluster>, ns: String, svc: String, addr: SocketAddr) {
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(%addr, error = %e, "cannot serve the load balancer address");
            return;
        }
    };
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            // The listener (and its Arc on the cluster) goes with the cluster.
            _ = cluster.stopped() => return,
        };
        let Ok((tcp, peer)) = accepted else {
            continue;
        };
        let (cluster, ns, svc) = (cluster.clone(), ns.clone(), svc.clone());
        tokio::spawn(async move {
            let service =
                hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let (cluster, ns, svc) = (cluster.clone(), ns.clone(), svc.clone());
                    async move {
                        let out = ingress(&cluster, &ns, &svc, addr, peer, req).await;
                        Ok::<_, std::convert::Infallible>(out)
                    }
                });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(tcp), service)
                .await;
        });
    }
}

async fn ingress(
    cluster: &Arc<Cluster>,
    ns: &str,
    svc: &str,
    addr: SocketAddr,
    _peer: SocketAddr,
    req: http::Request<hyper::body::Incoming>,
) -> http::Response<http_body_util::Full<Bytes>> {
    use http_body_util::BodyExt;
    let service = cluster.store.get(&key("", "services"), ns, svc);
    let gateway = service
        .as_ref()
        .and_then(|s| {
            s["metadata"]["labels"]["gateway.networking.k8s.io/gateway-name"]
                .as_str()
                .or(s["metadata"]["labels"][istio::GATEWAY_NAME_LABEL].as_str())
        })
        .unwrap_or(svc)
        .to_string();
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let headers = super::network::header_list(&parts.headers);
    let out = OutboundRequest {
        scheme: "http".into(),
        host: addr.ip().to_string(),
        port: addr.port(),
        method: parts.method.to_string(),
        path_and_query: parts
            .uri
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_else(|| "/".into()),
        headers,
        body,
        connect_to: None,
        connection: Default::default(),
    };
    let origin = Origin::GatewayProxy {
        namespace: ns.to_string(),
        gateway_name: gateway.clone(),
    };
    let proxy_id = gateway_proxy_id(cluster, ns, &gateway);
    let result = route_request(cluster, origin, proxy_id, ns, &out, &Value::Null).await;
    let resp = match result {
        Ok(r) => r,
        Err(_) => response(
            503,
            "upstream connect error or disconnect/reset before headers. reset reason: connection failure",
            vec![("server".into(), "istio-envoy".into())],
        ),
    };
    let mut b = http::Response::builder().status(resp.status);
    for (k, v) in &resp.headers {
        if k.eq_ignore_ascii_case("content-length") || k.eq_ignore_ascii_case("transfer-encoding") {
            continue;
        }
        b = b.header(k.as_str(), v.as_str());
    }
    b.body(http_body_util::Full::new(resp.body))
        .unwrap_or_else(|_| http::Response::new(http_body_util::Full::new(Bytes::new())))
}

/// The proxy id of a running pod of the gateway, if any.
fn gateway_proxy_id(cluster: &Cluster, ns: &str, gateway: &str) -> Option<String> {
    cluster
        .store
        .list(&key("", "pods"), Some(ns))
        .0
        .iter()
        .find(|p| gateway_of(p).as_deref() == Some(gateway) && p["status"]["phase"] == "Running")
        .map(|p| {
            format!(
                "{}.{ns}",
                p["metadata"]["name"].as_str().unwrap_or_default()
            )
        })
}

/// istiod's debug endpoints on its monitoring port (15014): `/debug/syncz`, `/debug/configz`.
pub(crate) fn istiod_debug(cluster: &Cluster, path: &str) -> (u16, Value) {
    let mesh = cluster.mesh();
    match path.split('?').next().unwrap_or_default() {
        "/debug/syncz" => (200, mesh.syncz(cluster)),
        "/debug/configz" => {
            let c = mesh.latest();
            (200, istio::configz(&c.push, &c.snapshot))
        }
        "/ready" => (200, json!({})),
        _ => (404, json!({"error": "not found"})),
    }
}

/// Whether `pod` is istiod.
pub(crate) fn is_istiod(pod: &Value) -> bool {
    pod["metadata"]["namespace"] == "istio-system" && pod["metadata"]["labels"]["app"] == "istiod"
}

/// Whether `pod` is a gateway's Envoy, and the Gateway it serves.
pub(crate) fn gateway_pod(pod: &Value) -> Option<String> {
    gateway_of(pod)
}
