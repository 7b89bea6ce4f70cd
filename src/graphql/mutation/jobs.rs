//! Jobs: create and update, link to and unlink from clients, and their applications.

use async_graphql::{Context, ID, InputObject, MaybeUndefined, Object, Result};

use super::patch;
use crate::auth::Permission;
use crate::graphql::context::{self, parse_id};
use crate::graphql::guards::require;
use crate::graphql::types::{Application, Job, JobAssignment};
use crate::service::jobs::applications::{self, ApplicationStage, NewApplication};
use crate::service::jobs::{self, EmploymentType, JobPatch, JobStatus, links};

/// A job's fields. On `createJob` `title` is required; on `updateJob` omitted fields
/// stay and `null` clears.
#[derive(InputObject)]
pub struct JobInput {
    /// 1-200 characters.
    pub title: Option<String>,
    /// Up to 100 characters.
    pub department: MaybeUndefined<String>,
    /// Where the work is, up to 200 characters.
    pub location: MaybeUndefined<String>,
    /// Default `FULL_TIME`.
    pub employment_type: Option<EmploymentType>,
    /// 1-1000 (default 1).
    pub openings: Option<i32>,
    /// A new status; only the transitions documented on `Job.status` are allowed
    /// (CONFLICT otherwise). A new job is DRAFT unless this says OPEN.
    pub status: Option<JobStatus>,
}

impl From<JobInput> for JobPatch {
    fn from(i: JobInput) -> Self {
        JobPatch {
            title: i.title,
            department: patch(i.department),
            location: patch(i.location),
            employment_type: i.employment_type,
            openings: i.openings,
            status: i.status,
        }
    }
}

/// A candidate applying to a job.
#[derive(InputObject)]
pub struct ApplicationInput {
    /// The candidate's name, 1-200 characters.
    pub candidate_name: String,
    /// The candidate's email address, if known (up to 320 characters).
    pub candidate_email: Option<String>,
    /// 0-100.
    pub quality_score: Option<i32>,
}

#[derive(Default)]
pub struct JobMutations;

#[Object]
impl JobMutations {
    /// Creates a job. Requires `clients:update` (jobs belong to client work; SPEC §2 has
    /// no separate job permission).
    #[graphql(guard = "require(Permission::ClientsUpdate)")]
    async fn create_job(&self, ctx: &Context<'_>, input: JobInput) -> Result<Job> {
        let scope = context::scope(ctx)?;
        Ok(Job(
            jobs::create(context::db(ctx)?, scope, input.into()).await?
        ))
    }

    /// Changes a job if it is still at `expectedVersion` (CONFLICT otherwise, and for a
    /// status move the machine does not allow). Requires `clients:update`.
    #[graphql(guard = "require(Permission::ClientsUpdate)")]
    async fn update_job(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: JobInput,
        expected_version: i32,
    ) -> Result<Job> {
        let id = parse_id("id", &id)?;
        let scope = context::scope(ctx)?;
        let db = context::db(ctx)?;
        Ok(Job(jobs::update(
            db,
            scope,
            id,
            input.into(),
            Some(expected_version),
        )
        .await?))
    }

    /// Links a job to a client (a job has at most one active client: CONFLICT while it
    /// is linked elsewhere; linking again to the same client changes nothing).
    /// Requires `jobs:link`.
    #[graphql(guard = "require(Permission::JobsLink)")]
    async fn link_job(
        &self,
        ctx: &Context<'_>,
        client_id: ID,
        job_id: ID,
    ) -> Result<JobAssignment> {
        let client_id = parse_id("clientId", &client_id)?;
        let job_id = parse_id("jobId", &job_id)?;
        let scope = context::scope(ctx)?;
        let linked = links::link(context::db(ctx)?, scope, client_id, job_id).await?;
        Ok(JobAssignment(linked))
    }

    /// Ends a job's link to a client, keeping it as history (who and when).
    /// Requires `jobs:link`.
    #[graphql(guard = "require(Permission::JobsLink)")]
    async fn unlink_job(
        &self,
        ctx: &Context<'_>,
        client_id: ID,
        job_id: ID,
    ) -> Result<JobAssignment> {
        let client_id = parse_id("clientId", &client_id)?;
        let job_id = parse_id("jobId", &job_id)?;
        let scope = context::scope(ctx)?;
        let unlinked = links::unlink(context::db(ctx)?, scope, client_id, job_id).await?;
        Ok(JobAssignment(unlinked))
    }

    /// Links up to 50 jobs to a client, all or nothing. Requires `jobs:link`.
    #[graphql(guard = "require(Permission::JobsLink)")]
    async fn bulk_link_jobs(
        &self,
        ctx: &Context<'_>,
        client_id: ID,
        job_ids: Vec<ID>,
    ) -> Result<Vec<JobAssignment>> {
        let client_id = parse_id("clientId", &client_id)?;
        let job_ids = job_ids
            .iter()
            .enumerate()
            .map(|(i, id)| parse_id(&format!("jobIds[{i}]"), id))
            .collect::<Result<Vec<_>, _>>()?;
        let scope = context::scope(ctx)?;
        let linked = links::bulk_link(context::db(ctx)?, scope, client_id, job_ids).await?;
        Ok(linked.into_iter().map(JobAssignment).collect())
    }

    /// Adds a candidate to a job that still recruits. Requires `clients:update`.
    #[graphql(guard = "require(Permission::ClientsUpdate)")]
    async fn add_application(
        &self,
        ctx: &Context<'_>,
        job_id: ID,
        input: ApplicationInput,
    ) -> Result<Application> {
        let job_id = parse_id("jobId", &job_id)?;
        let new = NewApplication {
            candidate_name: input.candidate_name,
            candidate_email: input.candidate_email,
            quality_score: input.quality_score,
        };
        let scope = context::scope(ctx)?;
        Ok(Application(
            applications::add(context::db(ctx)?, scope, job_id, new).await?,
        ))
    }

    /// Moves an application to a stage; HIRED may fill the job. Requires
    /// `clients:update`.
    #[graphql(guard = "require(Permission::ClientsUpdate)")]
    async fn move_application(
        &self,
        ctx: &Context<'_>,
        id: ID,
        stage: ApplicationStage,
    ) -> Result<Application> {
        let id = parse_id("id", &id)?;
        let scope = context::scope(ctx)?;
        Ok(Application(
            applications::move_to(context::db(ctx)?, scope, id, stage).await?,
        ))
    }
}
