//! Which rules of the fault specs fire for one request: fire counts, and the seeded draws of
//! rules with a rate.
//!
//! Random rules draw from generators seeded by `--seed`, one per (API key, spec text, rule), so
//! a key's sequence does not depend on other keys' traffic. Pure logic, no I/O: the provider
//! modules ask [`FaultCounter::plan`] what to do and `injection.rs` carries it out.

use std::collections::HashMap;

use super::{Fault, FaultSpec, RequestKind};

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
