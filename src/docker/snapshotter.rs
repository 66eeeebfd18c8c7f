//! Which containerd snapshotter a kind node uses, read from `containerd config dump`.
//!
//! kind passes it to `ctr images import --snapshotter=...` (kind:
//! pkg/cluster/nodeutils/util.go, `parseSnapshotter`): config version 2 keeps it at
//! `plugins."io.containerd.grpc.v1.cri".containerd.snapshotter`, versions 3 and 4 at
//! `plugins."io.containerd.cri.v1.images".snapshotter`. The dump is machine-written TOML, so a
//! line reader that understands table headers, `key = value` and multi-line arrays suffices.

/// The snapshotter named in a `containerd config dump`, or why it cannot be told.
pub(crate) fn parse(config: &str) -> Result<String, String> {
    let version = lookup(config, &[], "version")
        .ok_or("the config has no `version`")?
        .parse::<i64>()
        .map_err(|_| "the config's `version` is not an integer".to_string())?;
    let (table, key): (&[&str], &str) = match version {
        2 => (
            &["plugins", "io.containerd.grpc.v1.cri", "containerd"],
            "snapshotter",
        ),
        3 | 4 => (&["plugins", "io.containerd.cri.v1.images"], "snapshotter"),
        v => {
            return Err(format!(
                "unknown containerd config version {v} (supported: 2, 3 and 4)"
            ));
        }
    };
    match lookup(config, table, key) {
        Some(value) if !value.is_empty() => Ok(value),
        _ => Err(format!(
            "no snapshotter in config version {version} at {}.{key}",
            table.join(".")
        )),
    }
}

/// The scalar value of `key` in table `table` (`[]` for the root), quotes removed.
fn lookup(config: &str, table: &[&str], key: &str) -> Option<String> {
    let mut current: Vec<String> = Vec::new();
    let mut array_depth = 0usize;
    for raw in config.lines() {
        let line = raw.trim();
        if array_depth > 0 {
            array_depth =
                (array_depth + line.matches('[').count()).saturating_sub(line.matches(']').count());
            continue;
        }
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') {
            let inner = line.trim_start_matches('[').trim_end_matches(']');
            current = split_dotted(inner);
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = v.trim();
        if v.starts_with('[') {
            array_depth = v
                .matches('[')
                .count()
                .saturating_sub(v.matches(']').count());
        }
        if unquote(k.trim()) == key && current.iter().map(String::as_str).eq(table.iter().copied())
        {
            return Some(unquote(v).to_string());
        }
    }
    None
}

/// Splits a dotted TOML key, keeping dots inside quotes: `plugins."a.b".c` -> [plugins, a.b, c].
/// containerd 2 writes literal (single-quoted) keys, 1.x basic (double-quoted) ones.
fn split_dotted(key: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut quote: Option<char> = None;
    for c in key.chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '.') => parts.push(std::mem::take(&mut part)),
            (None, c) if c.is_whitespace() => {}
            (_, c) => part.push(c),
        }
    }
    parts.push(part);
    parts
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| s.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shaped like `containerd config dump` on a kind v0.2x node (containerd 1.7, version 2).
    const V2: &str = r#"disabled_plugins = []
imports = ["/etc/containerd/config.toml"]
required_plugins = []
root = "/var/lib/containerd"
version = 2

[cgroup]
  path = ""

[plugins]

  [plugins."io.containerd.gc.v1.scheduler"]
    deletion_threshold = 0

  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "registry.k8s.io/pause:3.7"
    tolerate_missing_hugetlb_controller = true
    unset_seccomp_profile = ""

    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/opt/cni/bin"

    [plugins."io.containerd.grpc.v1.cri".containerd]
      default_runtime_name = "runc"
      discard_unpacked_layers = true
      ignore_blockio_not_enabled_errors = false
      snapshotter = "overlayfs"

      [plugins."io.containerd.grpc.v1.cri".containerd.default_runtime]
        snapshotter = ""
"#;

    const V3: &str = r#"version = 3
root = '/var/lib/containerd'

[plugins]
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = 'native'
    disable_snapshot_annotations = true
    pinned_images = [
      "registry.k8s.io/pause:3.10",
      "x = [y]",
    ]

  [plugins.'io.containerd.cri.v1.runtime']
    snapshotter = 'wrong'
"#;

    #[test]
    fn version_2_reads_the_cri_containerd_table() {
        assert_eq!(parse(V2).as_deref(), Ok("overlayfs"));
    }

    #[test]
    fn version_3_reads_the_cri_images_table() {
        assert_eq!(parse(V3).as_deref(), Ok("native"));
        // The same with containerd 1.x-style double quotes.
        assert_eq!(parse(&V3.replace('\'', "\"")).as_deref(), Ok("native"));
    }

    #[test]
    fn unknown_or_missing_version_is_an_error() {
        assert!(parse("version = 9\n").unwrap_err().contains("unknown"));
        assert!(
            parse("root = \"/x\"\n")
                .unwrap_err()
                .contains("no `version`")
        );
        assert!(
            parse("version = 2\n")
                .unwrap_err()
                .contains("no snapshotter")
        );
    }
}
