//! The enumerations of the client domain. Stored as their GraphQL names
//! (`ACTIVE`, `MID_MARKET`, …), so the database reads like the API.

use crate::service::enums::stored_enum;

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
