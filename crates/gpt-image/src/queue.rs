//! Holding submissions beyond a limit of running jobs, first come first served.
//!
//! Apiframe refuses a submit with a 429 once an account runs `team.maxConcurrentJobs` jobs. A
//! client given a limit ([`ConcurrencyLimit`]) keeps a burst of 50 submits from becoming 50
//! refusals: each submit takes a ticket, and is sent when it is at the head of the queue and
//! fewer than the limit of this client's jobs are running or being submitted.
//!
//! A job counts as running from its submit (or, for a job made before, from when a wait on it
//! begins: one resumed after a reload) until this client sees it end or stops waiting for it,
//! or for [`FORGET_AFTER_MS`] at most: a job submitted and never looked at again must not hold
//! its place forever.
//!
//! Pure bookkeeping: the caller passes every time in, in milliseconds, and does the I/O.

use crate::batch::IdMap;

/// How many jobs a client lets run at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConcurrencyLimit {
    /// At most this many (1–1000).
    Jobs(u32),
    /// The account's own limit, read once from Apiframe's `GET /v2/me`
    /// (`team.maxConcurrentJobs`). Where that cannot be read (a proxy that does not forward
    /// it), submits are not held, and a 429 is waited out as any other.
    Account,
}

/// A running job this client has not seen end is forgotten after this long, ms: the longest
/// default wait (10 minutes).
pub const FORGET_AFTER_MS: f64 = 10.0 * 60.0 * 1000.0;

/// The queue of one client's submits and the jobs it has running.
#[derive(Clone, Debug, Default)]
pub struct Queue {
    /// `None`: no limit (or not known yet).
    limit: Option<u32>,
    /// Job id → when it was submitted.
    running: IdMap<f64>,
    /// Submits sent and not answered yet.
    submitting: u32,
    /// Tickets waiting, oldest first. A `Vec`: queues are short, and a `VecDeque` costs a
    /// kilobyte of wasm.
    waiting: Vec<u64>,
    next_ticket: u64,
}

impl Queue {
    /// A queue that holds submits beyond `limit` running jobs (`None`: never holds).
    pub fn new(limit: Option<u32>) -> Self {
        Queue {
            limit,
            ..Queue::default()
        }
    }

    /// Sets the limit once it is known (the account's, read after the client was made).
    pub fn set_limit(&mut self, limit: Option<u32>) {
        self.limit = limit;
    }

    /// A submit joins the queue; its ticket says when it may go.
    pub fn join(&mut self) -> u64 {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.waiting.push(ticket);
        ticket
    }

    /// How many submits are ahead of this ticket (`None` once it has left the queue).
    pub fn ahead_of(&self, ticket: u64) -> Option<usize> {
        self.waiting.iter().position(|t| *t == ticket)
    }

    /// Whether the submit with this ticket may be sent now; if so it leaves the queue and
    /// counts as submitting until [`Queue::submitted`].
    pub fn try_start(&mut self, ticket: u64, now_ms: f64) -> bool {
        self.running
            .retain(|since| now_ms - *since < FORGET_AFTER_MS);
        let room = self.limit.is_none_or(|limit| {
            (self.running.len() as u64 + u64::from(self.submitting)) < u64::from(limit)
        });
        if room && self.waiting.first() == Some(&ticket) {
            self.waiting.remove(0);
            self.submitting += 1;
            true
        } else {
            false
        }
    }

    /// A submit gave up while it waited (its caller aborted).
    pub fn leave(&mut self, ticket: u64) {
        self.waiting.retain(|t| *t != ticket);
    }

    /// A submit that [`Queue::try_start`] let go was answered: with the job it made, or with
    /// `None` when it failed.
    pub fn submitted(&mut self, job_id: Option<&str>, now_ms: f64) {
        self.submitting = self.submitting.saturating_sub(1);
        if let Some(id) = job_id {
            self.running.insert(id, now_ms);
        }
    }

    /// A wait on a job begins: a job this client did not submit (one resumed after a reload)
    /// counts as running too, from now.
    pub fn waiting_on(&mut self, job_id: &str, now_ms: f64) {
        self.running.insert_new(job_id, now_ms);
    }

    /// This client saw the job end (or stopped waiting for a job it will not see again).
    pub fn ended(&mut self, job_id: &str) {
        self.running.remove(job_id);
    }

