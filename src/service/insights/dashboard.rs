//! The recent activity of clients: notes, communications, documents, job links and
//! feedback of the
//! last 30 days, newest first, merged from one windowed statement per source (each
//! client's newest N per source), so a page of clients costs the same as one.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{
    client_communication as communication, client_document as document,
    client_feedback as feedback, client_job_assignment as link, client_note as note,
};
use sea_orm::{ColumnTrait, Condition, FromQueryResult};
use uuid::Uuid;

use crate::auth::Permission;
use crate::db::Db;
use crate::error::AppResult;
use crate::service::TenantScope;
use crate::service::documents::read as documents;
use crate::service::jobs::read as jobs;
use crate::service::nested::NestedPage;
use crate::service::store::{PerParent, Tenant, TenantOwned};

/// How far back "recent" reaches.
pub const RECENT_DAYS: i64 = 30;
/// Most activities one dashboard lists.
pub const MAX_ACTIVITIES: usize = 100;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum)]
pub enum ActivityKind {
    /// A note was written (at its interaction time).
    Note,
    /// A communication took place.
    Communication,
    /// A document was uploaded.
    Document,
    /// A job was linked to the client.
    JobLinked,
    /// A job was unlinked from the client.
    JobUnlinked,
    /// Feedback was submitted.
    Feedback,
}

/// One entry of a client's recent activity.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub kind: ActivityKind,
    pub at: DateTime<Utc>,
    /// A one-line description (the note's title, the communication's subject, …).
    pub summary: String,
    /// The note, communication, document, job or feedback the entry is about.
    pub entity_id: Uuid,
    /// Who did it, when known.
    pub actor_id: Option<Uuid>,
}

