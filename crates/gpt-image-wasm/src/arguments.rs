//! Checking what JavaScript passed in, before the client core sees it.
//!
//! Plain Rust over [`serde_json::Value`] (what the wasm glue turns a plain JS object into) and
//! plain numbers, so every rule is tested natively. A bad argument becomes
//! [`Error::InvalidRequest`] naming the field: a wrong type, an unknown option key (with a
//! suggestion when it looks like a typo), a value out of range. Nothing here panics on any
//! input, and nothing here touches JavaScript: reading `JsValue`s is the glue's job.
//!
//! Provider-specific rules (prompt length, `n` per provider, options a provider lacks) are the
//! core's, checked by [`gpt_image::Request::validate`] when a request is submitted.

use std::fmt;
use std::str::FromStr;

use gpt_image::{
    AspectRatio, Background, Error, InputFidelity, OutputFormat, PollSchedule, Provider, Quality,
    Request, RetryPolicy, WebhookEvent,
};
use serde_json::{Map, Value};

/// Keys of `createClient(options)`.
pub const CLIENT_OPTIONS: &[&str] = &[
    "provider",
    "apiKey",
    "baseUrl",
    "maxRetries",
    "timeoutMs",
    "poll",
];
/// Keys of `createClient({ poll })`.
pub const POLL_OPTIONS: &[&str] = &["minDelayMs", "maxDelayMs", "typicalMs"];
/// Keys of a request.
pub const REQUEST_FIELDS: &[&str] = &[
    "prompt",
    "quality",
    "aspectRatio",
    "background",
    "n",
    "outputFormat",
    "inputImages",
    "inputFidelity",
    "webhookUrl",
    "webhookEvents",
];
/// Keys of `client.submit(request, options)`.
pub const SUBMIT_OPTIONS: &[&str] = &["signal", "idempotencyKey"];
/// Keys of `client.status(jobId, options)`.
pub const STATUS_OPTIONS: &[&str] = &["signal"];
/// Keys of `client.wait(jobId, options)`.
pub const WAIT_OPTIONS: &[&str] = &["signal", "onUpdate", "timeoutMs"];
/// Keys of `client.generate(request, options)`.
pub const GENERATE_OPTIONS: &[&str] = &["signal", "onUpdate", "idempotencyKey", "timeoutMs"];
/// Keys of `verifyWebhook(input)`.
pub const WEBHOOK_INPUT: &[&str] = &["body", "signature", "apiKey"];

/// Longest duration accepted anywhere, ms: what `setTimeout` can wait (about 24.8 days).
pub const MAX_MS: u64 = i32::MAX as u64;
/// Most retries a client may be configured with.
pub const MAX_RETRIES: u32 = 10;
/// Shortest poll interval accepted, ms, so that no setting hammers a provider.
pub const MIN_POLL_MS: u64 = 100;

/// `createClient` options, checked and with defaults filled in.
#[derive(Clone, PartialEq)]
pub struct ClientConfig {
    pub provider: Provider,
    pub api_key: String,
    pub base_url: Option<String>,
    pub retry: RetryPolicy,
    /// Per-request timeout, ms.
    pub timeout_ms: u64,
    /// `None` keeps the provider's own schedule.
    pub poll: Option<PollSchedule>,
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("provider", &self.provider)
            .field("api_key", &"[redacted]")
            .field("base_url", &self.base_url)
            .field("retry", &self.retry)
            .field("timeout_ms", &self.timeout_ms)
            .field("poll", &self.poll)
            .finish()
    }
}

/// Per-request timeout when `timeoutMs` is not given: 30 s, the core's default.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;

