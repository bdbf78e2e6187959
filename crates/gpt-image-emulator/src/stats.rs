//! Request statistics served at `/_emulator/stats`, counted per API key.
//!
//! Pure bookkeeping: the provider modules record submits, created jobs, prevented duplicates,
//! submits refused for too many running jobs, status requests (per job), listings, account
//! requests and the faults that fired; [`Stats::report`] sums them for one key or for all.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use crate::faults::Plan;

#[derive(Debug, Default)]
struct KeyStats {
    submits_received: u64,
    jobs_created: u64,
    duplicates_prevented: u64,
    concurrency_refused: u64,
    polls: BTreeMap<String, u64>,
    list_requests: u64,
    account_requests: u64,
    faults_fired: BTreeMap<String, u64>,
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

    /// A submit was refused with a 429 because too many of the key's jobs were running.
    pub fn concurrency_refused(&mut self, api_key: &str) {
        self.key(api_key).concurrency_refused += 1;
    }

    /// A job listing (`GET /v2/jobs`) arrived.
    pub fn listed(&mut self, api_key: &str) {
        self.key(api_key).list_requests += 1;
    }

    /// An account request (`GET /v2/me`) arrived.
    pub fn account_requested(&mut self, api_key: &str) {
        self.key(api_key).account_requests += 1;
    }

    /// Counts the faults of `plan` that fired: the reply-deciding one by its name (`503`,
    /// `drop-after`, …), and `slow`, `fail`, `alt-shape` when they apply.
    pub fn faults_fired(&mut self, api_key: &str, plan: &Plan) {
        let names = plan
            .reply
            .map(|fault| fault.name())
            .into_iter()
            .chain((plan.delay_ms > 0).then(|| "slow".to_string()))
            .chain(plan.fail.then(|| "fail".to_string()))
            .chain(plan.alt_shape.then(|| "alt-shape".to_string()));
        let fired = &mut self.key(api_key).faults_fired;
        for name in names {
            *fired.entry(name).or_insert(0) += 1;
        }
    }

    /// A status request for `job_id` arrived.
    pub fn polled(&mut self, api_key: &str, job_id: &str) {
        *self
            .key(api_key)
            .polls
            .entry(job_id.to_string())
            .or_insert(0) += 1;
    }

    /// `{submits_received, jobs_created, duplicates_prevented, concurrency_refused,
    /// polls: {job id: n}, polls_total, list_requests, account_requests, faults_fired: {name: n}}`
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
            total.concurrency_refused += stats.concurrency_refused;
            total.list_requests += stats.list_requests;
            total.account_requests += stats.account_requests;
            for (job, n) in &stats.polls {
                *total.polls.entry(job.clone()).or_insert(0) += n;
            }
            for (fault, n) in &stats.faults_fired {
                *total.faults_fired.entry(fault.clone()).or_insert(0) += n;
            }
        }
        let polls_total: u64 = total.polls.values().sum();
        json!({
            "submits_received": total.submits_received,
            "jobs_created": total.jobs_created,
            "duplicates_prevented": total.duplicates_prevented,
            "concurrency_refused": total.concurrency_refused,
            "polls": total.polls,
            "polls_total": polls_total,
            "list_requests": total.list_requests,
            "account_requests": total.account_requests,
            "faults_fired": total.faults_fired,
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
        stats.listed("a");
        stats.account_requested("a");
        stats.concurrency_refused("a");
        stats.faults_fired(
            "a",
            &Plan {
                delay_ms: 10,
                reply: Some(crate::faults::Fault::Status(503)),
                fail: false,
                alt_shape: false,
            },
        );
        stats.faults_fired("a", &Plan::default());
        assert_eq!(
            stats.report(Some("a")),
            json!({
                "submits_received": 2, "jobs_created": 1, "duplicates_prevented": 1,
                "concurrency_refused": 1, "polls": {"job1": 2}, "polls_total": 2,
                "list_requests": 1, "account_requests": 1, "faults_fired": {"503": 1, "slow": 1}
            })
        );
        assert_eq!(stats.report(None)["submits_received"], 3);
        assert_eq!(stats.report(None)["polls_total"], 3);
        assert_eq!(stats.report(Some("nobody"))["polls"], json!({}));
    }
}
