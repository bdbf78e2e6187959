//! Polling many Apiframe jobs together: one look at the job listing serves every wait.
//!
//! Each wait on a client keeps its own schedule. When its next look is due and other waits run
//! beside it, it asks the [`Batch`] they share: a listing fresh enough answers it, a listing
//! under way is joined, and otherwise it leads a new one. A listing is "fresh enough" for a
//! short window: a twentieth of a second while the jobs fit on one listing page, so that each
//! keeps its own timing, and up to three seconds for 200 (see [`Batch::window_ms`]), so that
//! they cost two listing pages every three seconds instead of one request per job per look.
//!
//! A listing costs one request whatever the number of jobs it shows, so a batch that fits on
//! one page can afford to look often: while its requests stay within half of what polling each
//! job every 2 s would have cost so far, every wait looks at each tick of a shared clock, a
//! fifth of a second apart by default ([`Batch::tick_ms`]), and one listing per tick answers
//! them all. Each job is then seen within a tick of its end, whatever its progress says.
//!
//! A job the listing does not describe (not on the pages read, or completed without its result)
//! is looked at alone. A server that refuses the listing (a proxy whose policy keeps it closed,
//! a provider without one) turns batching off for the client: every wait polls its job alone.
//!
//! Pure bookkeeping: the caller passes every time in, in milliseconds, and does the I/O.

use crate::error::Error;
use crate::job::JobUpdate;
use crate::wire::PAGE_SIZE;

/// Values by job id, in a plain list: a batch holds a few hundred jobs at most, and a search
/// through them costs less wasm than a hash or B-tree map (about 15 KB of code).
#[derive(Clone, Debug)]
pub struct IdMap<V>(Vec<(String, V)>);

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap(Vec::new())
    }
}

impl<V> IdMap<V> {
    pub fn get(&self, id: &str) -> Option<&V> {
        self.0.iter().find(|(k, _)| k == id).map(|(_, v)| v)
    }

    pub fn get_mut(&mut self, id: &str) -> Option<&mut V> {
        self.0.iter_mut().find(|(k, _)| k == id).map(|(_, v)| v)
    }

    pub fn contains_key(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    /// Sets the value of `id`, replacing any it had.
    pub fn insert(&mut self, id: &str, value: V) {
        match self.get_mut(id) {
            Some(old) => *old = value,
            None => self.0.push((id.to_owned(), value)),
        }
    }

    /// Keeps the first value given for `id`.
    pub fn insert_new(&mut self, id: &str, value: V) {
        if !self.contains_key(id) {
            self.0.push((id.to_owned(), value));
        }
    }

    pub fn remove(&mut self, id: &str) {
        self.0.retain(|(k, _)| k != id);
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&V) -> bool) {
        self.0.retain(|(_, v)| keep(v));
    }

    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(k, _)| k.as_str())
    }

    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.0.iter().map(|(_, v)| v)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// The widest a listing's freshness window gets, in shortest poll gaps per listing page.
const GAPS_PER_PAGE: f64 = 3.0;
/// The ticks of a batch that looks on a shared clock, in shortest poll gaps.
const TICK_GAPS: f64 = 0.4;
/// The share of a fixed loop's requests (one per job per budget interval) a batch may spend
/// looking on the shared clock.
const TICK_SHARE: f64 = 0.5;

/// What a wait should do for its next look at a job.
#[derive(Clone, Debug, PartialEq)]
pub enum Look {
    /// Fetch the job alone.
    Alone,
    /// A listing started at `seen_at_ms` describes the job.
    Listed { update: JobUpdate, seen_at_ms: f64 },
    /// The latest listing failed: this look failed the same way.
    Failed(Error),
    /// A listing that started at `started_ms` is under way: wait for it, then ask again with
    /// that time as `joined`, so that a slow listing still answers the looks that waited on it.
    Join { started_ms: f64 },
    /// Start a listing ([`Batch::begin`]), then ask again.
    Lead,
}

#[derive(Clone, Copy, Debug)]
struct Watch {
    /// Waits on this job (the same job may be waited for twice).
    waits: usize,
    /// When the first of them began: a listing started earlier may not show the job yet.
    since_ms: f64,
}

#[derive(Clone, Debug)]
struct Listing {
    started_ms: f64,
    outcome: Result<IdMap<JobUpdate>, Error>,
}

