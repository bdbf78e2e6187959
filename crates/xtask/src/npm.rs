//! The npm module's tier: build the `gpt-image-wasm` package, test it, and measure it.
//!
//! - [`build`]: the facade crate for wasm32 (release), the wasm-bindgen CLI (`--target web`),
//!   `wasm-opt -Oz` (binaryen from `web/toolchain`), then the package folder `<target>/npm/gpt-image-wasm/` (our entry files,
//!   hand-checked types and README from `web/npm/package/`, the version from the crate) and its
//!   tarball `<target>/npm/gpt-image-wasm-<version>.tgz` from `npm pack`. The webhook check (the
//!   facade crate with only its `webhook` feature, the `gpt-image-wasm/webhook` entry) and the
//!   server proxy (`gpt-image-proxy`, the `gpt-image-wasm/proxy` entry) are built the same way,
//!   each into a wasm of its own, so that neither is in what `createClient` loads;
//! - [`test`]: strict TypeScript, publint, arethetypeswrong, the Vite example built from the
//!   tarball, then `node --test` against the emulator (Node, plus the Vite app and a plain
//!   module page in headless Chromium);
//! - [`bench`]: gzipped sizes of the package and of a minimal submit-and-poll app bundled with
//!   esbuild, beside the same app with `replicate`, `@fal-ai/client` and `openai` bundled in the
//!   same run, then each wasm's largest functions and bytes by crate.
//!
//! Everything JavaScript lives in `web/npm/`; this file only runs it.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::ctx::{Ctx, Tally};
use crate::size::{gzipped, kb};

const PACKAGE: &str = "gpt-image-wasm";
const CRATE: &str = "gpt-image-wasm";
/// The wasm-bindgen output name: `gpt_image_wasm.js` and `gpt_image_wasm_bg.wasm`.
const OUT_NAME: &str = "gpt_image_wasm";
/// The facade crate's features for the main wasm, and for the webhook entry's.
const CLIENT_FEATURES: [&str; 3] = ["--no-default-features", "--features", "client"];
const WEBHOOK_FEATURES: [&str; 3] = ["--no-default-features", "--features", "webhook"];
/// The webhook entry's wasm-bindgen output name (`gpt_image_webhook_bg.wasm`).
const WEBHOOK_OUT_NAME: &str = "gpt_image_webhook";
/// The server proxy's crate and its wasm-bindgen output name (`gpt_image_proxy_bg.wasm`).
const PROXY_CRATE: &str = "gpt-image-proxy";
const PROXY_OUT_NAME: &str = "gpt_image_proxy";
/// What the Rust 1.95 output uses; wasm-bindgen 0.2.130 adds an externref table.
const WASM_FEATURES: [&str; 6] = [
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];
/// Chromium flags for headless runs on this machine (also read by the browser tests).
const CHROMIUM: &str = "/usr/bin/chromium";

