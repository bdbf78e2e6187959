//! `request`: see `gpt_image_fuzz::check_request` for the input's layout and the invariants.

#![no_main]

use gpt_image_fuzz::check_request;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| check_request(data));
