//! The Leptos components (wasm32 only), one module per panel, and start-up.
//!
//! - [`connection`]: provider, key, base URL;
//! - [`compose`]: prompt, cost and the Generate button, with [`options`] (the options row)
//!   and [`references`] (reference images);
//! - [`code`]: the request as cURL / JavaScript / Python;
//! - [`jobs`]: a card per job with progress, ETA, stop, resume and retry;
//! - [`gallery`]: the searchable history;
//! - [`result`]: one result image with its actions, shared by cards and the gallery.

mod code;
mod compose;
mod connection;
mod gallery;
mod jobs;
mod options;
mod references;
mod result;

use gpt_image::Provider;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::browser::{db, files, now_ms, storage};
use crate::settings;
use crate::state::Studio;

/// Mounts the studio on `<body>` and starts loading the history and the studio config.
pub fn mount() {
    show_panics_on_the_page();
    let saved = storage::saved_settings();
    let first_visit = settings::startup(saved.as_deref(), None);
    let studio = Studio::new(first_visit.settings);

    if let Some(boot) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("boot"))
    {
        boot.remove();
    }
    // Mounting also sets up the task executor the loading below runs on.
    leptos::mount::mount_to_body(move || {
        provide_context(studio);
        view! { <App/> }
    });

    if saved.is_none() {
        spawn_local(async move {
            let Some(config) = files::studio_config().await else {
                return;
            };
            let start = settings::startup(None, Some(&config));
            studio.settings.set(start.settings);
            for provider in Provider::ALL {
                if let Some(key) = start.demo_keys.get(provider)
                    && studio.key(provider).is_empty()
                {
                    studio.set_key(provider, key.clone());
                }
            }
            studio.notice.set(start.notice);
        });
    }

    spawn_local(async move {
        if let Err(problem) = db::open().await {
            studio.storage_problem.set(Some(format!(
                "History cannot be saved in this browser ({problem}); jobs still work but are lost on reload."
            )));
            return;
        }
        match db::entries().await {
            Ok(entries) => {
                studio.entries.set(entries.clone());
                crate::jobs::resume_all(studio);
                for entry in &entries {
                    studio.load_stored_images(entry).await;
                }
            }
            Err(problem) => studio
                .storage_problem
                .set(Some(format!("The history could not be read: {problem}"))),
        }
    });

    gloo_timers::callback::Interval::new(250, move || studio.now.set(now_ms())).forget();
}

/// A panic must never leave a blank page or a console-only message: log it, then tell the
/// user on the page itself.
fn show_panics_on_the_page() {
    console_error_panic_hook::set_once();
    let logged = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        logged(info);
        let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        else {
            return;
        };
        if let Some(doc) = body.owner_document()
            && let Ok(el) = doc.create_element("div")
        {
            el.set_attribute("role", "alert").ok();
            el.set_class_name("crash");
            el.set_text_content(Some(
                "The studio hit an internal error and stopped. Your jobs and history are saved: reload the page to continue.",
            ));
            let _ = body.prepend_with_node_1(el.unchecked_ref());
        }
    }));
}

/// The page: header, the two columns, the live region.
#[component]
fn App() -> impl IntoView {
    let studio = expect_context::<Studio>();
    view! {
        <a class="skip" href="#prompt">"Skip to the prompt"</a>
        <header class="top">
            <h1>"GPT Image Studio"</h1>
            <p class="tagline">"GPT Image 1.5 through Apiframe and API in One"</p>
        </header>
        {move || studio.notice.get().map(|n| view! { <p class="notice" role="status">{n}</p> })}
        {move || studio.storage_problem.get().map(|p| view! { <p class="warning" role="alert">{p}</p> })}
        <main class="layout">
            <div class="column">
                <connection::Connection/>
                <compose::Compose/>
                <code::Code/>
            </div>
            <div class="column">
                <jobs::Jobs/>
                <gallery::Gallery/>
            </div>
        </main>
        <div class="sr-only" aria-live="polite" role="status">{move || studio.announcement.get()}</div>
    }
}
