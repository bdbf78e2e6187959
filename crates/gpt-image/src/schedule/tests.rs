use super::*;
use crate::provider::Provider;

fn s() -> PollSchedule {
    PollSchedule::for_typical_duration(15_000)
}

#[test]
fn sparse_early_tight_near_the_estimate() {
    assert_eq!(s().next_delay_ms(0, None), 7_500);
    assert_eq!(s().next_delay_ms(10_000, None), 2_500);
    assert_eq!(s().next_delay_ms(14_000, None), 500);
    assert_eq!(s().next_delay_ms(15_000, None), 500);
}

#[test]
fn overdue_jobs_back_off_to_the_cap() {
    assert_eq!(s().next_delay_ms(17_000, None), 1_000);
    assert_eq!(s().next_delay_ms(120_000, None), 10_000);
    let mut last = 0;
    for t in (15_000..60_000).step_by(1_000) {
        let d = s().next_delay_ms(t, None);
        assert!(d >= last, "delay must not shrink while overdue");
        last = d;
    }
}

#[test]
fn progress_moves_the_estimate() {
    // 80 % after 4 s: the job is fast; the estimate drops well below the typical 15 s.
    let fast = Some(ProgressSample {
        percent: 80.0,
        at_ms: 4_000,
    });
    assert_eq!(s().estimated_total_ms(fast), 5_000.0);
    assert_eq!(s().next_delay_ms(4_000, fast), 500);
    // 10 % after 6 s: a slow job; the estimate grows past 15 s.
    let slow = Some(ProgressSample {
        percent: 10.0,
        at_ms: 6_000,
    });
    assert!(s().estimated_total_ms(slow) > 15_000.0);
    assert_eq!(s().eta_ms(6_000, slow), 18_000);
}

#[test]
fn nonsense_progress_falls_back_to_the_typical_duration() {
    for p in [0.0, 100.0, -5.0, f64::NAN] {
        let sample = Some(ProgressSample {
            percent: p,
            at_ms: 1_000,
        });
        assert_eq!(s().estimated_total_ms(sample), 15_000.0, "{p}");
    }
    let zero_time = Some(ProgressSample {
        percent: 50.0,
        at_ms: 0,
    });
    assert_eq!(s().estimated_total_ms(zero_time), 15_000.0);
}

#[test]
fn bounds_hold_for_any_input() {
    let odd = PollSchedule {
        min_delay_ms: 200,
        max_delay_ms: 100,
        typical_ms: 0,
    };
    for t in [0, 1, 1_000, u64::MAX / 2] {
        assert_eq!(odd.next_delay_ms(t, None), 200);
        let d = s().next_delay_ms(t, None);
        assert!((250..=10_000).contains(&d));
    }
}

// The learned schedule.

const APIFRAME: JobKind = JobKind {
    provider: Provider::Apiframe,
    quality: None,
    n: None,
    edit: None,
};

fn fresh() -> Schedule {
    Schedule::new(PollSchedule::for_typical_duration(15_000))
}

fn delay(schedule: &Schedule, age_ms: u64, samples: &[ProgressSample]) -> u64 {
    schedule.next_delay_ms(&JobContext {
        kind: APIFRAME,
        age_ms,
        samples,
    })
}

/// Durations spread around 15 s, deterministic.
fn durations(count: usize) -> impl Iterator<Item = u64> {
    (0..count).map(|i| {
        let z = ((i * 7919) % 1000) as f64 / 1000.0 - 0.5;
        (15_000.0 * (0.7 * z).exp()) as u64
    })
}

/// A schedule that has seen jobs whose progress rises linearly with their age.
fn warmed_linear() -> Schedule {
    let mut s = fresh();
    for d in durations(300) {
        let samples: Vec<ProgressSample> = (1..10)
            .map(|k| {
                let at = d * k / 10 + (d % 97);
                ProgressSample {
                    percent: (100 * at / d) as f64,
                    at_ms: at,
                }
            })
            .collect();
        s.record(APIFRAME, d, &samples);
    }
    s
}

