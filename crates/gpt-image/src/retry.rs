//! When to send a request again, and how long to wait first.
//!
//! Pure: the caller passes the attempt number, the error, the server's hint and a random number,
//! and gets a delay or "do not retry". Transient failures (network, timeout, 408, 429, 5xx) are
//! retried with capped exponential backoff and jitter; `Retry-After` and `retry-after-ms` win
//! when present. Aborts and user errors are never retried, and a request that cannot be made
//! idempotent is only resent when the reply proves the server did not act on it.
//!
//! May use: `error`, `http`, `http_date`. May not touch: `wire`, `config`, the network, the clock (the time is
//! passed in), randomness (the random number is passed in).

use crate::error::{Error, parse_number};
use crate::http::HttpResponse;

/// How persistently to retry. The defaults suit interactive use.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Retries after the first attempt; 0 disables retrying.
    pub max_retries: u32,
    /// Delay before the first retry, in ms; doubles each time.
    pub initial_delay_ms: u64,
    /// Longest backoff between two attempts, in ms.
    pub max_delay_ms: u64,
    /// Longest server-requested wait honoured; a longer `Retry-After` ends retrying so the
    /// caller can decide.
    pub max_retry_after_ms: u64,
    /// Failed polls in a row after which a wait gives up (the job may still finish). A poll
    /// changes nothing, so any failure that may pass on a second look is repeated on the
    /// polling schedule until then: see [`poll_may_repeat`].
    pub max_poll_failures: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            initial_delay_ms: 500,
            max_delay_ms: 8_000,
            max_retry_after_ms: 60_000,
            max_poll_failures: 10,
        }
    }
}

/// Whether a request may be sent again after it may have reached the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resend {
    /// A read, or a submit carrying an `Idempotency-Key`: repeating it changes nothing.
    Safe,
    /// A submit the provider cannot deduplicate: resend only when the server provably did not
    /// act on it (429, 408).
    OnlyIfRefused,
}

impl RetryPolicy {
    /// Capped exponential backoff for retry number `attempt` (0-based), less up to 25 % jitter
    /// drawn from `random` in `[0, 1)` so that many clients do not retry in step.
    pub fn backoff_ms(&self, attempt: u32, random: f64) -> u64 {
        let exp = self
            .initial_delay_ms
            .saturating_mul(1u64 << attempt.min(20))
            .min(self.max_delay_ms);
        let jitter = (exp as f64 * 0.25 * random.clamp(0.0, 1.0)) as u64;
        exp - jitter
    }

    /// The wait before retry number `attempt` after `error`, or `None` to give up and return it.
    /// `hint_ms` is the server's `Retry-After`, already read from the reply.
    pub fn delay_before_retry(
        &self,
        attempt: u32,
        error: &Error,
        resend: Resend,
        hint_ms: Option<u64>,
        random: f64,
    ) -> Option<u64> {
        if attempt >= self.max_retries || !error.is_transient() {
            return None;
        }
        if resend == Resend::OnlyIfRefused && !was_refused_unprocessed(error) {
            return None;
        }
        let hint = hint_ms.or(match error {
            Error::RateLimited { retry_after_ms, .. } => *retry_after_ms,
            _ => None,
        });
        match hint {
            Some(ms) if ms > self.max_retry_after_ms => None,
            Some(ms) => Some(ms),
            None => Some(self.backoff_ms(attempt, random)),
        }
    }
}

/// Whether a failed poll is worth repeating: a poll is safe to repeat, so anything that may pass
/// on a second look is (an unreadable, truncated or wrong-typed reply, a 5xx, a 408, a 429, a
/// timeout, a dropped connection). Not an abort, a refused key, a 4xx, or a failed job.
pub fn poll_may_repeat(error: &Error) -> bool {
    error.is_transient() || matches!(error, Error::Decode { .. })
}

/// Replies that prove the server did not start the work: rate limited, or request timeout.
fn was_refused_unprocessed(error: &Error) -> bool {
    matches!(
        error,
        Error::RateLimited { .. } | Error::Api { status: 408, .. }
    )
}

