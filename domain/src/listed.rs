//! `text_enum!` and `listed_enum!`: a field-less enum whose list of all values and whose
//! stored names are generated from one declaration, so a new value cannot be left out of
//! either.

/// Declares `enum Name { Variant => "stored name", … }`: a closed set of values with `ALL`,
/// `NAMES`, `as_str` (the stored name), `parse`, `Display`, serde as the stored name, and
/// equality with it. Attributes before the enum and before each variant are kept. For the
/// crates that store such values (the projections' columns); the domain's own enums are
/// declared with `listed_enum!`, which adds their OpenAPI schema.
#[macro_export]
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// Every stored name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[ $( $text, )+ ];

            /// The stored name (a literal: never derived from `Debug`).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }

            pub fn parse(text: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|value| value.as_str() == text)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
                $name::parse(&text)
                    .ok_or_else(|| serde::de::Error::unknown_variant(&text, Self::NAMES))
            }
        }

        /// A value equals its stored name.
        impl PartialEq<&str> for $name {
            fn eq(&self, text: &&str) -> bool {
                self.as_str() == *text
            }
        }
    };
}

/// As [`text_enum!`], and with the feature `openapi` its `utoipa::ToSchema` is a string enum
/// of the stored names.
macro_rules! listed_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $crate::text_enum! {
            $(#[$meta])*
            #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
            $vis enum $name {
                $(
                    $(#[$vmeta])*
                    #[cfg_attr(feature = "openapi", schema(rename = $text))]
                    $variant => $text,
                )+
            }
        }
    };
}

pub(crate) use listed_enum;
