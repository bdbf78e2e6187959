//! Image bytes in the browser: a blob's bytes and back, scaling a local image down with a
//! canvas (when the user agreed), copying an image to the clipboard as PNG, and saving a blob
//! under a file name. The decisions (limits, sizes, ZIP layout) come from the pure modules.

use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, CanvasRenderingContext2d, HtmlCanvasElement, ImageBitmap};

use crate::reference::{MAX_BYTES, MAX_SIDE, fitted};

/// The bytes of `blob`.
pub async fn bytes(blob: &Blob) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(blob.array_buffer())
        .await
        .map_err(|_| "the browser could not read the image".to_string())?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// A blob of type `mime` holding `bytes`.
pub fn blob(bytes: &[u8], mime: &str) -> Result<Blob, String> {
    let parts = Array::of1(&Uint8Array::from(bytes));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|_| "the browser could not prepare the file".into())
}

async fn bitmap(blob: &Blob) -> Result<ImageBitmap, String> {
    let window = web_sys::window().ok_or("no window")?;
    let promise = window
        .create_image_bitmap_with_blob(blob)
        .map_err(|_| "the browser cannot decode this image".to_string())?;
    JsFuture::from(promise)
        .await
        .map_err(|_| "the browser cannot decode this image".to_string())?
        .dyn_into::<ImageBitmap>()
        .map_err(|_| "the browser cannot decode this image".into())
}

/// Draws `image` at `width`×`height` and encodes it as `mime` at `quality` (0–1).
async fn encode(
    image: &ImageBitmap,
    width: u32,
    height: u32,
    mime: &str,
    quality: f64,
) -> Result<Blob, String> {
    let fail = || "the browser could not redraw the image".to_string();
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(fail)?;
    let canvas: HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(|_| fail())?
        .dyn_into()
        .map_err(|_| fail())?;
    canvas.set_width(width);
    canvas.set_height(height);
    let context: CanvasRenderingContext2d = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .ok_or_else(fail)?
        .dyn_into()
        .map_err(|_| fail())?;
    context.set_image_smoothing_enabled(true);
    context
        .draw_image_with_image_bitmap_and_dw_and_dh(
            image,
            0.0,
            0.0,
            f64::from(width),
            f64::from(height),
        )
        .map_err(|_| fail())?;
    let mime = mime.to_owned();
    let promise = Promise::new(&mut |resolve, reject| {
        let refused = reject.clone();
        let done = Closure::once_into_js(move |blob: JsValue| {
            if blob.is_null() {
                let _ = reject.call0(&JsValue::NULL);
            } else {
                let _ = resolve.call1(&JsValue::NULL, &blob);
            }
        });
        let started = canvas.to_blob_with_type_and_encoder_options(
            done.unchecked_ref(),
            &mime,
            &JsValue::from_f64(quality),
        );
        if started.is_err() {
            let _ = refused.call0(&JsValue::NULL);
        }
    });
    JsFuture::from(promise)
        .await
        .map_err(|_| fail())?
        .dyn_into::<Blob>()
        .map_err(|_| fail())
}

/// `file` scaled to at most [`MAX_SIDE`] px and re-encoded as WebP until it is under
/// [`MAX_BYTES`]. Only called after the user agreed.
pub async fn scale_down(file: &Blob) -> Result<Blob, String> {
    let image = bitmap(file).await?;
    let (mut width, mut height) = fitted(image.width(), image.height(), MAX_SIDE);
    for quality in [0.9, 0.8, 0.7, 0.7, 0.7, 0.7] {
        let scaled = encode(&image, width, height, "image/webp", quality).await?;
        if scaled.size() as u64 <= MAX_BYTES {
            return Ok(scaled);
        }
        if quality <= 0.7 {
            (width, height) = fitted(width, height, width.max(height) * 3 / 4);
        }
    }
    Err("it stays too large even scaled down: pick a smaller image".into())
}

/// Puts `image` on the clipboard as PNG (the one image type browsers copy everywhere).
pub async fn copy(image: &Blob) -> Result<(), String> {
    let refused = || "the browser refused the clipboard: use Download instead".to_string();
    let png = if image.type_() == "image/png" {
        image.clone()
    } else {
        let decoded = bitmap(image).await?;
        encode(
            &decoded,
            decoded.width(),
            decoded.height(),
            "image/png",
            1.0,
        )
        .await?
    };
    let window = web_sys::window().ok_or_else(refused)?;
    let constructor: Function = Reflect::get(&window, &JsValue::from_str("ClipboardItem"))
        .ok()
        .and_then(|c| c.dyn_into().ok())
        .ok_or_else(refused)?;
    let data = Object::new();
    Reflect::set(&data, &JsValue::from_str("image/png"), &png).map_err(|_| refused())?;
    let item = Reflect::construct(&constructor, &Array::of1(&data)).map_err(|_| refused())?;
    let clipboard = window.navigator().clipboard();
    let write: Function = Reflect::get(&clipboard, &JsValue::from_str("write"))
        .ok()
        .and_then(|w| w.dyn_into().ok())
        .ok_or_else(refused)?;
    let promise: Promise = write
        .call1(&clipboard, &Array::of1(&item))
        .ok()
        .and_then(|p| p.dyn_into().ok())
        .ok_or_else(refused)?;
    JsFuture::from(promise)
        .await
        .map(|_| ())
        .map_err(|_| refused())
}
