//! The Leptos components (wasm32 only), one module per part of the page, and start-up.
//!
//! The page leads with the prompt, then the newest result, then one gallery:
//!
//! - [`connection`]: the one-line connection summary and the Settings dialog (provider,
//!   direct with a key or through a proxy);
//! - [`compose`]: prompt, Generate and cost, with [`options`] (the options row) and
//!   [`references`] (reference images: paste, drop, pick, URL);
//! - [`stage`]: the newest result, large, with its actions;
//! - [`gallery`]: every job, running ones first, as a grid of thumbnails; search, filters,
//!   selection (ZIP, delete, compare);
//! - [`viewer`] and [`compare`]: the full-size view and the side-by-side view (dialogs);
//! - [`image_actions`]: what can be done with one image, shared by all of the above;
//! - [`code`]: the request as cURL / JavaScript / Python.

mod code;
mod compare;
mod compose;
mod connection;
mod gallery;
mod image_actions;
mod options;
mod references;
mod stage;
mod viewer;

use std::cell::RefCell;

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

    // The loading below starts in a task after the one that mounted the page, so the two
    // never add up to one long task.
    if saved.is_none() {
        spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(0).await;
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
        gloo_timers::future::TimeoutFuture::new(0).await;
        if let Err(problem) = db::open().await {
            studio.storage_problem.set(Some(format!(
                "History cannot be saved in this browser ({problem}); jobs still work but are lost on reload."
            )));
            return;
        }
        match db::entries().await {
            Ok(entries) => {
                studio.load_history(entries.clone());
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

thread_local! {
    /// The element that had focus when a dialog opened, to give it back on close.
    static OPENER: RefCell<Option<web_sys::HtmlElement>> = const { RefCell::new(None) };
}

fn element(id: &str) -> Option<web_sys::Element> {
    web_sys::window()?.document()?.get_element_by_id(id)
}

/// Moves the keyboard focus to the element with this id.
pub(crate) fn focus(id: &str) {
    if let Some(el) = element(id).and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = el.focus();
    }
}

/// Opens the `<dialog>` with this id as a modal, remembering what had focus.
pub(crate) fn show_dialog(id: &str) {
    let Some(dialog) = element(id).and_then(|e| e.dyn_into::<web_sys::HtmlDialogElement>().ok())
    else {
        return;
    };
    if dialog.open() {
        return;
    }
    let active = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    OPENER.with(|o| *o.borrow_mut() = active);
    let _ = dialog.show_modal();
}

/// Closes the `<dialog>` with this id (its `close` event gives the focus back).
pub(crate) fn close_dialog(id: &str) {
    if let Some(dialog) = element(id).and_then(|e| e.dyn_into::<web_sys::HtmlDialogElement>().ok())
    {
        dialog.close();
    }
}

/// Gives the focus back to what had it before a dialog opened; for each dialog's `close`.
pub(crate) fn restore_focus() {
    if let Some(el) = OPENER.with(|o| o.borrow_mut().take())
        && el.is_connected()
    {
        let _ = el.focus();
    }
}

/// The page: header with the connection summary, the prompt, the newest result, the gallery,
/// the dialogs and the live region.
#[component]
fn App() -> impl IntoView {
    let studio = expect_context::<Studio>();
    view! {
        <a class="skip" href="#prompt">"Skip to the prompt"</a>
        <header class="top">
            <h1>"GPT Image Studio"</h1>
            <connection::Summary/>
        </header>
        {move || studio.storage_problem.get().map(|p| view! { <p class="warning" role="alert">{p}</p> })}
        <main class="layout">
            <div class="side">
                <compose::Compose/>
                <code::Code/>
            </div>
            <stage::Stage/>
            <gallery::Gallery/>
        </main>
        <connection::Settings/>
        <viewer::Viewer/>
        <compare::Compare/>
        <div class="sr-only" aria-live="polite" role="status">{move || studio.announcement.get()}</div>
    }
}
