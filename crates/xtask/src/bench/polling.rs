//! `cargo xtask bench polling`: the polling schedule in real runs, beside the simulation.
//!
//! Two drivers do the runs; this file starts them and lays out what they report:
//!
//! - `web/npm/bench/polling.js` (Node, the built npm package): each progress case's jobs four
//!   ways (ours on a fresh client, ours on a client warmed by one earlier burst, fixed 2 s,
//!   fixed 500 ms) on the same durations, each way on an emulator of its own; then 200 `generate()` calls at once on one client. How each figure is measured is
//!   written once, at the top of that script.
//! - `web/studio-e2e/many-jobs.test.js` (Chromium, the release `dist/`): 200 jobs started in the
//!   studio by Ctrl+Enter, with the page's long tasks observed. The studio tier runs it as a
//!   test; here its assertions do not matter: the bench reads the figures it writes before
//!   asserting.
//!
//! Figures only, never a pass/fail test. Delays and durations are printed unscaled.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::ctx::Ctx;
use crate::soak::json::{self, Value};

/// Where `dist/` is served in the studio run (any path works; a deep one as the tier uses).
const PREFIX: &str = "/bench/studio/";

/// What the command line may change: `cargo xtask bench polling [--jobs N] [--many N]
/// [--seed N] [--seeds N] [--cases LIST] [--time-scale F] [--parallel ways|all|none]`.
pub struct Options {
    /// Jobs per case and way.
    pub jobs: u32,
    /// Jobs of the one-client run and of the studio run.
    pub many: u32,
    /// The emulators' `--seed`.
    pub seed: u64,
    /// The emulators' `--time-scale`; below 1 only a smoke test for "ours" (see polling.js).
    pub time_scale: f64,
    /// Which runs go on at once: the ways of one case (`ways`), every case (`all`), or none.
    pub parallel: String,
    /// How many seeds the cases run with (`seed`, `seed + 1`, …): one run is one burst per
    /// case, and its p95 rests on its few slowest-seen jobs; more seeds show how much it varies.
    pub seeds: u32,
    /// The cases to run (polling.js's keys, e.g. `linear,apiinone`); empty: every one.
    pub cases: String,
}

/// polling.js's keys for its cases.
const CASE_KEYS: [&str; 5] = ["linear", "coarse", "front", "none", "apiinone"];

impl Options {
    /// Reads the flags after `bench polling`.
    pub fn from_args(args: impl Iterator<Item = String>) -> Result<Options, String> {
        let mut options = Options {
            jobs: 60,
            many: 200,
            seed: 1,
            time_scale: 1.0,
            parallel: "ways".into(),
            seeds: 1,
            cases: String::new(),
        };
        let usage = "usage: cargo xtask bench polling [--jobs N] [--many N] [--seed N] [--seeds N] [--cases linear,coarse,front,none,apiinone] [--time-scale F] [--parallel ways|all|none]";
        let mut args = args;
        while let Some(flag) = args.next() {
            let value = args
                .next()
                .ok_or_else(|| format!("{flag} needs a value; {usage}"))?;
            let whole =
                || {
                    value.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
                        format!("{flag} must be a positive whole number, not {value}")
                    })
                };
            match flag.as_str() {
                "--jobs" => options.jobs = whole()?,
                "--many" => options.many = whole()?,
                "--seed" => options.seed = u64::from(whole()?),
                "--seeds" => options.seeds = whole()?,
                "--cases" => {
                    if let Some(bad) = value.split(',').find(|c| !CASE_KEYS.contains(c)) {
                        return Err(format!(
                            "--cases: no case {bad:?}; the cases are {}",
                            CASE_KEYS.join(",")
                        ));
                    }
                    options.cases = value
                }
                "--time-scale" => {
                    options.time_scale = value
                        .parse::<f64>()
                        .ok()
                        .filter(|f| *f > 0.0 && *f <= 10.0)
                        .ok_or_else(|| format!("--time-scale must be in (0, 10], not {value}"))?
                }
                "--parallel" if ["ways", "all", "none"].contains(&value.as_str()) => {
                    options.parallel = value
                }
                _ => return Err(format!("unknown flag {flag} {value}; {usage}")),
            }
        }
        Ok(options)
    }
}

/// The emulator binary the drivers start (a debug build, as every tier's).
fn emulator_bin(ctx: &Ctx) -> PathBuf {
    ctx.target_dir().join("debug/gpt-image-emulator")
}

/// The built npm package (`cargo xtask npm`).
fn package_dir(ctx: &Ctx) -> PathBuf {
    ctx.target_dir().join("npm/gpt-image-wasm")
}

