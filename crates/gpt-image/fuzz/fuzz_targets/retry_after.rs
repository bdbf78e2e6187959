//! `retry_after`: see `gpt_image_fuzz::check_retry_after` for the input's layout and the invariants.

#![no_main]

use gpt_image_fuzz::check_retry_after;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| check_retry_after(data));
