//! Entry points: find the scenario files, parse each, check everything, and return either the
//! scenarios or every problem of every file.

use std::path::{Path, PathBuf};

use super::build::{self, Ctx};
use super::diagnostics::{Diagnostic, LoadErrors, Pos, SourceFile, yaml_error};
use super::discover::discover;
use super::model::Scenario;
use super::raw::{RawScenario, S, yaml_options};

/// Loads every scenario that `paths` name (files, or directories searched for
/// `scenario.yaml`), checking everything that can be checked without a cluster.
///
/// Returns all problems of all files, not just the first. Scenario names must be unique across
/// the set, since reports identify scenarios by name.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Scenario>, LoadErrors> {
    let (files, mut errors) = discover(paths);
    let mut scenarios: Vec<Scenario> = Vec::new();
    for file in files {
        match read(&file) {
            Ok(text) => match parse_scenario(&file, &text) {
                Ok(s) => {
                    if let Some(first) = scenarios.iter().find(|x| x.name() == s.name()) {
                        let src = SourceFile::new(&file, text);
                        errors.push(
                            src.error(
                                s.name_pos,
                                format!(
                                    "scenario name `{}` is also used by {}",
                                    s.name(),
                                    first.file().display()
                                ),
                            )
                            .help("reports identify scenarios by name; make it unique"),
                        );
                    } else {
                        scenarios.push(s);
                    }
                }
                Err(e) => errors.extend(e.diagnostics().iter().cloned()),
            },
            Err(d) => errors.push(d),
        }
    }
    if errors.is_empty() {
        Ok(scenarios)
    } else {
        Err(LoadErrors::from(errors))
    }
}

fn read(file: &Path) -> Result<String, Diagnostic> {
    let bytes = super::manifest::read_bounded(file)
        .map_err(|e| Diagnostic::file(file, format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|_| Diagnostic::file(file, "not UTF-8 text"))
}

/// Checks one scenario file's text; manifests are read relative to `file`'s directory.
/// `harness validate` and the tests use it through [`load`]; it is public so that runner tests
/// can build scenarios from text.
pub fn parse_scenario(file: &Path, text: &str) -> Result<Scenario, LoadErrors> {
    let src = SourceFile::new(file, text.to_string());
    let blank = text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'));
    if blank {
        let d = src
            // Line 1, column 1: every diagnostic names a position, even in an empty file.
            .error(Some(Pos { line: 1, column: 1, len: 0 }), "the scenario file is empty")
            .help("a scenario needs at least `name`, `description`, `source` and `steps` (see docs/scenarios.md)");
        return Err(LoadErrors::from(vec![d]));
    }
    let raw: S<RawScenario> = match serde_saphyr::from_str_with_options(text, yaml_options()) {
        Ok(r) => r,
        Err(e) => return Err(LoadErrors::from(vec![yaml_error(&src, &e)])),
    };
    let mut ctx = Ctx::new(src);
    match build::scenario(&mut ctx, raw) {
        Some(s) if ctx.errors.is_empty() => Ok(s),
        _ => Err(LoadErrors::from(ctx.errors)),
    }
}
