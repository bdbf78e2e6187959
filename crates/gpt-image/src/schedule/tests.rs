use super::*;

fn s() -> PollSchedule {
    PollSchedule::for_typical_duration(15_000)
}

#[test]
fn sparse_early_tight_near_the_estimate() {
    assert_eq!(s().next_delay_ms(0, None), 5_000);
    assert_eq!(s().next_delay_ms(10_000, None), 2_500);
    assert_eq!(s().next_delay_ms(14_000, None), 500);
    assert_eq!(s().next_delay_ms(15_000, None), 250);
}

#[test]
fn overdue_jobs_back_off_to_the_cap() {
    assert_eq!(s().next_delay_ms(17_000, None), 750);
    assert_eq!(s().next_delay_ms(120_000, None), 5_000);
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
        assert!((500..=5_000).contains(&d));
    }
}
