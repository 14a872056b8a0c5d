//! A YAML tree that remembers where every key and value came from.
//!
//! `serde_yaml` gives typed structs but forgets positions; the JSON Schema validator and the
//! semantic checks need `line:col` for any path in the document. This module parses the text
//! once more with a span-aware parser into a small [`Node`] tree, converts it to JSON for the
//! schema validator, and answers "where is `/fields/3/when`?".
//!
//! It is also the loader's guard against alias bombs: every alias counts the size of the node
//! it repeats, and a document that would expand past [`MAX_EXPANDED_SIZE`] is refused at the
//! alias that crosses it, before anything is copied and before `serde_yaml` sees the text (its
//! own limit lets a 2 KB file grow to gigabytes).

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::Value as Json;

use crate::diagnostic::Position;

/// How large a document may grow once its aliases are expanded: the length of every scalar
/// plus [`NODE_SIZE`] for every node, repeated nodes counted each time. Rules files are a few
/// kilobytes; a few megabytes leaves room for any honest one.
pub(crate) const MAX_EXPANDED_SIZE: usize = 4 << 20;

/// What one node counts towards [`MAX_EXPANDED_SIZE`] besides its text: a node costs memory
/// in the tree, its JSON and `serde_yaml`'s copy even when it is empty.
pub(crate) const NODE_SIZE: usize = 16;

/// A YAML value with the position of its first character.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub(crate) kind: NodeKind,
    pub(crate) position: Position,
}

#[derive(Clone, Debug)]
pub(crate) enum NodeKind {
    /// A scalar and whether it was written plain (unquoted), which decides its JSON type.
    Scalar {
        text: String,
        plain: bool,
    },
    Sequence(Vec<Node>),
    /// Entries in document order: (key node, value node).
    Mapping(Vec<(Node, Node)>),
}

/// A YAML syntax error or a construct this loader refuses (duplicate keys).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct YamlError {
    pub(crate) position: Position,
    pub(crate) message: String,
}

/// One step of a path into the tree: a mapping key or a sequence index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Segment {
    Key(String),
    Index(usize),
}

/// Parses `text` (one document; an empty file is an empty mapping).
pub(crate) fn parse(text: &str) -> Result<Node, YamlError> {
    let mut builder = Builder { stack: Vec::new(), anchors: HashMap::new(), root: None, expanded: 0 };
    for item in Parser::new_from_str(text) {
        let (event, span) = item.map_err(|error| YamlError {
            position: position_of(*error.marker()),
            message: format!("yaml syntax error: {}", error.info()),
        })?;
        builder.event(event, position_of(span.start))?;
    }
    Ok(builder.root.unwrap_or(Node { kind: NodeKind::Mapping(Vec::new()), position: Position::FILE }))
}

fn position_of(marker: saphyr_parser::Marker) -> Position {
    // The parser counts columns from 0; editors and compilers count from 1.
    Position::new(marker.line() as u32, marker.col() as u32 + 1)
}

struct Builder {
    /// Open collections with their anchor id, a mapping's pending key, and the expanded size
    /// when the collection started.
    stack: Vec<Open>,
    /// Anchored nodes with their expanded size.
    anchors: HashMap<usize, (Node, usize)>,
    root: Option<Node>,
    /// The document's size so far with every alias expanded (see [`MAX_EXPANDED_SIZE`]).
    expanded: usize,
}

/// What made a document grow, for the message when it grows too large.
#[derive(Clone, Copy)]
enum Growth {
    Text,
    Alias,
}

struct Open {
    node: Node,
    anchor: usize,
    pending_key: Option<Node>,
    expanded_at_start: usize,
}

impl Builder {
    fn event(&mut self, event: Event<'_>, position: Position) -> Result<(), YamlError> {
        match event {
            Event::Scalar(text, style, anchor, _tag) => {
                let plain = matches!(style, ScalarStyle::Plain);
                let size = NODE_SIZE + text.len();
                self.grow(size, position, Growth::Text)?;
                let node = Node { kind: NodeKind::Scalar { text: text.into_owned(), plain }, position };
                self.finish(node, anchor, size)
            }
            Event::SequenceStart(anchor, _) => self.open(NodeKind::Sequence(Vec::new()), anchor, position),
            Event::MappingStart(anchor, _) => self.open(NodeKind::Mapping(Vec::new()), anchor, position),
            Event::SequenceEnd | Event::MappingEnd => {
                let open = self.stack.pop().expect("the parser balances start and end events");
                let size = self.expanded - open.expanded_at_start;
                self.finish(open.node, open.anchor, size)
            }
            Event::Alias(anchor) => {
                let size = self.anchors.get(&anchor).map(|(_, size)| *size).ok_or_else(|| YamlError {
                    position,
                    message: "yaml alias refers to an unknown anchor".to_owned(),
                })?;
                // Counted before the copy: a bomb is refused without ever being expanded.
                self.grow(size, position, Growth::Alias)?;
                let node = self.anchors[&anchor].0.clone();
                self.finish(Node { position, ..node }, 0, size)
            }
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => Ok(()),
        }
    }

