//! Deterministic, realistic-looking demo clients: 20 brands × 15 lines of business,
//! spread over statuses, stages, tiers, currencies and billing figures.

use chrono::NaiveDate;
use serde_json::json;

use crate::service::clients::{
    AddressInput, AddressKind, ClientPatch, ClientStage, ClientStatus, ClientTier, NewClient,
};
use crate::service::kernel::Patch;

const BRANDS: [&str; 20] = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Stark",
    "Wayne",
    "Wonka",
    "Cyberdyne",
    "Soylent",
    "Tyrell",
    "Aperture",
    "Vandelay",
    "Pied Piper",
    "Dunder Mifflin",
    "Massive Dynamic",
    "Oscorp",
    "Monarch",
    "Nakatomi",
    "Gekko",
];

/// (line of business, industry)
const LINES: [(&str, &str); 15] = [
    ("Logistics", "Logistics"),
    ("Foods", "Food & Beverage"),
    ("Health", "Healthcare"),
    ("Capital", "Financial Services"),
    ("Energy", "Energy"),
    ("Labs", "Biotech"),
    ("Retail", "Retail"),
    ("Media", "Media"),
    ("Consulting", "Professional Services"),
    ("Manufacturing", "Manufacturing"),
    ("Software", "Software"),
    ("Travel", "Travel"),
    ("Insurance", "Insurance"),
    ("Construction", "Construction"),
    ("Telecom", "Telecommunications"),
];

const CITIES: [(&str, &str); 8] = [
    ("Berlin", "DE"),
    ("London", "GB"),
    ("New York", "US"),
    ("Paris", "FR"),
    ("Amsterdam", "NL"),
    ("Toronto", "CA"),
    ("Sydney", "AU"),
    ("Madrid", "ES"),
];

/// The `i`-th demo client (0 ≤ i < 300).
pub fn demo_client(i: usize) -> NewClient {
    let brand = BRANDS[i % BRANDS.len()];
    let (line, industry) = LINES[(i / BRANDS.len()) % LINES.len()];
    let name = format!("{brand} {line}");
    let slug: String = name
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let status = [
        ClientStatus::Active,
        ClientStatus::Active,
        ClientStatus::Active,
        ClientStatus::OnHold,
        ClientStatus::Inactive,
        ClientStatus::Archived,
    ][i % 6];
    let stage = [
        ClientStage::Customer,
        ClientStage::Customer,
        ClientStage::Lead,
        ClientStage::Prospect,
        ClientStage::AtRisk,
        ClientStage::Churned,
    ][i % 6];
    let tier = [
        ClientTier::SmallBusiness,
        ClientTier::MidMarket,
        ClientTier::MidMarket,
        ClientTier::Enterprise,
        ClientTier::Strategic,
    ][i % 5];
    let currency = ["EUR", "USD", "GBP"][i % 3];
    let (city, country) = CITIES[i % CITIES.len()];
    let mut tags = vec![
        industry
            .to_lowercase()
            .replace(" & ", "-")
            .replace(' ', "-"),
    ];
    if i.is_multiple_of(4) {
        tags.push("vip".into());
    }
    if i.is_multiple_of(7) {
        tags.push("renewal-due".into());
    }
    let employees = 5 + ((i * 37) % 5000) as i32;
    let revenue = f64::from(employees) * 85_000.0;
    let fields = ClientPatch {
        name: Some(name.clone()),
        legal_name: Patch::Set(format!(
            "{name} {}",
            ["GmbH", "Ltd", "Inc.", "SAS", "B.V."][i % 5]
        )),
        industry: Patch::Set(industry.into()),
        website: Patch::Set(format!("https://www.{slug}.example")),
        email: Patch::Set(format!("contact@{slug}.example")),
        phone: Patch::Set(format!("+1 555 {:04}", i)),
        status: Some(status),
        stage: Patch::Set(stage),
        tier: Patch::Set(tier),
        tags: Some(tags),
        custom_fields: Some(json!({
            "region": (["north", "south", "east", "west"][i % 4]),
            "segment": (["smb", "mid", "ent"][i % 3]),
        })),
        registration_number: Patch::Set(format!("REG-{:06}", 100_000 + i * 7)),
        tax_id: Patch::Set(format!("{country}{:09}", 123_456_000 + i)),
        entity_type: Patch::Set(["Corporation", "LLC", "Partnership"][i % 3].into()),
        employee_count: Patch::Set(employees),
        annual_revenue: Patch::Set(revenue),
        founded_on: NaiveDate::from_ymd_opt(
            1950 + (i % 70) as i32,
            1 + (i % 12) as u32,
            1 + (i % 28) as u32,
        )
        .into(),
        currency: Patch::Set(currency.into()),
        payment_terms_days: Patch::Set([14, 30, 45, 60][i % 4]),
        outstanding_balance: Patch::Set(((i * 1_237) % 90_000) as f64 + 0.5),
        total_revenue: Patch::Set(((i * 9_871) % 2_000_000) as f64),
        hourly_rate: Patch::Set(80.0 + (i % 9) as f64 * 15.0),
        contract_start: NaiveDate::from_ymd_opt(2023 + (i % 3) as i32, 1 + (i % 12) as u32, 1)
            .into(),
        contract_end: NaiveDate::from_ymd_opt(2026 + (i % 3) as i32, 1 + (i % 12) as u32, 1).into(),
        ..Default::default()
    };
    let addresses = vec![AddressInput {
        kind: AddressKind::Headquarters,
        line1: format!("{} Market Street", 1 + i % 250),
        line2: None,
        city: city.into(),
        state: None,
        postal_code: Some(format!("{:05}", 10_000 + i * 13)),
        country: country.into(),
        is_primary: true,
    }];
    NewClient {
        fields,
        addresses,
        contacts: Vec::new(),
    }
}

