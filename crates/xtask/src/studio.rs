//! The studio's tier: build the release `dist/` with Trunk, test it end to end in headless
//! Chromium (served under a deep sub-path by a second emulator, talking to the API emulator on
//! another origin; a third emulator with CORS off stands for a provider that refuses browsers,
//! reached directly or through the npm package's proxy), and report its gzipped size against
//! the first-load budget.

use std::path::Path;

use crate::ctx::{Ctx, Tally};
use crate::size::{gzipped, kb};

/// Where the second emulator serves `dist/`: deep, so relative asset URLs are proven.
const PREFIX: &str = "/some/deep/path/studio/";

/// First load budget: wasm + JS + CSS + HTML, gzipped.
const BUDGET_BYTES: usize = 250 * 1024;
/// Issue 12's aim for the same first load.
const AIM_BYTES: usize = 170 * 1024;

/// Rust flags of every studio build. `erase_components` makes Leptos type-erase each
/// component's view (an `AnyView` per component instead of one nested type for the whole
/// page), so far fewer view types are monomorphized: 11.6 KB less gzipped wasm, measured.
const STUDIO_RUSTFLAGS: &str = "--cfg=erase_components";

/// `RUSTFLAGS` for a studio build: the caller's, then [`STUDIO_RUSTFLAGS`].
fn studio_rustflags() -> String {
    match std::env::var("RUSTFLAGS") {
        Ok(own) if !own.trim().is_empty() => format!("{own} {STUDIO_RUSTFLAGS}"),
        _ => STUDIO_RUSTFLAGS.to_owned(),
    }
}

/// How `dist/` is built: `Release` is what is tested, measured and hosted (LTO, wasm-opt);
/// `Debug` compiles several times faster, for `cargo xtask dev`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Release,
    Debug,
}

/// `trunk build` at the root: a self-contained `dist/`. A release build is optimised by the
/// toolchain's wasm-opt (Trunk.toml pins its version, so no other is used by mistake).
pub fn build(ctx: &Ctx, profile: Profile) -> Result<(), String> {
    let mut trunk = ctx.cmd("trunk");
    trunk
        .arg("build")
        .env("PATH", crate::setup::path_with_toolchain(ctx)?)
        .env("RUSTFLAGS", studio_rustflags());
    if profile == Profile::Release {
        trunk.arg("--release");
    }
    ctx.run(&mut trunk)?;
    let index = ctx.root.join("dist/index.html");
    if !index.exists() {
        return Err("trunk build produced no dist/index.html".into());
    }
    if profile == Profile::Release {
        compact_glue(&ctx.root.join("dist"))?;
    }
    Ok(())
}

/// Strips the comments, blank lines and indentation from wasm-bindgen's JS glue in `dist/`
/// and gives `index.html` its new `integrity`: Trunk minifies the CSS and the HTML but not the
/// glue, and this saves 1.1 KB of the first load, gzipped. Nothing else changes: every line
/// keeps its code, in order, so automatic semicolons fall where they did.
fn compact_glue(dist: &Path) -> Result<(), String> {
    use base64::Engine;
    use sha2::Digest;
    let integrity = |bytes: &[u8]| {
        let hash = sha2::Sha384::digest(bytes);
        format!(
            "sha384-{}",
            base64::engine::general_purpose::STANDARD.encode(hash)
        )
    };
    let index_path = dist.join("index.html");
    let mut index = std::fs::read_to_string(&index_path)
        .map_err(|e| format!("cannot read {}: {e}", index_path.display()))?;
    for entry in std::fs::read_dir(dist).map_err(|e| format!("cannot read dist/: {e}"))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if !name.starts_with("gpt-image-studio-") || !name.ends_with(".js") {
            continue;
        }
        let js = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let Some(compact) = compact_js(&js) else {
            continue;
        };
        let (before, after) = (integrity(js.as_bytes()), integrity(compact.as_bytes()));
        if index.contains(&before) {
            index = index.replace(&before, &after);
        }
        std::fs::write(&path, compact)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    std::fs::write(&index_path, index)
        .map_err(|e| format!("cannot write {}: {e}", index_path.display()))
}