    fn open(&mut self, kind: NodeKind, anchor: usize, position: Position) -> Result<(), YamlError> {
        let expanded_at_start = self.expanded;
        self.grow(NODE_SIZE, position, Growth::Text)?;
        self.stack.push(Open { node: Node { kind, position }, anchor, pending_key: None, expanded_at_start });
        Ok(())
    }

    /// Adds `size` to the expanded size, refusing the document past [`MAX_EXPANDED_SIZE`].
    fn grow(&mut self, size: usize, position: Position, growth: Growth) -> Result<(), YamlError> {
        self.expanded = self.expanded.saturating_add(size);
        if self.expanded <= MAX_EXPANDED_SIZE {
            return Ok(());
        }
        let limit = MAX_EXPANDED_SIZE >> 20;
        let message = match growth {
            Growth::Alias => format!(
                "this yaml alias expands the document past {limit} MB; write the repeated values out or repeat less"
            ),
            Growth::Text => format!("the yaml document is larger than {limit} MB"),
        };
        Err(YamlError { position, message })
    }

    fn finish(&mut self, node: Node, anchor: usize, size: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            self.anchors.insert(anchor, (node.clone(), size));
        }
        let Some(Open { node: parent, pending_key, .. }) = self.stack.last_mut() else {
            // Only the first document counts; later ones are ignored like serde_yaml's `from_str` refuses them.
            if self.root.is_none() {
                self.root = Some(node);
            }
            return Ok(());
        };
        match &mut parent.kind {
            NodeKind::Sequence(items) => items.push(node),
            NodeKind::Mapping(entries) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key) => {
                    if let Some(name) = key.as_str()
                        && entries.iter().any(|(existing, _)| existing.as_str() == Some(name))
                    {
                        return Err(YamlError {
                            position: key.position,
                            message: format!("duplicate key `{name}`"),
                        });
                    }
                    entries.push((key, node));
                }
            },
            NodeKind::Scalar { .. } => unreachable!("scalars are never pushed on the stack"),
        }
        Ok(())
    }
}

impl Node {
    /// The scalar's text, whatever its YAML type.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { text, .. } => Some(text),
            _ => None,
        }
    }

    /// The value stored under `key` in a mapping.
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, value)| value)
    }

    /// The key node and value node stored under `key` in a mapping.
    pub(crate) fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.kind {
            NodeKind::Mapping(entries) => {
                entries.iter().find(|(name, _)| name.as_str() == Some(key)).map(|(k, v)| (k, v))
            }
            _ => None,
        }
    }

    /// The entries of a mapping in document order (empty for other nodes).
    pub(crate) fn entries(&self) -> &[(Node, Node)] {
        match &self.kind {
            NodeKind::Mapping(entries) => entries,
            _ => &[],
        }
    }

    /// The items of a sequence (empty for other nodes).
    pub(crate) fn items(&self) -> &[Node] {
        match &self.kind {
            NodeKind::Sequence(items) => items,
            _ => &[],
        }
    }

    /// The node at `path`, or the deepest node on the way when the path leaves the tree.
    pub(crate) fn locate(&self, path: &[Segment]) -> &Node {
        let mut node = self;
        for segment in path {
            let next = match segment {
                Segment::Key(key) => node.get(key),
                Segment::Index(index) => node.items().get(*index),
            };
            match next {
                Some(child) => node = child,
                None => break,
            }
        }
        node
    }

    /// Where the key `key` of the mapping at `path` is written (for "unknown field" errors).
    pub(crate) fn key_position(&self, path: &[Segment], key: &str) -> Position {
        let parent = self.locate(path);
        parent.entry(key).map_or(parent.position, |(key_node, _)| key_node.position)
    }

    /// The document as JSON, typing plain scalars by the YAML 1.2 core schema.
    pub(crate) fn to_json(&self) -> Json {
        match &self.kind {
            NodeKind::Scalar { text, plain: false } => Json::String(text.clone()),
            NodeKind::Scalar { text, plain: true } => plain_scalar(text),
            NodeKind::Sequence(items) => Json::Array(items.iter().map(Node::to_json).collect()),
            NodeKind::Mapping(entries) => Json::Object(
                entries
                    .iter()
                    .map(|(key, value)| (key.as_str().unwrap_or_default().to_owned(), value.to_json()))
                    .collect(),
            ),
        }
    }
}