#[test]
fn delays_respect_the_bounds_for_any_input() {
    let ages = [0, 1, 999, 15_000, 60_000, 3_600_000, u64::MAX / 2, u64::MAX];
    let odd = [
        ProgressSample {
            percent: f64::NAN,
            at_ms: 5,
        },
        ProgressSample {
            percent: -20.0,
            at_ms: 1_000,
        },
        ProgressSample {
            percent: 250.0,
            at_ms: 2_000,
        },
        ProgressSample {
            percent: f64::INFINITY,
            at_ms: u64::MAX,
        },
        ProgressSample {
            percent: 80.0,
            at_ms: 3_000,
        },
        // Backwards.
        ProgressSample {
            percent: 10.0,
            at_ms: 4_000,
        },
    ];
    for schedule in [fresh(), warmed_linear()] {
        for age in ages {
            for samples in [&[][..], &odd[..]] {
                let d = delay(&schedule, age, samples);
                assert!((250..=10_000).contains(&d), "age {age}: {d}");
                let (p50, p90) = schedule.estimate_ms(&JobContext {
                    kind: APIFRAME,
                    age_ms: age,
                    samples,
                });
                assert!(p50 <= p90, "age {age}");
            }
        }
    }
    let mut nonsense = fresh();
    nonsense.bounds = PollSchedule {
        min_delay_ms: 0,
        max_delay_ms: 0,
        typical_ms: 0,
    };
    nonsense.target_delay_ms = 0;
    nonsense.budget_interval_ms = 0;
    for age in ages {
        assert_eq!(delay(&nonsense, age, &odd), 1, "never 0 ms");
    }
    let mut unbounded = warmed_linear();
    unbounded.bounds.max_delay_ms = u64::MAX;
    unbounded.target_delay_ms = u64::MAX;
    for age in ages {
        assert!(delay(&unbounded, age, &odd) >= unbounded.bounds.min_delay_ms);
    }
}

#[test]
fn sparse_before_completions_are_likely_dense_where_they_are() {
    let mut s = fresh();
    for d in durations(300) {
        s.record(APIFRAME, d, &[]);
    }
    // Nothing finishes in the first seconds: one long wait.
    assert!(delay(&s, 0, &[]) >= 5_000);
    // Around the typical duration: about a second apart.
    let dense = delay(&s, 14_000, &[]);
    assert!((500..=1_600).contains(&dense), "{dense}");
    // Between the first look and the dense part, the delay only shrinks as the job ages.
    let mut last = u64::MAX;
    for age in (0..14_000).step_by(500) {
        let d = delay(&s, age, &[]);
        assert!(age + d <= 14_000 + 1_600 || d <= last, "age {age}: {d}");
        last = d;
    }
}

#[test]
fn the_earliest_end_comes_before_any_job_seen_but_not_from_the_start() {
    let mut s = fresh();
    for d in durations(300) {
        s.record(APIFRAME, d, &[]);
    }
    let earliest = s.earliest_end_ms(APIFRAME);
    let shortest = durations(300).min().unwrap_or_default();
    assert!(
        shortest * 3 / 4 < earliest && earliest < shortest,
        "earliest end {earliest} ms; shortest job {shortest} ms"
    );
    // Nothing learned: seconds in, from the provider's typical duration and its spread.
    let cold = fresh().earliest_end_ms(APIFRAME);
    assert!((2_000..6_000).contains(&cold), "{cold}");
}

#[test]
fn learned_progress_pins_the_last_look_right_after_completion() {
    let s = warmed_linear();
    // 40 % at 6 s: the job should end at 15 s.
    let seen = [ProgressSample {
        percent: 40.0,
        at_ms: 6_000,
    }];
    let (p50, _) = s.estimate_ms(&JobContext {
        kind: APIFRAME,
        age_ms: 6_000,
        samples: &seen,
    });
    assert!((14_500..=15_500).contains(&p50), "{p50}");
    let seen = [ProgressSample {
        percent: 90.0,
        at_ms: 13_500,
    }];
    let next = 13_500 + delay(&s, 13_500, &seen);
    assert!((15_000..=15_400).contains(&next), "{next}");
}

