//! `apiframe_reply`: see `gpt_image_fuzz::check_reply` for the input's layout and the invariants.

#![no_main]

use gpt_image::Provider;
use gpt_image_fuzz::check_reply;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| check_reply(Provider::Apiframe, data));
