//! Demo data for `serve --demo`: a demo tenant and a second tenant, so a newcomer can
//! explore the API (and its tenancy) in GraphiQL at once. Seeding is idempotent.

use chrono::Utc;
use entity::tenant;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::db::Db;
use crate::error::AppResult;

/// Tenants the demo creates: (slug, name).
pub const DEMO_TENANTS: [(&str, &str); 2] =
    [("demo", "Demo Agency"), ("globex", "Globex Services")];

/// Creates whatever part of the demo data is missing.
pub async fn seed(db: &Db) -> AppResult<()> {
    for (slug, name) in DEMO_TENANTS {
        db.write(move |txn| {
            Box::pin(async move {
                let exists = tenant::Entity::find()
                    .filter(tenant::Column::Slug.eq(slug))
                    .one(txn)
                    .await?
                    .is_some();
                if !exists {
                    let now = Utc::now();
                    tenant::ActiveModel {
                        id: Set(uuid::Uuid::now_v7()),
                        slug: Set(slug.to_owned()),
                        name: Set(name.to_owned()),
                        settings: Set(serde_json::json!({})),
                        created_at: Set(now),
                        updated_at: Set(now),
                    }
                    .insert(txn)
                    .await?;
                }
                Ok(())
            })
        })
        .await?;
    }
    tracing::info!("demo data ready: tenants {:?}", DEMO_TENANTS.map(|t| t.0));
    Ok(())
}
