//! The seed blog's way of sampling (one `kubectl exec ... curl` per request) against one exec
//! that runs curl over a batch of requests read from stdin, both against the simulated cluster.
//!
//! `cargo bench --bench batch_vs_exec [-- --requests 100]`
//!
//! Needs kubectl on PATH (prints why and exits 0 otherwise). Pod start and per-request server
//! time are set to zero, so the numbers are the transport's overhead.

use std::process::Stdio;
use std::time::Instant;

use tokio::io::AsyncWriteExt;

fn requests() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.windows(2)
        .find(|w| w[0] == "--requests")
        .and_then(|w| w[1].parse().ok())
        .unwrap_or(100)
}

fn kubectl() -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join("kubectl"))
        .find(|p| p.is_file())
}

async fn kubectl_run(
    bin: &std::path::Path,
    env: &[(&str, &std::path::Path)],
    args: &[&str],
    stdin: Option<&[u8]>,
) -> String {
    let mut c = tokio::process::Command::new(bin);
    for (k, v) in env {
        c.env(k, v);
    }
    c.args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    if stdin.is_some() {
        c.stdin(Stdio::piped());
    }
    let mut child = c.spawn().expect("kubectl runs");
    if let Some(bytes) = stdin {
        let mut s = child.stdin.take().unwrap();
        s.write_all(bytes).await.unwrap();
        drop(s);
    }
    let out = child.wait_with_output().await.unwrap();
    assert!(
        out.status.success(),
        "kubectl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn main() {
    let Some(bin) = kubectl() else {
        println!("SKIPPED batch_vs_exec: no kubectl on PATH");
        return;
    };
    let n = requests();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let sim = kube_sim::testing::TestCluster::start().await;
        let kc = sim.kubeconfig();
        let cache = sim.dir().join("cache");
        let env = [
            ("KUBECONFIG", kc.as_path()),
            ("KUBECACHEDIR", cache.as_path()),
        ];
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        kubectl_run(&bin, &env, &["create", "namespace", "sample"], None).await;
        kubectl_run(
            &bin,
            &env,
            &["label", "namespace", "sample", "istio-injection=enabled"],
            None,
        )
        .await;
        for f in ["helloworld.yaml", "sleep.yaml"] {
            let p = root.join("fixtures/apps").join(f);
            kubectl_run(
                &bin,
                &env,
                &["apply", "-n", "sample", "-f", p.to_str().unwrap()],
                None,
            )
            .await;
        }
        kubectl_run(
            &bin,
            &env,
            &[
                "wait",
                "-n",
                "sample",
                "--for=condition=Available",
                "deployment",
                "--all",
                "--timeout=60s",
            ],
            None,
        )
        .await;
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;

        let url = "http://helloworld.sample:5000/hello";
        let exec = [
            "exec",
            "-n",
            "sample",
            "-c",
            "sleep",
            "deployment/sleep",
            "--",
        ];
        // The blog's loop: one kubectl process and one exec per request.
        let t0 = Instant::now();
        let mut ok = 0;
        for _ in 0..n {
            let mut args = exec.to_vec();
            args.extend(["curl", "-s", url]);
            ok += usize::from(
                kubectl_run(&bin, &env, &args, None)
                    .await
                    .contains("Hello version"),
            );
        }
        let per_request = t0.elapsed();
        assert_eq!(ok, n);

        // One exec, curl reading a config of n requests from stdin (no shell anywhere).
        let config: String = (0..n)
            .map(|i| {
                format!(
                    "{}url = \"{url}\"\nwrite-out = \"\\n\"\n",
                    if i == 0 { "" } else { "next\n" }
                )
            })
            .collect();
        let t1 = Instant::now();
        let mut args = vec!["exec", "-i"];
        args.extend(&exec[1..]);
        args.extend(["curl", "-s", "-K", "-"]);
        let out = kubectl_run(&bin, &env, &args, Some(config.as_bytes())).await;
        let batch = t1.elapsed();
        assert_eq!(out.matches("Hello version").count(), n);

        println!(
            "{n} requests from the sleep pod, simulated cluster, kubectl {}",
            bin.display()
        );
        println!(
            "one kubectl exec per request (the blog): {:>8.1} ms  ({:.1} ms/request)",
            per_request.as_secs_f64() * 1e3,
            per_request.as_secs_f64() * 1e3 / n as f64
        );
        println!(
            "one exec, curl batch from stdin:         {:>8.1} ms  ({:.2} ms/request)",
            batch.as_secs_f64() * 1e3,
            batch.as_secs_f64() * 1e3 / n as f64
        );
        println!(
            "speed-up: {:.1}x (goal >= 20x)",
            per_request.as_secs_f64() / batch.as_secs_f64()
        );
    });
}
