//! Benchmarks that print figures, never pass/fail: `cargo xtask bench [schedule|size|polling]`.

pub mod polling;
pub mod schedule;
pub mod size;