/// Builds the package folder and its tarball under `<target>/npm/`.
pub fn build(ctx: &Ctx) -> Result<(), String> {
    let target = ctx.target_dir();
    let npm = target.join("npm");
    let bindgen = npm.join("bindgen");
    let pkg = package_dir(ctx);
    for dir in [&bindgen, &pkg] {
        if dir.exists() {
            fs::remove_dir_all(dir).map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
        }
        mkdir(dir)?;
    }
    wasm_module(ctx, CRATE, &CLIENT_FEATURES, OUT_NAME, &bindgen, &pkg)?;
    check_types_cover_exports(ctx, &bindgen.join(format!("{OUT_NAME}.d.ts")), "index.d.ts")?;
    // `gpt-image-wasm/webhook`: a wasm of its own, so that SHA-256, HMAC and base64 are not in
    // what `createClient` loads.
    wasm_module(
        ctx,
        CRATE,
        &WEBHOOK_FEATURES,
        WEBHOOK_OUT_NAME,
        &bindgen,
        &pkg,
    )?;
    check_types_cover_exports(
        ctx,
        &bindgen.join(format!("{WEBHOOK_OUT_NAME}.d.ts")),
        "webhook.d.ts",
    )?;
    // The server proxy (`gpt-image-wasm/proxy`): a wasm of its own, so none of it is in what
    // a browser loads.
    wasm_module(ctx, PROXY_CRATE, &[], PROXY_OUT_NAME, &bindgen, &pkg)?;

    let version = crate_version(ctx)?;
    let template = ctx.root.join("web/npm/package");
    for entry in fs::read_dir(&template).map_err(|e| format!("{}: {e}", template.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if name == "package.json" {
            let text = read(&path)?;
            let placeholder = "\"version\": \"0.0.0-set-by-xtask\"";
            if !text.contains(placeholder) {
                return Err(format!("{} lacks the line {placeholder}", path.display()));
            }
            write(
                &pkg.join(&name),
                &text.replace(placeholder, &format!("\"version\": \"{version}\"")),
            )?;
        } else if path.is_file() {
            fs::copy(&path, pkg.join(&name))
                .map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        }
    }

    for old in fs::read_dir(&npm).map_err(|e| e.to_string())?.flatten() {
        if old.file_name().to_string_lossy().ends_with(".tgz") {
            let _ = fs::remove_file(old.path());
        }
    }
    ctx.run(
        Command::new("npm")
            .current_dir(&pkg)
            .args(["pack", "--silent", "--pack-destination"])
            .arg(&npm),
    )?;
    let tarball = tarball(ctx, &version);
    if !tarball.exists() {
        return Err(format!("npm pack did not write {}", tarball.display()));
    }
    println!("npm: {} and {}", pkg.display(), tarball.display());
    Ok(())
}

/// Builds `krate` for wasm32 (release, with the cargo arguments `features`), runs the
/// wasm-bindgen CLI (`--target web`) into `bindgen`, then `wasm-opt -Oz` into `pkg/{out_name}_bg.wasm`, and writes the JS glue to
/// `pkg/{out_name}.js` without its reference to wasm-bindgen's own .d.ts (the package ships
/// hand-written types).
fn wasm_module(
    ctx: &Ctx,
    krate: &str,
    features: &[&str],
    out_name: &str,
    bindgen: &Path,
    pkg: &Path,
) -> Result<(), String> {
    ctx.run(
        ctx.cmd("cargo")
            .args([
                "build",
                "-p",
                krate,
                "--target",
                "wasm32-unknown-unknown",
                "--release",
            ])
            .args(features),
    )?;
    let wasm = ctx.target_dir().join(format!(
        "wasm32-unknown-unknown/release/{}.wasm",
        krate.replace('-', "_")
    ));
    ctx.run(
        ctx.cmd("wasm-bindgen")
            .args([
                "--target",
                "web",
                "--omit-default-module-path",
                "--out-name",
                out_name,
                "--out-dir",
            ])
            .arg(bindgen)
            .arg(&wasm),
    )?;
    // binaryen from npm (web/toolchain), not Debian's 108: 108 rewrites the export of
    // wasm-bindgen's externref table to point at the function table, and the module then
    // fails at start-up ("WebAssembly.Table.set(): Argument 1 is invalid for table").
    ctx.run(
        Command::new(crate::setup::toolchain_bin(ctx).join("wasm-opt"))
            .arg("-Oz")
            .args(WASM_FEATURES)
            .args([
                // Optimise until nothing more shrinks, and take it that no load or store
                // touches the unused low 1 KB of memory, as the studio's build does.
                "--converge",
                "--low-memory-unused",
                "--strip-debug",
                "--strip-producers",
                "--strip-target-features",
            ])
            .arg(bindgen.join(format!("{out_name}_bg.wasm")))
            .arg("-o")
            .arg(pkg.join(format!("{out_name}_bg.wasm"))),
    )?;
    let glue = read(&bindgen.join(format!("{out_name}.js")))?;
    let glue: String = glue
        .lines()
        .filter(|l| !l.contains("@ts-self-types"))
        .map(|l| format!("{l}\n"))
        .collect();
    write(&pkg.join(format!("{out_name}.js")), &glue)
}

/// Runs every check of the package; tsc, publint, attw and the Vite build count one test each.
pub fn test(ctx: &Ctx, emulator_url: &str) -> Result<Tally, String> {
    let web = ctx.root.join("web/npm");
    let pkg = package_dir(ctx);
    if !pkg.join("package.json").exists() {
        return Err(format!(
            "{} is missing: run `cargo xtask npm` first",
            pkg.display()
        ));
    }
    let version = crate_version(ctx)?;
    let tarball = tarball(ctx, &version);
    link_package(ctx)?;
    let npm = ctx.target_dir().join("npm");
    let mut tally = Tally::default();
    let mut check = |name: &str, cmd: &mut Command| check(ctx, &mut tally, name, cmd);
    check(
        "tsc --strict (consumer and misuses)",
        bin(&web, "tsc").args(["-p", "types-test/tsconfig.json"]),
    );
    check(
        "publint --strict",
        bin(&web, "publint").arg("--strict").arg(&pkg),
    );
    check(
        "attw (ESM-only package)",
        bin(&web, "attw")
            .arg(&tarball)
            .args(["--profile", "esm-only"]),
    );

    // The Vite example installs the packed tarball, as a user would.
    let example = web.join("vite-example");
    let vite_dist = npm.join("vite-example-dist");
    let local_tarball = example.join(format!("{PACKAGE}.tgz"));
    let vite_ok = fs::copy(&tarball, &local_tarball).is_ok()
        && {
            let _ = fs::remove_dir_all(example.join("node_modules"));
            check(
            "vite build of the example app (tarball installed)",
            Command::new("sh").current_dir(&example).arg("-c").arg(format!(
                "npm install --no-package-lock --no-audit --no-fund --loglevel=error && {} build --outDir '{}' --emptyOutDir",
                web.join("node_modules/.bin/vite").display(),
                vite_dist.display()
            )),
        )
        };

    // A plain page served statically, importing the unpacked package through an import map.
    let plain = npm.join("plain-page");
    let _ = fs::remove_dir_all(&plain);
    mkdir(&plain)?;
    fs::copy(web.join("plain-page/index.html"), plain.join("index.html"))
        .map_err(|e| e.to_string())?;
    copy_dir(&pkg, &plain.join(PACKAGE))?;

    let vite_host = if vite_ok {
        Some(ctx.emulator(&["--static", &vite_dist.to_string_lossy()])?)
    } else {
        None
    };
    let plain_host = ctx.emulator(&["--static", &plain.to_string_lossy()])?;
    let mut env = vec![
        ("EMULATOR_URL", emulator_url.to_owned()),
        ("PLAIN_PAGE_URL", format!("{}/index.html", plain_host.url)),
        ("CHROMIUM", CHROMIUM.to_owned()),
        // For tests that start an emulator of their own (the proxy's, with its own flags).
        (
            "EMULATOR_BIN",
            ctx.target_dir()
                .join("debug/gpt-image-emulator")
                .to_string_lossy()
                .into_owned(),
        ),
    ];
    if let Some(host) = &vite_host {
        env.push(("VITE_APP_URL", format!("{}/index.html", host.url)));
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut files: Vec<String> = fs::read_dir(web.join("test"))
        .map_err(|e| e.to_string())?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".test.js"))
        .map(|name| format!("test/{name}"))
        .collect();
    files.sort();
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    tally.add(ctx.node_test(&web, &files, &env)?);
    Ok(tally)
}

