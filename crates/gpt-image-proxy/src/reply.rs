//! What the proxy answers itself (refusals in each provider's own error shape, CORS) and what
//! it keeps of a provider's reply (a few headers, the body with any echo of a key removed).
//!
//! Pure: values in, values out.

use gpt_image::Provider;
use serde_json::{Value, json};

/// Headers as `(lower-case name, value)` pairs.
pub type Headers = Vec<(String, String)>;

/// A reply the proxy sends itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Headers,
    pub body: String,
}

/// The provider reply headers passed on to the caller; every other one is dropped.
pub const PASSED_HEADERS: [&str; 4] = [
    "content-type",
    "retry-after",
    "retry-after-ms",
    "x-request-id",
];

/// The response headers a granted origin may read.
const EXPOSED: &str = "retry-after, retry-after-ms, x-request-id";

/// The first header named `name` (any case).
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// An error reply in `provider`'s own shape (see providers.md); Apiframe's when the path named
/// no provider. `field` is the request field at fault, when there is one.
pub fn error_reply(
    provider: Option<Provider>,
    status: u16,
    message: &str,
    field: Option<&str>,
) -> Reply {
    let mut error = match provider {
        Some(Provider::ApiInOne) => json!({
            "code": status,
            "message": message,
            "type": code_name(status),
        }),
        _ => json!({"code": code_name(status), "message": message}),
    };
    if let (Some(field), Some(object)) = (field, error.as_object_mut()) {
        object.insert("param".into(), Value::String(field.to_owned()));
    }
    Reply {
        status,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("cache-control".into(), "no-store".into()),
        ],
        body: json!({ "error": error }).to_string(),
    }
}

fn code_name(status: u16) -> &'static str {
    match status {
        400 => "invalid_request",
        401 => "unauthorized",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        413 => "payload_too_large",
        415 => "unsupported_media_type",
        502 => "bad_gateway",
        504 => "gateway_timeout",
        _ => "proxy_error",
    }
}

/// CORS headers for a granted origin on an actual (non-preflight) reply.
pub fn grant(origin: &str) -> Headers {
    vec![
        ("access-control-allow-origin".into(), origin.to_owned()),
        ("access-control-expose-headers".into(), EXPOSED.into()),
        ("vary".into(), "Origin".into()),
    ]
}

/// The answer to a preflight from a granted origin for a route taking `method`. The request
/// headers asked for are granted when they are a plain token list: the proxy drops all but a
/// few before forwarding anyway, and the app's `authorize` may read its own token header.
pub fn preflight(origin: &str, method: &str, asked_headers: Option<&str>) -> Reply {
    let allow_headers = asked_headers
        .filter(|h| {
            h.len() <= 1_000
                && h.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_, ".contains(&b))
        })
        .unwrap_or("content-type, accept, idempotency-key");
    Reply {
        status: 204,
        headers: vec![
            ("access-control-allow-origin".into(), origin.to_owned()),
            (
                "access-control-allow-methods".into(),
                format!("{method}, OPTIONS"),
            ),
            (
                "access-control-allow-headers".into(),
                allow_headers.to_owned(),
            ),
            ("access-control-max-age".into(), "600".into()),
            ("vary".into(), "Origin".into()),
        ],
        body: String::new(),
    }
}

/// The provider's headers the caller gets: [`PASSED_HEADERS`] only, with any secret removed.
pub fn passed_headers(upstream: &[(String, String)], secrets: &[&str]) -> Headers {
    upstream
        .iter()
        .filter(|(name, _)| PASSED_HEADERS.iter().any(|p| name.eq_ignore_ascii_case(p)))
        .map(|(name, value)| {
            let mut value = value.clone();
            for secret in secrets {
                if !secret.is_empty() && value.contains(secret) {
                    value = value.replace(secret, "[redacted]");
                }
            }
            (name.to_ascii_lowercase(), value)
        })
        .collect()
}

/// `body` with every occurrence of each secret, raw or as JSON would escape it, replaced by
/// `[redacted]`.
pub fn redact_body(body: &[u8], secrets: &[&str]) -> Vec<u8> {
    let mut out = body.to_vec();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        let escaped = secret
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('/', "\\/");
        for form in [secret.as_bytes(), escaped.as_bytes()] {
            out = replace_bytes(&out, form, b"[redacted]");
        }
    }
    out
}

fn replace_bytes(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return haystack.to_vec();
    }
    let mut out = Vec::with_capacity(haystack.len());
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_take_each_providers_shape() {
        let r = error_reply(Some(Provider::ApiInOne), 400, "n is 6", Some("n"));
        let v: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(
            v,
            json!({"error": {"code": 400, "message": "n is 6", "type": "invalid_request", "param": "n"}})
        );
        let r = error_reply(Some(Provider::Apiframe), 413, "too big", None);
        let v: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(
            v,
            json!({"error": {"code": "payload_too_large", "message": "too big"}})
        );
        assert_eq!(header(&r.headers, "Content-Type"), Some("application/json"));
    }

    #[test]
    fn only_listed_headers_pass_and_secrets_are_removed() {
        let upstream: Headers = vec![
            ("Content-Type".into(), "application/json".into()),
            ("Set-Cookie".into(), "s=1".into()),
            ("x-request-id".into(), "req_afk_secret_1".into()),
            ("retry-after".into(), "2".into()),
            ("server".into(), "x".into()),
        ];
        let kept = passed_headers(&upstream, &["afk_secret_1"]);
        assert_eq!(
            kept,
            vec![
                ("content-type".to_string(), "application/json".to_string()),
                ("x-request-id".into(), "req_[redacted]".into()),
                ("retry-after".into(), "2".into()),
            ]
        );
    }

    #[test]
    fn echoes_of_a_key_are_redacted_raw_and_json_escaped() {
        let body = br#"{"a":"afk_s/1","b":"Bearer afk_s\/1 afk_s/1"}"#;
        let out = redact_body(body, &["afk_s/1"]);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            r#"{"a":"[redacted]","b":"Bearer [redacted] [redacted]"}"#
        );
        assert_eq!(redact_body(b"ab", &["abc"]), b"ab");
        assert_eq!(redact_body(b"", &["abc"]), b"");
    }

    #[test]
    fn preflights_grant_only_plain_header_lists() {
        let r = preflight("https://a.example", "POST", Some("content-type, x-session"));
        assert_eq!(
            header(&r.headers, "access-control-allow-headers"),
            Some("content-type, x-session")
        );
        let r = preflight("https://a.example", "POST", Some("a\r\nb"));
        assert_eq!(
            header(&r.headers, "access-control-allow-headers"),
            Some("content-type, accept, idempotency-key")
        );
    }
}