/// Reads `createClient(options)`.
pub fn client_config(options: &Value) -> Result<ClientConfig, Error> {
    let obj = object(
        options,
        "options",
        "an object such as { provider: 'apiframe', apiKey }",
    )?;
    check_keys(
        "createClient options",
        obj.keys().map(String::as_str),
        CLIENT_OPTIONS,
    )?;
    let provider = match present(obj, "provider") {
        None => {
            return Err(invalid(
                "provider",
                "is required: \"apiframe\" or \"apiinone\"",
            ));
        }
        Some(Value::String(id)) => Provider::from_str(id)?,
        Some(other) => {
            return Err(wrong_type(
                "provider",
                "\"apiframe\" or \"apiinone\"",
                describe(other),
            ));
        }
    };
    // The key's value is never echoed, not even its type's contents.
    let api_key = match present(obj, "apiKey") {
        None => {
            return Err(invalid(
                "apiKey",
                format!("is required: your {} API key", provider.name()),
            ));
        }
        Some(Value::String(key)) => key.clone(),
        Some(other) => return Err(wrong_type("apiKey", "a string", describe(other))),
    };
    let base_url = optional_text(obj, "baseUrl")?;
    let max_retries = match present(obj, "maxRetries") {
        None => RetryPolicy::default().max_retries,
        Some(v) => whole_number("maxRetries", v, 0, u64::from(MAX_RETRIES))? as u32,
    };
    let timeout_ms = match present(obj, "timeoutMs") {
        None => DEFAULT_TIMEOUT_MS,
        Some(v) => millis_value("timeoutMs", v)?,
    };
    let poll = match present(obj, "poll") {
        None => None,
        Some(v) => Some(poll_schedule(v, provider)?),
    };
    Ok(ClientConfig {
        provider,
        api_key,
        base_url,
        retry: RetryPolicy {
            max_retries,
            ..RetryPolicy::default()
        },
        timeout_ms,
        poll,
    })
}

fn poll_schedule(value: &Value, provider: Provider) -> Result<PollSchedule, Error> {
    let obj = object(value, "poll", "an object such as { minDelayMs: 200 }")?;
    check_keys("poll options", obj.keys().map(String::as_str), POLL_OPTIONS)?;
    let mut schedule =
        PollSchedule::for_typical_duration(provider.capabilities().typical_duration_ms);
    let read = |key: &str, field: &str, slot: &mut u64| -> Result<(), Error> {
        if let Some(v) = present(obj, key) {
            *slot = millis_value(field, v)?;
        }
        Ok(())
    };
    read("minDelayMs", "poll.minDelayMs", &mut schedule.min_delay_ms)?;
    read("maxDelayMs", "poll.maxDelayMs", &mut schedule.max_delay_ms)?;
    read("typicalMs", "poll.typicalMs", &mut schedule.typical_ms)?;
    if schedule.min_delay_ms < MIN_POLL_MS {
        return Err(invalid(
            "poll.minDelayMs",
            format!(
                "is {} ms; polling faster than every {MIN_POLL_MS} ms only adds load",
                schedule.min_delay_ms
            ),
        ));
    }
    if schedule.max_delay_ms < schedule.min_delay_ms {
        return Err(invalid(
            "poll.maxDelayMs",
            format!(
                "is {} ms, less than poll.minDelayMs ({} ms)",
                schedule.max_delay_ms, schedule.min_delay_ms
            ),
        ));
    }
    Ok(schedule)
}

