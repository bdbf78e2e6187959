//! When to poll a running job next.
//!
//! [`Schedule`] decides from what is known of one job: its real age, the progress it has shown,
//! and a [`DurationModel`] learned from finished jobs (how long jobs of this kind take, and what
//! each progress value of this provider has meant). It keeps a posterior of the job's total
//! duration and polls where completions are likely: sparse while the conditional rate of
//! finishing (the hazard) is low, at a steady gap once it is high, and once just after the
//! moment by which the job has almost surely finished when progress has pinned that down.
//! Progress is used only as far as finished jobs have shown it to be right.
//!
//! The gap and where dense polling opens are planned from the learned durations so that, on
//! average, a job costs no more requests than polling every 2 s would
//! ([`Schedule::budget_interval_ms`]), with at most ~5 % of jobs finishing before dense polling
//! opens: the detection delay of 95 % of jobs stays within about one gap.
//!
//! [`PollSchedule`] holds the bounds and the provider's typical duration (the model's starting
//! point), and still offers the simple ETA the studio displays.
//!
//! Pure Rust: no clock, no I/O, no threads; the caller passes every time in, in milliseconds.
//! `cargo xtask bench schedule` simulates it against fixed loops.

mod learned;
mod order;
mod posterior;
mod progress;
#[cfg(test)]
mod tests;

pub use learned::{DurationModel, DurationStats, JobKind, MEMORY, ModelData};
pub use progress::{MIN_SEEN, ProgressStats};

use order::StartOrder;
use posterior::Posterior;

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

/// A progress figure (0–100) and the job's age when it was seen.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressSample {
    pub percent: f64,
    /// Age of the job, ms since it was submitted.
    pub at_ms: u64,
}

impl PollSchedule {
    /// The bounds for a provider's typical duration: never faster than every 0.5 s, never
    /// slower than every 10 s (a gap that long only where a [`Schedule`] expects no job to
    /// finish, e.g. the first seconds of a 15 s job).
    pub fn for_typical_duration(typical_ms: u64) -> Self {
        PollSchedule {
            min_delay_ms: 500,
            max_delay_ms: 10_000,
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

/// How far the provider's clock may seem off ours before its `createdAt` is not used for a job
/// this client has just submitted, ms.
pub const CLOCK_TOLERANCE_MS: f64 = 250.0;

/// When a job's ages count from, ms on the client's clock (`now`). A resumed job's from its creation,
/// when the provider says (never in the future: clocks differ). A job this client has just
/// submitted was made between `sent_at` and the reply (`replied_at`): its creation time is
/// used when it falls there, which shows the clocks agree (in a burst of submits the reply may
/// come long after the job was made); otherwise the reply's time.
pub fn job_origin_ms(
    created_at: Option<u64>,
    sent_at: Option<f64>,
    replied_at: f64,
    now: f64,
) -> f64 {
    match (created_at.map(|c| c as f64), sent_at) {
        (Some(created), None) => created.min(now),
        (Some(created), Some(sent))
            if created >= sent - CLOCK_TOLERANCE_MS
                && created <= replied_at + CLOCK_TOLERANCE_MS =>
        {
            // Not `clamp`: its NaN assertion would link float formatting into the wasm.
            created.max(sent).min(replied_at)
        }
        _ => replied_at,
    }
}

/// Sorts a short list (the learned figures: a few dozen entries) by `key`, with
/// [`crate::sort_small`].
fn sort_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    crate::sort_small(items, |a, b| key(a) < key(b));
}

/// What was learned of a finished job, for [`Schedule::finish`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Finished<'a> {
    pub kind: JobKind,
    /// Its duration: the provider's own figure, or the most likely one between two looks
    /// ([`Schedule::finished_at_ms`]).
    pub duration_ms: u64,
    /// The age by which it had surely finished: the duration when the provider says, else the
    /// age at the look that saw it finished.
    pub seen_by_ms: u64,
    /// The progress it showed while running.
    pub samples: &'a [ProgressSample],
}

/// What the schedule knows of one running job at one poll.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JobContext<'a> {
    pub kind: JobKind,
    /// The job's real age, ms since it was submitted (e.g. from the provider's `createdAt`),
    /// not the time since this wait began.
    pub age_ms: u64,
    /// Progress figures seen so far, oldest first; figures at any age, including 0 %.
    pub samples: &'a [ProgressSample],
}

