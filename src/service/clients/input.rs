//! Client input: a [`ClientPatch`] (what the caller sent) applied onto a [`ClientDraft`]
//! (the editable state: defaults for a new client, the stored row for an update), then
//! validated and normalised as a whole. Create and update share every rule this way.
//! Every error names its field.

use chrono::NaiveDate;
use entity::client;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::codes::{COUNTRIES, CURRENCIES, listed};
use super::kinds::{AddressKind, ClientStage, ClientStatus, ClientTier};
use crate::error::{AppError, AppResult};
use crate::service::kernel::{Patch, normalize_tags};
use crate::service::validate;

/// What the caller sent for a client. Amounts are in major units (e.g. 1234.56).
#[derive(Debug, Clone, Default)]
pub struct ClientPatch {
    pub name: Option<String>,
    pub legal_name: Patch<String>,
    pub trading_name: Patch<String>,
    pub industry: Patch<String>,
    pub website: Patch<String>,
    pub email: Patch<String>,
    pub phone: Patch<String>,
    pub status: Option<ClientStatus>,
    pub stage: Patch<ClientStage>,
    pub tier: Patch<ClientTier>,
    pub account_manager_id: Patch<Uuid>,
    pub parent_client_id: Patch<Uuid>,
    pub tags: Option<Vec<String>>,
    pub custom_fields: Option<Value>,
    pub registration_number: Patch<String>,
    pub tax_id: Patch<String>,
    pub entity_type: Patch<String>,
    pub employee_count: Patch<i32>,
    pub annual_revenue: Patch<f64>,
    pub founded_on: Patch<NaiveDate>,
    pub currency: Patch<String>,
    pub payment_terms_days: Patch<i32>,
    pub outstanding_balance: Patch<f64>,
    pub total_revenue: Patch<f64>,
    pub hourly_rate: Patch<f64>,
    pub contract_start: Patch<NaiveDate>,
    pub contract_end: Patch<NaiveDate>,
}

impl ClientPatch {
    /// The billing fields this patch writes (they need `billing:read`, as reading does).
    pub fn billing_fields(&self) -> Vec<&'static str> {
        let mut fields = Vec::new();
        for (touched, name) in [
            (!self.tax_id.is_keep(), "taxId"),
            (!self.annual_revenue.is_keep(), "annualRevenue"),
            (!self.outstanding_balance.is_keep(), "outstandingBalance"),
            (!self.total_revenue.is_keep(), "totalRevenue"),
            (!self.hourly_rate.is_keep(), "hourlyRate"),
        ] {
            if touched {
                fields.push(name);
            }
        }
        fields
    }
}

/// The editable state of a client, validated and normalised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientDraft {
    pub name: String,
    pub legal_name: Option<String>,
    pub trading_name: Option<String>,
    pub industry: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub status: Option<ClientStatus>,
    pub stage: Option<ClientStage>,
    pub tier: Option<ClientTier>,
    pub account_manager_id: Option<Uuid>,
    pub parent_client_id: Option<Uuid>,
    pub tags: Vec<String>,
    pub custom_fields: Map<String, Value>,
    pub registration_number: Option<String>,
    pub entity_type: Option<String>,
    pub employee_count: Option<i32>,
    pub annual_revenue_cents: Option<i64>,
    pub founded_on: Option<NaiveDate>,
    pub currency: Option<String>,
    pub payment_terms_days: Option<i32>,
    pub outstanding_balance_cents: Option<i64>,
    pub total_revenue_cents: Option<i64>,
    pub hourly_rate_cents: Option<i64>,
    pub contract_start: Option<NaiveDate>,
    pub contract_end: Option<NaiveDate>,
}

/// Largest amount accepted (major units).
const MAX_AMOUNT: f64 = 1e13;

fn cents(field: &str, amount: f64) -> AppResult<i64> {
    if !amount.is_finite() || !(0.0..=MAX_AMOUNT).contains(&amount) {
        return Err(AppError::bad_input(
            field,
            format!("{field} must be between 0 and {MAX_AMOUNT}"),
        ));
    }
    Ok((amount * 100.0).round() as i64)
}

fn optional_text(field: &str, value: Option<String>, max: usize) -> AppResult<Option<String>> {
    match value {
        None => Ok(None),
        Some(v) if v.trim().is_empty() => Ok(None),
        Some(v) => validate::text(field, &v, 1, max).map(Some),
    }
}

