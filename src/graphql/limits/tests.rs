//! Unit tests of `limits`.

use super::*;
use async_graphql::parser::parse_query;

fn limits() -> QueryLimits {
    QueryLimits {
        max_fields: 100,
        max_aliases: 3,
        max_cost: 1000,
    }
}

#[test]
fn fragment_fan_out_is_counted_without_expanding_it() {
    // Each level spreads the previous one 10 times: 10^8 fields once expanded.
    let mut query = String::from("fragment F0 on Q { a b }\n");
    for level in 1..=8 {
        let spreads = format!("...F{} ", level - 1).repeat(10);
        query.push_str(&format!("fragment F{level} on Q {{ {spreads} }}\n"));
    }
    query.push_str("{ ...F8 }");
    let started = std::time::Instant::now();
    let error = limits()
        .check(&parse_query(&query).unwrap(), false)
        .unwrap_err();
    assert!(
        error.message.contains("200000000 fields"),
        "{}",
        error.message
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
}

#[test]
fn aliases_and_introspection_are_limited() {
    let aliases = parse_query("{ a: x b: x c: x d: x }").unwrap();
    assert!(
        limits()
            .check(&aliases, false)
            .unwrap_err()
            .message
            .contains("aliases")
    );
    let intro = parse_query("{ __schema { types { name } } }").unwrap();
    assert!(
        limits()
            .check(&intro, false)
            .unwrap_err()
            .message
            .contains("introspection")
    );
    let small = parse_query("{ a: x b { c } ... on Q { d } }").unwrap();
    assert!(limits().check(&small, false).is_ok());
}

#[test]
fn directives_are_limited_per_selection_and_per_document() {
    let many_on_one = format!("{{ a {} }}", "@include(if: true) ".repeat(6));
    let error = limits()
        .check(&parse_query(&many_on_one).unwrap(), false)
        .unwrap_err();
    assert!(error.message.contains("6 directives"), "{}", error.message);
    let spread = (0..60)
        .map(|i| format!("a{i}: x @skip(if: false) "))
        .collect::<String>();
    let mut wide = limits();
    wide.max_aliases = 100;
    wide.max_fields = 100;
    let error = wide
        .check(&parse_query(format!("{{ {spread} }}")).unwrap(), false)
        .unwrap_err();
    assert!(error.message.contains("60 directives"), "{}", error.message);
}

#[test]
fn long_names_are_found_outside_strings_and_comments() {
    let name = "x".repeat(200);
    assert_eq!(longest_name(&format!("{{ {name} }}")), Some(200));
    assert_eq!(longest_name(&format!("{{ a(s: \"{name}\") }}")), Some(1));
    assert_eq!(
        longest_name(&format!(
            "{{ a(s: \"\"\"{name} \\\"\"\" \"\"\") }} # {name}"
        )),
        Some(1)
    );
    assert_eq!(longest_name("{ a(s: \"q\\\"uote\") bb }"), Some(2));
}

#[test]
fn fragment_cycles_are_refused() {
    let doc = parse_query("fragment A on Q { ...B } fragment B on Q { ...A } { ...A }").unwrap();
    assert!(
        limits()
            .check(&doc, false)
            .unwrap_err()
            .message
            .contains("spreads itself")
    );
}
