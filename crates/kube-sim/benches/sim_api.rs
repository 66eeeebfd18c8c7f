//! Throughput, memory and start-up of the simulated API server, on loopback over TLS with the
//! admin client certificate, as kubectl and kube-rs use it.
//!
//! `cargo bench --bench sim_api [-- --objects 5000 --seconds 5 --concurrency 8]`
//!
//! Baselines run in the same process: `/healthz` (TLS + HTTP with no store work) for GET, and
//! a plain POST create for server-side apply; the ratios say what the store and the apply
//! engine cost on top.

use std::time::{Duration, Instant};

use kube_sim::{SimCluster, SimProfile};

struct Args {
    objects: usize,
    seconds: u64,
    concurrency: usize,
}

fn args() -> Args {
    let mut a = Args {
        objects: 5000,
        seconds: 5,
        concurrency: 8,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        match flag.as_str() {
            "--objects" => a.objects = value() as usize,
            "--seconds" => a.seconds = value(),
            "--concurrency" => a.concurrency = value() as usize,
            _ => {} // cargo bench passes --bench
        }
    }
    a
}

fn rss_mib() -> f64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: f64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0.0);
    pages * 4096.0 / (1024.0 * 1024.0)
}

fn client(identity_pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .identity(reqwest::Identity::from_pem(identity_pem.as_bytes()).unwrap())
        .pool_max_idle_per_host(64)
        .build()
        .unwrap()
}

/// Requests per second of `urls` (cycled) from `concurrency` keep-alive clients for `secs`.
async fn get_rate(c: &reqwest::Client, urls: &[String], concurrency: usize, secs: u64) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let c = c.clone();
        let urls = urls.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            let mut i = w;
            while Instant::now() < deadline {
                let r = c.get(&urls[i % urls.len()]).send().await.unwrap();
                assert!(r.status().is_success(), "{}", r.status());
                r.bytes().await.unwrap();
                n += 1;
                i += concurrency;
            }
            n
        }));
    }
    let mut total = 0;
    for t in tasks {
        total += t.await.unwrap();
    }
    total as f64 / secs as f64
}

async fn write_rate(
    c: &reqwest::Client,
    base: &str,
    n: usize,
    concurrency: usize,
    apply: bool,
    prefix: &str,
) -> f64 {
    let t0 = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let c = c.clone();
        let base = base.to_string();
        let prefix = prefix.to_string();
        tasks.push(tokio::spawn(async move {
            let mut i = w;
            while i < n {
                let name = format!("{prefix}-{i}");
                let body = serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": name, "labels": {"bench": "yes", "index": i.to_string()}},
                    "data": {"key": "value", "index": i.to_string()}});
                let r = if apply {
                    c.patch(format!("{base}/api/v1/namespaces/default/configmaps/{name}?fieldManager=bench&force=true"))
                        .header("Content-Type", "application/apply-patch+yaml")
                        .body(body.to_string())
                        .send()
                        .await
                        .unwrap()
                } else {
                    c.post(format!("{base}/api/v1/namespaces/default/configmaps?fieldManager=bench"))
                        .header("Content-Type", "application/json")
                        .body(body.to_string())
                        .send()
                        .await
                        .unwrap()
                };
                assert!(r.status().is_success(), "{}", r.text().await.unwrap_or_default());
                i += concurrency;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    n as f64 / t0.elapsed().as_secs_f64()
}

fn main() {
    let a = args();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // Start-up: the time from the call to a server ready to answer, over 20 starts.
        let mut startups = Vec::new();
        for _ in 0..20 {
            let t0 = Instant::now();
            let s = SimCluster::start(SimProfile::default(), "127.0.0.1:0".parse().unwrap())
                .await
                .unwrap();
            startups.push(t0.elapsed());
            s.shutdown().await;
        }
        startups.sort();
        let median = startups[startups.len() / 2];

        let rss_before = rss_mib();
        let sim = SimCluster::start(SimProfile::default(), "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let base = format!("https://{}", sim.addr());
        let c = client(&sim.admin_identity_pem());
        let half = a.objects / 2;
        let create = write_rate(&c, &base, half, a.concurrency, false, "created").await;
        let ssa = write_rate(&c, &base, a.objects - half, a.concurrency, true, "applied").await;
        let ssa_again =
            write_rate(&c, &base, a.objects - half, a.concurrency, true, "applied").await;
        let rss_after = rss_mib();

        let health = get_rate(&c, &[format!("{base}/healthz")], a.concurrency, a.seconds).await;
        let objects: Vec<String> = (0..half)
            .step_by(7)
            .map(|i| format!("{base}/api/v1/namespaces/default/configmaps/created-{i}"))
            .collect();
        let get = get_rate(&c, &objects, a.concurrency, a.seconds).await;
        let list_t0 = Instant::now();
        let list: serde_json::Value = c
            .get(format!(
                "{base}/api/v1/namespaces/default/configmaps?labelSelector=bench%3Dyes"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let list_time = list_t0.elapsed();

        println!(
            "simulated API server, {} objects, {} clients, {} s per rate",
            a.objects, a.concurrency, a.seconds
        );
        println!(
            "start-up (median of 20):        {:>9.2} ms   (target < 100 ms)",
            median.as_secs_f64() * 1e3
        );
        println!("GET /healthz (baseline):        {:>9.0} req/s", health);
        println!(
            "GET one object:                 {:>9.0} req/s   ({:.2}x the baseline; target >= 5000)",
            get,
            get / health
        );
        println!("POST create (baseline):         {:>9.0} req/s", create);
        println!(
            "server-side apply, create:      {:>9.0} req/s   ({:.2}x create)",
            ssa,
            ssa / create
        );
        println!(
            "server-side apply, no change:   {:>9.0} req/s   ({:.2}x create)",
            ssa_again,
            ssa_again / create
        );
        println!(
            "LIST {} objects by label:     {:>9.1} ms",
            list["items"].as_array().map_or(0, Vec::len),
            list_time.as_secs_f64() * 1e3
        );
        println!(
            "RSS with {} objects:          {:>9.1} MiB ({:+.1} MiB for the objects)",
            a.objects,
            rss_after,
            rss_after - rss_before
        );
    });
}