#[test]
fn unproven_progress_is_not_trusted() {
    // No finished job has shown progress: 90 % at 2 s says nothing yet.
    let s = fresh();
    let seen = [ProgressSample {
        percent: 90.0,
        at_ms: 2_000,
    }];
    assert_eq!(delay(&s, 2_000, &seen), delay(&s, 2_000, &[]));
}

#[test]
fn the_model_round_trips_through_plain_data() {
    let s = warmed_linear();
    let data = s.model.export();
    assert!(!data.durations.is_empty() && !data.progress.is_empty());
    let json = serde_json::to_string(&data).unwrap();
    let back: ModelData = serde_json::from_str(&json).unwrap();
    // The hand-written reader the studio and the npm module use reads what the derive wrote.
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(ModelData::from_value(&value), Some(back.clone()));
    assert_eq!(
        ModelData::from_value(&serde_json::json!({"durations": 3})),
        None
    );
    assert_eq!(back.durations.len(), data.durations.len());
    assert_eq!(back.progress.len(), data.progress.len());
    for (b, d) in back.progress.iter().zip(&data.progress) {
        assert_eq!(
            (b.provider, b.percent, b.seen),
            (d.provider, d.percent, d.seen)
        );
        assert!((b.min_share - d.min_share).abs() < 1e-12);
    }
    let mut imported = fresh();
    imported.model.import(&back);
    assert_eq!(imported.model.export(), back);
    let seen = [ProgressSample {
        percent: 50.0,
        at_ms: 7_000,
    }];
    assert_eq!(delay(&imported, 7_000, &seen), delay(&s, 7_000, &seen));
}

#[test]
fn malformed_imports_are_skipped() {
    let mut s = fresh();
    let mut data = warmed_linear().model.export();
    data.durations[0].weight = f64::NAN;
    data.durations.push(DurationStats {
        kind: APIFRAME,
        weight: -1.0,
        mean_ln_ms: 1.0,
        var_ln_ms: 0.0,
    });
    data.progress[0].max_share = 7.0;
    s.model.import(&data);
    let exported = s.model.export();
    assert!(exported.durations.iter().all(|d| d.weight.is_finite()));
    assert!(exported.progress.iter().all(|p| p.max_share <= 1.0));
    assert!((250..=10_000).contains(&delay(&s, 0, &[])));
}

#[test]
fn recording_nonsense_changes_nothing() {
    let mut s = fresh();
    s.record(APIFRAME, 0, &[]);
    s.record(
        APIFRAME,
        10_000,
        &[ProgressSample {
            percent: f64::NAN,
            at_ms: 20_000,
        }],
    );
    let data = s.model.export();
    assert_eq!(data.durations.len(), 1);
    assert!(data.progress.is_empty());
}

#[test]
fn overdue_jobs_are_looked_at_with_a_gentle_backoff() {
    // Jobs of 0.5 s, and one still running after 20 s: the gaps grow, one step at a time.
    let s = Schedule::new(PollSchedule::for_typical_duration(500));
    let mut age = 0;
    let mut last = 0;
    while age < 20_000 {
        let d = delay(&s, age, &[]);
        assert!(d <= 1_000 + age / 3, "age {age}: {d}");
        if age > 1_000 {
            assert!(d >= last, "age {age}: {d} after {last}");
        }
        last = d;
        age += d;
    }
}

