//! The client (wasm32 only): submit, status, wait and generate over fetch.
//!
//! Glue between the pure modules and [`crate::transport`]: it validates, builds the wire request,
//! sends it under the retry policy, and reads the reply. It holds the checked [`Config`] (the API
//! key, when there is one, and the app's headers) and makes sure no error, `Debug` output or
//! message ever shows them. It owns the clock and randomness and passes them to the pure
//! modules.
//!
//! May use every pure module and `transport`. May not touch JavaScript callers or the studio.

use std::cell::{Cell, RefCell};
use std::fmt;

use web_sys::AbortSignal;

use crate::batch::{Batch, IdMap, Look};
use crate::config::{ApiKey, Config};
use crate::error::{Error, seconds};
use crate::http::{HttpRequest, HttpResponse};
use crate::job::{self, Generation, Job, JobStatus, JobUpdate};
use crate::provider::Provider;
use crate::queue::{ConcurrencyLimit, Queue};
use crate::request::Request;
use crate::retry::{Resend, poll_may_repeat, retry_after_ms};
use crate::schedule::{
    self, Finished, JobContext, JobKind, ModelData, PollSchedule, ProgressSample, Schedule,
};
use crate::transport;
use crate::wire;

/// How long [`Client::wait`] waits for a job when the caller sets no deadline: 10 minutes.
pub const DEFAULT_WAIT_MS: u64 = 10 * 60 * 1000;

/// How often a look that joined a listing under way checks whether it has ended, ms.
const JOIN_CHECK_MS: u64 = 20;
/// How often a submit held in the queue checks whether its turn has come, ms.
const QUEUE_CHECK_MS: u64 = 50;

/// Where the account's limit of running jobs stands (`maxConcurrentJobs: "account"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AccountLimit {
    Unread,
    Reading,
    Read,
}

/// Options of one submit.
#[derive(Clone, Debug, Default)]
pub struct SubmitOptions {
    /// Reuse a key to make a repeated submit return the same job (Apiframe). Generated when unset.
    pub idempotency_key: Option<String>,
    pub signal: Option<AbortSignal>,
}

/// Options of one wait.
#[derive(Default)]
pub struct WaitOptions<'a> {
    pub signal: Option<AbortSignal>,
    /// Overall deadline, ms; [`DEFAULT_WAIT_MS`] when unset.
    pub timeout_ms: Option<u64>,
    /// Called with every change of status or progress.
    pub on_update: Option<&'a mut dyn FnMut(&JobUpdate)>,
}

/// Options of [`Client::generate`]: a submit's and a wait's together.
#[derive(Default)]
pub struct GenerateOptions<'a> {
    pub idempotency_key: Option<String>,
    pub signal: Option<AbortSignal>,
    pub timeout_ms: Option<u64>,
    /// Called first with the submitted job (so its id is never lost), then with every change.
    pub on_update: Option<&'a mut dyn FnMut(&JobUpdate)>,
}

/// A configured connection to one provider. Built from a checked [`Config`]; holds the key
/// (when there is one) and never shows it.
pub struct Client {
    config: Config,
    /// When to poll, learning from every job this client sees finish.
    schedule: RefCell<Schedule>,
    /// The jobs its waits are polling, looked at together through Apiframe's listing.
    batch: RefCell<Batch>,
    /// Submits held beyond the limit of running jobs, and the jobs running.
    queue: RefCell<Queue>,
    account_limit: Cell<AccountLimit>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .finish()
    }
}

const NOT_RESENT: &str = "It was not sent again: API in One has no idempotency key, so a second attempt could start a second paid job. Check your API in One dashboard before submitting again.";

impl Client {
    /// The client for these settings (see [`crate::ClientOptions::check`]).
    pub fn new(config: Config) -> Self {
        let schedule = Schedule::scaled(
            config.poll(),
            config.provider().capabilities().typical_duration_ms,
        );
        Client {
            batch: RefCell::new(Batch::new(
                config.provider() == Provider::Apiframe,
                config.poll().min_delay_ms,
                schedule.budget_interval_ms,
            )),
            schedule: RefCell::new(schedule),
            queue: RefCell::new(Queue::new(match config.max_concurrent_jobs() {
                Some(ConcurrencyLimit::Jobs(n)) => Some(n),
                _ => None,
            })),
            account_limit: Cell::new(AccountLimit::Unread),
            config,
        }
    }

