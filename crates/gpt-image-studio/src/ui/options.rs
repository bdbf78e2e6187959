//! The options row: quality, aspect ratio, number of images, background, output format and
//! input fidelity, each a `<select>` built from [`crate::choices`], disabled with a reason
//! where the provider lacks it, with its validation message under it.

use gpt_image::{AspectRatio, Background, InputFidelity, OutputFormat, Provider, Quality};
use leptos::prelude::*;

use crate::choices::{self, Choice};
use crate::form::{Control, Form, unavailable};
use crate::state::Studio;
use crate::ui::compose::{control_id, shown_problem};

/// A labelled `<select>` bound to one form field. Values travel as the providers spell them,
/// so one (non-generic) function serves every option and the wasm stays small.
fn select_field(
    control: Control,
    label: &'static str,
    choices: fn(Provider) -> Vec<Choice>,
    get: fn(&Form) -> String,
    set: fn(&mut Form, &str),
) -> impl IntoView {
    let studio = expect_context::<Studio>();
    let id = control_id(control);
    let provider = Memo::new(move |_| studio.settings.with(|s| s.provider));
    let why = move || {
        studio
            .settings
            .with(|s| unavailable(s.provider, control, &s.form))
    };
    let problem = move || {
        studio
            .settings
            .with(|s| shown_problem(studio, s.provider, &s.form, control))
    };
    let options = move || {
        let p = provider.get();
        choices(p)
            .into_iter()
            .map(|c| {
                let value = c.value.clone();
                let text = if c.offered {
                    c.label
                } else {
                    format!("{} (not on {})", c.label, p.name())
                };
                view! {
                    <option
                        value=c.value
                        disabled=!c.offered
                        selected=move || studio.settings.with(|s| get(&s.form) == value)
                    >
                        {text}
                    </option>
                }
            })
            .collect_view()
    };
    view! {
        <div class="field option">
            <label for=id>{label}</label>
            <select
                id=id
                name=id
                disabled=move || why().is_some()
                aria-invalid=move || problem().is_some().to_string()
                aria-describedby=format!("{id}-why {id}-error")
                prop:value=move || studio.settings.with(|s| get(&s.form))
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    studio.change_settings(|s| set(&mut s.form, &value));
                }
            >
                {options}
            </select>
            <p id=format!("{id}-why") class="why">{why}</p>
            <p id=format!("{id}-error") class="error" role="alert">{problem}</p>
        </div>
    }
}

/// Every option of the form, in one compact row.
#[component]
pub fn Options() -> impl IntoView {
    view! {
        <div class="options">
            {select_field(
                Control::Quality,
                "Quality",
                choices::qualities,
                |f| f.quality.as_str().into(),
                |f, v| f.quality = Quality::parse(v).unwrap_or(f.quality),
            )}
            {select_field(
                Control::AspectRatio,
                "Aspect ratio",
                choices::aspect_ratios,
                |f| f.aspect_ratio.as_str().into(),
                |f, v| f.aspect_ratio = AspectRatio::parse(v).unwrap_or(f.aspect_ratio),
            )}
            {select_field(
                Control::Count,
                "Images",
                choices::counts,
                |f| f.count.to_string(),
                |f, v| f.count = v.parse().unwrap_or(f.count),
            )}
            {select_field(
                Control::Background,
                "Background",
                choices::backgrounds,
                |f| f.background.as_str().into(),
                |f, v| f.background = Background::parse(v).unwrap_or(f.background),
            )}
            {select_field(
                Control::OutputFormat,
                "Format",
                choices::output_formats,
                |f| f.output_format.as_str().into(),
                |f, v| f.output_format = OutputFormat::parse(v).unwrap_or(f.output_format),
            )}
            {select_field(
                Control::InputFidelity,
                "Input fidelity",
                choices::input_fidelities,
                |f| f.input_fidelity.as_str().into(),
                |f, v| f.input_fidelity = InputFidelity::parse(v).unwrap_or(f.input_fidelity),
            )}
        </div>
    }
}
