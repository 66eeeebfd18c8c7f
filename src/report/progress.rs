//! [`ProgressReporter`]: the terminal's progress bar (steps done of all planned, the step now
//! running, elapsed time). It exists only when stdout is a terminal; CI logs get the console's
//! plain lines alone.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::model::RunReport;
use super::reporter::{ReportError, Reporter};
use crate::run::RunEvent;

/// The bar, driven by the run's events.
pub(crate) struct ProgressReporter {
    bar: ProgressBar,
}

impl ProgressReporter {
    /// A bar when stdout is a terminal, none otherwise.
    pub(crate) fn for_terminal() -> Option<Self> {
        std::io::stdout().is_terminal().then(|| {
            let bar = ProgressBar::new(0);
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {pos}/{len} steps  {wide_msg}",
            ) {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            Self { bar }
        })
    }

    /// The bar itself, for the console to print its lines above it.
    pub(crate) fn bar(&self) -> ProgressBar {
        self.bar.clone()
    }
}

impl Reporter for ProgressReporter {
    fn event(&mut self, event: &RunEvent) {
        match event {
            RunEvent::RunPlanned { planned } => self.bar.set_length(planned.steps() as u64),
            RunEvent::StepStarted { scenario, step } => {
                self.bar.set_message(format!("{} :: {step}", scenario.name));
            }
            RunEvent::StepFinished { .. } => self.bar.inc(1),
            _ => {}
        }
    }

    /// Removes the bar, so that the summary lines are printed plainly.
    fn finish(&mut self, _report: &RunReport) -> Result<(), ReportError> {
        self.bar.finish_and_clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::{Planned, PlannedScenario, ScenarioId};

    #[test]
    fn the_bar_counts_finished_steps_of_the_planned_ones() {
        let mut p = ProgressReporter {
            bar: ProgressBar::hidden(),
        };
        let id = ScenarioId {
            name: "mesh/a".into(),
            file: "a.yaml".into(),
        };
        p.event(&RunEvent::RunPlanned {
            planned: Planned {
                scenarios: vec![PlannedScenario {
                    id: id.clone(),
                    description: String::new(),
                    source: String::new(),
                    steps: vec!["a1".into(), "a2".into(), "a3".into()],
                }],
            },
        });
        p.event(&RunEvent::StepStarted {
            scenario: id.clone(),
            step: "a1".into(),
        });
        assert_eq!(p.bar.message(), "mesh/a :: a1");
        p.event(&RunEvent::StepFinished {
            scenario: id,
            report: Box::new(crate::run::step_report(
                "a1",
                crate::report::StepOutcome::Passed,
                std::time::Instant::now(),
            )),
        });
        assert_eq!((p.bar.position(), p.bar.length()), (1, Some(3)));
        p.finish(
            &crate::report::RunRecord::new(
                crate::report::RunSettings { alpha: 1e-3 },
                Default::default(),
            )
            .interrupted(crate::exit::Signal::Interrupt),
        )
        .unwrap();
        assert!(p.bar.is_finished());
    }
}
