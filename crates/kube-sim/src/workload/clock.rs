//! UTC civil time for log lines, HTTP `Date` headers and curl's `%time{}`.
//!
//! Containers run in UTC unless told otherwise, so every image formats times in UTC.
//! Written here (days-to-civil arithmetic) to keep the workload model free of a date crate.

use std::time::{SystemTime, UNIX_EPOCH};

/// A broken-down UTC time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UtcTime {
    pub unix: i64,
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
    pub micros: u32,
    /// 0 = Sunday.
    pub weekday: u32,
    /// 0-based day of the year.
    pub yday: u32,
}

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const WEEKDAYS_LONG: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_LONG: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl UtcTime {
    /// Times before the epoch clamp to the epoch: no image in the simulation runs then.
    pub(super) fn from_system(t: SystemTime) -> Self {
        let (unix, micros) = match t.duration_since(UNIX_EPOCH) {
            Ok(d) => (
                i64::try_from(d.as_secs()).unwrap_or(i64::MAX / 2),
                d.subsec_micros(),
            ),
            Err(_) => (0, 0),
        };
        Self::from_unix(unix, micros)
    }

    fn from_unix(unix: i64, micros: u32) -> Self {
        let days = unix.div_euclid(86_400);
        let secs = unix.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        let weekday = (days + 4).rem_euclid(7) as u32; // 1970-01-01 was a Thursday
        let yday = (days - days_from_civil(year, 1, 1)) as u32;
        UtcTime {
            unix,
            year,
            month,
            day,
            hour: (secs / 3600) as u32,
            minute: (secs / 60 % 60) as u32,
            second: (secs % 60) as u32,
            micros,
            weekday,
            yday,
        }
    }

    /// `Thu, 27 Nov 2025 09:48:00 GMT` (RFC 9110 IMF-fixdate), as gunicorn and Go send it.
    pub(super) fn http_date(&self) -> String {
        format!(
            "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
            WEEKDAYS[self.weekday as usize % 7],
            self.day,
            MONTHS[(self.month as usize + 11) % 12],
            self.year,
            self.hour,
            self.minute,
            self.second
        )
    }

    /// `2025-11-27T09:48:00.123Z`: Go log/slog's text handler time format in UTC.
    pub(super) fn rfc3339_millis(&self) -> String {
        format!(
            "{}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            self.micros / 1000
        )
    }

    /// `[2025-11-27 09:48:00 +0000]`: gunicorn's `datefmt` (gunicorn/glogging.py).
    pub(super) fn gunicorn(&self) -> String {
        format!(
            "[{}-{:02}-{:02} {:02}:{:02}:{:02} +0000]",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// A C `strftime` for the conversions curl's `%time{}` users write; `%f` is curl's
    /// microseconds extension and `%z`/`%Z` print `+0000`/`UTC` (curl src/tool_writeout.c).
    pub(super) fn strftime(&self, fmt: &str) -> String {
        let mut out = String::new();
        let mut chars = fmt.chars();
        while let Some(c) = chars.next() {
            if c != '%' {
                out.push(c);
                continue;
            }
            let Some(spec) = chars.next() else {
                out.push('%');
                break;
            };
            let month_idx = (self.month as usize + 11) % 12;
            let wd = self.weekday as usize % 7;
            match spec {
                'Y' => out.push_str(&self.year.to_string()),
                'C' => out.push_str(&format!("{:02}", self.year / 100)),
                'y' => out.push_str(&format!("{:02}", self.year.rem_euclid(100))),
                'm' => out.push_str(&format!("{:02}", self.month)),
                'd' => out.push_str(&format!("{:02}", self.day)),
                'e' => out.push_str(&format!("{:2}", self.day)),
                'H' => out.push_str(&format!("{:02}", self.hour)),
                'I' => out.push_str(&format!("{:02}", (self.hour + 11) % 12 + 1)),
                'M' => out.push_str(&format!("{:02}", self.minute)),
                'S' => out.push_str(&format!("{:02}", self.second)),
                'p' => out.push_str(if self.hour < 12 { "AM" } else { "PM" }),
                'j' => out.push_str(&format!("{:03}", self.yday + 1)),
                'a' => out.push_str(WEEKDAYS[wd]),
                'A' => out.push_str(WEEKDAYS_LONG[wd]),
                'b' | 'h' => out.push_str(MONTHS[month_idx]),
                'B' => out.push_str(MONTHS_LONG[month_idx]),
                'u' => out.push_str(&(if wd == 0 { 7 } else { wd }).to_string()),
                'w' => out.push_str(&wd.to_string()),
                's' => out.push_str(&self.unix.to_string()),
                'f' => out.push_str(&format!("{:06}", self.micros)),
                'z' => out.push_str("+0000"),
                'Z' => out.push_str("UTC"),
                'T' => out.push_str(&format!(
                    "{:02}:{:02}:{:02}",
                    self.hour, self.minute, self.second
                )),
                'R' => out.push_str(&format!("{:02}:{:02}", self.hour, self.minute)),
                'F' => out.push_str(&format!("{}-{:02}-{:02}", self.year, self.month, self.day)),
                'D' => out.push_str(&format!(
                    "{:02}/{:02}/{:02}",
                    self.month,
                    self.day,
                    self.year.rem_euclid(100)
                )),
                'n' => out.push('\n'),
                't' => out.push('\t'),
                '%' => out.push('%'),
                other => {
                    out.push('%');
                    out.push(other);
                }
            }
        }
        out
    }
}

// Howard Hinnant's civil_from_days / days_from_civil (public-domain algorithms).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_a_known_instant() {
        // 2025-11-27T09:48:05.123456Z, a Thursday.
        let t = UNIX_EPOCH + Duration::from_micros(1_764_236_885_123_456);
        let u = UtcTime::from_system(t);
        assert_eq!(u.http_date(), "Thu, 27 Nov 2025 09:48:05 GMT");
        assert_eq!(u.rfc3339_millis(), "2025-11-27T09:48:05.123Z");
        assert_eq!(u.gunicorn(), "[2025-11-27 09:48:05 +0000]");
        assert_eq!(
            u.strftime("%Y-%m-%dT%H:%M:%S.%f%z %a %j"),
            "2025-11-27T09:48:05.123456+0000 Thu 331"
        );
    }

    #[test]
    fn leap_day() {
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(
            UtcTime::from_system(t).strftime("%F %A"),
            "2000-02-29 Tuesday"
        );
    }
}
