//! The run-wide false-failure budget and how it is split across a run's statistical assertions.
//!
//! The split is Bonferroni: with `m` statistical assertions sharing a run-wide `alpha`, each gets
//! `alpha / m`, so by the union bound a correct Istio fails the run with probability at most
//! `alpha`, whatever the dependence between steps. Holm's step-down procedure would be slightly
//! more powerful, but it needs every p-value before deciding any step, and the runner decides
//! (and stops sampling) step by step; Bonferroni is the rule that works with sequential stopping.
//!
//! Deterministic assertions (shares of exactly 0 or 1) cannot fail a correct implementation and
//! take no budget. A step may override its alpha; the overrides are spent first and the rest is
//! split evenly among the others.

use serde::Serialize;

use super::error::{StatsError, fmt_share};

/// The default run-wide false-failure rate: one spurious red run in a thousand.
pub const DEFAULT_RUN_ALPHA: f64 = 1e-3;

/// What an assertion asks of the budget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum AlphaRequest {
    /// Shares of 0 or 1 only: decided by counter-examples, no false failures possible.
    Deterministic,
    /// A statistical assertion taking its share of the run-wide budget.
    Share,
    /// A statistical assertion with its own alpha, set by the scenario author.
    Override(f64),
}

/// The per-assertion alphas, in the order requested.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Allocation {
    /// Alpha for each assertion (0 for deterministic ones).
    pub alphas: Vec<f64>,
    /// The run-wide false-failure rate these alphas guarantee (the sum of the alphas).
    pub run_alpha_bound: f64,
    /// Set when overrides spend more than the run-wide budget.
    pub warning: Option<String>,
}

/// A run-wide false-failure budget.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct ErrorBudget {
    run_alpha: f64,
}

impl Default for ErrorBudget {
    fn default() -> Self {
        Self {
            run_alpha: DEFAULT_RUN_ALPHA,
        }
    }
}

pub(crate) fn check_alpha(setting: &'static str, alpha: f64) -> Result<f64, StatsError> {
    if alpha.is_finite() && alpha > 0.0 && alpha < 0.5 {
        Ok(alpha)
    } else {
        Err(StatsError::InvalidSetting {
            setting,
            value: fmt_share(alpha),
            requirement: "a false-failure rate above 0 and below 0.5, e.g. 0.001",
        })
    }
}

impl ErrorBudget {
    /// A budget of `run_alpha` for the whole run (0 < alpha < 0.5).
    pub(crate) fn new(run_alpha: f64) -> Result<Self, StatsError> {
        Ok(Self {
            run_alpha: check_alpha("run-wide alpha", run_alpha)?,
        })
    }

    /// Splits the budget across `requests` (Bonferroni; overrides spent first).
    pub(crate) fn allocate(&self, requests: &[AlphaRequest]) -> Result<Allocation, StatsError> {
        let mut overridden = 0.0;
        let mut overrides = 0_usize;
        let mut shares = 0_usize;
        for r in requests {
            match *r {
                AlphaRequest::Deterministic => {}
                AlphaRequest::Share => shares += 1,
                AlphaRequest::Override(a) => {
                    overridden += check_alpha("step alpha", a)?;
                    overrides += 1;
                }
            }
        }
        let remaining = self.run_alpha - overridden;
        let mut warning = None;
        let each = if shares == 0 {
            0.0
        } else if remaining > 0.0 {
            remaining / shares as f64
        } else {
            // The overrides alone exhaust the budget: give the others what they would get
            // without overrides, and say plainly that the run-wide rate is now larger.
            self.run_alpha / (shares + overrides) as f64
        };
        let alphas: Vec<f64> = requests
            .iter()
            .map(|r| match *r {
                AlphaRequest::Deterministic => 0.0,
                AlphaRequest::Share => each,
                AlphaRequest::Override(a) => a,
            })
            .collect();
        let bound: f64 = alphas.iter().sum();
        if bound > self.run_alpha * (1.0 + 1e-9) {
            warning = Some(format!(
                "step alpha overrides spend {}, more than the run-wide false-failure budget {}; \
                 the run may fail a correct installation with probability up to {}",
                fmt_share(overridden),
                fmt_share(self.run_alpha),
                fmt_share(bound)
            ));
        }
        Ok(Allocation {
            alphas,
            run_alpha_bound: bound,
            warning,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AlphaRequest::*;

    #[test]
    fn budget_is_split_evenly_and_deterministic_steps_are_free() {
        let b = ErrorBudget::new(1e-3).unwrap();
        let a = b
            .allocate(&[Share, Deterministic, Share, Share, Share])
            .unwrap();
        assert_eq!(a.alphas, vec![2.5e-4, 0.0, 2.5e-4, 2.5e-4, 2.5e-4]);
        assert!((a.run_alpha_bound - 1e-3).abs() < 1e-15);
        assert!(a.warning.is_none());
    }

    #[test]
    fn overrides_are_spent_first() {
        let b = ErrorBudget::new(1e-3).unwrap();
        let a = b.allocate(&[Override(4e-4), Share, Share]).unwrap();
        assert_eq!(a.alphas[0], 4e-4);
        assert!((a.alphas[1] - 3e-4).abs() < 1e-15);
        assert!(a.warning.is_none());
        let a = b.allocate(&[Override(0.01), Share]).unwrap();
        assert_eq!(a.alphas, vec![0.01, 5e-4]);
        assert!(a.warning.unwrap().contains("up to 0.0105"));
    }

    #[test]
    fn nonsense_alphas_are_rejected() {
        assert!(ErrorBudget::new(0.0).is_err());
        assert!(ErrorBudget::new(f64::NAN).is_err());
        let b = ErrorBudget::default();
        let err = b.allocate(&[Override(1.5)]).unwrap_err();
        assert!(err.to_string().contains("step alpha is 1.5"), "{err}");
    }
}
