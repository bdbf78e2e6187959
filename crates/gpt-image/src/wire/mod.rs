//! Each provider's HTTP wire format: building requests and reading every documented reply.
//!
//! Pure functions from values to values. The transport executes an [`HttpRequest`] and hands
//! back an [`HttpResponse`]; nothing here touches the network or the clock, so every documented
//! variant and every malformed reply is tested natively. What needs a clock (`Retry-After` as a
//! date) or randomness (idempotency keys) is decided by the caller and passed in.
//!
//! May use: `error`, `http`, `http_date` (calendar days), `job`, `options`, `provider`, `request`. May not touch: `retry`,
//! `config`, `schedule`, the network, the clock, randomness.

mod apiframe;
mod apiinone;

use serde_json::Value;

use crate::error::{Error, MAX_BODY, cut, quoted};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::job::{Job, JobUpdate, check_job_id};
use crate::provider::Provider;
use crate::request::Request;

/// The submit request for `provider`. `request` must already be validated.
pub fn submit_request(
    provider: Provider,
    base_url: &str,
    api_key: Option<&str>,
    request: &Request,
    idempotency_key: Option<&str>,
) -> HttpRequest {
    let (path, body) = match provider {
        Provider::Apiframe => ("/v2/images/generate", apiframe::submit_body(request)),
        Provider::ApiInOne => ("/api/v1/images/generations", apiinone::submit_body(request)),
    };
    let mut headers = auth_headers(provider, api_key);
    headers.push(("content-type".into(), "application/json".into()));
    if let (Provider::Apiframe, Some(key)) = (provider, idempotency_key) {
        headers.push(("idempotency-key".into(), key.into()));
    }
    HttpRequest {
        method: Method::Post,
        url: format!("{}{path}", trim_base(base_url)),
        headers,
        body: Some(crate::json::to_text(&body)),
    }
}

/// The status request for a job id, which must be [`check_job_id`]-clean.
pub fn status_request(
    provider: Provider,
    base_url: &str,
    api_key: Option<&str>,
    job_id: &str,
) -> HttpRequest {
    let path = match provider {
        Provider::Apiframe => "/v2/jobs/",
        Provider::ApiInOne => "/api/v1/tasks/",
    };
    HttpRequest {
        method: Method::Get,
        url: format!("{}{path}{job_id}", trim_base(base_url)),
        headers: auth_headers(provider, api_key),
        body: None,
    }
}

/// Most jobs one page of Apiframe's listing holds (the API's own limit).
pub const PAGE_SIZE: usize = 100;

/// A page of Apiframe's job listing (`GET /v2/jobs?limit=100`), all statuses, newest first.
/// `cursor` is the previous page's [`JobPage::next_cursor`].
pub fn list_request(base_url: &str, api_key: Option<&str>, cursor: Option<&str>) -> HttpRequest {
    let mut url = format!("{}/v2/jobs?limit={PAGE_SIZE}", trim_base(base_url));
    if let Some(cursor) = cursor {
        url.push_str("&cursor=");
        url.push_str(cursor);
    }
    HttpRequest {
        method: Method::Get,
        url,
        headers: auth_headers(Provider::Apiframe, api_key),
        body: None,
    }
}

/// One page of Apiframe's job listing.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobPage {
    /// The jobs the page describes well enough to act on, newest first. A job whose entry
    /// cannot be read (a completed job without its result, say) is left out, so that the caller
    /// looks at it alone.
    pub jobs: Vec<JobUpdate>,
    /// Where the next page starts; `None` on the last page, or when the cursor the server sent
    /// could not go into a URL as it is.
    pub next_cursor: Option<String>,
}

/// Reads a page of Apiframe's job listing: `{jobs, nextCursor, hasMore}`.
pub fn parse_job_page(response: &HttpResponse) -> Result<JobPage, Error> {
    let value = parse_json(Provider::Apiframe, response)?;
    let Some(entries) = value.get("jobs").and_then(Value::as_array) else {
        return Err(Error::decode(
            "Apiframe's job listing has no jobs array",
            &response.body,
        ));
    };
    let jobs = entries
        .iter()
        .filter(|entry| {
            first_str(entry, &["id", "jobId"]).is_some_and(|id| check_job_id(id).is_ok())
        })
        .filter_map(|entry| apiframe::parse_status(entry, &response.body, "").ok())
        .collect();
    let more = value.get("hasMore").and_then(Value::as_bool) != Some(false);
    let next_cursor = match value.get("nextCursor") {
        Some(Value::String(c)) if more && is_url_safe(c) => Some(c.clone()),
        Some(Value::Number(n)) if more => Some(crate::json::number_text(n)),
        _ => None,
    };
    Ok(JobPage { jobs, next_cursor })
}

