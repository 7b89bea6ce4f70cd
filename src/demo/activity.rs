//! Demo notes and communications: a few of each per client, spread over the last
//! months, so nested views, note search, engagement scores and the follow-ups view
//! show something at once.

use chrono::{Duration, Utc};
use uuid::Uuid;

use crate::service::clients::Patch;
use crate::service::communications::{CommunicationPatch, CommunicationType};
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
