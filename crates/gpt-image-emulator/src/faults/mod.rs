//! The fault grammar: what a fault spec says, and parsing it. Which rules fire for one request
//! is decided in `plan.rs`; `injection.rs` carries the decision out.
//!
//! Pure logic, no I/O. The grammar (also in the crate README):
//!
//! ```text
//! SPEC  := RULE ("," RULE)*
//! RULE  := [TARGET ":"] FAULT ["x" COUNT] ["@" RATE]
//! TARGET:= submit | poll | any
//! FAULT := 5NN | 429 | 429=SECS | 429ms=MILLIS | drop | drop-after | reset | reset-after
//!        | slow=MILLIS | malformed | truncated | fail | alt-shape
//! RATE  := a number from 0 to 1: the chance that the rule fires for a matching request
//! ```

mod plan;

use std::fmt;
use std::str::FromStr;

pub use plan::{FaultCounter, Plan};

/// Which requests a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Job submissions (`POST` generate).
    Submit,
    /// Job status requests and job listings.
    Poll,
    /// Every API request: submissions, polls and the account (`GET /v2/me`).
    Any,
}

/// The kind of request being answered, as far as faults are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// A job submission.
    Submit,
    /// A job status request or a job listing.
    Poll,
    /// An account request (`GET /v2/me`): only `any` rules apply.
    Account,
}

impl Target {
    /// Whether a rule with this target applies to a request of `kind`.
    pub fn matches(self, kind: RequestKind) -> bool {
        match self {
            Target::Any => true,
            Target::Submit => kind == RequestKind::Submit,
            Target::Poll => kind == RequestKind::Poll,
        }
    }
}

/// One injectable misbehaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Reply with this status (500 to 599) in the provider's error shape, doing no work.
    Status(u16),
    /// Reply 429 with `Retry-After: secs`, doing no work.
    RateLimited {
        /// Whole seconds sent in `Retry-After`.
        secs: u64,
    },
    /// Reply 429 with `retry-after-ms: millis` and `Retry-After: ceil(millis / 1000)`.
    RateLimitedMs {
        /// Milliseconds sent in `retry-after-ms`.
        millis: u64,
    },
    /// Do no work, send headers, then abort the body.
    Drop,
    /// Do the work, send headers, then abort the body.
    DropAfter,
    /// Do no work and close the connection without any reply (not even a status line).
    Reset,
    /// Do the work, then close the connection without any reply.
    ResetAfter,
    /// Delay the reply by this many milliseconds (times the time scale).
    Slow {
        /// Milliseconds before the (time-scaled) reply.
        millis: u64,
    },
    /// Reply 200 with a complete body that is not valid JSON, doing no work.
    Malformed,
    /// Do the work, then send only the first half of the reply's body (with a matching
    /// `Content-Length`, so the exchange ends cleanly on a body that is cut short).
    Truncated,
    /// The job created by this submit ends FAILED.
    Fail,
    /// Use the providers' alternate documented reply shapes.
    AltShape,
}

/// One rule of a spec: a fault, the requests it targets, how many times and how often it fires.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Which requests the rule applies to.
    pub target: Target,
    /// What happens when it fires.
    pub fault: Fault,
    /// Fires only `count` times; `None` means with no limit.
    pub count: Option<u32>,
    /// Chance (0..1) of firing for each matching request; `None` means always.
    pub rate: Option<f64>,
}

/// A parsed fault spec, keeping its text (fire counts are kept per spec text).
#[derive(Debug, Clone, PartialEq)]
pub struct FaultSpec {
    /// The spec as written.
    pub text: String,
    /// Its rules, in order.
    pub rules: Vec<Rule>,
}

/// Why a fault spec could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError(pub String);

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SpecError {}

impl FromStr for FaultSpec {
    type Err = SpecError;

    fn from_str(text: &str) -> Result<Self, SpecError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(SpecError("empty fault spec".into()));
        }
        let rules = text
            .split(',')
            .map(parse_rule)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(FaultSpec {
            text: text.to_string(),
            rules,
        })
    }
}