/// Whether a server-sent token can go into a query string unescaped (RFC 3986 unreserved).
fn is_url_safe(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= 200
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))
}

/// Apiframe's account (`GET /v2/me`), for its limit of jobs running at once.
pub fn account_request(base_url: &str, api_key: Option<&str>) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url: format!("{}/v2/me", trim_base(base_url)),
        headers: auth_headers(Provider::Apiframe, api_key),
        body: None,
    }
}

/// `team.maxConcurrentJobs` of Apiframe's account reply (a whole number from 1 up), if there
/// is one; 0 or nothing means no known limit.
pub fn parse_account_limit(response: &HttpResponse) -> Result<Option<u32>, Error> {
    let value = parse_json(Provider::Apiframe, response)?;
    let limit = value
        .get("team")
        .and_then(|team| team.get("maxConcurrentJobs"))
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|n| *n > 0);
    Ok(limit)
}

/// The provider's auth header; none without a key (a proxy adds it on the server).
fn auth_headers(provider: Provider, api_key: Option<&str>) -> Vec<(String, String)> {
    let Some(api_key) = api_key else {
        return Vec::new();
    };
    match provider {
        Provider::Apiframe => vec![("x-api-key".into(), api_key.into())],
        Provider::ApiInOne => vec![("authorization".into(), format!("Bearer {api_key}"))],
    }
}

fn trim_base(base: &str) -> &str {
    base.trim_end_matches('/')
}

/// Reads a submit reply into the job it created.
pub fn parse_submit(provider: Provider, response: &HttpResponse) -> Result<Job, Error> {
    let value = parse_json(provider, response)?;
    match provider {
        Provider::Apiframe => apiframe::parse_submit(&value, &response.body),
        Provider::ApiInOne => apiinone::parse_submit(&value, response),
    }
}

/// Reads a status reply. `job_id` is the id that was asked for, used when the reply omits it.
pub fn parse_status(
    provider: Provider,
    response: &HttpResponse,
    job_id: &str,
) -> Result<JobUpdate, Error> {
    let value = parse_json(provider, response)?;
    match provider {
        Provider::Apiframe => apiframe::parse_status(&value, &response.body, job_id),
        Provider::ApiInOne => apiinone::parse_status(&value, response, job_id),
    }
}

/// Turns a non-2xx reply into the error a caller acts on; a 2xx passes through.
/// `retry_after_ms` is the server's requested wait, read once by the caller (who has the
/// clock: see [`crate::retry::retry_after_ms`]); a 429 carries it.
pub fn check_status(
    provider: Provider,
    response: HttpResponse,
    retry_after_ms: Option<u64>,
) -> Result<HttpResponse, Error> {
    if response.is_success() {
        Ok(response)
    } else {
        Err(error_from_reply(
            provider,
            &response,
            response.status,
            retry_after_ms,
        ))
    }
}

fn parse_json(provider: Provider, response: &HttpResponse) -> Result<Value, Error> {
    if !response.is_success() {
        return Err(error_from_reply(provider, response, response.status, None));
    }
    crate::json::parse(&response.body).map_err(|e| {
        let position = match e.position {
            Some((line, column)) => format!(" (line {line}, column {column})"),
            None => String::new(),
        };
        Error::decode(
            format!(
                "{} sent a reply that is not JSON{position}",
                provider.name()
            ),
            &response.body,
        )
    })
}

