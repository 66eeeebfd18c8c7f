//! Calibration of the statistical decisions (no cluster): prints the table in
//! `docs/statistics.md`.
//!
//! `cargo bench --bench stats_calibration -- [--verdicts N] [--seed S] [--threads T]
//! [--batch B] [--json]`; `STATS_CALIBRATION_VERDICTS` also sets the number of verdicts.

use harness::stats::calibration::{CalibrationConfig, run};

fn usage() -> ! {
    eprintln!(
        "usage: stats_calibration [--verdicts N] [--seed S] [--threads T] [--batch B] [--json]"
    );
    std::process::exit(2)
}

fn value<T: std::str::FromStr>(args: &mut impl Iterator<Item = String>) -> T {
    args.next()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| usage())
}

fn main() {
    let mut config = CalibrationConfig::default();
    if let Some(n) = std::env::var("STATS_CALIBRATION_VERDICTS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.verdicts = n;
    }
    let mut json = false;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--verdicts" => config.verdicts = value(&mut args),
            "--seed" => config.seed = value(&mut args),
            "--threads" => config.threads = value(&mut args),
            "--batch" => config.batch_size = value(&mut args),
            "--json" => json = true,
            // cargo bench passes --bench to every bench binary.
            "--bench" => {}
            _ => usage(),
        }
    }
    let started = std::time::Instant::now();
    let report = match run(&config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("calibration could not run: {e}");
            std::process::exit(2);
        }
    };
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(s) => println!("{s}"),
            Err(e) => eprintln!("could not serialise the report: {e}"),
        }
        return;
    }
    println!("{}", report.to_markdown());
    println!("Done-criteria:\n");
    for c in report.checks() {
        let mark = if c.met { "met" } else { "NOT MET" };
        println!("- [{mark}] {}: {}", c.criterion, c.detail);
    }
    println!("\n({:.1} s)", started.elapsed().as_secs_f64());
}