impl ClientDraft {
    /// The editable state of a stored client.
    pub fn from_model(m: &client::Model) -> Self {
        ClientDraft {
            name: m.name.clone(),
            legal_name: m.legal_name.clone(),
            trading_name: m.trading_name.clone(),
            industry: m.industry.clone(),
            website: m.website.clone(),
            email: m.email.clone(),
            phone: m.phone.clone(),
            status: Some(m.status),
            stage: m.stage,
            tier: m.tier,
            account_manager_id: m.account_manager_id,
            parent_client_id: m.parent_client_id,
            tags: serde_json::from_value(m.tags.clone()).unwrap_or_default(),
            custom_fields: m.custom_fields.as_object().cloned().unwrap_or_default(),
            registration_number: m.registration_number.clone(),
            entity_type: m.entity_type.clone(),
            employee_count: m.employee_count,
            annual_revenue_cents: m.annual_revenue_cents,
            founded_on: m.founded_on,
            currency: m.currency.clone(),
            payment_terms_days: m.payment_terms_days,
            outstanding_balance_cents: m.outstanding_balance_cents,
            total_revenue_cents: m.total_revenue_cents,
            hourly_rate_cents: m.hourly_rate_cents,
            contract_start: m.contract_start,
            contract_end: m.contract_end,
        }
    }

    /// Applies `patch` and validates the result.
    pub fn apply(mut self, patch: ClientPatch) -> AppResult<Self> {
        if let Some(name) = patch.name {
            self.name = name;
        }
        self.name = validate::text("name", &self.name, 2, 200)?;
        patch.legal_name.apply_to(&mut self.legal_name);
        self.legal_name = optional_text("legalName", self.legal_name, 200)?;
        patch.trading_name.apply_to(&mut self.trading_name);
        self.trading_name = optional_text("tradingName", self.trading_name, 200)?;
        patch.industry.apply_to(&mut self.industry);
        self.industry = optional_text("industry", self.industry, 100)?;
        patch.website.apply_to(&mut self.website);
        self.website = self.website.as_deref().map(normalize_website).transpose()?;
        patch.email.apply_to(&mut self.email);
        self.email = optional_text("email", self.email, 320)?
            .map(|e| validate::email("email", &e))
            .transpose()?;
        patch.phone.apply_to(&mut self.phone);
        self.phone = optional_text("phone", self.phone, 40)?
            .map(|p| validate_phone(&p))
            .transpose()?;
        if let Some(status) = patch.status {
            self.status = Some(status);
        }
        self.status.get_or_insert(ClientStatus::Active);
        patch.stage.apply_to(&mut self.stage);
        patch.tier.apply_to(&mut self.tier);
        patch
            .account_manager_id
            .apply_to(&mut self.account_manager_id);
        patch.parent_client_id.apply_to(&mut self.parent_client_id);
        if let Some(tags) = patch.tags {
            self.tags = normalize_tags(tags)?;
        }
        if let Some(custom) = patch.custom_fields {
            self.custom_fields = validate_custom_fields(custom)?;
        }
        patch
            .registration_number
            .apply_to(&mut self.registration_number);
        self.registration_number =
            optional_text("registrationNumber", self.registration_number, 100)?;
        patch.entity_type.apply_to(&mut self.entity_type);
        self.entity_type = optional_text("entityType", self.entity_type, 100)?;
        patch.employee_count.apply_to(&mut self.employee_count);
        if self.employee_count.is_some_and(|n| n < 0) {
            return Err(AppError::bad_input(
                "employeeCount",
                "employeeCount must not be negative",
            ));
        }
        patch.founded_on.apply_to(&mut self.founded_on);
        patch.currency.apply_to(&mut self.currency);
        self.currency = self
            .currency
            .map(|c| {
                let code = c.trim().to_uppercase();
                if listed(CURRENCIES, &code) {
                    Ok(code)
                } else {
                    Err(AppError::bad_input(
                        "currency",
                        "currency must be an ISO 4217 code such as EUR",
                    ))
                }
            })
            .transpose()?;
        patch
            .payment_terms_days
            .apply_to(&mut self.payment_terms_days);
        if self
            .payment_terms_days
            .is_some_and(|d| !(0..=365).contains(&d))
        {
            return Err(AppError::bad_input(
                "paymentTermsDays",
                "paymentTermsDays must be 0 to 365",
            ));
        }
        for (patch, slot, field) in [
            (
                patch.annual_revenue,
                &mut self.annual_revenue_cents,
                "annualRevenue",
            ),
            (
                patch.outstanding_balance,
                &mut self.outstanding_balance_cents,
                "outstandingBalance",
            ),
            (
                patch.total_revenue,
                &mut self.total_revenue_cents,
                "totalRevenue",
            ),
            (patch.hourly_rate, &mut self.hourly_rate_cents, "hourlyRate"),
        ] {
            match patch {
                Patch::Keep => {}
                Patch::Clear => *slot = None,
                Patch::Set(amount) => *slot = Some(cents(field, amount)?),
            }
        }
        patch.contract_start.apply_to(&mut self.contract_start);
        patch.contract_end.apply_to(&mut self.contract_end);
        if let (Some(start), Some(end)) = (self.contract_start, self.contract_end)
            && end < start
        {
            return Err(AppError::bad_input(
                "contractEnd",
                "contractEnd must not be before contractStart",
            ));
        }
        Ok(self)
    }

