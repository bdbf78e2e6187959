//! When the studio sends a submit again after the client core gave up on it (pure).
//!
//! The core retries a submit a few times; the studio may keep a job waiting longer, because the
//! user asked for it and the card says it is still being sent:
//!
//! - a 429 proves no job was made (the account is at its limit of jobs running at once, or
//!   sends too fast), so it is safe to send again on either provider, after the server's
//!   `Retry-After`: jobs beyond the account's limit wait their turn instead of failing;
//! - with an idempotency key (Apiframe), a lost or unreadable reply, a 5xx or a timeout is safe
//!   to resend too: the same key returns the job the first attempt made, never a second one.
//!
//! Anything else (a refused key, an invalid request, API in One's unanswered submits) is shown
//! at once, and so is any failure after [`GIVE_UP_AFTER_MS`] of trying.

use gpt_image::{Error, Provider};

use crate::clock;
use crate::explain::explain;

/// How long a submit is kept trying before the card shows the error.
pub const GIVE_UP_AFTER_MS: u64 = 10 * 60 * 1000;

/// Shortest and longest wait between two tries.
const MIN_DELAY_MS: u64 = 250;
const MAX_DELAY_MS: u64 = 30_000;

/// The wait before sending a failed submit again, or `None` to show the error. `idempotent`: the
/// submit carries an idempotency key; `tries`: studio-level tries so far (0-based); `waited_ms`:
/// time since the first try.
pub fn resubmit_after_ms(
    error: &Error,
    idempotent: bool,
    tries: u32,
    waited_ms: u64,
) -> Option<u64> {
    if waited_ms >= GIVE_UP_AFTER_MS {
        return None;
    }
    let backoff = 2_000u64.saturating_mul(1 << tries.min(4));
    let delay = match error {
        Error::RateLimited { retry_after_ms, .. } => retry_after_ms.unwrap_or(backoff),
        Error::Network { .. } | Error::Timeout { .. } | Error::Decode { .. } if idempotent => {
            backoff
        }
        Error::Api { status, .. } if idempotent && (*status == 408 || *status >= 500) => backoff,
        _ => return None,
    };
    Some(delay.clamp(MIN_DELAY_MS, MAX_DELAY_MS))
}

/// What the card says while a submit waits `delay_ms` to be sent again: why, in the provider's
/// words, and that it is sent again on its own.
pub fn waiting_note(error: &Error, provider: Provider, delay_ms: u64) -> String {
    let name = provider.name();
    let why = match error {
        Error::RateLimited { .. } => {
            format!("{name} is rate limiting this key (or has as many jobs running as it allows)")
        }
        _ => format!("the reply to this submit was lost on the way from {name}"),
    };
    let said = explain(error, provider)
        .detail
        .map(|d| format!(" {d}."))
        .unwrap_or_default();
    let same = match error {
        Error::RateLimited { .. } => "",
        _ => " with the same idempotency key, which never makes a second job",
    };
    format!(
        "Not accepted yet: {why}.{said} Sending again in {}{same}.",
        clock::duration(delay_ms as f64)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limited(ms: Option<u64>) -> Error {
        Error::RateLimited {
            retry_after_ms: ms,
            message: "10 jobs are already running for this API key".into(),
            request_id: None,
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
    fn a_refused_submit_waits_its_turn_on_either_provider() {
        assert_eq!(
            resubmit_after_ms(&limited(Some(3_100)), false, 0, 0),
            Some(3_100)
        );
        assert_eq!(
            resubmit_after_ms(&limited(Some(3_100)), true, 5, 60_000),
            Some(3_100)
        );
        assert_eq!(
            resubmit_after_ms(&limited(Some(0)), true, 0, 0),
            Some(MIN_DELAY_MS)
        );
        assert_eq!(
            resubmit_after_ms(&limited(Some(600_000)), true, 0, 0),
            Some(MAX_DELAY_MS)
        );
        assert_eq!(resubmit_after_ms(&limited(None), false, 0, 0), Some(2_000));
    }

    #[test]
    fn lost_replies_are_resent_only_with_an_idempotency_key() {
        let lost = [
            Error::Network {
                message: "reset".into(),
            },
            Error::Timeout {
                message: "slow".into(),
                job_id: None,
            },
            Error::Decode {
                message: "not JSON".into(),
                body: "{".into(),
            },
            api(500),
            api(503),
            api(408),
        ];
        for e in &lost {
            assert_eq!(resubmit_after_ms(e, true, 0, 0), Some(2_000), "{e:?}");
            assert_eq!(resubmit_after_ms(e, false, 0, 0), None, "{e:?}");
        }
        assert_eq!(resubmit_after_ms(&lost[0], true, 1, 0), Some(4_000));
        assert_eq!(resubmit_after_ms(&lost[0], true, 9, 0), Some(30_000));
    }

    #[test]
    fn the_card_says_why_it_waits_and_that_it_sends_again() {
        let note = waiting_note(&limited(Some(1_000)), Provider::Apiframe, 1_000);
        assert!(
            note.contains("Apiframe is rate limiting this key"),
            "{note}"
        );
        assert!(note.contains("10 jobs are already running"), "{note}");
        assert!(note.contains("Sending again in 1.0 s."), "{note}");
        let note = waiting_note(&api(503), Provider::Apiframe, 2_000);
        assert!(note.contains("lost"), "{note}");
        assert!(note.contains("same idempotency key"), "{note}");
    }

    #[test]
    fn other_errors_and_old_submits_are_shown() {
        for e in [
            api(400),
            api(404),
            Error::Aborted,
            Error::Auth {
                status: 401,
                message: String::new(),
                request_id: None,
            },
        ] {
            assert_eq!(resubmit_after_ms(&e, true, 0, 0), None, "{e:?}");
        }
        assert_eq!(
            resubmit_after_ms(&limited(Some(1_000)), true, 0, GIVE_UP_AFTER_MS),
            None
        );
        assert_eq!(
            resubmit_after_ms(&api(503), true, 0, GIVE_UP_AFTER_MS + 1),
            None
        );
    }
}
