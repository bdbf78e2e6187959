//! Durations learned in the order jobs began.
//!
//! Jobs started together finish shortest first. A model that learned each duration as its job
//! finished would, in the middle of a burst, know only the short ones and expect every job to
//! be short: it would then poll the long ones densely for longer than planned, and spend more
//! requests than the budget allows. So a finished job's duration waits here until every job
//! begun before it has ended: what the model has learned is then always all the jobs begun up
//! to some moment, whatever their length. A job still running long after nearly every job of
//! its kind would have finished stops holding the others back (a stuck job does not stop the
//! learning); its duration is learned when it ends.
//!
//! The jobs held back still say something, though: a burst of 60 jobs of which the 10 shortest
//! have finished after 12 s shows where the lower sixth of the durations lies, and that the
//! rest last longer than the 12 s they have run. [`StartOrder::cohort`] fits a lognormal to
//! them (the Kaplan–Meier estimate, read on a normal probability plot), so that a schedule
//! meeting its first jobs ever learns their durations while they run, without the bias.
//!
//! Pure bookkeeping and arithmetic: the caller passes every time in, in milliseconds.

use super::learned::{DurationStats, JobKind};
use super::posterior::normal_quantile;

/// A job that began and has not been learned yet.
#[derive(Clone, Debug, PartialEq)]
struct Begun {
    ticket: u64,
    kind: JobKind,
    began_ms: f64,
    /// Its duration, once it finished.
    duration_ms: Option<u64>,
    /// The age by which it was surely finished: its duration when the provider says, else the
    /// age at the look that saw it finished.
    seen_by_ms: u64,
}

/// Finished jobs held back until the jobs begun before them have ended.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct StartOrder {
    next: u64,
    /// In the order they began.
    begun: Vec<Begun>,
    /// The fit of each kind's jobs held back, as of the last [`StartOrder::release`].
    fits: Vec<DurationStats>,
}

/// Finished jobs a cohort needs before its durations are fitted.
const MIN_FINISHED: usize = 4;
/// Ages of finished jobs within this share of each other count as one look's.
const SAME_LOOK: f64 = 0.02;

impl StartOrder {
    /// A job of `kind` begins at `now_ms`; returns its ticket.
    pub fn begin(&mut self, kind: JobKind, now_ms: f64) -> u64 {
        let ticket = self.next;
        self.next += 1;
        self.begun.push(Begun {
            ticket,
            kind,
            began_ms: now_ms,
            duration_ms: None,
            seen_by_ms: 0,
        });
        ticket
    }

    /// The job of `ticket` finished after `duration_ms`, and was seen finished at the age
    /// `seen_by_ms`. Returns it (to learn at once) when nothing is held for it any more: a job
    /// that stopped holding the others back.
    pub fn finish(
        &mut self,
        ticket: u64,
        kind: JobKind,
        duration_ms: u64,
        seen_by_ms: u64,
    ) -> Option<(JobKind, u64)> {
        match self.begun.iter_mut().find(|b| b.ticket == ticket) {
            Some(begun) => {
                begun.duration_ms = Some(duration_ms);
                begun.seen_by_ms = seen_by_ms.max(duration_ms);
                None
            }
            None => Some((kind, duration_ms)),
        }
    }

    /// The job of `ticket` ended without a duration to learn (it failed, or its wait gave up);
    /// a finished one is kept.
    pub fn end(&mut self, ticket: u64) {
        self.begun
            .retain(|b| b.ticket != ticket || b.duration_ms.is_some());
    }

    /// The finished jobs that no earlier job holds back any more, in the order they began, to
    /// learn now. `overdue(kind, age)`: whether a job of that kind still running at that age
    /// has run so long that it no longer holds the others back.
    pub fn release(
        &mut self,
        now_ms: f64,
        overdue: impl Fn(JobKind, f64) -> bool,
    ) -> Vec<(JobKind, u64)> {
        let mut ready = Vec::new();
        let mut kept = Vec::with_capacity(self.begun.len());
        let mut held = false;
        for begun in self.begun.drain(..) {
            match begun.duration_ms {
                Some(duration) if !held => ready.push((begun.kind, duration)),
                None if !held && overdue(begun.kind, now_ms - begun.began_ms) => {}
                _ => {
                    held |= begun.duration_ms.is_none();
                    kept.push(begun);
                }
            }
        }
        self.begun = kept;
        self.fits.clear();
        for i in 0..self.begun.len() {
            let kind = self.begun[i].kind;
            if self.fits.iter().all(|f| f.kind != kind)
                && let Some(fit) = self.fit(kind, now_ms)
            {
                self.fits.push(fit);
            }
        }
        ready
    }