/// Prints the gzipped size of the package's wasm and JS, and of a minimal submit-and-poll app
/// bundled with esbuild, beside its peers' (bundled now, from `web/npm/node_modules`); then the
/// largest functions of the client and proxy wasms ([`crate::bench::size`]).
pub fn bench(ctx: &Ctx) -> Result<(), String> {
    let web = ctx.root.join("web/npm");
    let pkg = package_dir(ctx);
    link_package(ctx)?;
    println!("\n=== npm package size (gzip -9)");
    let mut total = 0;
    for name in [
        format!("{OUT_NAME}_bg.wasm"),
        format!("{OUT_NAME}.js"),
        "browser.js".into(),
        "error.js".into(),
    ] {
        let bytes = fs::read(pkg.join(&name)).map_err(|e| format!("{name}: {e}"))?;
        let gz = gzipped(&bytes)?;
        total += gz;
        println!(
            "{name:>26}: {:>8} bytes, {:>9} gzipped",
            bytes.len(),
            kb(gz)
        );
    }
    println!(
        "{:>26}: {:>9} gzipped (wasm + JS glue + browser entry)",
        "package",
        kb(total)
    );
    // The webhook check and the server proxy: entries of their own, never loaded by
    // `import { createClient }`, so outside the figure above.
    for (name, entry) in [
        (format!("{WEBHOOK_OUT_NAME}_bg.wasm"), "webhook entry"),
        (format!("{WEBHOOK_OUT_NAME}.js"), "webhook entry"),
        ("webhook.js".into(), "webhook entry"),
        (format!("{PROXY_OUT_NAME}_bg.wasm"), "server proxy"),
        (format!("{PROXY_OUT_NAME}.js"), "server proxy"),
        ("proxy.js".into(), "server proxy"),
    ] {
        let bytes = fs::read(pkg.join(&name)).map_err(|e| format!("{name}: {e}"))?;
        println!(
            "{name:>26}: {:>8} bytes, {:>9} gzipped ({entry} only)",
            bytes.len(),
            kb(gzipped(&bytes)?)
        );
    }

    let out = ctx.target_dir().join("npm/bench");
    mkdir(&out)?;
    let wasm =
        gzipped(&fs::read(pkg.join(format!("{OUT_NAME}_bg.wasm"))).map_err(|e| e.to_string())?)?;
    let ours = gzipped(&bundle(&web, &out, "bench/submit-and-poll.js")?)?;
    println!(
        "\n=== npm: minimal submit-and-poll app, bundled in this run \
         (esbuild --bundle --minify --format=esm --platform=browser, gzip -9)"
    );
    println!(
        "{:<20} {:>10} {:>10} {:>10} {:>8}",
        "package", "JS", "wasm", "total", "÷ ours"
    );
    let ours_total = ours + wasm;
    let row = |name: &str, js: usize, peer_wasm: usize| {
        println!(
            "{name:<20} {:>10} {:>10} {:>10} {:>7.2}×",
            kb(js),
            if peer_wasm == 0 {
                "-".into()
            } else {
                kb(peer_wasm)
            },
            kb(js + peer_wasm),
            (js + peer_wasm) as f64 / ours_total.max(1) as f64
        );
    };
    row(PACKAGE, ours, wasm);
    // Each peer's app: web/npm/bench/peers/<file>, the same steps with that package.
    for (package, file) in PEERS {
        let js = gzipped(&bundle(&web, &out, &format!("bench/peers/{file}"))?)?;
        row(package, js, 0);
    }
    println!(
        "issue 12 aims at {} for {PACKAGE} (all that `import {{ createClient }}` loads)",
        kb(AIM_BYTES)
    );

    let bindgen = ctx.target_dir().join("npm/bindgen");
    crate::bench::size::print(
        "npm client wasm",
        &bindgen.join(format!("{OUT_NAME}_bg.wasm")),
        wasm,
    )?;
    let proxy_wasm = gzipped(
        &fs::read(pkg.join(format!("{PROXY_OUT_NAME}_bg.wasm"))).map_err(|e| e.to_string())?,
    )?;
    crate::bench::size::print(
        "npm proxy wasm (server only)",
        &bindgen.join(format!("{PROXY_OUT_NAME}_bg.wasm")),
        proxy_wasm,
    )
}

