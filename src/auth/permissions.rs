//! Permissions (`resource:action`) and the fixed role table of SPEC §2 — the one place
//! that says which role may do what. Guards, filters and exports all ask [`Role::has`].

use async_graphql::Enum;

/// One `resource:action` permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ClientsRead,
    ContactsRead,
    NotesRead,
    DocumentsRead,
    CommunicationsRead,
    JobsRead,
    AnalyticsRead,
    ClientsCreate,
    ClientsUpdate,
    ContactsWrite,
    NotesWrite,
    DocumentsWrite,
    CommunicationsWrite,
    ClientsDeactivate,
    ClientsDelete,
    ClientsBulk,
    AuditRead,
    UsersManage,
    ApikeysManage,
    WebhooksManage,
    ClientsExport,
    FeedbackRead,
    FeedbackWrite,
    JobsLink,
    ReportsGenerate,
    FeedbackFinalize,
    BillingRead,
    CredentialsReveal,
    /// Beyond the SPEC table: setting retention and legal hold on documents. Releasing a
    /// hold lets records be destroyed, so it is kept to the roles that lead the tenant.
    DocumentsRetention,
}

use Permission::*;

impl Permission {
    /// Every permission, in the order of the SPEC table.
    pub const ALL: [Permission; 29] = [
        ClientsRead,
        ContactsRead,
        NotesRead,
        DocumentsRead,
        CommunicationsRead,
        JobsRead,
        AnalyticsRead,
        ClientsCreate,
        ClientsUpdate,
        ContactsWrite,
        NotesWrite,
        DocumentsWrite,
        CommunicationsWrite,
        ClientsDeactivate,
        ClientsDelete,
        ClientsBulk,
        AuditRead,
        UsersManage,
        ApikeysManage,
        WebhooksManage,
        ClientsExport,
        FeedbackRead,
        FeedbackWrite,
        JobsLink,
        ReportsGenerate,
        FeedbackFinalize,
        BillingRead,
        CredentialsReveal,
        DocumentsRetention,
    ];

