//! The fault grammar: parsing a fault spec and deciding which of its rules fire for one request.
//!
//! Pure logic, no I/O: the provider modules ask [`FaultCounter::plan`] what to do and
//! `injection.rs` carries it out. The grammar (also in the crate README):
//!
//! ```text
//! SPEC  := RULE ("," RULE)*
//! RULE  := [TARGET ":"] FAULT ["x" COUNT]
//! TARGET:= submit | poll | any
//! FAULT := 500 | 502 | 503 | 429 | 429=SECS | 429ms=MILLIS | drop | drop-after
//!        | slow=MILLIS | malformed | fail | alt-shape
//! ```

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

/// Which requests a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Job submissions (`POST` generate).
    Submit,
    /// Job status requests and job listings.
    Poll,
    /// Both submissions and polls.
    Any,
}

/// The kind of request being answered, as far as faults are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// A job submission.
    Submit,
    /// A job status request or a job listing.
    Poll,
}

impl Target {
    fn matches(self, kind: RequestKind) -> bool {
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
    /// Reply with this status (500, 502 or 503) in the provider's error shape, doing no work.
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
    /// Delay the reply by this many milliseconds (times the time scale).
    Slow {
        /// Milliseconds before the (time-scaled) reply.
        millis: u64,
    },
    /// Reply 200 with a body that is not valid JSON, doing no work.
    Malformed,
    /// The job created by this submit ends FAILED.
    Fail,
    /// Use the providers' alternate documented reply shapes.
    AltShape,
}

/// One rule of a spec: a fault, the requests it targets and how many times it fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Which requests the rule applies to.
    pub target: Target,
    /// What happens when it fires.
    pub fault: Fault,
    /// Fires only for the first `count` matching requests; `None` means every time.
    pub count: Option<u32>,
}

/// A parsed fault spec, keeping its text (fire counts are kept per spec text).
#[derive(Debug, Clone, PartialEq, Eq)]
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
            "500" => Fault::Status(500),
            "502" => Fault::Status(502),
            "503" => Fault::Status(503),
            "429" => Fault::RateLimited { secs: 1 },
            "drop" => Fault::Drop,
            "drop-after" => Fault::DropAfter,
            "malformed" => Fault::Malformed,
            "fail" => Fault::Fail,
            "alt-shape" => Fault::AltShape,
            _ => return Err(bad("unknown fault")),
        },
    };
    Ok(Rule {
        target,
        fault,
        count,
    })
}

/// What to do for one request, after evaluating every spec that applies to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Total delay before replying, in milliseconds (not yet time-scaled).
    pub delay_ms: u64,
    /// The fault that decides the reply (an error status, 429, drop, drop-after or malformed).
    pub reply: Option<Fault>,
    /// The job created by this submit must end FAILED.
    pub fail: bool,
    /// Reply in the alternate documented shapes.
    pub alt_shape: bool,
}

impl Fault {
    /// True for faults that decide the reply itself, of which at most one fires per request.
    fn decides_reply(self) -> bool {
        matches!(
            self,
            Fault::Status(_)
                | Fault::RateLimited { .. }
                | Fault::RateLimitedMs { .. }
                | Fault::Drop
                | Fault::DropAfter
                | Fault::Malformed
        )
    }
}

/// How many times each rule has fired, per (API key, spec text, rule index).
#[derive(Debug, Default)]
pub struct FaultCounter {
    fired: HashMap<(String, String, usize), u32>,
}

