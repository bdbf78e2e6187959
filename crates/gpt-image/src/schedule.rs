//! When to poll a running job next.
//!
//! A pure function of the time since the job started, the latest progress seen and the
//! provider's typical duration. It estimates when the job will finish and closes in on that
//! moment: sparse polls early, the shortest interval around the estimate, and a gentle backoff
//! once a job is overdue. When progress is reported (Apiframe, 0–100), the estimate is the
//! observed rate extrapolated to 100 %, trusted more as progress grows.

/// Bounds and expectations for polling one provider.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PollSchedule {
    /// Shortest delay between two polls, ms.
    pub min_delay_ms: u64,
    /// Longest delay between two polls, ms.
    pub max_delay_ms: u64,
    /// How long a job usually takes, ms.
    pub typical_ms: u64,
}

/// The latest progress figure and when, since the job started, it was seen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProgressSample {
    pub percent: f64,
    pub at_ms: u64,
}

impl PollSchedule {
    /// The schedule for a provider's typical duration: never faster than every 0.5 s, never
    /// slower than every 5 s.
    pub fn for_typical_duration(typical_ms: u64) -> Self {
        PollSchedule {
            min_delay_ms: 500,
            max_delay_ms: 5_000,
            typical_ms,
        }
    }

    /// Estimated total duration of the job, ms since it started.
    pub fn estimated_total_ms(&self, progress: Option<ProgressSample>) -> f64 {
        let typical = self.typical_ms as f64;
        match progress {
            Some(ProgressSample { percent, at_ms })
                if percent > 0.0 && percent < 100.0 && at_ms > 0 =>
            {
                let extrapolated = at_ms as f64 * 100.0 / percent;
                // Early figures are noisy: lean on the typical duration until ~50 %.
                let trust = (percent / 50.0).clamp(0.0, 1.0);
                trust * extrapolated + (1.0 - trust) * typical
            }
            _ => typical,
        }
    }

    /// Estimated time left, ms (0 once overdue).
    pub fn eta_ms(&self, elapsed_ms: u64, progress: Option<ProgressSample>) -> u64 {
        (self.estimated_total_ms(progress) - elapsed_ms as f64).max(0.0) as u64
    }

    /// The delay before the next poll.
    pub fn next_delay_ms(&self, elapsed_ms: u64, progress: Option<ProgressSample>) -> u64 {
        let total = self.estimated_total_ms(progress);
        let remaining = total - elapsed_ms as f64;
        let delay = if remaining > 0.0 {
            // Halve the gap to the estimate each time: few polls early, tight near the end.
            remaining / 2.0
        } else {
            // Overdue: back off in proportion to how late the job is.
            self.min_delay_ms as f64 + (-remaining) / 4.0
        };
        (delay as u64).clamp(self.min_delay_ms, self.max_delay_ms.max(self.min_delay_ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s() -> PollSchedule {
        PollSchedule::for_typical_duration(15_000)
    }

    #[test]
    fn sparse_early_tight_near_the_estimate() {
        assert_eq!(s().next_delay_ms(0, None), 5_000);
        assert_eq!(s().next_delay_ms(10_000, None), 2_500);
        assert_eq!(s().next_delay_ms(14_000, None), 500);
        assert_eq!(s().next_delay_ms(15_000, None), 500);
    }

    #[test]
    fn overdue_jobs_back_off_to_the_cap() {
        assert_eq!(s().next_delay_ms(17_000, None), 1_000);
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
}
