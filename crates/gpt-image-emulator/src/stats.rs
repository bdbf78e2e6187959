//! Request statistics served at `/_emulator/stats`, counted per API key.
//!
//! Pure bookkeeping: the provider modules record submits, created jobs, prevented duplicates and
//! polls; [`Stats::report`] sums them for one key or for all.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

#[derive(Debug, Default)]
struct KeyStats {
    submits_received: u64,
    jobs_created: u64,
    duplicates_prevented: u64,
    polls: BTreeMap<String, u64>,
}

/// Counters for every API key seen.
#[derive(Debug, Default)]
pub struct Stats {
    per_key: HashMap<String, KeyStats>,
}

impl Stats {
    fn key(&mut self, api_key: &str) -> &mut KeyStats {
        self.per_key.entry(api_key.to_string()).or_default()
    }

    /// A submit arrived (counted even if a fault or an error answered it).
    pub fn submit_received(&mut self, api_key: &str) {
        self.key(api_key).submits_received += 1;
    }

    /// A submit created a job.
    pub fn job_created(&mut self, api_key: &str) {
        self.key(api_key).jobs_created += 1;
    }

    /// A submit repeated an idempotency key and got the existing job.
    pub fn duplicate_prevented(&mut self, api_key: &str) {
        self.key(api_key).duplicates_prevented += 1;
    }

    /// A status request for `job_id` arrived.
    pub fn polled(&mut self, api_key: &str, job_id: &str) {
        *self
            .key(api_key)
            .polls
            .entry(job_id.to_string())
            .or_insert(0) += 1;
    }

    /// `{submits_received, jobs_created, duplicates_prevented, polls: {job id: n}, polls_total}`
    /// for one key, or summed over all keys.
    pub fn report(&self, api_key: Option<&str>) -> Value {
        let mut total = KeyStats::default();
        for (key, stats) in &self.per_key {
            if api_key.is_some_and(|wanted| wanted != key) {
                continue;
            }
            total.submits_received += stats.submits_received;
            total.jobs_created += stats.jobs_created;
            total.duplicates_prevented += stats.duplicates_prevented;
            for (job, n) in &stats.polls {
                *total.polls.entry(job.clone()).or_insert(0) += n;
            }
        }
        let polls_total: u64 = total.polls.values().sum();
        json!({
            "submits_received": total.submits_received,
            "jobs_created": total.jobs_created,
            "duplicates_prevented": total.duplicates_prevented,
            "polls": total.polls,
            "polls_total": polls_total,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_and_total() {
        let mut stats = Stats::default();
        stats.submit_received("a");
        stats.submit_received("a");
        stats.job_created("a");
        stats.duplicate_prevented("a");
        stats.polled("a", "job1");
        stats.polled("a", "job1");
        stats.submit_received("b");
        stats.polled("b", "job2");
        assert_eq!(
            stats.report(Some("a")),
            json!({"submits_received": 2, "jobs_created": 1, "duplicates_prevented": 1, "polls": {"job1": 2}, "polls_total": 2})
        );
        assert_eq!(stats.report(None)["submits_received"], 3);
        assert_eq!(stats.report(None)["polls_total"], 3);
        assert_eq!(stats.report(Some("nobody"))["polls"], json!({}));
    }
}
