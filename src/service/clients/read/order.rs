//! The client list's orderings: the fields, their null placement, the keyset condition
//! that walks them, and the cursor that records a row's place in one ordering.

use chrono::{DateTime, NaiveDate, Utc};
use entity::client;
use sea_orm::sea_query::{Expr, ExprTrait, SimpleExpr};
use sea_orm::{Condition, Value};
use serde_json::{Value as Json, json};
use uuid::Uuid;

use crate::auth::Permission;
use crate::error::{AppError, AppResult};
use crate::service::TenantScope;
use crate::service::page::{self};

/// A field clients can be ordered by.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, async_graphql::Enum, serde::Serialize, serde::Deserialize,
)]
pub enum ClientOrderField {
    /// Name, case- and punctuation-insensitive.
    Name,
    ClientCode,
    CreatedAt,
    UpdatedAt,
    Status,
    Stage,
    Tier,
    Industry,
    EmployeeCount,
    ContractEnd,
    /// Needs `billing:read`.
    AnnualRevenue,
    /// Needs `billing:read`.
    OutstandingBalance,
    /// OPEN jobs linked to the client now.
    OpenJobCount,
    /// The health score of the last daily analytics run (null before the first run;
    /// `Client.healthScore` is the live figure). Needs `analytics:read`, `billing:read`
    /// and `feedback:read` (the stored score counts billing figures and feedback).
    HealthScore,
}

/// One ordering key.
#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
pub struct ClientOrder {
    pub field: ClientOrderField,
    pub descending: bool,
    pub nulls_first: bool,
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Text,
    Int,
    Time,
    Date,
}

impl ClientOrderField {
    pub(super) fn column(self) -> client::Column {
        use ClientOrderField::*;
        match self {
            Name => client::Column::NameNormalized,
            ClientCode => client::Column::ClientCode,
            CreatedAt => client::Column::CreatedAt,
            UpdatedAt => client::Column::UpdatedAt,
            Status => client::Column::Status,
            Stage => client::Column::Stage,
            Tier => client::Column::Tier,
            Industry => client::Column::Industry,
            EmployeeCount => client::Column::EmployeeCount,
            ContractEnd => client::Column::ContractEnd,
            AnnualRevenue => client::Column::AnnualRevenueCents,
            OutstandingBalance => client::Column::OutstandingBalanceCents,
            OpenJobCount => client::Column::OpenJobsCount,
            HealthScore => client::Column::HealthScore,
        }
    }

    pub(super) fn kind(self) -> Kind {
        use ClientOrderField::*;
        match self {
            Name | ClientCode | Status | Stage | Tier | Industry => Kind::Text,
            EmployeeCount | AnnualRevenue | OutstandingBalance | OpenJobCount | HealthScore => {
                Kind::Int
            }
            CreatedAt | UpdatedAt => Kind::Time,
            ContractEnd => Kind::Date,
        }
    }

    /// Whether the column can hold NULL (a range bound on it would drop null rows).
    pub(super) fn nullable(self) -> bool {
        use ClientOrderField::*;
        !matches!(
            self,
            Name | ClientCode | CreatedAt | UpdatedAt | Status | OpenJobCount
        )
    }

    pub(super) fn is_billing(self) -> bool {
        matches!(
            self,
            ClientOrderField::AnnualRevenue | ClientOrderField::OutstandingBalance
        )
    }

    /// The row's value as stored in a cursor.
    pub(super) fn cursor_value(self, m: &client::Model) -> Json {
        use ClientOrderField::*;
        match self {
            Name => json!(m.name_normalized),
            ClientCode => json!(m.client_code),
            CreatedAt => json!(m.created_at),
            UpdatedAt => json!(m.updated_at),
            Status => json!(m.status),
            Stage => json!(m.stage),
            Tier => json!(m.tier),
            Industry => json!(m.industry),
            EmployeeCount => json!(m.employee_count),
            ContractEnd => json!(m.contract_end),
            AnnualRevenue => json!(m.annual_revenue_cents),
            OutstandingBalance => json!(m.outstanding_balance_cents),
            OpenJobCount => json!(m.open_jobs_count),
            HealthScore => json!(m.health_score),
        }
    }

    /// A cursor value back as an SQL value; `None` for a null.
    pub(super) fn sql_value(self, value: &Json) -> AppResult<Option<Value>> {
        let bad = || AppError::bad_input("after", "the cursor does not belong to this ordering");
        if value.is_null() {
            return Ok(None);
        }
        Ok(Some(match self.kind() {
            Kind::Text => value.as_str().ok_or_else(bad)?.to_owned().into(),
            Kind::Int => value.as_i64().ok_or_else(bad)?.into(),
            Kind::Time => serde_json::from_value::<DateTime<Utc>>(value.clone())
                .map_err(|_| bad())?
                .into(),
            Kind::Date => serde_json::from_value::<NaiveDate>(value.clone())
                .map_err(|_| bad())?
                .into(),
        }))
    }
}

/// Most keys of one ordering (each a different field).
pub const MAX_ORDER_KEYS: usize = 5;