/// Evidence outside a sample's range still counts this much: progress that lies once does not
/// make a finishing job invisible.
const EVIDENCE_FLOOR: f64 = 0.000_5;
/// Share of jobs allowed to finish more than one dense gap before dense polling opens.
const LATE_SHARE: f64 = 0.045;
/// Widest gap between dense polls the plan may choose to stay within the budget, ms.
const MAX_DENSE_GAP_MS: f64 = 3_000.0;
/// Share of the budget ([`Schedule::budget_interval_ms`]) the schedule plans to spend, leaving
/// room for the planning's approximations.
const BUDGET_SHARE: f64 = 0.97;
/// The share of jobs ended by [`Schedule::earliest_end_ms`].
const EARLIEST: f64 = 0.01;
/// A job this unlikely to finish before dense polling begins gets no poll landing on its start.
const EARLY_MASS: f64 = 0.05;
/// Probability beyond which a job is taken as finished when progress has pinned it down.
const SURE: f64 = 0.98;
/// Only the latest samples count: the cost of a poll stays bounded.
const MAX_SAMPLES: usize = 32;
/// A job still running when this share of its kind would have finished no longer holds back
/// the learning of the jobs begun after it (see [`order`]).
const STUCK: f64 = 0.99;

/// The polling schedule: bounds, a detection-delay target and a learned [`DurationModel`].
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    /// Shortest and longest delay between polls; `typical_ms` is the duration assumed before
    /// any job of the provider has finished.
    pub bounds: PollSchedule,
    /// Smallest gap between polls where completions are likely, ms. The schedule widens it
    /// (up to 3 s) when the request budget needs it; the detection delay of most jobs stays
    /// below the gap in use.
    pub target_delay_ms: u64,
    /// The request budget: on average no more polls than a loop polling every this often
    /// (the providers' recommended 2 s) would make on the same jobs.
    pub budget_interval_ms: u64,
    /// What finished jobs have taught.
    pub model: DurationModel,
    /// Finished jobs not learned yet: jobs begun before them still run.
    order: StartOrder,
}

impl Schedule {
    /// A schedule with an empty model, dense polls no closer than 0.5 s and the request budget
    /// of a 2 s loop.
    pub fn new(bounds: PollSchedule) -> Self {
        Schedule {
            bounds,
            target_delay_ms: 500,
            budget_interval_ms: 2_000,
            model: DurationModel::new(),
            order: StartOrder::default(),
        }
    }

    /// A schedule for a provider whose jobs usually take `provider_typical_ms`, with the
    /// caller's `bounds`. When the bounds say jobs take a different time (an emulator at a
    /// quarter of real time, a faster backend), the request budget and the dense gap scale with
    /// them: the providers' 2 s loop is advice for their 15 s jobs, and a 4 s job polled on a
    /// 2 s budget would be seen late.
    pub fn scaled(bounds: PollSchedule, provider_typical_ms: u64) -> Self {
        let mut schedule = Schedule::new(bounds);
        let scale = bounds.typical_ms as f64 / provider_typical_ms.max(1) as f64;
        let scaled = |ms: u64| ((ms as f64 * scale) as u64).max(bounds.min_delay_ms);
        schedule.budget_interval_ms = scaled(schedule.budget_interval_ms);
        schedule.target_delay_ms = scaled(schedule.target_delay_ms);
        schedule
    }

    /// Learns from a finished job at once: its kind, its real duration and the progress it
    /// showed. For jobs that run side by side, [`Schedule::begin`] and [`Schedule::finish`]
    /// instead.
    pub fn record(&mut self, kind: JobKind, duration_ms: u64, samples: &[ProgressSample]) {
        self.model.record_job(kind, duration_ms, samples);
    }

    /// A job of `kind` begins at `now_ms` (the client's clock); returns the ticket to pass to
    /// [`Schedule::finish`] or [`Schedule::end`]. Its duration, once it finishes, is learned
    /// only when every job begun before it has ended: in a burst, the short jobs end first, and
    /// a model that learned them at once would expect every job to be short.
    pub fn begin(&mut self, kind: JobKind, now_ms: f64) -> u64 {
        self.order.begin(kind, now_ms)
    }

    /// The job of `ticket` finished: `job` is what was learned of it. What its progress meant
    /// is learned at once; its duration in the order jobs began.
    pub fn finish(&mut self, ticket: u64, job: Finished<'_>, now_ms: f64) {
        let Finished {
            kind,
            duration_ms,
            seen_by_ms,
            samples,
        } = job;
        self.model.record_progress(kind, duration_ms, samples);
        if let Some((kind, duration)) = self.order.finish(ticket, kind, duration_ms, seen_by_ms) {
            self.model.record_duration(kind, duration);
        }
        self.release(now_ms);
    }

