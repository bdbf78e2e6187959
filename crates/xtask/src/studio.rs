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

/// Compacts what wasm-bindgen wrote into `dist/`, then gives `index.html` the new `integrity`
/// of each file changed. Trunk minifies the CSS and the HTML but not the JS glue, whose
/// comments, blank lines and indentation go ([`compact_js`]: 1.1 KB of the first load,
/// gzipped); and the wasm imports each JS function under a long unique name
/// (`__wbg_fetch_9b478faef8cda538`), which the glue spells once more, so both get a short one
/// instead ([`short_import_names`]: 7 KB). Nothing else changes.
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
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let write = |path: &Path, bytes: &[u8]| {
        std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    let (mut js_path, mut wasm_path) = (None, None);
    for entry in std::fs::read_dir(dist).map_err(|e| format!("cannot read dist/: {e}"))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if !name.starts_with("gpt-image-studio-") {
            continue;
        }
        if name.ends_with("_bg.wasm") {
            wasm_path = Some(path);
        } else if name.ends_with(".js") {
            js_path = Some(path);
        }
    }
    let (Some(js_path), Some(wasm_path)) = (js_path, wasm_path) else {
        return Err("dist/ has no gpt-image-studio JS glue and wasm".into());
    };
    let js = String::from_utf8(read(&js_path)?).map_err(|e| e.to_string())?;
    let wasm = read(&wasm_path)?;
    // Either step leaves its file as it was when the glue's layout is not the one it knows (a
    // new wasm-bindgen, say): the studio still works, only larger, so it says so loudly.
    let compact = compact_js(&js).unwrap_or_else(|| {
        println!("dist: WARNING: the JS glue was not compacted (its layout changed?): about 1 KB more to load");
        js.clone()
    });
    let (new_wasm, new_js) = short_import_names(&wasm, &compact).unwrap_or_else(|| {
        println!("dist: WARNING: the wasm imports keep their long names (the glue's layout changed?): about 7 KB more to load");
        (wasm.clone(), compact)
    });
    let index_path = dist.join("index.html");
    let mut index = String::from_utf8(read(&index_path)?).map_err(|e| e.to_string())?;
    for (before, after) in [
        (js.as_bytes(), new_js.as_bytes()),
        (&wasm[..], &new_wasm[..]),
    ] {
        index = index.replace(&integrity(before), &integrity(after));
    }
    write(&js_path, new_js.as_bytes())?;
    write(&wasm_path, &new_wasm)?;
    write(&index_path, index.as_bytes())
}

/// `wasm` and its JS glue `js` with every function the wasm imports from the glue renamed
/// `_0`, `_1`, … in both; `None` (leave them as they are) unless each import's name is found
/// exactly once in the glue, as the key of its function (`name: function`), so that renaming
/// cannot touch anything else.
fn short_import_names(wasm: &[u8], js: &str) -> Option<(Vec<u8>, String)> {
    let mut out = wasm.get(..8)?.to_vec();
    let mut at = 8;
    let mut renamed = vec![];
    while at < wasm.len() {
        let id = wasm[at];
        let (size, body_at) = read_leb(wasm, at + 1)?;
        let body = wasm.get(body_at..body_at + size)?;
        let body = if id == 2 {
            rename_imports(body, &mut renamed)?
        } else {
            body.to_vec()
        };
        out.push(id);
        write_leb(&mut out, body.len());
        out.extend_from_slice(&body);
        at = body_at + size;
    }
    let mut js = js.to_owned();
    for (old, new) in &renamed {
        let found: Vec<usize> = js
            .match_indices(old.as_str())
            .map(|(i, _)| i)
            .filter(|&i| {
                let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_' || c == b'$';
                let before = i.checked_sub(1).map(|b| js.as_bytes()[b]);
                let after = js.as_bytes().get(i + old.len()).copied();
                !before.is_some_and(ident) && !after.is_some_and(ident)
            })
            .collect();
        let [i] = found[..] else { return None };
        let key = i == 0 || js.as_bytes()[i - 1] == b'\n';
        if !key || !js[i + old.len()..].starts_with(": function") {
            return None;
        }
        js.replace_range(i..i + old.len(), new);
    }
    Some((out, js))
}

