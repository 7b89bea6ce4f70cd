//! Unit tests of `graphql`.

use super::*;

#[test]
fn only_queries_pass_the_get_check() {
    assert!(is_query_operation("{ a }", None));
    assert!(is_query_operation("query Q { a }", None));
    assert!(!is_query_operation("mutation { a }", None));
    assert!(!is_query_operation("subscription { a }", None));
    assert!(!is_query_operation(
        "query A { a } mutation B { b }",
        Some("B")
    ));
    assert!(is_query_operation(
        "query A { a } mutation B { b }",
        Some("A")
    ));
    assert!(is_query_operation("not graphql", None));
}
