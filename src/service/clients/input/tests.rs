//! Unit tests of `input`.

use super::*;

fn field_of(err: AppError) -> String {
    match err {
        AppError::BadUserInput { field, .. } => field.unwrap_or_default(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn names_websites_and_tags_normalise() {
    assert_eq!(normalize_name("  ACME,   Inc. "), "acme inc");
    assert_eq!(
        normalize_website("Example.COM/about").unwrap(),
        "https://example.com/about"
    );
    assert_eq!(
        website_domain("https://www.example.com/x").as_deref(),
        Some("example.com")
    );
    assert!(normalize_website("ftp://example.com").is_err());
    assert!(normalize_website("https://exa mple.com").is_err());
    assert_eq!(
        normalize_tags(vec![" VIP ".into(), "vip".into(), "b2b".into()]).unwrap(),
        ["vip", "b2b"]
    );
}

#[test]
fn every_rule_names_its_field() {
    let base = ClientDraft::default();
    let cases: Vec<(ClientPatch, &str)> = vec![
        (
            ClientPatch {
                name: Some("A".into()),
                ..Default::default()
            },
            "name",
        ),
        (
            ClientPatch {
                name: Some("Acme".into()),
                email: Patch::Set("nope".into()),
                ..Default::default()
            },
            "email",
        ),
        (
            ClientPatch {
                name: Some("Acme".into()),
                website: Patch::Set("nope".into()),
                ..Default::default()
            },
            "website",
        ),
        (
            ClientPatch {
                name: Some("Acme".into()),
                currency: Patch::Set("EURO".into()),
                ..Default::default()
            },
            "currency",
        ),
        (
            ClientPatch {
                name: Some("Acme".into()),
                outstanding_balance: Patch::Set(-1.0),
                ..Default::default()
            },
            "outstandingBalance",
        ),
        (
            ClientPatch {
                name: Some("Acme".into()),
                employee_count: Patch::Set(-5),
                ..Default::default()
            },
            "employeeCount",
        ),
        (
            ClientPatch {
                name: Some("Acme".into()),
                phone: Patch::Set("call me".into()),
                ..Default::default()
            },
            "phone",
        ),
        (
            ClientPatch {
                name: Some("Acme".into()),
                custom_fields: Some(Value::from(3)),
                ..Default::default()
            },
            "customFields",
        ),
    ];
    for (patch, field) in cases {
        assert_eq!(field_of(base.clone().apply(patch).unwrap_err()), field);
    }
    let ok = base
        .apply(ClientPatch {
            name: Some("Acme".into()),
            currency: Patch::Set("eur".into()),
            hourly_rate: Patch::Set(99.995),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(ok.currency.as_deref(), Some("EUR"));
    assert_eq!(ok.hourly_rate_cents, Some(10000));
    assert_eq!(ok.status(), ClientStatus::Active);
}
