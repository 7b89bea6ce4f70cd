//! The client's `search_text`: its own names, code and industry, then its active
//! contacts' names and emails, lower-cased. Rewritten inside the transaction that
//! changed either (the client's writes and the contacts'); the search indexes follow
//! the column (a trigger on SQLite, the trigram index on PostgreSQL).

use entity::{client, client_contact};
use sea_orm::{ColumnTrait, QueryFilter};
use uuid::Uuid;

use crate::error::AppResult;
use crate::service::store::Writer;

/// The client's own part: `name`, then the other parts given (legal name, trading name,
/// code, industry), space-separated and lower-cased.
pub fn own_text(name: &str, others: [Option<&str>; 4]) -> String {
    std::iter::once(Some(name))
        .chain(others)
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Rewrites a client's `search_text` from its stored fields and its active contacts.
pub async fn refresh(t: Writer<'_>, client_id: Uuid) -> AppResult<()> {
    let Some(client) = t.by_id::<client::Entity>(client_id).one(t.conn()).await? else {
        return Ok(());
    };
    let own = own_text(
        &client.name,
        [
            client.legal_name.as_deref(),
            client.trading_name.as_deref(),
            Some(&client.client_code),
            client.industry.as_deref(),
        ],
    );
    let text = own + &contacts_text(t, client_id).await?;
    if text != client.search_text {
        t.update_many::<client::Entity>()
            .col_expr(
                client::Column::SearchText,
                sea_orm::sea_query::Expr::value(text),
            )
            .filter(client::Column::Id.eq(client_id))
            .exec(t.conn())
            .await?;
    }
    Ok(())
}

/// The part of a client's search text that comes from its active contacts.
pub async fn contacts_text(t: Writer<'_>, client_id: Uuid) -> AppResult<String> {
    let contacts = t
        .select::<client_contact::Entity>()
        .filter(client_contact::Column::ClientId.eq(client_id))
        .filter(client_contact::Column::IsActive.eq(true))
        .filter(client_contact::Column::DeletedAt.is_null())
        .all(t.conn())
        .await?;
    let mut text = String::new();
    for contact in &contacts {
        text.push(' ');
        text.push_str(&contact.full_name.to_lowercase());
        if let Some(email) = &contact.email {
            text.push(' ');
            text.push_str(email);
        }
    }
    Ok(text)
}
