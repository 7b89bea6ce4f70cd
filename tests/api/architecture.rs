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

/// The files of `src/` (relative paths, `/`-separated) with their text.
fn sources() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files
        .into_iter()
        .map(|path| {
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (relative, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

/// The code of a file without its comments (`//` to the end of a line), so a doc
/// comment may name what the code may not use.
fn code_of(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `code` names `word` as a whole (`Statement`, not `CaseStatement`).
fn names(code: &str, word: &str) -> bool {
    code.match_indices(word).any(|(at, _)| {
        let before = code[..at].chars().next_back();
        let after = code[at + word.len()..].chars().next();
        let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !ident(before) && (!ident(after) || !word.chars().last().is_some_and(char::is_alphanumeric))
    })
}

/// Tenancy by construction: only the tenant-bound store (`src/service/store/`) and the
/// database layer (`src/db.rs`) build or run statements. Everything else reaches data
/// through a `Tenant` handle (`db.read(&scope)`, `db.write(&scope, …)`), which adds the
/// tenant to every select, insert, update and delete, or through `db.system(reason)`.
/// Without the ORM's entity, active-model and connection traits in scope, code cannot
/// write `Entity::find()`, `model.insert(conn)` or raw SQL at all; this test keeps them
/// out. The benchmark binary seeds data with raw SQL and is held to `db.system(…)`.
#[test]
fn only_the_store_builds_or_runs_statements() {
    const FORBIDDEN: [&str; 16] = [
        "EntityTrait",
        "ActiveModelTrait",
        "ModelTrait",
        "ConnectionTrait",
        "sea_orm::prelude",
        "Statement",
        "query_all",
        "query_one",
        "execute_unprepared",
        "execute_raw",
        "Entity::find",
        "Entity::insert",
        "Entity::update",
        "Entity::delete",
        "TenantScope::system",
        "Tenant::bind",
    ];
    let sources = sources();
    assert!(sources.len() > 50, "found only {} files", sources.len());
    let mut offences = Vec::new();
    let mut checked = 0;
    for (path, text) in &sources {
        let owner = path.starts_with("src/service/store/") || path == "src/db.rs";
        if owner || path.starts_with("src/bin/") {
            continue;
        }
        checked += 1;
        let code = code_of(text);
        for forbidden in FORBIDDEN {
            if names(&code, forbidden) {
                offences.push(format!("{path} uses `{forbidden}`"));
            }
        }
        for line in code.lines() {
            // The only connections outside the store: a tenant handle's executor
            // (`t.conn()`) and the system's (`sys.conn()`, `x.conn()` in a system write).
            let executors = ["t.conn()", "sys.conn()", "x.conn()"];
            if line.contains(".conn()") && !executors.iter().any(|e| line.contains(e)) {
                offences.push(format!("{path}: `{}` uses a bare connection", line.trim()));
            }
            // Writes go through the handle (`t.insert(row)`), never `row.insert(conn)`.
            for write in [".insert(", ".update(", ".delete(", ".save("] {
                for conn in ["txn)", "conn)", "db)", "conn())"] {
                    if line.contains(&format!("{write}{conn}"))
                        || line.contains(&format!("{write}t.{conn}"))
                    {
                        offences.push(format!("{path}: `{}` writes around the store", line.trim()));
                    }
                }
            }
        }
    }
    assert!(checked > 50, "checked only {checked} files");
    assert!(offences.is_empty(), "{}", offences.join("\n"));
    // The benchmark binary may seed with raw SQL, but only on the system's connection.
    for (path, text) in sources.iter().filter(|(p, _)| p.starts_with("src/bin/")) {
        for line in code_of(text).lines().filter(|l| l.contains(".conn()")) {
            assert!(
                line.contains("system(") || line.trim_start().starts_with(".conn()"),
                "{path}: `{}` takes a connection without `db.system(…)`",
                line.trim()
            );
        }
    }
}

/// `db.system(reason)` is the one door to cross-tenant work: every use names why.
#[test]
fn every_system_access_names_its_reason() {
    let mut uses = 0;
    for (path, text) in sources() {
        let code = code_of(&text);
        let mut rest = code.as_str();
        while let Some(at) = rest.find(".system(") {
            let after = rest[at + ".system(".len()..].trim_start();
            if !path.starts_with("src/service/store/") && !path.starts_with("src/db.rs") {
                assert!(
                    after.starts_with('"') && after[1..].find('"').is_some_and(|end| end > 10),
                    "{path}: a `system(…)` call without a literal reason of a few words"
                );
                uses += 1;
            }
            rest = &rest[at + 1..];
        }
    }
    assert!(
        uses >= 8,
        "expected the known cross-tenant entries, found {uses}"
    );
}

/// A failed lookup may be renamed (`e.not_found_as("communication")`), but an error is
/// never thrown away for a NOT_FOUND: a database failure must stay INTERNAL and logged.
#[test]
fn no_error_is_hidden_behind_a_not_found() {
    for (path, text) in sources() {
        let code = code_of(&text).replace(char::is_whitespace, "");
        assert!(
            !code.contains("map_err(|_|AppError::NotFound"),
            "{path} turns every error into NOT_FOUND; use `AppError::not_found_as`"
        );
    }
}

/// Small modules with one owner: no file of `src/` grows past ~400 lines (unit tests
/// live in a `tests.rs` beside the module they test).
#[test]
fn no_source_file_is_over_four_hundred_lines() {
    const MAX_LINES: usize = 420;
    let long: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| text.lines().count() > MAX_LINES)
        .map(|(path, text)| format!("{path}: {} lines", text.lines().count()))
        .collect();
    assert!(
        long.is_empty(),
        "split these by concern:\n{}",
        long.join("\n")
    );
}
