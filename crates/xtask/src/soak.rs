//! `cargo xtask soak [--jobs N] [--concurrency N] [--seed N]`: many `generate()` calls through
//! the built npm package against an emulator that injects random faults, printed as a table (a
//! figure, never a pass/fail test; the npm tier's `web/npm/test/soak.test.js` is the test).
//!
//! This file starts the emulator with the flags `web/npm/soak/emulator.js` prints, runs
//! `web/npm/soak/soak.js` (which does the calls and prints one JSON report) and lays the report
//! out. What each column means is written once, at the top of `soak.js`.

use std::process::{Command, Stdio};

use crate::ctx::Ctx;

/// What the command line may change.
struct Options {
    jobs: u32,
    concurrency: u32,
    seed: u64,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        jobs: 1000,
        concurrency: 50,
        seed: 7,
    };
    let mut args = std::env::args().skip(2);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |what: &str| {
            value
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{what} must be a positive whole number, not {value}"))
        };
        match flag.as_str() {
            "--jobs" => {
                options.jobs = u32::try_from(number("--jobs")?).map_err(|e| e.to_string())?
            }
            "--concurrency" => {
                options.concurrency =
                    u32::try_from(number("--concurrency")?).map_err(|e| e.to_string())?
            }
            "--seed" => options.seed = number("--seed")?,
            _ => {
                return Err(format!(
                    "unknown flag {flag}: usage: cargo xtask soak [--jobs N] [--concurrency N] [--seed N]"
                ));
            }
        }
    }
    Ok(options)
}

/// Builds the emulator and the npm package, runs the soak, prints the table.
pub fn run(ctx: &Ctx) -> Result<(), String> {
    let options = options()?;
    crate::setup::for_studio(ctx)?;
    crate::tiers::build_native(ctx)?;
    crate::npm::build(ctx)?;

    let soak = ctx.root.join("web/npm/soak");
    let listed = Command::new("node")
        .arg(soak.join("emulator.js"))
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    if !listed.status.success() {
        return Err("node web/npm/soak/emulator.js failed".into());
    }
    let seed = options.seed.to_string();
    let mut flags: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    flags.extend(["--seed".to_owned(), seed.clone()]);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let emulator = ctx.emulator(&flags)?;

    // The figure belongs to a tree: say which (the working tree may hold uncommitted work).
    let tree = ctx.tree("%h %cI");
    println!(
        "\n=== soak: {} generate() calls, {} at a time, seed {}, emulator {}, tree at {tree}",
        options.jobs, options.concurrency, options.seed, emulator.url,
    );
    let out = Command::new("node")
        .current_dir(&ctx.root)
        .arg("--expose-gc")
        .arg(soak.join("soak.js"))
        .env(
            "GPT_IMAGE_WASM_DIR",
            ctx.target_dir().join("npm/gpt-image-wasm"),
        )
        .env("SOAK_EMULATOR_URL", &emulator.url)
        .env("SOAK_JOBS", options.jobs.to_string())
        .env("SOAK_CONCURRENCY", options.concurrency.to_string())
        .env("SOAK_SEED", &seed)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    drop(emulator);
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!("soak.js failed ({}): {text}", out.status));
    }
    let line = text.lines().last().unwrap_or_default();
    let report =
        json::parse(line).map_err(|e| format!("soak.js printed no report ({e}): {text}"))?;
    print!("{}", table(&report));
    Ok(())
}

