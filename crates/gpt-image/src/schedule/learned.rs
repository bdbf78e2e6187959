//! How long jobs take, learned from finished jobs, in memory.
//!
//! Per kind of job (provider, quality, number of images, edit or not) it keeps the weighted
//! mean and variance of `ln(duration)`, forgetting old jobs once about [`MEMORY`] are kept, and
//! per provider what each progress value has meant ([`super::progress`]). A kind seen rarely
//! leans on its provider's other kinds, and a provider seen never on its typical duration.
//! [`DurationModel::export`] and [`DurationModel::import`] turn it into plain data (serde), so a
//! caller can keep it between sessions. No clock, no I/O.

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::posterior::{Component, Prior};
use super::progress::{ProgressModel, ProgressStats};
use crate::options::Quality;
use crate::provider::Provider;
use crate::request::Request;

/// About how many recent jobs of one kind the model remembers.
pub const MEMORY: f64 = 200.0;

/// What a job's duration depends on. Unknown parts (`None`) match only jobs recorded with
/// the same parts unknown; every kind also feeds its provider's pooled figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct JobKind {
    pub provider: Provider,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Quality>,
    /// Number of images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u8>,
    /// Whether the request has reference images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edit: Option<bool>,
}

impl JobKind {
    /// A job of which only the provider is known (e.g. waited for by id alone).
    pub fn provider(provider: Provider) -> Self {
        JobKind {
            provider,
            quality: None,
            n: None,
            edit: None,
        }
    }

    /// The kind of job a request makes.
    pub fn of(provider: Provider, request: &Request) -> Self {
        JobKind {
            provider,
            quality: request.quality,
            n: Some(request.n.unwrap_or(1)),
            edit: Some(!request.input_images.is_empty()),
        }
    }
}

/// Learned durations of one kind of job: weighted figures of `ln(duration ms)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DurationStats {
    pub kind: JobKind,
    /// How many jobs the figures stand for (older ones count less).
    pub weight: f64,
    /// Mean of `ln(duration in ms)`.
    pub mean_ln_ms: f64,
    /// Variance of `ln(duration in ms)`.
    pub var_ln_ms: f64,
}

impl DurationStats {
    fn valid(&self) -> bool {
        self.weight.is_finite()
            && self.weight > 0.0
            && self.mean_ln_ms.is_finite()
            && self.var_ln_ms.is_finite()
            && self.var_ln_ms >= 0.0
    }
}

/// Weighted mean and variance, combinable.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Moments {
    weight: f64,
    mean: f64,
    var: f64,
}

impl Moments {
    fn combine(self, other: Moments) -> Moments {
        let weight = self.weight + other.weight;
        if weight <= 0.0 {
            return self;
        }
        let mean = (self.weight * self.mean + other.weight * other.mean) / weight;
        let spread = |m: Moments| m.weight * (m.var + (m.mean - mean).powi(2));
        Moments {
            weight,
            mean,
            var: (spread(self) + spread(other)) / weight,
        }
    }

    fn with_weight(self, weight: f64) -> Moments {
        Moments { weight, ..self }
    }
}

/// Everything a [`DurationModel`] has learned, as plain data.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ModelData {
    pub durations: Vec<DurationStats>,
    pub progress: Vec<ProgressStats>,
}

