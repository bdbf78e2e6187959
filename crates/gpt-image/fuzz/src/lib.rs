//! What the fuzz targets share: how an input's bytes become a reply, headers, a webhook or a
//! request, and the invariants each target asserts on what the core returns. A broken invariant
//! panics, which libFuzzer reports as a crash and keeps as an input to replay.
//!
//! Inputs are text where the core reads text, so the seeds under `corpus/<target>/` are the
//! documented reply shapes as a person would write them, and libFuzzer's mutations stay close to
//! what a server could send.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use gpt_image::error::MAX_BODY;
use gpt_image::http::HttpResponse;
use gpt_image::job::check_job_id;
use gpt_image::retry::{self, Resend, RetryPolicy};
use gpt_image::{Error, JobStatus, Provider, Request, webhook, wire};

/// A clock reading in the range a caller passes (`Date.now()` in 2026).
const NOW_MS: f64 = 1.7e12;
/// The end of year 9999, the latest date an HTTP date can name, in ms since the epoch.
const LATEST_HTTP_DATE_MS: u64 = 253_402_300_800_000;
/// An error keeps at most `MAX_BODY` bytes of a reply, plus a short note of the full length.
const KEPT_BODY_MOST: usize = MAX_BODY + 40;

/// A reply as a status line, header lines and a body, like HTTP/1.1 without the version:
///
/// ```text
/// 429 asked-job-id
/// retry-after: 5
/// x-request-id: req_1
///
/// {"error": {"message": "slow down"}}
/// ```
///
/// An input that does not start with three digits is the whole body of a 200 reply, so a bare
/// JSON seed works too. The job id asked for (used by `parse_status`) follows the status; it is
/// `"j"` when absent. Bytes that are not UTF-8 are replaced, as fetch's `text()` does.
pub fn reply_from(data: &[u8]) -> (HttpResponse, String) {
    let text = String::from_utf8_lossy(data);
    let framed = text.len() >= 3 && text.as_bytes()[..3].iter().all(u8::is_ascii_digit);
    if !framed {
        let reply = HttpResponse {
            status: 200,
            headers: Vec::new(),
            body: text.into_owned(),
        };
        return (reply, "j".into());
    }
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or_default();
    let (status, asked) = status_line.split_once(' ').unwrap_or((status_line, "j"));
    let reply = HttpResponse {
        status: status.trim().parse().unwrap_or(200),
        headers: headers_from(lines),
        body: body.to_owned(),
    };
    (reply, asked.to_owned())
}

