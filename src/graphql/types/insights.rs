//! What a client's rows add up to: the dashboard, the health score and the daily
//! analytics series. Each is loaded for a whole page of clients at once.

use async_graphql::connection::Connection;
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::client_analytics;
use uuid::Uuid;

use super::{Communication, CommunicationConnectionFields, Pipeline, User, communication};
use crate::auth::Permission;
use crate::graphql::context;
use crate::graphql::guards::require;
use crate::graphql::loaders::{ActivitiesLoader, HealthInputsLoader, JobFiguresLoader, UserLoader};
use crate::service::communications::read::CommunicationFilter;
use crate::service::insights::dashboard::{self, Activity, ActivityKind};
use crate::service::insights::figures::JobFigures;
use crate::service::insights::health::{self, Components, Health, HealthBand, Inputs, Withheld};

/// A client's dashboard: recruiting figures over the jobs linked to it now, its recent
/// activity and its outstanding follow-ups.
pub struct ClientDashboard {
    pub client_id: Uuid,
}

impl ClientDashboard {
    async fn figures(&self, ctx: &Context<'_>) -> Result<JobFigures> {
        Ok(context::load::<JobFiguresLoader>(ctx, self.client_id)
            .await?
            .unwrap_or_default())
    }
}

/// A client's dashboard: recruiting figures over the jobs linked to it now, its recent
/// activity and its outstanding follow-ups.
#[Object]
impl ClientDashboard {
    /// Linked jobs that are OPEN. Requires `jobs:read`.
    #[graphql(guard = "require(Permission::JobsRead)")]
    async fn active_jobs(&self, ctx: &Context<'_>) -> Result<Option<u64>> {
        Ok(Some(self.figures(ctx).await?.active_jobs))
    }
    /// Applications to linked jobs, in any stage. Requires `jobs:read`.
    #[graphql(guard = "require(Permission::JobsRead)")]
    async fn total_candidates(&self, ctx: &Context<'_>) -> Result<Option<u64>> {
        Ok(Some(self.figures(ctx).await?.total_candidates))
    }
    /// Applications to linked jobs that reached HIRED. Requires `jobs:read`.
    #[graphql(guard = "require(Permission::JobsRead)")]
    async fn hires(&self, ctx: &Context<'_>) -> Result<Option<u64>> {
        Ok(Some(self.figures(ctx).await?.hires()))
    }
    /// Mean days from opening to filling over the linked jobs that are FILLED, to one
    /// decimal; null when none is. Requires `jobs:read`.
    #[graphql(guard = "require(Permission::JobsRead)")]
    async fn avg_time_to_fill_days(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        Ok(self.figures(ctx).await?.avg_time_to_fill_days)
    }
    /// Mean quality score (0-100) of the applications to linked jobs that have one.
    /// Requires `jobs:read`.
    #[graphql(guard = "require(Permission::JobsRead)")]
    async fn avg_candidate_quality_score(&self, ctx: &Context<'_>) -> Result<Option<f64>> {
        Ok(self.figures(ctx).await?.avg_quality_score)
    }
    /// Applications to linked jobs per stage they are in now. Requires `jobs:read`.
    #[graphql(guard = "require(Permission::JobsRead)")]
    async fn pipeline(&self, ctx: &Context<'_>) -> Result<Option<Pipeline>> {
        Ok(Some(Pipeline::from_counts(
            &self.figures(ctx).await?.pipeline,
        )))
    }
    /// What happened in the last 30 days, newest first: notes (at their interaction
    /// time), communications, job links and unlinks, and feedback — each kind only when
    /// the caller may read it.
    async fn recent_activities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many, 1-100 (default 20).", default = 20)] first: i32,
    ) -> Result<Vec<ActivityEntry>> {
        if !(1..=dashboard::MAX_ACTIVITIES as i32).contains(&first) {
            return Err(crate::error::AppError::bad_input(
                "first",
                format!(
                    "`first` must be between 1 and {}",
                    dashboard::MAX_ACTIVITIES
                ),
            )
            .into());
        }
        let list = context::loader::<ActivitiesLoader>(ctx)?
            .load_one((self.client_id, first as usize))
            .await?
            .unwrap_or_default();
        Ok(list.iter().cloned().map(ActivityEntry).collect())
    }
    /// Open follow-ups due today (UTC) or earlier, newest communication first; its
    /// `totalCount` is the number outstanding. Requires `communications:read`.
    #[graphql(guard = "require(Permission::CommunicationsRead)")]
    async fn follow_ups_due(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Communication, CommunicationConnectionFields>> {
        let filter = CommunicationFilter {
            follow_up_due: Some(true),
            ..Default::default()
        };
        communication::of_client(ctx, self.client_id, filter, first, after).await
    }
}

