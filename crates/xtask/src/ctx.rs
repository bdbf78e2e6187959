//! What every task shares: the repository root, running commands, starting the emulator, and
//! reading test counts from a runner's output.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The workspace and how the run was started.
pub struct Ctx {
    pub root: PathBuf,
    /// `CI=true`: no prompts, no colour assumptions.
    pub ci: bool,
}

/// How many tests a tier ran.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub passed: u32,
    pub failed: u32,
}

impl Tally {
    pub fn add(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
    }
}

impl Ctx {
    /// Which tree a figure belongs to: the last commit in git's `format` (`%h`, `%h %cI`…),
    /// and " plus uncommitted changes" when the working tree differs from it.
    pub fn tree(&self, format: &str) -> String {
        let head = self
            .cmd("git")
            .args(["log", "-1", &format!("--format={format}")])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        let dirty = self
            .cmd("git")
            .args(["status", "--porcelain", "--untracked-files=no"])
            .output()
            .is_ok_and(|o| !o.stdout.is_empty());
        format!(
            "{head}{}",
            if dirty {
                " plus uncommitted changes"
            } else {
                ""
            }
        )
    }

    pub fn new() -> Self {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .nth(2)
            .expect("crates/xtask sits two levels below the root")
            .to_path_buf();
        Ctx {
            root,
            ci: std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"),
        }
    }

    /// Cargo's target folder: `CARGO_TARGET_DIR` when set, else `target/` at the root.
    pub fn target_dir(&self) -> PathBuf {
        match std::env::var_os("CARGO_TARGET_DIR") {
            Some(dir) if !dir.is_empty() => self.root.join(dir),
            _ => self.root.join("target"),
        }
    }

    /// A command run from the repository root.
    pub fn cmd(&self, program: &str) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.root);
        cmd
    }

    /// Runs with inherited output; a non-zero exit is an error naming the command.
    pub fn run(&self, cmd: &mut Command) -> Result<(), String> {
        let status = cmd
            .status()
            .map_err(|e| format!("cannot start {}: {e}", show(cmd)))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("{} failed ({status})", show(cmd)))
        }
    }

    /// Runs, echoing output live and also returning it (stdout and stderr interleaved by line).
    pub fn run_tee(&self, cmd: &mut Command) -> Result<(bool, String), String> {
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", show(cmd)))?;
        let (tx, rx) = mpsc::channel::<String>();
        let readers: Vec<_> = [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        .map(|stream| {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    println!("{line}");
                    let _ = tx.send(line);
                }
            })
        })
        .collect();
        drop(tx);
        let output: Vec<String> = rx.iter().collect();
        for r in readers {
            let _ = r.join();
        }
        let status = child.wait().map_err(|e| e.to_string())?;
        Ok((status.success(), output.join("\n")))
    }

    /// Runs `node --test` on `files` (relative to `dir`) and reads its closing counts.
    pub fn node_test(
        &self,
        dir: &Path,
        files: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Tally, String> {
        let mut cmd = Command::new("node");
        cmd.current_dir(dir)
            .arg("--test")
            .arg("--test-concurrency=1")
            .args(files);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let (ok, output) = self.run_tee(&mut cmd)?;
        let tally = Tally {
            passed: count_after(&output, "# pass "),
            failed: count_after(&output, "# fail "),
        };
        if !ok && tally.failed == 0 {
            return Err(format!(
                "node --test in {} failed before reporting",
                dir.display()
            ));
        }
        Ok(tally)
    }

    /// Starts the debug-built emulator on a free loopback port with `args`.
    pub fn emulator(&self, args: &[&str]) -> Result<Emulator, String> {
        let bin = self.target_dir().join("debug/gpt-image-emulator");
        let mut child = Command::new(&bin)
            .args(["--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e} (was it built?)", bin.display()))?;
        let stdout = child.stdout.take().ok_or("emulator has no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = tx.send(first);
            }
            // Keep draining so the emulator never blocks on a full pipe.
            for _ in lines {}
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .map_err(|_| "the emulator did not say where it listens within 20 s".to_string())?;
        let url = line
            .strip_prefix("listening on ")
            .ok_or_else(|| format!("unexpected first line from the emulator: {line}"))?
            .trim()
            .to_owned();
        Ok(Emulator { url, child })
    }
}

/// A running emulator, stopped when dropped.
pub struct Emulator {
    pub url: String,
    child: Child,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The number after the last line starting with `prefix` (e.g. `# pass 12`).
pub fn count_after(output: &str, prefix: &str) -> u32 {
    output
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix(prefix)?.trim().parse().ok())
        .unwrap_or(0)
}

/// Sums cargo/libtest `test result: ok. N passed; M failed` lines.
pub fn cargo_tally(output: &str) -> Tally {
    let mut tally = Tally::default();
    for line in output.lines().filter(|l| l.contains("test result:")) {
        let number_before = |word: &str| {
            line.split(';')
                .find(|part| part.trim_end().ends_with(word))
                .and_then(|part| part.split_whitespace().rev().nth(1)?.parse::<u32>().ok())
                .unwrap_or(0)
        };
        tally.passed += number_before("passed");
        tally.failed += number_before("failed");
    }
    tally
}

fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cargo_and_node_counts() {
        let out = "test result: ok. 40 passed; 0 failed; 0 ignored\nfoo\ntest result: FAILED. 3 passed; 2 failed; 1 ignored";
        assert_eq!(
            cargo_tally(out),
            Tally {
                passed: 43,
                failed: 2
            }
        );
        assert_eq!(count_after("# tests 5\n# pass 4\n# fail 1", "# pass "), 4);
        assert_eq!(count_after("nothing", "# pass "), 0);
    }
}
