//! The statistical contract of one step: its false-failure rate, the smallest deviation it must
//! catch and with what probability, and how requests may be sent.

use serde::Serialize;

use super::budget::{DEFAULT_RUN_ALPHA, check_alpha};
use super::error::{StatsError, fmt_share};

/// Fixed sample or sequential stopping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DesignKind {
    /// Look after every batch and stop as soon as the evidence is clear (the default: about
    /// half the requests of the fixed design at the same error rates).
    Sequential,
    /// Send the planned number of requests, then test once.
    Fixed,
}

/// One step's statistical contract. Built with [`StepPolicy::new`] and the `with_*` methods,
/// each of which validates its value, so a policy in hand is always usable.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StepPolicy {
    alpha: f64,
    min_deviation: f64,
    power: f64,
    batch_size: u64,
    max_requests: u64,
    design: DesignKind,
}

/// The default smallest deviation to detect: 0.1 absolute in any outcome's share.
pub(crate) const DEFAULT_MIN_DEVIATION: f64 = 0.1;
/// The default probability of detecting that deviation.
pub(crate) const DEFAULT_POWER: f64 = 0.99;
/// The default number of requests per exec.
pub(crate) const DEFAULT_BATCH_SIZE: u64 = 50;
/// The default cap on requests per step.
pub(crate) const DEFAULT_MAX_REQUESTS: u64 = 20_000;
/// The largest cap a step may set: a million requests is hours of traffic, and planning a
/// sequential design that long takes seconds.
pub(super) const MAX_REQUESTS_LIMIT: u64 = 1_000_000;

impl Default for StepPolicy {
    fn default() -> Self {
        Self {
            alpha: DEFAULT_RUN_ALPHA,
            min_deviation: DEFAULT_MIN_DEVIATION,
            power: DEFAULT_POWER,
            batch_size: DEFAULT_BATCH_SIZE,
            max_requests: DEFAULT_MAX_REQUESTS,
            design: DesignKind::Sequential,
        }
    }
}

impl StepPolicy {
    /// The defaults with this step's alpha (usually its share of the [`super::ErrorBudget`]).
    pub fn new(alpha: f64) -> Result<Self, StatsError> {
        Ok(Self {
            alpha: check_alpha("alpha", alpha)?,
            ..Self::default()
        })
    }

    /// The smallest absolute deviation in any outcome's share that must be detected.
    pub fn with_min_deviation(mut self, d: f64) -> Result<Self, StatsError> {
        if !(d.is_finite() && d > 0.0 && d < 1.0) {
            return Err(StatsError::InvalidSetting {
                setting: "min_deviation",
                value: fmt_share(d),
                requirement: "an absolute share above 0 and below 1, e.g. 0.1",
            });
        }
        self.min_deviation = d;
        Ok(self)
    }

    /// The probability of detecting a deviation of `min_deviation`.
    pub fn with_power(mut self, power: f64) -> Result<Self, StatsError> {
        if !(power.is_finite() && (0.5..1.0).contains(&power)) {
            return Err(StatsError::InvalidSetting {
                setting: "power",
                value: fmt_share(power),
                requirement: "a probability of at least 0.5 and below 1, e.g. 0.99",
            });
        }
        self.power = power;
        Ok(self)
    }

    /// Requests per exec; sequential looks happen at multiples of it.
    pub fn with_batch_size(mut self, batch: u64) -> Result<Self, StatsError> {
        if batch == 0 || batch > self.max_requests {
            return Err(StatsError::InvalidSetting {
                setting: "batch_size",
                value: batch.to_string(),
                requirement: "at least 1 and at most max_requests",
            });
        }
        self.batch_size = batch;
        Ok(self)
    }

    /// The most requests the step may send; a plan needing more is capped, with a warning.
    pub fn with_max_requests(mut self, max: u64) -> Result<Self, StatsError> {
        if max == 0 || max < self.batch_size || max > MAX_REQUESTS_LIMIT {
            return Err(StatsError::InvalidSetting {
                setting: "max_requests",
                value: max.to_string(),
                requirement: "at least batch_size and at most 1000000",
            });
        }
        self.max_requests = max;
        Ok(self)
    }

    /// Fixed sample or sequential stopping (the default).
    pub fn with_design(mut self, design: DesignKind) -> Self {
        self.design = design;
        self
    }

    /// The false-failure rate this step may spend.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// The smallest absolute deviation in any share that must be detected.
    pub fn min_deviation(&self) -> f64 {
        self.min_deviation
    }
    /// The probability of detecting `min_deviation`.
    pub fn power(&self) -> f64 {
        self.power
    }
    /// Requests per exec.
    pub fn batch_size(&self) -> u64 {
        self.batch_size
    }
    /// The cap on requests for the step.
    pub fn max_requests(&self) -> u64 {
        self.max_requests
    }
    /// Fixed or sequential.
    pub fn design(&self) -> DesignKind {
        self.design
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_validates_each_setting() {
        let p = StepPolicy::new(1e-4)
            .and_then(|p| p.with_min_deviation(0.05))
            .and_then(|p| p.with_power(0.95))
            .and_then(|p| p.with_max_requests(5000))
            .and_then(|p| p.with_batch_size(100))
            .unwrap();
        assert_eq!(
            (p.alpha(), p.batch_size(), p.max_requests()),
            (1e-4, 100, 5000)
        );
        assert!(StepPolicy::new(0.7).is_err());
        let err = StepPolicy::default().with_power(1.0).unwrap_err();
        assert!(
            err.to_string().starts_with("power is 1; it must be"),
            "{err}"
        );
        assert!(StepPolicy::default().with_min_deviation(f64::NAN).is_err());
        assert!(StepPolicy::default().with_batch_size(0).is_err());
        assert!(StepPolicy::default().with_max_requests(10).is_err());
    }
}
