//! Which files `harness run PATHS` / `harness validate PATHS` mean.
//!
//! A path is a scenario file, or a directory: a directory with a `scenario.yaml` is one
//! scenario; any other directory is searched (in name order) for directories that have one, so
//! `scenarios/` runs everything and `scenarios/ingress` runs the ingress cases. Directories
//! without a scenario (shared manifests) are skipped; a path that holds no scenario at all is
//! an error, since running nothing must not look like passing.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::diagnostics::{Diagnostic, with_suggestion};
use super::manifest::sibling_names;

/// The file name that makes a directory a scenario.
pub(crate) const SCENARIO_FILE: &str = "scenario.yaml";

/// How deep a search goes below a given directory.
const MAX_DEPTH: usize = 8;

/// The scenario files `paths` name, in order, without duplicates; or why some path names none.
pub(crate) fn discover(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    for path in paths {
        let before = files.len();
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let siblings = sibling_names(path);
                let message = with_suggestion(
                    "no such file or directory".to_string(),
                    &name,
                    siblings.iter().map(String::as_str),
                );
                errors.push(Diagnostic::file(path, message));
                continue;
            }
            Err(e) => {
                errors.push(Diagnostic::file(path, format!("cannot read: {e}")));
                continue;
            }
            Ok(m) if m.is_file() => files.push(path.clone()),
            Ok(_) => search(path, 0, &mut files, &mut seen),
        }
        if files.len() == before && path.is_dir() {
            errors.push(
                Diagnostic::file(
                    path,
                    format!("no {SCENARIO_FILE} in this directory or below it"),
                )
                .help(format!(
                    "a scenario is a directory with a {SCENARIO_FILE} (see docs/scenarios.md)"
                )),
            );
        }
    }
    let mut unique = HashSet::new();
    files.retain(|f| unique.insert(std::fs::canonicalize(f).unwrap_or_else(|_| f.clone())));
    (files, errors)
}

fn search(dir: &Path, depth: usize, files: &mut Vec<PathBuf>, seen: &mut HashSet<PathBuf>) {
    // Symbolic links may loop; visit every real directory once.
    let real = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if depth > MAX_DEPTH || !seen.insert(real) {
        return;
    }
    let candidate = dir.join(SCENARIO_FILE);
    if candidate.is_file() {
        files.push(candidate);
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut subdirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    subdirs.sort();
    for sub in subdirs {
        search(&sub, depth + 1, files, seen);
    }
}
