//! How long a job takes and how its progress rises: duration distributions (`--duration`,
//! `--apiframe-duration`, `--apiinone-duration`) and progress patterns (`--progress`).
//!
//! Pure: parsing, and draws from a generator the caller owns (the server's, seeded by `--seed`).
//! The grammar (also in the crate README):
//!
//! ```text
//! DIST := fixed:TIME | uniform:min=TIME,max=TIME | lognormal:median=TIME,sigma=NUMBER
//! TIME := NUMBER ("s" | "ms")                                  e.g. 15s, 0.5s, 800ms
//! PROGRESS := linear | coarse | front | none | mixed
//! ```

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Why a duration distribution or progress pattern could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimingError(pub String);

impl fmt::Display for TimingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TimingError {}

/// Where job durations come from (before `--time-scale`).
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// Always this long.
    Fixed(Duration),
    /// Uniform between two bounds.
    Uniform {
        /// Shortest.
        min: Duration,
        /// Longest.
        max: Duration,
    },
    /// Log-normal: half the jobs take less than `median`; `sigma` is the spread of the
    /// logarithm (0.35 puts nine jobs in ten within about ×0.56–×1.78 of the median). Draws are
    /// clipped at 4 sigma.
    LogNormal {
        /// Median duration.
        median: Duration,
        /// Standard deviation of the natural logarithm of the duration.
        sigma: f64,
    },
}

impl Distribution {
    /// Apiframe's default: uniform 11–19 s (its docs say about 15 s on average).
    pub fn apiframe_default() -> Distribution {
        Distribution::Uniform {
            min: Duration::from_secs(11),
            max: Duration::from_secs(19),
        }
    }

    /// API in One's default: uniform 3–10 s (its site says 3–10 s).
    pub fn apiinone_default() -> Distribution {
        Distribution::Uniform {
            min: Duration::from_secs(3),
            max: Duration::from_secs(10),
        }
    }

    /// One duration drawn from `rng` (one `f64` for uniform, two for log-normal, none for
    /// fixed).
    pub fn draw(&self, rng: &mut fastrand::Rng) -> Duration {
        match *self {
            Distribution::Fixed(duration) => duration,
            Distribution::Uniform { min, max } => {
                let (lo, hi) = (min.as_secs_f64(), max.as_secs_f64());
                Duration::from_secs_f64(lo + rng.f64() * (hi - lo))
            }
            Distribution::LogNormal { median, sigma } => {
                // Box–Muller: one standard normal from two uniforms; 1 - u is in (0, 1].
                let (u1, u2) = (1.0 - rng.f64(), rng.f64());
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                let z = z.clamp(-4.0, 4.0);
                Duration::from_secs_f64(median.as_secs_f64() * (sigma * z).exp())
            }
        }
    }
}

/// `15s`, `0.5s`, `800ms`.
fn parse_time(text: &str) -> Result<Duration, TimingError> {
    let bad = || {
        TimingError(format!(
            "'{text}' is not a duration like 15s, 0.5s or 800ms"
        ))
    };
    let (number, unit_secs) = if let Some(ms) = text.strip_suffix("ms") {
        (ms, 0.001)
    } else if let Some(s) = text.strip_suffix('s') {
        (s, 1.0)
    } else {
        return Err(bad());
    };
    match number.parse::<f64>() {
        Ok(n) if n.is_finite() && n >= 0.0 && n * unit_secs < 86_400.0 => {
            Ok(Duration::from_secs_f64(n * unit_secs))
        }
        _ => Err(bad()),
    }
}

impl FromStr for Distribution {
    type Err = TimingError;

    fn from_str(text: &str) -> Result<Self, TimingError> {
        let text = text.trim();
        let bad = |why: &str| TimingError(format!("invalid duration distribution '{text}': {why}"));
        let (kind, params) = text.split_once(':').unwrap_or((text, ""));
        let mut fields = std::collections::HashMap::new();
        if kind != "fixed" {
            for pair in params.split(',').filter(|p| !p.is_empty()) {
                let Some((name, value)) = pair.split_once('=') else {
                    return Err(bad(&format!("'{pair}' is not name=value")));
                };
                if fields.insert(name.trim(), value.trim()).is_some() {
                    return Err(bad(&format!("{name} given twice")));
                }
            }
        }
        let take = |name: &str| {
            fields
                .get(name)
                .copied()
                .ok_or_else(|| bad(&format!("{kind} needs {name}=")))
        };
        let expect_only = |names: &[&str]| match fields.keys().find(|k| !names.contains(k)) {
            Some(other) => Err(bad(&format!("{kind} takes no '{other}'"))),
            None => Ok(()),
        };
        match kind {
            "fixed" => Ok(Distribution::Fixed(parse_time(params)?)),
            "uniform" => {
                expect_only(&["min", "max"])?;
                let (min, max) = (parse_time(take("min")?)?, parse_time(take("max")?)?);
                if min > max {
                    return Err(bad("min is above max"));
                }
                Ok(Distribution::Uniform { min, max })
            }
            "lognormal" => {
                expect_only(&["median", "sigma"])?;
                let median = parse_time(take("median")?)?;
                let sigma = match take("sigma")?.parse::<f64>() {
                    Ok(s) if s.is_finite() && (0.0..=3.0).contains(&s) => s,
                    _ => return Err(bad("sigma must be a number from 0 to 3")),
                };
                Ok(Distribution::LogNormal { median, sigma })
            }
            _ => Err(bad("the kind is fixed, uniform or lognormal")),
        }
    }
}