/// Whether the runs can start without building: the emulator, the npm package and `dist/`.
pub fn inputs_exist(ctx: &Ctx) -> bool {
    emulator_bin(ctx).exists()
        && package_dir(ctx).join("node.js").exists()
        && ctx.root.join("dist/index.html").exists()
        && ctx.root.join("web/studio-e2e/node_modules").exists()
}

/// Runs both drivers and prints their figures.
pub fn run(ctx: &Ctx, options: &Options) -> Result<(), String> {
    println!(
        "\n=== polling, real runs: tree at {}; npm package built {}, dist/ built {}",
        ctx.tree("%h"),
        age(&package_dir(ctx).join("gpt_image_wasm_bg.wasm")),
        age(&ctx.root.join("dist/index.html")),
    );
    let report = node_runs(ctx, options, options.seed, "cases,many")?;
    let studio = studio_run(ctx, options);
    print!("{}", cases_table(&report));
    print!("{}", many_table(&report, &studio));
    if options.seeds > 1 {
        let mut reports = vec![report];
        for seed in options.seed + 1..options.seed + u64::from(options.seeds) {
            reports.push(node_runs(ctx, options, seed, "cases")?);
        }
        print!("{}", seeds_table(&reports));
    }
    Ok(())
}

/// `web/npm/bench/polling.js` with the emulators' `seed`, running `parts` (`cases`, `many`):
/// its JSON report.
fn node_runs(ctx: &Ctx, options: &Options, seed: u64, parts: &str) -> Result<Value, String> {
    let mut node = Command::new("node");
    if !options.cases.is_empty() {
        node.env("BENCH_CASES", &options.cases);
    }
    let out = node
        .current_dir(&ctx.root)
        .arg(ctx.root.join("web/npm/bench/polling.js"))
        .env("GPT_IMAGE_WASM_DIR", package_dir(ctx))
        .env("EMULATOR_BIN", emulator_bin(ctx))
        .env("BENCH_JOBS", options.jobs.to_string())
        .env("BENCH_MANY", options.many.to_string())
        .env("BENCH_SEED", seed.to_string())
        .env("BENCH_PARTS", parts)
        .env("BENCH_TIME_SCALE", options.time_scale.to_string())
        .env("BENCH_PARALLEL", &options.parallel)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("polling.js failed ({}): {text}", out.status));
    }
    json::parse(text.lines().last().unwrap_or_default())
        .map_err(|e| format!("polling.js printed no report ({e}): {text}"))
}