/// The newest `first` activities of the last [`RECENT_DAYS`] of each of `client_ids`,
/// as of `now`, from the sources the caller may read.
pub async fn recent_activities(
    db: &Db,
    scope: &TenantScope,
    client_ids: &[Uuid],
    first: usize,
    now: DateTime<Utc>,
) -> AppResult<HashMap<Uuid, Vec<Activity>>> {
    let since = now - Duration::days(RECENT_DAYS);
    let page = NestedPage { first, after: None };
    let mut out: HashMap<Uuid, Vec<Activity>> = HashMap::new();
    let t = db.read(scope);

    if scope.can(Permission::NotesRead) {
        let spec = PerParent::<note::Entity> {
            parent: note::Column::ClientId,
            conditions: Condition::all()
                .add(note::Column::DeletedAt.is_null())
                .add(note::Column::InteractionAt.gte(since))
                .add(note::Column::InteractionAt.lte(now)),
            order_by: "interaction_at DESC, id DESC".into(),
        };
        for (client_id, m) in rows(t, spec, client_ids, &page, |m| m.client_id).await? {
            out.entry(client_id).or_default().push(Activity {
                kind: ActivityKind::Note,
                at: m.interaction_at,
                summary: m.title,
                entity_id: m.id,
                actor_id: m.author_id,
            });
        }
    }

    if scope.can(Permission::CommunicationsRead) {
        let spec = PerParent::<communication::Entity> {
            parent: communication::Column::ClientId,
            conditions: Condition::all()
                .add(communication::Column::CommunicationAt.gte(since))
                .add(communication::Column::CommunicationAt.lte(now)),
            order_by: "communication_at DESC, id DESC".into(),
        };
        for (client_id, m) in rows(t, spec, client_ids, &page, |m| m.client_id).await? {
            out.entry(client_id).or_default().push(Activity {
                kind: ActivityKind::Communication,
                at: m.communication_at,
                summary: m.subject,
                entity_id: m.id,
                actor_id: m.logged_by,
            });
        }
    }

    if scope.can(Permission::DocumentsRead) {
        let spec = PerParent::<document::Entity> {
            parent: document::Column::ClientId,
            conditions: Condition::all()
                .add(document::Column::DeletedAt.is_null())
                .add(documents::visible(scope))
                .add(document::Column::CreatedAt.gte(since))
                .add(document::Column::CreatedAt.lte(now)),
            order_by: "created_at DESC, id DESC".into(),
        };
        for (client_id, m) in rows(t, spec, client_ids, &page, |m| m.client_id).await? {
            out.entry(client_id).or_default().push(Activity {
                kind: ActivityKind::Document,
                at: m.created_at,
                summary: m.name,
                entity_id: m.id,
                actor_id: m.created_by,
            });
        }
    }

    if scope.can(Permission::JobsRead) {
        // A link's last change (linking or unlinking) is its `updated_at`.
        let spec = PerParent::<link::Entity> {
            parent: link::Column::ClientId,
            conditions: Condition::all().add(link::Column::UpdatedAt.gte(since)),
            order_by: "updated_at DESC, id DESC".into(),
        };
        let links = rows(t, spec, client_ids, &page, |m| m.client_id).await?;
        let job_ids: Vec<Uuid> = links.iter().map(|(_, l)| l.job_id).collect();
        let titles: HashMap<Uuid, String> = if job_ids.is_empty() {
            HashMap::new()
        } else {
            jobs::by_ids(db, scope, &job_ids)
                .await?
                .into_iter()
                .map(|j| (j.id, j.title))
                .collect()
        };
        for (client_id, l) in links {
            let title = titles.get(&l.job_id).cloned().unwrap_or_default();
            let entries = out.entry(client_id).or_default();
            let in_window = |at: DateTime<Utc>| at >= since && at <= now;
            if in_window(l.assigned_at) {
                entries.push(Activity {
                    kind: ActivityKind::JobLinked,
                    at: l.assigned_at,
                    summary: title.clone(),
                    entity_id: l.job_id,
                    actor_id: l.assigned_by,
                });
            }
            if let Some(at) = l.unassigned_at.filter(|at| in_window(*at)) {
                entries.push(Activity {
                    kind: ActivityKind::JobUnlinked,
                    at,
                    summary: title,
                    entity_id: l.job_id,
                    actor_id: l.unassigned_by,
                });
            }
        }
    }

    if scope.can(Permission::FeedbackRead) {
        let spec = PerParent::<feedback::Entity> {
            parent: feedback::Column::ClientId,
            conditions: Condition::all()
                .add(feedback::Column::CreatedAt.gte(since))
                .add(feedback::Column::CreatedAt.lte(now)),
            order_by: "created_at DESC, id DESC".into(),
        };
        for (client_id, m) in rows(t, spec, client_ids, &page, |m| m.client_id).await? {
            out.entry(client_id).or_default().push(Activity {
                kind: ActivityKind::Feedback,
                at: m.created_at,
                summary: format!(
                    "Feedback for {}: overall satisfaction {}/5",
                    m.period, m.overall_satisfaction
                ),
                entity_id: m.id,
                actor_id: m.submitted_by,
            });
        }
    }

    for entries in out.values_mut() {
        entries.sort_by(|a, b| b.at.cmp(&a.at).then(b.entity_id.cmp(&a.entity_id)));
        entries.truncate(first);
    }
    Ok(out)
}

/// Each client's newest `page.first` rows of one source, flattened.
async fn rows<E>(
    t: Tenant<'_>,
    spec: PerParent<E>,
    client_ids: &[Uuid],
    page: &NestedPage,
    client_of: fn(&E::Model) -> Uuid,
) -> AppResult<Vec<(Uuid, E::Model)>>
where
    E: TenantOwned,
    E::Model: FromQueryResult,
{
    let pages = t
        .pages(spec, client_ids, page, client_of, |_| String::new())
        .await?;
    Ok(pages
        .into_iter()
        .flat_map(|(client_id, page)| page.rows.into_iter().map(move |(_, m)| (client_id, m)))
        .collect())
}
