//! The values a request's options take (`Quality`, `AspectRatio`, …), each spelled as the
//! providers spell it on the wire and in JSON.
//!
//! Plain data with no dependencies inside the crate, so that [`crate::provider`] (which lists
//! what each provider accepts) and [`crate::request`] (which validates against that) both read
//! it without reading each other.

use serde::{Deserialize, Serialize};

/// Declares a wire-named enum with `ALL`, `as_str` and serde names in one place.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $($(#[$vmeta])* #[serde(rename = $wire)] $variant),+
        }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as the providers spell it.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// Parses the provider spelling.
            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum!(
    /// Rendering quality; costlier and slower as it rises.
    Quality { Auto = "auto", Low = "low", Medium = "medium", High = "high" }
);
wire_enum!(
    /// Output shape: square 1024×1024, landscape 1536×1024, portrait 1024×1536.
    AspectRatio { Square = "1:1", Landscape = "3:2", Portrait = "2:3" }
);
wire_enum!(
    /// Whether the image keeps an opaque background or may be transparent.
    Background { Auto = "auto", Opaque = "opaque", Transparent = "transparent" }
);
wire_enum!(
    /// Encoded file format of the results.
    OutputFormat { Png = "png", Jpeg = "jpeg", Webp = "webp" }
);
wire_enum!(
    /// How closely an edit preserves the reference images.
    InputFidelity { Low = "low", High = "high" }
);
wire_enum!(
    /// A job event a webhook can subscribe to.
    WebhookEvent { Progress = "progress", Completed = "completed", Failed = "failed" }
);

impl AspectRatio {
    /// Pixel size of images in this ratio, width then height.
    pub fn dimensions(self) -> (u32, u32) {
        match self {
            AspectRatio::Square => (1024, 1024),
            AspectRatio::Landscape => (1536, 1024),
            AspectRatio::Portrait => (1024, 1536),
        }
    }
}

impl OutputFormat {
    /// File name extension for images in this format.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Png => "png",
            OutputFormat::Jpeg => "jpg",
            OutputFormat::Webp => "webp",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_through_their_wire_names() {
        assert_eq!(AspectRatio::parse("2:3"), Some(AspectRatio::Portrait));
        assert_eq!(Quality::parse("ultra"), None);
        for q in Quality::ALL {
            assert_eq!(Quality::parse(q.as_str()), Some(*q));
            assert_eq!(serde_json::to_string(q).unwrap(), format!("\"{q}\""));
        }
    }

    #[test]
    fn dimensions_follow_the_ratio() {
        assert_eq!(AspectRatio::Landscape.dimensions(), (1536, 1024));
        assert_eq!(OutputFormat::Jpeg.extension(), "jpg");
    }
}