/// One entry of a client's recent activity.
pub struct ActivityEntry(pub Activity);

/// One entry of a client's recent activity.
#[Object(name = "Activity")]
impl ActivityEntry {
    /// What happened: a note, a communication, a job link or unlink, or feedback.
    async fn kind(&self) -> ActivityKind {
        self.0.kind
    }
    /// When it happened.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    /// One line: the note's title, the communication's subject, the job's title, or the
    /// feedback's period and overall satisfaction.
    async fn summary(&self) -> &str {
        &self.0.summary
    }
    /// The id of the note, communication, job or feedback it is about (see `kind`).
    async fn entity_id(&self) -> ID {
        ID(self.0.entity_id.to_string())
    }
    /// Who did it, when known.
    async fn actor(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        Ok(context::load::<UserLoader>(ctx, self.0.actor_id)
            .await?
            .map(User))
    }
}

/// A client's health: a 0-100 score, its band, and the five components it is the
/// weighted average of (engagement 30%, financial 25%, activity 20%, communication 15%,
/// risk 10%), computed live.
pub struct HealthScore(pub Health, pub Withheld);

/// A client's health: a 0-100 score, its band, and the five components it is the
/// weighted average of (engagement 30%, financial 25%, activity 20%, communication 15%,
/// risk 10%), computed live.
#[Object]
impl HealthScore {
    /// round(0.30·engagement + 0.25·financial + 0.20·activity + 0.15·communication +
    /// 0.10·risk).
    async fn score(&self) -> i32 {
        self.0.score
    }
    /// AT_RISK below 40, STABLE from 40 to 70, STRONG above 70.
    async fn band(&self) -> HealthBand {
        self.0.band
    }
    /// Why the score is what it is.
    async fn components(&self) -> HealthComponents {
        HealthComponents(self.0.components, self.1)
    }
    /// The inputs this score was computed without, because the caller may not read
    /// them: `billing` (without `billing:read`: financial counts as the neutral 50) and
    /// `feedback` (without `feedback:read`: communication is recency alone). Callers
    /// with different permissions may therefore see different scores.
    async fn withheld(&self) -> Vec<&'static str> {
        self.1.names()
    }
}

/// The components of a health score, each 0-100.
pub struct HealthComponents(pub Components, pub Withheld);

/// The components of a health score, each 0-100.
#[Object]
impl HealthComponents {
    /// 30%. The engagement formula of contacts applied to all the client's communications
    /// of the last 180 days: min(100, round(10 · Σ weight · e^(−days/30))), weights
    /// meeting 10, video 8, call 6, email 4, chat 2, other 1.
    async fn engagement(&self) -> i32 {
        self.0.engagement
    }
    /// 25%. 100 · max(0, 1 − 2 · outstanding balance / total revenue); nothing
    /// outstanding → 100, outstanding without revenue → 0, no billing figures → 50.
    /// Null without `billing:read` (the score then counts the neutral 50 instead of
    /// the balance's share; see `withheld`).
    async fn financial(&self) -> Option<i32> {
        (!self.1.billing).then_some(self.0.financial)
    }
    /// 20%. 20 per OPEN linked job (at most 60) + 1 per application received in the
    /// last 30 days (at most 20) + 10 per hire in the last 90 days (at most 20).
    async fn activity(&self) -> i32 {
        self.0.activity
    }
    /// 15%. Recency of the last communication (100 within 14 days, falling linearly to 0
    /// at 90 days or with none), averaged with the overall satisfaction of the last
    /// 365 days' feedback mapped 1→0 … 5→100, when there is feedback (and the caller
    /// has `feedback:read`; see `withheld`).
    async fn communication(&self) -> i32 {
        self.0.communication
    }
    /// 10%. 100, minus 20 per follow-up overdue (due before today and not done; at most
    /// 60), minus 25 when the contract ends within 30 days or has ended.
    async fn risk(&self) -> i32 {
        self.0.risk
    }
}

