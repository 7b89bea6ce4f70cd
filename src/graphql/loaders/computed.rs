//! Loaders of derived figures and audited reads: tax-id reveals, feedback summaries,
//! pipelines, recruiting figures, health inputs, activities, subsidiaries, analytics.

use std::collections::HashMap;
use std::sync::Arc;

use async_graphql::dataloader::Loader;
use chrono::{NaiveDate, Utc};
use entity::{client, client_analytics};
use uuid::Uuid;

use super::per_args;

use crate::db::Db;
use crate::error::LoadError;
use crate::service::TenantScope;
use crate::service::clients::read as clients;
use crate::service::feedback;
use crate::service::insights::analytics;
use crate::service::insights::dashboard::{self, Activity};
use crate::service::insights::figures::{self, JobFigures};
use crate::service::insights::health::{self, Inputs};
use crate::service::jobs::applications::ApplicationStage;
use crate::service::jobs::read as jobs;

/// Records the tax-id reveals of one request: every client whose `taxId` was resolved
/// gets its audit event, all in one write when the batch is released.
pub struct TaxIdRevealLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<Uuid> for TaxIdRevealLoader {
    type Value = ();
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, ()>, Self::Error> {
        crate::service::clients::write::audit_tax_id_reveals(&self.db, &self.scope, keys).await?;
        Ok(keys.iter().map(|id| (*id, ())).collect())
    }
}

/// A range of days (`from`, `to`, inclusive, open-ended when absent).
pub type DayRange = (Option<NaiveDate>, Option<NaiveDate>);

/// Feedback summaries per client, one grouped statement per distinct range.
pub struct FeedbackSummaryLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<(Uuid, DayRange)> for FeedbackSummaryLoader {
    type Value = feedback::Summary;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(Uuid, DayRange)],
    ) -> Result<HashMap<(Uuid, DayRange), Self::Value>, Self::Error> {
        per_args(keys, |(from, to), ids| async move {
            feedback::summaries(&self.db, &self.scope, &ids, from, to).await
        })
        .await
    }
}

/// Applications per stage of each job.
pub struct PipelineLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<Uuid> for PipelineLoader {
    type Value = HashMap<ApplicationStage, u64>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(jobs::pipelines(&self.db, &self.scope, keys).await?)
    }
}

/// The recruiting figures of each client (dashboard), as of the batch's moment.
pub struct JobFiguresLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<Uuid> for JobFiguresLoader {
    type Value = JobFigures;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        Ok(figures::job_figures(&self.db, &self.scope, keys, Utc::now()).await?)
    }
}

/// The health-score inputs of each client other than its recruiting figures (those come
/// from [`JobFiguresLoader`], shared with the dashboard).
pub struct HealthInputsLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<Uuid> for HealthInputsLoader {
    type Value = Arc<Inputs>;
    type Error = LoadError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let inputs =
            health::inputs_without_jobs_by_ids(&self.db, &self.scope, keys, Utc::now()).await?;
        Ok(inputs
            .into_iter()
            .map(|(id, i)| (id, Arc::new(i)))
            .collect())
    }
}

/// The newest activities of each client; the key's second part is how many.
pub struct ActivitiesLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<(Uuid, usize)> for ActivitiesLoader {
    type Value = Arc<Vec<Activity>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(Uuid, usize)],
    ) -> Result<HashMap<(Uuid, usize), Self::Value>, Self::Error> {
        let now = Utc::now();
        per_args(keys, |first, ids| async move {
            let lists = dashboard::recent_activities(&self.db, &self.scope, &ids, first, now);
            Ok(lists
                .await?
                .into_iter()
                .map(|(id, l)| (id, Arc::new(l)))
                .collect())
        })
        .await
    }
}

/// The first live subsidiaries of each client; the key's second part is how many.
pub struct SubsidiariesLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<(Uuid, usize)> for SubsidiariesLoader {
    type Value = Arc<Vec<client::Model>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(Uuid, usize)],
    ) -> Result<HashMap<(Uuid, usize), Self::Value>, Self::Error> {
        per_args(keys, |first, ids| async move {
            let lists = clients::subsidiaries(&self.db, &self.scope, &ids, first).await?;
            Ok(lists.into_iter().map(|(id, l)| (id, Arc::new(l))).collect())
        })
        .await
    }
}

/// The daily analytics rows of each client in a range of days.
pub struct AnalyticsLoader {
    pub db: Db,
    pub scope: TenantScope,
}

impl Loader<(Uuid, DayRange)> for AnalyticsLoader {
    type Value = Arc<Vec<client_analytics::Model>>;
    type Error = LoadError;

    async fn load(
        &self,
        keys: &[(Uuid, DayRange)],
    ) -> Result<HashMap<(Uuid, DayRange), Self::Value>, Self::Error> {
        per_args(keys, |(from, to), ids| async move {
            let series = analytics::series(&self.db, &self.scope, &ids, from, to).await?;
            Ok(series
                .into_iter()
                .map(|(id, s)| (id, Arc::new(s)))
                .collect())
        })
        .await
    }
}