    /// The `resource:action` spelling used in the API and the docs.
    pub fn as_str(self) -> &'static str {
        match self {
            ClientsRead => "clients:read",
            ContactsRead => "contacts:read",
            NotesRead => "notes:read",
            DocumentsRead => "documents:read",
            CommunicationsRead => "communications:read",
            JobsRead => "jobs:read",
            AnalyticsRead => "analytics:read",
            ClientsCreate => "clients:create",
            ClientsUpdate => "clients:update",
            ContactsWrite => "contacts:write",
            NotesWrite => "notes:write",
            DocumentsWrite => "documents:write",
            CommunicationsWrite => "communications:write",
            ClientsDeactivate => "clients:deactivate",
            ClientsDelete => "clients:delete",
            ClientsBulk => "clients:bulk",
            AuditRead => "audit:read",
            UsersManage => "users:manage",
            ApikeysManage => "apikeys:manage",
            WebhooksManage => "webhooks:manage",
            ClientsExport => "clients:export",
            FeedbackRead => "feedback:read",
            FeedbackWrite => "feedback:write",
            JobsLink => "jobs:link",
            ReportsGenerate => "reports:generate",
            FeedbackFinalize => "feedback:finalize",
            BillingRead => "billing:read",
            CredentialsReveal => "credentials:reveal",
            DocumentsRetention => "documents:retention",
        }
    }

    /// Parses the `resource:action` spelling.
    pub fn parse(text: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

/// A user's or API key's role. Roles are fixed sets of permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum)]
pub enum Role {
    /// Runs the tenant: every permission except finalizing feedback.
    Admin,
    /// Leads accounts: exports, feedback (and its finalization), billing figures.
    Manager,
    /// Recruiter / account user: reads everything and writes client records.
    Member,
    /// Reads everything, exports, and sees billing figures; writes nothing.
    Accountant,
    /// Writes client records and may reveal stored credentials.
    Technician,
    /// Reads only.
    Viewer,
}

const READ: &[Permission] = &[
    ClientsRead,
    ContactsRead,
    NotesRead,
    DocumentsRead,
    CommunicationsRead,
    JobsRead,
    AnalyticsRead,
];
const WRITE: &[Permission] = &[
    ClientsCreate,
    ClientsUpdate,
    ContactsWrite,
    NotesWrite,
    DocumentsWrite,
    CommunicationsWrite,
];
const ADMIN_ONLY: &[Permission] = &[
    ClientsDeactivate,
    ClientsDelete,
    ClientsBulk,
    AuditRead,
    UsersManage,
    ApikeysManage,
    WebhooksManage,
];
const FEEDBACK_AND_REPORTS: &[Permission] =
    &[FeedbackRead, FeedbackWrite, JobsLink, ReportsGenerate];

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Admin,
        Role::Manager,
        Role::Member,
        Role::Accountant,
        Role::Technician,
        Role::Viewer,
    ];

    /// The SPEC §2 table, row by row.
    pub fn has(self, permission: Permission) -> bool {
        let in_set = |set: &[Permission]| set.contains(&permission);
        match self {
            Role::Admin => {
                in_set(READ)
                    || in_set(WRITE)
                    || in_set(ADMIN_ONLY)
                    || in_set(FEEDBACK_AND_REPORTS)
                    || matches!(
                        permission,
                        ClientsExport | BillingRead | CredentialsReveal | DocumentsRetention
                    )
            }
            Role::Manager => {
                in_set(READ)
                    || in_set(WRITE)
                    || in_set(FEEDBACK_AND_REPORTS)
                    || matches!(
                        permission,
                        ClientsExport | FeedbackFinalize | BillingRead | DocumentsRetention
                    )
            }
            Role::Member => in_set(READ) || in_set(WRITE),
            Role::Accountant => in_set(READ) || matches!(permission, ClientsExport | BillingRead),
            Role::Technician => in_set(READ) || in_set(WRITE) || permission == CredentialsReveal,
            Role::Viewer => in_set(READ),
        }
    }

    /// Every permission this role holds, in table order.
    /// Whether this role has every permission of `other` (a key made by a user may not
    /// do more than the user can).
    pub fn covers(self, other: Role) -> bool {
        Permission::ALL
            .into_iter()
            .all(|p| !other.has(p) || self.has(p))
    }

    pub fn permissions(self) -> Vec<Permission> {
        Permission::ALL
            .into_iter()
            .filter(|p| self.has(*p))
            .collect()
    }

    /// The stored spelling (`admin`, `manager`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Member => "member",
            Role::Accountant => "accountant",
            Role::Technician => "technician",
            Role::Viewer => "viewer",
        }
    }

    /// Parses the stored spelling (case-insensitive).
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_table_matches_spec_section_2() {
        // (permission, admin, manager, member, accountant, technician, viewer)
        let x = true;
        let o = false;
        let table: &[(&str, [bool; 6])] = &[
            ("clients:read", [x, x, x, x, x, x]),
            ("analytics:read", [x, x, x, x, x, x]),
            ("clients:create", [x, x, x, o, x, o]),
            ("communications:write", [x, x, x, o, x, o]),
            ("clients:deactivate", [x, o, o, o, o, o]),
            ("audit:read", [x, o, o, o, o, o]),
            ("users:manage", [x, o, o, o, o, o]),
            ("apikeys:manage", [x, o, o, o, o, o]),
            ("webhooks:manage", [x, o, o, o, o, o]),
            ("clients:export", [x, x, o, x, o, o]),
            ("feedback:read", [x, x, o, o, o, o]),
            ("jobs:link", [x, x, o, o, o, o]),
            ("feedback:finalize", [o, x, o, o, o, o]),
            ("billing:read", [x, x, o, x, o, o]),
            ("credentials:reveal", [x, o, o, o, x, o]),
            ("documents:read", [x, x, x, x, x, x]),
            ("documents:write", [x, x, x, o, x, o]),
            ("documents:retention", [x, x, o, o, o, o]),
        ];
        for (name, row) in table {
            let permission = Permission::parse(name).unwrap();
            for (role, expected) in Role::ALL.iter().zip(row) {
                assert_eq!(role.has(permission), *expected, "{role:?} {name}");
            }
        }
        for p in Permission::ALL {
            assert_eq!(Permission::parse(p.as_str()), Some(p));
        }
    }
}
