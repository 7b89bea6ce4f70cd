//! Changing a client's contacts: add, update, upsert by email, remove, make primary.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result, SimpleObject};

use super::patch;
use crate::auth::Permission;
use crate::graphql::context::{self, parse_id};
use crate::graphql::guards::require;
use crate::graphql::types::Contact;
use crate::service::contacts::{self, ContactMethod, ContactPatch, ContactRole};

/// A contact's fields. On `addContact` and `upsertContact` omitted fields take their
/// defaults; on `updateContact` omitted fields stay and `null` clears.
#[derive(InputObject)]
pub struct ContactInput {
    /// 1-100 characters (required on `addContact`).
    pub first_name: Option<String>,
    /// 1-100 characters (required on `addContact`).
    pub last_name: Option<String>,
    /// The job title, up to 100 characters.
    pub title: MaybeUndefined<String>,
    /// Up to 100 characters.
    pub department: MaybeUndefined<String>,
    /// Unique among the client's active contacts.
    pub email: MaybeUndefined<String>,
    /// 5 to 20 digits with `+ - ( ) .` or spaces.
    pub phone: MaybeUndefined<String>,
    /// 5 to 20 digits with `+ - ( ) .` or spaces.
    pub mobile: MaybeUndefined<String>,
    /// The contact's part in the relationship.
    pub role: Option<ContactRole>,
    /// Making a contact primary takes the flag from the client's previous primary.
    pub is_primary: Option<bool>,
    /// Receives invoices.
    pub is_billing: Option<bool>,
    /// The technical contact.
    pub is_technical: Option<bool>,
    /// How the contact prefers to be reached.
    pub preferred_contact_method: MaybeUndefined<ContactMethod>,
    /// The contact asked not to be contacted.
    pub do_not_contact: Option<bool>,
    /// An https URL of the contact's LinkedIn profile.
    pub linkedin_url: MaybeUndefined<String>,
}

impl From<ContactInput> for ContactPatch {
    fn from(i: ContactInput) -> Self {
        ContactPatch {
            first_name: i.first_name,
            last_name: i.last_name,
            title: patch(i.title),
            department: patch(i.department),
            email: patch(i.email),
            phone: patch(i.phone),
            mobile: patch(i.mobile),
            role: i.role,
            is_primary: i.is_primary,
            is_billing: i.is_billing,
            is_technical: i.is_technical,
            preferred_contact_method: patch(i.preferred_contact_method),
            do_not_contact: i.do_not_contact,
            linkedin_url: patch(i.linkedin_url),
        }
    }
}

/// The contact `upsertContact` wrote, and whether it was new.
#[derive(SimpleObject)]
pub struct UpsertContactResult {
    /// The contact as written.
    pub contact: Contact,
    /// True when no active contact of the client had the email, so one was added.
    pub created: bool,
}

#[derive(Default)]
pub struct ContactMutations;

#[Object]
impl ContactMutations {
    /// Adds a contact to a client (`firstName` and `lastName` required).
    /// Requires `contacts:write`.
    #[graphql(guard = "require(Permission::ContactsWrite)")]
    async fn add_contact(
        &self,
        ctx: &Context<'_>,
        client_id: ID,
        input: ContactInput,
    ) -> Result<Contact> {
        let client_id = parse_id("clientId", &client_id)?;
        Ok(Contact(
            contacts::add(
                context::db(ctx)?,
                context::scope(ctx)?,
                client_id,
                input.into(),
            )
            .await?,
        ))
    }

    /// Changes a contact if it is still at `expectedVersion` (CONFLICT otherwise).
    /// Requires `contacts:write`.
    #[graphql(guard = "require(Permission::ContactsWrite)")]
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: ContactInput,
        expected_version: i32,
    ) -> Result<Contact> {
        let id = parse_id("id", &id)?;
        let updated = contacts::update(
            context::db(ctx)?,
            context::scope(ctx)?,
            id,
            input.into(),
            Some(expected_version),
        )
        .await?;
        Ok(Contact(updated))
    }

    /// Removes a contact (soft): it leaves every list and frees its email.
    /// Requires `contacts:write`.
    #[graphql(guard = "require(Permission::ContactsWrite)")]
    async fn remove_contact(&self, ctx: &Context<'_>, id: ID) -> Result<Contact> {
        let id = parse_id("id", &id)?;
        Ok(Contact(
            contacts::remove(context::db(ctx)?, context::scope(ctx)?, id).await?,
        ))
    }

    /// Makes a contact the client's only primary contact, atomically.
    /// Requires `contacts:write`.
    #[graphql(guard = "require(Permission::ContactsWrite)")]
    async fn set_primary_contact(
        &self,
        ctx: &Context<'_>,
        client_id: ID,
        contact_id: ID,
    ) -> Result<Contact> {
        let client_id = parse_id("clientId", &client_id)?;
        let contact_id = parse_id("contactId", &contact_id)?;
        Ok(Contact(
            contacts::set_primary(
                context::db(ctx)?,
                context::scope(ctx)?,
                client_id,
                contact_id,
            )
            .await?,
        ))
    }

    /// Updates the client's active contact with `input.email`, or adds one.
    /// Requires `contacts:write`.
    #[graphql(guard = "require(Permission::ContactsWrite)")]
    async fn upsert_contact(
        &self,
        ctx: &Context<'_>,
        client_id: ID,
        input: ContactInput,
    ) -> Result<UpsertContactResult> {
        let client_id = parse_id("clientId", &client_id)?;
        let (contact, created) = contacts::upsert(
            context::db(ctx)?,
            context::scope(ctx)?,
            client_id,
            input.into(),
        )
        .await?;
        Ok(UpsertContactResult {
            contact: Contact(contact),
            created,
        })
    }
}
