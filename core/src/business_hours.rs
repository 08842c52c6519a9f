//! A tenant's business hours: a weekly schedule in the tenant's UTC offset
//! plus holiday dates. Decides whether a human can be reached now, and when
//! service resumes (for the out-of-hours notice).

use serde::{Deserialize, Serialize};

/// A calendar date in the tenant's local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LocalDate {
    pub year: i32,
    pub month: u8,
    pub day: u8,
}

/// An opening interval within one local day, in minutes after midnight
/// (`start < end <= 1440`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interval {
    pub start: u16,
    pub end: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHours {
    /// The tenant's offset from UTC in minutes (e.g. +480 for UTC+8).
    pub utc_offset_minutes: i32,
    /// Opening intervals per weekday, Monday first.
    pub weekly: [Vec<Interval>; 7],
    /// Whole local days without service.
    pub holidays: Vec<LocalDate>,
}

/// Days since 1970-01-01 to a civil date (proleptic Gregorian).
fn civil_from_days(days: i64) -> LocalDate {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    LocalDate { year, month, day }
}

impl LocalDate {
    /// The date at `unix` (seconds) in a zone `utc_offset_minutes` from UTC.
    pub fn at(unix: i64, utc_offset_minutes: i32) -> LocalDate {
        civil_from_days((unix + i64::from(utc_offset_minutes) * 60).div_euclid(86_400))
    }
}

impl BusinessHours {
    /// (local day number since the epoch, minute of that day) for a Unix time.
    fn local(&self, unix: i64) -> (i64, u16) {
        let local = unix + i64::from(self.utc_offset_minutes) * 60;
        (
            local.div_euclid(86_400),
            (local.rem_euclid(86_400) / 60) as u16,
        )
    }

    fn intervals(&self, day: i64) -> &[Interval] {
        if self.holidays.contains(&civil_from_days(day)) {
            return &[];
        }
        // 1970-01-01 was a Thursday (index 3, Monday first).
        &self.weekly[(day + 3).rem_euclid(7) as usize]
    }

    /// Whether service is open at `unix` (seconds).
    pub fn is_open(&self, unix: i64) -> bool {
        let (day, minute) = self.local(unix);
        self.intervals(day)
            .iter()
            .any(|i| i.start <= minute && minute < i.end)
    }

    /// When service next opens at or after `unix`, within a year; `None` if
    /// the schedule has no opening at all.
    pub fn next_opening(&self, unix: i64) -> Option<i64> {
        if self.is_open(unix) {
            return Some(unix);
        }
        let (today, minute) = self.local(unix);
        let offset = i64::from(self.utc_offset_minutes) * 60;
        (today..today + 367).find_map(|day| {
            self.intervals(day)
                .iter()
                .filter(|i| day > today || i.start > minute)
                .map(|i| i.start)
                .min()
                .map(|start| day * 86_400 + i64::from(start) * 60 - offset)
        })
    }
}

impl BusinessHours {
    /// `unix` as the tenant's wall-clock time, e.g. `2026-11-24 09:00 (UTC+08:00)`.
    pub fn format_local(&self, unix: i64) -> String {
        let (day, minute) = self.local(unix);
        let d = civil_from_days(day);
        let off = self.utc_offset_minutes;
        let sign = if off < 0 { '-' } else { '+' };
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02} (UTC{sign}{:02}:{:02})",
            d.year,
            d.month,
            d.day,
            minute / 60,
            minute % 60,
            off.abs() / 60,
            off.abs() % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NINE_TO_SIX: Interval = Interval {
        start: 9 * 60,
        end: 18 * 60,
    };

    /// Mon–Fri 09:00–18:00 at UTC+8, closed on 2026-10-01.
    fn office() -> BusinessHours {
        let day = vec![NINE_TO_SIX];
        BusinessHours {
            utc_offset_minutes: 8 * 60,
            weekly: [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day,
                vec![],
                vec![],
            ],
            holidays: vec![LocalDate {
                year: 2026,
                month: 10,
                day: 1,
            }],
        }
    }

