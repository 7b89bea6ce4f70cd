//! Query limits that async-graphql does not enforce itself: the number of fields a query
//! selects once every fragment is expanded, the number of aliases and directives,
//! introspection, sign-in fields, and the operation's cost (see `cost`).
//!
//! The HTTP handler runs them on each request before executing it (not as a schema
//! extension: with any extension registered, async-graphql resolves every field through
//! its slow path — a type-name lookup and boxed futures per field — which cost more than
//! a third of the server's CPU on nested views). They run before async-graphql's own
//! parse step, because that
//! step (its recursion-depth check) and validation both walk the *expanded* selection: a
//! document whose fragments spread other fragments many times per level expands to
//! millions of fields and would stall a core (a timeout cannot fire, the walk never
//! yields), and a fragment cycle would recurse without end. Here each fragment's size is
//! computed once and memoised, so the check is linear in the document; sizes saturate,
//! and cycles are refused. The parsed document is handed on, so nothing parses twice.

use std::collections::{HashMap, HashSet};

use async_graphql::parser::types::{
    ExecutableDocument, FragmentDefinition, Selection, SelectionSet,
};
use async_graphql::{ErrorExtensionValues, Name, Positioned, Request, ServerError, ServerResult};

use super::model::SchemaModel;
use super::selection::{Operation, collect};
use crate::error::code;

/// Most directives on one field, fragment spread or inline fragment.
pub const MAX_DIRECTIVES_PER_SELECTION: usize = 5;
/// Most directives in a document once fragments are expanded.
pub const MAX_DIRECTIVES: usize = 50;
/// Most root mutation fields in one request (batches included). Mutations are never cut
/// off by the request timeout (that could stop a request between two of its write
/// transactions), so their number is what bounds a request's writing time.
pub const MAX_WRITES_PER_REQUEST: usize = 10;
/// Root mutation fields that check a password or a refresh token: a request (batch
/// included) may hold one, so one request cannot buy hundreds of password hashes.
const SIGN_IN_FIELDS: [&str; 2] = ["login", "refreshToken"];

/// What admitting a request found out, for the rest of its handling.
pub struct Admitted {
    /// The parsed document (async-graphql executes a copy of it).
    pub document: ExecutableDocument,
    /// The operation's cost (see `cost`).
    pub cost: u64,
    /// How many sign-in fields (`login`, `refreshToken`) its operation selects.
    pub sign_ins: usize,
    /// How many root mutation fields it runs (each its own write transaction).
    pub writes: usize,
}

/// The limits checked on every parsed document (see the module docs).
#[derive(Debug, Clone)]
pub struct QueryLimits {
    /// Most fields after fragment expansion (`__typename` included).
    pub max_fields: usize,
    /// Most aliased fields after fragment expansion.
    pub max_aliases: usize,
    /// Highest operation cost (see `cost`).
    pub max_cost: u64,
}

impl QueryLimits {
    /// Parses the request's document (handed to the request, so async-graphql does not
    /// parse it again), checks it, and computes the selected operation's cost.
    /// `introspection`: whether this caller may query `__schema` / `__type`.
    pub fn admit(
        &self,
        model: &SchemaModel,
        request: &mut Request,
        introspection: bool,
    ) -> ServerResult<Admitted> {
        if let Some(length) = longest_name(&request.query).filter(|l| *l > MAX_NAME_CHARS) {
            return Err(limit_error(
                code::BAD_USER_INPUT,
                format!(
                    "the document holds a name of {length} characters; names are at most {MAX_NAME_CHARS}"
                ),
            ));
        }
        let document = async_graphql::parser::parse_query(&request.query)?;
        self.check(&document, introspection)?;
        let (cost, sign_ins, writes) = match Operation::select(
            &document,
            request.operation_name.as_deref(),
            &request.variables,
        ) {
            Some(operation) => {
                super::inputs::check(model, &operation)?;
                let (sign_ins, writes) = if operation.is_mutation() {
                    let roots =
                        collect(&document, &[&operation.definition.selection_set.node], None);
                    let sign_ins = roots
                        .iter()
                        .flat_map(|c| c.fields.iter())
                        .filter(|f| SIGN_IN_FIELDS.contains(&f.name.node.as_str()))
                        .count();
                    (sign_ins, roots.len())
                } else {
                    (0, 0)
                };
                (
                    super::cost::of_operation(model, &operation),
                    sign_ins,
                    writes,
                )
            }
            None => (0, 0, 0), // no such operation: the executor reports it
        };
        if cost > self.max_cost {
            let mut error = limit_error(
                code::BAD_USER_INPUT,
                format!(
                    "query cost {cost} exceeds the limit of {}: each list multiplies what \
                     its items select by its `first`/`last` (or its maximum when not given)",
                    self.max_cost
                ),
            );
            if let Some(extensions) = error.extensions.as_mut() {
                extensions.set("cost", cost);
                extensions.set("maxCost", self.max_cost);
            }
            return Err(error);
        }
        request.set_parsed_query(document.clone());
        Ok(Admitted {
            document,
            cost,
            sign_ins,
            writes,
        })
    }

