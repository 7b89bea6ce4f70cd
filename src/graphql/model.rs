//! What the request checks and the response normaliser need to know of the schema: each
//! object type's fields with their types (nullability, list wrappers) and arguments.
//!
//! Built once per process from the schema's own SDL (async-graphql keeps its registry
//! private), so it can never drift from what the executor runs. The schema has no
//! interfaces or unions, so every selection's type is known statically: a fragment's
//! type condition always names the type it is spread into.

use async_graphql::parser::types::OperationType;
use std::collections::HashMap;

use async_graphql::parser::types::{BaseType, Type, TypeKind, TypeSystemDefinition};
use async_graphql::{Name, Value as ConstValue};

/// The object types of the schema, and the fields of its input types.
#[derive(Debug, Default)]
pub struct SchemaModel {
    objects: HashMap<String, ObjectModel>,
    /// Input object type → its fields' types.
    inputs: HashMap<String, HashMap<String, Type>>,
    query: String,
    mutation: String,
    subscription: String,
}

/// One object type's fields.
#[derive(Debug, Default)]
pub struct ObjectModel {
    fields: HashMap<String, FieldModel>,
}

/// One field: its result type and its arguments' default values and types.
#[derive(Debug)]
pub struct FieldModel {
    pub ty: Type,
    pub args: HashMap<Name, Option<ConstValue>>,
    pub arg_types: HashMap<Name, Type>,
}

impl FieldModel {
    /// The named type under every list wrapper.
    pub fn named_type(&self) -> &str {
        named(&self.ty)
    }

    /// Whether the result (under its non-null wrapper) is a list.
    pub fn is_list(&self) -> bool {
        matches!(self.ty.base, BaseType::List(_))
    }
}

/// The named type under every list wrapper.
pub fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(inner) => named(inner),
    }
}

impl SchemaModel {
    /// Reads the SDL that `Schema::sdl()` prints.
    pub fn from_sdl(sdl: &str) -> anyhow::Result<Self> {
        let document = async_graphql::parser::parse_schema(sdl)?;
        let mut model = SchemaModel {
            query: "Query".to_owned(),
            mutation: "Mutation".to_owned(),
            subscription: "Subscription".to_owned(),
            ..SchemaModel::default()
        };
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    if let Some(query) = &schema.node.query {
                        model.query = query.node.to_string();
                    }
                    if let Some(mutation) = &schema.node.mutation {
                        model.mutation = mutation.node.to_string();
                    }
                    if let Some(subscription) = &schema.node.subscription {
                        model.subscription = subscription.node.to_string();
                    }
                }
                TypeSystemDefinition::Type(ty) => {
                    let ty = ty.node;
                    let fields = match ty.kind {
                        TypeKind::Object(object) => object.fields,
                        TypeKind::Interface(interface) => interface.fields,
                        TypeKind::InputObject(input) => {
                            let fields = input
                                .fields
                                .into_iter()
                                .map(|f| (f.node.name.node.to_string(), f.node.ty.node))
                                .collect();
                            model.inputs.insert(ty.name.node.to_string(), fields);
                            continue;
                        }
                        _ => continue,
                    };
                    let fields = fields
                        .into_iter()
                        .map(|field| {
                            let field = field.node;
                            let arg_types = field
                                .arguments
                                .iter()
                                .map(|arg| (arg.node.name.node.clone(), arg.node.ty.node.clone()))
                                .collect();
                            let args = field
                                .arguments
                                .into_iter()
                                .map(|arg| {
                                    (arg.node.name.node, arg.node.default_value.map(|v| v.node))
                                })
                                .collect();
                            (
                                field.name.node.to_string(),
                                FieldModel {
                                    ty: field.ty.node,
                                    args,
                                    arg_types,
                                },
                            )
                        })
                        .collect();
                    model
                        .objects
                        .insert(ty.name.node.to_string(), ObjectModel { fields });
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        Ok(model)
    }

    /// The model of the schema the server runs.
    pub fn of_schema() -> Self {
        Self::from_sdl(&super::sdl()).expect("the schema's own SDL parses")
    }

    /// The model of the schema the server runs, built once per process.
    pub fn shared() -> &'static SchemaModel {
        static MODEL: std::sync::OnceLock<SchemaModel> = std::sync::OnceLock::new();
        MODEL.get_or_init(Self::of_schema)
    }

    /// The root type of an operation type.
    pub fn root(&self, ty: OperationType) -> &str {
        match ty {
            OperationType::Query => &self.query,
            OperationType::Mutation => &self.mutation,
            OperationType::Subscription => &self.subscription,
        }
    }

    /// A field of an object type, if both exist.
    pub fn field(&self, object: &str, field: &str) -> Option<&FieldModel> {
        self.objects.get(object)?.fields.get(field)
    }

    /// The type of a field of an input object type.
    pub fn input_field(&self, input: &str, field: &str) -> Option<&Type> {
        self.inputs.get(input)?.get(field)
    }

    /// Whether `name` is an object type (as opposed to a scalar or enum).
    pub fn is_object(&self, name: &str) -> bool {
        self.objects.contains_key(name)
    }

    /// Every `(type, field)` pair, for checks over the whole schema.
    pub fn all_fields(&self) -> impl Iterator<Item = (&str, &str, &FieldModel)> {
        self.objects.iter().flat_map(|(ty, object)| {
            object
                .fields
                .iter()
                .map(move |(name, field)| (ty.as_str(), name.as_str(), field))
        })
    }
}
