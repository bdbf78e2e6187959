//! HTTP dates (RFC 9110 §5.6.7), read for `Retry-After`.
//!
//! RFC 9110 has a recipient accept all three forms: the IMF-fixdate every server sends today
//! (`Sun, 06 Nov 1994 08:49:37 GMT`) and the two obsolete ones, RFC 850
//! (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`). All three are
//! read here, so no reply that the `httpdate` crate used to accept is ignored now; this file
//! replaces that crate because its `SystemTime` conversions pulled `Duration`'s `Debug`
//! formatting and the crate's own tables into the wasm (3.5 KB gzipped) for one header.
//!
//! The rules are those of `httpdate` 1.0, which the property tests compare against: the
//! weekday must be the date's, years run from 1970 to 9999, and a two-digit RFC 850 year
//! below 70 is 20xx, else 19xx. RFC 9110 would read that year against the clock instead ("more
//! than 50 years in the future" means the previous century); a fixed pivot keeps a wait from
//! jumping from zero to fifty years as the clock passes that horizon, and the two only differ
//! on RFC 850 dates in the 2070s, which no server sends.
//!
//! A leaf: uses no other module of the crate, no clock and no allocation; never panics.

/// Abbreviated weekday names, Monday first.
const DAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
/// Full weekday names (RFC 850 form), Monday first.
const LONG_DAYS: [&[u8]; 7] = [
    b"Monday",
    b"Tuesday",
    b"Wednesday",
    b"Thursday",
    b"Friday",
    b"Saturday",
    b"Sunday",
];
const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Seconds since the Unix epoch of an HTTP-date in any of its three forms; `None` for anything
/// else, including a weekday that is not the date's and a time such as `24:00:00`.
pub fn unix_seconds(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    match b.len() {
        // Sun, 06 Nov 1994 08:49:37 GMT
        29 if &b[3..5] == b", " && b[7] == b' ' && b[11] == b' ' && b[16] == b' ' => {
            (&b[25..] == b" GMT").then_some(())?;
            date(
                index(&DAYS, &b[..3])?,
                number(&b[12..16])?,
                &b[8..11],
                number(&b[5..7])?,
                &b[17..25],
            )
        }
        // Sun Nov  6 08:49:37 1994 (the day may also be written `06`)
        24 if b[3] == b' ' && b[7] == b' ' && b[10] == b' ' && b[19] == b' ' => date(
            index(&DAYS, &b[..3])?,
            number(&b[20..24])?,
            &b[4..7],
            number(if b[8] == b' ' { &b[9..10] } else { &b[8..10] })?,
            &b[11..19],
        ),
        // Sunday, 06-Nov-94 08:49:37 GMT
        _ => {
            let comma = b.iter().position(|&c| c == b',')?;
            let rest = &b[comma..];
            let shape = rest.len() == 24
                && &rest[..2] == b", "
                && rest[4] == b'-'
                && rest[8] == b'-'
                && rest[11] == b' '
                && &rest[20..] == b" GMT";
            shape.then_some(())?;
            let yy = number(&rest[9..11])?;
            date(
                index(&LONG_DAYS, &b[..comma])?,
                if yy < 70 { 2000 + yy } else { 1900 + yy },
                &rest[5..8],
                number(&rest[2..4])?,
                &rest[12..20],
            )
        }
    }
}

