//! Exit codes, documented in one place: a user must tell "Istio misbehaved" from "the harness
//! could not run" at a glance, and a stopped run from both.
//!
//! `harness run` picks its code from how the run ended: a signal gives the shell's code for it
//! (130, 143) whatever the steps before it showed; a run that could not be made gives
//! [`RUN_ERROR`]; a run that ended gives the code of its counts
//! ([`crate::report::RunStats::exit_code`]).

/// Every scenario passed (or the command did what it was asked).
pub const SUCCESS: u8 = 0;
/// At least one scenario failed: the cluster did not behave as expected.
pub const SCENARIO_FAILED: u8 = 1;
/// The run could not be made: bad input, no Docker, no cluster, an unreadable file; or a step
/// could not be carried out, or did not run.
pub const RUN_ERROR: u8 = 2;
/// The run was stopped by SIGINT (128 + 2, as a shell reports it).
pub const INTERRUPTED: u8 = 130;
/// The run was stopped by SIGTERM (128 + 15).
pub const TERMINATED: u8 = 143;

/// A signal that stops a run: the run's reports are still written, and say which one it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Signal {
    #[serde(rename = "SIGINT")]
    Interrupt,
    #[serde(rename = "SIGTERM")]
    Terminate,
}

impl Signal {
    /// `SIGINT` or `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self {
            Signal::Interrupt => "SIGINT",
            Signal::Terminate => "SIGTERM",
        }
    }

    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Interrupt => INTERRUPTED,
            Signal::Terminate => TERMINATED,
        }
    }
}

impl std::fmt::Display for Signal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