/// `js` without whole-line comments, blank lines and indentation; `None` (leave it as it is)
/// when a line could be inside a multi-line template literal or holds code around a block
/// comment, where dropping text could change the program.
fn compact_js(js: &str) -> Option<String> {
    let mut out = String::with_capacity(js.len());
    let mut in_comment = false;
    for line in js.lines() {
        if line.matches('`').count() % 2 == 1 {
            return None;
        }
        let line = line.trim();
        if in_comment {
            if line.contains("*/") {
                if !line.ends_with("*/") {
                    return None;
                }
                in_comment = false;
            }
            continue;
        }
        if line.starts_with("/*") {
            match line.find("*/") {
                Some(end) if end + 2 != line.len() => return None,
                Some(_) => {}
                None => in_comment = true,
            }
            continue;
        }
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    Some(out)
}

/// The e2e suite (`web/studio-e2e/*.test.js`) against the release build.
pub fn test(ctx: &Ctx, emulator_url: &str) -> Result<Tally, String> {
    let dist = ctx.root.join("dist");
    if !dist.join("index.html").exists() {
        return Err("dist/ is missing: run the build first".into());
    }
    // The studio config points at the API emulator with demo keys, as `cargo xtask dev` does,
    // so the newcomer path (first click makes an image) is tested too.
    let config = format!(
        r#"{{"provider":"apiframe","baseUrl":"{emulator_url}","apiKeys":{{"apiframe":"afk_demo_e2e","apiinone":"aio_demo_e2e"}}}}"#
    );
    let dist_arg = dist.to_string_lossy().into_owned();
    let host = ctx.emulator(&[
        "--static",
        &dist_arg,
        "--static-prefix",
        PREFIX,
        "--studio-config",
        &config,
    ])?;
    let studio_url = format!("{}{PREFIX}", host.url);
    // A provider that refuses browsers: the proxy test forwards to it, the CORS test calls it.
    let nocors = ctx.emulator(&["--time-scale", "0.05", "--cors", "off"])?;
    // The built npm package (`cargo xtask npm`), whose `proxy-node.js` the proxy test imports.
    let proxy_package = ctx.target_dir().join("npm/gpt-image-wasm");
    let proxy_package = proxy_package.to_string_lossy().into_owned();
    let artifacts = ctx.target_dir().join("e2e-artifacts");
    std::fs::create_dir_all(&artifacts)
        .map_err(|e| format!("cannot create {}: {e}", artifacts.display()))?;
    let dir = ctx.root.join("web/studio-e2e");
    let files = test_files(&dir)?;
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let artifacts = artifacts.to_string_lossy().into_owned();
    // For a test that starts an emulator with flags of its own (many-jobs: no concurrency limit).
    let emulator_bin = ctx.target_dir().join("debug/gpt-image-emulator");
    let emulator_bin = emulator_bin.to_string_lossy().into_owned();
    ctx.node_test(
        &dir,
        &files,
        &[
            ("STUDIO_URL", studio_url.as_str()),
            ("EMULATOR_URL", emulator_url),
            ("ARTIFACTS", artifacts.as_str()),
            ("EMULATOR_NOCORS_URL", nocors.url.as_str()),
            ("PROXY_PACKAGE", proxy_package.as_str()),
            ("EMULATOR_BIN", emulator_bin.as_str()),
        ],
    )
}

/// `*.test.js` in `dir`, sorted.
fn test_files(dir: &Path) -> Result<Vec<String>, String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .flatten()
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| name.ends_with(".test.js"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("no *.test.js in {}", dir.display()));
    }
    Ok(files)
}

