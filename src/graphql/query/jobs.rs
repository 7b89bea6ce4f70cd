//! Reading jobs: one by id, and the job list with its filter.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, Result};
use chrono::{DateTime, Utc};

use crate::auth::Permission;
use crate::graphql::connection::{from_rows, nested_page};
use crate::graphql::context::{self, parse_id};
use crate::graphql::guards::require;
use crate::graphql::types::{Job, JobConnectionFields};
use crate::service::jobs::JobStatus;
use crate::service::jobs::read::{self, JobFilter};

/// Narrows a job list; every condition given must hold.
#[derive(InputObject, Default, Clone)]
#[graphql(name = "JobFilter")]
pub struct JobFilterInput {
    /// Any of these statuses.
    pub status: Option<Vec<JobStatus>>,
    /// Jobs actively linked to this client.
    pub client_id: Option<ID>,
}

/// Narrows a client's jobs.
#[derive(InputObject, Default, Clone)]
#[graphql(name = "ClientJobFilter")]
pub struct ClientJobFilterInput {
    /// Jobs in any of these statuses.
    pub status: Option<Vec<JobStatus>>,
    /// Links made on or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Links made before this instant.
    pub to: Option<DateTime<Utc>>,
    /// Only current links (default `true`); `false` includes unlinked history.
    pub active_only: Option<bool>,
}

impl ClientJobFilterInput {
    pub fn into_service(self) -> read::ClientJobFilter {
        read::ClientJobFilter {
            statuses: self.status.unwrap_or_default(),
            from: self.from,
            to: self.to,
            active_only: self.active_only.unwrap_or(true),
        }
    }
}

#[derive(Default)]
pub struct JobsQuery;

#[Object]
impl JobsQuery {
    /// One job. Requires `jobs:read`.
    #[graphql(guard = "require(Permission::JobsRead)")]
    async fn job(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Job>> {
        let id = parse_id("id", &id)?;
        Ok(Some(Job(read::get(
            context::db(ctx)?,
            context::scope(ctx)?,
            id,
        )
        .await?)))
    }

    /// Jobs, newest first. Requires `jobs:read`.
    #[graphql(guard = "require(Permission::JobsRead)")]
    async fn jobs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        after: Option<String>,
        filter: Option<JobFilterInput>,
        #[graphql(desc = "Case-insensitive part of the title.")] search: Option<String>,
    ) -> Result<Connection<String, Job, JobConnectionFields>> {
        let page = nested_page(first, after)?;
        let input = filter.unwrap_or_default();
        let filter = JobFilter {
            statuses: input.status.unwrap_or_default(),
            client_id: input
                .client_id
                .map(|id| parse_id("filter.clientId", &id))
                .transpose()?,
            search,
        };
        let has_previous = page.after.is_some();
        let (rows, has_next) =
            read::list(context::db(ctx)?, context::scope(ctx)?, &filter, &page).await?;
        Ok(from_rows(
            rows,
            has_previous,
            has_next,
            Job,
            JobConnectionFields::All(filter),
        ))
    }
}