/// What a batch may spend and has spent, in requests, since it began.
#[derive(Clone, Copy, Debug, Default)]
struct Budget {
    /// What a loop polling each job once per budget interval would have spent until `at_ms`.
    allowed: f64,
    at_ms: f64,
    /// Listing pages and lone looks made.
    spent: f64,
}

/// The jobs waited on by one client, and the latest listing of them.
#[derive(Clone, Debug)]
pub struct Batch {
    enabled: bool,
    /// The client's shortest gap between polls; the freshness window scales with it.
    min_delay_ms: u64,
    /// The request budget's interval: a fixed loop polls each job this often, ms.
    budget_interval_ms: u64,
    budget: Budget,
    watched: IdMap<Watch>,
    /// The most jobs waited on at once since none was.
    peak: usize,
    last: Option<Listing>,
    /// When the listing under way started.
    listing: Option<f64>,
}

impl Batch {
    /// The shared state of a client's waits. `enabled` is whether the provider has a job
    /// listing (Apiframe does; API in One does not); `min_delay_ms` the shortest gap between
    /// polls and `budget_interval_ms` the request budget's interval (see
    /// [`crate::schedule::Schedule`]).
    pub fn new(enabled: bool, min_delay_ms: u64, budget_interval_ms: u64) -> Self {
        Batch {
            enabled,
            min_delay_ms: min_delay_ms.max(1),
            budget_interval_ms: budget_interval_ms.max(1),
            budget: Budget::default(),
            watched: IdMap::default(),
            peak: 0,
            last: None,
            listing: None,
        }
    }

    /// Whether listings are in use: the provider has them, the server has not refused one.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The budget allowed until `now_ms`.
    fn allowed(&self, now_ms: f64) -> f64 {
        let elapsed = (now_ms - self.budget.at_ms).max(0.0);
        self.budget.allowed + self.watched.len() as f64 * elapsed / self.budget_interval_ms as f64
    }

    fn accrue(&mut self, now_ms: f64) {
        self.budget.allowed = self.allowed(now_ms);
        self.budget.at_ms = now_ms;
    }

    /// A request was made for the batch's waits: a listing page, or a look at one job alone.
    pub fn spend(&mut self) {
        self.budget.spent += 1.0;
    }

    /// A wait on `job_id` begins at `now_ms`.
    pub fn watch(&mut self, job_id: &str, now_ms: f64) {
        self.accrue(now_ms);
        match self.watched.get_mut(job_id) {
            Some(watch) => watch.waits += 1,
            None => self.watched.insert(
                job_id,
                Watch {
                    waits: 1,
                    since_ms: now_ms,
                },
            ),
        }
        self.peak = self.peak.max(self.watched.len());
    }

    /// A wait on `job_id` ended at `now_ms` (finished, failed, gave up or was dropped).
    pub fn unwatch(&mut self, job_id: &str, now_ms: f64) {
        self.accrue(now_ms);
        if let Some(watch) = self.watched.get_mut(job_id) {
            watch.waits -= 1;
            if watch.waits == 0 {
                self.watched.remove(job_id);
            }
            if self.watched.is_empty() {
                self.peak = 0;
                self.budget = Budget::default();
            }
        }
    }

    /// The tick of the shared clock every wait looks on at `now_ms`, ms, if the batch looks
    /// on one: it uses listings, fits on one page, has two jobs or more, and has spent no more
    /// than [`TICK_SHARE`] of what polling each job once per budget interval would have.
    pub fn tick_ms(&self, now_ms: f64) -> Option<f64> {
        let ticking = self.enabled
            && self.watched.len() >= 2
            && self.peak <= PAGE_SIZE
            && self.budget.spent + 1.0 <= TICK_SHARE * self.allowed(now_ms);
        ticking.then(|| (TICK_GAPS * self.min_delay_ms as f64).max(1.0))
    }

    /// How many jobs are waited on.
    pub fn watched(&self) -> usize {
        self.watched.len()
    }

