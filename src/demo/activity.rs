//! Demo activity: notes and communications for every client, jobs with candidates for
//! some and feedback for others, spread over the last months, so nested views, note
//! search, engagement scores, follow-ups, pipelines and feedback summaries show
//! something at once.

use chrono::{Duration, Utc};
use uuid::Uuid;

use crate::db::Db;
use crate::error::AppResult;
use crate::service::TenantScope;
use crate::service::communications::{CommunicationPatch, CommunicationType};
use crate::service::feedback::FeedbackPatch;
use crate::service::jobs::applications::{self, ApplicationStage, NewApplication};
use crate::service::jobs::{self, JobPatch, JobStatus, links};
use crate::service::kernel::Patch;
use crate::service::notes::{NoteFormat, NotePatch, NotePriority, NoteType};

const TOPICS: [&str; 6] = [
    "renewal",
    "pricing",
    "onboarding",
    "hiring plan",
    "quarterly review",
    "invoice question",
];

/// Three notes about client `i`, the newest a week old at most.
pub fn notes(i: usize, contacts: &[Uuid]) -> Vec<NotePatch> {
    let kinds = [NoteType::Meeting, NoteType::Call, NoteType::General];
    (0..3)
        .map(|k| {
            let topic = TOPICS[(i + k) % TOPICS.len()];
            NotePatch {
                title: Some(format!("{} about {topic}", ["Meeting", "Call", "Note"][k])),
                body: Some(format!(
                    "## Summary\n\nTalked about **{topic}**. Next step: send a short \
                     proposal and agree on a date.\n\n- owner: account manager\n- risk: {}",
                    ["low", "medium", "high"][(i + k) % 3]
                )),
                format: Some(NoteFormat::Markdown),
                note_type: Some(kinds[k]),
                tags: Some(vec![topic.replace(' ', "-")]),
                priority: Some([NotePriority::Normal, NotePriority::High][(i + k) % 2]),
                pinned: Some(k == 0 && i.is_multiple_of(5)),
                contact_id: contacts.get(k).map_or(Patch::Keep, |id| Patch::Set(*id)),
                interaction_at: Some(Utc::now() - Duration::days((i % 7 + k * 20) as i64)),
                ..Default::default()
            }
        })
        .collect()
}

/// Four communications with client `i` over the last four months; one in three clients
/// has a follow-up due.
pub fn communications(i: usize, contacts: &[Uuid]) -> Vec<CommunicationPatch> {
    let kinds = [
        CommunicationType::Meeting,
        CommunicationType::Email,
        CommunicationType::Call,
        CommunicationType::Video,
    ];
    let today = Utc::now().date_naive();
    (0..4)
        .map(|k| {
            let topic = TOPICS[(i * 3 + k) % TOPICS.len()];
            let follow_up =
                (k == 0 && i.is_multiple_of(3)).then(|| today - Duration::days((i % 4) as i64));
            CommunicationPatch {
                communication_type: Some(kinds[(i + k) % kinds.len()]),
                subject: Some(format!("Re: {topic}")),
                notes: Patch::Set(format!("Discussed {topic}.")),
                communication_at: Some(Utc::now() - Duration::days((i % 11 + k * 30) as i64)),
                participants: Some(vec!["account manager".into()]),
                contact_id: contacts
                    .get(k % contacts.len().max(1))
                    .map_or(Patch::Keep, |id| Patch::Set(*id)),
                is_important: Some(k == 1 && i.is_multiple_of(4)),
                follow_up_on: follow_up.map_or(Patch::Keep, Patch::Set),
                ..Default::default()
            }
        })
        .collect()
}

const ROLES: [&str; 5] = [
    "Warehouse lead",
    "Accountant",
    "Backend engineer",
    "Nurse",
    "Sales manager",
];

/// One in three clients recruits: an open job with a few candidates along the
/// pipeline (one of them hired), linked to the client.
pub async fn recruiting(db: &Db, scope: &TenantScope, i: usize, client_id: Uuid) -> AppResult<()> {
    if !i.is_multiple_of(3) {
        return Ok(());
    }
    let job = jobs::create(
        db,
        scope,
        JobPatch {
            title: Some(ROLES[i % ROLES.len()].into()),
            openings: Some(2),
            status: Some(JobStatus::Open),
            ..Default::default()
        },
    )
    .await?;
    links::link(db, scope, client_id, job.id).await?;
    let stages = [
        ApplicationStage::Applied,
        ApplicationStage::Screened,
        ApplicationStage::Interviewed,
        ApplicationStage::Hired,
        ApplicationStage::Rejected,
    ];
    for (k, stage) in stages.into_iter().enumerate() {
        let candidate = NewApplication {
            candidate_name: format!("Candidate {}-{k}", i + 1),
            candidate_email: Some(format!("candidate{}.{k}@example.org", i + 1)),
            quality_score: Some(((i * 7 + k * 13) % 60 + 40) as i32),
        };
        let application = applications::add(db, scope, job.id, candidate).await?;
        if stage != ApplicationStage::Applied {
            applications::move_to(db, scope, application.id, stage).await?;
        }
    }
    Ok(())
}

/// One in four clients has given feedback for the last two quarters.
pub async fn feedback(db: &Db, scope: &TenantScope, i: usize, client_id: Uuid) -> AppResult<()> {
    if !i.is_multiple_of(4) {
        return Ok(());
    }
    for (k, (period, day)) in [("2026-Q2", (2026, 6, 15)), ("2026-Q3", (2026, 9, 15))]
        .into_iter()
        .enumerate()
    {
        let rating = |offset: usize| Some(((i + k + offset) % 5 + 1) as i32);
        let patch = FeedbackPatch {
            period: Some(period.into()),
            feedback_on: chrono::NaiveDate::from_ymd_opt(day.0, day.1, day.2),
            responsiveness_rating: rating(0),
            communication_rating: rating(1),
            requirements_clarity_rating: rating(2),
            decision_speed_rating: rating(3),
            overall_satisfaction: rating(4),
            written_feedback: Some("Good shortlist; faster scheduling would help.".into()),
        };
        crate::service::feedback::submit(db, scope, client_id, patch).await?;
    }
    Ok(())
}
