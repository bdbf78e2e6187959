//! Jobs as the caller sees them: submitted, updated while they run, and their results; and
//! the identifiers that name them (job ids, idempotency keys), with their checks.
//!
//! Plain data. May use `error` and `provider`; may not touch the network, the clock or `wire`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, quoted};
use crate::provider::Provider;

/// Where a job is in its life. Every provider's spelling maps onto these four.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    Queued,
    Processing,
    Completed,
    Failed,
}

impl JobStatus {
    /// Whether the job will not change any more.
    pub fn is_finished(self) -> bool {
        matches!(self, JobStatus::Completed | JobStatus::Failed)
    }

    /// Reads any documented or plausible spelling, in any case.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        Some(match s.as_str() {
            "queued" | "pending" | "waiting" | "submitted" | "created" => JobStatus::Queued,
            "processing" | "in_progress" | "running" | "generating" | "started" => {
                JobStatus::Processing
            }
            "completed" | "complete" | "succeeded" | "success" | "done" => JobStatus::Completed,
            "failed" | "failure" | "error" | "cancelled" | "canceled" => JobStatus::Failed,
            _ => return None,
        })
    }
}

/// A submitted job: enough to poll it, now or after a reload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Job {
    pub id: String,
    pub provider: Provider,
    pub status: JobStatus,
    /// The key every attempt of this submit carried (Apiframe), to resubmit without duplicates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// One look at a running job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobUpdate {
    pub id: String,
    pub status: JobStatus,
    /// 0–100 when the provider reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<u8>,
    /// Result URLs, once completed.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub images: Vec<Image>,
    /// The provider's reason, once failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Credits charged, when the provider says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_cost: Option<f64>,
    /// When the provider created the job, ms since the Unix epoch, when it says (Apiframe's
    /// `createdAt`). A wait resumed after a reload schedules its polls by this real age.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub created_at: Option<u64>,
    /// When the job ended, ms since the Unix epoch, when the provider says (Apiframe's
    /// `completedAt`). With `created_at`, the job's true duration on the provider's own clock,
    /// which is what the polling schedule learns from.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub completed_at: Option<u64>,
}

/// The images a completed job made.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Generation {
    pub job_id: String,
    pub provider: Provider,
    pub images: Vec<Image>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credit_cost: Option<f64>,
}

/// One result image. Provider URLs expire: fetch and keep the bytes if they matter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    pub url: String,
}

/// A job id goes into a URL path: allow only the characters ids are made of. Errors name field
/// `jobId`.
pub fn check_job_id(id: &str) -> Result<(), Error> {
    let ok = !id.is_empty()
        && id.len() <= 200
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'))
        && id != "."
        && id != "..";
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "jobId",
            format!(
                "{} is not a job id: expected letters, digits, '-', '_', '.' or ':'",
                quoted(id)
            ),
        ))
    }
}

/// Formats 16 random bytes as a UUID v4, the usual shape of an `Idempotency-Key` (and of any
/// other opaque id).
pub fn idempotency_key(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    // Written digit by digit: no hex formatting and no string slicing in the wasm.
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut key = String::with_capacity(36);
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            key.push('-');
        }
        key.push(char::from(HEX[usize::from(b >> 4)]));
        key.push(char::from(HEX[usize::from(b & 15)]));
    }
    key
}

/// A caller's `Idempotency-Key` must be a plain header value of sane length. Errors name field
/// `idempotencyKey`.
pub fn check_idempotency_key(key: &str) -> Result<(), Error> {
    if !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(Error::invalid(
            "idempotencyKey",
            "must be 1–255 visible ASCII characters (a UUID is typical)",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn job_ids_are_url_safe() {
        for bad in ["", "a/b", "..", ".", "a b", "a?b", "a#b", "é"] {
            assert!(check_job_id(bad).is_err(), "{bad}");
        }
        check_job_id("n42xxxx_gptimg").unwrap();
        check_job_id("task_1:2.3-4").unwrap();
        assert!(check_job_id(&"a".repeat(201)).is_err());
    }

    #[test]
    fn idempotency_keys_are_uuid_v4_and_checked() {
        let key = idempotency_key([0xff; 16]);
        assert_eq!(key, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        check_idempotency_key(&key).unwrap();
        assert_ne!(idempotency_key([1; 16]), idempotency_key([2; 16]));
        for bad in ["", "a b", "é", &"k".repeat(256)] {
            assert!(check_idempotency_key(bad).is_err(), "{bad}");
        }
    }
}