    /// How old a listing may be and still answer a look, ms.
    ///
    /// While the batch has never outgrown one listing page (100 jobs), a tenth of the shortest
    /// poll gap: a listing then costs what a look at one job costs, so each job keeps its own
    /// schedule's timing and looks due at about the same moment share a request. A batch that
    /// has outgrown a page trades timing for requests: a tenth of a gap per job waited on, at
    /// most three gaps per page the jobs fill (200 jobs share a two-page listing per six gaps,
    /// 3 s by default). As its jobs end the window narrows again, so the last jobs, which
    /// decide when the batch is done, are seen almost as soon as a job polled alone.
    ///
    /// While the batch looks on a shared clock ([`Batch::tick_ms`]), half a tick: the looks of
    /// one tick share its listing.
    pub fn window_ms(&self, now_ms: f64) -> f64 {
        let gap = self.min_delay_ms as f64;
        let jobs = self.watched.len();
        if let Some(tick) = self.tick_ms(now_ms) {
            return tick / 2.0;
        }
        if self.peak <= PAGE_SIZE {
            return gap / 10.0;
        }
        let pages = jobs.div_ceil(PAGE_SIZE) as f64;
        (jobs as f64 * gap / 10.0).min(GAPS_PER_PAGE * pages * gap)
    }

    /// The longest a wait in the batch goes without a look from `now_ms`, ms, whatever its own
    /// schedule says. While the batch looks on a shared clock, until just after its next tick.
    /// In a large batch, the freshness window, once it spans two shortest gaps or more (a
    /// batch that has outgrown a page, twenty jobs and more of it still running): a look at
    /// the listing costs nothing more while it is fresh, so each job of such a batch is seen
    /// about once a window. `None` for a smaller batch or a job polled alone, whose own
    /// schedule decides: a cap there would make each job lead a listing of its own.
    pub fn longest_gap_ms(&self, now_ms: f64) -> Option<u64> {
        if let Some(tick) = self.tick_ms(now_ms) {
            // Just after the tick, so that timers firing a little early still land past it.
            let next = (now_ms / tick).floor() * tick + tick + 1.0;
            return Some((next - now_ms).ceil() as u64);
        }
        let window = self.window_ms(now_ms);
        (self.enabled && window >= 2.0 * self.min_delay_ms as f64).then_some(window as u64)
    }

    /// How long a wait in the batch waits before its next look from `now_ms`, ms, given what
    /// its own schedule asks (`own_ms`, asked only when needed). While the batch looks on a
    /// shared clock, until just after the next tick; but a wait whose last look `failed` keeps
    /// its own schedule, so that a provider down for a few seconds does not use up every wait's
    /// failures in a row at five looks a second. Otherwise its own schedule's, capped at
    /// [`Batch::longest_gap_ms`].
    pub fn delay_ms(&self, now_ms: f64, failed: bool, own_ms: impl FnOnce() -> u64) -> u64 {
        let cap = self.longest_gap_ms(now_ms);
        match (self.tick_ms(now_ms), cap) {
            (Some(_), Some(tick)) if !failed => tick,
            (Some(_), _) => own_ms(),
            (None, Some(cap)) => own_ms().min(cap),
            (None, None) => own_ms(),
        }
    }

    /// How long a wait that has just begun waits before its first look, ms, given what its own
    /// schedule asks (`own_ms`: it lets a few early jobs end unseen for a while, to save a
    /// lone job's requests) and the age by which the first jobs of its kind could end
    /// (`earliest_ms`, asked only when needed). While the jobs share a listing, one look serves
    /// them all: a wait then looks at the earlier of the two, so that the batch is looking (on
    /// its shared clock, once the budget allows) before the first of its jobs end. A batch's
    /// first looks cannot be on the clock itself: nothing is allowed yet.
    pub fn first_delay_ms(&self, own_ms: u64, earliest_ms: impl FnOnce() -> u64) -> u64 {
        if self.enabled && self.watched.len() >= 2 {
            own_ms.min(earliest_ms())
        } else {
            own_ms
        }
    }

    /// What the wait on `job_id` does for a look due at `now_ms`. `joined` is the start of the
    /// listing this look waited on or led, if any: that listing answers it however long it took.
    pub fn look(&self, job_id: &str, now_ms: f64, joined: Option<f64>) -> Look {
        if !self.enabled || self.watched.len() < 2 {
            return Look::Alone;
        }
        let since = self.watched.get(job_id).map_or(now_ms, |w| w.since_ms);
        if let Some(last) = &self.last
            && last.started_ms >= since
            && (now_ms - last.started_ms <= self.window_ms(now_ms)
                || joined.is_some_and(|joined| last.started_ms >= joined))
        {
            return match &last.outcome {
                Ok(jobs) => match jobs.get(job_id) {
                    Some(update) => Look::Listed {
                        update: update.clone(),
                        seen_at_ms: last.started_ms,
                    },
                    None => Look::Alone,
                },
                Err(error) => Look::Failed(error.clone()),
            };
        }
        match self.listing {
            Some(started_ms) => Look::Join { started_ms },
            None => Look::Lead,
        }
    }