    /// Unix seconds of a UTC+8 wall-clock time.
    fn at(days_since_epoch: i64, hour: i64, minute: i64) -> i64 {
        days_since_epoch * 86_400 + hour * 3600 + minute * 60 - 8 * 3600
    }

    // 2026-11-23 is a Monday: 20 780 days after 1970-01-01.
    const MONDAY: i64 = 20_780;

    #[test]
    fn civil_dates_are_right() {
        // 2026-11-30 16:30 UTC is already 1 December in China.
        let unix = 1_796_056_200;
        assert_eq!(LocalDate::at(unix, 0).day, 30);
        assert_eq!(
            LocalDate::at(unix, 480),
            LocalDate {
                year: 2026,
                month: 12,
                day: 1
            }
        );
        assert_eq!(
            civil_from_days(0),
            LocalDate {
                year: 1970,
                month: 1,
                day: 1
            }
        );
        assert_eq!(
            civil_from_days(MONDAY),
            LocalDate {
                year: 2026,
                month: 11,
                day: 23
            }
        );
        assert_eq!(
            civil_from_days(-1),
            LocalDate {
                year: 1969,
                month: 12,
                day: 31
            }
        );
        assert_eq!(
            civil_from_days(11_016),
            LocalDate {
                year: 2000,
                month: 2,
                day: 29
            }
        );
    }

    #[test]
    fn open_within_the_weekly_schedule_in_local_time() {
        let hours = office();
        assert!(hours.is_open(at(MONDAY, 9, 0)));
        assert!(hours.is_open(at(MONDAY, 17, 59)));
        assert!(!hours.is_open(at(MONDAY, 18, 0)));
        assert!(!hours.is_open(at(MONDAY, 8, 59)));
        assert!(!hours.is_open(at(MONDAY + 5, 12, 0)), "Saturday");
    }

    #[test]
    fn next_opening_skips_evenings_weekends_and_holidays() {
        let hours = office();
        assert_eq!(
            hours.next_opening(at(MONDAY, 10, 0)),
            Some(at(MONDAY, 10, 0))
        );
        assert_eq!(
            hours.next_opening(at(MONDAY, 7, 30)),
            Some(at(MONDAY, 9, 0))
        );
        assert_eq!(
            hours.next_opening(at(MONDAY, 19, 0)),
            Some(at(MONDAY + 1, 9, 0))
        );
        assert_eq!(
            hours.next_opening(at(MONDAY + 4, 18, 30)),
            Some(at(MONDAY + 7, 9, 0)),
            "Friday evening"
        );
        // 2026-10-01 (Thursday) is a holiday: Wednesday evening → Friday.
        let sept_30 = MONDAY - 54;
        assert_eq!(
            civil_from_days(sept_30),
            LocalDate {
                year: 2026,
                month: 9,
                day: 30
            }
        );
        assert!(!hours.is_open(at(sept_30 + 1, 10, 0)));
        assert_eq!(
            hours.next_opening(at(sept_30, 20, 0)),
            Some(at(sept_30 + 2, 9, 0))
        );
    }

    #[test]
    fn a_schedule_without_openings_never_opens() {
        let closed = BusinessHours {
            utc_offset_minutes: 0,
            weekly: Default::default(),
            holidays: vec![],
        };
        assert!(!closed.is_open(0));
        assert_eq!(closed.next_opening(0), None);
    }

    #[test]
    fn local_time_is_formatted_in_the_tenants_offset() {
        assert_eq!(
            office().format_local(at(MONDAY, 9, 5)),
            "2026-11-23 09:05 (UTC+08:00)"
        );
        let west = BusinessHours {
            utc_offset_minutes: -150,
            ..office()
        };
        assert_eq!(west.format_local(0), "1969-12-31 21:30 (UTC-02:30)");
    }
}
