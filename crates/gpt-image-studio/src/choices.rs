//! The choice lists of the form's options, built from the core's enums (`ALL`, `as_str`) and
//! the provider's [`Capabilities`](gpt_image::Capabilities), so a value or a limit is never
//! written down twice.
//!
//! Pure: no I/O, no Leptos. The `ui::options` module turns these lists into `<select>`s.

use gpt_image::{AspectRatio, Background, InputFidelity, OutputFormat, Provider, Quality};

/// One entry of a choice list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    /// The value as the providers spell it (`"high"`, `"3:2"`, `"4"`).
    pub value: String,
    /// What the user reads.
    pub label: String,
    /// Whether the provider accepts this value.
    pub offered: bool,
}

fn choice(value: &str, label: String, offered: bool) -> Choice {
    Choice {
        value: value.to_owned(),
        label,
        offered,
    }
}

/// `"medium"` → `"Medium"`.
fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase())
        .into_iter()
        .chain(chars)
        .collect()
}

/// Every quality, those `provider` lacks marked as not offered.
pub fn qualities(provider: Provider) -> Vec<Choice> {
    let offered = provider.capabilities().qualities;
    Quality::ALL
        .iter()
        .map(|q| choice(q.as_str(), capitalised(q.as_str()), offered.contains(q)))
        .collect()
}

/// Every aspect ratio with its shape and pixel size: `3:2 landscape, 1536×1024`, ratio
/// first so it stays readable when a narrow select cuts the end.
pub fn aspect_ratios(provider: Provider) -> Vec<Choice> {
    let offered = provider.capabilities().aspect_ratios;
    AspectRatio::ALL
        .iter()
        .map(|r| {
            let (w, h) = r.dimensions();
            let shape = match w.cmp(&h) {
                std::cmp::Ordering::Equal => "square",
                std::cmp::Ordering::Greater => "landscape",
                std::cmp::Ordering::Less => "portrait",
            };
            let label = format!("{} {shape}, {w}×{h}", r.as_str());
            choice(r.as_str(), label, offered.contains(r))
        })
        .collect()
}

/// Every background.
pub fn backgrounds(provider: Provider) -> Vec<Choice> {
    let offered = provider.capabilities().backgrounds;
    Background::ALL
        .iter()
        .map(|b| choice(b.as_str(), capitalised(b.as_str()), offered.contains(b)))
        .collect()
}

/// Every output format, named as people write them (PNG, JPEG, WebP).
pub fn output_formats(provider: Provider) -> Vec<Choice> {
    let offered = provider.capabilities().output_formats;
    OutputFormat::ALL
        .iter()
        .map(|f| {
            let label = match f.as_str() {
                "webp" => "WebP".to_owned(),
                other => other.to_ascii_uppercase(),
            };
            choice(f.as_str(), label, offered.contains(f))
        })
        .collect()
}

/// Every input fidelity.
pub fn input_fidelities(provider: Provider) -> Vec<Choice> {
    let offered = provider.capabilities().input_fidelities;
    InputFidelity::ALL
        .iter()
        .map(|f| choice(f.as_str(), capitalised(f.as_str()), offered.contains(f)))
        .collect()
}

/// Numbers of images from 1 to the largest any provider takes; above `provider`'s own
/// maximum they are not offered. A provider without the option offers every number (the
/// control is disabled with its reason instead).
pub fn counts(provider: Provider) -> Vec<Choice> {
    let most = Provider::ALL
        .iter()
        .filter_map(|p| p.capabilities().max_images)
        .max()
        .unwrap_or(1);
    let own = provider.capabilities().max_images;
    (1..=most)
        .map(|n| {
            let value = n.to_string();
            let label = value.clone();
            choice(&value, label, own.is_none_or(|m| n <= m))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(list: &[Choice]) -> Vec<&str> {
        list.iter().map(|c| c.value.as_str()).collect()
    }

    fn offered(list: &[Choice]) -> Vec<&str> {
        list.iter()
            .filter(|c| c.offered)
            .map(|c| c.value.as_str())
            .collect()
    }

    #[test]
    fn lists_hold_every_value_of_the_core_in_its_order() {
        for p in Provider::ALL {
            let q: Vec<&str> = Quality::ALL.iter().map(|q| q.as_str()).collect();
            assert_eq!(values(&qualities(p)), q);
            assert_eq!(aspect_ratios(p).len(), AspectRatio::ALL.len());
            assert_eq!(backgrounds(p).len(), Background::ALL.len());
            assert_eq!(output_formats(p).len(), OutputFormat::ALL.len());
            assert_eq!(input_fidelities(p).len(), InputFidelity::ALL.len());
        }
    }

    #[test]
    fn what_is_offered_follows_the_capabilities() {
        assert_eq!(offered(&qualities(Provider::ApiInOne)), ["medium", "high"]);
        assert_eq!(offered(&qualities(Provider::Apiframe)).len(), 4);
        assert!(offered(&backgrounds(Provider::ApiInOne)).is_empty());
        assert_eq!(offered(&counts(Provider::Apiframe)).len(), 10);
        assert_eq!(counts(Provider::ApiInOne).len(), 10);
    }

    #[test]
    fn labels_read_as_people_write_them() {
        let ratios = aspect_ratios(Provider::Apiframe);
        let labels: Vec<&str> = ratios.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "1:1 square, 1024×1024",
                "3:2 landscape, 1536×1024",
                "2:3 portrait, 1024×1536"
            ]
        );
        let formats = output_formats(Provider::Apiframe);
        let labels: Vec<&str> = formats.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["PNG", "JPEG", "WebP"]);
        assert_eq!(qualities(Provider::Apiframe)[0].label, "Auto");
    }
}