/// Reads a request object into the core's [`Request`]. Provider rules are checked at submit.
pub fn request(value: &Value) -> Result<Request, Error> {
    let obj = object(
        value,
        "request",
        "an object such as { prompt: 'a lighthouse at dawn' }",
    )?;
    check_keys(
        "the request",
        obj.keys().map(String::as_str),
        REQUEST_FIELDS,
    )?;
    let prompt = match present(obj, "prompt") {
        None => return Err(invalid("prompt", "is required: describe the image to make")),
        Some(Value::String(prompt)) => prompt.clone(),
        Some(other) => return Err(wrong_type("prompt", "a string", describe(other))),
    };
    let most_images = Provider::ALL
        .iter()
        .filter_map(|p| p.capabilities().max_images)
        .max()
        .unwrap_or(1);
    let n = match present(obj, "n") {
        None => None,
        Some(Value::Number(num)) if num.as_f64().is_some_and(|n| n > f64::from(most_images)) => {
            return Err(invalid(
                "n",
                format!("is {num}; a request makes at most {most_images} images"),
            ));
        }
        Some(v) => Some(whole_number("n", v, 0, u64::from(u8::MAX))? as u8),
    };
    Ok(Request {
        prompt,
        quality: choice(obj, "quality", Quality::parse, Quality::ALL)?,
        aspect_ratio: choice(obj, "aspectRatio", AspectRatio::parse, AspectRatio::ALL)?,
        background: choice(obj, "background", Background::parse, Background::ALL)?,
        n,
        output_format: choice(obj, "outputFormat", OutputFormat::parse, OutputFormat::ALL)?,
        input_images: list(obj, "inputImages", "URL strings", |field, v| match v {
            Value::String(url) => Ok(url.clone()),
            other => Err(wrong_type(
                field,
                "an http(s) or data:image URL string",
                describe(other),
            )),
        })?,
        input_fidelity: choice(
            obj,
            "inputFidelity",
            InputFidelity::parse,
            InputFidelity::ALL,
        )?,
        webhook_url: optional_text(obj, "webhookUrl")?,
        webhook_events: list(obj, "webhookEvents", "event names", |field, v| {
            one_of(field, v, WebhookEvent::parse, WebhookEvent::ALL)
        })?,
    })
}

/// Fails on the first key of an options object that is not in `allowed`, suggesting the
/// allowed key it most looks like. `what` names the object in the message.
pub fn check_keys<'a>(
    what: &str,
    keys: impl IntoIterator<Item = &'a str>,
    allowed: &[&str],
) -> Result<(), Error> {
    let Some(unknown) = keys.into_iter().find(|k| !allowed.contains(k)) else {
        return Ok(());
    };
    let hint = match suggestion(unknown, allowed) {
        Some(close) => format!(" (did you mean {close}?)"),
        None => String::new(),
    };
    Err(invalid(
        unknown,
        format!(
            "is not an option of {what}{hint}; the options are {}",
            allowed.join(", ")
        ),
    ))
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

fn millis_value(field: &str, value: &Value) -> Result<u64, Error> {
    match value.as_f64() {
        Some(ms) => millis(field, ms),
        None => Err(wrong_type(
            field,
            "a number of milliseconds",
            describe(value),
        )),
    }
}

fn whole_number(field: &str, value: &Value, min: u64, max: u64) -> Result<u64, Error> {
    let Some(x) = value.as_f64() else {
        return Err(wrong_type(field, "a whole number", describe(value)));
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

fn choice<T: Copy + fmt::Display>(
    obj: &Map<String, Value>,
    field: &str,
    parse: fn(&str) -> Option<T>,
    all: &[T],
) -> Result<Option<T>, Error> {
    present(obj, field)
        .map(|v| one_of(field, v, parse, all))
        .transpose()
}

fn one_of<T: Copy + fmt::Display>(
    field: &str,
    value: &Value,
    parse: fn(&str) -> Option<T>,
    all: &[T],
) -> Result<T, Error> {
    let names: Vec<String> = all.iter().map(|v| format!("\"{v}\"")).collect();
    match value {
        Value::String(s) => parse(s).ok_or_else(|| {
            invalid(
                field,
                format!("{} is not one of {}", quote(s), names.join(", ")),
            )
        }),
        other => Err(wrong_type(
            field,
            &format!("one of {}", names.join(", ")),
            describe(other),
        )),
    }
}

fn list<T>(
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
            describe(other),
        )),
    }
}

fn optional_text(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, Error> {
    match present(obj, field) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(wrong_type(field, "a string", describe(other))),
    }
}

fn object<'a>(
    value: &'a Value,
    field: &str,
    expected: &str,
) -> Result<&'a Map<String, Value>, Error> {
    match value {
        Value::Object(obj) => Ok(obj),
        other => Err(wrong_type(field, expected, describe(other))),
    }
}

/// A key's value, treating `undefined` and `null` (both `Null` here) as absent.
fn present<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

