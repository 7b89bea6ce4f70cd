//! House rules checked on the source itself.

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Resolvers reach data only through services, which take a `TenantScope`: a query
/// built in `src/graphql` could forget the tenant filter.
#[test]
fn resolvers_never_query_entities_directly() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/graphql"),
        &mut files,
    );
    assert!(!files.is_empty());
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for forbidden in [
            "Entity::find",
            "::find_by_id(",
            "Entity::update",
            "Entity::delete",
            "Entity::insert",
            "execute_unprepared",
        ] {
            assert!(
                !text.contains(forbidden),
                "{} uses `{forbidden}`: go through a service and its TenantScope",
                file.display()
            );
        }
    }
}
