//! Counts of the faults the chaos profile injected, so that a reliability benchmark can say how
//! many faults a run survived (and a run with none injected is not mistaken for a robust one).

use std::sync::atomic::{AtomicU64, Ordering};

/// The live counters, bumped where a fault is injected.
#[derive(Debug, Default)]
pub(crate) struct FaultCounters {
    api_errors: AtomicU64,
    watch_closes: AtomicU64,
    exec_cuts: AtomicU64,
    pod_restarts: AtomicU64,
}

/// A snapshot of [`FaultCounters`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Faults {
    /// API requests answered with an injected 429/500/503.
    pub api_errors: u64,
    /// Watches ended early by `chaos.watch_close_after_ms`.
    pub watch_closes: u64,
    /// Exec streams cut after their first output, without a status frame.
    pub exec_cuts: u64,
    /// Pods restarted by `chaos.pod_restart_every_ms`.
    pub pod_restarts: u64,
}

impl Faults {
    /// All injected faults together: a reliability run that injected none proved nothing.
    pub fn total(&self) -> u64 {
        self.api_errors + self.watch_closes + self.exec_cuts + self.pod_restarts
    }
}

impl FaultCounters {
    pub(crate) fn api_error(&self) {
        self.api_errors.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn watch_close(&self) {
        self.watch_closes.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn exec_cut(&self) {
        self.exec_cuts.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn pod_restart(&self) {
        self.pod_restarts.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> Faults {
        Faults {
            api_errors: self.api_errors.load(Ordering::Relaxed),
            watch_closes: self.watch_closes.load(Ordering::Relaxed),
            exec_cuts: self.exec_cuts.load(Ordering::Relaxed),
            pod_restarts: self.pod_restarts.load(Ordering::Relaxed),
        }
    }
}