    /// What the jobs of `kind` held back said of their durations at the last release.
    pub fn cohort(&self, kind: JobKind) -> Option<&DurationStats> {
        self.fits.iter().find(|f| f.kind == kind)
    }

    /// A lognormal fitted to the held-back jobs of `kind` at `now_ms`: the finished ones by
    /// the age they were seen finished by, the running ones as lasting longer than their age
    /// (censored). The Kaplan–Meier estimate gives the share of the cohort finished by each
    /// such age (jobs seen finished by the same look count together: a look only says they
    /// had finished by then); the line through (normal quantile of that share, ln age),
    /// weighted by the jobs behind each point, gives the mean and spread of ln(duration). It
    /// counts as many jobs as have finished.
    fn fit(&self, kind: JobKind, now_ms: f64) -> Option<DurationStats> {
        // (age ms, finished): a running job is known to last longer than its age.
        let mut times: Vec<(u64, bool)> = self
            .begun
            .iter()
            .filter(|b| b.kind == kind)
            .map(|b| match b.duration_ms {
                Some(_) => (b.seen_by_ms, true),
                None => ((now_ms - b.began_ms).max(0.0) as u64, false),
            })
            .filter(|&(t, _)| t > 0)
            .collect();
        if times.iter().filter(|t| t.1).count() < MIN_FINISHED {
            return None;
        }
        // Finished before running at the same age: a job running at t may still finish later.
        super::sort_by_key(&mut times, |&(t, finished)| (t, !finished));
        // Jobs seen finished by looks a few ms apart (a burst's first looks, say) were seen by
        // what is in effect one look: they make one point, not a steep line through several.
        let mut cluster = 0;
        for (t, _) in times.iter_mut().filter(|x| x.1) {
            if *t as f64 > cluster as f64 * (1.0 + SAME_LOOK) {
                cluster = *t;
            }
            *t = cluster;
        }
        super::sort_by_key(&mut times, |&(t, finished)| (t, !finished));
        let mut at_risk = times.len() as f64;
        let mut survival = 1.0;
        // (normal quantile, ln age, jobs)
        let mut points: Vec<(f64, f64, f64)> = Vec::new();
        let mut i = 0;
        while i < times.len() {
            let (t, finished) = times[i];
            let together = times[i..]
                .iter()
                .take_while(|&&x| x == (t, finished))
                .count();
            i += together;
            let count = together as f64;
            if finished {
                let before = survival;
                survival *= 1.0 - count / at_risk;
                let share = 1.0 - 0.5 * (before + survival);
                points.push((normal_quantile(share), (t as f64).ln(), count));
            }
            at_risk -= count;
        }
        let n: f64 = points.iter().map(|p| p.2).sum();
        let (mz, ml) = points.iter().fold((0.0, 0.0), |(z, l), p| {
            (z + p.2 * p.0 / n, l + p.2 * p.1 / n)
        });
        let (szz, szl) = points.iter().fold((0.0, 0.0), |(zz, zl), p| {
            (
                zz + p.2 * (p.0 - mz).powi(2),
                zl + p.2 * (p.0 - mz) * (p.1 - ml),
            )
        });
        if szz <= 1e-9 {
            return None;
        }
        let sigma = (szl / szz).clamp(0.05, 2.0);
        let stats = DurationStats {
            kind,
            weight: n,
            mean_ln_ms: ml - sigma * mz,
            var_ln_ms: sigma * sigma,
        };
        (stats.mean_ln_ms.is_finite()).then_some(stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Provider;

    const KIND: JobKind = JobKind {
        provider: Provider::Apiframe,
        quality: None,
        n: None,
        edit: None,
    };

    fn never(_: JobKind, _: f64) -> bool {
        false
    }

    #[test]
    fn a_short_job_waits_for_the_longer_ones_begun_before_it() {
        let mut order = StartOrder::default();
        let (long, short) = (order.begin(KIND, 0.0), order.begin(KIND, 10.0));
        assert_eq!(order.finish(short, KIND, 3_000, 3_000), None);
        assert_eq!(order.release(3_010.0, never), vec![]);
        assert_eq!(order.finish(long, KIND, 20_000, 20_000), None);
        assert_eq!(
            order.release(20_000.0, never),
            vec![(KIND, 20_000), (KIND, 3_000)]
        );
        assert_eq!(order.release(20_000.0, never), vec![]);
    }

    #[test]
    fn a_job_that_ends_unlearned_holds_nothing_back() {
        let mut order = StartOrder::default();
        let (failed, done) = (order.begin(KIND, 0.0), order.begin(KIND, 0.0));
        order.finish(done, KIND, 5_000, 5_000);
        order.end(failed);
        assert_eq!(order.release(5_000.0, never), vec![(KIND, 5_000)]);
        // Ending a job already learned changes nothing.
        order.end(done);
        assert_eq!(order.release(5_000.0, never), vec![]);
    }

    /// 60 durations spread like a lognormal of median 15 s and spread 0.35, in no order.
    fn burst() -> Vec<u64> {
        (0..60)
            .map(|i| {
                let z = normal_quantile((f64::from((i * 37 + 17) % 60) + 0.5) / 60.0);
                (15_000.0 * (0.35 * z).exp()) as u64
            })
            .collect()
    }

    #[test]
    fn the_jobs_held_back_show_the_whole_burst_not_its_short_end() {
        let mut order = StartOrder::default();
        let tickets: Vec<u64> = (0..60).map(|_| order.begin(KIND, 0.0)).collect();
        let durations = burst();
        // After 11 s, the jobs shorter than that have finished; the others still run.
        let now = 11_000.0;
        for (&ticket, &d) in tickets
            .iter()
            .zip(&durations)
            .filter(|(_, d)| (**d as f64) < now)
        {
            order.finish(ticket, KIND, d, d);
        }
        assert_eq!(
            order.release(now, never),
            vec![],
            "the first job begun still runs"
        );
        let fit = *order.cohort(KIND).expect("enough jobs have finished");
        let finished = durations.iter().filter(|&&d| (d as f64) < now).count();
        assert_eq!(fit.weight, finished as f64);
        let median = fit.mean_ln_ms.exp();
        assert!((13_500.0..16_500.0).contains(&median), "{median}");
        let sigma = fit.var_ln_ms.sqrt();
        assert!((0.25..0.45).contains(&sigma), "{sigma}");
        // Three finished jobs are too few to fit.
        let mut early = StartOrder::default();
        for d in [5_000, 6_000, 7_000] {
            let t = early.begin(KIND, 0.0);
            early.finish(t, KIND, d, d);
        }
        early.begin(KIND, 0.0);
        early.release(9_000.0, never);
        assert_eq!(early.cohort(KIND), None);
    }

    #[test]
    fn jobs_seen_finished_by_looks_a_few_ms_apart_count_as_one_look() {
        // A burst's first looks land a few ms apart: the 9 jobs they saw finished say only
        // that 15 % had finished by about 4.25 s, nothing of the spread.
        let mut order = StartOrder::default();
        let tickets: Vec<u64> = (0..60).map(|_| order.begin(KIND, 0.0)).collect();
        for (k, &ticket) in tickets.iter().skip(1).take(9).enumerate() {
            let seen = 4_251 + 2 * k as u64;
            order.finish(ticket, KIND, seen - 800, seen);
        }
        order.release(4_300.0, never);
        assert_eq!(order.cohort(KIND), None);
        // A second look, 1.3 s later, saw 12 more: two looks, a spread.
        for &ticket in tickets.iter().skip(10).take(12) {
            order.finish(ticket, KIND, 5_000, 5_550);
        }
        order.release(5_600.0, never);
        let sigma = order.cohort(KIND).expect("two looks").var_ln_ms.sqrt();
        assert!((0.2..0.6).contains(&sigma), "{sigma}");
    }

    #[test]
    fn a_stuck_job_stops_holding_back_and_is_learned_when_it_ends() {
        let mut order = StartOrder::default();
        let (stuck, done) = (order.begin(KIND, 0.0), order.begin(KIND, 0.0));
        order.finish(done, KIND, 5_000, 5_000);
        let overdue = |_: JobKind, age: f64| age > 60_000.0;
        assert_eq!(order.release(30_000.0, overdue), vec![]);
        assert_eq!(order.release(61_000.0, overdue), vec![(KIND, 5_000)]);
        assert_eq!(
            order.finish(stuck, KIND, 90_000, 90_000),
            Some((KIND, 90_000))
        );
    }
}