/// The studio's many-jobs run (`web/studio-e2e/many-jobs.test.js`): its figures, or why there
/// are none. The test's own verdict is not the bench's business.
fn studio_run(ctx: &Ctx, options: &Options) -> Result<Value, String> {
    let dist = ctx.root.join("dist");
    let dist = dist.to_string_lossy();
    // A studio config as the tier's, so the page's first request finds one (a 404 would be a
    // console error the run counts); the run connects to an emulator of its own anyway.
    let config = r#"{"provider":"apiframe","apiKeys":{"apiframe":"afk_demo_bench","apiinone":"aio_demo_bench"}}"#;
    let host = ctx.emulator(&[
        "--static",
        &dist,
        "--static-prefix",
        PREFIX,
        "--studio-config",
        config,
    ])?;
    let artifacts = ctx.target_dir().join("e2e-artifacts");
    std::fs::create_dir_all(&artifacts).map_err(|e| e.to_string())?;
    let figures = artifacts.join("many-jobs.json");
    let _ = std::fs::remove_file(&figures);
    println!(
        "\n=== polling: the studio run ({} jobs by Ctrl+Enter)",
        options.many
    );
    let env = [
        ("STUDIO_URL", format!("{}{PREFIX}", host.url)),
        ("EMULATOR_URL", host.url.clone()),
        ("ARTIFACTS", artifacts.to_string_lossy().into_owned()),
        (
            "EMULATOR_BIN",
            emulator_bin(ctx).to_string_lossy().into_owned(),
        ),
        ("MANY_JOBS", options.many.to_string()),
        ("MANY_JOBS_TIME_SCALE", options.time_scale.to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // Pass or fail, the test wrote its figures first.
    let _ = ctx.node_test(
        &ctx.root.join("web/studio-e2e"),
        &["many-jobs.test.js"],
        &env,
    );
    let text = std::fs::read_to_string(&figures)
        .map_err(|e| format!("the studio run wrote no {}: {e}", figures.display()))?;
    json::parse(&text)
}

/// How long ago a file was written: `3 min ago`.
fn age(path: &std::path::Path) -> String {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok())
        .map_or("(missing)".into(), |d| {
            format!("{:.0} min ago", d.as_secs_f64() / 60.0)
        })
}

/// `1,331`.
fn thousands(n: f64) -> String {
    let digits = format!("{:.0}", n);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 && c != '-' {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A delay in ms, or `-` when none was measured.
fn ms(v: &Value) -> String {
    match v {
        Value::Number(n) => format!("{n:.0}"),
        _ => "-".into(),
    }
}

/// One case's `ours` way ÷ fixed 2 s: (requests per job, p95 delay), when both ran.
fn ours_vs_fixed(case: &Value, ours: &str) -> Option<(f64, f64)> {
    let ways = case.get("ways").items();
    let way = |name: &str| ways.iter().find(|w| w.get("way").text() == name);
    let (ours, fixed) = (way(ours)?, way("fixed 2 s")?);
    let ratio = |key: &str| {
        let b = fixed.get(key).num();
        (b > 0.0).then(|| ours.get(key).num() / b)
    };
    Some((ratio("requestsPerJob")?, ratio("p95Ms")?))
}

/// Each case over several seeds: ours ÷ fixed 2 s for every seed's burst, then the median, the
/// worst and how many bursts met the issue's targets (requests ≤ 1.00×, p95 ≤ 0.60×).
fn seeds_table(reports: &[Value]) -> String {
    let seeds: Vec<String> = reports
        .iter()
        .map(|r| format!("{:.0}", r.get("seed").num()))
        .collect();
    let mut out = format!(
        "\npolling, real runs over seeds {}: ours ÷ fixed 2 s, one burst per case and seed (req ×2s / p95 ×2s)\n",
        seeds.join(", ")
    );
    let Some(first) = reports.first() else {
        return out;
    };
    let ways = ["ours", "ours, warm"];
    for (case, ours) in first
        .get("cases")
        .items()
        .iter()
        .flat_map(|case| ways.map(|way| (case, way)))
    {
        let name = format!("{}, {ours}", case.get("name").text());
        let mut runs: Vec<(f64, f64)> = reports
            .iter()
            .filter_map(|r| {
                r.get("cases")
                    .items()
                    .iter()
                    .find(|c| c.get("name").text() == case.get("name").text())
                    .and_then(|c| ours_vs_fixed(c, ours))
            })
            .collect();
        let each: Vec<String> = runs
            .iter()
            .map(|(req, p95)| format!("{req:.2}/{p95:.2}"))
            .collect();
        let met = runs
            .iter()
            .filter(|(req, p95)| *req <= 1.0 && *p95 <= 0.6)
            .count();
        runs.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (Some(median), Some(worst)) = (runs.get(runs.len() / 2), runs.last()) else {
            continue;
        };
        let most_requests = runs.iter().map(|r| r.0).fold(0.0, f64::max);
        out.push_str(&format!(
            "{name:<48} {}\n{:<48} p95 ×2s median {:.2}×, worst {:.2}×; req ×2s up to {:.2}×; both targets met in {met} of {} bursts\n",
            each.join("  "),
            "",
            median.1,
            worst.1,
            most_requests,
            runs.len(),
        ));
    }
    out
}

/// The cases × ways table, in the layout of the schedule simulation's.
fn cases_table(report: &Value) -> String {
    let mut out = String::new();
    let cases = report.get("cases").items();
    if cases.is_empty() {
        return out;
    }
    let scale = report.get("timeScale").num();
    out.push_str(&format!(
        "\npolling, real runs through the npm module in Node: {} jobs per case and way started at once (API in One's one submit after another), the same durations for each way (fresh emulator, seed {}), time scale {}; delays in unscaled ms\n",
        report.get("jobs").num(),
        report.get("seed").num(),
        scale,
    ));
    if scale < 1.0 {
        out.push_str(&format!(
            "NOTE: a time scale below 1 is a smoke test: {}\n",
            report.get("scaleNote").text()
        ));
    }
    out.push_str(&format!(
        "{:<36} {:<13} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9}\n",
        "case", "way", "req/job", "p50 ms", "p95 ms", "max ms", "req ×2s", "p95 ×2s"
    ));
    let mut notes = vec![];
    for case in cases {
        let ways = case.get("ways").items();
        let reference = ways
            .iter()
            .find(|w| w.get("way").text() == "fixed 2 s")
            .unwrap_or(&Value::Null);
        for way in ways {
            let ratio = |key: &str| {
                let (a, b) = (way.get(key).num(), reference.get(key).num());
                if b > 0.0 {
                    format!("{:.2}×", a / b)
                } else {
                    "-".into()
                }
            };
            out.push_str(&format!(
                "{:<36} {:<13} {:>8.2} {:>8} {:>8} {:>8} {:>9} {:>9}\n",
                case.get("name").text(),
                way.get("way").text(),
                way.get("requestsPerJob").num(),
                ms(way.get("p50Ms")),
                ms(way.get("p95Ms")),
                ms(way.get("maxMs")),
                ratio("requestsPerJob"),
                ratio("p95Ms"),
            ));
            let failed = way.get("failed").num();
            if failed > 0.0 {
                let errors: Vec<&str> = way.get("errors").items().iter().map(Value::text).collect();
                notes.push(format!(
                    "{} / {}: {failed} of {} jobs not seen completed ({})",
                    case.get("name").text(),
                    way.get("way").text(),
                    way.get("jobs").num(),
                    errors.join("; ")
                ));
            }
            if way.get("inconsistent").num() > 0.0 {
                notes.push(format!(
                    "{} / {}: {} jobs seen completed before their end or running after it: their true end is off",
                    case.get("name").text(),
                    way.get("way").text(),
                    way.get("inconsistent").num()
                ));
            }
            if way.get("account").num() > 0.0 {
                notes.push(format!(
                    "{} / {}: {} account requests (not in req/job)",
                    case.get("name").text(),
                    way.get("way").text(),
                    way.get("account").num()
                ));
            }
        }
        let d = case.get("durationsMs");
        notes.push(format!(
            "{}: durations {:.1}–{:.1} s, median {:.1} s; {}",
            case.get("name").text(),
            d.get("min").num() / 1000.0,
            d.get("max").num() / 1000.0,
            d.get("median").num() / 1000.0,
            if case.get("durationSource").text() == "twin" {
                "the same for every way: the k-th task's, from an Apiframe twin of the seed".into()
            } else if case.get("sameDurations").truthy() {
                format!(
                    "the same for every way (within {:.0} ms)",
                    case.get("durationSpreadMs").num()
                )
            } else {
                format!(
                    "NOT the same for every way (up to {:.0} ms apart)",
                    case.get("durationSpreadMs").num()
                )
            }
        ));
    }
    for note in notes {
        out.push_str(&format!("  {note}\n"));
    }
    let lag = report.get("eventLoopDelayMs");
    out.push_str(&format!(
        "req/job = (submits + polls + listings) / jobs made, from the emulator's stats; a delay is when Node saw the job completed minus when it completed (Apiframe's completedAt; API in One: its submit's reply plus its duration, from an Apiframe twin of the same seed). Node's event loop lagged up to {:.0} ms (p99 {:.0} ms) over the run, {:.0} s in all.\n",
        lag.get("max").num(),
        lag.get("p99").num(),
        report.get("seconds").num(),
    ));
    out
}

/// The one-client run and the studio run.
fn many_table(report: &Value, studio: &Result<Value, String>) -> String {
    let mut out = String::new();
    let many = report.get("many");
    if let Value::Object(_) = many {
        let jobs = many.get("jobs").num();
        out.push_str(&format!(
            "\n{jobs} jobs at once through the npm module, ONE Apiframe client (linear progress, no concurrency limit at the emulator), time scale {}:\n",
            report.get("timeScale").num()
        ));
        out.push_str(&format!(
            "  completed {} of {jobs}; status requests {} (polls {}, listings {}), {:.2} requests per job with the submit; a fixed 2 s loop would make {} on these durations\n",
            many.get("completed").num(),
            thousands(many.get("statusRequests").num()),
            thousands(many.get("polls").num()),
            thousands(many.get("listings").num()),
            many.get("requestsPerJob").num(),
            thousands(many.get("fixed2sStatusRequests").num()),
        ));
        out.push_str(&format!(
            "  wall {:.1} s against the slowest job's {:.1} s (×{:.2}); the last job was seen {:.1} s after the first was made, the last really ended at {:.1} s; detection delay p50 {} ms, p95 {} ms, max {} ms\n",
            many.get("wallMs").num() / 1000.0,
            many.get("slowestMs").num() / 1000.0,
            many.get("wallMs").num() / many.get("slowestMs").num().max(1.0),
            many.get("spanMs").num() / 1000.0,
            many.get("lastRealEndMs").num() / 1000.0,
            ms(many.get("p50Ms")),
            ms(many.get("p95Ms")),
            ms(many.get("maxDelayMs")),
        ));
        if many.get("failed").num() > 0.0 {
            let errors: Vec<&str> = many.get("errors").items().iter().map(Value::text).collect();
            out.push_str(&format!(
                "  {} not seen completed: {}\n",
                many.get("failed").num(),
                errors.join("; ")
            ));
        }
    }
    match studio {
        Ok(s) => {
            let longest = s.get("longestTaskMs").num();
            out.push_str(&format!(
                "  the studio, {} jobs by Ctrl+Enter in Chromium (release dist/, time scale {}): longest main-thread task from the first key press {}, {} tasks over 50 ms ({:.0} ms in all); {} of {} cards completed, all shown {:.1} s after the first key press (presses took {:.1} s); before it (start-up, Settings) {} long tasks, the longest {:.0} ms\n",
                s.get("jobs").num(),
                s.get("timeScale").num(),
                if s.get("longTasks").num() > 0.0 {
                    format!("{longest:.0} ms")
                } else {
                    "under 50 ms (no long task)".into()
                },
                s.get("longTasks").num(),
                s.get("longTaskMs").num(),
                s.get("byStatus").get("Completed").num(),
                s.get("jobs").num(),
                s.get("allDoneMs").num() / 1000.0,
                s.get("pressedMs").num() / 1000.0,
                s.get("beforeJobs").get("longTasks").num(),
                s.get("beforeJobs").get("longestTaskMs").num(),
            ));
            for (name, ms) in s
                .get("scriptMsInLongFrames")
                .items()
                .iter()
                .filter_map(|pair| {
                    let pair = pair.items();
                    Some((pair.first()?.text(), pair.get(1)?.num()))
                })
            {
                out.push_str(&format!("    in long frames: {ms:>7.0} ms  {name}\n"));
            }
        }
        Err(e) => out.push_str(&format!("  the studio run gave no figures: {e}\n")),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_its_flags() {
        let args = ["--jobs", "20", "--time-scale", "0.5", "--parallel", "all"];
        let o = Options::from_args(args.iter().map(|s| (*s).to_owned())).expect("valid");
        assert_eq!((o.jobs, o.many, o.seed, o.seeds), (20, 200, 1, 1));
        assert_eq!((o.time_scale, o.parallel.as_str()), (0.5, "all"));
        assert_eq!(o.cases, "");
        let args = ["--seeds", "5", "--cases", "apiinone,linear"];
        let o = Options::from_args(args.iter().map(|s| (*s).to_owned())).expect("valid");
        assert_eq!((o.seeds, o.cases.as_str()), (5, "apiinone,linear"));
        for bad in [
            &["--jobs"][..],
            &["--jobs", "0"],
            &["--time-scale", "-1"],
            &["--parallel", "x"],
            &["--seeds", "0"],
            &["--cases", "apiinone,slow"],
        ] {
            assert!(Options::from_args(bad.iter().map(|s| (*s).to_owned())).is_err());
        }
    }

    /// A report of one seed: one case whose ways made `(requests per job, p95 ms)`.
    fn report(seed: u32, ours: (f64, f64), warm: (f64, f64)) -> Value {
        let way = |name: &str, (req, p95): (f64, f64)| {
            format!(r#"{{"way":"{name}","requestsPerJob":{req},"p95Ms":{p95}}}"#)
        };
        let ways = [
            way("ours", ours),
            way("ours, warm", warm),
            way("fixed 2 s", (4.0, 2_000.0)),
        ];
        json::parse(&format!(
            r#"{{"seed":{seed},"cases":[{{"name":"API in One","ways":[{}]}}]}}"#,
            ways.join(",")
        ))
        .expect("valid JSON")
    }

    #[test]
    fn the_seeds_table_gives_each_burst_then_median_worst_and_how_many_met() {
        let reports = [
            report(1, (3.8, 1_300.0), (3.9, 1_100.0)),
            report(2, (3.6, 1_100.0), (4.1, 1_000.0)),
            report(3, (4.2, 1_000.0), (3.9, 1_150.0)),
        ];
        let table = seeds_table(&reports);
        assert!(table.contains("seeds 1, 2, 3"), "{table}");
        assert!(
            table.contains("API in One, ours") && table.contains("0.95/0.65  0.90/0.55  1.05/0.50"),
            "{table}"
        );
        // Sorted by p95: 0.50 (over budget), 0.55, 0.65; the one at 1.05× requests fails.
        assert!(
            table.contains("p95 ×2s median 0.55×, worst 0.65×; req ×2s up to 1.05×; both targets met in 1 of 3 bursts"),
            "{table}"
        );
        assert!(
            table.contains(
                "median 0.55×, worst 0.57×; req ×2s up to 1.02×; both targets met in 2 of 3 bursts"
            ),
            "{table}"
        );
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(1331.0), "1,331");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1_234_567.0), "1,234,567");
    }
}
