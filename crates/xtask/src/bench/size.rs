//! Where a wasm's bytes go: its largest functions and the crates they come from.
//!
//! Function body sizes come from the code section, names from the name section, so this reads
//! the wasm *before* wasm-opt (which strips names): the wasm-bindgen output. The sizes are
//! those of that unoptimised-by-binaryen wasm; their shares are a good guide to the shipped
//! file, and [`print`] turns each crate's share into an estimate of its part of the shipped,
//! gzipped wasm.

use std::collections::HashMap;
use std::path::Path;

use wasmparser::{KnownCustom, Name, Parser, Payload, TypeRef};

use crate::size::kb;

/// How many functions the table lists.
const TOP: usize = 20;
/// How many crates the grouped view lists (the rest are summed in one line).
const TOP_CRATES: usize = 16;
/// Names longer than this are cut in the tables.
const NAME_WIDTH: usize = 110;

/// One function body of the code section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// Demangled, without the hash.
    pub name: String,
    /// The first path segment of [`Function::name`] (see [`crate_of`]).
    pub krate: String,
    /// The body's bytes (locals and instructions).
    pub bytes: usize,
}

/// A wasm's code section, function by function.
#[derive(Debug, Default)]
pub struct CodeProfile {
    /// The whole code section's bytes.
    pub code_bytes: usize,
    /// Every body, largest first.
    pub functions: Vec<Function>,
}