    pub fn provider(&self) -> Provider {
        self.config.provider()
    }

    pub fn base_url(&self) -> &str {
        self.config.base_url()
    }

    /// The polling schedule in use, for ETA displays.
    pub fn poll_schedule(&self) -> PollSchedule {
        self.config.poll()
    }

    /// What this client has learned of job durations and progress, as plain data to keep
    /// between sessions.
    pub fn export_durations(&self) -> ModelData {
        self.schedule
            .try_borrow()
            .map(|s| s.model.export())
            .unwrap_or_default()
    }

    /// Adds durations learned earlier (from [`Client::export_durations`]) to this client's.
    pub fn import_durations(&self, data: &ModelData) {
        if let Ok(mut s) = self.schedule.try_borrow_mut() {
            s.model.import(data);
        }
    }

    /// Whether a submit sent now would wait in the client's queue (see `max_concurrent_jobs`),
    /// for an app that shows such a job as queued.
    pub fn submit_would_wait(&self) -> bool {
        self.queue
            .try_borrow()
            .is_ok_and(|q| q.holds_next(transport::now_ms()))
    }

    fn api_key(&self) -> Option<&str> {
        self.config.api_key().map(ApiKey::expose)
    }

    /// Adds the app's own headers to a request built by [`crate::wire`].
    fn with_app_headers(&self, mut http: HttpRequest) -> HttpRequest {
        http.headers.extend(self.config.headers().iter().cloned());
        http
    }

    /// Removes the key and the app's header values from every text of an error.
    fn redact(&self, mut error: Error) -> Error {
        for secret in self.config.secrets() {
            error = error.redacted(secret);
        }
        error
    }

    /// Validates and submits a request. Transient failures are retried; on Apiframe every
    /// attempt carries one `Idempotency-Key`, so a retried submit never makes a second job.
    ///
    /// With a limit of running jobs (`max_concurrent_jobs`), a submit beyond it first waits in
    /// the client's queue, in order, until a job of this client ends (see [`crate::queue`]).
    pub async fn submit(&self, request: &Request, options: SubmitOptions) -> Result<Job, Error> {
        self.submit_timed(request, options)
            .await
            .map(|(job, _)| job)
    }

    /// [`Client::submit`], also returning when it was first sent (after any wait in the
    /// queue): the job was made between then and the reply.
    async fn submit_timed(
        &self,
        request: &Request,
        options: SubmitOptions,
    ) -> Result<(Job, f64), Error> {
        request.validate(self.provider())?;
        let idempotency_key = if self.provider().capabilities().idempotency {
            let key = options
                .idempotency_key
                .unwrap_or_else(|| job::idempotency_key(transport::random_bytes()));
            job::check_idempotency_key(&key)?;
            Some(key)
        } else if options.idempotency_key.is_some() {
            return Err(Error::invalid(
                "idempotencyKey",
                format!(
                    "{} does not support idempotency keys: leave it unset",
                    self.provider().name()
                ),
            ));
        } else {
            None
        };
        let http = self.with_app_headers(wire::submit_request(
            self.provider(),
            self.base_url(),
            self.api_key(),
            request,
            idempotency_key.as_deref(),
        ));
        let resend = if idempotency_key.is_some() {
            Resend::Safe
        } else {
            Resend::OnlyIfRefused
        };
        let signal = options.signal.as_ref();
        let place = self.take_place(signal).await?;
        let sent_at = transport::now_ms();
        let mut resent = 0;
        let mut job = loop {
            let response = self.send(&http, resend, signal, None).await?;
            match wire::parse_submit(self.provider(), &response) {
                Ok(job) => break job,
                // The reply was lost in transit: resending with the same key returns the job
                // it made, without a second charge.
                Err(Error::Decode { .. })
                    if idempotency_key.is_some() && resent < self.config.retry().max_retries =>
                {
                    let delay = self.config.retry().backoff_ms(resent, transport::random());
                    transport::sleep(delay, signal).await?;
                    resent += 1;
                }
                Err(e) => {
                    let note = match &idempotency_key {
                        Some(key) if matches!(e, Error::Decode { .. }) => format!(
                            "The job may exist: submit again with idempotency key {} to get it without a second charge.",
                            crate::error::quoted(key)
                        ),
                        None if matches!(e, Error::Decode { .. }) => {
                            "The task may exist: check your API in One dashboard (or its task list) before submitting again.".into()
                        }
                        _ => String::new(),
                    };
                    return Err(self.redact(e.with_note(&note)));
                }
            }
        };
        job.idempotency_key = idempotency_key;
        if let Some(place) = place {
            place.submitted(&job.id);
        }
        Ok((job, sent_at))
    }

