//! How far a provider's progress figure can be trusted, learned from finished jobs.
//!
//! For every progress value (0–100) a provider reported, it keeps the range of the share of the
//! job's real duration that had elapsed when that value was seen. A value seen only at shares
//! 0.33–0.34 pins the duration down; a value seen anywhere between 0 and 0.5 (a figure that stays
//! flat, then jumps) says only that half the time has not passed. Values seen fewer than
//! [`MIN_SEEN`] times are not used at all. Pure data, no clock.

use serde::{Deserialize, Serialize};

use crate::provider::Provider;

/// How many finished jobs must have shown a progress value before it is used.
pub const MIN_SEEN: u32 = 3;

/// What one progress value has meant so far, for one provider.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProgressStats {
    pub provider: Provider,
    /// The progress value, 0–100.
    pub percent: u8,
    /// How many samples of finished jobs showed it.
    pub seen: u32,
    /// Smallest and largest share (0–1) of the job's duration elapsed when it was shown.
    pub min_share: f64,
    pub max_share: f64,
}

/// The learned meaning of progress values, per provider.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ProgressModel {
    stats: Vec<ProgressStats>,
}

impl ProgressModel {
    /// Learns from one finished job: `samples` are `(age ms, percent)` seen while it ran.
    pub fn record(&mut self, provider: Provider, duration_ms: f64, samples: &[(f64, f64)]) {
        if !(duration_ms.is_finite() && duration_ms > 0.0) {
            return;
        }
        for &(age, percent) in samples {
            let share = age / duration_ms;
            if !(share.is_finite() && share > 0.0 && share <= 1.0 && percent.is_finite()) {
                continue;
            }
            let percent = percent.round().clamp(0.0, 100.0) as u8;
            self.merge(ProgressStats {
                provider,
                percent,
                seen: 1,
                min_share: share,
                max_share: share,
            });
        }
    }

    /// Adds what another model learned (an import); ignores malformed entries.
    pub fn merge(&mut self, s: ProgressStats) {
        let valid = s.percent <= 100
            && s.seen > 0
            && s.min_share.is_finite()
            && s.max_share.is_finite()
            && 0.0 <= s.min_share
            && s.min_share <= s.max_share
            && s.max_share <= 1.0;
        if !valid {
            return;
        }
        match self
            .stats
            .iter_mut()
            .find(|e| e.provider == s.provider && e.percent == s.percent)
        {
            Some(e) => {
                e.seen = e.seen.saturating_add(s.seen);
                e.min_share = e.min_share.min(s.min_share);
                e.max_share = e.max_share.max(s.max_share);
            }
            None => self.stats.push(s),
        }
    }

    /// Everything learned, in a stable order.
    pub fn export(&self) -> Vec<ProgressStats> {
        let mut out = self.stats.clone();
        super::sort_by_key(&mut out, |s| (s.provider.id(), s.percent));
        out
    }

    /// The trusted share range of one progress value, widened by how little it has been seen.
    pub fn share_range(&self, provider: Provider, percent: f64) -> Option<(f64, f64)> {
        if !percent.is_finite() {
            return None;
        }
        let percent = percent.round().clamp(0.0, 100.0) as u8;
        let s = self
            .stats
            .iter()
            .find(|e| e.provider == provider && e.percent == percent && e.seen >= MIN_SEEN)?;
        // n samples of a range leave on average a gap of range / n at each end.
        let margin = (s.max_share - s.min_share) / f64::from(s.seen) + 0.001;
        Some((s.min_share - margin, s.max_share + margin))
    }

    /// The durations (ms) a sample `(age ms, percent)` is consistent with, if its value is trusted.
    pub fn support(&self, provider: Provider, age_ms: f64, percent: f64) -> Option<(f64, f64)> {
        if !(age_ms.is_finite() && age_ms > 0.0) {
            return None;
        }
        let (lo, hi) = self.share_range(provider, percent)?;
        let shortest = age_ms / hi.min(1.0);
        let longest = if lo > 0.0 { age_ms / lo } else { f64::INFINITY };
        Some((shortest, longest))
    }

    /// Whether any value of this provider is trusted yet.
    pub fn trusts(&self, provider: Provider) -> bool {
        self.stats
            .iter()
            .any(|e| e.provider == provider && e.seen >= MIN_SEEN)
    }
}