/// "a string", "an array"…: what a JSON value is, in words, without its content.
pub fn describe(value: &Value) -> &'static str {
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
fn number(x: f64) -> String {
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

use gpt_image::error::quoted as quote;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field(result: Result<impl fmt::Debug, Error>) -> (String, String) {
        match result {
            Err(Error::InvalidRequest { field, message }) => (field, message),
            other => panic!("expected an invalid request, got {other:?}"),
        }
    }

    #[test]
    fn client_options_take_defaults_and_overrides() {
        let config = client_config(&json!({ "provider": "apiframe", "apiKey": "afk_x" })).unwrap();
        assert_eq!(config.provider, Provider::Apiframe);
        assert_eq!(config.timeout_ms, DEFAULT_TIMEOUT_MS);
        assert_eq!(config.retry, RetryPolicy::default());
        assert_eq!(config.poll, None);

        let config = client_config(&json!({
            "provider": "apiinone", "apiKey": "aio_x", "baseUrl": "http://127.0.0.1:1",
            "maxRetries": 0, "timeoutMs": 250.5, "poll": { "minDelayMs": 100, "typicalMs": 500 },
            "extra": null,
        }));
        // An unknown key is refused even when its value is undefined.
        assert_eq!(field(config).0, "extra");

        let config = client_config(&json!({
            "provider": "apiinone", "apiKey": "aio_x", "baseUrl": "http://127.0.0.1:1",
            "maxRetries": 0, "timeoutMs": 250.5, "poll": { "minDelayMs": 100, "typicalMs": 500 },
        }))
        .unwrap();
        assert_eq!(config.retry.max_retries, 0);
        assert_eq!(config.timeout_ms, 251);
        assert_eq!(
            config.poll,
            Some(PollSchedule {
                min_delay_ms: 100,
                max_delay_ms: 5_000,
                typical_ms: 500
            })
        );
        assert_eq!(config.base_url.as_deref(), Some("http://127.0.0.1:1"));
    }

    #[test]
    fn client_option_mistakes_name_the_field() {
        let cases = [
            (json!(null), "options"),
            (json!("apiframe"), "options"),
            (json!({ "apiKey": "afk_x" }), "provider"),
            (
                json!({ "provider": "openai", "apiKey": "sk_x" }),
                "provider",
            ),
            (json!({ "provider": 1, "apiKey": "afk_x" }), "provider"),
            (json!({ "provider": "apiframe" }), "apiKey"),
            (json!({ "provider": "apiframe", "apiKey": 42 }), "apiKey"),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "baseUrl": 3 }),
                "baseUrl",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "maxRetries": -1 }),
                "maxRetries",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "maxRetries": 1.5 }),
                "maxRetries",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "maxRetries": 11 }),
                "maxRetries",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "timeoutMs": 0 }),
                "timeoutMs",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "timeoutMs": "5s" }),
                "timeoutMs",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "api_key": "x" }),
                "api_key",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "poll": 5 }),
                "poll",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "poll": { "min": 1 } }),
                "min",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "poll": { "minDelayMs": 10 } }),
                "poll.minDelayMs",
            ),
            (
                json!({ "provider": "apiframe", "apiKey": "afk_x", "poll": { "minDelayMs": 900, "maxDelayMs": 800 } }),
                "poll.maxDelayMs",
            ),
        ];
        for (options, expected) in cases {
            assert_eq!(field(client_config(&options)).0, expected, "{options}");
        }
    }

    #[test]
    fn the_api_key_is_never_echoed() {
        let secret = "afk_secret_value_123";
        for options in [
            json!({ "provider": "apiframe", "apiKey": secret, "timeoutMs": -1 }),
            json!({ "provider": "nope", "apiKey": secret }),
            json!({ "provider": "apiframe", "apiKey": [secret] }),
        ] {
            let (_, message) = field(client_config(&options));
            assert!(!message.contains(secret), "{message}");
        }
        let config = client_config(&json!({ "provider": "apiframe", "apiKey": secret })).unwrap();
        assert!(!format!("{config:?}").contains(secret));
    }

    #[test]
    fn a_full_request_reads_into_the_core_shape() {
        let request = request(&json!({
            "prompt": "a fox", "quality": "high", "aspectRatio": "3:2", "background": "transparent",
            "n": 2, "outputFormat": "webp", "inputImages": ["https://example.com/a.png"],
            "inputFidelity": "high", "webhookUrl": "https://hooks.example/x",
            "webhookEvents": ["completed", "failed"], "quality_": null,
        }));
        assert_eq!(field(request).0, "quality_");
        let request = super::request(&json!({
            "prompt": "a fox", "quality": "high", "aspectRatio": "3:2", "background": "transparent",
            "n": 2, "outputFormat": "webp", "inputImages": ["https://example.com/a.png"],
            "inputFidelity": "high", "webhookUrl": "https://hooks.example/x",
            "webhookEvents": ["completed", "failed"], "background": null,
        }))
        .unwrap();
        assert_eq!(request.quality, Some(Quality::High));
        assert_eq!(request.aspect_ratio, Some(AspectRatio::Landscape));
        assert_eq!(request.background, None, "null means unset");
        assert_eq!(request.n, Some(2));
        assert_eq!(request.output_format, Some(OutputFormat::Webp));
        assert_eq!(request.input_images, ["https://example.com/a.png"]);
        assert_eq!(request.input_fidelity, Some(InputFidelity::High));
        assert_eq!(
            request.webhook_events,
            [WebhookEvent::Completed, WebhookEvent::Failed]
        );
        assert_eq!(
            super::request(&json!({ "prompt": "x" })).unwrap(),
            Request::new("x")
        );
    }

    #[test]
    fn request_mistakes_name_the_field() {
        let cases = [
            (json!("a fox"), "request", "an object"),
            (json!({}), "prompt", "is required"),
            (json!({ "prompt": 5 }), "prompt", "a string, not a number"),
            (
                json!({ "prompt": "x", "quality": "ultra" }),
                "quality",
                "\"ultra\" is not one of \"auto\"",
            ),
            (
                json!({ "prompt": "x", "quality": 3 }),
                "quality",
                "not a number",
            ),
            (
                json!({ "prompt": "x", "aspectRatio": "16:9" }),
                "aspectRatio",
                "\"1:1\", \"3:2\", \"2:3\"",
            ),
            (json!({ "prompt": "x", "n": 1.5 }), "n", "whole number"),
            (json!({ "prompt": "x", "n": -1 }), "n", "whole number"),
            (json!({ "prompt": "x", "n": 300 }), "n", "at most 10"),
            (json!({ "prompt": "x", "n": "2" }), "n", "not a string"),
            (
                json!({ "prompt": "x", "inputImages": "https://a/b.png" }),
                "inputImages",
                "an array",
            ),
            (
                json!({ "prompt": "x", "inputImages": ["https://a/b.png", 7] }),
                "inputImages[1]",
                "not a number",
            ),
            (
                json!({ "prompt": "x", "webhookEvents": ["done"] }),
                "webhookEvents[0]",
                "\"done\"",
            ),
            (
                json!({ "prompt": "x", "webhookUrl": true }),
                "webhookUrl",
                "a boolean",
            ),
            (
                json!({ "prompt": "x", "aspect_ratio": "1:1" }),
                "aspect_ratio",
                "did you mean aspectRatio?",
            ),
            (
                json!({ "prompt": "x", "qualty": "high" }),
                "qualty",
                "did you mean quality?",
            ),
        ];
        for (value, expected_field, expected_text) in cases {
            let (f, message) = field(request(&value));
            assert_eq!(f, expected_field, "{value}");
            assert!(message.contains(expected_text), "{value}: {message}");
        }
        // n = 0 passes here; the core refuses it per provider at submit, naming n.
        let zero = request(&json!({ "prompt": "x", "n": 0 })).unwrap();
        assert_eq!(field(zero.validate(Provider::Apiframe)).0, "n");
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
}
