//! Installs every tool the project needs, skipping what is already there.
//!
//! Versions that must match the workspace are checked, not just presence: the wasm-bindgen CLI
//! must equal the pinned crate, and Trunk 0.21.14 is the last release this compiler builds.

use std::process::Command;

use crate::ctx::Ctx;

const WASM_BINDGEN: &str = "0.2.130";
const TRUNK: &str = "0.21.14";
const APT_TOOLS: [(&str, &str); 3] = [
    ("chromium", "chromium"),
    ("chromedriver", "chromium-driver"),
    ("wasm-opt", "binaryen"),
];

pub fn setup(ctx: &Ctx) -> Result<(), String> {
    rust_target(ctx)?;
    cargo_tool(ctx, "wasm-bindgen", "wasm-bindgen-cli", WASM_BINDGEN, false)?;
    cargo_tool(ctx, "trunk", "trunk", TRUNK, true)?;
    apt_tools(ctx)?;
    npm_packages(ctx)?;
    Ok(())
}

fn rust_target(ctx: &Ctx) -> Result<(), String> {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    println!("setup: adding the wasm32-unknown-unknown target");
    ctx.run(
        ctx.cmd("rustup")
            .args(["target", "add", "wasm32-unknown-unknown"]),
    )
}

fn cargo_tool(
    ctx: &Ctx,
    bin: &str,
    krate: &str,
    version: &str,
    locked: bool,
) -> Result<(), String> {
    let found = output(bin, &["--version"]).unwrap_or_default();
    if found
        .split_whitespace()
        .any(|w| w.trim_start_matches('v') == version)
    {
        return Ok(());
    }
    println!("setup: installing {krate} {version} (a few minutes, once)");
    let mut cmd = ctx.cmd("cargo");
    cmd.args(["install", krate, "--version", &format!("={version}")]);
    // wasm-bindgen-cli's lock file names a version the registry no longer serves.
    if locked {
        cmd.arg("--locked");
    }
    ctx.run(&mut cmd)
}

fn apt_tools(ctx: &Ctx) -> Result<(), String> {
    let missing: Vec<&str> = APT_TOOLS
        .iter()
        .filter(|(bin, _)| output("which", &[bin]).is_none_or(|p| p.trim().is_empty()))
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
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
    ctx.run(&mut install)
}

/// `npm ci` in every folder under web/ that has a lock file and is out of date.
fn npm_packages(ctx: &Ctx) -> Result<(), String> {
    for dir in crate::npm_dirs(ctx) {
        let lock = dir.join("package-lock.json");
        let stamp = dir.join("node_modules/.package-lock.json");
        let fresh = match (modified(&lock), modified(&stamp)) {
            (Some(l), Some(s)) => s >= l,
            _ => false,
        };
        if fresh {
            continue;
        }
        println!("setup: npm ci in {}", dir.display());
        ctx.run(Command::new("npm").current_dir(&dir).args([
            "ci",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ]))?;
    }
    Ok(())
}

fn modified(path: &std::path::Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).ok()?.modified().ok()
}

fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
