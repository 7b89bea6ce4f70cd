//! The `Job`, `JobAssignment` and `Application` types.

use std::collections::HashMap;

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{client_job_assignment, job, job_application};
use uuid::Uuid;

use super::{Client, User};
use crate::graphql::connection::{nested_connection, nested_total};
use crate::graphql::context;
use crate::graphql::loaders::{
    ActiveLinkLoader, ApplicationsOfJob, ClientLoader, JobLinksOfClient, JobLoader, PipelineLoader,
    UserLoader,
};
use crate::service::jobs::applications::ApplicationStage;
use crate::service::jobs::read::{self, ClientJobFilter, JobFilter};
use crate::service::jobs::{EmploymentType, JobStatus};

/// A recruiting job.
pub struct Job(pub job::Model);

/// Narrows a job's applications.
#[derive(InputObject, Default, Clone)]
pub struct ApplicationFilter {
    /// Any of these stages.
    pub stage: Option<Vec<ApplicationStage>>,
}

/// A recruiting job.
#[Object]
impl Job {
    /// The job's id (a UUID, time-ordered).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// 1-200 characters.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// Up to 100 characters.
    async fn department(&self) -> Option<&str> {
        self.0.department.as_deref()
    }
    /// Where the work is, up to 200 characters.
    async fn location(&self) -> Option<&str> {
        self.0.location.as_deref()
    }
    /// Full-time, part-time, contract…
    async fn employment_type(&self) -> EmploymentType {
        self.0.employment_type
    }
    /// DRAFT → OPEN | CLOSED; OPEN → ON_HOLD | FILLED | CLOSED; ON_HOLD → OPEN | CLOSED;
    /// FILLED → OPEN | CLOSED; CLOSED is final.
    async fn status(&self) -> JobStatus {
        self.0.status
    }
    /// How many people the job hires; the hire reaching it marks an OPEN job FILLED.
    async fn openings(&self) -> i32 {
        self.0.openings
    }
    /// When the job first opened.
    async fn opened_at(&self) -> Option<DateTime<Utc>> {
        self.0.opened_at
    }
    /// When the job was (last) filled.
    async fn filled_at(&self) -> Option<DateTime<Utc>> {
        self.0.filled_at
    }
    /// When the job was filled or closed; `null` while open.
    async fn closed_at(&self) -> Option<DateTime<Utc>> {
        self.0.closed_at
    }
    /// Optimistic-locking version; pass it as `expectedVersion` to `updateJob`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the job was created.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// When the job last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// The client the job is actively linked to, if any.
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        let Some(link) = context::load::<ActiveLinkLoader>(ctx, self.0.id).await? else {
            return Ok(None);
        };
        Ok(context::load::<ClientLoader>(ctx, link.client_id)
            .await?
            .map(Client))
    }
    /// How many applications are in each stage now.
    async fn pipeline(&self, ctx: &Context<'_>) -> Result<Pipeline> {
        let counts = context::load::<PipelineLoader>(ctx, self.0.id)
            .await?
            .unwrap_or_default();
        Ok(Pipeline::from_counts(&counts))
    }
    /// The job's applications, latest stage change first (batched across jobs).
    async fn applications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        after: Option<String>,
        filter: Option<ApplicationFilter>,
    ) -> Result<Connection<String, Application, ApplicationConnectionFields>> {
        let stages = filter.unwrap_or_default().stage.unwrap_or_default();
        let job_id = self.0.id;
        let fields = |total| ApplicationConnectionFields {
            job_id,
            stages: stages.clone(),
            total,
        };
        nested_connection::<ApplicationsOfJob, _, _>(
            ctx,
            job_id,
            stages.clone(),
            first,
            after,
            Application,
            fields,
        )
        .await
    }
}

/// Applications per stage they are in now (of a job, or of a client's linked jobs).
#[derive(SimpleObject, Default)]
pub struct Pipeline {
    /// In APPLIED.
    pub applied: u64,
    /// In SCREENED.
    pub screened: u64,
    /// In SHORTLISTED.
    pub shortlisted: u64,
    /// In INTERVIEWED.
    pub interviewed: u64,
    /// In OFFERED.
    pub offered: u64,
    /// HIRED.
    pub hired: u64,
    /// REJECTED.
    pub rejected: u64,
}