/// The report as the table and notes `cargo xtask soak` prints.
fn table(report: &json::Value) -> String {
    let mut out = String::new();
    let emulator = report.get("emulator");
    out.push_str(&format!(
        "{} calls in {:.0} s, {} at a time, up to {} retries per request; {:.0} % of the emulator's {} replies faulted\n\n",
        report.get("jobs").num(),
        report.get("seconds").num(),
        report.get("concurrency").num(),
        report.get("maxRetries").num(),
        emulator.get("faultShare").num() * 100.0,
        emulator.get("submitsReceived").num() + emulator.get("pollsTotal").num(),
    ));
    let head = [
        "provider",
        "calls",
        "completed",
        "failed",
        "error, no job",
        "lost",
        "orphaned",
        "extra paid jobs",
        "traps",
        "key leaks",
        "p50 s",
        "p95 s",
    ];
    let mut rows: Vec<Vec<String>> = vec![head.iter().map(|h| (*h).to_owned()).collect()];
    for row in report.get("rows").items() {
        let count = |key: &str| format!("{}", row.get(key).num());
        let apiinone = row.get("provider").text() == "apiinone";
        rows.push(vec![
            row.get("provider").text().to_owned(),
            count("calls"),
            count("completed"),
            count("failed"),
            count("errorsNoJob"),
            count("lost"),
            if apiinone {
                count("orphaned")
            } else {
                "-".into()
            },
            count("extraPaidJobs"),
            count("traps"),
            count("keyLeaks"),
            format!("{:.1}", row.get("p50Ms").num() / 1000.0),
            format!("{:.1}", row.get("p95Ms").num() / 1000.0),
        ]);
    }
    let widths: Vec<usize> = (0..head.len())
        .map(|c| rows.iter().map(|r| r[c].len()).max().unwrap_or(0))
        .collect();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                if c == 0 {
                    format!("{cell:<w$}", w = widths[c])
                } else {
                    format!("{cell:>w$}", w = widths[c])
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }

    let memory = report.get("memory");
    let mib = |phase: &str, key: &str| memory.get(phase).get(key).num() / 1_048_576.0;
    out.push_str(&format!(
        "\nwasm memory: {:.2} MiB before, {:.2} MiB at half-way, {:.2} MiB after ({:.0} bytes per job in the second half)\n",
        mib("before", "wasmBytes"),
        mib("half", "wasmBytes"),
        mib("after", "wasmBytes"),
        memory.get("perJobBytes").num(),
    ));
    let steps: Vec<String> = memory
        .get("samples")
        .items()
        .iter()
        .map(|s| {
            let pair = s.items();
            let at = |i: usize| pair.get(i).map_or(0.0, json::Value::num);
            format!("{}: {:.2}", at(0), at(1) / 1_048_576.0)
        })
        .collect();
    out.push_str(&format!(
        "wasm memory (MiB) after each tenth of the calls: {}\n",
        steps.join(", ")
    ));
    out.push_str(&format!(
        "node: heap used {:.1} → {:.1} → {:.1} MiB, rss {:.0} → {:.0} MiB (before, half-way, after; after gc)\n",
        mib("before", "heapUsedBytes"),
        mib("half", "heapUsedBytes"),
        mib("after", "heapUsedBytes"),
        mib("before", "rssBytes"),
        mib("after", "rssBytes"),
    ));
    let fired: Vec<String> = emulator
        .get("faultsFired")
        .entries()
        .iter()
        .map(|(name, count)| format!("{name} {}", count.num()))
        .collect();
    out.push_str(&format!(
        "emulator: {} jobs made, {} duplicate submits answered with their job; faults fired: {}\n",
        emulator.get("jobsCreated").num(),
        emulator.get("duplicatesPrevented").num(),
        fired.join(", "),
    ));
    out.push_str(&format!(
        "key in console output: {}\n",
        if report.get("keyInConsole").truthy() {
            "YES"
        } else {
            "no"
        }
    ));
    for row in report.get("rows").items() {
        let provider = row.get("provider").text();
        let kinds: Vec<String> = row
            .get("errorKinds")
            .entries()
            .iter()
            .map(|(kind, count)| format!("{kind} {}", count.num()))
            .collect();
        if !kinds.is_empty() {
            out.push_str(&format!(
                "{provider}: errors by kind: {}\n",
                kinds.join(", ")
            ));
        }
        let lost = row.get("lost").num();
        if lost > 0.0 {
            let waiting = row.get("lostWhileWaiting").num();
            out.push_str(&format!(
                "{provider}: {lost} lost: {waiting} while waiting for a job whose id the call had, {} at the submit\n",
                lost - waiting
            ));
        }
        for call in row.get("lostCalls").items() {
            out.push_str(&format!(
                "{provider}: LOST call {} ({}, {} job(s) made{}): {}\n",
                call.get("n").num(),
                call.get("kind").text(),
                call.get("jobsMade").num(),
                match call.get("jobId").text() {
                    "" => String::new(),
                    id => format!(", job {id}"),
                },
                call.get("message").text(),
            ));
        }
    }
    for trap in report.get("traps").items() {
        out.push_str(&format!("TRAP: {}\n", trap.text()));
    }
    out.push_str(
        "\nlost must be 0: an error while the call's job exists or may exist (Apiframe: any job made, \
         id known or \"may exist\"; API in One: the task id was known, or a task exists and the \
         error did not warn). orphaned (API in One only, which has no idempotency key): the \
         submit made a task but its reply was lost, and the error said the task may exist; no \
         client can learn its id. extra paid jobs: jobs beyond the first for one call.\n",
    );
    out
}

/// Just enough JSON to read soak.js's report (xtask keeps its dependencies few); the polling
/// bench reads its drivers' reports with it too.
pub mod json {
    /// A JSON value; objects keep their order.
    #[derive(Debug, Clone, PartialEq)]
    pub enum Value {
        Null,
        Bool(bool),
        Number(f64),
        Text(String),
        List(Vec<Value>),
        Object(Vec<(String, Value)>),
    }

    const NULL: Value = Value::Null;

    impl Value {
        /// A member of an object, or null.
        pub fn get(&self, key: &str) -> &Value {
            match self {
                Value::Object(members) => members
                    .iter()
                    .find(|(k, _)| k == key)
                    .map_or(&NULL, |(_, v)| v),
                _ => &NULL,
            }
        }

        pub fn num(&self) -> f64 {
            match self {
                Value::Number(n) => *n,
                _ => 0.0,
            }
        }