    /// Whether a submit joining now would wait: the limit is known and reached, or others
    /// wait already.
    pub fn holds_next(&self, now_ms: f64) -> bool {
        let running = self
            .running
            .values()
            .filter(|since| now_ms - **since < FORGET_AFTER_MS)
            .count() as u64;
        self.limit.is_some_and(|limit| {
            !self.waiting.is_empty() || running + u64::from(self.submitting) >= u64::from(limit)
        })
    }

    /// Jobs counted as running.
    pub fn running(&self) -> usize {
        self.running.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_limit_every_submit_goes_at_once() {
        let mut q = Queue::new(None);
        let tickets: Vec<u64> = (0..50).map(|_| q.join()).collect();
        for (i, t) in tickets.iter().enumerate() {
            assert!(q.try_start(*t, 0.0));
            q.submitted(Some(&format!("j{i}")), 0.0);
        }
        assert_eq!(q.running(), 50);
    }

    #[test]
    fn a_burst_beyond_the_limit_waits_its_turn_in_order() {
        let mut q = Queue::new(Some(2));
        let t: Vec<u64> = (0..4).map(|_| q.join()).collect();
        assert!(!q.try_start(t[1], 0.0), "not at the head");
        assert!(q.try_start(t[0], 0.0));
        assert!(q.try_start(t[1], 0.0));
        assert!(!q.try_start(t[2], 0.0), "two submitting already");
        assert_eq!(q.ahead_of(t[3]), Some(1));
        q.submitted(Some("a"), 0.0);
        q.submitted(None, 0.0);
        assert!(q.try_start(t[2], 1.0), "a failed submit frees its place");
        q.submitted(Some("c"), 1.0);
        assert!(!q.try_start(t[3], 1.0), "a and c are running");
        q.ended("a");
        assert!(q.try_start(t[3], 2.0), "a has ended");
        assert_eq!(q.ahead_of(t[3]), None);
    }

    #[test]
    fn whether_the_next_submit_would_wait_is_known_beforehand() {
        let mut q = Queue::new(Some(1));
        assert!(!q.holds_next(0.0));
        let a = q.join();
        assert!(q.holds_next(0.0), "one waits already");
        assert!(q.try_start(a, 0.0));
        assert!(q.holds_next(0.0), "one is being submitted");
        q.submitted(Some("a"), 0.0);
        assert!(q.holds_next(1.0));
        assert!(!q.holds_next(FORGET_AFTER_MS), "forgotten");
        q.ended("a");
        assert!(!q.holds_next(2.0));
        assert!(!Queue::new(None).holds_next(0.0));
    }

    #[test]
    fn a_job_resumed_after_a_reload_counts_as_running() {
        let mut q = Queue::new(Some(1));
        q.waiting_on("from-before", 0.0);
        let a = q.join();
        assert!(!q.try_start(a, 1.0));
        q.ended("from-before");
        assert!(q.try_start(a, 2.0));
        q.submitted(Some("a"), 2.0);
        q.waiting_on("a", 3.0);
        q.ended("a");
        assert_eq!(q.running(), 0, "counted once");
    }

    #[test]
    fn a_submit_that_gives_up_leaves_the_queue() {
        let mut q = Queue::new(Some(1));
        let (a, b, c) = (q.join(), q.join(), q.join());
        assert!(q.try_start(a, 0.0));
        q.leave(b);
        q.submitted(Some("a"), 0.0);
        q.ended("a");
        assert!(q.try_start(c, 0.0), "b no longer blocks the head");
    }

    #[test]
    fn a_job_never_seen_again_is_forgotten_after_ten_minutes() {
        let mut q = Queue::new(Some(1));
        let a = q.join();
        assert!(q.try_start(a, 0.0));
        q.submitted(Some("a"), 0.0);
        let b = q.join();
        assert!(!q.try_start(b, FORGET_AFTER_MS - 1.0));
        assert!(q.try_start(b, FORGET_AFTER_MS));
    }

    #[test]
    fn a_limit_learned_later_applies_to_the_next_submits() {
        let mut q = Queue::new(None);
        let a = q.join();
        assert!(q.try_start(a, 0.0));
        q.submitted(Some("a"), 0.0);
        q.set_limit(Some(1));
        let b = q.join();
        assert!(!q.try_start(b, 0.0));
    }
}
