//! The one error type of the client, with a variant per thing a caller does differently.
//!
//! No variant ever holds the API key: errors are built from replies, and every text taken from
//! a reply passes through [`redact`] first.
//!
//! A leaf: uses no other module of the crate.

use std::fmt;

/// Everything that can go wrong between a request and its images.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// The request or an argument is wrong; nothing was sent. Fix `field` and try again.
    InvalidRequest { field: String, message: String },
    /// The key is missing, wrong (401) or inactive (403).
    Auth {
        status: u16,
        message: String,
        request_id: Option<String>,
    },
    /// Too many requests; wait `retry_after_ms` when the provider said how long.
    RateLimited {
        retry_after_ms: Option<u64>,
        message: String,
        request_id: Option<String>,
    },
    /// The provider answered with an error status.
    Api {
        status: u16,
        code: Option<String>,
        message: String,
        request_id: Option<String>,
        /// The reply body, cut to a sane length.
        body: String,
    },
    /// The request did not complete: offline, DNS, CORS, connection dropped.
    Network { message: String },
    /// A request took longer than its timeout, or a wait passed its deadline.
    Timeout {
        message: String,
        /// The job that may still finish, when the deadline was a wait's.
        job_id: Option<String>,
    },
    /// The caller's abort signal fired.
    Aborted,
    /// The provider ran the job and it failed; credits are normally refunded.
    JobFailed { job_id: String, reason: String },
    /// The reply could not be understood.
    Decode {
        message: String,
        /// The reply body, cut to a sane length.
        body: String,
    },
}

/// Longest reply body an error keeps, in bytes.
pub const MAX_BODY: usize = 2_048;

