//! The form: what the user picked, how it becomes a [`Request`] for a provider, which
//! controls a provider lacks (and why), and which control a validation error belongs to.
//!
//! Pure: the limits come from [`Provider::capabilities`] and the checks from
//! [`Request::validate`], so the form never restates a provider's rules.

use gpt_image::{
    AspectRatio, Background, Error, InputFidelity, OutputFormat, Provider, Quality, Request,
};
use serde::{Deserialize, Serialize};

/// Every choice on the form. Options a provider lacks are kept (not sent) so switching
/// provider back and forth loses nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Form {
    pub prompt: String,
    pub quality: Quality,
    pub aspect_ratio: AspectRatio,
    pub background: Background,
    /// Number of images.
    pub count: u8,
    pub output_format: OutputFormat,
    pub input_fidelity: InputFidelity,
    /// Reference images: http(s) URLs or `data:image/…` URLs of local files.
    pub references: Vec<String>,
}

impl Default for Form {
    fn default() -> Self {
        Form {
            prompt: String::new(),
            quality: Quality::Auto,
            aspect_ratio: AspectRatio::Square,
            background: Background::Auto,
            count: 1,
            output_format: OutputFormat::Png,
            input_fidelity: InputFidelity::Low,
            references: Vec::new(),
        }
    }
}

/// A control on the form, named as the user sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Control {
    Prompt,
    Quality,
    AspectRatio,
    Background,
    Count,
    OutputFormat,
    InputFidelity,
    References,
}

/// A validation error placed next to its control.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub control: Control,
    /// The core's own text.
    pub message: String,
}

impl Form {
    /// The request this form sends to `provider`: only the options it has, fidelity only with
    /// reference images.
    pub fn to_request(&self, provider: Provider) -> Request {
        let caps = provider.capabilities();
        let mut request = Request::new(self.prompt.clone());
        request.quality = Some(self.quality);
        request.aspect_ratio = Some(self.aspect_ratio);
        if !caps.backgrounds.is_empty() {
            request.background = Some(self.background);
        }
        if caps.max_images.is_some() {
            request.n = Some(self.count);
        }
        if !caps.output_formats.is_empty() {
            request.output_format = Some(self.output_format);
        }
        request.input_images = self
            .references
            .iter()
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect();
        if !caps.input_fidelities.is_empty() && !request.input_images.is_empty() {
            request.input_fidelity = Some(self.input_fidelity);
        }
        request
    }

    /// The form a stored request was made from (for "re-run" and "use as reference").
    pub fn from_request(request: &Request) -> Form {
        let d = Form::default();
        Form {
            prompt: request.prompt.clone(),
            quality: request.quality.unwrap_or(d.quality),
            aspect_ratio: request.aspect_ratio.unwrap_or(d.aspect_ratio),
            background: request.background.unwrap_or(d.background),
            count: request.n.unwrap_or(d.count),
            output_format: request.output_format.unwrap_or(d.output_format),
            input_fidelity: request.input_fidelity.unwrap_or(d.input_fidelity),
            references: request.input_images.clone(),
        }
    }

    /// Moves a quality `provider` lacks to the nearest one it has (API in One has no
    /// auto/low: medium is its everyday tier). Nothing else changes.
    pub fn adapt_to(&mut self, provider: Provider) {
        let qualities = provider.capabilities().qualities;
        if !qualities.contains(&self.quality) {
            let nearest = match self.quality {
                Quality::High => Quality::High,
                _ => Quality::Medium,
            };
            if let Some(q) = qualities
                .iter()
                .find(|q| **q == nearest)
                .or(qualities.first())
            {
                self.quality = *q;
            }
        }
    }

    /// The first problem that would stop the request, placed on its control.
    pub fn problem(&self, provider: Provider) -> Option<FieldError> {
        match self.to_request(provider).validate(provider) {
            Ok(()) => None,
            Err(Error::InvalidRequest { field, message }) => Some(FieldError {
                control: control_for_field(&field),
                message,
            }),
            // Validation only ever returns InvalidRequest.
            Err(_) => Some(FieldError {
                control: Control::Prompt,
                message: "this request cannot be sent".into(),
            }),
        }
    }

    /// Characters typed and the provider's limit, for the counter under the prompt.
    pub fn prompt_count(&self, provider: Provider) -> (usize, usize) {
        (
            self.prompt.chars().count(),
            provider.capabilities().prompt_chars.1,
        )
    }
}

/// The control a core error's `field` (`"outputFormat"`, `"inputImages[2]"`, …) belongs to.
pub fn control_for_field(field: &str) -> Control {
    match field.split('[').next().unwrap_or(field) {
        "quality" => Control::Quality,
        "aspectRatio" => Control::AspectRatio,
        "background" => Control::Background,
        "n" => Control::Count,
        "outputFormat" => Control::OutputFormat,
        "inputFidelity" => Control::InputFidelity,
        "inputImages" => Control::References,
        _ => Control::Prompt,
    }
}