/// The peers bundled beside ours by [`bench`]: npm package and its app in `web/npm/bench/peers/`.
const PEERS: [(&str, &str); 3] = [
    ("replicate", "replicate.js"),
    ("@fal-ai/client", "fal.js"),
    ("openai", "openai.js"),
];

/// Issue 12's aim for the package: wasm and JS, gzipped.
const AIM_BYTES: usize = 45 * 1024;

/// `entry` (relative to `web/npm/`) bundled with esbuild into `out/`; returns the bundle.
fn bundle(web: &Path, out: &Path, entry: &str) -> Result<Vec<u8>, String> {
    let stem = Path::new(entry)
        .file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let file = out.join(format!("{stem}.min.js"));
    bin(web, "esbuild")
        .arg(entry)
        .args([
            "--bundle",
            "--minify",
            "--format=esm",
            "--platform=browser",
            "--log-level=warning",
        ])
        .arg(format!("--outfile={}", file.display()))
        .status()
        .map_err(|e| format!("cannot run esbuild: {e}"))
        .and_then(|status| {
            status
                .success()
                .then_some(())
                .ok_or_else(|| format!("esbuild {entry} failed ({status})"))
        })?;
    fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))
}

/// Whether `bench size` can print without building: the package and the wasm-bindgen output
/// (with names) of both wasms.
pub fn bench_inputs_exist(ctx: &Ctx) -> bool {
    let bindgen = ctx.target_dir().join("npm/bindgen");
    let pkg = package_dir(ctx);
    [
        pkg.join(format!("{OUT_NAME}_bg.wasm")),
        pkg.join(format!("{PROXY_OUT_NAME}_bg.wasm")),
        pkg.join(format!("{WEBHOOK_OUT_NAME}_bg.wasm")),
        bindgen.join(format!("{OUT_NAME}_bg.wasm")),
        bindgen.join(format!("{PROXY_OUT_NAME}_bg.wasm")),
    ]
    .iter()
    .all(|p| p.exists())
}

