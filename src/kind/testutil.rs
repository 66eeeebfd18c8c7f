//! Recording stand-ins for `kind` and `istioctl`: tiny `#!/bin/sh` scripts that record each
//! call (argv NUL-separated, `$KUBECONFIG`, a copy of the `--config` file) and then run a body
//! given by the test. Tests pass the script's path explicitly; `PATH` is never touched.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

pub(super) struct StandIn {
    dir: tempfile::TempDir,
    path: PathBuf,
}

/// One recorded call.
#[derive(Debug, Clone)]
pub(super) struct Record {
    pub argv: Vec<String>,
    pub kubeconfig: String,
    /// The contents of the file passed as `--config`, copied before the tool returns (the
    /// harness removes its temp file afterwards).
    pub config: Option<String>,
}

impl StandIn {
    /// A stand-in named `name` (`kind`, `istioctl`) whose body runs after the call is recorded.
    /// `$REC` in the body is the record directory.
    pub(super) fn new(name: &str, body: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let rec = dir.path().join("rec");
        std::fs::create_dir(&rec).expect("record dir");
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).expect("bin dir");
        let path = bin.join(name);
        let script = format!(
            r#"#!/bin/sh
REC='{rec}'
n=0
while [ -e "$REC/argv.$n" ]; do n=$((n+1)); done
for a in "$@"; do printf '%s\0' "$a"; done > "$REC/argv.$n"
printf '%s' "$KUBECONFIG" > "$REC/kubeconfig.$n"
prev=
for a in "$@"; do
  if [ "$prev" = "--config" ]; then cp "$a" "$REC/config.$n"; fi
  prev=$a
done
{body}
"#,
            rec = rec.display(),
        );
        std::fs::write(&path, script).expect("write stand-in");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        Self { dir, path }
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// A scratch directory next to the stand-in (for kubeconfigs, logs).
    pub(super) fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub(super) fn record_dir(&self) -> PathBuf {
        self.dir.path().join("rec")
    }
}

/// Every call, in order.
pub(super) fn records(stand_in: &StandIn) -> Vec<Record> {
    let rec = stand_in.record_dir();
    let mut out = Vec::new();
    for n in 0.. {
        let Ok(raw) = std::fs::read(rec.join(format!("argv.{n}"))) else {
            break;
        };
        // Each argument ends with a NUL, so empty arguments survive.
        let argv = match raw.strip_suffix(&[0]) {
            None => Vec::new(),
            Some(body) => body
                .split(|b| *b == 0)
                .map(|a| String::from_utf8_lossy(a).into_owned())
                .collect(),
        };
        let kubeconfig =
            std::fs::read_to_string(rec.join(format!("kubeconfig.{n}"))).unwrap_or_default();
        let config = std::fs::read_to_string(rec.join(format!("config.{n}"))).ok();
        out.push(Record {
            argv,
            kubeconfig,
            config,
        });
    }
    out
}

/// The only call; panics if there was not exactly one.
pub(super) fn read_record(stand_in: &StandIn) -> Record {
    let mut all = records(stand_in);
    assert_eq!(all.len(), 1, "expected one call, got {all:?}");
    all.remove(0)
}