/// Builds the error for a reply with this status (the HTTP status, or a `code` inside a 200,
/// whose `Retry-After` is not read: `retry_after_ms` is `None` there).
pub(crate) fn error_from_reply(
    provider: Provider,
    response: &HttpResponse,
    status: u16,
    retry_after_ms: Option<u64>,
) -> Error {
    let json: Option<Value> = crate::json::parse(&response.body).ok();
    let json = json.as_ref();
    let err = json.and_then(|v| v.get("error"));
    let message = err
        .and_then(|e| e.get("message"))
        .and_then(Value::as_str)
        .or_else(|| err.and_then(Value::as_str))
        .or_else(|| json.and_then(|v| v.get("message")).and_then(Value::as_str))
        .or_else(|| json.and_then(|v| v.get("detail")).and_then(Value::as_str))
        .map(|m| cut(m, 500))
        .unwrap_or_else(|| default_message(status));
    let code = err
        .and_then(|e| e.get("code").or_else(|| e.get("type")))
        .or_else(|| json.and_then(|v| v.get("code")))
        .and_then(scalar_text);
    let request_id = response
        .header("x-request-id")
        .map(str::to_owned)
        .or_else(|| {
            json.and_then(|v| v.get("requestId").or_else(|| v.get("request_id")))
                .and_then(scalar_text)
        });
    let message = format!("{}: {message}", provider.name());
    match status {
        401 | 403 => Error::Auth {
            status,
            message,
            request_id,
        },
        429 => Error::RateLimited {
            retry_after_ms,
            message,
            request_id,
        },
        _ => Error::Api {
            status,
            code,
            message,
            request_id,
            body: cut(&response.body, MAX_BODY),
        },
    }
}

fn default_message(status: u16) -> String {
    match status {
        400 => "the request was rejected".into(),
        401 => "the API key is missing or invalid".into(),
        403 => "the API key is not allowed to do this (inactive?)".into(),
        404 => "not found".into(),
        429 => "too many requests".into(),
        500..=599 => "the provider had an internal error".into(),
        _ => format!("unexpected HTTP status {status}"),
    }
}

/// Text of a string or number value (codes come as both).
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(cut(s, 100)),
        Value::Number(n) => Some(crate::json::number_text(n)),
        _ => None,
    }
}

/// Where one provider keeps a job's fields; [`read_job`] and [`read_update`] do the reading.
struct Shape {
    provider: Provider,
    id_keys: &'static [&'static str],
    result_keys: &'static [&'static str],
    credit_keys: &'static [&'static str],
}

/// The job a submit reply describes: an id safe to put in a URL, and its status.
fn read_job(shape: &Shape, v: &Value, raw: &str) -> Result<Job, Error> {
    let name = shape.provider.name();
    let id = first_str(v, shape.id_keys)
        .filter(|id| check_job_id(id).is_ok())
        .ok_or_else(|| Error::decode(format!("{name}'s submit reply has no usable job id"), raw))?;
    let status = match first_str(v, &["status", "state"]) {
        Some(s) => parse_job_status(shape.provider, s, raw)?,
        None => crate::job::JobStatus::Queued,
    };
    Ok(Job {
        id: id.to_owned(),
        provider: shape.provider,
        status,
        idempotency_key: None,
    })
}

/// One status reply. A completed job must name at least one image.
fn read_update(shape: &Shape, v: &Value, raw: &str, asked: &str) -> Result<JobUpdate, Error> {
    use crate::job::JobStatus;
    let name = shape.provider.name();
    if !v.is_object() {
        return Err(Error::decode(
            format!("{name}'s job reply is not an object"),
            raw,
        ));
    }
    let status_text = first_str(v, &["status", "state"])
        .ok_or_else(|| Error::decode(format!("{name}'s job reply has no status"), raw))?;
    let status = parse_job_status(shape.provider, status_text, raw)?;
    let mut images = Vec::new();
    for key in shape.result_keys {
        if let Some(result) = v.get(*key) {
            collect_urls(result, &mut images);
        }
    }
    if status == JobStatus::Completed && images.is_empty() {
        return Err(Error::decode(
            format!("{name} says the job completed but gives no image URL"),
            raw,
        ));
    }
    let progress = match status {
        JobStatus::Completed => Some(100),
        _ => progress_of(v.get("progress")),
    };
    let error = reason_of(v.get("error")).or_else(|| {
        (status == JobStatus::Failed)
            .then(|| reason_of(v.get("message")))
            .flatten()
    });
    Ok(JobUpdate {
        id: first_str(v, shape.id_keys).unwrap_or(asked).to_owned(),
        status,
        progress,
        images,
        error,
        credit_cost: shape.credit_keys.iter().find_map(|k| credits_of(v.get(*k))),
        created_at: ["createdAt", "created_at"]
            .iter()
            .find_map(|k| unix_ms_of(v.get(*k))),
        completed_at: match status {
            JobStatus::Completed | JobStatus::Failed => ["completedAt", "completed_at"]
                .iter()
                .find_map(|k| unix_ms_of(v.get(*k))),
            JobStatus::Queued | JobStatus::Processing => None,
        },
    })
}