    /// Waits for this submit's turn in the queue; `None` when the client has no limit.
    async fn take_place(&self, signal: Option<&AbortSignal>) -> Result<Option<Place<'_>>, Error> {
        let Some(limit) = self.config.max_concurrent_jobs() else {
            return Ok(None);
        };
        if limit == ConcurrencyLimit::Account {
            self.read_account_limit(signal).await?;
        }
        let Ok(ticket) = self.queue.try_borrow_mut().map(|mut q| q.join()) else {
            return Ok(None);
        };
        let mut place = Place {
            queue: &self.queue,
            ticket,
            stage: Stage::Waiting,
        };
        loop {
            let now = transport::now_ms();
            if self
                .queue
                .try_borrow_mut()
                .is_ok_and(|mut q| q.try_start(ticket, now))
            {
                place.stage = Stage::Submitting;
                return Ok(Some(place));
            }
            transport::sleep(QUEUE_CHECK_MS, signal).await?;
        }
    }

    /// Reads the account's limit once (Apiframe's `GET /v2/me`); submits that come meanwhile
    /// wait for it. A server that does not answer it leaves submits unheld.
    async fn read_account_limit(&self, signal: Option<&AbortSignal>) -> Result<(), Error> {
        loop {
            match self.account_limit.get() {
                AccountLimit::Read => return Ok(()),
                AccountLimit::Reading => transport::sleep(QUEUE_CHECK_MS, signal).await?,
                AccountLimit::Unread => break,
            }
        }
        self.account_limit.set(AccountLimit::Reading);
        // Dropped or aborted before the answer, it leaves the reading to the next submit.
        let reading = Reading(&self.account_limit);
        let http = self.with_app_headers(wire::account_request(self.base_url(), self.api_key()));
        let outcome = self.send(&http, Resend::Safe, signal, None).await;
        if matches!(outcome, Err(Error::Aborted)) {
            return Err(Error::Aborted);
        }
        let limit = outcome.and_then(|r| wire::parse_account_limit(&r));
        if let (Ok(limit), Ok(mut queue)) = (limit, self.queue.try_borrow_mut()) {
            queue.set_limit(limit);
        }
        reading.done();
        Ok(())
    }

    /// One look at a job.
    pub async fn status(
        &self,
        job_id: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<JobUpdate, Error> {
        job::check_job_id(job_id)?;
        let http = self.with_app_headers(wire::status_request(
            self.provider(),
            self.base_url(),
            self.api_key(),
            job_id,
        ));
        let response = self.send(&http, Resend::Safe, signal, None).await?;
        let update =
            wire::parse_status(self.provider(), &response, job_id).map_err(|e| self.redact(e))?;
        if update.status.is_finished()
            && let Ok(mut queue) = self.queue.try_borrow_mut()
        {
            queue.ended(job_id);
        }
        Ok(update)
    }

    /// Polls a job until it completes or fails, on the learned [`Schedule`]. Stops with `Aborted`
    /// when the signal fires (or the future is dropped) and with `Timeout` at the deadline; the
    /// job itself goes on and can be waited for again.
    ///
    /// A poll is safe to repeat: an unreadable reply, a 5xx, a 429, a timeout or a dropped
    /// connection is tried again on the schedule, until [`RetryPolicy::max_poll_failures`] fail
    /// in a row; that error then says the job may still finish. A job whose reply says when it
    /// was created (Apiframe's `createdAt`) is scheduled by its real age, so a wait resumed
    /// after a reload does not start from scratch.
    ///
    /// Waits running together on one Apiframe client share their looks through the job listing
    /// (see [`crate::batch`]): 200 jobs cost two listing pages every three seconds, not a request per
    /// job per look. A server that refuses the listing gets per-job polls.
    ///
    /// [`RetryPolicy::max_poll_failures`]: crate::RetryPolicy::max_poll_failures
    pub async fn wait(&self, job_id: &str, options: WaitOptions<'_>) -> Result<Generation, Error> {
        self.poll_until_finished(job_id, options, JobKind::provider(self.provider()), None)
            .await
    }

    /// The polling loop of [`Client::wait`]. `sent_at`: when the submit that made the job was
    /// first sent, for a wait that began as the job was made (its ages are then real and its
    /// duration can be learned).
    async fn poll_until_finished(
        &self,
        job_id: &str,
        mut options: WaitOptions<'_>,
        kind: JobKind,
        sent_at: Option<f64>,
    ) -> Result<Generation, Error> {
        let just_submitted = sent_at.is_some();
        job::check_job_id(job_id)?;
        let signal = options.signal.as_ref();
        let timeout_ms = options.timeout_ms.unwrap_or(DEFAULT_WAIT_MS);
        let started = transport::now_ms();
        let deadline = started + timeout_ms as f64;
        let http = self.with_app_headers(wire::status_request(
            self.provider(),
            self.base_url(),
            self.api_key(),
            job_id,
        ));
        let mut last: Option<JobUpdate> = None;
        let mut samples: Vec<ProgressSample> = Vec::new();
        let mut last_poll_ms = 0u64;
        // Ages count from here: the wait's start, or (for a resumed wait) the job's creation.
        let mut origin: Option<f64> = None;
        let mut failures = 0u32;
        let watching = Watching::new(self, job_id, kind, started);
        if just_submitted {
            // The submit reply has just said "queued": the first look waits for the schedule,
            // or, when the waits share a listing, until the first such jobs could end.
            let own = self.poll_delay(kind, 0, &samples, Pace::Usual);
            let delay = self
                .batch
                .try_borrow()
                .map_or(own, |batch| {
                    batch.first_delay_ms(own, || {
                        self.schedule
                            .try_borrow()
                            .map_or(own, |s| s.earliest_end_ms(kind))
                    })
                })
                .min(timeout_ms.saturating_sub(1));
            transport::sleep(delay, signal).await?;
        }
        loop {
            let (update, seen_at) = match self.look(job_id, &http, signal, deadline).await {
                Ok(seen) => {
                    failures = 0;
                    seen
                }
                Err(Error::Timeout { .. }) if transport::now_ms() >= deadline => {
                    return Err(deadline_error(job_id, timeout_ms));
                }
                Err(error) if poll_may_repeat(&error) => {
                    failures += 1;
                    let most = self.config.retry().max_poll_failures;
                    if failures >= most {
                        return Err(error.with_note(&format!(
                            "Polling job {job_id} failed {failures} times in a row; the job may still finish: wait for it again with its id."
                        )));
                    }
                    let now = transport::now_ms();
                    if now >= deadline {
                        return Err(deadline_error(job_id, timeout_ms));
                    }
                    let age_ms = (now - origin.unwrap_or(started)).max(0.0) as u64;
                    let asked = match &error {
                        Error::RateLimited {
                            retry_after_ms: Some(ms),
                            ..
                        } => *ms,
                        _ => 0,
                    };
                    let delay = self
                        .poll_delay(kind, age_ms, &samples, Pace::AfterFailure)
                        .max(asked)
                        .min((deadline - now).ceil() as u64);
                    transport::sleep(delay, signal).await?;
                    continue;
                }
                Err(error) => return Err(error),
            };
            let origin = *origin.get_or_insert_with(|| {
                schedule::job_origin_ms(update.created_at, sent_at, started, transport::now_ms())
            });
            if last.as_ref() != Some(&update)
                && let Some(on_update) = options.on_update.as_mut()
            {
                on_update(&update);
            }
            match update.status {
                JobStatus::Completed => {
                    let age_ms = (seen_at - started).max(0.0) as u64;
                    self.learn(
                        &update,
                        (watching.ticket, kind),
                        just_submitted,
                        (last_poll_ms, age_ms),
                        &samples,
                    );
                    return Ok(Generation {
                        job_id: job_id.to_owned(),
                        provider: self.provider(),
                        images: update.images,
                        credit_cost: update.credit_cost,
                    });
                }
                JobStatus::Failed => {
                    return Err(self.redact(Error::JobFailed {
                        job_id: job_id.to_owned(),
                        reason: update.error.unwrap_or_else(|| {
                            format!("{} gave no reason", self.provider().name())
                        }),
                    }));
                }
                JobStatus::Queued | JobStatus::Processing => {}
            }
            let now = transport::now_ms();
            let elapsed = (seen_at - origin).max(0.0) as u64;
            if let Some(percent) = update.progress {
                samples.push(ProgressSample {
                    percent: f64::from(percent),
                    at_ms: elapsed,
                });
            }
            last_poll_ms = elapsed;
            last = Some(update);
            if now >= deadline {
                return Err(deadline_error(job_id, timeout_ms));
            }
            let delay = self
                .poll_delay(kind, elapsed, &samples, Pace::Usual)
                .min((deadline - now).ceil() as u64);
            transport::sleep(delay, signal).await?;
        }
    }

    /// Learns a completed job's duration: the provider's own `completedAt − createdAt` when it
    /// says both, else (for a job waited on since its submit) the most likely moment between
    /// the last two looks, `looks`: (last look before, look that saw it done), ms of age.
    fn learn(
        &self,
        update: &JobUpdate,
        (ticket, kind): (u64, JobKind),
        just_submitted: bool,
        looks: (u64, u64),
        samples: &[ProgressSample],
    ) {
        let Ok(mut schedule) = self.schedule.try_borrow_mut() else {
            return;
        };
        let (duration_ms, seen_by_ms) = match (update.created_at, update.completed_at) {
            (Some(created), Some(completed)) if completed >= created => {
                (completed - created, completed - created)
            }
            _ if just_submitted => {
                let last_look = JobContext {
                    kind,
                    age_ms: looks.0,
                    samples,
                };
                (schedule.finished_at_ms(&last_look, looks.1), looks.1)
            }
            _ => return,
        };
        let job = Finished {
            kind,
            duration_ms,
            seen_by_ms,
            samples,
        };
        schedule.finish(ticket, job, transport::now_ms());
    }

    /// One look at a job for its wait: from a listing shared with the client's other waits
    /// when there is one (see [`crate::batch`]), else alone. Returns the update and when it was
    /// seen.
    async fn look(
        &self,
        job_id: &str,
        alone: &HttpRequest,
        signal: Option<&AbortSignal>,
        deadline: f64,
    ) -> Result<(JobUpdate, f64), Error> {
        let mut joined = None;
        loop {
            let now = transport::now_ms();
            let look = self
                .batch
                .try_borrow()
                .map_or(Look::Alone, |batch| batch.look(job_id, now, joined));
            match look {
                Look::Alone => {
                    if let Ok(mut batch) = self.batch.try_borrow_mut() {
                        batch.spend();
                    }
                    let response = self
                        .send(alone, Resend::Safe, signal, Some(deadline))
                        .await?;
                    let update = wire::parse_status(self.provider(), &response, job_id)
                        .map_err(|e| self.redact(e))?;
                    return Ok((update, transport::now_ms()));
                }
                Look::Listed { update, seen_at_ms } => return Ok((update, seen_at_ms)),
                Look::Failed(error) => return Err(error),
                Look::Join { started_ms } => {
                    joined = Some(started_ms);
                    transport::sleep(JOIN_CHECK_MS, signal).await?;
                }
                Look::Lead => joined = Some(self.list(signal, deadline).await?),
            }
        }
    }

    /// Reads Apiframe's job listing, page by page, until every job waited on is seen, and
    /// leaves what it found (or the error) in the batch; returns when it started. Fails only
    /// when its own wait is aborted; the other waits then lead a listing of their own.
    async fn list(&self, signal: Option<&AbortSignal>, deadline: f64) -> Result<f64, Error> {
        let started = transport::now_ms();
        let leading = Leading::begin(&self.batch, started);
        let mut seen = IdMap::default();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        let outcome = loop {
            let http = self.with_app_headers(wire::list_request(
                self.base_url(),
                self.api_key(),
                cursor.as_deref(),
            ));
            if let Ok(mut batch) = self.batch.try_borrow_mut() {
                batch.spend();
            }
            let page = match self.send(&http, Resend::Safe, signal, Some(deadline)).await {
                Ok(response) => wire::parse_job_page(&response).map_err(|e| self.redact(e)),
                Err(Error::Aborted) => return Err(Error::Aborted),
                Err(error) => Err(error),
            };
            let page = match page {
                Ok(page) => page,
                Err(error) => break Err(error),
            };
            pages += 1;
            for job in page.jobs {
                seen.insert_new(&job.id.clone(), job);
            }
            let more = self
                .batch
                .try_borrow()
                .is_ok_and(|batch| batch.wants_page(pages, &seen));
            match page.next_cursor {
                Some(next) if more => cursor = Some(next),
                _ => break Ok(seen),
            }
        };
        leading.finish(started, outcome);
        Ok(started)
    }

    /// The wait before the next poll of a job of this kind and age: its own schedule's, or what
    /// the batch it is in decides ([`Batch::delay_ms`]).
    fn poll_delay(
        &self,
        kind: JobKind,
        age_ms: u64,
        samples: &[ProgressSample],
        pace: Pace,
    ) -> u64 {
        let own = || {
            let job = JobContext {
                kind,
                age_ms,
                samples,
            };
            self.schedule
                .try_borrow()
                .map_or(self.config.poll().min_delay_ms, |s| s.next_delay_ms(&job))
        };
        match self.batch.try_borrow() {
            Ok(batch) => batch.delay_ms(transport::now_ms(), pace == Pace::AfterFailure, own),
            Err(_) => own(),
        }
    }

    /// Submits, then waits. `on_update` first sees the submitted job, so its id is known even
    /// if the wait later fails.
    pub async fn generate(
        &self,
        request: &Request,
        options: GenerateOptions<'_>,
    ) -> Result<Generation, Error> {
        let GenerateOptions {
            idempotency_key,
            signal,
            timeout_ms,
            mut on_update,
        } = options;
        let (job, sent_at) = self
            .submit_timed(
                request,
                SubmitOptions {
                    idempotency_key,
                    signal: signal.clone(),
                },
            )
            .await?;
        if let Some(on_update) = on_update.as_mut() {
            on_update(&JobUpdate {
                id: job.id.clone(),
                status: job.status,
                progress: None,
                images: Vec::new(),
                error: None,
                credit_cost: None,
                created_at: None,
                completed_at: None,
            });
        }
        let kind = JobKind::of(self.provider(), request);
        let wait = WaitOptions {
            signal,
            timeout_ms,
            on_update,
        };
        self.poll_until_finished(&job.id, wait, kind, Some(sent_at))
            .await
    }

    /// Sends under the retry policy; returns the 2xx reply or the error to report.
    async fn send(
        &self,
        http: &HttpRequest,
        resend: Resend,
        signal: Option<&AbortSignal>,
        deadline: Option<f64>,
    ) -> Result<HttpResponse, Error> {
        let mut attempt = 0;
        loop {
            let (outcome, hint) =
                match transport::fetch(http, self.config.request_timeout_ms(), signal).await {
                    Ok(response) => {
                        // Read once, here, with the clock; the error and the retry share it.
                        let hint = retry_after_ms(&response, transport::now_ms());
                        (wire::check_status(self.provider(), response, hint), hint)
                    }
                    Err(error) => (Err(error), None),
                };
            let error = match outcome {
                Ok(response) => return Ok(response),
                Err(error) => self.redact(error),
            };
            let delay = self.config.retry().delay_before_retry(
                attempt,
                &error,
                resend,
                hint,
                transport::random(),
            );
            let Some(delay) = delay else {
                let refused = matches!(error, Error::RateLimited { .. });
                return Err(
                    if resend == Resend::OnlyIfRefused && error.is_transient() && !refused {
                        error.with_note(NOT_RESENT)
                    } else {
                        error
                    },
                );
            };
            if deadline.is_some_and(|d| transport::now_ms() + delay as f64 > d) {
                return Err(error);
            }
            transport::sleep(delay, signal).await?;
            attempt += 1;
        }
    }
}

