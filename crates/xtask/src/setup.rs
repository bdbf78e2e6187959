//! Installs the tools the project needs, skipping what is already there, and prints how long
//! each step took.
//!
//! Two sets: [`for_studio`] is all that building and serving the studio needs (what
//! `cargo xtask dev` installs, kept small so a first run is quick); [`for_tests`] adds the
//! browser and the test tiers' npm packages. Versions that must match the workspace are
//! checked, not just presence: the wasm-bindgen CLI must equal the pinned crate, and Trunk
//! 0.21.14 is the last release this compiler builds.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use crate::ctx::Ctx;

const WASM_BINDGEN: &str = "0.2.130";
const TRUNK: &str = "0.21.14";
/// cargo-fuzz, which only `cargo xtask fuzz` needs.
const CARGO_FUZZ: &str = "0.13.2";
const APT_TOOLS: [(&str, &str); 2] = [
    ("chromium", "chromium"),
    ("chromedriver", "chromium-driver"),
];
/// The npm folder whose packages every wasm build uses (binaryen's wasm-opt).
pub const TOOLCHAIN: &str = "web/toolchain";

/// What building and serving the studio needs: the wasm32 target, wasm-bindgen, Trunk and
/// binaryen. No browser, no test packages.
pub fn for_studio(ctx: &Ctx) -> Result<(), String> {
    step("wasm32 target", || rust_target(ctx))?;
    // wasm-bindgen rewrites every wasm the project builds: some optimisation pays for itself.
    step("wasm-bindgen-cli", || {
        cargo_tool(
            ctx,
            "wasm-bindgen",
            "wasm-bindgen-cli",
            WASM_BINDGEN,
            "1",
            &[],
        )
    })?;
    // Trunk's default features are its TLS stack and update check, which `offline = true`
    // never uses. It mostly waits on cargo and the tools it runs, so it is built unoptimised.
    step("trunk", || {
        let flags = ["--locked", "--no-default-features"];
        cargo_tool(ctx, "trunk", "trunk", TRUNK, "0", &flags)
    })?;
    step("binaryen (npm)", || npm_ci(ctx, &ctx.root.join(TOOLCHAIN)))
}

/// Everything: [`for_studio`], Chromium and its driver, and every npm folder under `web/`.
pub fn for_tests(ctx: &Ctx) -> Result<(), String> {
    for_studio(ctx)?;
    step("chromium", || apt_tools(ctx))?;
    for dir in crate::npm_dirs(ctx) {
        let name = dir
            .strip_prefix(&ctx.root)
            .unwrap_or(&dir)
            .display()
            .to_string();
        step(&format!("npm packages in {name}"), || npm_ci(ctx, &dir))?;
    }
    Ok(())
}

/// What `cargo xtask fuzz` needs, and nothing else: cargo-fuzz (it drives cargo and libFuzzer,
/// so it is built unoptimised). libFuzzer itself is compiled from the `libfuzzer-sys` crate with
/// the system's C++ compiler.
pub fn for_fuzz(ctx: &Ctx) -> Result<(), String> {
    step("cargo-fuzz", || {
        cargo_tool(
            ctx,
            "cargo-fuzz",
            "cargo-fuzz",
            CARGO_FUZZ,
            "0",
            &["--locked"],
        )
    })
}

/// The `bin/` folder of the toolchain's npm packages, put first on PATH for every build so the
/// working wasm-opt is found before any other.
pub fn toolchain_bin(ctx: &Ctx) -> PathBuf {
    ctx.root.join(TOOLCHAIN).join("node_modules/.bin")
}

/// PATH with the toolchain's `bin/` first.
pub fn path_with_toolchain(ctx: &Ctx) -> Result<std::ffi::OsString, String> {
    let rest = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::iter::once(toolchain_bin(ctx)).chain(std::env::split_paths(&rest));
    std::env::join_paths(dirs).map_err(|e| format!("cannot build PATH: {e}"))
}

/// Runs one install step and prints its time, or that nothing was needed.
fn step(name: &str, run: impl FnOnce() -> Result<bool, String>) -> Result<(), String> {
    let start = Instant::now();
    let installed = run()?;
    if installed {
        println!(
            "setup: {name} installed in {:.1} s",
            start.elapsed().as_secs_f64()
        );
    } else {
        println!("setup: {name} already there");
    }
    Ok(())
}

fn rust_target(ctx: &Ctx) -> Result<bool, String> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(false);
    }
    println!("setup: adding the wasm32-unknown-unknown target");
    ctx.run(
        ctx.cmd("rustup")
            .args(["target", "add", "wasm32-unknown-unknown"]),
    )?;
    Ok(true)
}

/// `cargo install` of an exact version, in a light profile (`opt_level`, no LTO, many codegen
/// units): these are build tools run on small inputs, so a quick compile matters more than
/// peak speed.
fn cargo_tool(
    ctx: &Ctx,
    bin: &str,
    krate: &str,
    version: &str,
    opt_level: &str,
    flags: &[&str],
) -> Result<bool, String> {
    let found = output(bin, &["--version"]).unwrap_or_default();
    if found
        .split_whitespace()
        .any(|w| w.trim_start_matches('v') == version)
    {
        return Ok(false);
    }
    println!("setup: installing {krate} {version} (once)");
    let mut cmd = ctx.cmd("cargo");
    cmd.args(["install", krate, "--version", &format!("={version}")])
        .args(flags)
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", opt_level)
        .env("CARGO_PROFILE_RELEASE_LTO", "off")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "0")
        .env("CARGO_PROFILE_RELEASE_STRIP", "true");
    ctx.run(&mut cmd)?;
    Ok(true)
}

fn apt_tools(ctx: &Ctx) -> Result<bool, String> {
    let missing: Vec<&str> = APT_TOOLS
        .iter()
        .filter(|(bin, _)| output("which", &[bin]).is_none_or(|p| p.trim().is_empty()))
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(false);
    }
    println!("setup: installing {} from Debian", missing.join(", "));
    let root = output("id", &["-u"]).is_some_and(|u| u.trim() == "0");
    let apt = |args: &[&str]| {
        let mut cmd = if root {
            ctx.cmd("apt-get")
        } else {
            ctx.cmd("sudo")
        };
        if !root {
            cmd.args(["-n", "apt-get"]);
        }
        cmd.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        cmd
    };
    ctx.run(&mut apt(&["update", "-q"]))?;
    let mut install = apt(&["install", "-y", "-q", "--no-install-recommends"]);
    install.args(&missing);
    ctx.run(&mut install)?;
    Ok(true)
}

/// `npm ci` in `dir` unless its `node_modules` is as new as its lock file.
fn npm_ci(ctx: &Ctx, dir: &Path) -> Result<bool, String> {
    let lock = dir.join("package-lock.json");
    let stamp = dir.join("node_modules/.package-lock.json");
    if let (Some(l), Some(s)) = (modified(&lock), modified(&stamp))
        && s >= l
    {
        return Ok(false);
    }
    ctx.run(Command::new("npm").current_dir(dir).args([
        "ci",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
    ]))?;
    Ok(true)
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).ok()?.modified().ok()
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
