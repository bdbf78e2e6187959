//! What is known of one job's total duration: a prior (a mixture of lognormals) reweighted by
//! piecewise-constant evidence, conditioned on the job still running at its current age.
//!
//! Plain arithmetic on `f64`: no clock, no allocation beyond a few small vectors, no panics.
//! Times are milliseconds of the job's age.

use std::f64::consts::{FRAC_1_SQRT_2, PI};

/// The complementary error function, to a fractional error below 1.2e-7 everywhere
/// (Numerical Recipes' Chebyshev fit), so no libm is needed on wasm32.
pub(crate) fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98
                                + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// One lognormal component: weight, mean and standard deviation of `ln(duration ms)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Component {
    pub weight: f64,
    pub mu: f64,
    pub sigma: f64,
}

/// A duration distribution: a small mixture of lognormals.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Prior {
    pub components: Vec<Component>,
}

impl Prior {
    /// P(duration > t).
    pub fn sf(&self, t: f64) -> f64 {
        if t.is_nan() || t <= 0.0 {
            return 1.0;
        }
        let l = t.ln();
        self.components
            .iter()
            .map(|c| c.weight * 0.5 * erfc((l - c.mu) / c.sigma * FRAC_1_SQRT_2))
            .sum()
    }

    /// Density of the duration at t, per ms.
    pub fn pdf(&self, t: f64) -> f64 {
        if t.is_nan() || t <= 0.0 || t.is_infinite() {
            return 0.0;
        }
        let l = t.ln();
        self.components
            .iter()
            .map(|c| {
                let z = (l - c.mu) / c.sigma;
                c.weight * (-0.5 * z * z).exp() / (c.sigma * t * (2.0 * PI).sqrt())
            })
            .sum()
    }

    /// The duration below which a share `q` of jobs finish.
    pub fn quantile(&self, q: f64) -> f64 {
        let target = 1.0 - q.clamp(0.0, 1.0);
        bisect_ln(1.0, 1e13, |t| self.sf(t) > target)
    }

    /// Conditional rate of finishing at t for a job still running at t, per ms.
    pub fn hazard(&self, t: f64) -> f64 {
        let s = self.sf(t);
        if s <= 0.0 {
            f64::INFINITY
        } else {
            self.pdf(t) / s
        }
    }

    /// E[max(duration − t, 0)], ms: how long, on average, a job runs on past t.
    pub fn excess(&self, t: f64) -> f64 {
        let t = if t.is_nan() { 0.0 } else { t.max(1e-9) };
        let cdf = |z: f64| 0.5 * erfc(-z * FRAC_1_SQRT_2);
        let l = t.ln();
        self.components
            .iter()
            .map(|c| {
                let mean = (c.mu + 0.5 * c.sigma * c.sigma).exp();
                c.weight
                    * (mean * cdf((c.mu + c.sigma * c.sigma - l) / c.sigma)
                        - t * cdf((c.mu - l) / c.sigma))
            })
            .sum::<f64>()
            .max(0.0)
    }
}

