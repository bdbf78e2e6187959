//! `cargo xtask fuzz [--runs N]`: the core's coverage-guided fuzz targets
//! (`crates/gpt-image/fuzz`, libFuzzer through cargo-fuzz), each run for a fixed number of
//! executions, printed as a table. Fails if any target crashed, and names the folder that keeps
//! the crashing inputs.
//!
//! The targets are built once with `cargo fuzz build`, then each binary is run directly so that
//! the corpus it grows goes under the target folder (`fuzz/corpus/<target>`) and the committed
//! seeds in `crates/gpt-image/fuzz/corpus/<target>/` are only read. A crash input replays with
//! `<binary> <crash file>`; libFuzzer's full output of the run is in `fuzz/logs/<target>.log`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::ctx::Ctx;

/// The fuzz targets, in the order they run.
const TARGETS: [&str; 5] = [
    "apiframe_reply",
    "apiinone_reply",
    "retry_after",
    "webhook",
    "request",
];
/// Executions per target by default: 1.25 million in all.
const RUNS: u64 = 250_000;
/// An input slower than this, in seconds, is a crash (a hang).
const TIMEOUT_S: u32 = 10;
/// Where the fuzz crate sits, from the root.
const FUZZ_DIR: &str = "crates/gpt-image/fuzz";

/// What one target's run came to.
struct Outcome {
    target: &'static str,
    /// Inputs run, as libFuzzer counts them: the replay of the seeds and of the corpus grown
    /// by earlier runs included: `--runs`, more once the corpus outgrows it, fewer after a crash.
    executions: u64,
    crashes: usize,
    seconds: f64,
    /// libFuzzer's closing `cov:` (edges) and `ft:` (features) figures.
    coverage: Option<(u64, u64)>,
}

/// Reads `--runs N` (executions per target).
fn runs() -> Result<u64, String> {
    let mut runs = RUNS;
    let mut args = std::env::args().skip(2);
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--runs" => {
                let value = args.next().ok_or("--runs needs a value")?;
                runs = value
                    .parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| {
                        format!("--runs must be a positive whole number, not {value}")
                    })?;
            }
            _ => {
                return Err(format!(
                    "unknown flag {flag}: usage: cargo xtask fuzz [--runs N]"
                ));
            }
        }
    }
    Ok(runs)
}

/// Installs cargo-fuzz, builds every target once, runs each, prints the table.
pub fn run(ctx: &Ctx) -> Result<(), String> {
    let runs = runs()?;
    crate::setup::for_fuzz(ctx)?;
    let out = ctx.target_dir().join("fuzz");
    let bins = build(ctx, &out)?;
    let crash_root = out.join("crashes");
    let mut outcomes = Vec::new();
    for target in TARGETS {
        println!("fuzz: {target}, {runs} executions");
        outcomes.push(run_target(ctx, &bins, &out, target, runs)?);
    }
    print_table(&outcomes);
    let crashed: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.crashes > 0)
        .map(|o| o.target)
        .collect();
    if crashed.is_empty() {
        println!(
            "no crash; crash inputs would be kept in {}",
            crash_root.display()
        );
        Ok(())
    } else {
        Err(format!(
            "{} crashed; the inputs are in {}/<target>/ (replay: {}/<target> <file>)",
            crashed.join(", "),
            crash_root.display(),
            bins.display()
        ))
    }
}

/// `cargo fuzz build` of every target (release, debug assertions, AddressSanitizer) into
/// `out`; returns the folder holding the binaries. Only the nightly-flag gate is lifted
/// (`RUSTC_BOOTSTRAP=1`, for `-Zsanitizer`): the compiler is the stable one.
fn build(ctx: &Ctx, out: &Path) -> Result<PathBuf, String> {
    let host = host_triple()?;
    let start = Instant::now();
    let mut cmd = ctx.cmd("cargo");
    cmd.current_dir(ctx.root.join(FUZZ_DIR))
        .args(["fuzz", "build", "--target", &host, "--target-dir"])
        .arg(out)
        .env("RUSTC_BOOTSTRAP", "1");
    ctx.run(&mut cmd)?;
    println!("fuzz: built in {:.1} s", start.elapsed().as_secs_f64());
    Ok(out.join(host).join("release"))
}

fn host_triple() -> Result<String, String> {
    let out = Command::new("rustc")
        .arg("-vV")
        .output()
        .map_err(|e| format!("cannot run rustc -vV: {e}"))?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| "rustc -vV names no host".to_string())
}

