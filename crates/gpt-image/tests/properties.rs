//! Properties of the core's pure, public functions on arbitrary input: the providers' reply
//! parsers and status check, `Retry-After` reading, webhook verification and request validation
//! never panic, and what they return stays within its documented bounds. The HTTP-date reader
//! gives what the `httpdate` crate (which it replaced) gives, on dates and on damaged dates.
//!
//! Native only (proptest); the same functions run in the browser tier on real replies, and
//! under coverage-guided fuzzing with the same invariants in `crates/gpt-image/fuzz`
//! (`cargo xtask fuzz`).

#![cfg(not(target_arch = "wasm32"))]

use gpt_image::error::MAX_BODY;
use gpt_image::http::HttpResponse;
use gpt_image::job::check_job_id;
use gpt_image::{Error, JobStatus, Provider, Request, http_date, retry, webhook, wire};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// Any JSON value, nested a few levels, with the keys the parsers look for among random ones.
fn json_value() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("id".to_string()),
        Just("jobId".to_string()),
        Just("task_id".to_string()),
        Just("status".to_string()),
        Just("progress".to_string()),
        Just("result".to_string()),
        Just("images".to_string()),
        Just("url".to_string()),
        Just("data".to_string()),
        Just("error".to_string()),
        Just("message".to_string()),
        Just("code".to_string()),
        Just("creditCost".to_string()),
        Just("credits".to_string()),
        "[a-zA-Z_]{1,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|n| json!(n)),
        prop_oneof![
            Just("COMPLETED".to_string()),
            Just("completed".to_string()),
            Just("FAILED".to_string()),
            Just("processing".to_string()),
            Just("QUEUED".to_string()),
            Just("https://x.test/a.png".to_string()),
            Just("42%".to_string()),
            any::<String>(),
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A reply body: JSON of any shape, or any text at all.
fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => json_value().prop_map(|v| v.to_string()),
        1 => any::<String>(),
        1 => ".{0,3000}",
    ]
}

/// A status, mostly 2xx so the body is read.
fn status() -> impl Strategy<Value = u16> {
    prop_oneof![3 => 200u16..=202, 1 => any::<u16>(), 1 => 400u16..=599]
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        Just("retry-after".to_string()),
        Just("retry-after-ms".to_string()),
        Just("x-request-id".to_string()),
        "[a-z-]{1,12}",
    ];
    prop::collection::vec((name, any::<String>()), 0..4)
}

fn reply() -> impl Strategy<Value = HttpResponse> {
    (status(), headers(), body()).prop_map(|(status, headers, body)| HttpResponse {
        status,
        headers,
        body,
    })
}

fn provider() -> impl Strategy<Value = Provider> {
    prop::sample::select(Provider::ALL.to_vec())
}

/// Whether validation's answer is a pass, or an invalid-request error naming one of the
/// request's fields (`inputImages[i]` with `i` in range) with a message.
fn names_a_field(request: &Request, outcome: &Result<(), Error>) -> bool {
    match outcome {
        Ok(()) => true,
        Err(Error::InvalidRequest { field, message }) => {
            let indexed = field
                .strip_prefix("inputImages[")
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|i| i.parse::<usize>().ok())
                .is_some_and(|i| i < request.input_images.len());
            (Request::FIELDS.contains(&field.as_str()) || indexed) && !message.is_empty()
        }
        Err(_) => false,
    }
}

/// An error's kept body is cut to `MAX_BODY` bytes plus a short note of the full length.
fn kept_body_is_bounded(error: &Error) -> bool {
    match error {
        Error::Api { body, .. } | Error::Decode { body, .. } => body.len() <= MAX_BODY + 40,
        _ => true,
    }
}

/// The three forms of the HTTP-date `seconds` after the epoch, made by `httpdate` (IMF-fixdate)
/// and rearranged into the obsolete two; RFC 850 only where its two-digit year can say it.
fn http_date_forms(seconds: u64) -> Vec<String> {
    let imf =
        httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds));
    // Sun, 06 Nov 1994 08:49:37 GMT
    let (day_name, day, month, year, time) = (
        &imf[..3],
        &imf[5..7],
        &imf[8..11],
        &imf[12..16],
        &imf[17..25],
    );
    let long_day = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    .into_iter()
    .find(|d| d.starts_with(day_name))
    .unwrap();
    let padded_day = day
        .strip_prefix('0')
        .map_or(day.to_string(), |d| format!(" {d}"));
    let mut forms = vec![
        imf.clone(),
        format!("{day_name} {month} {padded_day} {time} {year}"),
        format!("{day_name} {month} {day} {time} {year}"),
    ];
    if ("1970".."2070").contains(&year) {
        forms.push(format!(
            "{long_day}, {day}-{month}-{} {time} GMT",
            &year[2..]
        ));
    }
    forms
}

