//! Generic readers of JavaScript arguments: types, option keys with typo suggestions,
//! numbers, durations, choices and lists. Every failure is an `invalid_request` naming the
//! field and saying what was expected and what came (by type only: a value may be a secret).

use std::fmt;

use gpt_image::Error;
use gpt_image::error::{comma_list, quoted as quote};
use serde_json::{Map, Value};

/// Longest duration accepted anywhere, ms: what `setTimeout` can wait (about 24.8 days).
pub const MAX_MS: u64 = i32::MAX as u64;

/// Fails on the first key of an options object that is not in `allowed`, suggesting the
/// allowed key it most looks like. `what` names the object in the message.
pub fn check_keys<'a>(
    what: &str,
    keys: impl IntoIterator<Item = &'a str>,
    allowed: &[&str],
) -> Result<(), Error> {
    match keys.into_iter().find(|k| !allowed.contains(k)) {
        Some(unknown) => Err(unknown_key(what, unknown, allowed)),
        None => Ok(()),
    }
}

/// The error of [`check_keys`], apart so that one copy serves every kind of key list.
fn unknown_key(what: &str, unknown: &str, allowed: &[&str]) -> Error {
    let hint = match suggestion(unknown, allowed) {
        Some(close) => format!(" (did you mean {close}?)"),
        None => String::new(),
    };
    invalid(
        unknown,
        format!(
            "is not an option of {what}{hint}; the options are {}",
            comma_list(&mut allowed.iter().copied())
        ),
    )
}

/// The allowed key a mistyped one most likely meant: same letters ignoring case, `_` and
/// `-` (`api_key` → `apiKey`), or at most two edits away.
fn suggestion<'a>(key: &str, allowed: &[&'a str]) -> Option<&'a str> {
    // ASCII case folding only: option names are ASCII, and Unicode tables would cost kilobytes.
    let norm = |s: &str| -> Vec<char> {
        s.chars()
            .filter(|c| *c != '_' && *c != '-')
            .map(|c| c.to_ascii_lowercase())
            .collect()
    };
    let key = norm(key);
    allowed
        .iter()
        .map(|a| (edit_distance(&key, &norm(a)), *a))
        .filter(|(d, a)| *d == 0 || (*d <= 2 && a.len() > 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a)
}

fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// A duration in ms from JavaScript: a finite number from 1 to [`MAX_MS`], rounded up.
pub fn millis(field: &str, ms: f64) -> Result<u64, Error> {
    if ms.is_finite() && ms > 0.0 && ms <= MAX_MS as f64 {
        Ok(ms.ceil() as u64)
    } else {
        Err(invalid(
            field,
            format!(
                "must be a number of milliseconds from 1 to {MAX_MS}, not {}",
                number(ms)
            ),
        ))
    }
}

/// A duration in ms from a JSON value (see [`millis`]).
pub(crate) fn millis_value(field: &str, value: &Value) -> Result<u64, Error> {
    match value.as_f64() {
        Some(ms) => millis(field, ms),
        None => Err(wrong_type(
            field,
            "a number of milliseconds",
            type_name(value),
        )),
    }
}

/// A whole number from `min` to `max`.
pub(crate) fn whole_number(field: &str, value: &Value, min: u64, max: u64) -> Result<u64, Error> {
    let Some(x) = value.as_f64() else {
        return Err(wrong_type(field, "a whole number", type_name(value)));
    };
    if x.fract() == 0.0 && x >= min as f64 && x <= max as f64 {
        Ok(x as u64)
    } else {
        Err(invalid(
            field,
            format!(
                "must be a whole number from {min} to {max}, not {}",
                number(x)
            ),
        ))
    }
}

/// An optional wire-named choice (`quality`…): absent is `None`, anything else must parse.
pub(crate) fn choice<T: Copy + fmt::Display>(
    obj: &Map<String, Value>,
    field: &str,
    parse: fn(&str) -> Option<T>,
    all: &[T],
) -> Result<Option<T>, Error> {
    present(obj, field)
        .map(|v| one_of(field, v, parse, all))
        .transpose()
}

/// One of `all`, spelled as the providers spell it; the message lists them.
pub(crate) fn one_of<T: Copy + fmt::Display>(
    field: &str,
    value: &Value,
    parse: fn(&str) -> Option<T>,
    all: &[T],
) -> Result<T, Error> {
    match value.as_str().and_then(parse) {
        Some(choice) => Ok(choice),
        None => {
            let names: Vec<String> = all.iter().map(|v| format!("\"{v}\"")).collect();
            Err(not_one_of(field, value, &names))
        }
    }
}

/// The error of [`one_of`], apart so that one copy serves every option's type.
fn not_one_of(field: &str, value: &Value, names: &[String]) -> Error {
    let list = comma_list(&mut names.iter().map(String::as_str));
    match value {
        Value::String(s) => invalid(field, format!("{} is not one of {list}", quote(s))),
        other => wrong_type(field, &format!("one of {list}"), type_name(other)),
    }
}