    pub fn status(&self) -> ClientStatus {
        self.status.unwrap_or(ClientStatus::Active)
    }
}

/// Lower-case words of letters and digits, single-spaced: "ACME, Inc." → "acme inc".
pub fn normalize_name(name: &str) -> String {
    name.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `https://host[/path]` with a lower-case host; no scheme means https.
fn normalize_website(value: &str) -> AppResult<String> {
    let bad = || {
        AppError::bad_input(
            "website",
            "website must be an http(s) URL such as https://example.com",
        )
    };
    let value = value.trim();
    let (scheme, rest) = match value.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ("https".to_owned(), value),
    };
    if scheme != "http" && scheme != "https" {
        return Err(bad());
    }
    let (host, path) = match rest.find(['/', '?', '#']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let host = host.to_ascii_lowercase();
    let valid_host = host.len() <= 253
        && host.contains('.')
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        });
    if !valid_host || path.chars().any(|c| c.is_whitespace() || c.is_control()) || value.len() > 500
    {
        return Err(bad());
    }
    Ok(format!("{scheme}://{host}{path}"))
}

/// The registrable-ish domain of a normalised website: host without `www.`.
pub fn website_domain(website: &str) -> Option<String> {
    let rest = website.split_once("://")?.1;
    let host = rest.split(['/', '?', '#']).next()?;
    Some(host.strip_prefix("www.").unwrap_or(host).to_owned())
}

fn validate_phone(phone: &str) -> AppResult<String> {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let allowed = phone
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if allowed && (5..=20).contains(&digits) {
        Ok(phone.to_owned())
    } else {
        Err(AppError::bad_input(
            "phone",
            "phone must hold 5 to 20 digits and only + - ( ) . or spaces",
        ))
    }
}

/// A custom-field key: 1-64 of `A-Z a-z 0-9 _ -` (safe inside JSON paths).
pub fn valid_custom_key(key: &str) -> bool {
    (1..=64).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn validate_custom_fields(value: Value) -> AppResult<Map<String, Value>> {
    let Value::Object(map) = value else {
        return Err(AppError::bad_input(
            "customFields",
            "customFields must be a JSON object",
        ));
    };
    if map.len() > 50 || serde_json::to_string(&map).map_or(0, |s| s.len()) > 8192 {
        return Err(AppError::bad_input(
            "customFields",
            "customFields holds at most 50 keys and 8 KB",
        ));
    }
    if let Some(key) = map.keys().find(|k| !valid_custom_key(k)) {
        return Err(AppError::bad_input(
            "customFields",
            format!("custom field key {key:?} must be 1-64 of A-Z, a-z, 0-9, _ and -"),
        ));
    }
    Ok(map)
}

/// An address as sent by the caller.
#[derive(Debug, Clone)]
pub struct AddressInput {
    pub kind: AddressKind,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: String,
    pub is_primary: bool,
}

impl AddressInput {
    /// Validates and normalises (`country` upper-cased ISO 3166-1 alpha-2).
    pub fn validated(self, index: usize) -> AppResult<AddressInput> {
        let field = |name: &str| format!("addresses[{index}].{name}");
        let country = self.country.trim().to_uppercase();
        if !listed(COUNTRIES, &country) {
            return Err(AppError::bad_input(
                field("country"),
                "country must be an ISO 3166-1 alpha-2 code such as DE",
            ));
        }
        Ok(AddressInput {
            kind: self.kind,
            line1: validate::text(&field("line1"), &self.line1, 1, 200)?,
            line2: optional_text(&field("line2"), self.line2, 200)?,
            city: validate::text(&field("city"), &self.city, 1, 100)?,
            state: optional_text(&field("state"), self.state, 100)?,
            postal_code: optional_text(&field("postalCode"), self.postal_code, 20)?,
            country,
            is_primary: self.is_primary,
        })
    }
}

#[cfg(test)]
mod tests;
