//! DataLoaders, one per relation, created per request and bound to the caller's tenant
//! (see `context::attach`): a loader can only ever return rows of that tenant.

use async_graphql::dataloader::Loader;
use entity::{client, client_contact, user};
use std::collections::HashMap;
use uuid::Uuid;

use crate::db::Db;
use crate::error::LoadError;
use crate::service::clients::read as clients;
use crate::service::contacts::read as contacts;
use crate::service::{TenantScope, users};

/// Users by id, within one tenant.
pub struct UserLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<Uuid> for UserLoader {
    type Value = user::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, user::Model>, Self::Error> {
        let rows = users::by_ids(&self.db, &self.scope, keys).await?;
        Ok(rows.into_iter().map(|u| (u.id, u)).collect())
    }
}

/// Live clients by id, within one tenant.
pub struct ClientLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<Uuid> for ClientLoader {
    type Value = client::Model;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, client::Model>, Self::Error> {
        let rows = clients::by_ids(&self.db, &self.scope, keys).await?;
        Ok(rows.into_iter().map(|c| (c.id, c)).collect())
    }
}

/// What a nested contact list asks for: filter and page (the same for every client of
/// one batch, as the same field is resolved for each parent).
pub type ContactsArgs = (contacts::ContactFilter, contacts::NestedPage);

/// One page of contacts per client, one statement per distinct page arguments.
pub struct ContactPagesLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<(Uuid, ContactsArgs)> for ContactPagesLoader {
    type Value = contacts::ContactPage;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(Uuid, ContactsArgs)],
    ) -> Result<HashMap<(Uuid, ContactsArgs), Self::Value>, Self::Error> {
        let mut groups: HashMap<&ContactsArgs, Vec<Uuid>> = HashMap::new();
        for (client_id, args) in keys {
            groups.entry(args).or_default().push(*client_id);
        }
        let mut out = HashMap::new();
        for (args, ids) in groups {
            let mut pages =
                contacts::pages_by_client(&self.db, &self.scope, &ids, &args.0, &args.1).await?;
            for id in ids {
                out.insert((id, args.clone()), pages.remove(&id).unwrap_or_default());
            }
        }
        Ok(out)
    }
}

/// Contact counts per client, one statement per distinct filter.
pub struct ContactCountsLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<(Uuid, contacts::ContactFilter)> for ContactCountsLoader {
    type Value = u64;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(Uuid, contacts::ContactFilter)],
    ) -> Result<HashMap<(Uuid, contacts::ContactFilter), u64>, Self::Error> {
        let mut groups: HashMap<&contacts::ContactFilter, Vec<Uuid>> = HashMap::new();
        for (client_id, filter) in keys {
            groups.entry(filter).or_default().push(*client_id);
        }
        let mut out = HashMap::new();
        for (filter, ids) in groups {
            let counts = contacts::counts_by_client(&self.db, &self.scope, &ids, filter).await?;
            for id in ids {
                out.insert((id, filter.clone()), counts.get(&id).copied().unwrap_or(0));
            }
        }
        Ok(out)
    }
}

/// The active primary contact of each client.
pub struct PrimaryContactLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<Uuid> for PrimaryContactLoader {
    type Value = client_contact::Model;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[Uuid],
    ) -> Result<HashMap<Uuid, client_contact::Model>, Self::Error> {
        let rows = contacts::primaries(&self.db, &self.scope, keys).await?;
        Ok(rows.into_iter().map(|c| (c.client_id, c)).collect())
    }
}