    /// A listing starts at `now_ms`; until [`Batch::finish`] or [`Batch::abandon`], other
    /// looks join it.
    pub fn begin(&mut self, now_ms: f64) {
        self.listing = Some(now_ms);
    }

    /// Whether the listing should read another page, having read `pages` and seen `seen`.
    /// It stops once every job waited on has been seen, and after a page more than the jobs
    /// waited on could fill (jobs made since by others push ours down, but not forever).
    pub fn wants_page(&self, pages: usize, seen: &IdMap<JobUpdate>) -> bool {
        let all_seen = self.watched.keys().all(|id| seen.contains_key(id));
        !all_seen && pages < self.watched.len().div_ceil(PAGE_SIZE) + 1
    }

    /// The listing started at `started_ms` ended. A refusal (403 from a proxy that keeps the
    /// listing closed, or a 400, 404, 405 or 501 from a server without it) turns batching off;
    /// any other error is every joined look's failure.
    pub fn finish(&mut self, started_ms: f64, outcome: Result<IdMap<JobUpdate>, Error>) {
        self.listing = None;
        if let Err(error) = &outcome
            && matches!(error.status(), Some(400 | 403 | 404 | 405 | 501))
        {
            self.enabled = false;
            self.last = None;
            return;
        }
        self.last = Some(Listing {
            started_ms,
            outcome,
        });
    }

