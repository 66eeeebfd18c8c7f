//! Run counts as one value: [`RunStats`]. Every reporter prints them from this type and the exit
//! code is derived from it, so the console, JUnit, JSON, Markdown and `$?` cannot disagree.
//! Counts merge with `+=` (a scenario's into the run's, or several runs'), as ripgrep's `Stats`
//! and nextest's `RunStats` do.

use std::ops::{Add, AddAssign};

use serde::Serialize;

use super::model::StepOutcome;

/// How many steps ended which way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RunStats {
    pub passed: usize,
    pub failed: usize,
    pub errors: usize,
    /// Skipped on purpose (a version range, or an earlier step failed).
    pub skipped: usize,
    /// Never reached because the run stopped (a signal).
    pub not_run: usize,
}

impl RunStats {
    /// The counts of one step.
    pub fn of(outcome: &StepOutcome) -> Self {
        let mut s = Self::default();
        match outcome {
            StepOutcome::Passed => s.passed = 1,
            StepOutcome::Failed { .. } => s.failed = 1,
            StepOutcome::Error { .. } => s.errors = 1,
            StepOutcome::Skipped { .. } => s.skipped = 1,
            StepOutcome::NotRun { .. } => s.not_run = 1,
        }
        s
    }

    /// All steps counted.
    pub fn steps(&self) -> usize {
        self.passed + self.failed + self.errors + self.skipped + self.not_run
    }

    /// Steps that ended with a verdict or an error (neither skipped nor not run).
    pub fn finished(&self) -> usize {
        self.passed + self.failed + self.errors
    }

    /// 1 when any step failed (Istio misbehaved); else 2 when any step could not be carried out
    /// or was never reached; else 0. A failure wins over an error: it is the finding the run
    /// exists for.
    pub fn exit_code(&self) -> u8 {
        if self.failed > 0 {
            crate::exit::SCENARIO_FAILED
        } else if self.errors > 0 || self.not_run > 0 {
            crate::exit::RUN_ERROR
        } else {
            crate::exit::SUCCESS
        }
    }
}

impl AddAssign for RunStats {
    fn add_assign(&mut self, o: Self) {
        self.passed += o.passed;
        self.failed += o.failed;
        self.errors += o.errors;
        self.skipped += o.skipped;
        self.not_run += o.not_run;
    }
}

impl Add for RunStats {
    type Output = Self;

    fn add(mut self, o: Self) -> Self {
        self += o;
        self
    }
}

impl std::iter::Sum for RunStats {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::default(), Add::add)
    }
}

impl<'a> FromIterator<&'a StepOutcome> for RunStats {
    fn from_iter<I: IntoIterator<Item = &'a StepOutcome>>(iter: I) -> Self {
        iter.into_iter().map(Self::of).sum()
    }
}

/// `3 passed, 1 failed, 0 errors, 2 skipped`, and `, 5 not run` when some were not.
impl std::fmt::Display for RunStats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} passed, {} failed, {} errors, {} skipped",
            self.passed, self.failed, self.errors, self.skipped
        )?;
        if self.not_run > 0 {
            write!(f, ", {} not run", self.not_run)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason() -> String {
        "r".into()
    }

    #[test]
    fn counts_merge_and_decide_the_exit_code() {
        let scenario_a: RunStats = [
            StepOutcome::Passed,
            StepOutcome::Skipped { reason: reason() },
        ]
        .iter()
        .collect();
        let scenario_b: RunStats = [StepOutcome::Error { reason: reason() }].iter().collect();
        let mut run = scenario_a;
        run += scenario_b;
        assert_eq!(
            run,
            RunStats {
                passed: 1,
                errors: 1,
                skipped: 1,
                ..Default::default()
            }
        );
        assert_eq!(run.steps(), 3);
        assert_eq!(run.exit_code(), crate::exit::RUN_ERROR);
        assert_eq!(scenario_a.exit_code(), crate::exit::SUCCESS);
        let failed = run + RunStats::of(&StepOutcome::Failed { reason: reason() });
        assert_eq!(failed.exit_code(), crate::exit::SCENARIO_FAILED);
        let stopped = scenario_a + RunStats::of(&StepOutcome::NotRun { reason: reason() });
        assert_eq!(stopped.exit_code(), crate::exit::RUN_ERROR);
        assert_eq!(
            stopped.to_string(),
            "1 passed, 0 failed, 0 errors, 1 skipped, 1 not run"
        );
        assert_eq!(RunStats::default().exit_code(), crate::exit::SUCCESS);
    }
}