/// What `httpdate` made of `text`, in seconds after the epoch.
fn httpdate_seconds(text: &str) -> Option<i64> {
    let when = httpdate::parse_http_date(text).ok()?;
    Some(when.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs() as i64)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn http_dates_read_as_httpdate_read_them(seconds in 0u64..=253_402_300_799) {
        for form in http_date_forms(seconds) {
            prop_assert_eq!(http_date::unix_seconds(&form), Some(seconds as i64), "{}", form);
            prop_assert_eq!(httpdate_seconds(&form), Some(seconds as i64), "{}", form);
        }
    }

    #[test]
    fn damaged_http_dates_are_refused_as_httpdate_refused_them(
        seconds in 0u64..=253_402_300_799,
        form in 0usize..4,
        at in any::<prop::sample::Index>(),
        byte in 32u8..127,
        junk in any::<String>(),
    ) {
        let forms = http_date_forms(seconds);
        let mut damaged = forms[form % forms.len()].clone().into_bytes();
        let i = at.index(damaged.len());
        damaged[i] = byte;
        let damaged = String::from_utf8(damaged).unwrap();
        for text in [damaged.as_str(), junk.as_str()] {
            prop_assert_eq!(http_date::unix_seconds(text), httpdate_seconds(text), "{:?}", text);
        }
    }

    #[test]
    fn submit_replies_never_panic(provider in provider(), reply in reply()) {
        match wire::parse_submit(provider, &reply) {
            Ok(job) => {
                prop_assert!((200..300).contains(&reply.status), "{job:?}");
                // The id goes into the next request's URL.
                prop_assert!(check_job_id(&job.id).is_ok(), "{job:?}");
                prop_assert_eq!(job.provider, provider);
            }
            Err(error) => prop_assert!(kept_body_is_bounded(&error), "{error:?}"),
        }
    }

    #[test]
    fn status_replies_never_panic(provider in provider(), reply in reply(), id in ".{0,40}") {
        match wire::parse_status(provider, &reply, &id) {
            Ok(update) => {
                prop_assert!((200..300).contains(&reply.status));
                prop_assert!(update.progress.is_none_or(|p| p <= 100), "{update:?}");
                prop_assert!(update.credit_cost.is_none_or(|c| c.is_finite() && c >= 0.0));
                prop_assert!(update.created_at.is_none_or(|ms| ms < 1_000_000_000_000_000));
                if update.status == JobStatus::Completed {
                    prop_assert!(!update.images.is_empty(), "{update:?}");
                    prop_assert_eq!(update.progress, Some(100));
                }
            }
            Err(error) => prop_assert!(kept_body_is_bounded(&error), "{error:?}"),
        }
    }

    #[test]
    fn error_statuses_are_never_read_as_success(
        provider in provider(),
        status in 300u16..1000,
        body in body(),
    ) {
        let reply = HttpResponse { status, headers: Vec::new(), body };
        prop_assert!(wire::parse_submit(provider, &reply).is_err());
        prop_assert!(wire::parse_status(provider, &reply, "job").is_err());
    }

    #[test]
    fn check_status_passes_2xx_and_maps_the_rest(
        provider in provider(),
        reply in reply(),
        hint in prop::option::of(any::<u64>()),
    ) {
        match wire::check_status(provider, reply.clone(), hint) {
            Ok(passed) => {
                prop_assert!(reply.is_success());
                prop_assert_eq!(passed, reply);
            }
            Err(error) => {
                prop_assert!(!reply.is_success());
                prop_assert!(kept_body_is_bounded(&error), "{error:?}");
                prop_assert!(error.to_string().contains(provider.name()), "{error}");
                let status = reply.status;
                match (status, &error) {
                    (401 | 403, Error::Auth { status: s, .. }) => prop_assert_eq!(*s, status),
                    (429, Error::RateLimited { retry_after_ms, .. }) => {
                        prop_assert_eq!(*retry_after_ms, hint)
                    }
                    (401 | 403 | 429, other) => prop_assert!(false, "{status} read as {other:?}"),
                    (_, Error::Api { status: s, .. }) => prop_assert_eq!(*s, status),
                    (_, other) => prop_assert!(false, "{status} read as {other:?}"),
                }
            }
        }
    }

    #[test]
    fn retry_after_is_never_absurd(
        values in prop::collection::vec(
            (
                prop_oneof![Just("retry-after"), Just("retry-after-ms")],
                prop_oneof![
                    any::<String>(),
                    any::<f64>().prop_map(|n| n.to_string()),
                    any::<i64>().prop_map(|n| n.to_string()),
                    Just("Wed, 21 Oct 2015 07:28:00 GMT".to_string()),
                    Just("Fri, 31 Dec 9999 23:59:59 GMT".to_string()),
                ],
            ),
            0..3,
        ),
        now in prop_oneof![Just(1.7e12), any::<f64>()],
    ) {
        let reply = HttpResponse {
            status: 429,
            headers: values.iter().map(|(n, v)| (n.to_string(), v.clone())).collect(),
            body: String::new(),
        };
        let wait = retry::retry_after_ms(&reply, now);
        if now.is_finite() {
            // A minute later the server's wait is no longer, and there exactly when it was.
            let later = retry::retry_after_ms(&reply, now + 60_000.0);
            prop_assert_eq!(later.is_some(), wait.is_some());
            prop_assert!(later <= wait, "{later:?} a minute after {wait:?}");
        }
        let numeric = values.iter().all(|(_, v)| v.trim().parse::<f64>().is_ok());
        if numeric {
            // Numbers are taken only below 1e12 ms (about 31 years).
            prop_assert!(wait.is_none_or(|ms| ms <= 1_000_000_000_000), "{wait:?} from {values:?}");
        }
        // Whatever the server says, the policy honours at most its cap.
        let policy = retry::RetryPolicy::default();
        let limited = Error::RateLimited { retry_after_ms: wait, message: String::new(), request_id: None };
        let delay = policy.delay_before_retry(0, &limited, retry::Resend::Safe, wait, 0.5);
        prop_assert!(delay.is_none_or(|ms| ms <= policy.max_retry_after_ms.max(policy.max_delay_ms)));
    }

    #[test]
    fn webhook_verification_never_panics(
        body in prop::collection::vec(any::<u8>(), 0..512),
        signature in prop_oneof![any::<String>(), "[0-9a-f]{64}", "[A-Za-z0-9+/=_-]{40,48}"],
        key in any::<String>(),
    ) {
        let _ = webhook::verify(&body, &signature, &key);
    }

    #[test]
    fn a_signature_verifies_its_body_only(
        body in prop::collection::vec(any::<u8>(), 0..256),
        key in any::<String>(),
        flip in any::<prop::sample::Index>(),
    ) {
        let signature = webhook::sign(&body, &key);
        prop_assert!(webhook::verify(&body, &signature, &key));
        if !body.is_empty() {
            let mut other = body.clone();
            let at = flip.index(other.len());
            other[at] ^= 0x01;
            prop_assert!(!webhook::verify(&other, &signature, &key));
        }
        let other_key = format!("{key}x");
        prop_assert!(!webhook::verify(&body, &signature, &other_key));
    }

    #[test]
    fn requests_from_any_json_never_panic(value in json_value(), text in any::<String>()) {
        for request in [
            serde_json::from_value::<Request>(value).ok(),
            serde_json::from_str::<Request>(&text).ok(),
        ]
        .into_iter()
        .flatten()
        {
            for provider in Provider::ALL {
                let outcome = request.validate(provider);
                prop_assert!(names_a_field(&request, &outcome), "{outcome:?}");
            }
        }
    }

    #[test]
    fn requests_with_request_keys_never_panic(
        prompt in any::<String>(),
        fields in prop::collection::vec(
            (
                prop::sample::select(vec![
                    "quality", "aspectRatio", "background", "n", "outputFormat", "inputImages",
                    "inputFidelity", "webhookUrl", "webhookEvents",
                ]),
                json_value(),
            ),
            0..6,
        ),
        n in any::<u8>(),
        images in prop::collection::vec(any::<String>(), 0..20),
    ) {
        let mut object = Map::new();
        object.insert("prompt".into(), json!(prompt));
        for (key, value) in fields {
            object.insert(key.into(), value);
        }
        if let Ok(request) = serde_json::from_value::<Request>(Value::Object(object)) {
            for provider in Provider::ALL {
                let outcome = request.validate(provider);
                prop_assert!(names_a_field(&request, &outcome), "{outcome:?}");
            }
        }
        let request = Request { n: Some(n), input_images: images, ..Request::new(prompt) };
        for provider in Provider::ALL {
            let outcome = request.validate(provider);
            prop_assert!(names_a_field(&request, &outcome), "{outcome:?}");
        }
    }
}
