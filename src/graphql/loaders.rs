//! DataLoaders, one per relation, created per request and bound to the caller's tenant
//! (see `context::attach`): a loader can only ever return rows of that tenant.

use async_graphql::dataloader::Loader;
use entity::{client, user};
use std::collections::HashMap;
use uuid::Uuid;

use crate::db::Db;
use crate::error::LoadError;
use crate::service::clients::read as clients;
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