    /// Refuses a document that exceeds a limit, with a BAD_USER_INPUT (or, for
    /// introspection, FORBIDDEN) error.
    pub fn check(&self, document: &ExecutableDocument, introspection: bool) -> ServerResult<()> {
        let mut counter = Counter {
            fragments: &document.fragments,
            memo: HashMap::new(),
            visiting: HashSet::new(),
            cycle: None,
        };
        let mut total = Counts::default();
        for (_, operation) in document.operations.iter() {
            total = total.plus(counter.selection_set(&operation.node.selection_set.node));
        }
        if let Some(fragment) = counter.cycle {
            return Err(limit_error(
                code::BAD_USER_INPUT,
                format!("fragment \"{fragment}\" spreads itself (directly or through others)"),
            ));
        }
        if total.fields > self.max_fields {
            return Err(limit_error(
                code::BAD_USER_INPUT,
                format!(
                    "query selects {} fields once fragments are expanded; the limit is {}",
                    total.fields, self.max_fields
                ),
            ));
        }
        if total.aliases > self.max_aliases {
            return Err(limit_error(
                code::BAD_USER_INPUT,
                format!(
                    "query uses {} aliases; the limit is {}",
                    total.aliases, self.max_aliases
                ),
            ));
        }
        if total.widest_directives > MAX_DIRECTIVES_PER_SELECTION {
            return Err(limit_error(
                code::BAD_USER_INPUT,
                format!(
                    "a selection carries {} directives; the limit is {MAX_DIRECTIVES_PER_SELECTION}",
                    total.widest_directives
                ),
            ));
        }
        if total.directives > MAX_DIRECTIVES {
            return Err(limit_error(
                code::BAD_USER_INPUT,
                format!(
                    "query uses {} directives once fragments are expanded; the limit is \
                     {MAX_DIRECTIVES}",
                    total.directives
                ),
            ));
        }
        if total.introspection && !introspection {
            return Err(limit_error(
                code::FORBIDDEN,
                "introspection is not available to this caller (on a production server, \
                 sign in or send an API key)"
                    .to_owned(),
            ));
        }
        Ok(())
    }
}

/// Longest name (field, alias, argument, type, fragment, variable) a document may use.
/// The schema's longest is far shorter; a longer one is only ever an attack on the
/// validator, whose "did you mean" edit distances cost its length times every name.
pub const MAX_NAME_CHARS: usize = 128;

/// The length of the longest name in a GraphQL document, found by a linear scan that
/// skips strings, block strings and comments (checked before the document is parsed).
fn longest_name(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut longest = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 3;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'_' | b'a'..=b'z' | b'A'..=b'Z' => {
                let start = i;
                while i < bytes.len() && (bytes[i] == b'_' || bytes[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                longest = longest.max(Some(i - start));
            }
            _ => i += 1,
        }
    }
    longest
}

fn limit_error(code: &str, message: String) -> ServerError {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    error
}

#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    fields: usize,
    aliases: usize,
    directives: usize,
    /// Most directives on one selection.
    widest_directives: usize,
    introspection: bool,
}

impl Counts {
    fn plus(self, other: Counts) -> Counts {
        Counts {
            fields: self.fields.saturating_add(other.fields),
            aliases: self.aliases.saturating_add(other.aliases),
            directives: self.directives.saturating_add(other.directives),
            widest_directives: self.widest_directives.max(other.widest_directives),
            introspection: self.introspection || other.introspection,
        }
    }
}

struct Counter<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    memo: HashMap<&'a str, Counts>,
    /// Fragments on the current path, to detect cycles.
    visiting: HashSet<&'a str>,
    /// The first fragment found spreading itself.
    cycle: Option<&'a str>,
}

impl<'a> Counter<'a> {
    fn selection_set(&mut self, set: &'a SelectionSet) -> Counts {
        let mut counts = Counts::default();
        for selection in &set.items {
            let on_this = selection.node.directives().len();
            counts = counts.plus(Counts {
                directives: on_this,
                widest_directives: on_this,
                ..Counts::default()
            });
            let here = match &selection.node {
                Selection::Field(field) => {
                    let field = &field.node;
                    let name = field.name.node.as_str();
                    Counts {
                        fields: 1,
                        aliases: usize::from(field.alias.is_some()),
                        introspection: name == "__schema" || name == "__type",
                        ..Counts::default()
                    }
                    .plus(self.selection_set(&field.selection_set.node))
                }
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str())
                }
                Selection::InlineFragment(inline) => {
                    self.selection_set(&inline.node.selection_set.node)
                }
            };
            counts = counts.plus(here);
        }
        counts
    }

    fn fragment(&mut self, name: &'a str) -> Counts {
        if let Some(counts) = self.memo.get(name) {
            return *counts;
        }
        let Some((key, definition)) = self.fragments.get_key_value(name) else {
            return Counts::default(); // unknown fragment: validation reports it
        };
        let key = key.as_str();
        if !self.visiting.insert(key) {
            self.cycle.get_or_insert(key);
            return Counts::default();
        }
        let counts = self.selection_set(&definition.node.selection_set.node);
        self.visiting.remove(key);
        self.memo.insert(key, counts);
        counts
    }
}

#[cfg(test)]
mod tests;
