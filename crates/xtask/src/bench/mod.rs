//! Benchmarks that print figures, never pass/fail: `cargo xtask bench [schedule|size]`.

pub mod schedule;
pub mod size;
