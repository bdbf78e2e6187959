//! The job store and a job's lifecycle.
//!
//! A job's status and progress are a pure function of the time since it was created, its
//! duration and whether it fails ([`lifecycle`]); nothing ticks in the background. The store
//! keeps jobs of both providers, their owners (API keys) and Apiframe idempotency keys. No I/O.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use image::RgbaImage;

use crate::images::{Aspect, Format};
use crate::timing::Progress;

/// Which provider's API created a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// Apiframe v2 (`X-API-Key: afk_…`).
    Apiframe,
    /// API in One (`Authorization: Bearer aio_…`).
    ApiInOne,
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Accepted, not started.
    Queued,
    /// Being generated.
    Processing,
    /// Done; images can be fetched.
    Completed,
    /// Ended without images.
    Failed,
}

/// Reasons given to jobs that fail under `--fail-rate`.
pub const FAILURE_REASONS: [&str; 4] = [
    "The prompt was rejected by the safety system.",
    "The image was blocked by the moderation filter.",
    "The model timed out while generating the image. Please try again.",
    "The upstream model service returned an error. Please try again.",
];

/// Reason given to jobs failed by the `fail` fault.
pub const INJECTED_FAILURE: &str = "Injected failure: the model could not complete this image.";

/// Share of a job's duration spent queued before processing starts.
const QUEUED_SHARE: f64 = 0.1;
/// Share of a job's duration after which a failing job fails.
const FAILS_AT_SHARE: f64 = 0.6;

/// How long after creation a job ends (completes, or fails part-way).
pub fn ends_after(duration: Duration, fails: bool) -> Duration {
    if fails {
        duration.mul_f64(FAILS_AT_SHARE)
    } else {
        duration
    }
}

/// Phase and progress (0–100) of a job `elapsed` after creation.
///
/// Queued for the first tenth of the duration at progress 0; then processing with progress
/// rising as `progress` says (linear: from 1 to 99); then completed at 100 once the duration is
/// over. A failing job fails at 60 % of its duration and keeps the progress it had reached.
pub fn lifecycle(
    elapsed: Duration,
    duration: Duration,
    fails: bool,
    progress: Progress,
) -> (Phase, u8) {
    let share_at = |at: Duration| -> f64 {
        if duration.is_zero() {
            1.0
        } else {
            at.as_secs_f64() / duration.as_secs_f64()
        }
    };
    let end = ends_after(duration, fails);
    if elapsed >= end {
        return if fails {
            (Phase::Failed, progress.at(share_at(end), QUEUED_SHARE))
        } else {
            (Phase::Completed, 100)
        };
    }
    let share = share_at(elapsed);
    if share < QUEUED_SHARE {
        (Phase::Queued, 0)
    } else {
        (Phase::Processing, progress.at(share, QUEUED_SHARE))
    }
}

/// Background handling requested for the images.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Background {
    /// The model decides (rendered opaque).
    Auto,
    /// Always opaque.
    Opaque,
    /// Transparent margin around the subject (PNG and WebP only).
    Transparent,
}

/// What to draw: everything that decides a job's images.
#[derive(Debug, Clone)]
pub struct Artwork {
    /// The prompt; with the image index it seeds the pattern.
    pub prompt: String,
    /// Frame shape.
    pub aspect: Aspect,
    /// Background handling.
    pub background: Background,
    /// Number of images.
    pub count: u32,
    /// Format of the URLs given in results.
    pub format: Format,
    /// `input_fidelity: high`: keep more of the input image.
    pub high_fidelity: bool,
    /// Decoded input images (the first one is drawn under the pattern).
    pub inputs: Vec<Arc<RgbaImage>>,
}

/// Where and how to send Apiframe webhooks for a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Target URL.
    pub url: String,
    /// Subscribed events: `progress`, `completed`, `failed`.
    pub events: Vec<String>,
}

/// One image-generation job.
#[derive(Debug, Clone)]
pub struct Job {
    /// Job id (a UUID for Apiframe, `task_…` for API in One).
    pub id: String,
    /// Creation order, used as the listing cursor.
    pub seq: u64,
    /// Provider whose API created it.
    pub provider: Provider,
    /// API key that owns it.
    pub api_key: String,
    /// Model id as the provider spells it.
    pub model: &'static str,
    /// What to draw.
    pub artwork: Artwork,
    /// Credits charged if it completes.
    pub credits: u32,
    /// Monotonic creation time.
    pub created: Instant,
    /// Wall-clock creation time.
    pub created_at: SystemTime,
    /// Time from creation to completion.
    pub duration: Duration,
    /// Reason it fails, if it does.
    pub failure: Option<String>,
    /// How its progress rises (`--progress`).
    pub progress: Progress,
    /// Apiframe webhook settings.
    pub webhook: Option<Webhook>,
    /// A webhook delivery got a 2xx answer.
    pub webhook_sent: bool,
    /// `Host` header of the submit, for URLs in webhook payloads.
    pub submit_host: String,
}

impl Job {
    /// Phase and progress at `now`.
    pub fn state_at(&self, now: Instant) -> (Phase, u8) {
        lifecycle(
            now.saturating_duration_since(self.created),
            self.duration,
            self.failure.is_some(),
            self.progress,
        )
    }

