//! Jobs as the caller sees them: submitted, updated while they run, and their results.

use serde::{Deserialize, Serialize};

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