/// The live health of a client: its inputs and its recruiting figures through the
/// request's loaders (both at once, so each batches across a page of clients).
pub async fn load_health(ctx: &Context<'_>, client_id: Uuid) -> Result<Option<HealthScore>> {
    let (inputs, figures) = tokio::join!(
        context::load::<HealthInputsLoader>(ctx, client_id),
        context::load::<JobFiguresLoader>(ctx, client_id),
    );
    let Some(inputs) = inputs? else {
        return Ok(None);
    };
    let inputs = Inputs {
        jobs: figures?.unwrap_or_default(),
        ..(*inputs).clone()
    };
    let scope = context::scope(ctx)?;
    let withheld = Withheld::for_caller(
        scope.can(Permission::BillingRead),
        scope.can(Permission::FeedbackRead),
    );
    let health = Health::from(health::components(&withheld.apply(&inputs), Utc::now()));
    Ok(Some(HealthScore(health, withheld)))
}

/// One day's snapshot of a client's figures (written by the daily analytics task).
#[derive(SimpleObject)]
#[graphql(name = "ClientAnalytics")]
pub struct AnalyticsDay {
    /// The day the row is filed under (UTC).
    pub date: NaiveDate,
    /// OPEN jobs linked to the client.
    pub active_jobs_count: i32,
    /// Applications to linked jobs, in any stage.
    pub total_candidates_count: i32,
    /// Applications now in SCREENED.
    pub screened_count: i32,
    /// Applications now in SHORTLISTED.
    pub shortlisted_count: i32,
    /// Applications now in INTERVIEWED.
    pub interviewed_count: i32,
    /// Applications in HIRED.
    pub hired_count: i32,
    /// Mean days from opening to filling of the filled linked jobs.
    pub avg_time_to_fill_days: Option<f64>,
    /// Mean quality score of the applications that have one.
    pub avg_candidate_quality_score: Option<f64>,
    /// The client's total revenue that day, in major units; null without `billing:read`.
    pub revenue_generated: Option<f64>,
    /// The health score that day. Null unless the caller has `billing:read` and
    /// `feedback:read`: the stored
    /// score was computed with every input (`Client.healthScore` is the live figure,
    /// computed without what the caller may not read).
    pub health_score: Option<i32>,
    /// When the row was last computed.
    pub computed_at: DateTime<Utc>,
}

impl AnalyticsDay {
    /// The row as the caller may see it.
    /// `full_health`: whether the caller may see every input of the stored score
    /// (`billing:read` and `feedback:read`); it was computed with all of them.
    pub fn new(m: &client_analytics::Model, billing: bool, full_health: bool) -> Self {
        AnalyticsDay {
            date: m.date,
            active_jobs_count: m.active_jobs_count,
            total_candidates_count: m.total_candidates_count,
            screened_count: m.screened_count,
            shortlisted_count: m.shortlisted_count,
            interviewed_count: m.interviewed_count,
            hired_count: m.hired_count,
            avg_time_to_fill_days: m.avg_time_to_fill_days,
            avg_candidate_quality_score: m.avg_candidate_quality_score,
            revenue_generated: m
                .revenue_generated
                .filter(|_| billing)
                .map(|c| c as f64 / 100.0),
            health_score: full_health.then_some(m.health_score.into()),
            computed_at: m.computed_at,
        }
    }
}
