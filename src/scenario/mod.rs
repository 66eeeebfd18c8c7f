//! The scenario language: what a scenario file says, how it is loaded, and the checked types
//! the runner consumes. `docs/scenarios.md` is the user's guide to the format.
//!
//! - [`load`] finds scenario files (a file, or directories holding `scenario.yaml`), parses
//!   them with line and column for every value, reads their manifests, and checks everything
//!   that can be checked without a cluster: unknown fields, missing files, undefined
//!   templates, outcome and request names, version ranges that overlap or leave gaps, shares
//!   that do not form an expectation, statistical settings the stats module would refuse. It
//!   returns every problem of every file ([`LoadErrors`], printed by `harness validate`).
//! - [`Scenario::steps_for`] picks, for the Istio version under test, which steps run and what
//!   each must show (a webhook rejection, or the share of each outcome).
//! - [`Scenario::bindings`] gives `${ns.<alias>}` and friends their values for one run, and
//!   [`Manifest::render`] resolves them right before an apply.
//!
//! See [`model`] for what a step does when it runs.

mod build;
mod diagnostics;
mod discover;
mod load;
mod manifest;
mod model;
mod outcome;
mod raw;
mod requests;
mod steps;
mod template;
mod values;
mod version;

#[cfg(test)]
mod tests;

pub(crate) use diagnostics::LoadErrors;
pub use load::{load, parse_scenario};
pub use model::RunId;
pub(crate) use model::{
    Action, Change, Expected, Manifest, NsAlias, PatchKind, ResourceName, Rollout, Route, Scenario,
    ScenarioPlan, Step, StepPlan, Tuning, Wait, WorkloadKind,
};
pub(crate) use outcome::Outcomes;
pub(crate) use template::{Bindings, Template};
pub(crate) use version::{IstioVersion, VersionError};