/// Reads the code and name sections of `wasm`.
pub fn profile(wasm: &[u8]) -> Result<CodeProfile, String> {
    let mut imported_functions = 0u32;
    let mut bodies: Vec<usize> = vec![];
    let mut names: HashMap<u32, String> = HashMap::new();
    let mut code_bytes = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| format!("not a valid wasm: {e}"))? {
            Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    let import = import.map_err(|e| e.to_string())?;
                    if matches!(import.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)) {
                        imported_functions += 1;
                    }
                }
            }
            Payload::CodeSectionStart {
                unchecked_range, ..
            } => code_bytes = (unchecked_range.end - unchecked_range.start) as usize,
            Payload::CodeSectionEntry(body) => {
                let range = body.range();
                bodies.push((range.end - range.start) as usize);
            }
            Payload::CustomSection(custom) => {
                if let KnownCustom::Name(reader) = custom.as_known() {
                    for sub in reader {
                        // A malformed subsection only costs names, never the sizes.
                        let Ok(Name::Function(map)) = sub else {
                            continue;
                        };
                        for naming in map.into_iter().flatten() {
                            names.insert(naming.index, naming.name.to_owned());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let mut functions: Vec<Function> = bodies
        .into_iter()
        .enumerate()
        .map(|(i, bytes)| {
            let index = imported_functions + i as u32;
            let name = names
                .get(&index)
                .map(|n| demangle(n))
                .unwrap_or_else(|| format!("<function {index}, unnamed>"));
            Function {
                krate: crate_of(&name),
                name,
                bytes,
            }
        })
        .collect();
    functions.sort_by(|a, b| b.bytes.cmp(&a.bytes).then_with(|| a.name.cmp(&b.name)));
    Ok(CodeProfile {
        code_bytes,
        functions,
    })
}

/// `_ZN4core3fmt5write17h…E` → `core::fmt::write`. wasm-bindgen already demangles the name
/// section but keeps the hash (`…::h0123456789abcdef`) and v0 crate disambiguators
/// (`core[c5930c85a12de822]::…`): both are dropped, so names read and group alike.
pub fn demangle(name: &str) -> String {
    let name = match rustc_demangle::try_demangle(name) {
        Ok(d) => format!("{d:#}"),
        Err(_) => name.to_owned(),
    };
    let name = match name.rsplit_once("::h") {
        Some((head, hash)) if hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()) => {
            head.to_owned()
        }
        _ => name,
    };
    // `ident[hex]` → `ident`.
    let mut out = String::with_capacity(name.len());
    let mut rest = name.as_str();
    while let Some(open) = rest.find('[') {
        let (head, tail) = rest.split_at(open);
        out.push_str(head);
        let close = tail.find(']');
        let after_ident = head
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        match close {
            Some(close)
                if after_ident
                    && close > 1
                    && tail[1..close].bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                rest = &tail[close + 1..];
            }
            _ => {
                out.push('[');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The crate a demangled name comes from: its first path segment (`core`, `alloc`,
/// `serde_json`, `gpt_image`…). For `<Type as Trait>::method`, the type's crate when the type
/// is a path (`<serde_json::Error as core::fmt::Display>::fmt` → `serde_json`), else the
/// trait's (`<&T as core::fmt::Debug>::fmt` → `core`). Names with no path (wasm-bindgen's
/// shims, `memcpy`, `__wbindgen_*`) are grouped as `(no path)`.
pub fn crate_of(name: &str) -> String {
    if let Some(inner) = name.strip_prefix('<') {
        let (ty, rest) = match inner.split_once(" as ") {
            Some((ty, rest)) => (ty, Some(rest)),
            None => (inner, None),
        };
        if let Some(krate) = leading_path_segment(ty) {
            return krate;
        }
        if let Some(krate) = rest.and_then(leading_path_segment) {
            return krate;
        }
        return "(no path)".into();
    }
    leading_path_segment(name).unwrap_or_else(|| "(no path)".into())
}

/// `serde_json::de::…` → `serde_json`; `None` when the text does not start with `ident::`.
fn leading_path_segment(text: &str) -> Option<String> {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    let (ident, rest) = text.split_at(end);
    (!ident.is_empty() && rest.starts_with("::")).then(|| ident.to_owned())
}

/// Bytes per crate, largest first: (crate, bytes, functions).
pub fn by_crate(profile: &CodeProfile) -> Vec<(String, usize, usize)> {
    let mut groups: HashMap<&str, (usize, usize)> = HashMap::new();
    for f in &profile.functions {
        let g = groups.entry(f.krate.as_str()).or_default();
        g.0 += f.bytes;
        g.1 += 1;
    }
    let mut rows: Vec<(String, usize, usize)> = groups
        .into_iter()
        .map(|(k, (bytes, n))| (k.to_owned(), bytes, n))
        .collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows
}

/// Prints the top functions of the wasm at `unoptimised` (with its name section) and the
/// grouped view by crate, with each crate's estimated share of `shipped_gzipped` (the gzipped
/// size of the wasm as shipped, after wasm-opt), in proportion to its code bytes.
pub fn print(title: &str, unoptimised: &Path, shipped_gzipped: usize) -> Result<(), String> {
    let wasm = std::fs::read(unoptimised)
        .map_err(|e| format!("cannot read {}: {e}", unoptimised.display()))?;
    let profile = profile(&wasm)?;
    let code = profile.code_bytes.max(1);
    let pct = |bytes: usize| 100.0 * bytes as f64 / code as f64;
    println!(
        "\n=== {title}: top {TOP} functions (before wasm-opt: {})",
        unoptimised.display()
    );
    println!(
        "code section {} bytes in {} functions ({} file)",
        profile.code_bytes,
        profile.functions.len(),
        kb(wasm.len())
    );
    println!("{:>8} {:>6}  function", "bytes", "%code");
    for f in profile.functions.iter().take(TOP) {
        println!("{:>8} {:>5.1}%  {}", f.bytes, pct(f.bytes), cut(&f.name));
    }
    let top: usize = profile.functions.iter().take(TOP).map(|f| f.bytes).sum();
    println!("{top:>8} {:>5.1}%  (these {TOP} together)", pct(top));

    println!(
        "\n=== {title}: code by crate (est. gzipped = share of the shipped {} gzipped)",
        kb(shipped_gzipped)
    );
    println!(
        "{:<24} {:>9} {:>6} {:>6} {:>12}",
        "crate", "bytes", "%code", "fns", "est. gzipped"
    );
    let rows = by_crate(&profile);
    let estimate = |bytes: usize| shipped_gzipped as f64 * bytes as f64 / code as f64;
    for (krate, bytes, n) in rows.iter().take(TOP_CRATES) {
        println!(
            "{krate:<24} {bytes:>9} {:>5.1}% {n:>6} {:>9.1} KB",
            pct(*bytes),
            estimate(*bytes) / 1024.0
        );
    }
    let rest = &rows[rows.len().min(TOP_CRATES)..];
    if !rest.is_empty() {
        let bytes: usize = rest.iter().map(|r| r.1).sum();
        let n: usize = rest.iter().map(|r| r.2).sum();
        println!(
            "{:<24} {bytes:>9} {:>5.1}% {n:>6} {:>9.1} KB",
            format!("({} more crates)", rest.len()),
            pct(bytes),
            estimate(bytes) / 1024.0
        );
    }
    Ok(())
}

fn cut(name: &str) -> String {
    if name.chars().count() <= NAME_WIDTH {
        name.to_owned()
    } else {
        let head: String = name.chars().take(NAME_WIDTH - 1).collect();
        format!("{head}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crates_come_from_the_first_path_segment() {
        assert_eq!(crate_of("core::fmt::write"), "core");
        assert_eq!(
            crate_of("<serde_json::error::Error as core::fmt::Display>::fmt"),
            "serde_json"
        );
        assert_eq!(crate_of("<&T as core::fmt::Debug>::fmt"), "core");
        assert_eq!(
            crate_of("<[u8] as alloc::slice::hack::ConvertVec>::to_vec"),
            "alloc"
        );
        assert_eq!(crate_of("memcpy"), "(no path)");
        assert_eq!(crate_of("__wbindgen_malloc"), "(no path)");
    }

    #[test]
    fn mangled_names_are_demangled_without_hash() {
        assert_eq!(
            demangle("_ZN4core3fmt5write17h0123456789abcdefE"),
            "core::fmt::write"
        );
        assert_eq!(demangle("memcpy"), "memcpy");
        assert_eq!(
            demangle(
                "<dlmalloc[e24a27700634d609]::Dlmalloc<dlmalloc[e24a27700634d609]::sys::System>>::malloc"
            ),
            "<dlmalloc::Dlmalloc<dlmalloc::sys::System>>::malloc"
        );
        assert_eq!(
            demangle("gpt_image::wire::read_update::h347b45b29dfc8153"),
            "gpt_image::wire::read_update"
        );
        assert_eq!(
            demangle("<[T] as core::fmt::Debug>::fmt"),
            "<[T] as core::fmt::Debug>::fmt"
        );
        assert_eq!(
            crate_of(&demangle(
                "<core[c5930c85a12de822]::time::Duration as core[c5930c85a12de822]::fmt::Debug>::fmt::fmt_decimal"
            )),
            "core"
        );
    }

    #[test]
    fn reads_bodies_and_names_of_a_tiny_module() {
        // (module (import "m" "f" (func)) (func $a nop) (func $b nop nop nop))
        // with a name section naming function 1 `a` and 2 `b`.
        let wasm: Vec<u8> = [
            &b"\0asm\x01\0\0\0"[..],
            // type section: one type () -> ()
            &[1, 4, 1, 0x60, 0, 0],
            // import section: "m" "f" func type 0
            &[2, 7, 1, 1, b'm', 1, b'f', 0, 0],
            // function section: two functions of type 0
            &[3, 3, 2, 0, 0],
            // code section: bodies of 3 and 5 bytes (0 locals, nops, end)
            &[10, 11, 2, 3, 0, 1, 0x0b, 5, 0, 1, 1, 1, 0x0b],
            // custom "name", function names subsection (id 1)
            &[
                0, 14, 4, b'n', b'a', b'm', b'e', 1, 7, 2, 1, 1, b'a', 2, 1, b'b',
            ],
        ]
        .concat();
        let p = profile(&wasm).unwrap();
        assert_eq!(p.code_bytes, 11);
        let got: Vec<(&str, usize)> = p
            .functions
            .iter()
            .map(|f| (f.name.as_str(), f.bytes))
            .collect();
        assert_eq!(got, [("b", 5), ("a", 3)]);
    }
}
