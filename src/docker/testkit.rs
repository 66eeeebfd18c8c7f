//! Test-only fixtures against the real engine: a busybox "kind node" image built from a rootfs
//! tarball made here, containers labelled like kind nodes, and a guard that removes everything
//! a test made (by a per-run label) even when the test panics.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use bollard::models::{ContainerCreateBody, Ipam, IpamConfig, NetworkCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, ListContainersOptionsBuilder,
    ListImagesOptionsBuilder, ListNetworksOptionsBuilder, ListVolumesOptionsBuilder,
    RemoveContainerOptionsBuilder, RemoveImageOptionsBuilder, RemoveVolumeOptions,
    StartContainerOptions,
};
use futures::TryStreamExt;
use rand::Rng;

use super::Docker;
use super::nodes::{CLUSTER_LABEL, ROLE_LABEL};

/// Every object a test run creates carries `harness.test/run=<run id>`; cleanup removes by it.
pub(super) const RUN_LABEL: &str = "harness.test/run";

/// Debian's static busybox (package busybox-static), the only binary in the test images.
const BUSYBOX: &str = "/bin/busybox";

/// Applets linked into /bin of the node image.
const APPLETS: &[&str] = &[
    "sh", "cat", "echo", "sleep", "wc", "head", "test", "[", "printf", "mkdir", "ls", "rm", "true",
    "false", "env",
];

/// Stand-in for containerd's `ctr`: records its argv (one per line, argv[0] as its basename)
/// and how many bytes came on stdin, so tests can check what the preload sent.
const CTR_STANDIN: &str = r#"#!/bin/sh
{ printf '%s\n' "${0##*/}"; for a in "$@"; do printf '%s\n' "$a"; done; } > /tmp/ctr.argv
wc -c > /tmp/ctr.stdin-bytes
echo "unpacking (test stand-in)...done"
"#;

/// Stand-in for `crictl`: `inspecti` finds an image only when the test seeded its ID.
const CRICTL_STANDIN: &str = r#"#!/bin/sh
if [ "$1" = inspecti ] && [ -s /etc/harness-crictl-id ]; then
  printf '{"status":{"id":"%s"}}\n' "$(cat /etc/harness-crictl-id)"
  exit 0
fi
echo "no such image \"$2\" present" >&2
exit 1
"#;

/// Stand-in for `containerd config dump`, answering like a kind node with config version 2.
const CONTAINERD_STANDIN: &str = r#"#!/bin/sh
if [ "$1" = config ] && [ "$2" = dump ]; then
  printf 'version = 2\n\n[plugins]\n  [plugins."io.containerd.grpc.v1.cri".containerd]\n    snapshotter = "overlayfs"\n'
  exit 0
fi
exit 1
"#;

/// One test's handle: a connected client and the run id its objects are labelled with.
pub(super) struct TestRun {
    pub docker: Docker,
    pub id: String,
    counter: AtomicUsize,
}

impl TestRun {
    /// Connects, or prints why the test is skipped and returns `None`.
    pub(super) async fn start(test: &str) -> Option<TestRun> {
        if !std::path::Path::new(BUSYBOX).exists() {
            eprintln!("SKIPPED: {test}: {BUSYBOX} missing (apt-get install busybox-static)");
            return None;
        }
        let docker = match Docker::connect().await {
            Ok(d) => d,
            Err(e) => {
                eprintln!("SKIPPED: {test}: Docker unreachable: {e}");
                return None;
            }
        };
        let suffix: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(8)
            .map(|c| char::from(c).to_ascii_lowercase())
            .collect();
        Some(TestRun {
            docker,
            id: format!("{test}-{suffix}"),
            counter: AtomicUsize::new(0),
        })
    }

    fn label(&self) -> String {
        format!("{RUN_LABEL}={}", self.id)
    }