/// Runs one check that counts as one test; `false` when it failed.
fn check(ctx: &Ctx, tally: &mut Tally, name: &str, cmd: &mut Command) -> bool {
    println!("\n--- npm: {name}");
    match ctx.run(cmd) {
        Ok(()) => {
            tally.passed += 1;
            true
        }
        Err(e) => {
            eprintln!("npm: {name} failed: {e}");
            tally.failed += 1;
            false
        }
    }
}

fn package_dir(ctx: &Ctx) -> PathBuf {
    ctx.target_dir().join("npm").join(PACKAGE)
}

fn tarball(ctx: &Ctx, version: &str) -> PathBuf {
    ctx.target_dir()
        .join("npm")
        .join(format!("{PACKAGE}-{version}.tgz"))
}

/// `web/npm/node_modules/gpt-image-wasm` → the built package, so that the tests, the types
/// check and the bench import it by name, through its `exports`.
fn link_package(ctx: &Ctx) -> Result<(), String> {
    let modules = ctx.root.join("web/npm/node_modules");
    if !modules.exists() {
        return Err(format!(
            "{} is missing: run `cargo xtask setup`",
            modules.display()
        ));
    }
    let link = modules.join(PACKAGE);
    if fs::symlink_metadata(&link).is_ok() {
        fs::remove_file(&link)
            .or_else(|_| fs::remove_dir_all(&link))
            .map_err(|e| format!("cannot replace {}: {e}", link.display()))?;
    }
    std::os::unix::fs::symlink(package_dir(ctx), &link)
        .map_err(|e| format!("cannot link {}: {e}", link.display()))
}

/// The facade crate's version (the workspace's), from cargo itself.
fn crate_version(ctx: &Ctx) -> Result<String, String> {
    let out = ctx
        .cmd("cargo")
        .args(["pkgid", "-p", CRATE])
        .output()
        .map_err(|e| format!("cannot run cargo pkgid: {e}"))?;
    let id = String::from_utf8_lossy(&out.stdout);
    // `path+file:///…/crates/gpt-image-wasm#0.1.0` or `…#gpt-image-wasm@0.1.0`
    id.trim()
        .rsplit(['#', '@'])
        .next()
        .filter(|v| out.status.success() && v.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .map(str::to_owned)
        .ok_or_else(|| format!("cannot read the version of {CRATE} from `cargo pkgid`: {id}"))
}

/// Every function and `Client` method the wasm exports must appear in the hand-written types
/// (`types`, a file of `web/npm/package/`).
fn check_types_cover_exports(ctx: &Ctx, generated: &Path, types: &str) -> Result<(), String> {
    let generated = read(generated)?;
    let ours = read(&ctx.root.join("web/npm/package").join(types))?;
    let internal = ["free", "initSync", "__wbg_init", "__destroy_into_raw"];
    let missing: Vec<&str> = generated
        .lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with("export type InitInput"))
        .filter_map(|l| {
            let l = l.strip_prefix("export function ").unwrap_or(l);
            let l = l.strip_prefix("readonly ").unwrap_or(l);
            let name_end = l.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
            let (name, rest) = l.split_at(name_end);
            (!name.is_empty() && (rest.starts_with('(') || rest.starts_with(':'))).then_some(name)
        })
        .filter(|name| !internal.contains(name))
        .filter(|name| !ours.contains(&format!("{name}(")) && !ours.contains(&format!("{name}:")))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "web/npm/package/{types} does not declare what the wasm exports: {}",
            missing.join(", ")
        ))
    }
}

fn bin(web: &Path, name: &str) -> Command {
    let mut cmd = Command::new(web.join("node_modules/.bin").join(name));
    cmd.current_dir(web);
    cmd
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    mkdir(to)?;
    for entry in fs::read_dir(from).map_err(|e| e.to_string())?.flatten() {
        let path = entry.path();
        if path.is_file() {
            fs::copy(&path, to.join(entry.file_name()))
                .map_err(|e| format!("cannot copy {}: {e}", path.display()))?;
        }
    }
    Ok(())
}

fn mkdir(dir: &Path) -> Result<(), String> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
