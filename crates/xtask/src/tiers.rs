//! The Rust test tiers (lint, native, browser) and the dev server.

use crate::ctx::{Ctx, Tally, cargo_tally};

/// Crates with code that only builds for wasm32 (the core's fetch layer, the npm facade, the
/// studio): clippy checks each of them for that target too, so none of it escapes the lint.
const WASM_CRATES: [&str; 4] = [
    "gpt-image",
    "gpt-image-wasm",
    "gpt-image-studio",
    "gpt-image-proxy",
];

/// Builds what every later step reuses: the emulator binary.
pub fn build_native(ctx: &Ctx) -> Result<(), String> {
    ctx.run(ctx.cmd("cargo").args(["build", "-p", "gpt-image-emulator"]))
}

/// rustfmt and clippy (native and wasm32), warnings denied. Every check runs, and each counts
/// as one test, so one report shows all that is wrong.
pub fn lint(ctx: &Ctx) -> Result<Tally, String> {
    let mut checks = vec![
        vec!["fmt", "--all", "--", "--check"],
        vec![
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    ];
    for krate in WASM_CRATES {
        checks.push(vec![
            "clippy",
            "-p",
            krate,
            "--target",
            "wasm32-unknown-unknown",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]);
    }
    let mut tally = Tally::default();
    for args in checks {
        match ctx.run(ctx.cmd("cargo").args(&args)) {
            Ok(()) => tally.passed += 1,
            Err(e) => {
                eprintln!("lint: {e}");
                tally.failed += 1;
            }
        }
    }
    Ok(tally)
}

/// Every crate's native unit and integration tests.
pub fn native(ctx: &Ctx) -> Result<Tally, String> {
    let (ok, output) = ctx.run_tee(ctx.cmd("cargo").args(["test", "--workspace"]))?;
    let tally = cargo_tally(&output);
    if !ok && tally.failed == 0 {
        return Err("cargo test failed before reporting results".into());
    }
    Ok(tally)
}

/// The client core's fetch path, compiled to wasm32 and run in headless Chromium against the
/// emulator at `emulator_url` (passed in at build time, as gloo's own tests do).
pub fn browser(ctx: &Ctx, emulator_url: &str) -> Result<Tally, String> {
    let mut cmd = ctx.cmd("cargo");
    cmd.args([
        "test",
        "-p",
        "gpt-image",
        "--target",
        "wasm32-unknown-unknown",
        "--test",
        "browser",
    ])
    .env("CHROMEDRIVER", "/usr/bin/chromedriver")
    .env("GPT_IMAGE_EMULATOR_URL", emulator_url)
    .env("WASM_BINDGEN_TEST_TIMEOUT", "600");
    let (ok, output) = ctx.run_tee(&mut cmd)?;
    if !output.contains("headless tests in Chrome") {
        return Err("the wasm tests did not run in headless Chrome".into());
    }
    let tally = cargo_tally(&output);
    if !ok && tally.failed == 0 {
        return Err("wasm-bindgen-test failed before reporting results".into());
    }
    Ok(tally)
}

/// Serves the studio (when built) and the emulator on one port until interrupted.
pub fn serve(ctx: &Ctx) -> Result<(), String> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "8787".into());
    let origin = format!("http://127.0.0.1:{port}");
    let bin = ctx.target_dir().join("debug/gpt-image-emulator");
    let mut cmd = ctx.cmd(&bin.to_string_lossy());
    // No random failures: a newcomer's first click must make an image. Failures are one base-URL
    // change away (`…/_fault/submit:fail`).
    cmd.args(["--port", &port, "--time-scale", "0.4"]);
    let dist = ctx.root.join("dist");
    if dist.join("index.html").exists() {
        let config = format!(
            r#"{{"provider":"apiframe","baseUrl":"{origin}","apiKeys":{{"apiframe":"afk_demo_studio","apiinone":"aio_demo_studio"}}}}"#
        );
        cmd.arg("--static")
            .arg(&dist)
            .args(["--studio-config", &config]);
        println!("studio: {origin}/  (emulator API on the same port; Ctrl-C to stop)");
    } else {
        println!("emulator: {origin}  (Ctrl-C to stop)");
    }
    ctx.run(&mut cmd)
}