/// Why `control` is disabled for `provider`, in one line; `None` when it is available.
pub fn unavailable(provider: Provider, control: Control, form: &Form) -> Option<String> {
    let caps = provider.capabilities();
    let name = provider.name();
    let missing = match control {
        Control::Background => caps.backgrounds.is_empty().then_some("background option"),
        Control::Count => caps
            .max_images
            .is_none()
            .then_some("number-of-images option: it makes one image per request"),
        Control::OutputFormat => caps
            .output_formats
            .is_empty()
            .then_some("output-format option"),
        Control::InputFidelity => {
            if caps.input_fidelities.is_empty() {
                Some("input-fidelity option")
            } else if form.references.iter().all(|r| r.trim().is_empty()) {
                return Some("Applies only to edits: add a reference image first.".into());
            } else {
                None
            }
        }
        _ => None,
    };
    missing.map(|what| format!("{name} has no {what}."))
}

/// Whether `quality` can be picked for `provider`.
pub fn offers_quality(provider: Provider, quality: Quality) -> bool {
    provider.capabilities().qualities.contains(&quality)
}

/// A plain warning for a reference given as a data URL (a local file).
pub fn data_url_warning(provider: Provider, reference: &str) -> Option<String> {
    (reference.starts_with("data:") && !provider.capabilities().documents_data_url_inputs).then(|| {
        format!(
            "{} does not document local files (data URLs) as references: it may refuse this one. A public https URL is safer.",
            provider.name()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(prompt: &str) -> Form {
        Form {
            prompt: prompt.into(),
            ..Form::default()
        }
    }

    #[test]
    fn api_in_one_gets_only_what_it_has() {
        let mut f = form("a fox in snow");
        f.adapt_to(Provider::ApiInOne);
        let r = f.to_request(Provider::ApiInOne);
        assert_eq!(r.quality, Some(Quality::Medium));
        assert_eq!((r.n, r.background, r.output_format), (None, None, None));
        r.validate(Provider::ApiInOne).unwrap();
        // Switching back keeps what was set for Apiframe.
        let r = f.to_request(Provider::Apiframe);
        assert_eq!(r.n, Some(1));
        assert_eq!(r.output_format, Some(OutputFormat::Png));
    }

    #[test]
    fn fidelity_is_sent_only_with_references() {
        let mut f = form("fox");
        assert_eq!(f.to_request(Provider::Apiframe).input_fidelity, None);
        assert!(unavailable(Provider::Apiframe, Control::InputFidelity, &f).is_some());
        f.references = vec![" https://x.example/a.png ".into(), "  ".into()];
        let r = f.to_request(Provider::Apiframe);
        assert_eq!(r.input_images, vec!["https://x.example/a.png".to_string()]);
        assert_eq!(r.input_fidelity, Some(InputFidelity::Low));
        assert!(unavailable(Provider::Apiframe, Control::InputFidelity, &f).is_none());
    }

    #[test]
    fn problems_carry_the_core_text_to_the_right_control() {
        let f = form(&"x".repeat(2_001));
        let p = f.problem(Provider::Apiframe).unwrap();
        assert_eq!(p.control, Control::Prompt);
        assert!(p.message.contains("2001 characters"), "{}", p.message);
        assert!(f.problem(Provider::ApiInOne).is_some()); // quality auto is not allowed there
        let mut f = form("fox");
        f.background = Background::Transparent;
        f.output_format = OutputFormat::Jpeg;
        assert_eq!(
            f.problem(Provider::Apiframe).unwrap().control,
            Control::Background
        );
        f.references = vec!["ftp://nope".into()];
        f.output_format = OutputFormat::Png;
        assert_eq!(
            f.problem(Provider::Apiframe).unwrap().control,
            Control::References
        );
        assert!(form("fox").problem(Provider::Apiframe).is_none());
    }

    #[test]
    fn disabled_controls_say_why() {
        let f = Form::default();
        let why = unavailable(Provider::ApiInOne, Control::Count, &f).unwrap();
        assert!(
            why.starts_with("API in One has no number-of-images"),
            "{why}"
        );
        assert!(unavailable(Provider::Apiframe, Control::Count, &f).is_none());
        assert!(unavailable(Provider::ApiInOne, Control::Quality, &f).is_none());
        assert!(!offers_quality(Provider::ApiInOne, Quality::Low));
    }

    #[test]
    fn adapting_quality_picks_the_nearest() {
        let mut f = Form {
            quality: Quality::Low,
            ..Form::default()
        };
        f.adapt_to(Provider::ApiInOne);
        assert_eq!(f.quality, Quality::Medium);
        f.quality = Quality::High;
        f.adapt_to(Provider::ApiInOne);
        assert_eq!(f.quality, Quality::High);
    }

    #[test]
    fn round_trips_through_a_request() {
        let mut f = form("fox");
        f.count = 3;
        f.aspect_ratio = AspectRatio::Portrait;
        f.references = vec!["https://x.example/a.png".into()];
        assert_eq!(Form::from_request(&f.to_request(Provider::Apiframe)), f);
        assert_eq!(control_for_field("inputImages[3]"), Control::References);
        assert!(data_url_warning(Provider::Apiframe, "data:image/png;base64,AA").is_some());
        assert!(data_url_warning(Provider::Apiframe, "https://x/a.png").is_none());
    }
}
