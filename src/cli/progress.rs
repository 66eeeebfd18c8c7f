//! The console during a run: a progress bar (steps done of all, the step now running, elapsed
//! time) when stdout is a terminal, plain lines otherwise (CI logs).

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// Where step lines go while a run is under way.
pub struct Progress {
    bar: Option<ProgressBar>,
}

impl Progress {
    /// A bar over `total_steps` when stdout is a terminal, plain printing otherwise.
    pub fn new(total_steps: u64) -> Self {
        let bar = std::io::stdout().is_terminal().then(|| {
            let bar = ProgressBar::new(total_steps);
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {pos}/{len} steps  {wide_msg}",
            ) {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Self { bar }
    }

    /// A step began: the bar shows it.
    pub fn started(&self, scenario: &str, step: &str) {
        if let Some(b) = &self.bar {
            b.set_message(format!("{scenario} :: {step}"));
        }
    }

    /// A step's line, printed above the bar (or plainly).
    pub fn line(&self, text: &str) {
        match &self.bar {
            Some(b) => {
                b.println(text);
                b.inc(1);
            }
            None => println!("{text}"),
        }
    }

    /// Removes the bar before the summary is printed.
    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
