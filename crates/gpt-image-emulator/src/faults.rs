//! The fault grammar: parsing a fault spec and deciding which of its rules fire for one request.
//!
//! Pure logic, no I/O: the provider modules ask [`FaultCounter::plan`] what to do and
//! `injection.rs` carries it out. Random rules draw from generators seeded by `--seed`, one per
//! (API key, spec text, rule), so a key's sequence does not depend on other keys' traffic. The
//! grammar (also in the crate README):
//!
//! ```text
//! SPEC  := RULE ("," RULE)*
//! RULE  := [TARGET ":"] FAULT ["x" COUNT] ["@" RATE]
//! TARGET:= submit | poll | any
//! FAULT := 5NN | 429 | 429=SECS | 429ms=MILLIS | drop | drop-after | reset | reset-after
//!        | slow=MILLIS | malformed | truncated | fail | alt-shape
//! RATE  := a number from 0 to 1: the chance that the rule fires for a matching request
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

/// What to do for one request, after evaluating every spec that applies to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Total delay before replying, in milliseconds (not yet time-scaled).
    pub delay_ms: u64,
    /// The fault that decides the reply (an error status, 429, drop, drop-after, reset,
    /// reset-after, malformed or truncated).
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

/// What one rule has done for one API key: how often it fired, and its random draws.
#[derive(Debug)]
struct RuleState {
    fired: u32,
    rng: fastrand::Rng,
}

/// A stable 64-bit FNV-1a hash of some byte strings (separated, so ("ab", "c") ≠ ("a", "bc")).
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.iter().chain(&[0xff]) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

/// How many times each rule has fired, and each random rule's generator, per (API key, spec
/// text, rule index).
#[derive(Debug, Default)]
pub struct FaultCounter {
    seed: u64,
    rules: HashMap<(String, String, usize), RuleState>,
}

impl FaultCounter {
    /// A counter whose random rules draw from generators derived from `seed` (`--seed`).
    pub fn with_seed(seed: u64) -> FaultCounter {
        FaultCounter {
            seed,
            rules: HashMap::new(),
        }
    }

    /// Decides what the given specs do to one request made with `api_key`, and records the
    /// rules that fire.
    ///
    /// Rules are read in order. `slow` delays add up; `fail` and `alt-shape` set flags; the
    /// first reply-deciding rule (status, 429, drop, reset, malformed, truncated, …) that
    /// fires decides the reply, and later reply-deciding rules neither draw, fire nor use up
    /// their count. A rule whose count is used up does not draw; a rule with a rate draws once
    /// per request it is considered for and fires (using up one of its count) on success.
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
                let seed = self.seed;
                let state = self
                    .rules
                    .entry((api_key.to_string(), spec.text.clone(), index))
                    .or_insert_with(|| RuleState {
                        fired: 0,
                        rng: fastrand::Rng::with_seed(fnv1a(&[
                            &seed.to_le_bytes(),
                            api_key.as_bytes(),
                            spec.text.as_bytes(),
                            &index.to_le_bytes(),
                        ])),
                    });
                if rule.count.is_some_and(|limit| state.fired >= limit) {
                    continue;
                }
                if rule.rate.is_some_and(|rate| state.rng.f64() >= rate) {
                    continue;
                }
                state.fired = state.fired.saturating_add(1);
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

    /// The replies a key's `draws` submits get under `text` with `seed`.
    fn replies(seed: u64, key: &str, text: &str, draws: usize) -> Vec<Option<Fault>> {
        let s = spec(text);
        let mut counter = FaultCounter::with_seed(seed);
        (0..draws)
            .map(|_| counter.plan(key, &[&s], RequestKind::Submit).reply)
            .collect()
    }

    #[test]
    fn rates_fire_in_proportion() {
        let draws = 2000;
        let seen = replies(42, "afk_soak", "submit:503@0.1,submit:drop@0.2", draws);
        let share =
            |fault: Fault| seen.iter().filter(|r| **r == Some(fault)).count() as f64 / draws as f64;
        // 503 fires for 10 %; drop is only considered when 503 did not fire: 0.9 × 0.2 = 18 %.
        assert!(
            (share(Fault::Status(503)) - 0.10).abs() < 0.02,
            "{}",
            share(Fault::Status(503))
        );
        assert!(
            (share(Fault::Drop) - 0.18).abs() < 0.025,
            "{}",
            share(Fault::Drop)
        );
        let modifiers = spec("slow=100@0.5,fail@0.25");
        let mut counter = FaultCounter::with_seed(7);
        let plans: Vec<Plan> = (0..draws)
            .map(|_| counter.plan("k", &[&modifiers], RequestKind::Poll))
            .collect();
        let slow = plans.iter().filter(|p| p.delay_ms == 100).count() as f64 / draws as f64;
        let failed = plans.iter().filter(|p| p.fail).count() as f64 / draws as f64;
        assert!((slow - 0.5).abs() < 0.04, "{slow}");
        assert!((failed - 0.25).abs() < 0.03, "{failed}");
        assert_eq!(replies(1, "k", "503@0", 500), vec![None; 500]);
        assert_eq!(
            replies(1, "k", "503@1", 5),
            vec![Some(Fault::Status(503)); 5]
        );
    }

    #[test]
    fn same_seed_same_sequence_and_keys_do_not_interfere() {
        let text = "submit:503@0.3,submit:429ms=200@0.3";
        let a = replies(5, "afk_a", text, 300);
        assert_eq!(a, replies(5, "afk_a", text, 300));
        assert_ne!(
            a,
            replies(6, "afk_a", text, 300),
            "another seed, another sequence"
        );
        assert_ne!(
            a,
            replies(5, "afk_b", text, 300),
            "another key, another sequence"
        );
        // Interleaving another key's requests leaves a key's sequence unchanged.
        let s = spec(text);
        let mut counter = FaultCounter::with_seed(5);
        let interleaved: Vec<_> = (0..300)
            .map(|_| {
                counter.plan("afk_b", &[&s], RequestKind::Submit);
                counter.plan("afk_a", &[&s], RequestKind::Submit).reply
            })
            .collect();
        assert_eq!(a, interleaved);
    }

    #[test]
    fn count_limits_how_often_a_random_rule_fires() {
        let fired = replies(3, "k", "503x5@0.5", 1000)
            .iter()
            .filter(|r| r.is_some())
            .count();
        assert_eq!(fired, 5);
    }
}