    fn next(&self) -> usize {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    /// A kind cluster name unique to this run.
    pub(super) fn cluster_name(&self) -> String {
        format!("htest-{}", self.id)
    }

    /// The busybox "node" image with ctr/crictl/containerd stand-ins; returns its reference.
    pub(super) async fn node_image(&self) -> String {
        let busybox = std::fs::read(BUSYBOX).expect("read busybox");
        let mut rootfs = Rootfs::new();
        for dir in [
            "bin/",
            "etc/",
            "tmp/",
            "usr/",
            "usr/local/",
            "usr/local/bin/",
        ] {
            rootfs.dir(dir, if dir == "tmp/" { 0o1777 } else { 0o755 });
        }
        rootfs.file("bin/busybox", 0o755, &busybox);
        for applet in APPLETS {
            rootfs.symlink(&format!("bin/{applet}"), "busybox");
        }
        rootfs.file("usr/local/bin/ctr", 0o755, CTR_STANDIN.as_bytes());
        rootfs.file("usr/local/bin/crictl", 0o755, CRICTL_STANDIN.as_bytes());
        rootfs.file(
            "usr/local/bin/containerd",
            0o755,
            CONTAINERD_STANDIN.as_bytes(),
        );
        self.import("harness-test-node", rootfs.finish()).await
    }

    /// A second, tiny image to preload; returns its reference.
    pub(super) async fn payload_image(&self) -> String {
        let mut rootfs = Rootfs::new();
        rootfs.file(
            "hello.txt",
            0o644,
            format!("payload {}\n", self.id).as_bytes(),
        );
        self.import("harness-test-payload", rootfs.finish()).await
    }

    /// `docker import` of a rootfs tarball (bollard's create_image with fromSrc=-), labelled
    /// with the run label so cleanup finds it.
    async fn import(&self, repo: &str, tarball: Vec<u8>) -> String {
        let options = CreateImageOptionsBuilder::default()
            .from_src("-")
            .repo(repo)
            .tag(&self.id)
            .changes(vec![
                format!("LABEL {}", self.label()),
                "ENV PATH=/usr/local/bin:/bin".to_string(),
            ])
            .build();
        self.docker
            .api()
            .create_image(
                Some(options),
                Some(bollard::body_full(tarball.into())),
                None,
            )
            .try_collect::<Vec<_>>()
            .await
            .expect("import test image");
        format!("{repo}:{}", self.id)
    }

    /// Starts a container labelled like a kind node of `cluster`, idling in `sleep`.
    pub(super) async fn run_node(&self, image: &str, cluster: &str, role: &str) -> String {
        let name = format!("{cluster}-{role}");
        let labels = HashMap::from([
            (CLUSTER_LABEL.to_string(), cluster.to_string()),
            (ROLE_LABEL.to_string(), role.to_string()),
        ]);
        self.create_and_start(&name, image, &["sleep", "3600"], labels)
            .await
    }

    /// Starts a plain labelled container running `cmd`.
    pub(super) async fn run_container(&self, image: &str, cmd: &[&str]) -> String {
        let name = format!("htest-{}-{}", self.id, self.next());
        self.create_and_start(&name, image, cmd, HashMap::new())
            .await
    }

    async fn create_and_start(
        &self,
        name: &str,
        image: &str,
        cmd: &[&str],
        mut labels: HashMap<String, String>,
    ) -> String {
        labels.insert(RUN_LABEL.to_string(), self.id.clone());
        let body = ContainerCreateBody {
            image: Some(image.to_string()),
            cmd: Some(cmd.iter().map(|c| c.to_string()).collect()),
            labels: Some(labels),
            ..Default::default()
        };
        let options = CreateContainerOptionsBuilder::default().name(name).build();
        self.docker
            .api()
            .create_container(Some(options), body)
            .await
            .expect("create container");
        self.docker
            .api()
            .start_container(name, None::<StartContainerOptions>)
            .await
            .expect("start container");
        name.to_string()
    }

    /// A labelled bridge network with a random /28 from the documentation ranges
    /// (RFC 5737), so parallel runs rarely collide; returns its name.
    pub(super) async fn create_network(&self) -> (String, String) {
        let (base, block) = if rand::rng().random_bool(0.5) {
            ("198.51.100", rand::rng().random_range(0..16u8))
        } else {
            ("203.0.113", rand::rng().random_range(0..16u8))
        };
        let subnet = format!("{base}.{}/28", block * 16);
        let name = format!("htest-{}-{}", self.id, self.next());
        let request = NetworkCreateRequest {
            name: name.clone(),
            driver: Some("bridge".into()),
            labels: Some(HashMap::from([(RUN_LABEL.to_string(), self.id.clone())])),
            ipam: Some(Ipam {
                config: Some(vec![IpamConfig {
                    subnet: Some(subnet.clone()),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
            ..Default::default()
        };
        self.docker
            .api()
            .create_network(request)
            .await
            .expect("create network");
        (name, subnet)
    }

    /// A file's text from inside a container.
    pub(super) async fn read_file(&self, container: &str, path: &str) -> String {
        let out = self
            .docker
            .exec(container, &["cat", path], None::<&[u8]>)
            .await
            .expect("exec cat");
        assert!(out.success(), "cat {path} in {container}: {out:?}");
        out.stdout_lossy()
    }
}

impl Drop for TestRun {
    /// Removes the run's objects on a thread with its own runtime: Drop cannot await, and it
    /// also runs while a failed assertion unwinds.
    fn drop(&mut self) {
        let id = self.id.clone();
        let outcome = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(cleanup(&id))
        })
        .join();
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("test cleanup of run {}: {e}", self.id),
            Err(_) => eprintln!("test cleanup of run {} panicked", self.id),
        }
    }
}

/// Removes containers (with their anonymous volumes), networks, volumes and images labelled
/// with run `id`, in that order since each holds the next.
async fn cleanup(id: &str) -> Result<(), String> {
    let docker = Docker::connect().await.map_err(|e| e.to_string())?;
    let api = docker.api();
    let label = format!("{RUN_LABEL}={id}");
    let filters = HashMap::from([("label", vec![label.as_str()])]);
    let mut problems = Vec::new();

    let containers = api
        .list_containers(Some(
            ListContainersOptionsBuilder::default()
                .all(true)
                .filters(&filters)
                .build(),
        ))
        .await
        .map_err(|e| e.to_string())?;
    for c in containers {
        let Some(cid) = c.id else { continue };
        let options = RemoveContainerOptionsBuilder::default()
            .force(true)
            .v(true)
            .build();
        if let Err(e) = api.remove_container(&cid, Some(options)).await {
            problems.push(format!("container {cid}: {e}"));
        }
    }

    let networks = api
        .list_networks(Some(
            ListNetworksOptionsBuilder::default()
                .filters(&filters)
                .build(),
        ))
        .await
        .map_err(|e| e.to_string())?;
    for n in networks {
        let Some(name) = n.name else { continue };
        if let Err(e) = api.remove_network(&name).await {
            problems.push(format!("network {name}: {e}"));
        }
    }

    let volumes = api
        .list_volumes(Some(
            ListVolumesOptionsBuilder::default()
                .filters(&filters)
                .build(),
        ))
        .await
        .map_err(|e| e.to_string())?;
    for v in volumes.volumes.unwrap_or_default() {
        if let Err(e) = api
            .remove_volume(&v.name, None::<RemoveVolumeOptions>)
            .await
        {
            problems.push(format!("volume {}: {e}", v.name));
        }
    }

    let images = api
        .list_images(Some(
            ListImagesOptionsBuilder::default()
                .all(true)
                .filters(&filters)
                .build(),
        ))
        .await
        .map_err(|e| e.to_string())?;
    for image in images {
        let options = RemoveImageOptionsBuilder::default().force(true).build();
        if let Err(e) = api.remove_image(&image.id, Some(options), None).await {
            problems.push(format!("image {}: {e}", image.id));
        }
    }

    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// An in-memory rootfs tarball (test images are a few MB at most).
struct Rootfs {
    builder: tar::Builder<Vec<u8>>,
}

impl Rootfs {
    fn new() -> Rootfs {
        Rootfs {
            builder: tar::Builder::new(Vec::new()),
        }
    }

    fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(kind);
        header.set_mode(mode);
        header.set_size(size);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(1_700_000_000);
        header
    }

    fn dir(&mut self, path: &str, mode: u32) {
        let mut header = Self::header(tar::EntryType::Directory, mode, 0);
        self.builder
            .append_data(&mut header, path, std::io::empty())
            .expect("tar dir");
    }

    fn file(&mut self, path: &str, mode: u32, data: &[u8]) {
        let mut header = Self::header(tar::EntryType::Regular, mode, data.len() as u64);
        self.builder
            .append_data(&mut header, path, data)
            .expect("tar file");
    }

    fn symlink(&mut self, path: &str, target: &str) {
        let mut header = Self::header(tar::EntryType::Symlink, 0o777, 0);
        self.builder
            .append_link(&mut header, path, target)
            .expect("tar symlink");
    }

    fn finish(self) -> Vec<u8> {
        self.builder.into_inner().expect("tar finish")
    }
}