/// The standard normal quantile: the z below which a share `p` (0–1) of the distribution lies.
pub(crate) fn normal_quantile(p: f64) -> f64 {
    let p = p.clamp(1e-12, 1.0 - 1e-12);
    let (mut lo, mut hi) = (-8.0f64, 8.0f64);
    for _ in 0..60 {
        let mid = 0.5 * (lo + hi);
        if 0.5 * erfc(-mid * FRAC_1_SQRT_2) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The smallest t in `[lo, hi]` (log-spaced search) for which `above(t)` is false, assuming
/// `above` is true below some point and false after it.
fn bisect_ln(lo: f64, hi: f64, above: impl Fn(f64) -> bool) -> f64 {
    let (mut a, mut b) = (lo.max(1e-3).ln(), hi.max(lo.max(1e-3)).ln());
    for _ in 0..64 {
        let m = 0.5 * (a + b);
        if above(m.exp()) {
            a = m;
        } else {
            b = m;
        }
    }
    b.exp()
}

/// The duration of one running job: the prior times piecewise-constant evidence, restricted
/// to durations beyond the job's current age.
#[derive(Clone, Debug)]
pub(crate) struct Posterior<'a> {
    prior: &'a Prior,
    /// Segment starts, ascending; the first is the job's age; the last segment runs to ∞.
    cuts: Vec<f64>,
    /// Evidence weight of each segment.
    factors: Vec<f64>,
    /// Unnormalised mass of each segment.
    masses: Vec<f64>,
    total: f64,
}

impl<'a> Posterior<'a> {
    /// `age`: the job is known to be still running then. `supports`: for each piece of
    /// evidence, the durations it is consistent with (weight 1 inside, `floor` outside).
    /// `None` when nothing finite is left (an age far beyond anything the prior allows).
    pub fn new(prior: &'a Prior, age: f64, supports: &[(f64, f64)], floor: f64) -> Option<Self> {
        let age = if age.is_finite() {
            age.max(0.0)
        } else {
            return None;
        };
        let mut cuts = vec![age];
        for &(lo, hi) in supports {
            for edge in [lo, hi] {
                if edge.is_finite() && edge > age {
                    cuts.push(edge);
                }
            }
        }
        // Every cut after the age is finite and beyond it, so positive: their bits order them.
        super::sort_by_key(&mut cuts[1..], |x| x.to_bits());
        cuts.dedup();
        let mut factors = Vec::with_capacity(cuts.len());
        let mut masses = Vec::with_capacity(cuts.len());
        for (k, &start) in cuts.iter().enumerate() {
            let end = cuts.get(k + 1).copied().unwrap_or(f64::INFINITY);
            let mid = if end.is_finite() {
                0.5 * (start + end)
            } else {
                start * 2.0 + 1.0
            };
            let factor: f64 = supports
                .iter()
                .map(|&(lo, hi)| if mid >= lo && mid <= hi { 1.0 } else { floor })
                .product();
            factors.push(factor);
            masses.push(factor * (prior.sf(start) - prior.sf(end)).max(0.0));
        }
        let total: f64 = masses.iter().sum();
        (total.is_finite() && total > 1e-300).then_some(Posterior {
            prior,
            cuts,
            factors,
            masses,
            total,
        })
    }

    fn segment(&self, t: f64) -> usize {
        self.cuts.partition_point(|&c| c <= t).saturating_sub(1)
    }

    /// P(duration > t | still running at the age, evidence).
    pub fn sf(&self, t: f64) -> f64 {
        if t <= self.cuts[0] {
            return 1.0;
        }
        let k = self.segment(t);
        let end = self.cuts.get(k + 1).copied().unwrap_or(f64::INFINITY);
        let partial = self.factors[k] * (self.prior.sf(t) - self.prior.sf(end)).max(0.0);
        let after: f64 = self.masses[k + 1..].iter().sum();
        ((partial + after) / self.total).clamp(0.0, 1.0)
    }

    /// The duration by which the job has finished with probability `q`.
    pub fn quantile(&self, q: f64) -> f64 {
        let target = 1.0 - q.clamp(0.0, 1.0);
        let age = self.cuts[0];
        bisect_ln(age.max(1.0), age.max(1.0) * 1e6 + 1e7, |t| {
            self.sf(t) > target
        })
    }

    /// Conditional rate of finishing at t for a job still running at t, per ms.
    pub fn hazard(&self, t: f64) -> f64 {
        let s = self.sf(t);
        if s <= 1e-12 {
            return f64::INFINITY;
        }
        let k = self.segment(t);
        self.factors[k] * self.prior.pdf(t) / self.total / s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lognormal(median: f64, sigma: f64) -> Prior {
        Prior {
            components: vec![Component {
                weight: 1.0,
                mu: median.ln(),
                sigma,
            }],
        }
    }

    #[test]
    fn erfc_matches_known_values() {
        for (x, want) in [
            (0.0, 1.0),
            (0.5, 0.479_500_1),
            (1.0, 0.157_299_2),
            (-1.0, 1.842_700_8),
            (3.0, 2.209_05e-5),
        ] {
            assert!((erfc(x) - want).abs() < 1e-6 * want.max(1e-3), "{x}");
        }
        assert_eq!(erfc(f64::INFINITY), 0.0);
        assert_eq!(erfc(f64::NEG_INFINITY), 2.0);
    }

    #[test]
    fn normal_quantiles_invert_the_distribution() {
        for (p, z) in [
            (0.5, 0.0),
            (0.975, 1.959_964),
            (0.025, -1.959_964),
            (0.841_345, 1.0),
        ] {
            assert!((normal_quantile(p) - z).abs() < 1e-5, "{p}");
        }
        assert!(normal_quantile(0.0).is_finite() && normal_quantile(1.0).is_finite());
    }

    #[test]
    fn prior_quantiles_invert_the_survival() {
        let p = lognormal(15_000.0, 0.35);
        assert!((p.quantile(0.5) - 15_000.0).abs() < 1.0);
        for q in [0.01, 0.1, 0.9, 0.99] {
            assert!((1.0 - p.sf(p.quantile(q)) - q).abs() < 1e-6, "{q}");
        }
    }

    #[test]
    fn evidence_narrows_the_posterior() {
        let p = lognormal(15_000.0, 0.35);
        let post = Posterior::new(&p, 5_000.0, &[(14_000.0, 14_500.0)], 0.0).unwrap();
        assert!(post.quantile(0.001) >= 13_999.0);
        assert!(post.quantile(0.999) <= 14_501.0);
        assert!(post.hazard(14_200.0) > 1e-3);
        assert_eq!(post.hazard(10_000.0), 0.0);
    }

    #[test]
    fn nothing_left_far_beyond_the_prior() {
        let p = lognormal(15_000.0, 0.35);
        assert!(Posterior::new(&p, 1e12, &[], 0.0).is_none());
        assert!(Posterior::new(&p, f64::NAN, &[], 0.0).is_none());
    }
}
