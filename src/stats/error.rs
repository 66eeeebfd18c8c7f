//! Errors a scenario author can act on: each names the outcome or setting at fault and says what
//! a valid value looks like.

use super::expectation::UNMATCHED;

/// Why an expectation, a policy or a budget cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    #[error("an expectation needs at least one outcome with its expected share")]
    EmptyExpectation,
    #[error("an outcome in the expectation has an empty name")]
    EmptyClassName,
    #[error("outcome '{0}' appears more than once in the expectation")]
    DuplicateClass(String),
    #[error(
        "'{UNMATCHED}' is reserved for responses that match no outcome; its expected share is \
         always 0, so leave it out of the expectation"
    )]
    ReservedClass,
    #[error("expected share of '{class}' is {value}; shares must be numbers between 0 and 1")]
    InvalidShare { class: String, value: String },
    #[error("expected shares sum to {sum}, not 1 ({listing})")]
    SharesDoNotSumToOne { sum: String, listing: String },
    #[error(
        "{positive} outcomes have a positive expected share but at most {max_requests} requests \
         may be sent; raise max_requests or merge outcomes so that each can be observed"
    )]
    TooManyClasses { positive: usize, max_requests: u64 },
    #[error("{setting} is {value}; it must be {requirement}")]
    InvalidSetting {
        setting: &'static str,
        value: String,
        requirement: &'static str,
    },
    #[error("a test needs at least one observed response")]
    NoObservations,
    #[error("{count} responses counted in one outcome but only {total} were observed")]
    CountsExceedTotal { count: u64, total: u64 },
    #[error("share {share} is outside [0, 1]")]
    ShareOutOfRange { share: f64 },
}

/// Formats a share or probability for people: at most 6 significant decimals, no float noise
/// (`0.1 + 0.2` prints as `0.3`).
pub(crate) fn fmt_share(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x != 0.0 && x.abs() < 1e-4 {
        return format!("{x:.2e}");
    }
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

#[cfg(test)]
mod tests {
    use super::fmt_share;

    #[test]
    fn shares_print_without_float_noise() {
        assert_eq!(fmt_share(0.1 + 0.2), "0.3");
        assert_eq!(fmt_share(0.9), "0.9");
        assert_eq!(fmt_share(1.0), "1");
        assert_eq!(fmt_share(2e-5), "2.00e-5");
        assert_eq!(fmt_share(f64::NAN), "NaN");
    }
}