/// How soon a wait looks again.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pace {
    Usual,
    /// The last look failed.
    AfterFailure,
}

/// A wait's place in the client's [`Batch`], given up when the wait ends however it ends. The
/// job counts as running meanwhile (also one this client did not submit, resumed after a
/// reload), and leaves the count when the wait ends: it ended, or its wait gave up on it (a
/// 429 on a later submit is waited out as any other).
struct Watching<'a> {
    client: &'a Client,
    job_id: &'a str,
    /// The job's place in the order the schedule learns durations in ([`Schedule::begin`]).
    ticket: u64,
}

impl<'a> Watching<'a> {
    fn new(client: &'a Client, job_id: &'a str, kind: JobKind, now_ms: f64) -> Self {
        if let Ok(mut batch) = client.batch.try_borrow_mut() {
            batch.watch(job_id, now_ms);
        }
        if let Ok(mut queue) = client.queue.try_borrow_mut() {
            queue.waiting_on(job_id, now_ms);
        }
        let ticket = client
            .schedule
            .try_borrow_mut()
            .map_or(u64::MAX, |mut s| s.begin(kind, now_ms));
        Watching {
            client,
            job_id,
            ticket,
        }
    }
}

impl Drop for Watching<'_> {
    fn drop(&mut self) {
        if let Ok(mut schedule) = self.client.schedule.try_borrow_mut() {
            schedule.end(self.ticket, transport::now_ms());
        }
        if let Ok(mut batch) = self.client.batch.try_borrow_mut() {
            batch.unwatch(self.job_id, transport::now_ms());
        }
        if let Ok(mut queue) = self.client.queue.try_borrow_mut() {
            queue.ended(self.job_id);
        }
    }
}

