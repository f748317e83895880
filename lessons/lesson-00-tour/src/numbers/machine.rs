//! `machine.csv`: where the figures came from, as `key,value` rows:
//! `cores`, `cpu`, `kernel`, `rustc`, `date`, `mode`.
//!
//! - `cores`: `std::thread::available_parallelism`, the cores this
//!   process may use (what the runtimes size their pools by);
//! - `cpu`: the first `model name` of `/proc/cpuinfo`, as the kernel
//!   reports it (`unknown` elsewhere);
//! - `kernel`: `/proc/sys/kernel/osrelease`, what `uname -r` prints;
//! - `rustc`: the compiler that built this program, `rustc --version`
//!   captured at compile time by the crate's build script (`build.rs`);
//! - `date`: today in UTC, `YYYY-MM-DD`;
//! - `mode`: `quick` or `full` (`tiny` in the tests).

use std::time::{SystemTime, UNIX_EPOCH};

use super::{Csv, Mode};

/// The keys of `machine.csv`, in order.
pub const KEYS: [&str; 6] = ["cores", "cpu", "kernel", "rustc", "date", "mode"];

/// The machine's rows.
pub fn csv(mode: Mode) -> Csv {
    let mut csv = Csv::new("machine.csv", &["key", "value"]);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let values = [
        cores.to_string(),
        cpu_model().unwrap_or_else(|| "unknown".to_owned()),
        kernel().unwrap_or_else(|| "unknown".to_owned()),
        env!("TOUR_RUSTC_VERSION").to_owned(),
        today_utc(),
        mode.name().to_owned(),
    ];
    for (key, value) in KEYS.into_iter().zip(values) {
        csv.push(vec![key.to_owned(), value]);
    }
    csv
}

/// The CPU's model name, as `/proc/cpuinfo` reports it (Linux).
pub fn cpu_model() -> Option<String> {
    let info = std::fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, model)| {
            model.split_whitespace().collect::<Vec<_>>().join(" ")
        })
}

/// The kernel's release, as `uname -r` prints it (Linux).
pub fn kernel() -> Option<String> {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").ok()?;
    Some(release.trim().to_owned())
}

/// Today's date in UTC, `YYYY-MM-DD`, from the system clock.
pub fn today_utc() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The calendar date of a day counted from 1970-01-01: Howard Hinnant's
/// `civil_from_days`, which counts in 400-year eras (146,097 days each)
/// starting on 1 March, so that the leap day falls at the end of a year.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_become_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(11_017), (2000, 3, 1));
        assert_eq!(civil_from_days(20_415), (2025, 11, 23));
    }
}
