//! The calibration's verdict on the done-criteria, and its tables for the docs.

use super::{
    CalibrationReport, GATEWAY_ATTEMPTS, GATEWAY_REQUESTS, GATEWAY_TOLERANCE, Row, TruthKind,
    split_label,
};
use crate::stats::error::fmt_share;

/// A done-criterion and whether the simulation meets it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Check {
    pub criterion: String,
    pub met: bool,
    pub detail: String,
}

impl CalibrationReport {
    fn standard_error(&self, rate: f64) -> f64 {
        (rate * (1.0 - rate) / self.config.verdicts.max(1) as f64).sqrt()
    }

    fn fixed_n(&self, expected: &[f64], alpha: f64) -> f64 {
        self.plans
            .iter()
            .find(|p| p.expected == expected && p.alpha == alpha)
            .map_or(f64::NAN, |p| p.fixed_requests as f64)
    }

    /// The done-criteria, evaluated on this run. "Within sampling error" is three
    /// standard errors of the simulated rate.
    pub fn checks(&self) -> Vec<Check> {
        let mut out = Vec::new();
        for row in &self.rows {
            let label = format!(
                "{} alpha {} truth {}",
                split_label(&row.expected),
                fmt_share(row.alpha),
                split_label(&row.truth)
            );
            let fixed_n = self.fixed_n(&row.expected, row.alpha);
            match row.kind {
                TruthKind::Expected => {
                    let limit = row.alpha + 3.0 * self.standard_error(row.alpha);
                    for (name, sim) in [("fixed", row.fixed), ("sequential", row.sequential)] {
                        out.push(Check {
                            criterion: format!("{name} false-failure rate <= alpha ({label})"),
                            met: sim.fail_rate <= limit,
                            detail: format!("{:.4} (limit {:.4})", sim.fail_rate, limit),
                        });
                    }
                }
                TruthKind::PlannedDeviation => {
                    let limit = self.config.power - 3.0 * self.standard_error(self.config.power);
                    for (name, sim) in [("fixed", row.fixed), ("sequential", row.sequential)] {
                        out.push(Check {
                            criterion: format!("{name} power >= target ({label})"),
                            met: sim.fail_rate >= limit,
                            detail: format!("{:.4} (limit {:.4})", sim.fail_rate, limit),
                        });
                    }
                }
                TruthKind::HalfDeviation => continue,
            }
            let ratio = row.sequential.mean_requests / fixed_n;
            out.push(Check {
                criterion: format!("sequential mean requests <= 60% of fixed ({label})"),
                met: ratio <= 0.6,
                detail: format!(
                    "{:.0} / {:.0} = {:.0}%",
                    row.sequential.mean_requests,
                    fixed_n,
                    100.0 * ratio
                ),
            });
        }
        out
    }

