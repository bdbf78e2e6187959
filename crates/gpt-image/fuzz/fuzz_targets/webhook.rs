//! `webhook`: see `gpt_image_fuzz::check_webhook` for the input's layout and the invariants.

#![no_main]

use gpt_image_fuzz::check_webhook;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| check_webhook(data));