fn plain_scalar(text: &str) -> Json {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Json::Null,
        "true" | "True" | "TRUE" => return Json::Bool(true),
        "false" | "False" | "FALSE" => return Json::Bool(false),
        _ => {}
    }
    if let Ok(integer) = text.parse::<i64>() {
        return Json::from(integer);
    }
    let looks_numeric = text.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c))
        && text.chars().any(|c| c.is_ascii_digit());
    if looks_numeric && let Ok(float) = text.parse::<f64>() {
        return Json::from(float);
    }
    Json::String(text.to_owned())
}

/// Turns a JSON pointer's segments (from the schema validator) into tree segments.
pub(crate) fn segments_of_pointer(pointer: &str) -> Vec<Segment> {
    pointer
        .split('/')
        .skip(1)
        .map(|raw| {
            let unescaped = raw.replace("~1", "/").replace("~0", "~");
            match unescaped.parse::<usize>() {
                Ok(index) => Segment::Index(index),
                Err(_) => Segment::Key(unescaped),
            }
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn positions_and_json() {
        let text = "a: 1\nb:\n  - x\n  - { c: \"2\", d: true }\ne: 4h\n";
        let root = parse(text).expect("valid yaml");
        assert_eq!(root.to_json(), serde_json::json!({"a": 1, "b": ["x", {"c": "2", "d": true}], "e": "4h"}));
        let d = root.locate(&segments_of_pointer("/b/1/d"));
        assert_eq!(d.position, Position::new(4, 18));
        assert_eq!(root.key_position(&segments_of_pointer("/b/1"), "c"), Position::new(4, 7));
        assert_eq!(root.locate(&segments_of_pointer("/b/7")).position, Position::new(3, 3));
    }

    #[test]
    fn refuses_duplicate_keys_and_reports_syntax_errors() {
        let duplicate = parse("a: 1\na: 2\n").expect_err("duplicate");
        assert_eq!(
            (duplicate.position, duplicate.message.as_str()),
            (Position::new(2, 1), "duplicate key `a`")
        );
        let syntax = parse("a: [1, 2\n").expect_err("unclosed");
        assert!(syntax.message.starts_with("yaml syntax error"), "{syntax:?}");
    }

    /// Levels of nine aliases each: six make 1.8 KB of text that expands to about 60 MB of values.
    pub(crate) fn alias_bomb(levels: usize) -> String {
        let head = "id: bomb\nx0: &a0 [\"lolololololololololololololololololololol\", \"lol\"]\n";
        let levels = (1..=levels).map(|level| {
            let items = vec![format!("*a{}", level - 1); 9].join(", ");
            format!("x{level}: &a{level} [{items}]\n")
        });
        std::iter::once(head.to_owned()).chain(levels).collect()
    }

    /// Regression: a 2 KB alias bomb took 800 MB and seconds to reject, expanded in full
    /// before any check. Now it is refused at the alias that crosses the bound, without being
    /// copied (the expanded size is counted, the nodes are not).
    #[test]
    fn alias_bomb_rejected_fast_and_cheaply_at_the_alias() {
        let bomb = alias_bomb(6);
        assert!(bomb.len() < 2048, "{} bytes", bomb.len());
        let started = std::time::Instant::now();
        // Never `expect_err`: were the bomb accepted, printing its tree would take gigabytes.
        let refused = parse(&bomb).err();
        let elapsed = started.elapsed();
        let error = refused.expect("the bomb is refused");
        assert_eq!(
            (error.position, error.message.as_str()),
            (
                Position::new(7, 35),
                "this yaml alias expands the document past 4 MB; write the repeated values out or repeat less"
            )
        );
        // Counting takes microseconds; expanding took seconds. Only a very generous bound.
        assert!(elapsed < std::time::Duration::from_secs(2), "took {elapsed:?}");
        // A bomb a thousand times larger is refused at the same place, as fast.
        let larger = alias_bomb(9);
        assert_eq!(parse(&larger).err().map(|error| error.position), Some(Position::new(7, 35)));
    }

    #[test]
    fn honest_aliases_still_work() {
        let root = parse("base: &base { a: 1, b: [x, y] }\ncopy: *base\n").expect("valid");
        assert_eq!(
            root.to_json(),
            serde_json::json!({"base": {"a": 1, "b": ["x", "y"]}, "copy": {"a": 1, "b": ["x", "y"]}})
        );
        let large = format!("a: &a \"{}\"\nb: [*a, *a, *a]\n", "x".repeat(1_000_000));
        assert!(parse(&large).is_ok(), "4 MB of expanded text is allowed");
        let too_large = format!("a: &a \"{}\"\nb: [*a, *a, *a, *a]\n", "x".repeat(1_000_000));
        assert_eq!(
            parse(&too_large).err().map(|error| error.position),
            Some(Position::new(2, 17)),
            "past 4 MB"
        );
    }

    #[test]
    fn empty_file_is_an_empty_mapping() {
        assert_eq!(parse("# only a comment\n").expect("valid").to_json(), serde_json::json!({}));
    }
}