    /// The job of `ticket` ended without a duration to learn (it failed, or its wait gave up
    /// or was dropped). Harmless after [`Schedule::finish`].
    pub fn end(&mut self, ticket: u64, now_ms: f64) {
        self.order.end(ticket);
        self.release(now_ms);
    }

    fn release(&mut self, now_ms: f64) {
        let (model, typical) = (&self.model, self.bounds.typical_ms);
        let overdue = |kind, age| age > model.prior(kind, typical).quantile(STUCK);
        for (kind, duration) in self.order.release(now_ms, overdue) {
            self.model.record_duration(kind, duration);
        }
    }

    fn prior(&self, kind: JobKind) -> posterior::Prior {
        self.model
            .prior_with(kind, self.bounds.typical_ms, self.order.cohort(kind))
    }

    fn supports(&self, job: &JobContext<'_>) -> Vec<(f64, f64)> {
        let skip = job.samples.len().saturating_sub(MAX_SAMPLES);
        job.samples[skip..]
            .iter()
            .filter(|s| s.at_ms <= job.age_ms)
            .filter_map(|s| {
                self.model
                    .progress
                    .support(job.kind.provider, s.at_ms as f64, s.percent)
            })
            .collect()
    }

    /// The age by which the first jobs of `kind` could end (about 1 % of them, as far as the
    /// model knows), ms: where waits that share a look at many jobs begin looking
    /// ([`crate::batch::Batch::first_delay_ms`]).
    pub fn earliest_end_ms(&self, kind: JobKind) -> u64 {
        to_ms(self.prior(kind).quantile(EARLIEST))
    }

    /// How long the job is expected to take in all: the median and a 90 % upper bound of its
    /// total duration given everything seen, ms (for ETA displays).
    pub fn estimate_ms(&self, job: &JobContext<'_>) -> (u64, u64) {
        let prior = self.prior(job.kind);
        let supports = self.supports(job);
        let age = job.age_ms as f64;
        match Posterior::new(&prior, age, &supports, EVIDENCE_FLOOR) {
            Some(p) => (to_ms(p.quantile(0.5)), to_ms(p.quantile(0.9))),
            None => (job.age_ms, job.age_ms),
        }
    }

    /// When a job most likely finished, ms of age, when the provider does not say: it was seen
    /// running at `job.age_ms` (the last look, with its samples) and finished at `seen_at_ms`.
    /// The median of what the model expected between the two looks, which is what
    /// [`Schedule::record`] should learn; far closer than either look when progress was precise.
    pub fn finished_at_ms(&self, job: &JobContext<'_>, seen_at_ms: u64) -> u64 {
        let (last, seen) = (job.age_ms, seen_at_ms.max(job.age_ms));
        let midpoint = last.midpoint(seen);
        let prior = self.prior(job.kind);
        let supports = self.supports(job);
        let Some(post) = Posterior::new(&prior, last as f64, &supports, EVIDENCE_FLOOR) else {
            return midpoint;
        };
        let done = 1.0 - post.sf(seen as f64);
        if done > 1e-9 {
            to_ms(post.quantile(done / 2.0)).clamp(last, seen)
        } else {
            midpoint
        }
    }