impl Pipeline {
    /// From counts per stage (a missing stage has none).
    pub fn from_counts(counts: &HashMap<ApplicationStage, u64>) -> Self {
        let n = |s| counts.get(&s).copied().unwrap_or(0);
        use ApplicationStage::*;
        Pipeline {
            applied: n(Applied),
            screened: n(Screened),
            shortlisted: n(Shortlisted),
            interviewed: n(Interviewed),
            offered: n(Offered),
            hired: n(Hired),
            rejected: n(Rejected),
        }
    }
}

/// A candidate's application to a job.
pub struct Application(pub job_application::Model);

/// A candidate's application to a job.
#[Object]
impl Application {
    /// The application's id (a UUID, time-ordered).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The candidate's name, 1-200 characters.
    async fn candidate_name(&self) -> &str {
        &self.0.candidate_name
    }
    /// The candidate's email address, if known (up to 320 characters).
    async fn candidate_email(&self) -> Option<&str> {
        self.0.candidate_email.as_deref()
    }
    /// Where the application is in the pipeline.
    async fn stage(&self) -> ApplicationStage {
        self.0.stage
    }
    /// 0-100.
    async fn quality_score(&self) -> Option<i32> {
        self.0.quality_score
    }
    /// When the candidate applied.
    async fn applied_at(&self) -> DateTime<Utc> {
        self.0.applied_at
    }
    /// When the application last moved.
    async fn stage_changed_at(&self) -> DateTime<Utc> {
        self.0.stage_changed_at
    }
    /// Set while the stage is HIRED.
    async fn hired_at(&self) -> Option<DateTime<Utc>> {
        self.0.hired_at
    }
    /// Optimistic-locking version; bumped by every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The job applied to.
    async fn job(&self, ctx: &Context<'_>) -> Result<Option<Job>> {
        Ok(context::load::<JobLoader>(ctx, self.0.job_id)
            .await?
            .map(Job))
    }
}

/// Totals of a job's applications, computed only when selected.
pub struct ApplicationConnectionFields {
    job_id: Uuid,
    stages: Vec<ApplicationStage>,
    total: Option<u64>,
}

/// Totals of a job's applications, computed only when selected.
#[Object]
impl ApplicationConnectionFields {
    /// How many applications match.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        nested_total::<ApplicationsOfJob>(ctx, self.job_id, &self.stages, self.total).await
    }
}

/// A link between a client and a job; unlinking ends it and keeps it as history.
pub struct JobAssignment(pub client_job_assignment::Model);

/// A link between a client and a job; unlinking ends it and keeps it as history.
#[Object]
impl JobAssignment {
    /// The link's id (a UUID, time-ordered).
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// True until the job is unlinked from the client.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }
    /// When the job was linked to the client.
    async fn assigned_at(&self) -> DateTime<Utc> {
        self.0.assigned_at
    }
    /// Who linked it.
    async fn assigned_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(context::load::<UserLoader>(ctx, self.0.assigned_by)
            .await?
            .map(User))
    }
    /// When it was unlinked.
    async fn unassigned_at(&self) -> Option<DateTime<Utc>> {
        self.0.unassigned_at
    }
    /// Who unlinked it.
    async fn unassigned_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(context::load::<UserLoader>(ctx, self.0.unassigned_by)
            .await?
            .map(User))
    }
    /// The linked job.
    async fn job(&self, ctx: &Context<'_>) -> Result<Option<Job>> {
        Ok(context::load::<JobLoader>(ctx, self.0.job_id)
            .await?
            .map(Job))
    }
    /// The client the job is linked to (`null` once the client is deleted).
    async fn client(&self, ctx: &Context<'_>) -> Result<Option<Client>> {
        Ok(context::load::<ClientLoader>(ctx, self.0.client_id)
            .await?
            .map(Client))
    }
}

/// Totals of a job list, computed only when selected.
pub enum JobConnectionFields {
    /// Jobs of the tenant.
    All(JobFilter),
    /// One client's job links (batched across the clients of a page).
    OfClient {
        client_id: Uuid,
        filter: ClientJobFilter,
        /// Already counted by the page statement (no cursor).
        total: Option<u64>,
    },
}

/// Totals of a job list, computed only when selected.
#[Object]
impl JobConnectionFields {
    /// How many jobs (for a client: job links) match.
    async fn total_count(&self, ctx: &Context<'_>) -> Result<u64> {
        match self {
            JobConnectionFields::All(filter) => {
                Ok(read::count(context::db(ctx)?, context::scope(ctx)?, filter).await?)
            }
            JobConnectionFields::OfClient {
                client_id,
                filter,
                total,
            } => nested_total::<JobLinksOfClient>(ctx, *client_id, filter, *total).await,
        }
    }
}
