//! What the tests share beyond `kube_sim::testing`: running a client command and reading its
//! output, and the test manifests.

use std::path::{Path, PathBuf};

pub(crate) use kube_sim::testing::{
    TestCluster as Sim, fast_profile, kubectl_dispatcher, kubectl_version, skip,
};

pub(crate) struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub(crate) async fn run(mut cmd: tokio::process::Command) -> Output {
    let out = tokio::time::timeout(std::time::Duration::from_secs(60), cmd.output())
        .await
        .expect("kubectl finished within 60 s")
        .expect("kubectl ran");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs and requires exit 0.
pub(crate) async fn ok(cmd: tokio::process::Command) -> String {
    let dbg = format!("{cmd:?}");
    let o = run(cmd).await;
    assert_eq!(
        o.code, 0,
        "{dbg}\nstdout: {}\nstderr: {}",
        o.stdout, o.stderr
    );
    o.stdout
}

/// A manifest under this crate's tests/data/manifests.
pub(crate) fn manifest(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/manifests")
        .join(name)
}

/// The seed blog's manifests, shared with the harness's tests (tests/data/blog at the top).
pub(crate) fn blog_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/blog")
}

/// The exact two-sided binomial test (the sum of the probabilities of the outcomes no more
/// likely than `k` of `n` at share `p`, as SciPy's `binomtest` computes it).
pub(crate) fn binomial_p_value(k: u64, n: u64, p: f64) -> f64 {
    let mut ln_fact = vec![0.0_f64; n as usize + 1];
    for i in 1..=n as usize {
        ln_fact[i] = ln_fact[i - 1] + (i as f64).ln();
    }
    let pmf = |i: u64| {
        (ln_fact[n as usize] - ln_fact[i as usize] - ln_fact[(n - i) as usize]
            + i as f64 * p.ln()
            + (n - i) as f64 * (1.0 - p).ln())
        .exp()
    };
    let observed = pmf(k) * (1.0 + 1e-7);
    (0..=n)
        .map(pmf)
        .filter(|&q| q <= observed)
        .sum::<f64>()
        .min(1.0)
}