impl Error {
    pub(crate) fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidRequest {
            field: field.into(),
            message: message.into(),
        }
    }

    pub(crate) fn decode(message: impl Into<String>, body: &str) -> Self {
        Error::Decode {
            message: message.into(),
            body: cut(body, MAX_BODY),
        }
    }

    /// A stable snake_case name for the variant, as the JavaScript API reports it.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidRequest { .. } => "invalid_request",
            Error::Auth { .. } => "auth",
            Error::RateLimited { .. } => "rate_limited",
            Error::Api { .. } => "api",
            Error::Network { .. } => "network",
            Error::Timeout { .. } => "timeout",
            Error::Aborted => "aborted",
            Error::JobFailed { .. } => "job_failed",
            Error::Decode { .. } => "decode",
        }
    }

    /// The HTTP status behind the error, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Auth { status, .. } | Error::Api { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// The provider's request id, for support tickets.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Auth { request_id, .. }
            | Error::RateLimited { request_id, .. }
            | Error::Api { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    /// The raw reply body, when the error came from one.
    pub fn body(&self) -> Option<&str> {
        match self {
            Error::Api { body, .. } | Error::Decode { body, .. } => Some(body),
            _ => None,
        }
    }

    /// Whether sending the same request again may succeed (network, timeouts, 408, 429, 5xx).
    /// Whether it is also *safe* to resend a submit is [`crate::retry`]'s question.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Network { .. } | Error::Timeout { .. } | Error::RateLimited { .. } => true,
            Error::Api { status, .. } => *status == 408 || *status >= 500,
            _ => false,
        }
    }

    /// Appends a sentence to the human message (used to say why a submit was not resent).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by the wasm32 client
    pub(crate) fn with_note(mut self, note: &str) -> Self {
        if note.is_empty() {
            return self;
        }
        if let Error::Network { message }
        | Error::Timeout { message, .. }
        | Error::RateLimited { message, .. }
        | Error::Api { message, .. }
        | Error::Decode { message, .. } = &mut self
        {
            message.push(' ');
            message.push_str(note);
        }
        self
    }

    /// Removes every occurrence of `secret` from the texts the error carries.
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by the wasm32 client
    pub(crate) fn redacted(mut self, secret: &str) -> Self {
        match &mut self {
            Error::InvalidRequest { message, .. }
            | Error::Network { message }
            | Error::Timeout { message, .. }
            | Error::JobFailed {
                reason: message, ..
            } => redact(message, secret),
            Error::Auth {
                message,
                request_id,
                ..
            }
            | Error::RateLimited {
                message,
                request_id,
                ..
            } => {
                redact(message, secret);
                if let Some(request_id) = request_id {
                    redact(request_id, secret);
                }
            }
            Error::Api {
                message,
                body,
                code,
                request_id,
                ..
            } => {
                redact(message, secret);
                redact(body, secret);
                for text in [code, request_id].into_iter().flatten() {
                    redact(text, secret);
                }
            }
            Error::Decode { message, body } => {
                redact(message, secret);
                redact(body, secret);
            }
            Error::Aborted => {}
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidRequest { field, message } => {
                write!(f, "invalid request: {field}: {message}")
            }
            Error::Auth {
                status, message, ..
            } => {
                write!(f, "authentication failed ({status}): {message}")
            }
            Error::RateLimited {
                retry_after_ms,
                message,
                ..
            } => match retry_after_ms {
                Some(ms) => write!(f, "rate limited: {message} (retry after {})", seconds(*ms)),
                None => write!(f, "rate limited: {message}"),
            },
            Error::Api {
                status,
                code,
                message,
                ..
            } => match code {
                Some(code) => write!(f, "provider error {status} ({code}): {message}"),
                None => write!(f, "provider error {status}: {message}"),
            },
            Error::Network { message } => write!(f, "network error: {message}"),
            Error::Timeout { message, .. } => write!(f, "timed out: {message}"),
            Error::Aborted => f.write_str("aborted by the caller"),
            Error::JobFailed { job_id, reason } => write!(f, "job {job_id} failed: {reason}"),
            Error::Decode { message, .. } => write!(f, "unreadable reply: {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// Quotes a value for an error message, cut at 80 characters so a 2 MB data URL cannot flood
/// it. Plain quotes, not `{:?}`: Debug escaping would pull Unicode tables into the wasm.
pub fn quoted(s: &str) -> String {
    const MOST: usize = 80;
    let count = s.chars().count();
    if count <= MOST {
        format!("\"{s}\"")
    } else {
        let head: String = s.chars().take(MOST).collect();
        format!("\"{head}…\" ({count} characters)")
    }
}

/// Milliseconds as seconds with one decimal ("1.5 s"), in integer arithmetic: formatting a
/// float would pull some 14 KB of float-printing code into the wasm.
pub(crate) fn seconds(ms: u64) -> String {
    let tenths = ms.saturating_add(50) / 100;
    format!("{}.{} s", tenths / 10, tenths % 10)
}

/// A decimal number read with the JSON parser replies go through ([`crate::json::parse`]),
/// instead of `str::parse::<f64>` and its tables. `None` for anything that is not a finite JSON number.
///
/// Read as a `Value`, the path every reply already takes: `from_str::<f64>` would add serde's
/// "invalid type" message, which formats floats and so links all of Rust's float printing
/// (some 15 KB of wasm).
pub(crate) fn parse_number(text: &str) -> Option<f64> {
    crate::json::parse(text.trim())
        .ok()?
        .as_f64()
        .filter(|n| n.is_finite())
}

/// Replaces `secret` with `[redacted]` in place. Short secrets are left alone: a key of a few
/// characters would redact ordinary words, and is rejected earlier anyway.
///
/// A byte search, not `str::replace`: the same result (a valid UTF-8 needle only ever matches
/// on character boundaries), without the two-way string searcher in the wasm.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))] // used by the wasm32 client
pub(crate) fn redact(text: &mut String, secret: &str) {
    let needle = secret.as_bytes();
    if needle.len() < 6 || find(text.as_bytes(), needle).is_none() {
        return;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = find(rest.as_bytes(), needle) {
        out.push_str(rest.get(..at).unwrap_or_default());
        out.push_str("[redacted]");
        rest = rest.get(at + needle.len()..).unwrap_or_default();
    }
    out.push_str(rest);
    *text = out;
}

/// Where `needle` (not empty) first occurs in `haystack`.
pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The items separated by ", ". One small function for every list in a message, where
/// `[T]::join` is instantiated per item type (about 1 KB of wasm each).
pub fn comma_list(items: &mut dyn Iterator<Item = &str>) -> String {
    let mut out = String::new();
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(item);
    }
    out
}

/// Cuts `s` to at most `max` bytes on a character boundary, marking the cut.
pub(crate) fn cut(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}… [{} bytes in all]",
        s.get(..end).unwrap_or_default(),
        s.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_the_javascript_names() {
        assert_eq!(Error::Aborted.kind(), "aborted");
        assert_eq!(Error::invalid("n", "bad").kind(), "invalid_request");
        assert_eq!(Error::decode("x", "{").kind(), "decode");
    }

    #[test]
    fn transient_errors_are_the_retryable_ones() {
        let api = |status| Error::Api {
            status,
            code: None,
            message: String::new(),
            request_id: None,
            body: String::new(),
        };
        assert!(api(503).is_transient());
        assert!(api(408).is_transient());
        assert!(!api(400).is_transient());
        assert!(!api(404).is_transient());
        assert!(!Error::Aborted.is_transient());
        assert!(!Error::decode("x", "").is_transient());
    }

    #[test]
    fn bodies_are_cut_on_char_boundaries() {
        let body = "é".repeat(5_000);
        let Error::Decode { body, .. } = Error::decode("bad", &body) else {
            unreachable!()
        };
        assert!(body.len() < MAX_BODY + 40);
        assert!(body.ends_with("[10000 bytes in all]"));
    }

    #[test]
    fn quoting_cuts_long_values() {
        assert_eq!(quoted("fox"), "\"fox\"");
        let long = quoted(&"é".repeat(1_000));
        assert!(
            long.ends_with("…\" (1000 characters)") && long.chars().count() < 110,
            "{long}"
        );
    }

    #[test]
    fn seconds_round_to_tenths() {
        assert_eq!(seconds(0), "0.0 s");
        assert_eq!(seconds(1_500), "1.5 s");
        assert_eq!(seconds(1_449), "1.4 s");
        assert_eq!(seconds(59_999), "60.0 s");
        assert!(seconds(u64::MAX).ends_with(" s"));
    }

    #[test]
    fn numbers_parse_like_json() {
        assert_eq!(parse_number(" 2 "), Some(2.0));
        assert_eq!(parse_number("1.5"), Some(1.5));
        assert_eq!(parse_number("-0.25e1"), Some(-2.5));
        for junk in [
            "", "soon", "NaN", "1e999", "0x10", "1,5", "\"5\"", "[1]", "null", "true",
        ] {
            assert_eq!(parse_number(junk), None, "{junk}");
        }
    }

    #[test]
    fn redaction_removes_the_key_everywhere() {
        let key = "afk_secret_123456";
        let err = Error::Api {
            status: 400,
            code: Some(key.into()),
            message: format!("bad key {key}"),
            request_id: Some(format!("req-{key}")),
            body: format!("{{\"echo\":\"{key}\"}}"),
        }
        .redacted(key);
        let all = format!("{err:?} {err} {:?}", err.request_id());
        assert!(!all.contains(key), "{all}");
        assert!(all.contains("[redacted]"));
        for err in [
            Error::Auth {
                status: 401,
                message: String::new(),
                request_id: Some(key.into()),
            },
            Error::RateLimited {
                retry_after_ms: None,
                message: String::new(),
                request_id: Some(key.into()),
            },
        ] {
            let err = err.redacted(key);
            assert_eq!(err.request_id(), Some("[redacted]"));
        }
    }
}