/// The import section `body` with the glue's functions renamed; each `(old, new)` name is
/// added to `renamed`. Read by wasmparser; `None` for anything it cannot read or for the
/// compact encodings, which wasm-bindgen does not write.
fn rename_imports(body: &[u8], renamed: &mut Vec<(String, String)>) -> Option<Vec<u8>> {
    let reader =
        wasmparser::ImportSectionReader::new(wasmparser::BinaryReader::new(body, 0)).ok()?;
    let mut out = vec![];
    write_leb(&mut out, reader.count() as usize);
    let entries: Vec<(usize, wasmparser::Import)> = reader
        .into_iter_with_offsets()
        .map(|entry| match entry.ok()? {
            (at, wasmparser::Imports::Single(_, import)) => {
                Some((usize::try_from(at).ok()?, import))
            }
            _ => None,
        })
        .collect::<Option<_>>()?;
    for (i, (at, import)) in entries.iter().enumerate() {
        let end = entries.get(i + 1).map_or(body.len(), |next| next.0);
        // What follows the two names: the import's kind and type, copied as they are.
        let mut names = vec![];
        for name in [import.module, import.name] {
            write_leb(&mut names, name.len());
            names.extend_from_slice(name.as_bytes());
        }
        let descriptor = body.get(at + names.len()..end)?;
        let glue =
            matches!(import.ty, wasmparser::TypeRef::Func(_)) && import.module.ends_with("_bg.js");
        let name = if glue {
            let new = format!("_{:x}", renamed.len());
            renamed.push((import.name.to_owned(), new.clone()));
            new
        } else {
            import.name.to_owned()
        };
        write_leb(&mut out, import.module.len());
        out.extend_from_slice(import.module.as_bytes());
        write_leb(&mut out, name.len());
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(descriptor);
    }
    Some(out)
}

/// The unsigned LEB128 number at `at` and where it ends.
fn read_leb(bytes: &[u8], mut at: usize) -> Option<(usize, usize)> {
    let mut value = 0usize;
    for shift in (0..35).step_by(7) {
        let byte = *bytes.get(at)?;
        at += 1;
        value |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some((value, at));
        }
    }
    None
}

fn write_leb(out: &mut Vec<u8>, mut value: usize) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
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

    #[test]
    fn imports_get_short_names_in_the_wasm_and_the_glue() {
        // A wasm with one import section: ("./x_bg.js", "__wbg_log_0123", func type 0) and
        // ("./x_bg.js", "memory", memory with minimum 1).
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        let mut body = vec![2];
        for (name, desc) in [
            (&b"__wbg_log_0123"[..], &[0u8, 0][..]),
            (b"memory", &[2, 0, 1]),
        ] {
            body.push(9);
            body.extend_from_slice(b"./x_bg.js");
            body.push(name.len() as u8);
            body.extend_from_slice(name);
            body.extend_from_slice(desc);
        }
        wasm.push(2);
        wasm.push(body.len() as u8);
        wasm.extend_from_slice(&body);
        let js = "const i = {\n__wbg_log_0123: function(a) {\nconsole.log(a);\n},\n};\n";
        let (short_wasm, short_js) = super::short_import_names(&wasm, js).unwrap();
        assert_eq!(
            short_js,
            "const i = {\n_0: function(a) {\nconsole.log(a);\n},\n};\n"
        );
        let text = String::from_utf8_lossy(&short_wasm);
        assert!(text.contains("_0") && text.contains("memory") && !text.contains("__wbg"));
        // A name the glue also uses elsewhere is left alone, and so is everything else.
        let twice = format!("{js}__wbg_log_0123();\n");
        assert_eq!(super::short_import_names(&wasm, &twice), None);
    }
}