/// Prints the gzipped size of every file in `dist/`, the first-load total against the budget,
/// then the studio wasm's largest functions and bytes by crate ([`crate::bench::size`]).
pub fn bench(ctx: &Ctx) -> Result<(), String> {
    let dist = ctx.root.join("dist");
    let mut rows = vec![];
    for entry in
        std::fs::read_dir(&dist).map_err(|e| format!("cannot read {}: {e}", dist.display()))?
    {
        let path = entry.map_err(|e| e.to_string())?.path();
        if !path.is_file() {
            continue;
        }
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        rows.push((name, bytes.len(), gzipped(&bytes)?));
    }
    rows.sort_by_key(|row| std::cmp::Reverse(row.2));
    let kind = |name: &str| match name.rsplit('.').next().unwrap_or("") {
        "wasm" => "wasm",
        "js" => "JS",
        "css" => "CSS",
        "html" => "HTML",
        _ => "other",
    };
    println!("\n=== studio: dist/ sizes (gzip -9)");
    println!(
        "{:<52} {:>5} {:>10} {:>10}",
        "file", "kind", "raw", "gzipped"
    );
    for (name, raw, gz) in &rows {
        println!(
            "{name:<52} {:>5} {:>10} {:>10}",
            kind(name),
            kb(*raw),
            kb(*gz)
        );
    }
    let first_load: usize = rows
        .iter()
        .filter(|(n, ..)| kind(n) != "other")
        .map(|r| r.2)
        .sum();
    let verdict = if first_load <= BUDGET_BYTES {
        "within"
    } else {
        "OVER"
    };
    println!(
        "first load (wasm + JS + CSS + HTML): {} gzipped, {verdict} the {} budget (issue 12 aims at {})",
        kb(first_load),
        kb(BUDGET_BYTES),
        kb(AIM_BYTES)
    );
    let shipped_wasm: usize = rows
        .iter()
        .filter(|(n, ..)| kind(n) == "wasm")
        .map(|r| r.2)
        .sum();
    crate::bench::size::print("studio wasm", &unoptimised_wasm(ctx)?, shipped_wasm)
}

/// Whether `bench size` can print without building: `dist/` and the wasm Trunk optimised.
pub fn bench_inputs_exist(ctx: &Ctx) -> bool {
    ctx.root.join("dist/index.html").exists() && trunk_unoptimised_wasm(ctx).exists()
}

/// Trunk's wasm-bindgen output, before its wasm-opt: it still has the name section.
fn trunk_unoptimised_wasm(ctx: &Ctx) -> std::path::PathBuf {
    ctx.target_dir()
        .join("wasm-bindgen/release/gpt-image-studio_bg.wasm")
}

/// The studio's wasm with its names: Trunk's pre-optimisation file when it is there (Trunk
/// 0.21 leaves it in `<target>/wasm-bindgen/release/`), else the studio crate built for wasm32
/// (release, as Trunk builds it) and run through wasm-bindgen into `<target>/size-bench/`.
fn unoptimised_wasm(ctx: &Ctx) -> Result<std::path::PathBuf, String> {
    let trunk = trunk_unoptimised_wasm(ctx);
    if trunk.exists() {
        return Ok(trunk);
    }
    ctx.run(ctx.cmd("cargo").env("RUSTFLAGS", studio_rustflags()).args([
        "build",
        "-p",
        "gpt-image-studio",
        "--bin",
        "gpt-image-studio",
        "--target",
        "wasm32-unknown-unknown",
        "--release",
    ]))?;
    let out = ctx.target_dir().join("size-bench/studio");
    ctx.run(
        ctx.cmd("wasm-bindgen")
            .args(["--target", "web", "--out-name", "studio", "--out-dir"])
            .arg(&out)
            .arg(
                ctx.target_dir()
                    .join("wasm32-unknown-unknown/release/gpt-image-studio.wasm"),
            ),
    )?;
    Ok(out.join("studio_bg.wasm"))
}

#[cfg(test)]
mod tests {
    use super::compact_js;

    #[test]
    fn the_glue_loses_only_comments_blank_lines_and_indentation() {
        let js = "/**\n * @returns {number}\n */\nfunction f(a) {\n    // note\n\n    return a + 1;\n}\n";
        assert_eq!(
            compact_js(js).unwrap(),
            "function f(a) {\nreturn a + 1;\n}\n"
        );
        // Code beside a block comment, or a template literal over several lines: left alone.
        assert_eq!(compact_js("/* a */ x();\n"), None);
        assert_eq!(compact_js("const s = `a\n  b`;\n"), None);
    }
}