    /// The tables for `docs/statistics.md`: plans, a summary per split and alpha, every row,
    /// and the Gateway API check.
    pub fn to_markdown(&self) -> String {
        let c = &self.config;
        let mut s = format!(
            "{} simulated verdicts per cell, seed {}, min deviation {}, power {}, batches of {}.\n\n",
            c.verdicts,
            c.seed,
            fmt_share(c.min_deviation),
            fmt_share(c.power),
            c.batch_size
        );
        s.push_str("**Plans**\n\n");
        s.push_str(
            "| expected | alpha | fixed test | fixed n | sequential test | max n | looks every |\n",
        );
        s.push_str("|---|---|---|---|---|---|---|\n");
        for p in &self.plans {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                split_label(&p.expected),
                fmt_share(p.alpha),
                p.fixed_test,
                p.fixed_requests,
                p.sequential_test,
                p.sequential_max_requests,
                p.looks_every
            ));
        }
        s.push_str(&self.summary_table());
        s.push_str("\n**Every truth** (fail rate: the false-failure rate when the truth is as expected, the power otherwise; exact values in parentheses)\n\n");
        s.push_str("| expected | alpha | truth | | fixed: fail rate | fixed n | sequential: fail rate | mean n | p95 n | mean / fixed n |\n");
        s.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
        let exact =
            |x: Option<f64>, digits: usize| x.map_or(String::new(), |v| format!(" ({v:.digits$})"));
        for r in &self.rows {
            let fixed_n = self.fixed_n(&r.expected, r.alpha);
            s.push_str(&format!(
                "| {} | {} | {} | {} | {:.4}{} | {:.0} | {:.4}{} | {:.0}{} | {} | {:.0}% |\n",
                split_label(&r.expected),
                fmt_share(r.alpha),
                split_label(&r.truth),
                r.kind.label(),
                r.fixed.fail_rate,
                exact(r.fixed.exact_fail, 4),
                fixed_n,
                r.sequential.fail_rate,
                exact(r.sequential.exact_fail, 4),
                r.sequential.mean_requests,
                exact(r.sequential.exact_mean_requests, 0),
                r.sequential.p95_requests,
                100.0 * r.sequential.mean_requests / fixed_n,
            ));
        }
        s.push_str(&format!(
            "\n**The Gateway API check** (every share within {} of the expected one on {} requests, up to {} attempts)\n\n",
            fmt_share(GATEWAY_TOLERANCE),
            GATEWAY_REQUESTS,
            GATEWAY_ATTEMPTS
        ));
        s.push_str("| expected | truth | | one attempt fails | verdict fails | verdict passes | mean n | p95 n |\n");
        s.push_str("|---|---|---|---|---|---|---|---|\n");
        for g in &self.gateway {
            s.push_str(&format!(
                "| {} | {} | {} | {:.4} | {:.4} | {:.4} | {:.0} | {} |\n",
                split_label(&g.expected),
                split_label(&g.truth),
                g.kind.label(),
                g.attempt_fail_rate,
                g.fail_rate,
                1.0 - g.fail_rate,
                g.mean_requests,
                g.p95_requests
            ));
        }
        s
    }

    /// One line per split and alpha: the figures the done-criteria are about.
    fn summary_table(&self) -> String {
        let mut s = String::from(
            "\n**Summary** (false failures at the expectation; worst power and worst mean n over the planned deviations; exact values in parentheses)\n\n",
        );
        s.push_str("| expected | alpha | fixed n | false failures: fixed | sequential | power: fixed | sequential | seq. mean n at expectation | floor for any test | at deviation (worst) | half-way: mean / p95 |\n");
        s.push_str("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for p in &self.plans {
            let rows: Vec<&Row> = self
                .rows
                .iter()
                .filter(|r| r.expected == p.expected && r.alpha == p.alpha)
                .collect();
            let of = |kind: TruthKind| rows.iter().filter(move |r| r.kind == kind);
            let Some(null) = of(TruthKind::Expected).next() else {
                continue;
            };
            let worst = |f: fn(&Row) -> f64, max: bool| {
                of(TruthKind::PlannedDeviation).map(|r| f(r)).fold(
                    if max { f64::MIN } else { f64::MAX },
                    |a, b| {
                        if max { a.max(b) } else { a.min(b) }
                    },
                )
            };
            let fixed_n = p.fixed_requests as f64;
            let pct = |x: f64| format!("{:.0} ({:.0}%)", x, 100.0 * x / fixed_n);
            let exact = |x: Option<f64>| x.map_or(String::new(), |v| format!(" ({v:.4})"));
            let half = of(TruthKind::HalfDeviation).max_by(|a, b| {
                a.sequential
                    .mean_requests
                    .total_cmp(&b.sequential.mean_requests)
            });
            s.push_str(&format!(
                "| {} | {} | {} | {:.4}{} | {:.4}{} | {:.4} | {:.4} | {} | {} | {} | {} |\n",
                split_label(&p.expected),
                fmt_share(p.alpha),
                p.fixed_requests,
                null.fixed.fail_rate,
                exact(null.fixed.exact_fail),
                null.sequential.fail_rate,
                exact(null.sequential.exact_fail),
                worst(|r| r.fixed.fail_rate, false),
                worst(|r| r.sequential.fail_rate, false),
                pct(null.sequential.mean_requests),
                p.null_lower_bound.map_or("-".to_owned(), pct),
                pct(worst(|r| r.sequential.mean_requests, true)),
                half.map_or(String::new(), |h| format!(
                    "{:.0} / {} ({:.0}% / {:.0}%)",
                    h.sequential.mean_requests,
                    h.sequential.p95_requests,
                    100.0 * h.sequential.mean_requests / fixed_n,
                    100.0 * h.sequential.p95_requests as f64 / fixed_n
                )),
            ));
        }
        s
    }
}