/// How a job's `progress` rises while it is processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// In proportion to the time elapsed: 1 when processing starts, 99 just before the end.
    Linear,
    /// 0 until half the duration, then 50, then 100 when done.
    Coarse,
    /// Fast to 90 in the first fifth of the processing time, then slowly to 99.
    Front,
    /// No progress: status bodies carry no `progress` field.
    None,
}

impl Progress {
    /// Every pattern, in the order `mixed` picks from.
    pub const ALL: [Progress; 4] = [
        Progress::Linear,
        Progress::Coarse,
        Progress::Front,
        Progress::None,
    ];

    /// Progress (0–99) of a job that is not done, `share` (0..1) of the way through its
    /// duration, of which the first `queued` share is spent queued (progress 0).
    pub fn at(self, share: f64, queued: f64) -> u8 {
        if share < queued {
            return 0;
        }
        let processing = ((share - queued) / (1.0 - queued).max(f64::EPSILON)).clamp(0.0, 1.0);
        let value = match self {
            Progress::Linear => 1.0 + processing * 98.0,
            Progress::Coarse if share < 0.5 => 0.0,
            Progress::Coarse => 50.0,
            Progress::Front if processing < 0.2 => 1.0 + processing / 0.2 * 89.0,
            Progress::Front => 90.0 + (processing - 0.2) / 0.8 * 9.0,
            Progress::None => 0.0,
        };
        value.floor().min(99.0) as u8
    }
}

/// The `--progress` setting: one pattern for every job, or `mixed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressSetting {
    /// Every job rises this way.
    One(Progress),
    /// Each job picks one of [`Progress::ALL`] at random.
    Mixed,
}

impl ProgressSetting {
    /// The pattern of a new job (draws from `rng` only when mixed).
    pub fn pick(self, rng: &mut fastrand::Rng) -> Progress {
        match self {
            ProgressSetting::One(progress) => progress,
            ProgressSetting::Mixed => Progress::ALL[rng.usize(..Progress::ALL.len())],
        }
    }
}

impl Default for ProgressSetting {
    fn default() -> Self {
        ProgressSetting::One(Progress::Linear)
    }
}

impl FromStr for ProgressSetting {
    type Err = TimingError;

