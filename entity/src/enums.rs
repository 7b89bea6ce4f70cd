//! The domain enumerations stored in the tables, each spelled in the database as in the
//! API (`ACTIVE`, `MID_MARKET`, …) so the database reads like the API. Each is a
//! SeaORM active enum (a model field holds the enum, never a string that might not
//! parse) and a GraphQL enum (so a stored value is a non-null enum in the schema). The
//! models themselves carry no GraphQL derives.

use sea_orm::entity::prelude::*;

/// A stored enumeration: `Name { Variant => "STORED", … }`.
macro_rules! stored_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum,
            async_graphql::Enum, serde::Serialize, serde::Deserialize,
        )]
        #[sea_orm(rs_type = "String", db_type = "Text")]
        pub enum $name {
            $($(#[$vmeta])* #[sea_orm(string_value = $text)] #[serde(rename = $text)] $variant),*
        }

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

stored_enum!(
    /// The contact's part in the client's decisions.
    ContactRole {
        DecisionMaker => "DECISION_MAKER",
        Influencer => "INFLUENCER",
        Gatekeeper => "GATEKEEPER",
        EndUser => "END_USER",
        /// The default.
        Other => "OTHER",
    }
);

stored_enum!(
    /// How the contact prefers to be reached.
    ContactMethod {
        Email => "EMAIL",
        Phone => "PHONE",
        Mobile => "MOBILE",
        Any => "ANY",
    }
);

stored_enum!(
    /// How a note's body is written.
    NoteFormat {
        /// The default.
        Plain => "PLAIN",
        Markdown => "MARKDOWN",
    }
);

stored_enum!(
    /// What a note records.
    NoteType {
        Meeting => "MEETING",
        Call => "CALL",
        Email => "EMAIL",
        Task => "TASK",
        FollowUp => "FOLLOW_UP",
        /// The default.
        General => "GENERAL",
    }
);

stored_enum!(
    /// How much a note matters.
    NotePriority {
        Low => "LOW",
        /// The default.
        Normal => "NORMAL",
        High => "HIGH",
    }
);

stored_enum!(
    /// Where a note is in its life.
    NoteStatus {
        Draft => "DRAFT",
        /// The default.
        Active => "ACTIVE",
        Completed => "COMPLETED",
        Archived => "ARCHIVED",
    }
);

stored_enum!(
    /// How the exchange happened.
    CommunicationType {
        Email => "EMAIL",
        Call => "CALL",
        /// In person.
        Meeting => "MEETING",
        Video => "VIDEO",
        Chat => "CHAT",
        Other => "OTHER",
    }
);

stored_enum!(
    /// Where a job is in its life.
    JobStatus {
        /// Being written; not yet recruiting (the default).
        Draft => "DRAFT",
        Open => "OPEN",
        OnHold => "ON_HOLD",
        Filled => "FILLED",
        /// Final.
        Closed => "CLOSED",
    }
);

stored_enum!(
    /// The kind of contract.
    EmploymentType {
        /// The default.
        FullTime => "FULL_TIME",
        PartTime => "PART_TIME",
        Contract => "CONTRACT",
        Temporary => "TEMPORARY",
        Internship => "INTERNSHIP",
    }
);

stored_enum!(
    /// Where a candidate is in a job's pipeline.
    ApplicationStage {
        /// The default.
        Applied => "APPLIED",
        Screened => "SCREENED",
        Shortlisted => "SHORTLISTED",
        Interviewed => "INTERVIEWED",
        Offered => "OFFERED",
        Hired => "HIRED",
        Rejected => "REJECTED",
    }
);

stored_enum!(
    /// What a document is.
    DocType {
        Contract => "CONTRACT",
        Proposal => "PROPOSAL",
        Invoice => "INVOICE",
        Report => "REPORT",
        Presentation => "PRESENTATION",
        /// The client's logo: an image of at most the logo size limit (2 MB by default).
        Logo => "LOGO",
        /// The default for documents attached to a communication.
        Attachment => "ATTACHMENT",
        /// The default otherwise.
        Other => "OTHER",
    }
);

stored_enum!(
    /// Who in the tenant sees a document.
    Visibility {
        /// Its uploader and admins only.
        Private => "PRIVATE",
        /// The team (for now: everyone with `documents:read`, as teams do not exist yet).
        Team => "TEAM",
        /// Everyone with `documents:read` (the default).
        Tenant => "TENANT",
    }
);