/// The server's requested wait: `retry-after-ms`, else `Retry-After` as seconds or an HTTP date
/// (relative to `now_unix_ms`). Negative, absurd or unreadable values are ignored.
pub fn retry_after_ms(response: &HttpResponse, now_unix_ms: f64) -> Option<u64> {
    if let Some(ms) = response
        .header("retry-after-ms")
        .and_then(parse_number)
        .filter(|ms| *ms >= 0.0 && *ms < 1e12)
    {
        return Some(ms.round() as u64);
    }
    let value = response.header("retry-after")?.trim();
    if let Some(secs) = parse_number(value) {
        return (0.0..1e9)
            .contains(&secs)
            .then(|| (secs * 1000.0).round() as u64);
    }
    let when_ms = crate::http_date::unix_seconds(value)? as f64 * 1000.0;
    Some((when_ms - now_unix_ms).max(0.0).round() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[(&str, &str)]) -> HttpResponse {
        HttpResponse {
            status: 429,
            headers: h
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            body: String::new(),
        }
    }

    fn api(status: u16) -> Error {
        Error::Api {
            status,
            code: None,
            message: String::new(),
            request_id: None,
            body: String::new(),
        }
    }

    #[test]
    fn backoff_doubles_caps_and_jitters_down() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff_ms(0, 0.0), 500);
        assert_eq!(p.backoff_ms(1, 0.0), 1_000);
        assert_eq!(p.backoff_ms(3, 0.0), 4_000);
        assert_eq!(p.backoff_ms(4, 0.0), 8_000);
        assert_eq!(p.backoff_ms(30, 0.0), 8_000);
        assert_eq!(p.backoff_ms(0, 0.999_999), 376);
        for i in 0..100 {
            let d = p.backoff_ms(2, i as f64 / 100.0);
            assert!((1_500..=2_000).contains(&d), "{d}");
        }
    }

    #[test]
    fn transient_errors_retry_until_the_budget_is_spent() {
        let p = RetryPolicy::default();
        let net = Error::Network {
            message: "reset".into(),
        };
        assert!(
            p.delay_before_retry(0, &net, Resend::Safe, None, 0.0)
                .is_some()
        );
        assert!(
            p.delay_before_retry(2, &net, Resend::Safe, None, 0.0)
                .is_some()
        );
        assert_eq!(p.delay_before_retry(3, &net, Resend::Safe, None, 0.0), None);
        for e in [api(500), api(502), api(503), api(504), api(408)] {
            assert!(
                p.delay_before_retry(0, &e, Resend::Safe, None, 0.0)
                    .is_some(),
                "{e:?}"
            );
        }
        let none = RetryPolicy {
            max_retries: 0,
            ..p
        };
        assert_eq!(
            none.delay_before_retry(0, &net, Resend::Safe, None, 0.0),
            None
        );
    }

    #[test]
    fn user_errors_and_aborts_are_never_retried() {
        let p = RetryPolicy::default();
        let auth = Error::Auth {
            status: 401,
            message: String::new(),
            request_id: None,
        };
        for e in [
            Error::Aborted,
            api(400),
            api(404),
            api(422),
            auth,
            Error::decode("x", ""),
        ] {
            assert_eq!(
                p.delay_before_retry(0, &e, Resend::Safe, None, 0.0),
                None,
                "{e:?}"
            );
        }
    }

    #[test]
    fn an_unsafe_submit_is_resent_only_when_refused() {
        let p = RetryPolicy::default();
        let limited = Error::RateLimited {
            retry_after_ms: Some(1_000),
            message: String::new(),
            request_id: None,
        };
        assert_eq!(
            p.delay_before_retry(0, &limited, Resend::OnlyIfRefused, None, 0.0),
            Some(1_000)
        );
        assert!(
            p.delay_before_retry(0, &api(408), Resend::OnlyIfRefused, None, 0.0)
                .is_some()
        );
        for e in [
            api(500),
            api(503),
            Error::Network {
                message: String::new(),
            },
            Error::Timeout {
                message: String::new(),
                job_id: None,
            },
        ] {
            assert_eq!(
                p.delay_before_retry(0, &e, Resend::OnlyIfRefused, None, 0.0),
                None,
                "{e:?}"
            );
        }
    }

    #[test]
    fn polls_repeat_through_anything_a_second_look_may_fix() {
        for e in [
            api(500),
            api(503),
            api(408),
            Error::decode("truncated", "{\"id\":"),
            Error::Network {
                message: String::new(),
            },
            Error::Timeout {
                message: String::new(),
                job_id: None,
            },
            Error::RateLimited {
                retry_after_ms: None,
                message: String::new(),
                request_id: None,
            },
        ] {
            assert!(poll_may_repeat(&e), "{e:?}");
        }
        for e in [
            api(400),
            api(404),
            Error::Aborted,
            Error::Auth {
                status: 401,
                message: String::new(),
                request_id: None,
            },
            Error::JobFailed {
                job_id: "j".into(),
                reason: String::new(),
            },
        ] {
            assert!(!poll_may_repeat(&e), "{e:?}");
        }
        assert_eq!(RetryPolicy::default().max_poll_failures, 10);
    }

    #[test]
    fn server_hints_win_but_are_capped() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay_before_retry(0, &api(503), Resend::Safe, Some(2_500), 0.5),
            Some(2_500)
        );
        assert_eq!(
            p.delay_before_retry(0, &api(503), Resend::Safe, Some(120_000), 0.5),
            None
        );
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(
            retry_after_ms(&headers(&[("retry-after", "2")]), 0.0),
            Some(2_000)
        );
        assert_eq!(
            retry_after_ms(&headers(&[("retry-after", "1.5")]), 0.0),
            Some(1_500)
        );
        assert_eq!(
            retry_after_ms(
                &headers(&[("retry-after-ms", "250"), ("retry-after", "9")]),
                0.0
            ),
            Some(250)
        );
        // 1994-11-06T08:49:37Z is 784111777 s after the epoch.
        let now = 784_111_777_000.0 - 5_000.0;
        assert_eq!(
            retry_after_ms(
                &headers(&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")]),
                now
            ),
            Some(5_000)
        );
        assert_eq!(
            retry_after_ms(
                &headers(&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")]),
                now + 60_000.0
            ),
            Some(0)
        );
        for junk in ["-1", "soon", "", "NaN", "1e99"] {
            assert_eq!(
                retry_after_ms(&headers(&[("retry-after", junk)]), 0.0),
                None,
                "{junk}"
            );
        }
        assert_eq!(retry_after_ms(&headers(&[]), 0.0), None);
    }
}