/// What a cursor records of the ordering it was made for, so it is refused under any
/// other (its keys would be compared with the wrong columns).
pub(super) fn order_signature(order: &[ClientOrder]) -> String {
    order
        .iter()
        .map(|o| {
            format!(
                "{:?}:{}{}",
                o.field,
                if o.descending { 'd' } else { 'a' },
                if o.nulls_first { 'f' } else { 'l' }
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

pub(super) fn encode_cursor(order: &[ClientOrder], mut values: Vec<Json>) -> String {
    values.insert(0, Json::String(order_signature(order)));
    page::encode_cursor(&Json::Array(values))
}

pub(super) fn decode_cursor(
    cursor: &str,
    order: &[ClientOrder],
    field: &str,
) -> AppResult<(Vec<Option<Value>>, Uuid)> {
    let bad = || {
        AppError::bad_input(
            field,
            format!("`{field}` is not a cursor of this list and ordering"),
        )
    };
    let mut values: Vec<Json> = page::decode_cursor(cursor, field).map_err(|_| bad())?;
    if values.len() != order.len() + 2
        || values.remove(0).as_str() != Some(order_signature(order).as_str())
    {
        return Err(bad());
    }
    let id = values[order.len()]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(bad)?;
    let keys = order
        .iter()
        .zip(&values)
        .map(|(o, v)| o.field.sql_value(v).map_err(|_| bad()))
        .collect::<AppResult<Vec<_>>>()?;
    Ok((keys, id))
}

pub(super) fn col(field: ClientOrderField) -> Expr {
    Expr::col((client::Entity, field.column()))
}

/// Rows strictly after the cursor in the given ordering, whose final tie-break is the id
/// (descending when walking backwards).
///
/// The disjunction alone is not sargable: a database would scan the index from the
/// tenant's first row up to the cursor, so deep pages would cost more the deeper they
/// are. When the leading key cannot be null, the redundant bound `key >= value` (or
/// `<=`) lets the index seek straight to the cursor.
pub(super) fn after_condition(
    order: &[ClientOrder],
    keys: &[Option<Value>],
    id: Uuid,
    id_descending: bool,
) -> Condition {
    let bound = match (order.first(), keys.first()) {
        (Some(o), Some(Some(v))) if !o.field.nullable() => Some(if o.descending {
            col(o.field).lte(v.clone())
        } else {
            col(o.field).gte(v.clone())
        }),
        _ => None,
    };
    let mut any = Condition::any();
    for i in 0..=order.len() {
        let mut all = Condition::all();
        for (o, key) in order[..i].iter().zip(keys) {
            all = all.add(match key {
                None => col(o.field).is_null(),
                Some(v) => col(o.field).eq(v.clone()),
            });
        }
        let beyond: SimpleExpr = if i == order.len() {
            let id_col = Expr::col((client::Entity, client::Column::Id));
            if id_descending {
                id_col.lt(id)
            } else {
                id_col.gt(id)
            }
        } else {
            let o = order[i];
            match &keys[i] {
                None if o.nulls_first => col(o.field).is_not_null(),
                None => Expr::val(false),
                Some(v) => {
                    let base = if o.descending {
                        col(o.field).lt(v.clone())
                    } else {
                        col(o.field).gt(v.clone())
                    };
                    if o.nulls_first {
                        base
                    } else {
                        base.or(col(o.field).is_null())
                    }
                }
            }
        };
        any = any.add(all.add(beyond));
    }
    match bound {
        Some(bound) => Condition::all().add(bound).add(any),
        None => any,
    }
}

pub(super) fn check_order(scope: &TenantScope, order: &[ClientOrder]) -> AppResult<()> {
    if order.len() > MAX_ORDER_KEYS {
        return Err(AppError::bad_input(
            "orderBy",
            format!("`orderBy` takes at most {MAX_ORDER_KEYS} keys"),
        ));
    }
    for (i, o) in order.iter().enumerate() {
        if order[..i].iter().any(|earlier| earlier.field == o.field) {
            return Err(AppError::bad_input(
                "orderBy",
                format!("`orderBy` names {:?} twice", o.field),
            ));
        }
        if o.field.is_billing() {
            scope.require(Permission::BillingRead, "ordering by a billing figure")?;
        }
        if o.field == ClientOrderField::HealthScore {
            scope.require(Permission::AnalyticsRead, "ordering by health score")?;
            // The stored score counts billing figures and feedback: ordering by it
            // would rank clients by inputs the caller may not see.
            scope.require(Permission::BillingRead, "ordering by health score")?;
            scope.require(Permission::FeedbackRead, "ordering by health score")?;
        }
    }
    Ok(())
}

/// The cursor of a row in an ordering.
pub fn cursor_of(order: &[ClientOrder], m: &client::Model) -> String {
    let order = if order.is_empty() {
        &[ClientOrder {
            field: ClientOrderField::Name,
            descending: false,
            nulls_first: false,
        }][..]
    } else {
        order
    };
    let mut values: Vec<Json> = order.iter().map(|o| o.field.cursor_value(m)).collect();
    values.push(json!(m.id));
    encode_cursor(order, values)
}
