//! `gpt-image-emulator`: serves the emulator on 127.0.0.1 and prints
//! `listening on http://127.0.0.1:PORT` as its one line on stdout.
//!
//! Only flag parsing and start-up live here; everything else is in the library.

use std::io::Write;
use std::path::PathBuf;

use clap::Parser;
use gpt_image_emulator::{
    Config, DEFAULT_MAX_CONCURRENT_JOBS, Distribution, FaultSpec, ProgressSetting, serve,
};

/// Local emulator of the Apiframe v2 and API in One image-generation APIs (GPT Image 1.5):
/// real images, realistic timing and errors, injectable faults. Listens on 127.0.0.1 only.
#[derive(Debug, Parser)]
#[command(version)]
struct Flags {
    /// Port to listen on; 0 picks a free port. The real port is printed as
    /// `listening on http://127.0.0.1:PORT`.
    #[arg(long, default_value_t = 8787)]
    port: u16,

    /// Multiplies every job duration and injected delay (0.05 turns a 15 s job into 0.75 s).
    /// Retry-After values are never scaled.
    #[arg(long, default_value_t = 1.0, value_parser = non_negative)]
    time_scale: f64,

    /// Share of jobs (0..1) that end FAILED with a realistic reason, credits refunded.
    #[arg(long, default_value_t = 0.0, value_parser = share)]
    fail_rate: f64,

    /// Fault spec applied to every request, as if each carried `X-Emulator-Fault: SPEC`.
    /// SPEC := RULE ("," RULE)*; RULE := [submit|poll|any ":"] FAULT ["x" COUNT] ["@" RATE];
    /// FAULT := 5NN | 429 | 429=SECS | 429ms=MILLIS | drop | drop-after | reset | reset-after |
    /// slow=MILLIS | malformed | truncated | fail | alt-shape; RATE: chance 0..1, from `--seed`.
    /// Example: `submit:503x2,poll:slow=500,submit:429ms=200@0.05`.
    #[arg(long, value_name = "SPEC")]
    fault: Option<FaultSpec>,

    /// Seed for all randomness (job durations, failures, progress patterns, random faults), for
    /// reproducible runs.
    #[arg(long, default_value_t = 0)]
    seed: u64,

    /// Also serve this folder (a built single-page app) as static files. API routes take precedence.
    #[arg(long = "static", value_name = "DIR")]
    static_dir: Option<PathBuf>,

    /// Path prefix under which the static folder (and the studio config) is served.
    #[arg(long, default_value = "/", value_name = "PATH")]
    static_prefix: String,

    /// JSON text served verbatim at `{static-prefix}studio-config.json`.
    #[arg(long, value_name = "JSON")]
    studio_config: Option<String>,

    /// `off`: send no CORS headers and grant no preflight, as a provider that refuses browsers.
    #[arg(long, value_enum, default_value_t = Switch::On)]
    cors: Switch,

    /// Apiframe jobs one API key may have running at once (`team.maxConcurrentJobs` of
    /// `GET /v2/me`); a submit beyond gets a 429 with `Retry-After`.
    #[arg(long, default_value_t = DEFAULT_MAX_CONCURRENT_JOBS, value_name = "N")]
    max_concurrent_jobs: usize,

    /// How job progress rises: linear (with time), coarse (0, then 50 from half-way), front
    /// (90 within the first fifth, then slowly), none (no progress field), or mixed (each job
    /// picks one of those at random, from `--seed`).
    #[arg(long, default_value = "linear", value_name = "PATTERN")]
    progress: ProgressSetting,

    /// Durations of both providers' jobs, before `--time-scale`: `fixed:15s`,
    /// `uniform:min=11s,max=19s` or `lognormal:median=15s,sigma=0.35`. The provider flags win.
    #[arg(long, value_name = "DIST")]
    duration: Option<Distribution>,

    /// Durations of Apiframe jobs (default `uniform:min=11s,max=19s`).
    #[arg(long, value_name = "DIST")]
    apiframe_duration: Option<Distribution>,

    /// Durations of API in One tasks (default `uniform:min=3s,max=10s`).
    #[arg(long, value_name = "DIST")]
    apiinone_duration: Option<Distribution>,
}

/// `on` or `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Switch {
    On,
    Off,
}

fn non_negative(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("'{text}' is not a number >= 0")),
    }
}

fn share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        _ => Err(format!("'{text}' is not a number from 0 to 1")),
    }
}

/// `/`, `/studio/` …: starts and ends with a slash.
fn normalised_prefix(prefix: &str) -> String {
    let trimmed = prefix.trim_matches('/');
    if trimmed.is_empty() {
        "/".into()
    } else {
        format!("/{trimmed}/")
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let flags = Flags::parse();
    if let Some(json) = &flags.studio_config
        && let Err(error) = serde_json::from_str::<serde_json::Value>(json)
    {
        eprintln!("warning: --studio-config is not valid JSON ({error}); serving it anyway");
    }
    let config = Config {
        time_scale: flags.time_scale,
        fail_rate: flags.fail_rate,
        fault: flags.fault,
        seed: flags.seed,
        static_dir: flags.static_dir,
        static_prefix: normalised_prefix(&flags.static_prefix),
        studio_config: flags.studio_config,
        cors: flags.cors == Switch::On,
        max_concurrent_jobs: flags.max_concurrent_jobs,
        apiframe_duration: flags
            .apiframe_duration
            .or_else(|| flags.duration.clone())
            .unwrap_or_else(Distribution::apiframe_default),
        apiinone_duration: flags
            .apiinone_duration
            .or(flags.duration)
            .unwrap_or_else(Distribution::apiinone_default),
        progress: flags.progress,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", flags.port)).await?;
    let port = listener.local_addr()?.port();
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on http://127.0.0.1:{port}")?;
    stdout.flush()?;
    drop(stdout);
    serve(listener, config).await
}