/// The seconds of a date whose parts make a real one on that weekday (0 is Monday); `time` is
/// `HH:MM:SS`.
fn date(weekday: usize, year: i64, month: &[u8], day: i64, time: &[u8]) -> Option<i64> {
    if time.len() != 8 || time[2] != b':' || time[5] != b':' {
        return None;
    }
    let (hour, minute, second) = (
        number(&time[..2])?,
        number(&time[3..5])?,
        number(&time[6..])?,
    );
    let month = index(&MONTHS, month)? as i64 + 1;
    let valid = (1970..=9999).contains(&year)
        && (1..=days_in_month(year, month)).contains(&day)
        && hour < 24
        && minute < 60
        && second < 60;
    let days = days_from_civil(year, month, day);
    // 1970-01-01 was a Thursday, 3 counting from Monday.
    (valid && (days + 3).rem_euclid(7) == weekday as i64)
        .then_some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// Where `name` is in `names`.
fn index(names: &[&[u8]], name: &[u8]) -> Option<usize> {
    names.iter().position(|n| *n == name)
}

/// ASCII digits only (no sign, no spaces) as a number; at most 4 digits are ever passed.
fn number(digits: &[u8]) -> Option<i64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (Howard Hinnant's
/// `days_from_civil`).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1994-11-06T08:49:37Z, RFC 9110's example.
    const EXAMPLE: i64 = 784_111_777;

    #[test]
    fn reads_the_three_forms_of_rfc_9110s_example() {
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun Nov 06 08:49:37 1994",
        ] {
            assert_eq!(unix_seconds(form), Some(EXAMPLE), "{form}");
        }
    }

    #[test]
    fn reads_the_edges_of_the_range_and_leap_days() {
        assert_eq!(unix_seconds("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(
            unix_seconds("Fri, 31 Dec 9999 23:59:59 GMT"),
            Some(253_402_300_799)
        );
        assert_eq!(
            unix_seconds("Tue, 29 Feb 2000 12:00:00 GMT"),
            Some(951_825_600)
        );
        assert_eq!(
            unix_seconds("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(1_445_412_480)
        );
        // Two-digit years: below 70 is this century, as `httpdate` read them.
        assert_eq!(unix_seconds("Thursday, 01-Jan-70 00:00:00 GMT"), Some(0));
        assert_eq!(
            unix_seconds("Saturday, 01-Jan-00 00:00:00 GMT"),
            Some(946_684_800)
        );
        for day in [
            "Monday",
            "Tuesday",
            "Wednesday",
            "Thursday",
            "Friday",
            "Saturday",
        ] {
            let text = format!("{day}, 0{}-Jan-01 00:00:00 GMT", day_index(day) + 1);
            assert!(unix_seconds(&text).is_some(), "{text}");
        }
    }

    fn day_index(day: &str) -> usize {
        LONG_DAYS.iter().position(|d| *d == day.as_bytes()).unwrap()
    }

    #[test]
    fn refuses_what_is_not_a_real_date_in_one_of_the_forms() {
        for junk in [
            "",
            "soon",
            "Mon, 06 Nov 1994 08:49:37 GMT", // 1994-11-06 was a Sunday
            "Sun, 06 Nov 1994 08:49:37 UTC", // only GMT
            "sun, 06 Nov 1994 08:49:37 GMT", // case-sensitive
            "Sun, 06 nov 1994 08:49:37 GMT",
            "Sun, 6 Nov 1994 08:49:37 GMT", // IMF-fixdate has two-digit days
            "Sun,  6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:60:00 GMT",
            "Sun, 06 Nov 1994 08:49:60 GMT",
            "Sun, 06 Nov 1994 8:49:37 GMT ",
            "Sun, 06 Nov +994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:3- GMT",
            "Thu, 31 Dec 1969 23:59:59 GMT", // before the epoch
            "Tue, 29 Feb 1900 00:00:00 GMT", // not a leap year
            "Sat, 31 Jun 2024 00:00:00 GMT", // June has 30 days
            "Sun, 00 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT\n",
            "Sun Nov  6 08:49:37 94",
            "Sun Nov   6 08:49:37 1994",
            "Sunday, 06-Nov-1994 08:49:37 GMT",
            "Sun, 06-Nov-94 08:49:37 GMT", // RFC 850 has the full weekday
            "Someday, 06-Nov-94 08:49:37 GMT",
            ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,",
            "é, 06 Nov 1994 08:49:37 GMTé",
        ] {
            assert_eq!(unix_seconds(junk), None, "{junk:?}");
        }
    }
}