/// Runs one target for `runs` executions from its committed seeds and the corpus grown so far.
fn run_target(
    ctx: &Ctx,
    bins: &Path,
    out: &Path,
    target: &'static str,
    runs: u64,
) -> Result<Outcome, String> {
    let grown = out.join("corpus").join(target);
    let crashes = out.join("crashes").join(target);
    let logs = out.join("logs");
    for dir in [&grown, &crashes, &logs] {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let before = crash_files(&crashes);
    let seeds = ctx.root.join(FUZZ_DIR).join("corpus").join(target);
    let start = Instant::now();
    // The first folder is where libFuzzer adds what it finds; the seeds are only read.
    let output = Command::new(bins.join(target))
        .arg(&grown)
        .arg(&seeds)
        .arg(format!("-runs={runs}"))
        .arg(format!("-timeout={TIMEOUT_S}"))
        .arg(format!("-artifact_prefix={}/", crashes.display()))
        .arg("-print_final_stats=1")
        .output()
        .map_err(|e| format!("cannot run the {target} fuzz target: {e} (was it built?)"))?;
    let seconds = start.elapsed().as_secs_f64();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let log = logs.join(format!("{target}.log"));
    std::fs::write(&log, &text).map_err(|e| format!("cannot write {}: {e}", log.display()))?;
    let new: Vec<String> = crash_files(&crashes)
        .into_iter()
        .filter(|f| !before.contains(f))
        .collect();
    for file in &new {
        println!("fuzz: {target} crashed: {}", crashes.join(file).display());
    }
    if !output.status.success() && new.is_empty() {
        return Err(format!(
            "the {target} fuzz target failed ({}) without a crash input; see {}",
            output.status,
            log.display()
        ));
    }
    Ok(Outcome {
        target,
        executions: executions(&text),
        crashes: new.len(),
        seconds,
        coverage: coverage(&text),
    })
}

/// The inputs libFuzzer kept for a crash, a leak, a timeout or running out of memory.
fn crash_files(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| {
            ["crash-", "leak-", "timeout-", "oom-"]
                .iter()
                .any(|p| name.starts_with(p))
        })
        .collect();
    files.sort();
    files
}

/// Executions from `stat::number_of_executed_units`, else the last `#N` status line (a run
/// cut short by a crash may print neither line in full).
fn executions(text: &str) -> u64 {
    let stat = text.lines().find_map(|l| {
        l.strip_prefix("stat::number_of_executed_units:")?
            .trim()
            .parse()
            .ok()
    });
    stat.or_else(|| {
        text.lines().rev().find_map(|l| {
            let number = l.strip_prefix('#')?.split_whitespace().next()?;
            number.parse().ok()
        })
    })
    .unwrap_or(0)
}

/// The last `cov: N ft: M` pair libFuzzer printed.
fn coverage(text: &str) -> Option<(u64, u64)> {
    text.lines().rev().find_map(|l| {
        let after = |key: &str| -> Option<u64> {
            let mut words = l.split_whitespace();
            words.find(|w| *w == key)?;
            words.next()?.parse().ok()
        };
        Some((after("cov:")?, after("ft:")?))
    })
}

fn print_table(outcomes: &[Outcome]) {
    println!(
        "\n{:<16} {:>12} {:>8} {:>8} {:>10} {:>10}",
        "target", "executions", "crashes", "seconds", "edges", "features"
    );
    let shown = |n: Option<u64>| n.map_or("?".to_string(), |n| n.to_string());
    for o in outcomes {
        println!(
            "{:<16} {:>12} {:>8} {:>8.1} {:>10} {:>10}",
            o.target,
            o.executions,
            o.crashes,
            o.seconds,
            shown(o.coverage.map(|c| c.0)),
            shown(o.coverage.map(|c| c.1)),
        );
    }
    println!(
        "{:<16} {:>12} {:>8} {:>8.1}",
        "total",
        outcomes.iter().map(|o| o.executions).sum::<u64>(),
        outcomes.iter().map(|o| o.crashes).sum::<usize>(),
        outcomes.iter().map(|o| o.seconds).sum::<f64>(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_libfuzzer_figures() {
        let done = "#295\tINITED cov: 1746 ft: 2973 corp: 249/17Kb exec/s: 0 rss: 49Mb\n\
                    #5000\tDONE   cov: 1852 ft: 3125 corp: 291/20Kb lim: 254 exec/s: 0 rss: 60Mb\n\
                    Done 5000 runs in 0 second(s)\n\
                    stat::number_of_executed_units: 5000\n\
                    stat::peak_rss_mb:              60";
        assert_eq!(executions(done), 5000);
        assert_eq!(coverage(done), Some((1852, 3125)));
        let crashed = "#1024\tpulse  cov: 900 ft: 1000 corp: 12/1Kb\n\
                       #1500\tNEW    cov: 910 ft: 1010 corp: 13/1Kb\n\
                       ==1== ERROR: libFuzzer: deadly signal";
        assert_eq!(executions(crashed), 1500);
        assert_eq!(coverage(crashed), Some((910, 1010)));
        assert_eq!(executions("nothing"), 0);
        assert_eq!(coverage("nothing"), None);
    }
}