    /// The listing was dropped before it ended (its wait was aborted): the next look leads.
    pub fn abandon(&mut self) {
        self.listing = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::job::{Image, JobStatus};

    fn update(id: &str, status: JobStatus) -> JobUpdate {
        JobUpdate {
            id: id.into(),
            status,
            progress: None,
            images: match status {
                JobStatus::Completed => vec![Image {
                    url: format!("https://x/{id}.png"),
                }],
                _ => vec![],
            },
            error: None,
            credit_cost: None,
            created_at: None,
            completed_at: None,
        }
    }

    fn listed(updates: &[JobUpdate]) -> Result<IdMap<JobUpdate>, Error> {
        let mut jobs = IdMap::default();
        for u in updates {
            jobs.insert(&u.id, u.clone());
        }
        Ok(jobs)
    }

    fn batch_of(n: usize) -> Batch {
        let mut batch = Batch::new(true, 500, 2_000);
        for i in 0..n {
            batch.watch(&format!("j{i}"), 0.0);
        }
        batch
    }

    #[test]
    fn one_job_is_polled_alone() {
        let batch = batch_of(1);
        assert_eq!(batch.look("j0", 10.0, None), Look::Alone);
        let off = {
            let mut b = Batch::new(false, 500, 2_000);
            b.watch("a", 0.0);
            b.watch("b", 0.0);
            b
        };
        assert_eq!(
            off.look("a", 10.0, None),
            Look::Alone,
            "API in One has no listing"
        );
    }

    /// A batch that once held `peak` jobs, `left` of them still waited on (`j0`, `j1`, …).
    fn shrunk(peak: usize, left: usize) -> Batch {
        let mut batch = batch_of(peak);
        for i in left..peak {
            batch.unwatch(&format!("j{i}"), 0.0);
        }
        batch
    }

    #[test]
    fn one_listing_answers_every_look_due_within_the_window() {
        let mut batch = shrunk(150, 20);
        assert_eq!(batch.window_ms(0.0), 1_000.0);
        assert_eq!(batch.look("j0", 100.0, None), Look::Lead);
        batch.begin(100.0);
        assert_eq!(
            batch.look("j1", 120.0, None),
            Look::Join { started_ms: 100.0 }
        );
        let running = update("j0", JobStatus::Processing);
        let done = update("j1", JobStatus::Completed);
        batch.finish(100.0, listed(&[running.clone(), done.clone()]));
        assert_eq!(
            batch.look("j0", 900.0, None),
            Look::Listed {
                update: running,
                seen_at_ms: 100.0
            }
        );
        assert_eq!(
            batch.look("j1", 1_100.0, None),
            Look::Listed {
                update: done,
                seen_at_ms: 100.0
            }
        );
        assert_eq!(
            batch.look("j2", 500.0, None),
            Look::Alone,
            "not on the pages read"
        );
        assert_eq!(batch.look("j0", 1_101.0, None), Look::Lead, "too old now");
        assert!(
            matches!(batch.look("j0", 5_000.0, Some(100.0)), Look::Listed { .. }),
            "a slow listing still answers the looks that waited on it"
        );
    }

    #[test]
    fn the_window_widens_with_the_jobs_waited_on_once_they_outgrow_a_page() {
        // Up to one page, each job keeps its own timing: only looks due together are shared.
        for jobs in [2, 10, 60, 100] {
            assert_eq!(batch_of(jobs).window_ms(0.0), 50.0, "{jobs}");
        }
        assert_eq!(batch_of(101).window_ms(0.0), 3_000.0);
        assert_eq!(batch_of(200).window_ms(0.0), 3_000.0);
        // As a large batch's jobs end, the window narrows.
        assert_eq!(shrunk(200, 40).window_ms(0.0), 1_500.0);
        assert_eq!(shrunk(200, 10).window_ms(0.0), 500.0);
        // Once none is waited on, the next batch starts small again.
        assert_eq!(shrunk(200, 0).window_ms(0.0), 50.0);
    }

    #[test]
    fn a_job_in_a_large_batch_is_looked_at_at_least_once_a_window() {
        assert_eq!(batch_of(1).longest_gap_ms(0.0), None);
        assert_eq!(
            batch_of(19).longest_gap_ms(0.0),
            None,
            "their own schedules decide"
        );
        assert_eq!(batch_of(100).longest_gap_ms(0.0), None);
        assert_eq!(shrunk(200, 20).longest_gap_ms(0.0), Some(1_000));
        assert_eq!(shrunk(200, 19).longest_gap_ms(0.0), None);
        assert_eq!(batch_of(200).longest_gap_ms(0.0), Some(3_000));
        let mut refused = batch_of(150);
        refused.begin(0.0);
        refused.finish(
            0.0,
            Err(Error::Api {
                status: 404,
                code: None,
                message: "no listing".into(),
                request_id: None,
                body: String::new(),
            }),
        );
        assert_eq!(refused.longest_gap_ms(0.0), None);
    }

    #[test]
    fn a_batch_looks_on_a_shared_clock_while_within_half_the_budget() {
        let mut batch = batch_of(60);
        assert_eq!(batch.tick_ms(0.0), None, "nothing is allowed yet");
        // 60 jobs for 1 s: a 2 s loop would have made 30 requests; half of them are allowed.
        assert_eq!(batch.tick_ms(1_000.0), Some(200.0));
        assert_eq!(batch.window_ms(1_000.0), 100.0);
        assert_eq!(
            batch.longest_gap_ms(1_050.0),
            Some(151),
            "just after the next tick"
        );
        for _ in 0..15 {
            batch.spend();
        }
        assert_eq!(batch.tick_ms(1_000.0), None, "spent");
        assert_eq!(
            batch.longest_gap_ms(1_000.0),
            None,
            "each job's own schedule again"
        );
        assert_eq!(
            batch.tick_ms(2_000.0),
            Some(200.0),
            "more is allowed as time goes by"
        );
        // Once none is waited on, the next batch starts with nothing allowed again.
        for i in 0..60 {
            batch.unwatch(&format!("j{i}"), 2_000.0);
        }
        batch.watch("a", 2_000.0);
        batch.watch("b", 2_000.0);
        assert_eq!(batch.tick_ms(2_000.0), None);
        assert_eq!(batch.tick_ms(12_000.0), Some(200.0));
    }

    #[test]
    fn a_wait_looks_at_the_next_tick_unless_its_last_look_failed() {
        let ticking = batch_of(60);
        assert_eq!(ticking.delay_ms(1_050.0, false, || 4_000), 151);
        assert_eq!(
            ticking.delay_ms(1_050.0, true, || 4_000),
            4_000,
            "its own schedule"
        );
        let large = batch_of(200);
        assert_eq!(
            large.delay_ms(1_000.0, false, || 9_000),
            3_000,
            "capped at the window"
        );
        assert_eq!(large.delay_ms(1_000.0, false, || 700), 700);
        assert_eq!(batch_of(1).delay_ms(1_000.0, false, || 9_000), 9_000);
    }

    #[test]
    fn a_batch_first_looks_where_the_first_jobs_could_end_a_lone_job_as_its_schedule_says() {
        assert_eq!(batch_of(60).first_delay_ms(9_300, || 6_000), 6_000);
        assert_eq!(batch_of(2).first_delay_ms(4_000, || 6_000), 4_000);
        assert_eq!(batch_of(250).first_delay_ms(9_300, || 6_000), 6_000);
        assert_eq!(
            batch_of(1).first_delay_ms(9_300, || unreachable!()),
            9_300,
            "alone: nothing to share"
        );
        let mut off = Batch::new(false, 500, 2_000);
        off.watch("a", 0.0);
        off.watch("b", 0.0);
        assert_eq!(
            off.first_delay_ms(9_300, || unreachable!()),
            9_300,
            "no listing"
        );
    }

    #[test]
    fn only_a_batch_of_two_or_more_on_one_page_with_a_listing_looks_on_the_clock() {
        assert_eq!(batch_of(1).tick_ms(60_000.0), None);
        assert_eq!(batch_of(101).tick_ms(60_000.0), None, "its window decides");
        let mut off = Batch::new(false, 500, 2_000);
        off.watch("a", 0.0);
        off.watch("b", 0.0);
        assert_eq!(off.tick_ms(60_000.0), None);
    }

    #[test]
    fn the_looks_of_one_tick_share_its_listing() {
        let mut batch = batch_of(10);
        let now = 10_000.0;
        assert_eq!(batch.look("j0", now, None), Look::Lead);
        batch.begin(now);
        batch.finish(now, listed(&[update("j1", JobStatus::Completed)]));
        assert!(matches!(
            batch.look("j1", now + 60.0, None),
            Look::Listed { .. }
        ));
        assert_eq!(
            batch.look("j1", now + 201.0, None),
            Look::Lead,
            "the next tick's"
        );
    }

    #[test]
    fn a_listing_older_than_the_wait_does_not_answer_it() {
        let mut batch = batch_of(3);
        batch.begin(0.0);
        batch.finish(50.0, listed(&[]));
        batch.watch("new", 60.0);
        assert_eq!(batch.look("new", 70.0, None), Look::Lead);
    }

    #[test]
    fn a_refused_listing_turns_batching_off_and_other_errors_are_shared() {
        let mut batch = batch_of(5);
        batch.begin(0.0);
        let busy = Error::RateLimited {
            retry_after_ms: Some(1_000),
            message: "Apiframe: too many requests".into(),
            request_id: None,
        };
        batch.finish(0.0, Err(busy.clone()));
        assert_eq!(batch.look("j3", 10.0, None), Look::Failed(busy));
        batch.begin(0.0);
        let refused = Error::Auth {
            status: 403,
            message: "this proxy does not forward the job listing".into(),
            request_id: None,
        };
        batch.finish(20.0, Err(refused));
        assert!(!batch.enabled());
        assert_eq!(batch.look("j3", 30.0, None), Look::Alone);
    }

    #[test]
    fn a_dropped_listing_lets_the_next_look_lead() {
        let mut batch = batch_of(2);
        batch.begin(0.0);
        assert_eq!(batch.look("j0", 1.0, None), Look::Join { started_ms: 0.0 });
        batch.abandon();
        assert_eq!(batch.look("j0", 2.0, None), Look::Lead);
    }

    #[test]
    fn pages_are_read_until_every_job_is_seen_or_the_bound() {
        let batch = batch_of(150);
        let mut seen = IdMap::default();
        assert!(batch.wants_page(0, &seen));
        assert!(batch.wants_page(2, &seen));
        assert!(
            !batch.wants_page(3, &seen),
            "two pages hold 150 jobs; one more at most"
        );
        for i in 0..150 {
            let u = update(&format!("j{i}"), JobStatus::Queued);
            seen.insert(&u.id.clone(), u);
        }
        assert!(!batch.wants_page(1, &seen));
    }

    #[test]
    fn waits_are_counted_per_job() {
        let mut batch = Batch::new(true, 500, 2_000);
        batch.watch("a", 0.0);
        batch.watch("a", 5.0);
        batch.watch("b", 0.0);
        batch.unwatch("a", 6.0);
        assert_eq!(batch.watched(), 2);
        batch.unwatch("a", 7.0);
        batch.unwatch("a", 8.0);
        batch.unwatch("zzz", 9.0);
        assert_eq!(batch.watched(), 1);
    }
}
