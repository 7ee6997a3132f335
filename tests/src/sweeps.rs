//! Sweeps generated from the schema itself: the schema read by
//! introspection, a call built for any root field (arguments made up from
//! their types, `ID` slots filled by the caller, every readable field
//! selected), and readers for what a response leaks. A field added
//! tomorrow is swept without anyone listing it.

use crate::kit::Caller;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The schema as introspection tells it.
#[derive(Debug)]
pub struct Schema {
    pub types: BTreeMap<String, Type>,
    pub query: String,
    pub mutation: String,
}

/// A type reference: a named type wrapped in non-null and list markers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    Named(String),
    NonNull(Box<Ty>),
    List(Box<Ty>),
}

#[derive(Debug)]
pub struct Type {
    pub kind: String,
    pub name: String,
    pub fields: Vec<Field>,
    pub input_fields: Vec<InputValue>,
    pub enum_values: Vec<String>,
    pub possible_types: Vec<String>,
}

#[derive(Debug)]
pub struct Field {
    pub name: String,
    pub args: Vec<InputValue>,
    pub ty: Ty,
}

#[derive(Debug)]
pub struct InputValue {
    pub name: String,
    pub ty: Ty,
    pub default: Option<String>,
}

/// Which root a field hangs off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Root {
    Query,
    Mutation,
}

/// An `ID` the generator needs: where it sits and the object types it
/// most likely names.
#[derive(Debug, Clone)]
pub struct Slot {
    /// Argument and input field names down to the slot.
    pub path: Vec<String>,
    /// Empty when nothing in the schema says which type it names.
    pub targets: Vec<String>,
}

/// Which optional inputs a generated call gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every optional input holding an `ID`, none other.
    AllIds,
    /// Of the optional `ID` slots only the `k`th, so each is tried alone.
    OneId(usize),
    /// No optional `ID` at all: what anyone may list.
    NoIds,
    /// Every optional input there is, so checks on them pass too.
    Everything,
}

/// One generated operation.
#[derive(Debug, Clone)]
pub struct Call {
    pub root: Root,
    pub field: String,
    pub document: String,
    pub variables: Value,
}

const INTROSPECTION: &str = "query {
  __schema {
    queryType { name }
    mutationType { name }
    types {
      kind name
      fields(includeDeprecated: true) { name args { name defaultValue type { ...T } } type { ...T } }
      inputFields { name defaultValue type { ...T } }
      enumValues(includeDeprecated: true) { name }
      possibleTypes { name }
    }
  }
}
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";

/// Readable fields beyond this many make a selection one level shallower
/// (the server refuses documents over 500).
const FIELD_BUDGET: usize = 400;

impl Ty {
    fn parse(value: &Value) -> Ty {
        match value["kind"].as_str() {
            Some("NON_NULL") => Ty::NonNull(Box::new(Ty::parse(&value["ofType"]))),
            Some("LIST") => Ty::List(Box::new(Ty::parse(&value["ofType"]))),
            _ => Ty::Named(
                value["name"]
                    .as_str()
                    .unwrap_or_else(|| panic!("a named type: {value}"))
                    .to_owned(),
            ),
        }
    }

    /// The named type inside the wrappers.
    pub fn named(&self) -> &str {
        match self {
            Ty::Named(n) => n,
            Ty::NonNull(t) | Ty::List(t) => t.named(),
        }
    }

    pub fn is_non_null(&self) -> bool {
        matches!(self, Ty::NonNull(_))
    }

    /// As written in a document (`[ID!]!`).
    pub fn sdl(&self) -> String {
        match self {
            Ty::Named(n) => n.clone(),
            Ty::NonNull(t) => format!("{}!", t.sdl()),
            Ty::List(t) => format!("[{}]", t.sdl()),
        }
    }
}

impl InputValue {
    fn parse(value: &Value) -> InputValue {
        InputValue {
            name: value["name"].as_str().unwrap_or_default().to_owned(),
            ty: Ty::parse(&value["type"]),
            default: value["defaultValue"].as_str().map(str::to_owned),
        }
    }

    /// Must the client give it (non-null without a default)?
    pub fn required(&self) -> bool {
        self.ty.is_non_null() && self.default.is_none()
    }
}

impl Field {
    pub fn arg(&self, name: &str) -> Option<&InputValue> {
        self.args.iter().find(|a| a.name == name)
    }
}