    /// The delay before the next poll, ms: never below `bounds.min_delay_ms` (at least 1) nor
    /// above `bounds.max_delay_ms`.
    pub fn next_delay_ms(&self, job: &JobContext<'_>) -> u64 {
        let min = self.bounds.min_delay_ms.max(1);
        let max = self.bounds.max_delay_ms.max(min);
        let (min_f, max_f) = (min as f64, max as f64);
        let age = job.age_ms as f64;
        let prior = self.prior(job.kind);
        let supports = self.supports(job);
        let Some(post) = Posterior::new(&prior, age, &supports, EVIDENCE_FLOOR) else {
            // Far beyond anything seen: back off with the job's age.
            return to_ms(age / 10.0).clamp(min, max);
        };
        // Dense polling where the chance of finishing is as high as where dense polling opens
        // for a job nothing is known of; sparse before.
        let (opening, target) = self.plan(&prior, max_f);
        let threshold = prior.hazard(opening);
        let horizon = 4.0 * max_f;
        // At most 2,000 looks ahead, whatever bounds the caller set.
        let step = (target / 20.0)
            .max(min_f / 4.0)
            .max(10.0)
            .max(horizon / 2_000.0);
        // Counted steps: at huge ages `t += step` would not move `t` at all.
        let steps = (horizon / step).ceil() as usize;
        // The first look-ahead point that reaches the threshold. When none does, the highest
        // ahead (the threshold sat at the very peak of the hazard, and the steps straddled it);
        // when the hazard only falls from here, none: the job is overdue.
        let mut peak = (post.hazard(age), age + horizon);
        let mut open = None;
        for t in (0..=steps).map(|i| age + i as f64 * step) {
            let hazard = post.hazard(t);
            if hazard >= threshold {
                open = Some(t);
                break;
            }
            if hazard > peak.0 {
                peak = (hazard, t);
            }
        }
        let open = open.unwrap_or(peak.1);
        let mut next = if open <= age + step {
            age + target
        } else if post.sf(open - step) > 1.0 - EARLY_MASS {
            // Little can finish before the dense part: its first poll one target after it opens.
            open + target
        } else {
            // Sparse polls, evenly spaced so that one lands where the dense part opens.
            let gap = open - age;
            age + gap / (gap / max_f).ceil().max(1.0)
        };
        // Past the point where dense polling opens, a job the model finds unlikely to finish
        // soon (a slow one, beyond what its progress said) is still looked at with a gentle
        // backoff, not the longest delay.
        let evidence_ahead = supports.iter().any(|&(_, longest)| longest > age);
        if age > opening && !evidence_ahead {
            next = next.min(age + target + (age - opening) / 4.0);
        }
        // When the evidence has pinned the duration down, look once, right after it.
        next = next.min(post.quantile(SURE));
        // When a look before the earliest likely finish would say much more, take it.
        if let Some(refine) = self.refinement(&post, job, age, target) {
            next = next.min(refine);
        }
        to_ms(next - age).clamp(min, max)
    }

    /// The plan for a job no evidence is known of: where dense polling begins and the gap
    /// between dense polls. The smallest gap (from `target_delay_ms` up to
    /// [`MAX_DENSE_GAP_MS`]) for which the budget holds, with dense polling opening late enough
    /// to save requests but early enough that at most [`LATE_SHARE`] of jobs finish more than
    /// one gap before it: the detection delay of 95 % of jobs then stays within about one gap.
    fn plan(&self, prior: &posterior::Prior, max_f: f64) -> (f64, f64) {
        let interval = self.budget_interval_ms.max(1) as f64;
        // A fixed loop polls at 0, interval, … up to the first poll after completion.
        let budget = BUDGET_SHARE * (prior.excess(0.0) / interval + 1.5);
        let early = prior.quantile(LATE_SHARE);
        let requests = |open: f64, gap: f64| {
            let sparse = (open / max_f).ceil().max(1.0);
            1.0 + sparse + prior.excess(open) / gap + 0.5 * prior.sf(open)
        };
        let mut gap = self.target_delay_ms.max(1) as f64;
        // Short jobs are not left waiting for a gap as long as themselves.
        let widest = MAX_DENSE_GAP_MS.min((prior.quantile(0.5) / 4.0).max(gap));
        while gap < widest && requests(early + gap, gap) > budget {
            gap += 50.0;
        }
        (early + gap, gap)
    }

    /// A poll shortly before the job can finish (when the final look would leave more than a
    /// quarter of a dense `gap` to chance), when progress there has proved precise enough
    /// to narrow the duration down by more than half.
    fn refinement(
        &self,
        post: &Posterior<'_>,
        job: &JobContext<'_>,
        age: f64,
        gap: f64,
    ) -> Option<f64> {
        let progress = &self.model.progress;
        if !progress.trusts(job.kind.provider) {
            return None;
        }
        let (early, late) = (post.quantile(1.0 - SURE), post.quantile(SURE));
        let spread = late - early;
        if spread <= gap / 4.0 {
            return None;
        }
        let at = age + 0.85 * (early - age);
        let median = post.quantile(0.5);
        let share = at / median;
        // The progress value the job should show then, and how precise that value has been.
        let width = (0..=100)
            .filter_map(|p| progress.share_range(job.kind.provider, f64::from(p)))
            .filter(|&(lo, hi)| lo <= share && share <= hi)
            .map(|(lo, hi)| {
                let longest = if lo > 0.0 { at / lo } else { f64::INFINITY };
                longest - at / hi
            })
            .fold(f64::NAN, f64::max);
        (width < spread / 2.0).then_some(at)
    }
}

/// Milliseconds as an integer, saturating; NaN becomes 0 (the caller clamps).
fn to_ms(x: f64) -> u64 {
    if x.is_nan() {
        0
    } else {
        x.clamp(0.0, u64::MAX as f64) as u64
    }
}