impl ModelData {
    /// Reads what [`DurationModel::export`] gave, kept as JSON (in `localStorage`, a file, a
    /// database) and parsed back into a [`serde_json::Value`]; `None` when it is anything else.
    ///
    /// Read field by field rather than through serde's derive: a typed serde reader links
    /// Rust's float formatting (for its error texts) into a wasm, about 6 KB gzipped.
    pub fn from_value(value: &Value) -> Option<ModelData> {
        let list = |key: &str| match value.get(key) {
            None | Some(Value::Null) => Some(Vec::new()),
            Some(Value::Array(items)) => Some(items.iter().collect::<Vec<_>>()),
            Some(_) => None,
        };
        let durations = list("durations")?
            .into_iter()
            .map(|item| {
                Some(DurationStats {
                    kind: job_kind(item.get("kind")?)?,
                    weight: item.get("weight")?.as_f64()?,
                    mean_ln_ms: item.get("meanLnMs")?.as_f64()?,
                    var_ln_ms: item.get("varLnMs")?.as_f64()?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        let progress = list("progress")?
            .into_iter()
            .map(|item| {
                Some(ProgressStats {
                    provider: provider(item.get("provider")?)?,
                    percent: u8::try_from(item.get("percent")?.as_u64()?).ok()?,
                    seen: u32::try_from(item.get("seen")?.as_u64()?).ok()?,
                    min_share: item.get("minShare")?.as_f64()?,
                    max_share: item.get("maxShare")?.as_f64()?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(ModelData {
            durations,
            progress,
        })
    }
}

fn provider(value: &Value) -> Option<Provider> {
    Provider::from_str(value.as_str()?).ok()
}

/// `{provider, quality?, n?, edit?}`; an absent or null part is unknown.
fn job_kind(value: &Value) -> Option<JobKind> {
    let part = |key: &str| value.get(key).filter(|v| !v.is_null());
    Some(JobKind {
        provider: provider(value.get("provider")?)?,
        quality: match part("quality") {
            None => None,
            Some(q) => Some(Quality::parse(q.as_str()?)?),
        },
        n: match part("n") {
            None => None,
            Some(n) => Some(u8::try_from(n.as_u64()?).ok()?),
        },
        edit: match part("edit") {
            None => None,
            Some(edit) => Some(edit.as_bool()?),
        },
    })
}

/// Learned job durations and progress meanings; feeds [`super::Schedule`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DurationModel {
    kinds: Vec<DurationStats>,
    pub(crate) progress: ProgressModel,
}

/// How many jobs the typical duration counts as.
const DEFAULT_WEIGHT: f64 = 4.0;
/// How many jobs the provider's pooled figures count as for one kind.
const POOLED_WEIGHT: f64 = 3.0;

impl DurationModel {
    /// An empty model: every prediction starts from the provider's typical duration.
    pub fn new() -> Self {
        Self::default()
    }

    /// Learns that a job of this kind took `duration_ms` from submission to completion.
    pub fn record(&mut self, kind: JobKind, duration_ms: u64) {
        self.record_job(kind, duration_ms, &[]);
    }

    /// Learns from a finished job and the progress it showed on the way (`samples`).
    pub fn record_job(
        &mut self,
        kind: JobKind,
        duration_ms: u64,
        samples: &[super::ProgressSample],
    ) {
        self.record_duration(kind, duration_ms);
        self.record_progress(kind, duration_ms, samples);
    }

    /// Learns one duration alone.
    pub(crate) fn record_duration(&mut self, kind: JobKind, duration_ms: u64) {
        if duration_ms == 0 {
            return;
        }
        self.merge_duration(DurationStats {
            kind,
            weight: 1.0,
            mean_ln_ms: (duration_ms as f64).ln(),
            var_ln_ms: 0.0,
        });
    }

    /// Learns what the progress a finished job showed meant.
    pub(crate) fn record_progress(
        &mut self,
        kind: JobKind,
        duration_ms: u64,
        samples: &[super::ProgressSample],
    ) {
        if duration_ms == 0 {
            return;
        }
        let samples: Vec<(f64, f64)> = samples
            .iter()
            .map(|s| (s.at_ms as f64, s.percent))
            .collect();
        self.progress
            .record(kind.provider, duration_ms as f64, &samples);
    }

    fn merge_duration(&mut self, s: DurationStats) {
        if !s.valid() {
            return;
        }
        let new = Moments {
            weight: s.weight.min(MEMORY),
            mean: s.mean_ln_ms,
            var: s.var_ln_ms,
        };
        match self.kinds.iter_mut().find(|e| e.kind == s.kind) {
            Some(e) => {
                let old = Moments {
                    weight: e.weight.min(MEMORY - new.weight.min(MEMORY - 1.0)),
                    mean: e.mean_ln_ms,
                    var: e.var_ln_ms,
                };
                let m = old.combine(new);
                e.weight = m.weight;
                e.mean_ln_ms = m.mean;
                e.var_ln_ms = m.var;
            }
            None => self.kinds.push(DurationStats {
                weight: new.weight,
                ..s
            }),
        }
    }

    /// Everything learned, as plain data (for storage between sessions).
    pub fn export(&self) -> ModelData {
        let mut durations = self.kinds.clone();
        // By its parts, not its Debug text: `{:?}` would link string escaping into the wasm.
        super::sort_by_key(&mut durations, |s| {
            let k = s.kind;
            (k.provider.id(), k.quality.map(|q| q.as_str()), k.n, k.edit)
        });
        ModelData {
            durations,
            progress: self.progress.export(),
        }
    }

    /// Adds exported figures to what this model knows; malformed entries are skipped.
    pub fn import(&mut self, data: &ModelData) {
        for s in &data.durations {
            self.merge_duration(*s);
        }
        for s in &data.progress {
            self.progress.merge(*s);
        }
    }

    /// The distribution of a job's total duration, ms, before looking at its progress.
    pub(crate) fn prior(&self, kind: JobKind, typical_ms: u64) -> Prior {
        self.prior_with(kind, typical_ms, None)
    }

    /// [`DurationModel::prior`], also counting what the jobs of `kind` still held back from the
    /// model have shown (`cohort`, see [`super::order`]).
    pub(crate) fn prior_with(
        &self,
        kind: JobKind,
        typical_ms: u64,
        cohort: Option<&DurationStats>,
    ) -> Prior {
        let typical = (typical_ms.max(1) as f64).ln();
        let spread = kind.provider.capabilities().duration_spread;
        let mut pooled = Moments {
            weight: DEFAULT_WEIGHT,
            mean: typical,
            var: spread * spread,
        };
        for s in self
            .kinds
            .iter()
            .filter(|s| s.kind.provider == kind.provider)
        {
            pooled = pooled.combine(moments(s));
        }
        let own = self.kinds.iter().find(|s| s.kind == kind);
        let m = match own {
            Some(s) => pooled
                .with_weight(pooled.weight.min(POOLED_WEIGHT))
                .combine(moments(s)),
            None => pooled,
        };
        let m = match cohort {
            Some(c) if c.valid() => m.combine(moments(c)),
            _ => m,
        };
        // Predictive spread: the figures' own uncertainty on top of the jobs' spread.
        let sigma = (m.var.max(0.03 * 0.03) * (1.0 + 1.0 / m.weight)).sqrt();
        // A wide component keeps surprises (a slow day, a new kind) from starving the schedule.
        let wide = 0.02 + 0.5 / (m.weight + 2.0);
        Prior {
            components: vec![
                Component {
                    weight: 1.0 - wide,
                    mu: m.mean,
                    sigma,
                },
                Component {
                    weight: wide,
                    mu: m.mean,
                    sigma: (sigma * 2.5).max(0.8),
                },
            ],
        }
    }
}

fn moments(s: &DurationStats) -> Moments {
    Moments {
        weight: s.weight,
        mean: s.mean_ln_ms,
        var: s.var_ln_ms,
    }
}