fn parse_job_status(
    provider: Provider,
    s: &str,
    raw: &str,
) -> Result<crate::job::JobStatus, Error> {
    crate::job::JobStatus::parse(s).ok_or_else(|| {
        Error::decode(
            format!(
                "{} sent an unknown job status {}",
                provider.name(),
                quoted(s)
            ),
            raw,
        )
    })
}

/// The first of `keys` that holds a string.
fn first_str<'a>(v: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|k| v.get(*k).and_then(Value::as_str))
}

/// A number or numeric string as 0–100, rounded.
fn progress_of(v: Option<&Value>) -> Option<u8> {
    let n = match v? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => crate::error::parse_number(s.trim().trim_end_matches('%'))?,
        _ => return None,
    };
    n.is_finite().then(|| n.clamp(0.0, 100.0).round() as u8)
}

/// Credits as a non-negative number, from a number or numeric string.
fn credits_of(v: Option<&Value>) -> Option<f64> {
    let n = match v? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => crate::error::parse_number(s)?,
        _ => return None,
    };
    (n.is_finite() && n >= 0.0).then_some(n)
}

/// A moment as ms since the Unix epoch, from an RFC 3339 text (`2026-11-22T20:00:00.5Z`), or a
/// number (or numeric text) of seconds or, when it is that large, milliseconds.
fn unix_ms_of(v: Option<&Value>) -> Option<u64> {
    let n = match v? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => match crate::error::parse_number(s) {
            Some(n) => n,
            None => return rfc3339_ms(s.trim()),
        },
        _ => return None,
    };
    // 1e11 s is the year 5138; 1e11 ms is 1973: a larger number is milliseconds.
    let ms = if n >= 1e11 { n } else { n * 1000.0 };
    (0.0..1e15).contains(&ms).then(|| ms.round() as u64)
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` as ms since the Unix epoch (`t`, `z` and a space
/// for `T` accepted too). `None` for anything else.
fn rfc3339_ms(s: &str) -> Option<u64> {
    let b = s.as_bytes();
    let digits = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0i64, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let (year, month, day) = (digits(0, 4)?, digits(5, 2)?, digits(8, 2)?);
    let (hour, minute, second) = (digits(11, 2)?, digits(14, 2)?, digits(17, 2)?);
    let separators_ok = b.get(4) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && matches!(b.get(10), Some(b'T' | b't' | b' '))
        && b.get(13) == Some(&b':')
        && b.get(16) == Some(&b':');
    if !separators_ok
        || !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let mut i = 19;
    let mut millis = 0i64;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            if i - start < 3 {
                millis = millis * 10 + i64::from(b[i] - b'0');
            }
            i += 1;
        }
        if i == start {
            return None;
        }
        for _ in (i - start)..3 {
            millis *= 10;
        }
    }
    let offset_minutes = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b.get(i + 3) == Some(&b':') => {
            let minutes = digits(i + 1, 2)? * 60 + digits(i + 4, 2)?;
            if *sign == b'+' { minutes } else { -minutes }
        }
        _ => return None,
    };
    let days = crate::http_date::days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3_600 + minute * 60 + second - offset_minutes * 60;
    u64::try_from(seconds * 1000 + millis).ok()
}

/// A failure reason from a string, or an object with a message.
fn reason_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(cut(s, 1_000)),
        Value::Object(o) => o
            .get("message")
            .and_then(Value::as_str)
            .map(|s| cut(s, 1_000)),
        _ => None,
    }
}

/// Pushes every URL found in a result value: a string, `{url}`, `{url: [..]}`, or a list of those.
fn collect_urls(v: &Value, out: &mut Vec<crate::job::Image>) {
    match v {
        Value::String(s) if !s.is_empty() => out.push(crate::job::Image { url: s.clone() }),
        Value::Array(items) => items.iter().for_each(|i| collect_urls(i, out)),
        Value::Object(o) => {
            for key in ["images", "url", "urls"] {
                if let Some(inner) = o.get(key) {
                    collect_urls(inner, out);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
