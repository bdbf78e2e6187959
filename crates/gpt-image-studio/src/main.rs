//! Entry point: mounts the studio in the browser. Natively there is nothing to run; the pure
//! modules are exercised by `cargo test`.

fn main() {
    #[cfg(target_arch = "wasm32")]
    gpt_image_studio::start();
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("gpt-image-studio runs in the browser: build it with `trunk build --release`.");
}