fn names(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|v| v["name"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

impl Schema {
    /// Read the schema the server serves.
    pub async fn introspect(caller: &Caller<'_>) -> Schema {
        let body = caller.post(INTROSPECTION, json!({})).await;
        assert!(body.get("errors").is_none(), "introspection: {body}");
        Schema::from_introspection(&body["data"]["__schema"])
    }

    pub fn from_introspection(schema: &Value) -> Schema {
        let list = |value: &Value, parse: fn(&Value) -> InputValue| -> Vec<InputValue> {
            value
                .as_array()
                .map(|l| l.iter().map(parse).collect())
                .unwrap_or_default()
        };
        let types = schema["types"]
            .as_array()
            .expect("types")
            .iter()
            .map(|t| {
                let fields = t["fields"]
                    .as_array()
                    .map(|fs| {
                        fs.iter()
                            .map(|f| Field {
                                name: f["name"].as_str().unwrap_or_default().to_owned(),
                                args: list(&f["args"], InputValue::parse),
                                ty: Ty::parse(&f["type"]),
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let ty = Type {
                    kind: t["kind"].as_str().unwrap_or_default().to_owned(),
                    name: t["name"].as_str().unwrap_or_default().to_owned(),
                    fields,
                    input_fields: list(&t["inputFields"], InputValue::parse),
                    enum_values: names(&t["enumValues"]),
                    possible_types: names(&t["possibleTypes"]),
                };
                (ty.name.clone(), ty)
            })
            .collect();
        Schema {
            types,
            query: schema["queryType"]["name"]
                .as_str()
                .expect("a query type")
                .to_owned(),
            mutation: schema["mutationType"]["name"]
                .as_str()
                .expect("a mutation type")
                .to_owned(),
        }
    }

    pub fn ty(&self, name: &str) -> &Type {
        self.types
            .get(name)
            .unwrap_or_else(|| panic!("no type {name}"))
    }

    /// The fields of a root.
    pub fn root(&self, root: Root) -> &[Field] {
        match root {
            Root::Query => &self.ty(&self.query).fields,
            Root::Mutation => &self.ty(&self.mutation).fields,
        }
    }

    pub fn root_field(&self, root: Root, name: &str) -> &Field {
        self.root(root)
            .iter()
            .find(|f| f.name == name)
            .unwrap_or_else(|| panic!("no root field {name}"))
    }

    fn is_composite(&self, name: &str) -> bool {
        matches!(
            self.ty(name).kind.as_str(),
            "OBJECT" | "INTERFACE" | "UNION"
        )
    }

    /// Whether an input of this type holds an `ID` anywhere (input objects
    /// followed recursively).
    pub fn holds_id(&self, ty: &Ty) -> bool {
        self.holds_id_in(ty.named(), &mut BTreeSet::new())
    }

    fn holds_id_in(&self, name: &str, seen: &mut BTreeSet<String>) -> bool {
        if name == "ID" {
            return true;
        }
        if !seen.insert(name.to_owned()) {
            return false;
        }
        self.ty(name)
            .input_fields
            .iter()
            .any(|f| self.holds_id_in(f.ty.named(), seen))
    }

    /// Whether any argument of the field holds an `ID`.
    pub fn takes_id(&self, field: &Field) -> bool {
        field.args.iter().any(|a| self.holds_id(&a.ty))
    }

    /// Query fields answering a connection page by page (`first`).
    pub fn connections(&self) -> Vec<&Field> {
        self.root(Root::Query)
            .iter()
            .filter(|f| f.ty.named().ends_with("Connection") && f.arg("first").is_some())
            .collect()
    }

    /// Object types with an `id` field.
    pub fn identified_types(&self) -> Vec<&str> {
        self.types
            .values()
            .filter(|t| t.kind == "OBJECT" && t.fields.iter().any(|f| f.name == "id"))
            .map(|t| t.name.as_str())
            .collect()
    }

    /// The concrete object types a type may be.
    fn concrete(&self, name: &str) -> Vec<String> {
        let ty = self.ty(name);
        match ty.kind.as_str() {
            "OBJECT" => vec![name.to_owned()],
            "INTERFACE" | "UNION" => ty.possible_types.clone(),
            _ => vec![],
        }
    }

    /// The records a root field is about: its own type, a connection's
    /// node, or the records a mutation payload carries.
    pub fn subjects(&self, field: &Field) -> Vec<String> {
        let name = field.ty.named();
        let ty = self.ty(name);
        if name.ends_with("Connection") {
            return self.node_type(name).map_or(vec![], |n| self.concrete(&n));
        }
        if ty.fields.iter().any(|f| f.name == "userErrors") {
            return ty
                .fields
                .iter()
                .filter(|f| f.name != "userErrors" && self.is_composite(f.ty.named()))
                .flat_map(|f| self.concrete(f.ty.named()))
                .collect();
        }
        self.concrete(name)
    }

    fn node_type(&self, connection: &str) -> Option<String> {
        let edge = self
            .ty(connection)
            .fields
            .iter()
            .find(|f| f.name == "edges")?;
        let node = self
            .ty(edge.ty.named())
            .fields
            .iter()
            .find(|f| f.name == "node")?;
        Some(node.ty.named().to_owned())
    }

    /// The types an `ID` slot named `name` in `field` most likely names:
    /// `id`/`ids` the field's subjects; `orderLineId` an `OrderLine`, or
    /// failing that a type ending in `Line` (`returnLineId`: `ReturnLine`,
    /// `toLocationId`: `StockLocation`).
    pub fn slot_targets(&self, field: &Field, name: &str) -> Vec<String> {
        let stem = name
            .strip_suffix("Ids")
            .or_else(|| name.strip_suffix("Id"))
            .or_else(|| name.strip_suffix("ids"))
            .or_else(|| name.strip_suffix("id"))
            .unwrap_or(name);
        if stem.is_empty() {
            return self.subjects(field);
        }
        let identified = self.identified_types();
        // Drop leading words one by one: ownerUser → User.
        let words = camel_words(stem);
        for start in 0..words.len() {
            let tail: String = words[start..].iter().map(|w| capitalise(w)).collect();
            let exact: Vec<String> = identified
                .iter()
                .filter(|t| **t == tail)
                .map(|t| t.to_string())
                .collect();
            if !exact.is_empty() {
                return exact;
            }
            let ending: Vec<String> = identified
                .iter()
                .filter(|t| t.ends_with(&tail))
                .map(|t| t.to_string())
                .collect();
            if !ending.is_empty() {
                return ending;
            }
        }
        vec![]
    }

    /// A selection of everything readable on `name` down `depth` levels of
    /// objects ("" for a leaf). Lists and objects nested in a result are
    /// followed; nested connections and fields needing arguments are not.
    pub fn selection(&self, name: &str, depth: usize) -> String {
        for depth in (0..=depth).rev() {
            let selection = self.selection_at(name, depth, true);
            if count_fields(&selection) <= FIELD_BUDGET {
                return selection;
            }
        }
        "__typename".into()
    }

    fn selection_at(&self, name: &str, depth: usize, top: bool) -> String {
        let ty = self.ty(name);
        match ty.kind.as_str() {
            "OBJECT" if name.ends_with("Connection") => {
                if !top {
                    return String::new();
                }
                let node = self.node_type(name).expect("a connection has nodes");
                format!(
                    "edges {{ cursor node {{ {} }} }} pageInfo {{ hasNextPage }}",
                    self.selection_at(&node, depth, false)
                )
            }
            "OBJECT" => {
                let mut parts = vec!["__typename".to_owned()];
                for field in &ty.fields {
                    if field.args.iter().any(InputValue::required) {
                        continue;
                    }
                    let inner = field.ty.named();
                    if !self.is_composite(inner) {
                        parts.push(field.name.clone());
                    } else if depth > 0 {
                        let sub = self.selection_at(inner, depth - 1, false);
                        if !sub.is_empty() {
                            parts.push(format!("{} {{ {sub} }}", field.name));
                        }
                    }
                }
                parts.join(" ")
            }
            "INTERFACE" | "UNION" => {
                let mut parts = vec!["__typename".to_owned()];
                for possible in &ty.possible_types {
                    let sub = self.selection_at(possible, 0, false);
                    parts.push(format!("... on {possible} {{ {sub} }}"));
                }
                parts.join(" ")
            }
            _ => String::new(),
        }
    }

    /// A path of object fields (no arguments needed) `length` long from
    /// `from`, following the schema's own nesting.
    pub fn deep_path(&self, from: &str, length: usize) -> Option<Vec<String>> {
        let mut memo = BTreeMap::new();
        self.deep_from(from, length, &mut memo)
    }

    fn deep_from(
        &self,
        from: &str,
        length: usize,
        memo: &mut BTreeMap<(String, usize), Option<Vec<String>>>,
    ) -> Option<Vec<String>> {
        if length == 0 {
            return Some(vec![]);
        }
        if let Some(known) = memo.get(&(from.to_owned(), length)) {
            return known.clone();
        }
        memo.insert((from.to_owned(), length), None);
        let mut found = None;
        for field in &self.ty(from).fields {
            let inner = field.ty.named();
            if field.args.iter().any(InputValue::required)
                || self.ty(inner).kind != "OBJECT"
                || inner.starts_with("__")
            {
                continue;
            }
            if let Some(mut rest) = self.deep_from(inner, length - 1, memo) {
                rest.insert(0, field.name.clone());
                found = Some(rest);
                break;
            }
        }
        memo.insert((from.to_owned(), length), found.clone());
        found
    }

    /// The operation calling `field` with made-up arguments: required ones
    /// from their types, `first: 5` on pages, and the optional ones `mode`
    /// asks for; `fill` gives each `ID`. Also the number of optional `ID`
    /// slots there are.
    pub fn call(
        &self,
        root: Root,
        field: &Field,
        fill: &mut dyn FnMut(&Slot) -> Value,
        mode: Mode,
    ) -> (Call, usize) {
        let mut made = Made {
            schema: self,
            field,
            fill,
            mode,
            optional: 0,
            path: vec![],
            filling: vec![],
        };
        let mut declared = vec![];
        let mut passed = vec![];
        let mut variables = Map::new();
        for (i, arg) in field.args.iter().enumerate() {
            made.path = vec![arg.name.clone()];
            let value = if arg.name == "first" {
                Some(json!(5))
            } else if arg.name == "after" {
                // A made-up cursor is only refused.
                None
            } else {
                made.value(&arg.ty, &arg.name, arg.required())
            };
            if let Some(value) = value {
                declared.push(format!("$a{i}: {}", arg.ty.sdl()));
                passed.push(format!("{}: $a{i}", arg.name));
                variables.insert(format!("a{i}"), value);
            }
        }
        let keyword = match root {
            Root::Query => "query",
            Root::Mutation => "mutation",
        };
        let declared = if declared.is_empty() {
            String::new()
        } else {
            format!("({})", declared.join(", "))
        };
        let passed = if passed.is_empty() {
            String::new()
        } else {
            format!("({})", passed.join(", "))
        };
        let selection = self.selection(field.ty.named(), 2);
        let selection = if selection.is_empty() {
            String::new()
        } else {
            format!(" {{ {selection} }}")
        };
        let optional = made.optional;
        (
            Call {
                root,
                field: field.name.clone(),
                document: format!(
                    "{keyword}{declared} {{ {}{passed}{selection} }}",
                    field.name
                ),
                variables: Value::Object(variables),
            },
            optional,
        )
    }

    /// `value` (as the generator makes them) written as a GraphQL literal.
    pub fn literal(&self, ty: &Ty, value: &Value) -> String {
        match (ty, value) {
            (_, Value::Null) => "null".into(),
            (Ty::NonNull(inner), _) => self.literal(inner, value),
            (Ty::List(inner), Value::Array(items)) => format!(
                "[{}]",
                items
                    .iter()
                    .map(|v| self.literal(inner, v))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (Ty::List(inner), _) => self.literal(inner, value),
            (Ty::Named(name), _) => {
                let t = self.ty(name);
                match (t.kind.as_str(), value) {
                    ("ENUM", Value::String(s)) => s.clone(),
                    ("INPUT_OBJECT", Value::Object(fields)) => format!(
                        "{{ {} }}",
                        fields
                            .iter()
                            .map(|(k, v)| {
                                let field = t
                                    .input_fields
                                    .iter()
                                    .find(|f| &f.name == k)
                                    .expect("a field of the input");
                                format!("{k}: {}", self.literal(&field.ty, v))
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    _ => value.to_string(),
                }
            }
        }
    }

    /// Required arguments of `field` as literals (`a: 1, b: "x"`), `ID`s
    /// from `fill`.
    pub fn required_literals(&self, field: &Field, fill: &mut dyn FnMut(&Slot) -> Value) -> String {
        let mut made = Made {
            schema: self,
            field,
            fill,
            mode: Mode::AllIds,
            optional: 0,
            path: vec![],
            filling: vec![],
        };
        field
            .args
            .iter()
            .filter(|a| a.required())
            .map(|a| {
                made.path = vec![a.name.clone()];
                let value = made.value(&a.ty, &a.name, true).expect("required");
                format!("{}: {}", a.name, self.literal(&a.ty, &value))
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Builds argument values from types.
struct Made<'a> {
    schema: &'a Schema,
    field: &'a Field,
    fill: &'a mut dyn FnMut(&Slot) -> Value,
    mode: Mode,
    optional: usize,
    path: Vec<String>,
    /// Input objects being filled, so a recursive input stops.
    filling: Vec<String>,
}

impl Made<'_> {
    /// A value of `ty` for an input named `name`; `None` leaves an optional
    /// input out (the mode does not ask for it).
    fn value(&mut self, ty: &Ty, name: &str, required: bool) -> Option<Value> {
        match ty {
            Ty::NonNull(inner) => self.value(inner, name, required),
            Ty::List(inner) => self.value(inner, name, required).map(|v| json!([v])),
            Ty::Named(type_name) => {
                if !required && self.mode != Mode::Everything && !self.schema.holds_id(ty) {
                    return None;
                }
                let t = self.schema.ty(type_name);
                match t.kind.as_str() {
                    "SCALAR" if type_name == "ID" => {
                        if !required {
                            let k = self.optional;
                            self.optional += 1;
                            let wanted = match self.mode {
                                Mode::AllIds | Mode::Everything => true,
                                Mode::OneId(only) => only == k,
                                Mode::NoIds => false,
                            };
                            if !wanted {
                                return None;
                            }
                        }
                        let slot = Slot {
                            path: self.path.clone(),
                            targets: self.schema.slot_targets(self.field, name),
                        };
                        Some((self.fill)(&slot))
                    }
                    "SCALAR" => Some(sample(type_name, name)),
                    "ENUM" => Some(json!(t.enum_values.first().expect("an enum value"))),
                    "INPUT_OBJECT" => {
                        if !required && self.filling.contains(type_name) {
                            return None;
                        }
                        self.filling.push(type_name.clone());
                        let mut object = Map::new();
                        for f in &t.input_fields {
                            self.path.push(f.name.clone());
                            if let Some(v) = self.value(&f.ty, &f.name, f.required()) {
                                object.insert(f.name.clone(), v);
                            }
                            self.path.pop();
                        }
                        self.filling.pop();
                        (required || !object.is_empty()).then_some(Value::Object(object))
                    }
                    other => panic!("{type_name} is a {other}, not an input"),
                }
            }
        }
    }
}

/// A plausible value of a scalar for an input named `name`, so that calls
/// get past input checks to where ownership is decided.
pub fn sample(scalar: &str, name: &str) -> Value {
    let name = name.to_lowercase();
    match scalar {
        "Int" if name == "year" => json!(2026),
        "Int" => json!(1),
        "Float" => json!(1.0),
        "Boolean" => json!(false),
        "Date" | "NaiveDate" => json!("2026-12-24"),
        "DateTime" => json!("2026-11-23T10:00:00+11:00"),
        "JSON" => json!({}),
        _ => {
            let text = if name == "cardnumber" {
                domain::payments::provider::test_cards::SUCCESS
            } else if name.contains("email") || name == "mailfrom" {
                "sweep@example.com.au"
            } else if name.contains("password") {
                "a long enough password"
            } else if name.contains("url") || name.contains("evidence") {
                "https://example.com.au/sweep"
            } else if name == "currency" {
                "AUD"
            } else if name.contains("amount")
                || name.contains("price")
                || name.contains("cost")
                || name.contains("discount")
                || name.contains("below")
                || name.contains("upto")
                || name == "value"
            {
                "10.00"
            } else if name.contains("abn") {
                "51 824 753 556"
            } else if name == "postcode" {
                "2000"
            } else if name == "state" {
                "NSW"
            } else if name == "country" {
                "AU"
            } else if name == "month" {
                "2026-11"
            } else if name == "timezone" {
                "Australia/Sydney"
            } else if name.contains("phone") {
                "0412 345 678"
            } else {
                "sweep"
            };
            json!(text)
        }
    }
}

/// Fields a selection names (each word that is not punctuation or a type
/// condition), roughly as the server counts them.
fn count_fields(selection: &str) -> usize {
    let mut count = 0;
    let mut after_on = false;
    for word in selection.split_whitespace() {
        match word {
            "{" | "}" | "..." => {}
            "on" => after_on = true,
            _ if after_on => after_on = false,
            _ => count += 1,
        }
    }
    count
}

fn camel_words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = vec![];
    for c in text.chars() {
        if c.is_uppercase() || words.is_empty() {
            words.push(String::new());
        }
        words.last_mut().expect("a word").push(c);
    }
    words
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Every `(__typename, id)` of the objects in a response's data.
pub fn objects(value: &Value) -> Vec<(String, String)> {
    let mut found = vec![];
    collect_objects(value, &mut found);
    found
}

fn collect_objects(value: &Value, found: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            if let (Some(Value::String(ty)), Some(Value::String(id))) =
                (map.get("__typename"), map.get("id"))
            {
                found.push((ty.clone(), id.clone()));
            }
            map.values().for_each(|v| collect_objects(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_objects(v, found)),
        _ => {}
    }
}

/// Every string value in a response's data, userErrors left out (their
/// messages may name what the caller sent).
pub fn data_strings(value: &Value) -> Vec<String> {
    let mut found = vec![];
    collect_strings(value, &mut found);
    found
}

fn collect_strings(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::String(s) => found.push(s.clone()),
        Value::Object(map) => map
            .iter()
            .filter(|(k, _)| k.as_str() != "userErrors")
            .for_each(|(_, v)| collect_strings(v, found)),
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, found)),
        _ => {}
    }
}

/// Every message a response carries: `errors[].message` and, anywhere in
/// the data, `userErrors[].message`.
pub fn messages(body: &Value) -> Vec<String> {
    let mut found = vec![];
    let entries: Vec<&Value> = match body {
        Value::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    for entry in entries {
        for error in entry["errors"].as_array().into_iter().flatten() {
            found.push(error["message"].as_str().unwrap_or_default().to_owned());
        }
        collect_user_errors(&entry["data"], &mut found);
    }
    found
}

fn collect_user_errors(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "userErrors" {
                    for e in v.as_array().into_iter().flatten() {
                        found.push(e["message"].as_str().unwrap_or_default().to_owned());
                    }
                } else {
                    collect_user_errors(v, found);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_user_errors(v, found)),
        _ => {}
    }
}

/// How a call ended: the first top-level error's code, else the first
/// userError's code, else `OK` (with data) or `NULL` (nothing found).
pub fn outcome(body: &Value, field: &str) -> String {
    if let Some(code) = body["errors"][0]["extensions"]["code"].as_str() {
        return code.to_owned();
    }
    if body["errors"][0].is_object() {
        return "UNCODED".into();
    }
    let data = &body["data"][field];
    if let Some(code) = data["userErrors"][0]["code"].as_str() {
        return code.to_owned();
    }
    if data.is_null() { "NULL" } else { "OK" }.into()
}

/// What would tell a client about the server's insides: SQL, source paths,
/// panics. (Upper-case SQL keywords are matched as written, the rest in
/// any case.)
const SQL_KEYWORDS: [&str; 3] = ["SELECT", "INSERT", "UPDATE "];
const INTERNALS: [&str; 14] = [
    "sqlx",
    "sqlite",
    "violates",
    "constraint",
    "relation \"",
    "/src/",
    ".rs:",
    "/home/",
    "/work/",
    "panicked",
    "unwrap",
    "rust_backtrace",
    "secret sql detail",
    "dberr",
];

/// The messages giving away internals, each with what gave it away.
pub fn internals(messages: &[String]) -> Vec<(String, &'static str)> {
    messages
        .iter()
        .filter_map(|m| {
            let lower = m.to_lowercase();
            SQL_KEYWORDS
                .iter()
                .find(|k| m.contains(*k))
                .or_else(|| INTERNALS.iter().find(|k| lower.contains(*k)))
                .map(|k| (m.clone(), *k))
        })
        .collect()
}

/// Send `calls` as `caller`, at most `parallel` at once; each with its
/// response, in no particular order.
pub async fn run_all(caller: &Caller<'_>, calls: Vec<Call>, parallel: usize) -> Vec<(Call, Value)> {
    use futures::StreamExt;
    futures::stream::iter(calls)
        .map(|call| async move {
            let body = caller.post(&call.document, call.variables.clone()).await;
            (call, body)
        })
        .buffer_unordered(parallel)
        .collect()
        .await
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn splits_camel_case_and_counts_fields() {
        assert_eq!(camel_words("orderLine"), vec!["order", "Line"]);
        assert_eq!(capitalise("order"), "Order");
        assert_eq!(
            count_fields("__typename a b { c ... on X { d } } e { f }"),
            7
        );
    }

    #[test]
    fn finds_internals_in_messages() {
        let found = internals(&[
            "order not found".into(),
            "error returned from database: SELECT 1".into(),
            "thread 'main' panicked at api/src/x.rs:1".into(),
            "update the order first".into(),
        ]);
        assert_eq!(found.len(), 2, "{found:?}");
    }
}