#[test]
fn a_finished_job_is_learned_at_its_likely_end_between_two_looks() {
    let s = warmed_linear();
    // 90 % at 13.5 s says 15 s; seen finished at 16.5 s.
    let seen = [ProgressSample {
        percent: 90.0,
        at_ms: 13_500,
    }];
    let last = JobContext {
        kind: APIFRAME,
        age_ms: 13_500,
        samples: &seen,
    };
    let at = s.finished_at_ms(&last, 16_500);
    assert!((14_800..=15_100).contains(&at), "{at}");
    // Nothing known: between the looks.
    let blind = JobContext {
        kind: APIFRAME,
        age_ms: 10_000,
        samples: &[],
    };
    assert!((10_000..=12_000).contains(&fresh().finished_at_ms(&blind, 12_000)));
    // Looks in the wrong order, or far beyond anything: never outside them, never a panic.
    assert_eq!(fresh().finished_at_ms(&blind, 5_000), 10_000);
    let far = JobContext {
        kind: APIFRAME,
        age_ms: u64::MAX - 1,
        samples: &seen,
    };
    assert!(fresh().finished_at_ms(&far, u64::MAX) >= u64::MAX - 1);
}

#[test]
fn bounds_for_shorter_jobs_scale_the_budget_and_the_dense_gap() {
    let real = PollSchedule::for_typical_duration(15_000);
    let same = Schedule::scaled(real, 15_000);
    assert_eq!(
        (same.budget_interval_ms, same.target_delay_ms),
        (2_000, 500)
    );
    let quarter = PollSchedule {
        min_delay_ms: 125,
        max_delay_ms: 2_500,
        typical_ms: 3_750,
    };
    let s = Schedule::scaled(quarter, 15_000);
    assert_eq!((s.budget_interval_ms, s.target_delay_ms), (500, 125));
    // Never below the caller's shortest gap.
    let fast = PollSchedule {
        min_delay_ms: 100,
        max_delay_ms: 200,
        typical_ms: 500,
    };
    let s = Schedule::scaled(fast, 15_000);
    assert_eq!((s.budget_interval_ms, s.target_delay_ms), (100, 100));
}

#[test]
fn ages_count_from_the_providers_creation_time_when_the_clocks_agree() {
    // A resumed wait: from the creation, never in the future.
    assert_eq!(job_origin_ms(Some(1_000), None, 5_000.0, 5_000.0), 1_000.0);
    assert_eq!(job_origin_ms(Some(9_000), None, 5_000.0, 5_000.0), 5_000.0);
    assert_eq!(job_origin_ms(None, None, 5_000.0, 5_000.0), 5_000.0);
    // Just submitted, sent at 1 000 and answered at 2 500 (a burst): made at 1 200.
    assert_eq!(
        job_origin_ms(Some(1_200), Some(1_000.0), 2_500.0, 2_600.0),
        1_200.0
    );
    // Slightly outside the interval: the clocks differ a little, clamped into it.
    assert_eq!(
        job_origin_ms(Some(900), Some(1_000.0), 2_500.0, 2_600.0),
        1_000.0
    );
    // Far outside it: the clocks disagree, the reply's time is used.
    assert_eq!(
        job_origin_ms(Some(60_000), Some(1_000.0), 2_500.0, 2_600.0),
        2_500.0
    );
    assert_eq!(
        job_origin_ms(Some(10), Some(1_000.0), 2_500.0, 2_600.0),
        2_500.0
    );
    assert_eq!(
        job_origin_ms(None, Some(1_000.0), 2_500.0, 2_600.0),
        2_500.0
    );
}

#[test]
fn short_lists_are_sorted_by_their_key() {
    let mut v = vec![5, 3, 9, 1, 3, 0];
    super::sort_by_key(&mut v, |x| *x);
    assert_eq!(v, [0, 1, 3, 3, 5, 9]);
    let mut pairs = vec![("b", 2), ("a", 2), ("c", 1)];
    super::sort_by_key(&mut pairs, |p| p.1);
    assert_eq!(pairs, [("c", 1), ("b", 2), ("a", 2)], "stable");
    let mut empty: Vec<u8> = vec![];
    super::sort_by_key(&mut empty, |x| *x);
}

