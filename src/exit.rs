//! Exit codes, documented in one place: a user must tell "Istio misbehaved" from "the harness
//! could not run" at a glance.

/// Every scenario passed (or the command did what it was asked).
pub const SUCCESS: u8 = 0;
/// At least one scenario failed: the cluster did not behave as expected.
pub const SCENARIO_FAILED: u8 = 1;
/// The run could not be made: bad input, no Docker, no cluster, an unreadable file.
pub const RUN_ERROR: u8 = 2;
