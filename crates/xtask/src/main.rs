//! The project's task runner, so that set-up, the dev server, tests and benchmarks are one
//! portable command each:
//!
//! - `cargo xtask dev`: set up, build, and serve the studio beside the emulator;
//! - `cargo xtask test [TIER…]`: set up, build once, run every test tier (or those named), fail
//!   if any fails or is empty;
//! - `cargo xtask bench [schedule|size|polling]`: print sizes and figures (never a pass/fail
//!   test); `schedule` only simulates the polling schedule against fixed loops, building
//!   nothing; `size` only prints the sizes, `polling` only the polling's real runs (the npm
//!   module against the emulator, 200 jobs in the studio), each building only what is missing;
//! - `cargo xtask setup`: only install the tools (all of them);
//! - `cargo xtask dist`: build the studio's release `dist/`;
//! - `cargo xtask npm`: build the npm package and its tarball under `target/npm/`;
//! - `cargo xtask soak [--jobs N]`: many jobs through the npm package under random faults, as a
//!   table (a figure, never a pass/fail test).
//! - `cargo xtask fuzz [--runs N]`: the core's fuzz targets, N executions each, as a table;
//!   fails on a crash.

mod bench;
mod ctx;
mod fuzz;
mod npm;
mod setup;
mod size;
mod soak;
mod studio;
mod tiers;

use std::path::PathBuf;
use std::process::ExitCode;

use ctx::{Ctx, Tally};

/// A named test tier, run in order by `test`.
type Tier<'a> = (&'a str, Box<dyn Fn() -> Result<Tally, String> + 'a>);

fn main() -> ExitCode {
    let ctx = Ctx::new();
    let task = std::env::args().nth(1).unwrap_or_default();
    let result = match task.as_str() {
        "setup" => setup::for_tests(&ctx),
        "dev" => dev(&ctx),
        "test" => test(&ctx),
        "bench" => bench(&ctx),
        "npm" => setup::for_studio(&ctx).and_then(|()| npm::build(&ctx)),
        "soak" => soak::run(&ctx),
        "fuzz" => fuzz::run(&ctx),
        "dist" => {
            setup::for_studio(&ctx).and_then(|()| studio::build(&ctx, studio::Profile::Release))
        }
        _ => {
            eprintln!("usage: cargo xtask <setup|dev|test|bench|npm|dist|soak|fuzz>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {task}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Folders `web/<part>/` with their own npm lock file, installed by setup. Deeper folders
/// (an example that installs a freshly packed tarball) are their tier's business.
pub fn npm_dirs(ctx: &Ctx) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(ctx.root.join("web"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|dir| dir.join("package-lock.json").exists())
        .collect();
    dirs.sort();
    dirs
}

fn build_all(ctx: &Ctx) -> Result<(), String> {
    tiers::build_native(ctx)?;
    studio::build(ctx, studio::Profile::Release)?;
    npm::build(ctx)?;
    Ok(())
}

/// The first run of a newcomer: the emulator compiles while the studio's tools install (each
/// has idle stretches the other fills), then a debug build of the studio, which compiles much
/// faster than the release one. The npm package plays no part in serving the studio.
fn dev(ctx: &Ctx) -> Result<(), String> {
    let started = std::time::Instant::now();
    std::thread::scope(|s| {
        let emulator = s.spawn(|| tiers::build_native(ctx));
        let tools = setup::for_studio(ctx);
        let emulator = emulator
            .join()
            .unwrap_or_else(|_| Err("the emulator build panicked".into()));
        tools.and(emulator)
    })?;
    studio::build(ctx, studio::Profile::Debug)?;
    println!(
        "dev: ready {:.0} s after start",
        started.elapsed().as_secs_f64()
    );
    tiers::serve(ctx)
}

fn test(ctx: &Ctx) -> Result<(), String> {
    setup::for_tests(ctx)?;
    build_all(ctx)?;
    let emulator = ctx.emulator(&["--time-scale", "0.05"])?;
    let tiers: Vec<Tier> = vec![
        ("lint (fmt, clippy)", Box::new(|| tiers::lint(ctx))),
        ("native (cargo test)", Box::new(|| tiers::native(ctx))),
        (
            "browser (wasm-bindgen-test in headless Chromium)",
            Box::new(|| tiers::browser(ctx, &emulator.url)),
        ),
        (
            "studio (Playwright, release dist/)",
            Box::new(|| studio::test(ctx, &emulator.url)),
        ),
        (
            "npm module (node --test, Vite, tsc, publint, attw)",
            Box::new(|| npm::test(ctx, &emulator.url)),
        ),
    ];
    // `cargo xtask test studio npm` runs only the tiers whose names start with those words.
    let only: Vec<String> = std::env::args().skip(2).collect();
    let tiers: Vec<Tier> = tiers
        .into_iter()
        .filter(|(name, _)| only.is_empty() || only.iter().any(|o| name.starts_with(o.as_str())))
        .collect();
    let mut failures = vec![];
    let mut lines = vec![];
    let mut total = Tally::default();
    for (name, tier) in &tiers {
        println!("\n=== tier: {name}");
        let outcome = tier();
        if let Ok(t) = &outcome {
            total.add(*t);
        }
        match outcome {
            Ok(t) if t.failed == 0 && t.passed > 0 => {
                lines.push(format!("{name}: {} passed", t.passed))
            }
            Ok(t) if t.passed + t.failed == 0 => {
                lines.push(format!("{name}: ran no tests"));
                failures.push(*name);
            }
            Ok(t) => {
                lines.push(format!("{name}: {} passed, {} failed", t.passed, t.failed));
                failures.push(*name);
            }
            Err(e) => {
                lines.push(format!("{name}: error: {e}"));
                failures.push(*name);
            }
        }
    }
    println!("\n=== summary");
    for line in &lines {
        println!("{line}");
    }
    // The one closing line CI reads: every test of every tier.
    println!("total: {} passed, {} failed", total.passed, total.failed);
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} tier(s) failed: {}",
            failures.len(),
            failures.join("; ")
        ))
    }
}

/// `bench` prints every figure: the polling simulation, the sizes, then the polling's real runs.
/// `bench schedule` only the simulation (builds nothing); `bench size` only the sizes and
/// `bench polling [flags]` only the real runs, each building only when something it reads is
/// missing.
fn bench(ctx: &Ctx) -> Result<(), String> {
    let only = std::env::args().nth(2);
    let only = only.as_deref();
    if !matches!(only, None | Some("schedule" | "size" | "polling")) {
        return Err("usage: cargo xtask bench [schedule|size|polling [flags]]".into());
    }
    let polling = bench::polling::Options::from_args(std::env::args().skip(3))?;
    if matches!(only, None | Some("schedule")) {
        bench::schedule::simulate();
        if only.is_some() {
            return Ok(());
        }
    }
    let inputs = match only {
        Some("size") => studio::bench_inputs_exist(ctx) && npm::bench_inputs_exist(ctx),
        Some("polling") => bench::polling::inputs_exist(ctx),
        _ => false,
    };
    if !inputs {
        setup::for_tests(ctx)?;
        build_all(ctx)?;
    }
    if matches!(only, None | Some("size")) {
        studio::bench(ctx)?;
        npm::bench(ctx)?;
    }
    if matches!(only, None | Some("polling")) {
        bench::polling::run(ctx, &polling)?;
    }
    Ok(())
}
