//! Benchmarks that print figures, never pass/fail: `cargo xtask bench [schedule]`.

pub mod schedule;