/// `name: value` lines as the transport hands them over: names lower-cased, values trimmed.
/// A line without a colon is a header with an empty value.
fn headers_from<'a>(lines: impl Iterator<Item = &'a str>) -> Vec<(String, String)> {
    lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap_or((line, ""));
            (name.trim().to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect()
}

/// Target `apiframe_reply` / `apiinone_reply`: one reply (see [`reply_from`]) through
/// `parse_submit`, `parse_status`, `retry_after_ms` and `check_status`.
///
/// - a job read from a submit reply came with a 2xx and has an id that passes the job-id rule
///   (it goes into the next URL);
/// - a job update came with a 2xx, has progress 0–100 (100 once completed), a finite,
///   non-negative credit cost, a bounded creation time, and at least one image once completed;
/// - an error keeps a bounded body and names the provider;
/// - `check_status` passes a 2xx through unchanged, and turns anything else into the error a
///   caller acts on, carrying the status and (for a 429) the `Retry-After` it was given.
pub fn check_reply(provider: Provider, data: &[u8]) {
    let (reply, asked) = reply_from(data);
    let success = reply.is_success();
    match wire::parse_submit(provider, &reply) {
        Ok(job) => {
            assert!(success, "a job from a {} reply: {job:?}", reply.status);
            assert!(check_job_id(&job.id).is_ok(), "unsafe job id {:?}", job.id);
            assert_eq!(job.provider, provider);
            assert_eq!(job.idempotency_key, None);
        }
        Err(error) => check_reply_error(provider, &error),
    }
    match wire::parse_status(provider, &reply, &asked) {
        Ok(update) => {
            assert!(
                success,
                "an update from a {} reply: {update:?}",
                reply.status
            );
            assert!(update.progress.is_none_or(|p| p <= 100), "{update:?}");
            assert!(
                update.credit_cost.is_none_or(|c| c.is_finite() && c >= 0.0),
                "{update:?}"
            );
            if update.status == JobStatus::Completed {
                assert!(!update.images.is_empty(), "completed, no image: {update:?}");
                assert_eq!(update.progress, Some(100), "{update:?}");
            }
            assert!(
                update.images.iter().all(|i| !i.url.is_empty()),
                "{update:?}"
            );
            // A creation time is a moment before the year 33658 (10^15 ms), whatever was sent.
            assert!(
                update
                    .created_at
                    .is_none_or(|ms| ms < 1_000_000_000_000_000),
                "{update:?}"
            );
        }
        Err(error) => check_reply_error(provider, &error),
    }
    let hint = retry::retry_after_ms(&reply, NOW_MS);
    match wire::check_status(provider, reply.clone(), hint) {
        Ok(passed) => {
            assert!(success, "check_status passed a {}", reply.status);
            assert_eq!(passed, reply);
        }
        Err(error) => {
            assert!(
                !success,
                "check_status refused a {}: {error:?}",
                reply.status
            );
            check_reply_error(provider, &error);
            match (reply.status, &error) {
                (401 | 403, Error::Auth { status, .. }) => assert_eq!(*status, reply.status),
                (429, Error::RateLimited { retry_after_ms, .. }) => {
                    assert_eq!(*retry_after_ms, hint)
                }
                (401 | 403 | 429, other) => panic!("{} read as {other:?}", reply.status),
                (_, Error::Api { status, .. }) => assert_eq!(*status, reply.status),
                (_, other) => panic!("{} read as {other:?}", reply.status),
            }
        }
    }
}

/// What every error made from a reply shares: a bounded body, and the provider named.
fn check_reply_error(provider: Provider, error: &Error) {
    if let Some(body) = error.body() {
        assert!(body.len() <= KEPT_BODY_MOST, "kept {} bytes", body.len());
    }
    let shown = error.to_string();
    assert!(
        shown.contains(provider.name()),
        "{shown:?} does not name {}",
        provider.name()
    );
}

/// Target `retry_after`: the first line is the clock in ms (`str::parse::<f64>`, so `NaN`,
/// `inf` and `-1e300` are reachable; [`NOW_MS`] when unreadable), the rest are header lines.
///
/// - a wait read from numbers is at most 10¹² ms, and one read from a date is at most the end
///   of year 9999 from a clock at or after the epoch;
/// - a minute later the wait is no longer, and present exactly when it was;
/// - whatever was read, the default policy waits at most its longest honoured wait or backoff,
///   and never before a non-transient error.
pub fn check_retry_after(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.lines();
    let now = lines
        .next()
        .and_then(|l| l.trim().parse::<f64>().ok())
        .unwrap_or(NOW_MS);
    let reply = HttpResponse {
        status: 429,
        headers: headers_from(lines),
        body: String::new(),
    };
    let wait = retry::retry_after_ms(&reply, now);
    if let Some(ms) = wait {
        let numeric = ["retry-after-ms", "retry-after"]
            .iter()
            .filter_map(|name| reply.header(name))
            .all(|v| serde_json::from_str::<f64>(v.trim()).is_ok());
        if numeric {
            assert!(ms <= 1_000_000_000_000, "{ms} ms from {:?}", reply.headers);
        } else if now.is_finite() && now >= 0.0 {
            assert!(
                ms <= LATEST_HTTP_DATE_MS,
                "{ms} ms at {now} from {:?}",
                reply.headers
            );
        }
    }
    if now.is_finite() {
        let later = retry::retry_after_ms(&reply, now + 60_000.0);
        assert_eq!(later.is_some(), wait.is_some(), "{:?}", reply.headers);
        assert!(later <= wait, "{later:?} a minute after {wait:?}");
    }
    let policy = RetryPolicy::default();
    let most = policy.max_retry_after_ms.max(policy.max_delay_ms);
    let limited = Error::RateLimited {
        retry_after_ms: wait,
        message: String::new(),
        request_id: None,
    };
    let unavailable = Error::Api {
        status: 503,
        code: None,
        message: String::new(),
        request_id: None,
        body: String::new(),
    };
    for (attempt, resend) in [(0, Resend::Safe), (2, Resend::OnlyIfRefused)] {
        for error in [&limited, &unavailable] {
            let delay = policy.delay_before_retry(attempt, error, resend, wait, 0.5);
            assert!(
                delay.is_none_or(|ms| ms <= most),
                "{delay:?} after {error:?}"
            );
        }
    }
    let bad = Error::Api {
        status: 400,
        code: None,
        message: String::new(),
        request_id: None,
        body: String::new(),
    };
    assert_eq!(
        policy.delay_before_retry(0, &bad, Resend::Safe, wait, 0.5),
        None
    );
}

/// Target `webhook`: the API key, a newline, the signature header, a newline, then the raw body
/// (any bytes).
///
/// - verification never panics, and a signature that verifies does not also verify the body
///   with one more byte;
/// - what `sign` makes verifies, in every documented encoding (hex in either case, with
///   `sha256=`, base64), and not under another key.
pub fn check_webhook(data: &[u8]) {
    let mut parts = data.splitn(3, |b| *b == b'\n');
    let key = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let signature = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let body = parts.next().unwrap_or_default();
    let mut longer = body.to_vec();
    longer.push(b'}');
    if webhook::verify(body, &signature, &key) {
        assert!(!webhook::verify(&longer, &signature, &key));
    }
    let signed = webhook::sign(body, &key);
    assert_eq!(signed.len(), 64, "{signed}");
    let raw: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&signed[2 * i..2 * i + 2], 16).expect("hex"))
        .collect();
    for form in [
        signed.clone(),
        signed.to_ascii_uppercase(),
        format!("sha256={signed}"),
        format!(" {signed}\t"),
        STANDARD.encode(&raw),
    ] {
        assert!(webhook::verify(body, &form, &key), "{form} fails");
    }
    assert!(!webhook::verify(&longer, &signed, &key));
    assert!(!webhook::verify(body, &signed, &format!("{key}x")));
}