/// An optional array whose items `item` reads; items are named `field[i]` in errors.
pub(crate) fn list<T>(
    obj: &Map<String, Value>,
    field: &str,
    items: &str,
    item: impl Fn(&str, &Value) -> Result<T, Error>,
) -> Result<Vec<T>, Error> {
    match present(obj, field) {
        None => Ok(Vec::new()),
        Some(Value::Array(values)) => values
            .iter()
            .enumerate()
            .map(|(i, v)| item(&format!("{field}[{i}]"), v))
            .collect(),
        Some(other) => Err(wrong_type(
            field,
            &format!("an array of {items}"),
            type_name(other),
        )),
    }
}

/// An optional string.
pub(crate) fn optional_text(
    obj: &Map<String, Value>,
    field: &str,
) -> Result<Option<String>, Error> {
    match present(obj, field) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(wrong_type(field, "a string", type_name(other))),
    }
}

/// A plain object.
pub(crate) fn object<'a>(
    value: &'a Value,
    field: &str,
    expected: &str,
) -> Result<&'a Map<String, Value>, Error> {
    match value {
        Value::Object(obj) => Ok(obj),
        other => Err(wrong_type(field, expected, type_name(other))),
    }
}

/// A key's value, treating `undefined` and `null` (both `Null` here) as absent.
pub(crate) fn present<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// "a string", "an array"…: the type of a JSON value in words, never its content.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null or undefined",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// An argument of the wrong type. `got` says what it was (never its value: it may be a key).
pub fn wrong_type(field: &str, expected: &str, got: &str) -> Error {
    invalid(field, format!("must be {expected}, not {got}"))
}

/// An invalid-request error on `field`.
pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Error {
    Error::InvalidRequest {
        field: field.into(),
        message: message.into(),
    }
}

/// A number as JavaScript would print it, for messages: whole numbers exactly, others to three
/// decimals. Written out by hand because float formatting costs kilobytes of wasm.
pub(crate) fn number(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let x = x.abs();
    if x >= 1e15 {
        return format!("{sign}10^15 or more");
    }
    let thousandths = (x * 1000.0).round() as u64;
    let (whole, fraction) = (thousandths / 1000, thousandths % 1000);
    if fraction == 0 {
        format!("{sign}{whole}")
    } else {
        let digits = format!("{fraction:03}");
        format!("{sign}{whole}.{}", digits.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::arguments::{CLIENT_OPTIONS, WAIT_OPTIONS};

    fn field(result: Result<impl fmt::Debug, Error>) -> (String, String) {
        match result {
            Err(Error::InvalidRequest { field, message }) => (field, message),
            other => panic!("expected an invalid request, got {other:?}"),
        }
    }

    #[test]
    fn unknown_keys_suggest_only_close_names() {
        let err = check_keys("x", ["apikey"], CLIENT_OPTIONS).unwrap_err();
        assert!(err.to_string().contains("did you mean apiKey?"), "{err}");
        let err = check_keys("x", ["fetch"], CLIENT_OPTIONS).unwrap_err();
        assert!(!err.to_string().contains("did you mean"), "{err}");
        assert!(
            err.to_string().contains("provider, apiKey, baseUrl"),
            "{err}"
        );
        assert!(check_keys("x", ["signal", "onUpdate"], WAIT_OPTIONS).is_ok());
        let err = check_keys("wait options", ["idempotencyKey"], WAIT_OPTIONS).unwrap_err();
        assert!(err.to_string().contains("wait options"), "{err}");
    }

    #[test]
    fn numbers_print_as_javascript_would() {
        for (x, text) in [
            (0.0, "0"),
            (-1.0, "-1"),
            (1.5, "1.5"),
            (0.125, "0.125"),
            (2.0004, "2"),
            (f64::NAN, "NaN"),
            (f64::NEG_INFINITY, "-Infinity"),
            (1e20, "10^15 or more"),
        ] {
            assert_eq!(number(x), text, "{x}");
        }
        let (_, message) = field(millis("timeoutMs", -1.5));
        assert!(message.ends_with("not -1.5"), "{message}");
    }

    #[test]
    fn millis_are_positive_finite_and_bounded() {
        assert_eq!(millis("t", 1.0).unwrap(), 1);
        assert_eq!(millis("t", 0.2).unwrap(), 1);
        assert_eq!(millis("t", MAX_MS as f64).unwrap(), MAX_MS);
        for bad in [0.0, -5.0, f64::NAN, f64::INFINITY, 1e12] {
            assert_eq!(field(millis("timeoutMs", bad)).0, "timeoutMs", "{bad}");
        }
    }

    #[test]
    fn type_names_never_show_the_value() {
        for (value, name) in [
            (Value::Null, "null or undefined"),
            (Value::from("afk_secret"), "a string"),
            (Value::from(3), "a number"),
        ] {
            assert_eq!(type_name(&value), name);
        }
    }
}