/// An Apiframe job that took `duration_ms`, as the provider says, without progress.
fn finished(duration_ms: u64) -> Finished<'static> {
    Finished {
        kind: APIFRAME,
        duration_ms,
        seen_by_ms: duration_ms,
        samples: &[],
    }
}

#[test]
fn a_bursts_short_jobs_do_not_make_its_long_ones_look_short() {
    // 60 jobs begun together, in no order of duration; after 10.5 s the shortest ten have
    // finished.
    let durations: Vec<u64> = (0..60)
        .map(|i| {
            let z = posterior::normal_quantile((f64::from((i * 37 + 17) % 60) + 0.5) / 60.0);
            (15_000.0 * (0.35 * z).exp()) as u64
        })
        .collect();
    let now = 10_500.0;
    let short = || durations.iter().filter(|&&d| (d as f64) < now);
    let median = |s: &Schedule| {
        s.estimate_ms(&JobContext {
            kind: APIFRAME,
            age_ms: 0,
            samples: &[],
        })
        .0
    };
    let mut at_once = fresh();
    for &d in short() {
        at_once.record(APIFRAME, d, &[]);
    }
    let mut in_order = fresh();
    let tickets: Vec<u64> = (0..60).map(|_| in_order.begin(APIFRAME, 0.0)).collect();
    for (&ticket, &d) in tickets.iter().zip(&durations) {
        if (d as f64) < now {
            in_order.finish(ticket, finished(d), now);
        }
    }
    assert!(
        median(&at_once) < 11_000,
        "learned at once: {}",
        median(&at_once)
    );
    let fair = median(&in_order);
    assert!(
        (13_500..16_500).contains(&fair),
        "in the order begun: {fair}"
    );
    // Once every job has ended, both have learned the same jobs.
    for (&ticket, &d) in tickets.iter().zip(&durations) {
        if (d as f64) >= now {
            in_order.finish(ticket, finished(d), 40_000.0);
        }
    }
    for &d in durations.iter().filter(|&&d| (d as f64) >= now) {
        at_once.record(APIFRAME, d, &[]);
    }
    let (a, b) = (median(&at_once), median(&in_order));
    assert!(a.abs_diff(b) < 300, "{a} vs {b}");
}

#[test]
fn a_job_that_ends_unfinished_does_not_hold_back_the_learning() {
    let mut s = fresh();
    let (failed, done) = (s.begin(APIFRAME, 0.0), s.begin(APIFRAME, 0.0));
    s.finish(done, finished(9_000), 9_000.0);
    assert_eq!(s.model.export().durations, vec![]);
    s.end(failed, 9_500.0);
    assert_eq!(s.model.export().durations.len(), 1);
    // Ending the finished one again changes nothing.
    s.end(done, 9_600.0);
    assert_eq!(s.model.export().durations[0].weight, 1.0);
}

#[test]
fn a_new_client_expects_the_spread_each_provider_documents() {
    // API in One documents completion in 3–10 s; Apiframe documents no range. Before any job
    // has finished, the 90 % bound of an API in One task lies closer to its median.
    let ratio = |provider: Provider| {
        let typical = provider.capabilities().typical_duration_ms;
        let schedule = Schedule::new(PollSchedule::for_typical_duration(typical));
        let job = JobContext {
            kind: JobKind::provider(provider),
            age_ms: 0,
            samples: &[],
        };
        let (median, p90) = schedule.estimate_ms(&job);
        p90 as f64 / median as f64
    };
    let (apiinone, apiframe) = (ratio(Provider::ApiInOne), ratio(Provider::Apiframe));
    assert!(apiinone < 0.92 * apiframe, "{apiinone} vs {apiframe}");
    // 10 s is within the 90 % bound of a 6.5 s median; twice the median is not.
    assert!((10.0 / 6.5..2.0).contains(&apiinone), "{apiinone}");
}