        pub fn text(&self) -> &str {
            match self {
                Value::Text(s) => s,
                _ => "",
            }
        }

        pub fn truthy(&self) -> bool {
            matches!(self, Value::Bool(true))
        }

        pub fn items(&self) -> &[Value] {
            match self {
                Value::List(items) => items,
                _ => &[],
            }
        }

        pub fn entries(&self) -> &[(String, Value)] {
            match self {
                Value::Object(members) => members,
                _ => &[],
            }
        }
    }

    pub fn parse(text: &str) -> Result<Value, String> {
        let mut parser = Parser {
            chars: text.trim().chars().collect(),
            at: 0,
        };
        let value = parser.value()?;
        if parser.at != parser.chars.len() {
            return Err(format!("trailing text at {}", parser.at));
        }
        Ok(value)
    }

    struct Parser {
        chars: Vec<char>,
        at: usize,
    }

    impl Parser {
        fn peek(&mut self) -> Option<char> {
            while self.chars.get(self.at).is_some_and(|c| c.is_whitespace()) {
                self.at += 1;
            }
            self.chars.get(self.at).copied()
        }

        fn expect(&mut self, c: char) -> Result<(), String> {
            if self.peek() == Some(c) {
                self.at += 1;
                Ok(())
            } else {
                Err(format!("expected {c} at {}", self.at))
            }
        }

        fn value(&mut self) -> Result<Value, String> {
            match self.peek().ok_or("unexpected end")? {
                '{' => {
                    self.at += 1;
                    let mut members = vec![];
                    if self.peek() == Some('}') {
                        self.at += 1;
                        return Ok(Value::Object(members));
                    }
                    loop {
                        let Value::Text(key) = self.value()? else {
                            return Err(format!("expected a key at {}", self.at));
                        };
                        self.expect(':')?;
                        members.push((key, self.value()?));
                        if self.peek() == Some(',') {
                            self.at += 1;
                        } else {
                            self.expect('}')?;
                            return Ok(Value::Object(members));
                        }
                    }
                }
                '[' => {
                    self.at += 1;
                    let mut items = vec![];
                    if self.peek() == Some(']') {
                        self.at += 1;
                        return Ok(Value::List(items));
                    }
                    loop {
                        items.push(self.value()?);
                        if self.peek() == Some(',') {
                            self.at += 1;
                        } else {
                            self.expect(']')?;
                            return Ok(Value::List(items));
                        }
                    }
                }
                '"' => {
                    self.at += 1;
                    let mut text = String::new();
                    loop {
                        let c = *self.chars.get(self.at).ok_or("unterminated string")?;
                        self.at += 1;
                        match c {
                            '"' => return Ok(Value::Text(text)),
                            '\\' => {
                                let e = *self.chars.get(self.at).ok_or("unterminated escape")?;
                                self.at += 1;
                                text.push(match e {
                                    'n' => '\n',
                                    't' => '\t',
                                    'r' => '\r',
                                    'b' => '\u{8}',
                                    'f' => '\u{c}',
                                    'u' => {
                                        let hex: String = self
                                            .chars
                                            .get(self.at..self.at + 4)
                                            .ok_or("short \\u escape")?
                                            .iter()
                                            .collect();
                                        self.at += 4;
                                        u32::from_str_radix(&hex, 16)
                                            .ok()
                                            .and_then(char::from_u32)
                                            .unwrap_or('\u{fffd}')
                                    }
                                    other => other,
                                });
                            }
                            other => text.push(other),
                        }
                    }
                }
                _ => {
                    let start = self.at;
                    while self
                        .chars
                        .get(self.at)
                        .is_some_and(|c| c.is_ascii_alphanumeric() || "+-.".contains(*c))
                    {
                        self.at += 1;
                    }
                    let word: String = self.chars[start..self.at].iter().collect();
                    match word.as_str() {
                        "null" => Ok(Value::Null),
                        "true" => Ok(Value::Bool(true)),
                        "false" => Ok(Value::Bool(false)),
                        number => number
                            .parse()
                            .map(Value::Number)
                            .map_err(|_| format!("unexpected {number:?} at {start}")),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::json::{Value, parse};

    #[test]
    fn reads_the_report_json() {
        let v = parse(
            r#" {"a": [1, 2.5e1, -3], "b": {"c": "x\"y\u00e9\n"}, "d": true, "e": null, "f": {}} "#,
        )
        .expect("valid JSON");
        assert_eq!(v.get("a").items()[1].num(), 25.0);
        assert_eq!(v.get("a").items()[2].num(), -3.0);
        assert_eq!(v.get("b").get("c").text(), "x\"yé\n");
        assert!(v.get("d").truthy());
        assert_eq!(v.get("e"), &Value::Null);
        assert_eq!(v.get("missing").num(), 0.0);
        assert!(v.get("f").entries().is_empty());
        assert!(parse("{\"a\": 1} x").is_err());
        assert!(parse("[1,").is_err());
    }
}