impl FaultCounter {
    /// Decides what the given specs do to one request made with `api_key`, and records the
    /// rules that fire.
    ///
    /// Rules are read in order. `slow` delays add up; `fail` and `alt-shape` set flags; the
    /// first matching reply-deciding rule (status, 429, drop, drop-after, malformed) decides
    /// the reply, and later reply-deciding rules neither fire nor use up their count.
    pub fn plan(&mut self, api_key: &str, specs: &[&FaultSpec], kind: RequestKind) -> Plan {
        let mut plan = Plan::default();
        for spec in specs {
            for (index, rule) in spec.rules.iter().enumerate() {
                if !rule.target.matches(kind) {
                    continue;
                }
                if rule.fault.decides_reply() && plan.reply.is_some() {
                    continue;
                }
                if let Some(limit) = rule.count {
                    let fired = self
                        .fired
                        .entry((api_key.to_string(), spec.text.clone(), index))
                        .or_insert(0);
                    if *fired >= limit {
                        continue;
                    }
                    *fired += 1;
                }
                match rule.fault {
                    Fault::Slow { millis } => plan.delay_ms = plan.delay_ms.saturating_add(millis),
                    Fault::Fail => plan.fail = true,
                    Fault::AltShape => plan.alt_shape = true,
                    other => plan.reply = Some(other),
                }
            }
        }
        plan
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
            "submit:503x2,poll:429=3,429ms=1500x1,drop,any:drop-after,slow=250,malformed,fail,alt-shape,500,502,429",
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
            ]
        );
        assert_eq!(
            parsed.text,
            "submit:503x2,poll:429=3,429ms=1500x1,drop,any:drop-after,slow=250,malformed,fail,alt-shape,500,502,429"
        );
    }

    #[test]
    fn counts_on_modifiers_and_slow() {
        assert_eq!(
            spec("slow=200x3").rules[0],
            Rule {
                target: Target::Any,
                fault: Fault::Slow { millis: 200 },
                count: Some(3)
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
        ] {
            assert!(bad.parse::<FaultSpec>().is_err(), "{bad} should not parse");
        }
    }

    #[test]
    fn counted_rule_fires_first_count_times_per_key() {
        let s = spec("submit:503x2");
        let mut counter = FaultCounter::default();
        let fires = |c: &mut FaultCounter, key: &str| c.plan(key, &[&s], RequestKind::Submit).reply;
        assert_eq!(fires(&mut counter, "afk_a"), Some(Fault::Status(503)));
        assert_eq!(fires(&mut counter, "afk_a"), Some(Fault::Status(503)));
        assert_eq!(fires(&mut counter, "afk_a"), None);
        // Another key has its own count.
        assert_eq!(fires(&mut counter, "afk_b"), Some(Fault::Status(503)));
    }

    #[test]
    fn target_filters_requests() {
        let s = spec("poll:500");
        let mut counter = FaultCounter::default();
        assert_eq!(counter.plan("k", &[&s], RequestKind::Submit).reply, None);
        assert_eq!(
            counter.plan("k", &[&s], RequestKind::Poll).reply,
            Some(Fault::Status(500))
        );
    }

    #[test]
    fn first_reply_rule_wins_and_later_ones_keep_their_count() {
        let s = spec("submit:503x1,submit:drop-afterx1");
        let mut counter = FaultCounter::default();
        assert_eq!(
            counter.plan("k", &[&s], RequestKind::Submit).reply,
            Some(Fault::Status(503))
        );
        assert_eq!(
            counter.plan("k", &[&s], RequestKind::Submit).reply,
            Some(Fault::DropAfter)
        );
        assert_eq!(counter.plan("k", &[&s], RequestKind::Submit).reply, None);
    }

    #[test]
    fn modifiers_combine() {
        let s = spec("slow=100,slow=50,fail,alt-shape,malformed");
        let plan = FaultCounter::default().plan("k", &[&s], RequestKind::Submit);
        assert_eq!(
            plan,
            Plan {
                delay_ms: 150,
                reply: Some(Fault::Malformed),
                fail: true,
                alt_shape: true
            }
        );
    }

    #[test]
    fn same_rule_text_in_different_specs_counts_separately() {
        let a = spec("503x1");
        let b = spec("503x1,fail");
        let mut counter = FaultCounter::default();
        assert_eq!(
            counter.plan("k", &[&a, &b], RequestKind::Poll).reply,
            Some(Fault::Status(503))
        );
        // a's rule fired; b's identical rule was skipped (reply already decided) and keeps its count.
        assert_eq!(
            counter.plan("k", &[&a, &b], RequestKind::Poll).reply,
            Some(Fault::Status(503))
        );
        assert_eq!(counter.plan("k", &[&a, &b], RequestKind::Poll).reply, None);
    }
}
