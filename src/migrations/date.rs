//! Calendar dates for the migration tables: when GitHub deprecated or retires something.
//!
//! A rule compares a row's dates with today's date, so that a deprecation turns from a warning
//! into a fix on its date with no code change. `WFFMT_TODAY=YYYY-MM-DD` evaluates the tables as
//! of another day (to preview what a later run will change, and in tests).

use std::fmt;

use serde::de::{self, Deserializer};
use serde::Deserialize;

/// A day of the proleptic Gregorian calendar (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

/// The variable that overrides today's date.
pub const TODAY_VAR: &str = "WFFMT_TODAY";

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Option<Date> {
        let mut parts = s.trim().splitn(3, '-');
        let year: i32 = parts.next()?.parse().ok()?;
        let month: u32 = parts.next()?.parse().ok()?;
        let day: u32 = parts.next()?.parse().ok()?;
        let date = Date { year, month, day };
        (s.trim().len() == 10 && date.is_valid()).then_some(date)
    }

    fn is_valid(&self) -> bool {
        let days_in_month = match self.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if self.is_leap() => 29,
            2 => 28,
            _ => return false,
        };
        (1..=days_in_month).contains(&self.day)
    }

    fn is_leap(&self) -> bool {
        (self.year % 4 == 0 && self.year % 100 != 0) || self.year % 400 == 0
    }

    /// The date `days` days after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    pub fn from_unix_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Today (UTC), or the date in `WFFMT_TODAY`. `Err` carries a message when that variable is
    /// set to something that is not a date.
    pub fn today() -> Result<Date, String> {
        if let Ok(value) = std::env::var(TODAY_VAR) {
            return Date::parse(&value).ok_or_else(|| {
                format!("{TODAY_VAR}={value:?} is not a date; write it as YYYY-MM-DD")
            });
        }
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Ok(Date::from_unix_days(secs.div_euclid(86_400)))
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A TOML date (`2025-04-15`) or a string in that form.
impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        let text = match toml::Value::deserialize(d)? {
            toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt.to_string(),
            toml::Value::String(s) => s,
            other => {
                return Err(de::Error::custom(format!(
                    "expected a date such as 2025-04-15, not {other}"
                )))
            }
        };
        Date::parse(&text).ok_or_else(|| {
            de::Error::custom(format!("expected a date such as 2025-04-15, not {text:?}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_orders_dates() {
        let a = Date::parse("2025-04-15").unwrap();
        let b = Date::parse("2025-12-04").unwrap();
        assert!(a < b);
        assert_eq!(a.to_string(), "2025-04-15");
        assert_eq!(Date::parse("2024-02-29").map(|d| d.day), Some(29));
        for bad in [
            "2023-02-29",
            "2025-13-01",
            "2025-4-15",
            "soon",
            "2025-04-15x",
            "",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn days_since_the_epoch() {
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_unix_days(20_556).to_string(), "2026-04-13");
        assert_eq!(Date::from_unix_days(11_016).to_string(), "2000-02-29");
        assert_eq!(Date::from_unix_days(-1).to_string(), "1969-12-31");
    }

    #[test]
    fn reads_toml_dates_and_strings() {
        #[derive(Deserialize)]
        struct Row {
            a: Date,
            b: Date,
        }
        let row: Row = toml::from_str("a = 2025-04-15\nb = \"2026-11-02\"\n").unwrap();
        assert_eq!(row.a.to_string(), "2025-04-15");
        assert_eq!(row.b.to_string(), "2026-11-02");
        assert!(toml::from_str::<Row>("a = 2025-04-15T10:00:00\nb = 1\n").is_err());
    }
}