    /// Whether its status bodies carry a `progress` field (not with `--progress none`).
    pub fn reports_progress(&self) -> bool {
        self.progress != Progress::None
    }

    /// Wall-clock time at which the job ends.
    pub fn ends_at(&self) -> SystemTime {
        self.created_at + ends_after(self.duration, self.failure.is_some())
    }

    /// Credits charged as of `phase`: nothing once failed.
    pub fn credits_in(&self, phase: Phase) -> u32 {
        if phase == Phase::Failed {
            0
        } else {
            self.credits
        }
    }
}

/// All jobs, with their owners and idempotency keys.
#[derive(Debug, Default)]
pub struct JobStore {
    jobs: HashMap<String, Job>,
    order: Vec<String>,
    idempotency: HashMap<(String, String), String>,
    next_seq: u64,
}

impl JobStore {
    /// Sequence number the next job will get.
    pub fn next_seq(&mut self) -> u64 {
        self.next_seq += 1;
        self.next_seq
    }

    /// Stores a job, remembering `idempotency_key` (scoped to the job's API key) if given.
    pub fn insert(&mut self, job: Job, idempotency_key: Option<&str>) {
        if let Some(key) = idempotency_key {
            self.idempotency
                .insert((job.api_key.clone(), key.to_string()), job.id.clone());
        }
        self.order.push(job.id.clone());
        self.jobs.insert(job.id.clone(), job);
    }

    /// Job already created for this (API key, idempotency key), if any.
    pub fn by_idempotency_key(&self, api_key: &str, key: &str) -> Option<&Job> {
        self.idempotency
            .get(&(api_key.to_string(), key.to_string()))
            .and_then(|id| self.jobs.get(id))
    }

    /// Any job by id, whoever owns it.
    pub fn get(&self, id: &str) -> Option<&Job> {
        self.jobs.get(id)
    }

    /// A job by id if `api_key` owns it.
    pub fn owned(&self, id: &str, api_key: &str) -> Option<&Job> {
        self.jobs.get(id).filter(|job| job.api_key == api_key)
    }

    /// Mutable access to a job by id.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Job> {
        self.jobs.get_mut(id)
    }

    /// Jobs of one provider owned by `api_key`, newest first.
    pub fn newest_first<'a>(
        &'a self,
        provider: Provider,
        api_key: &'a str,
    ) -> impl Iterator<Item = &'a Job> + 'a {
        self.order
            .iter()
            .rev()
            .filter_map(|id| self.jobs.get(id))
            .filter(move |job| job.provider == provider && job.api_key == api_key)
    }
}

/// Seconds since the Unix epoch.
pub fn unix_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// RFC 3339 UTC timestamp with milliseconds, e.g. `2026-03-01T12:00:00.000Z`.
pub fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn queued_then_processing_then_completed() {
        let d = secs(10.0);
        assert_eq!(
            lifecycle(secs(0.0), d, false, Progress::Linear),
            (Phase::Queued, 0)
        );
        assert_eq!(
            lifecycle(secs(0.99), d, false, Progress::Linear),
            (Phase::Queued, 0)
        );
        assert_eq!(
            lifecycle(secs(1.0), d, false, Progress::Linear),
            (Phase::Processing, 1)
        );
        let (phase, mid) = lifecycle(secs(5.5), d, false, Progress::Linear);
        assert_eq!(phase, Phase::Processing);
        assert!((45..=55).contains(&mid), "{mid}");
        assert!(lifecycle(secs(9.99), d, false, Progress::Linear).1 >= 98);
        assert_eq!(
            lifecycle(secs(10.0), d, false, Progress::Linear),
            (Phase::Completed, 100)
        );
        assert_eq!(
            lifecycle(secs(100.0), d, false, Progress::Linear),
            (Phase::Completed, 100)
        );
    }

    #[test]
    fn progress_never_decreases() {
        let d = secs(15.0);
        let mut last = 0;
        for step in 0..200 {
            let (_, p) = lifecycle(secs(step as f64 * 0.1), d, false, Progress::Linear);
            assert!(p >= last);
            last = p;
        }
        assert_eq!(last, 100);
    }

    #[test]
    fn failing_job_fails_part_way_and_keeps_its_progress() {
        let d = secs(10.0);
        assert_eq!(
            lifecycle(secs(5.9), d, true, Progress::Linear).0,
            Phase::Processing
        );
        let (phase, progress) = lifecycle(secs(6.0), d, true, Progress::Linear);
        assert_eq!(phase, Phase::Failed);
        assert!((50..99).contains(&progress), "{progress}");
        assert_eq!(
            lifecycle(secs(60.0), d, true, Progress::Linear),
            (Phase::Failed, progress)
        );
    }

    #[test]
    fn zero_duration_completes_at_once() {
        assert_eq!(
            lifecycle(Duration::ZERO, Duration::ZERO, false, Progress::Linear),
            (Phase::Completed, 100)
        );
    }

    #[test]
    fn formats_rfc3339() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_772_366_400_123); // 2026-03-01T12:00:00.123Z
        assert_eq!(rfc3339(t), "2026-03-01T12:00:00.123Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(rfc3339(leap), "2000-02-29T00:00:00.000Z");
    }
}
