//! `harness validate` and `harness list`: everything about scenario files that needs no cluster.

use std::path::PathBuf;

use crate::exit;
use crate::scenario;

/// Checks every scenario under `paths`; prints every problem with its file:line:column.
pub(super) fn validate(paths: &[PathBuf]) -> u8 {
    match scenario::load(paths) {
        Ok(scenarios) => {
            let steps: usize = scenarios.iter().map(|s| s.steps().len()).sum();
            println!("{} scenarios, {steps} steps: valid", scenarios.len());
            exit::SUCCESS
        }
        Err(errors) => {
            eprintln!("{errors}");
            exit::RUN_ERROR
        }
    }
}

/// Lists the scenarios and their steps.
pub(super) fn list(paths: &[PathBuf]) -> u8 {
    match scenario::load(paths) {
        Ok(scenarios) => {
            for s in &scenarios {
                println!("{} ({})", s.name(), s.file().display());
                println!("    {}", s.description().trim().replace('\n', "\n    "));
                for step in s.steps() {
                    println!("    - {}", step.name());
                }
            }
            exit::SUCCESS
        }
        Err(errors) => {
            eprintln!("{errors}");
            exit::RUN_ERROR
        }
    }
}
