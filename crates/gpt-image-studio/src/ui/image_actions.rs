//! What can be done with one result image, wherever it is shown (the stage, the gallery, the
//! full-size view): show it, view it full size, download it, copy it, use it as a reference.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::browser::{files, images};
use crate::download;
use crate::history::ImageRef;
use crate::state::Studio;
use crate::ui::{focus, show_dialog};

/// The CSS class reserving an image's box before it loads: `ratio-3-2` for 3:2.
pub fn ratio_class(ratio: gpt_image::AspectRatio) -> String {
    format!("ratio-{}", ratio.as_str().replace(':', "-"))
}

/// The download name of `image` (prompt slug, number, extension of its real type).
pub fn file_name(studio: Studio, image: &ImageRef) -> String {
    studio
        .entry(&image.entry)
        .and_then(|e| {
            let saved = e.images.get(image.index)?;
            let ext =
                download::extension(saved.mime.as_deref(), e.request.output_format, &saved.url);
            Some(download::file_name(&e.request.prompt, image.index, ext))
        })
        .unwrap_or_else(|| "image.png".into())
}

/// Opens `image` in the full-size view.
pub fn view(studio: Studio, image: ImageRef) {
    studio.viewing.set(Some(image));
    show_dialog("viewer");
}

/// Saves `image` under its file name; a problem is written to `problem`.
pub fn download(studio: Studio, image: ImageRef, problem: RwSignal<Option<String>>) {
    let src = studio
        .entry_signal(&image.entry)
        .and_then(|e| untrack(|| studio.image_src(&e, image.index)));
    let Some(src) = src else {
        problem.set(Some("This image cannot be shown or saved.".into()));
        return;
    };
    let name = file_name(studio, &image);
    spawn_local(async move {
        problem.set(files::download(&src, &name).await.err());
    });
}

/// Copies `image` to the clipboard; the outcome is written to `status`.
pub fn copy(studio: Studio, image: ImageRef, status: RwSignal<Option<String>>) {
    spawn_local(async move {
        let copied = match studio.image_blob(&image).await {
            Ok(blob) => images::copy(&blob).await,
            Err(e) => Err(e),
        };
        status.set(Some(match copied {
            Ok(()) => "Copied to the clipboard.".into(),
            Err(e) => format!("Not copied: {e}."),
        }));
        studio.announce(status.get_untracked().unwrap_or_default());
    });
}

/// Adds `image` to the form's references and puts the cursor in the prompt.
pub fn use_as_reference(studio: Studio, image: &ImageRef) {
    let Some(url) = studio
        .entry(&image.entry)
        .and_then(|e| e.images.get(image.index).map(|i| i.url.clone()))
    else {
        return;
    };
    studio.change_settings(|s| {
        if !s.form.references.contains(&url) {
            s.form.references.push(url);
        }
    });
    studio.announce("Added as a reference image. Describe the edit and generate.");
    focus("prompt");
}

/// The `<img>` of `image`, with its pixel size so the box is reserved before it loads. Kept
/// images are `blob:` URLs in memory, so they load eagerly: lazy loading would save nothing.
#[component]
pub fn Picture(image: ImageRef) -> impl IntoView {
    let studio = expect_context::<Studio>();
    let entry = studio.entry_signal(&image.entry);
    let (index, number) = (image.index, image.index + 1);
    let src = {
        let entry = entry.clone();
        move || studio.image_src(entry.as_ref()?, index)
    };
    let (w, h) = entry
        .as_ref()
        .and_then(|e| e.with_untracked(|e| e.request.aspect_ratio))
        .unwrap_or(gpt_image::AspectRatio::Square)
        .dimensions();
    // The prompt never changes: read once.
    let prompt: String = entry
        .as_ref()
        .map(|e| e.with_untracked(|e| e.request.prompt.chars().take(120).collect()))
        .unwrap_or_default();
    let alt = format!("Image {number}: {prompt}");
    view! {
        <img
            src=src
            alt=alt
            width=w
            height=h
            decoding="async"
        />
    }
}

/// Download, Copy and (unless `without_reference`, where the caller offers its own) "Use as
/// reference" for `image`, with their outcome.
#[component]
pub fn ImageActions(image: ImageRef, #[prop(optional)] without_reference: bool) -> impl IntoView {
    let studio = expect_context::<Studio>();
    let status = RwSignal::new(None::<String>);
    let number = image.index + 1;
    let (a, b, c) = (image.clone(), image.clone(), image);
    view! {
        <div class="image-actions">
            <button
                type="button"
                class="secondary"
                aria-label=format!("Download image {number}")
                on:click=move |_| download(studio, a.clone(), status)
            >
                "Download"
            </button>
            <button
                type="button"
                class="secondary"
                aria-label=format!("Copy image {number}")
                on:click=move |_| copy(studio, b.clone(), status)
            >
                "Copy"
            </button>
            {(!without_reference)
                .then(|| view! {
                    <button
                        type="button"
                        class="secondary"
                        aria-label=format!("Use as reference (image {number})")
                        on:click=move |_| use_as_reference(studio, &c)
                    >
                        "Use as reference"
                    </button>
                })}
            <span class="hint" role="status">{move || status.get()}</span>
        </div>
    }
}