/// The read of the account's limit under way: dropped unfinished (its submit aborted, or its
/// future dropped), the next submit reads it instead of waiting for it forever.
struct Reading<'a>(&'a Cell<AccountLimit>);

impl Reading<'_> {
    /// The limit is read (or cannot be): no submit reads it again.
    fn done(self) {
        self.0.set(AccountLimit::Read);
        std::mem::forget(self);
    }
}

impl Drop for Reading<'_> {
    fn drop(&mut self) {
        self.0.set(AccountLimit::Unread);
    }
}

/// A submit's ticket in the client's [`Queue`]: dropped while waiting, it leaves the queue;
/// dropped after its turn came but before a job was made, it frees its place.
struct Place<'a> {
    queue: &'a RefCell<Queue>,
    ticket: u64,
    stage: Stage,
}

/// Where a [`Place`] is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stage {
    Waiting,
    Submitting,
    /// Its job is made and counted as running.
    Submitted,
}

impl Place<'_> {
    fn submitted(mut self, job_id: &str) {
        if let Ok(mut queue) = self.queue.try_borrow_mut() {
            queue.submitted(Some(job_id), transport::now_ms());
        }
        self.stage = Stage::Submitted;
    }
}

impl Drop for Place<'_> {
    fn drop(&mut self) {
        let Ok(mut queue) = self.queue.try_borrow_mut() else {
            return;
        };
        match self.stage {
            Stage::Waiting => queue.leave(self.ticket),
            Stage::Submitting => queue.submitted(None, transport::now_ms()),
            Stage::Submitted => {}
        }
    }
}

/// A listing under way; dropped unfinished (its wait aborted), it lets the next look lead.
struct Leading<'a> {
    batch: Option<&'a RefCell<Batch>>,
}

impl<'a> Leading<'a> {
    fn begin(batch: &'a RefCell<Batch>, now_ms: f64) -> Self {
        if let Ok(mut b) = batch.try_borrow_mut() {
            b.begin(now_ms);
        }
        Leading { batch: Some(batch) }
    }

    fn finish(mut self, started_ms: f64, outcome: Result<IdMap<JobUpdate>, Error>) {
        if let Some(Ok(mut batch)) = self.batch.take().map(RefCell::try_borrow_mut) {
            batch.finish(started_ms, outcome);
        }
    }
}

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        if let Some(Ok(mut batch)) = self.batch.map(RefCell::try_borrow_mut) {
            batch.abandon();
        }
    }
}

fn deadline_error(job_id: &str, timeout_ms: u64) -> Error {
    Error::Timeout {
        message: format!(
            "job {job_id} did not finish within {}; it may still complete: wait for it again with its id",
            seconds(timeout_ms)
        ),
        job_id: Some(job_id.to_owned()),
    }
}