/// How many demo clients there are.
pub const COUNT: usize = BRANDS.len() * LINES.len();

const FIRST_NAMES: [&str; 12] = [
    "Ada", "Ben", "Cleo", "Dev", "Elif", "Finn", "Gia", "Hugo", "Ines", "Jon", "Kai", "Lena",
];
const LAST_NAMES: [&str; 12] = [
    "Novak", "Okafor", "Petrov", "Quinn", "Rossi", "Silva", "Tanaka", "Ueda", "Varga", "Weber",
    "Xu", "Young",
];

/// The contacts of the `i`-th demo client (the first one primary).
pub fn demo_contacts(i: usize, client_name: &str) -> Vec<crate::service::contacts::ContactPatch> {
    use crate::service::contacts::{ContactMethod, ContactPatch, ContactRole};
    let domain: String = client_name
        .to_lowercase()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let roles = [
        ContactRole::DecisionMaker,
        ContactRole::Influencer,
        ContactRole::EndUser,
    ];
    (0..3)
        .map(|k| {
            let first = FIRST_NAMES[(i + k * 5) % FIRST_NAMES.len()];
            let last = LAST_NAMES[(i * 7 + k) % LAST_NAMES.len()];
            ContactPatch {
                first_name: Some(first.into()),
                last_name: Some(last.into()),
                title: Patch::Set(["CEO", "Head of Operations", "Project Lead"][k].into()),
                department: Patch::Set(["Management", "Operations", "IT"][k].into()),
                email: Patch::Set(format!(
                    "{}.{}@{domain}.example",
                    first.to_lowercase(),
                    last.to_lowercase()
                )),
                phone: Patch::Set(format!("+1 555 {:03}{k}", i % 1000)),
                role: Some(roles[k]),
                is_primary: Some(k == 0),
                is_billing: Some(k == 1),
                is_technical: Some(k == 2),
                preferred_contact_method: Patch::Set(
                    [
                        ContactMethod::Email,
                        ContactMethod::Phone,
                        ContactMethod::Any,
                    ][k],
                ),
                ..Default::default()
            }
        })
        .collect()
}