fn parse_rule(raw: &str) -> Result<Rule, SpecError> {
    let rule = raw.trim();
    let bad = |why: &str| SpecError(format!("invalid fault rule '{rule}': {why}"));
    let (target, rest) = match rule.split_once(':') {
        Some(("submit", rest)) => (Target::Submit, rest),
        Some(("poll", rest)) => (Target::Poll, rest),
        Some(("any", rest)) => (Target::Any, rest),
        Some((other, _)) => {
            return Err(bad(&format!(
                "unknown target '{other}' (submit, poll or any)"
            )));
        }
        None => (Target::Any, rule),
    };
    let (rest, rate) = match rest.rsplit_once('@') {
        Some((rest, rate)) => match rate.parse::<f64>() {
            Ok(rate) if (0.0..=1.0).contains(&rate) => (rest, Some(rate)),
            _ => return Err(bad("rate after @ must be a number from 0 to 1")),
        },
        None => (rest, None),
    };
    let (fault_text, count) = match rest.rfind('x') {
        Some(at) if at + 1 < rest.len() && rest[at + 1..].bytes().all(|b| b.is_ascii_digit()) => {
            let count: u32 = rest[at + 1..].parse().map_err(|_| bad("count too large"))?;
            if count == 0 {
                return Err(bad("count must be at least 1"));
            }
            (&rest[..at], Some(count))
        }
        _ => (rest, None),
    };
    let number = |value: &str, what: &str| -> Result<u64, SpecError> {
        value
            .parse::<u64>()
            .map_err(|_| bad(&format!("{what} must be a whole number")))
    };
    let fault = match fault_text.split_once('=') {
        Some(("429", secs)) => Fault::RateLimited {
            secs: number(secs, "seconds")?,
        },
        Some(("429ms", millis)) => Fault::RateLimitedMs {
            millis: number(millis, "milliseconds")?,
        },
        Some(("slow", millis)) => Fault::Slow {
            millis: number(millis, "milliseconds")?,
        },
        Some(_) => return Err(bad("unknown fault")),
        None => match fault_text {
            code if code.len() == 3 && code.starts_with('5') => match code.parse::<u16>() {
                Ok(status) => Fault::Status(status),
                Err(_) => return Err(bad("unknown fault")),
            },
            "429" => Fault::RateLimited { secs: 1 },
            "drop" => Fault::Drop,
            "drop-after" => Fault::DropAfter,
            "reset" => Fault::Reset,
            "reset-after" => Fault::ResetAfter,
            "malformed" => Fault::Malformed,
            "truncated" => Fault::Truncated,
            "fail" => Fault::Fail,
            "alt-shape" => Fault::AltShape,
            _ => return Err(bad("unknown fault")),
        },
    };
    Ok(Rule {
        target,
        fault,
        count,
        rate,
    })
}
impl Fault {
    /// True for faults that decide the reply itself, of which at most one fires per request.
    pub fn decides_reply(self) -> bool {
        matches!(
            self,
            Fault::Status(_)
                | Fault::RateLimited { .. }
                | Fault::RateLimitedMs { .. }
                | Fault::Drop
                | Fault::DropAfter
                | Fault::Reset
                | Fault::ResetAfter
                | Fault::Malformed
                | Fault::Truncated
        )
    }

