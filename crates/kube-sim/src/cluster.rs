//! The simulated cluster's shared state: the store, the served resource types, the profile, and
//! the random source every simulated choice draws from.

use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use rand::SeedableRng;
use rand::rngs::StdRng;

use std::sync::atomic::{AtomicU32, Ordering};

use super::faults::FaultCounters;
use super::kubelet::LogBook;
use super::mesh::Mesh;
use super::profile::SimProfile;
use super::registry::Registry;
use super::store::Store;

/// Everything the API server and the controllers share.
pub(crate) struct Cluster {
    pub store: Store,
    registry: RwLock<Registry>,
    pub profile: SimProfile,
    rng: Mutex<StdRng>,
    logs: LogBook,
    next_pod_ip: AtomicU32,
    ca_pem: String,
    mesh: Mesh,
    /// Turns true when the cluster stops; long-lived tasks (load-balancer listeners) end then.
    stop: tokio::sync::watch::Sender<bool>,
    faults: FaultCounters,
}

impl Cluster {
    /// A cluster with only the built-in kinds and no objects; `ca_pem` is the CA that signed the
    /// API server's certificate (published in every namespace as `kube-root-ca.crt`).
    pub(crate) fn new(profile: SimProfile, ca_pem: String) -> Arc<Self> {
        let rng = StdRng::seed_from_u64(profile.seed);
        Arc::new(Self {
            store: Store::new(),
            registry: RwLock::new(Registry::builtin()),
            profile,
            rng: Mutex::new(rng),
            logs: LogBook::default(),
            next_pod_ip: AtomicU32::new(0),
            ca_pem,
            mesh: Mesh::new(),
            stop: tokio::sync::watch::channel(false).0,
            faults: FaultCounters::default(),
        })
    }

    pub(crate) fn registry(&self) -> RwLockReadGuard<'_, Registry> {
        self.registry.read().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn registry_mut(&self) -> RwLockWriteGuard<'_, Registry> {
        self.registry.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` with the cluster's seeded random source.
    pub(crate) fn with_rng<T>(&self, f: impl FnOnce(&mut StdRng) -> T) -> T {
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut rng)
    }

    /// A random suffix from Kubernetes' name alphabet (no vowels, no confusable digits;
    /// apimachinery util/rand.String), as used for generateName and pod names.
    pub(crate) fn name_suffix(&self, len: usize) -> String {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        self.with_rng(|rng| {
            use rand::Rng;
            (0..len)
                .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
                .collect()
        })
    }

    /// Asks every long-lived task of the cluster to end.
    pub(crate) fn stop(&self) {
        let _ = self.stop.send(true);
    }

    /// Resolves when the cluster stops.
    pub(crate) async fn stopped(&self) {
        let mut rx = self.stop.subscribe();
        let _ = rx.wait_for(|stopped| *stopped).await;
    }

    /// Istio's state: the latest config, what each proxy has, load-balancer addresses.
    pub(crate) fn mesh(&self) -> &Mesh {
        &self.mesh
    }

    pub(crate) fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// What the chaos profile injected so far.
    pub(crate) fn faults(&self) -> &FaultCounters {
        &self.faults
    }

    /// Container logs of every pod.
    pub(crate) fn logs(&self) -> &LogBook {
        &self.logs
    }

    /// The next pod IP from kind's pod CIDR (10.244.0.0/16).
    pub(crate) fn allocate_pod_ip(&self) -> String {
        let n = self.next_pod_ip.fetch_add(1, Ordering::Relaxed) % 65_000 + 2;
        format!("10.244.{}.{}", n / 256, n % 256)
    }
}