    fn from_str(text: &str) -> Result<Self, TimingError> {
        Ok(match text.trim() {
            "linear" => ProgressSetting::One(Progress::Linear),
            "coarse" => ProgressSetting::One(Progress::Coarse),
            "front" => ProgressSetting::One(Progress::Front),
            "none" => ProgressSetting::One(Progress::None),
            "mixed" => ProgressSetting::Mixed,
            other => {
                return Err(TimingError(format!(
                    "'{other}' is not a progress pattern (linear, coarse, front, none, mixed)"
                )));
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn parses_distributions() {
        assert_eq!("fixed:15s".parse(), Ok(Distribution::Fixed(secs(15.0))));
        assert_eq!("fixed:800ms".parse(), Ok(Distribution::Fixed(secs(0.8))));
        assert_eq!(
            "uniform:min=3s,max=10s".parse(),
            Ok(Distribution::Uniform {
                min: secs(3.0),
                max: secs(10.0)
            })
        );
        assert_eq!(
            "lognormal:median=15s,sigma=0.35".parse(),
            Ok(Distribution::LogNormal {
                median: secs(15.0),
                sigma: 0.35
            })
        );
        for bad in [
            "",
            "fixed",
            "fixed:15",
            "fixed:-1s",
            "fixed:1h",
            "uniform:min=10s",
            "uniform:min=10s,max=3s",
            "lognormal:median=15s",
            "lognormal:median=15s,sigma=-1",
            "lognormal:median=15s,sigma=0.3,max=40s",
            "lognormal:median=15s,median=16s,sigma=0.3",
            "gamma:k=2",
        ] {
            assert!(
                bad.parse::<Distribution>().is_err(),
                "{bad} should not parse"
            );
        }
    }

    #[test]
    fn defaults_draw_like_before() {
        // One f64 per uniform draw, so existing seeds give the same durations as before.
        let mut a = fastrand::Rng::with_seed(9);
        let mut b = fastrand::Rng::with_seed(9);
        let drawn = Distribution::apiframe_default().draw(&mut a);
        assert_eq!(drawn, secs(11.0 + b.f64() * 8.0));
    }

    #[test]
    fn lognormal_has_its_median_and_spread() {
        let dist: Distribution = "lognormal:median=15s,sigma=0.35".parse().expect("valid");
        let mut rng = fastrand::Rng::with_seed(1);
        let mut draws: Vec<f64> = (0..4000)
            .map(|_| dist.draw(&mut rng).as_secs_f64())
            .collect();
        draws.sort_by(f64::total_cmp);
        let quantile = |q: f64| draws[(q * draws.len() as f64) as usize];
        assert!((quantile(0.5) - 15.0).abs() < 0.5, "{}", quantile(0.5));
        // ln q84 - ln q50 is sigma for a log-normal.
        let sigma = (quantile(0.8413) / quantile(0.5)).ln();
        assert!((sigma - 0.35).abs() < 0.03, "{sigma}");
        let max = 15.0 * (0.35f64 * 4.0).exp();
        assert!(draws.iter().all(|d| *d > 0.0 && *d <= max + 1e-9));
        let fixed = Distribution::Fixed(secs(6.0));
        assert_eq!(fixed.draw(&mut rng), secs(6.0));
    }

    #[test]
    fn progress_patterns() {
        let at = |p: Progress, share: f64| p.at(share, 0.1);
        for p in Progress::ALL {
            assert_eq!(at(p, 0.05), 0, "{p:?} while queued");
            let mut last = 0;
            for step in 0..1000 {
                let now = at(p, f64::from(step) / 1000.0);
                assert!(
                    now >= last && now <= 99,
                    "{p:?} never falls, stays below 100"
                );
                last = now;
            }
        }
        assert_eq!(at(Progress::Linear, 0.1), 1);
        assert!((45..=55).contains(&at(Progress::Linear, 0.55)));
        assert_eq!(at(Progress::Coarse, 0.49), 0);
        assert_eq!(at(Progress::Coarse, 0.5), 50);
        assert_eq!(at(Progress::Coarse, 0.99), 50);
        // Front: 90 after a fifth of the processing time (0.1 + 0.2 × 0.9 = 0.28).
        assert!(at(Progress::Front, 0.2) > 40);
        assert_eq!(at(Progress::Front, 0.28), 90);
        assert!(at(Progress::Front, 0.9) < 99);
        assert_eq!(at(Progress::None, 0.9), 0);
    }

    #[test]
    fn mixed_picks_every_pattern_from_the_seed() {
        let setting: ProgressSetting = "mixed".parse().expect("valid");
        let picks = |seed| {
            let mut rng = fastrand::Rng::with_seed(seed);
            (0..400).map(|_| setting.pick(&mut rng)).collect::<Vec<_>>()
        };
        let picked = picks(3);
        assert_eq!(picked, picks(3));
        for p in Progress::ALL {
            let share = picked.iter().filter(|x| **x == p).count() as f64 / 400.0;
            assert!((share - 0.25).abs() < 0.07, "{p:?} {share}");
        }
        assert_eq!(
            "front".parse::<ProgressSetting>(),
            Ok(ProgressSetting::One(Progress::Front))
        );
        assert!("steady".parse::<ProgressSetting>().is_err());
    }

    #[test]
    fn any_text_parses_or_is_refused_without_panicking() {
        const PIECES: [&str; 20] = [
            "fixed",
            "uniform",
            "lognormal",
            ":",
            ",",
            "=",
            "min",
            "max",
            "median",
            "sigma",
            "s",
            "ms",
            "0",
            "1",
            "5",
            ".",
            "-",
            "e9",
            "é",
            " ",
        ];
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..20_000 {
            let text: String = (0..rng.usize(0..10))
                .map(|_| PIECES[rng.usize(..PIECES.len())])
                .collect();
            if let Ok(dist) = text.parse::<Distribution>() {
                let drawn = dist.draw(&mut rng);
                assert!(
                    drawn < Duration::from_secs(86_400 * 60),
                    "{text}: {drawn:?}"
                );
            }
            let _ = text.parse::<ProgressSetting>();
        }
    }
}