    /// The fault's name in the grammar, without its value: `503`, `429`, `429ms`, `slow`, ….
    pub fn name(self) -> String {
        match self {
            Fault::Status(code) => code.to_string(),
            Fault::RateLimited { .. } => "429".into(),
            Fault::RateLimitedMs { .. } => "429ms".into(),
            Fault::Drop => "drop".into(),
            Fault::DropAfter => "drop-after".into(),
            Fault::Reset => "reset".into(),
            Fault::ResetAfter => "reset-after".into(),
            Fault::Slow { .. } => "slow".into(),
            Fault::Malformed => "malformed".into(),
            Fault::Truncated => "truncated".into(),
            Fault::Fail => "fail".into(),
            Fault::AltShape => "alt-shape".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> FaultSpec {
        text.parse().expect("valid spec")
    }

    #[test]
    fn parses_every_fault_form() {
        let parsed = spec(
            "submit:503x2,poll:429=3,429ms=1500x1,drop,any:drop-after,slow=250,malformed,fail,alt-shape,500,502,429,truncated",
        );
        let faults: Vec<_> = parsed
            .rules
            .iter()
            .map(|r| (r.target, r.fault, r.count))
            .collect();
        assert_eq!(
            faults,
            vec![
                (Target::Submit, Fault::Status(503), Some(2)),
                (Target::Poll, Fault::RateLimited { secs: 3 }, None),
                (Target::Any, Fault::RateLimitedMs { millis: 1500 }, Some(1)),
                (Target::Any, Fault::Drop, None),
                (Target::Any, Fault::DropAfter, None),
                (Target::Any, Fault::Slow { millis: 250 }, None),
                (Target::Any, Fault::Malformed, None),
                (Target::Any, Fault::Fail, None),
                (Target::Any, Fault::AltShape, None),
                (Target::Any, Fault::Status(500), None),
                (Target::Any, Fault::Status(502), None),
                (Target::Any, Fault::RateLimited { secs: 1 }, None),
                (Target::Any, Fault::Truncated, None),
            ]
        );
        assert_eq!(
            parsed.text,
            "submit:503x2,poll:429=3,429ms=1500x1,drop,any:drop-after,slow=250,malformed,fail,alt-shape,500,502,429,truncated"
        );
    }

    #[test]
    fn counts_on_modifiers_and_slow() {
        assert_eq!(
            spec("slow=200x3").rules[0],
            Rule {
                target: Target::Any,
                fault: Fault::Slow { millis: 200 },
                count: Some(3),
                rate: None,
            }
        );
        assert_eq!(spec("poll:drop-afterx1").rules[0].fault, Fault::DropAfter);
        assert_eq!(spec("alt-shapex2").rules[0].count, Some(2));
    }

    #[test]
    fn rejects_bad_specs() {
        for bad in [
            "",
            "404",
            "submit:",
            "later:503",
            "503x0",
            "slow=abc",
            "slow",
            "429=",
            "teapot=1",
            "503,,fail",
            "503x",
            "5xx",
            "600",
            "503@",
            "503@1.5",
            "503@-0.1",
            "503@nan",
            "503@0.1x2",
            "submit:503@0.1@0.2",
        ] {
            assert!(bad.parse::<FaultSpec>().is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn parses_rates_and_any_5xx() {
        let parsed = spec(
            "submit:503@0.1,poll:malformed@0.1,any:429ms=200@0.05,504x2@0.5,truncated@1,drop-after@0,reset,reset-afterx1",
        );
        let rules: Vec<_> = parsed
            .rules
            .iter()
            .map(|r| (r.target, r.fault, r.count, r.rate))
            .collect();
        assert_eq!(
            rules,
            vec![
                (Target::Submit, Fault::Status(503), None, Some(0.1)),
                (Target::Poll, Fault::Malformed, None, Some(0.1)),
                (
                    Target::Any,
                    Fault::RateLimitedMs { millis: 200 },
                    None,
                    Some(0.05)
                ),
                (Target::Any, Fault::Status(504), Some(2), Some(0.5)),
                (Target::Any, Fault::Truncated, None, Some(1.0)),
                (Target::Any, Fault::DropAfter, None, Some(0.0)),
                (Target::Any, Fault::Reset, None, None),
                (Target::Any, Fault::ResetAfter, Some(1), None),
            ]
        );
    }

    #[test]
    fn any_text_parses_or_is_refused_without_panicking() {
        // Specs arrive in headers and paths: random text over the grammar's own characters.
        const PIECES: [&str; 24] = [
            "submit",
            "poll",
            "any",
            ":",
            ",",
            "x",
            "@",
            "=",
            "ms",
            "0",
            "1",
            "5",
            "9",
            ".",
            "-",
            "429",
            "503",
            "slow",
            "drop",
            "reset-after",
            "truncated",
            "é",
            " ",
            "\u{0}",
        ];
        let mut rng = fastrand::Rng::with_seed(99);
        let mut parsed = 0;
        for _ in 0..20_000 {
            let text: String = (0..rng.usize(0..12))
                .map(|_| PIECES[rng.usize(..PIECES.len())])
                .collect();
            if let Ok(spec) = text.parse::<FaultSpec>() {
                parsed += 1;
                assert!(!spec.rules.is_empty());
                assert!(
                    spec.rules
                        .iter()
                        .all(|r| r.rate.is_none_or(|p| (0.0..=1.0).contains(&p)))
                );
            }
        }
        assert!(parsed > 0);
    }
}
