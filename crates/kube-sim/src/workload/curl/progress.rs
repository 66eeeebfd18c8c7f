//! curl's progress meter, which it writes to stderr whenever its output is not a terminal
//! and `-s` is not given, as in every `kubectl exec` without `-t` (lib/progress.c).

use std::time::Duration;

/// The two header lines, printed once per transfer.
pub(super) const HEADER: &str = "  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n                                 Dload  Upload   Total   Spent    Left  Speed\n";

/// At most five columns for a byte count (lib/progress.c max5data).
fn max5(bytes: u64) -> String {
    const K: u64 = 1024;
    const M: u64 = K * K;
    const G: u64 = M * K;
    const T: u64 = G * K;
    const P: u64 = T * K;
    if bytes < 100_000 {
        format!("{bytes:5}")
    } else if bytes < 10_000 * K {
        format!("{:4}k", bytes / K)
    } else if bytes < 100 * M {
        format!("{:2}.{}M", bytes / M, (bytes % M) / (M / 10))
    } else if bytes < 10_000 * M {
        format!("{:4}M", bytes / M)
    } else if bytes < 100 * G {
        format!("{:2}.{}G", bytes / G, (bytes % G) / (G / 10))
    } else if bytes < 10_000 * G {
        format!("{:4}G", bytes / G)
    } else if bytes < 10_000 * T {
        format!("{:4}T", bytes / T)
    } else {
        format!("{:4}P", bytes / P)
    }
}

/// `--:--:--` for zero, else `HH:MM:SS` (lib/progress.c time2str).
fn time2str(secs: u64) -> String {
    if secs == 0 {
        return "--:--:--".into();
    }
    let h = secs / 3600;
    if h <= 99 {
        format!("{h:2}:{:02}:{:02}", (secs % 3600) / 60, secs % 60)
    } else {
        let d = secs / 86_400;
        if d <= 999 {
            format!("{d:3}d {:02}h", (secs % 86_400) / 3600)
        } else {
            format!("{d:7}d")
        }
    }
}

fn percent(total: u64, cur: u64) -> u64 {
    if total > 10_000 {
        cur / (total / 100)
    } else {
        (cur * 100).checked_div(total).unwrap_or(0)
    }
}

/// One meter line, with the leading carriage return curl uses to redraw it.
pub(super) fn line(received: u64, expected: Option<u64>, elapsed: Duration) -> String {
    let us = elapsed.as_micros().max(1) as u64;
    let speed = received.saturating_mul(1_000_000) / us;
    let total = expected.unwrap_or(received);
    let dl_percent = match expected {
        Some(e) if speed > 0 => percent(e, received),
        _ => 0,
    };
    let total_secs = match expected {
        Some(e) if speed > 0 => e / speed,
        _ => 0,
    };
    let spent = elapsed.as_secs();
    let left = if total_secs > 0 {
        total_secs.saturating_sub(spent)
    } else {
        0
    };
    format!(
        "\r{:3} {}  {:3} {}  {:3} {}  {}  {} {} {} {} {}",
        percent(total, received),
        max5(total),
        dl_percent,
        max5(received),
        0,
        max5(0),
        max5(speed),
        max5(0),
        time2str(total_secs),
        time2str(spent),
        time2str(left),
        max5(speed)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_line_matches_curl() {
        assert_eq!(
            line(0, None, Duration::ZERO),
            "\r  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0"
        );
    }

    #[test]
    fn final_line_of_a_small_fast_transfer() {
        assert_eq!(
            line(59, Some(59), Duration::from_millis(10)),
            "\r100    59  100    59    0     0   5900      0 --:--:-- --:--:-- --:--:--  5900"
        );
        assert_eq!(max5(123_456), " 120k");
        assert_eq!(time2str(3725), " 1:02:05");
    }
}