/// Target `request`: the input is JSON for a [`Request`], as JavaScript callers and the studio
/// pass it.
///
/// - what deserialises survives a round trip through JSON unchanged;
/// - validation either passes, or is an invalid-request error naming one of the request's
///   fields (`inputImages[i]` with `i` in range) with a message;
/// - a request valid for a provider maps onto a submit whose body is JSON carrying the prompt.
pub fn check_request(data: &[u8]) {
    let Ok(request) = serde_json::from_slice::<Request>(data) else {
        return;
    };
    let again = serde_json::to_string(&request).expect("a request serialises");
    let back: Request = serde_json::from_str(&again).expect("a request reads back");
    assert_eq!(back, request, "{again}");
    for provider in Provider::ALL {
        match request.validate(provider) {
            Ok(()) => {
                let http = wire::submit_request(
                    provider,
                    "https://api.example/",
                    Some("key_0123456789"),
                    &request,
                    Some("idem-1"),
                );
                let body: serde_json::Value =
                    serde_json::from_str(http.body.as_deref().expect("a submit has a body"))
                        .expect("a submit body is JSON");
                assert_eq!(body["prompt"].as_str(), Some(request.prompt.as_str()));
            }
            Err(Error::InvalidRequest { field, message }) => {
                let named = Request::FIELDS.contains(&field.as_str())
                    || field
                        .strip_prefix("inputImages[")
                        .and_then(|rest| rest.strip_suffix(']'))
                        .and_then(|i| i.parse::<usize>().ok())
                        .is_some_and(|i| i < request.input_images.len());
                assert!(named, "{provider:?}: error names {field:?}: {message}");
                assert!(!message.is_empty(), "{provider:?}: {field} with no message");
            }
            Err(other) => panic!("{provider:?}: validation gave {other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framing_reads_status_asked_id_headers_and_body() {
        let (reply, asked) = reply_from(b"429 job-1\nRetry-After:  5 \nx-a\n\n{\"a\":1}\n\nmore");
        assert_eq!(reply.status, 429);
        assert_eq!(asked, "job-1");
        assert_eq!(
            reply.headers,
            vec![
                ("retry-after".to_string(), "5".to_string()),
                ("x-a".to_string(), String::new())
            ]
        );
        assert_eq!(reply.body, "{\"a\":1}\n\nmore");
        let (bare, asked) = reply_from(b"{\"jobId\":\"j1\"}");
        assert_eq!(
            (bare.status, bare.body.as_str(), asked.as_str()),
            (200, "{\"jobId\":\"j1\"}", "j")
        );
    }

    /// Every committed seed passes its target's invariants.
    #[test]
    fn seeds_pass() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        type Check = fn(&[u8]);
        let targets: [(&str, Check); 5] = [
            ("apiframe_reply", |d| check_reply(Provider::Apiframe, d)),
            ("apiinone_reply", |d| check_reply(Provider::ApiInOne, d)),
            ("retry_after", check_retry_after),
            ("webhook", check_webhook),
            ("request", check_request),
        ];
        for (target, check) in targets {
            let seeds = std::fs::read_dir(corpus.join(target)).expect(target);
            let mut count = 0;
            for seed in seeds {
                let path = seed.unwrap().path();
                check(&std::fs::read(&path).unwrap());
                count += 1;
            }
            assert!(count >= 3, "{target} has {count} seeds");
        }
    }
}
