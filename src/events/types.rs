//! The event types subscribers and webhooks choose from, and what a caller may see of
//! an event: the entity's read permission decides whether the event reaches them at
//! all, and billing fields' values (and names) need `billing:read`.

use async_graphql::Enum;
use serde_json::{Map, Value};

use uuid::Uuid;

use crate::auth::Permission;
use crate::service::{TenantScope, documents};

macro_rules! event_types {
    ($($variant:ident => $name:literal,)*) => {
        /// A kind of event (`entity.verb` on the wire, e.g. `client.updated`).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Enum)]
        pub enum EventType {
            $(#[doc = concat!("`", $name, "`")] $variant,)*
        }

        impl EventType {
            /// Every type, in declaration order.
            pub const ALL: &'static [EventType] = &[$(EventType::$variant,)*];

            /// The wire spelling, e.g. `client.updated`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(EventType::$variant => $name,)*
                }
            }

            /// Parses the wire spelling; types not offered to subscribers (sign-ins,
            /// audited reads) give `None`.
            pub fn parse(text: &str) -> Option<EventType> {
                match text {
                    $($name => Some(EventType::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

event_types! {
    ClientCreated => "client.created",
    ClientUpdated => "client.updated",
    ClientDeactivated => "client.deactivated",
    ClientReactivated => "client.reactivated",
    ClientDeleted => "client.deleted",
    ClientRestored => "client.restored",
    ContactCreated => "contact.created",
    ContactUpdated => "contact.updated",
    ContactRemoved => "contact.removed",
    NoteCreated => "note.created",
    NoteUpdated => "note.updated",
    NoteDeleted => "note.deleted",
    NoteRestored => "note.restored",
    DocumentUploaded => "document.uploaded",
    DocumentVersionAdded => "document.version_added",
    DocumentUpdated => "document.updated",
    DocumentDeleted => "document.deleted",
    DocumentRestored => "document.restored",
    DocumentRetentionSet => "document.retention_set",
    DocumentPurged => "document.purged",
    CommunicationLogged => "communication.logged",
    CommunicationUpdated => "communication.updated",
    FeedbackSubmitted => "feedback.submitted",
    FeedbackUpdated => "feedback.updated",
    FeedbackFinalized => "feedback.finalized",
    JobCreated => "job.created",
    JobUpdated => "job.updated",
    JobLinked => "job.linked",
    JobUnlinked => "job.unlinked",
    ApplicationAdded => "application.added",
    ApplicationMoved => "application.moved",
    UserCreated => "user.created",
    UserUpdated => "user.updated",
    UserDeactivated => "user.deactivated",
    ApiKeyCreated => "api_key.created",
    ApiKeyRevoked => "api_key.revoked",
}

/// The permission needed to see events about an entity type; `None` for types whose
/// events reach nobody outside the server.
pub fn read_permission(entity_type: &str) -> Option<Permission> {
    Some(match entity_type {
        "client" => Permission::ClientsRead,
        "contact" => Permission::ContactsRead,
        "note" => Permission::NotesRead,
        "document" => Permission::DocumentsRead,
        "communication" => Permission::CommunicationsRead,
        "feedback" => Permission::FeedbackRead,
        "job" | "application" => Permission::JobsRead,
        "user" => Permission::UsersManage,
        "api_key" => Permission::ApikeysManage,
        _ => return None,
    })
}

/// Fields whose values (and names) need a permission beyond the entity's read
/// permission, as the change record spells them.
fn field_permission(entity_type: &str, field: &str) -> Option<Permission> {
    match (entity_type, field) {
        (
            "client",
            "taxId"
            | "annualRevenueCents"
            | "outstandingBalanceCents"
            | "totalRevenueCents"
            | "hourlyRateCents",
        ) => Some(Permission::BillingRead),
        _ => None,
    }
}

/// Whether the caller may see the record an event is about, beyond its permissions:
/// the rules some records apply per row (a `PRIVATE` document is its creator's and the
/// admins'), decided from the event's payload as the record's reads decide it.
pub fn row_visible(scope: &TenantScope, entity_type: &str, data: &Value) -> bool {
    match entity_type {
        "document" => documents::read::may_see(
            scope,
            data.get("visibility").and_then(Value::as_str),
            data.get("createdBy")
                .and_then(Value::as_str)
                .and_then(|id| Uuid::parse_str(id).ok()),
        ),
        _ => true,
    }
}

/// What one caller may see of events: decided from its permissions.
pub struct Visibility<F: Fn(Permission) -> bool> {
    can: F,
}

impl<F: Fn(Permission) -> bool> Visibility<F> {
    /// `can` answers whether the caller holds a permission.
    pub fn new(can: F) -> Self {
        Visibility { can }
    }

    /// Whether the caller may receive an event of `event_type` about `entity_type`.
    pub fn sees(&self, event_type: &str, entity_type: &str) -> bool {
        EventType::parse(event_type).is_some()
            && read_permission(entity_type).is_some_and(|p| (self.can)(p))
    }

    /// The changes the caller may see: fields it may not read are left out entirely.
    pub fn changes(&self, entity_type: &str, changes: &Map<String, Value>) -> Map<String, Value> {
        changes
            .iter()
            .filter(|(field, _)| field_permission(entity_type, field).is_none_or(|p| (self.can)(p)))
            .map(|(field, change)| (field.clone(), change.clone()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;
    use serde_json::json;

    #[test]
    fn every_type_round_trips_and_names_a_visible_entity() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(*t));
            let entity = t.as_str().split('.').next().unwrap();
            assert!(read_permission(entity).is_some(), "{entity}");
        }
        assert_eq!(EventType::parse("user.logged_in"), None);
    }

    #[test]
    fn billing_changes_need_billing_read() {
        let changes = json!({
            "name": {"from": "A", "to": "B"},
            "outstandingBalanceCents": {"from": 1, "to": 2},
            "taxId": {"changed": true},
        });
        let changes = changes.as_object().unwrap();
        let viewer = Visibility::new(|p| Role::Viewer.has(p));
        let seen = viewer.changes("client", changes);
        assert_eq!(seen.keys().collect::<Vec<_>>(), vec!["name"]);
        let accountant = Visibility::new(|p| Role::Accountant.has(p));
        assert_eq!(accountant.changes("client", changes).len(), 3);
        assert!(viewer.sees("client.updated", "client"));
        assert!(!viewer.sees("feedback.submitted", "feedback"));
        assert!(!viewer.sees("user.created", "user"));
        assert!(!viewer.sees("user.logged_in", "user"));
    }
}
