//! The enumerations of the client domain. Stored as their GraphQL names
//! (`ACTIVE`, `MID_MARKET`, …), so the database reads like the API.

use async_graphql::Enum;

macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum, serde::Serialize, serde::Deserialize)]
        pub enum $name { $($(#[$vmeta])* $variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The stored spelling.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),* }
            }

            /// Parses the stored spelling.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($text => Some($name::$variant),)* _ => None }
            }
        }
    };
}

stored_enum!(
    /// Whether the firm works with the client.
    ClientStatus {
        /// Current client (the default).
        Active => "ACTIVE",
        /// Deactivated; linked jobs stay linked.
        Inactive => "INACTIVE",
        /// Work paused.
        OnHold => "ON_HOLD",
        /// Kept for the record only.
        Archived => "ARCHIVED",
    }
);

stored_enum!(
    /// Where the relationship stands commercially.
    ClientStage {
        Prospect => "PROSPECT",
        Lead => "LEAD",
        Customer => "CUSTOMER",
        AtRisk => "AT_RISK",
        Churned => "CHURNED",
    }
);

stored_enum!(
    /// The client's size class.
    ClientTier {
        SmallBusiness => "SMALL_BUSINESS",
        MidMarket => "MID_MARKET",
        Enterprise => "ENTERPRISE",
        Strategic => "STRATEGIC",
    }
);

stored_enum!(
    /// What an address is for.
    AddressKind {
        Headquarters => "HEADQUARTERS",
        Billing => "BILLING",
        Shipping => "SHIPPING",
        Other => "OTHER",
    }
);
