//! Text formatting as Telegram parses it: `parse_mode` HTML, `MarkdownV2` and legacy Markdown turned
//! into plain text plus entities (offsets in UTF-16 code units), with Telegram's refusals for
//! malformed markup (`can't parse entities: ...`). Length limits apply to the parsed text, so this
//! runs before any limit check. Being strict here is the point: customer text relayed under a
//! parse mode without escaping is a bug the fake must surface (invariant 8).

use serde_json::{Value, json};

use super::error::ApiFailure;

/// Text after entity parsing.
pub(crate) struct Formatted {
    pub text: String,
    pub entities: Vec<Value>,
}

impl Formatted {
    /// Length as Telegram counts it, in UTF-16 code units.
    pub fn len_utf16(&self) -> usize {
        self.text.encode_utf16().count()
    }
}

/// Parses `text` under `parse_mode`; without a mode, explicit `entities` are kept as given.
pub(crate) fn format(
    text: &str,
    parse_mode: Option<&str>,
    entities: Option<&Value>,
) -> Result<Formatted, ApiFailure> {
    let parsed = match parse_mode.map(str::to_ascii_lowercase).as_deref() {
        None => Ok(Builder::plain(text, entities)),
        Some("html") => parse_html(text),
        Some("markdownv2") => parse_markdown_v2(text),
        Some("markdown") => parse_markdown(text),
        Some(_) => return Err(ApiFailure::bad_request("unsupported parse_mode")),
    };
    let builder =
        parsed.map_err(|problem| ApiFailure::bad_request(format!("can't parse entities: {problem}")))?;
    Ok(builder.finish())
}

/// An entity still open: its type, where it started (UTF-16) and (for errors) at which byte.
struct Open {
    marker: String,
    kind: &'static str,
    start: usize,
    byte: usize,
    extra: Option<(&'static str, String)>,
}

#[derive(Default)]
struct Builder {
    text: String,
    utf16: usize,
    entities: Vec<Value>,
    open: Vec<Open>,
}

impl Builder {
    fn plain(text: &str, entities: Option<&Value>) -> Builder {
        let entities = entities.and_then(Value::as_array).cloned().unwrap_or_default();
        Builder { text: text.to_owned(), entities, ..Builder::default() }
    }

    fn push(&mut self, character: char) {
        self.text.push(character);
        self.utf16 += character.len_utf16();
    }

    fn open(&mut self, marker: &str, kind: &'static str, byte: usize, extra: Option<(&'static str, String)>) {
        self.open.push(Open { marker: marker.to_owned(), kind, start: self.utf16, byte, extra });
    }

    fn close(&mut self) {
        let Some(open) = self.open.pop() else { return };
        if self.utf16 > open.start {
            let mut entity =
                json!({ "type": open.kind, "offset": open.start, "length": self.utf16 - open.start });
            if let Some((key, value)) = open.extra {
                entity[key] = value.into();
            }
            self.entities.push(entity);
        }
    }

    fn top_is(&self, marker: &str) -> bool {
        self.open.last().is_some_and(|open| open.marker == marker)
    }

    fn finish(mut self) -> Formatted {
        let key = |entity: &Value| (entity["offset"].as_u64(), std::cmp::Reverse(entity["length"].as_u64()));
        self.entities.sort_by_key(key);
        Formatted { text: self.text, entities: self.entities }
    }
}

fn parse_html(source: &str) -> Result<Builder, String> {
    let mut out = Builder::default();
    let mut index = 0;
    while let Some(character) = source[index..].chars().next() {
        match character {
            '<' => {
                let end = source[index..]
                    .find('>')
                    .ok_or(format!("Can't find end of the tag at byte offset {index}"))?;
                let tag = &source[index + 1..index + end];
                if let Some(name) = tag.strip_prefix('/') {
                    let name = name.trim().to_ascii_lowercase();
                    let expected = out.open.last().map(|open| open.marker.clone());
                    match expected {
                        None => return Err(format!("Unexpected end tag at byte offset {index}")),
                        Some(expected) if !name.is_empty() && expected != name => {
                            return Err(format!(
                                "Unmatched end tag at byte offset {index}, expected \"</{expected}>\", found \"</{name}>\""
                            ));
                        }
                        Some(_) => out.close(),
                    }
                } else {
                    let (kind, extra) = html_tag(tag).ok_or_else(|| {
                        let name = tag.split_whitespace().next().unwrap_or_default();
                        format!("Unsupported start tag \"{name}\" at byte offset {index}")
                    })?;
                    let name = tag.split_whitespace().next().unwrap_or_default().to_ascii_lowercase();
                    out.open(&name, kind, index, extra);
                }
                index += end + 1;
            }
            '&' => {
                let (decoded, used) = html_entity(&source[index..]).unwrap_or(('&', 1));
                out.push(decoded);
                index += used;
            }
            _ => {
                out.push(character);
                index += character.len_utf8();
            }
        }
    }
    match out.open.first() {
        Some(open) => Err(format!("Can't find end tag corresponding to start tag \"{}\"", open.marker)),
        None => Ok(out),
    }
}

/// The entity a start tag opens, with its extra field (`url`, `language`, `custom_emoji_id`).
fn html_tag(tag: &str) -> Option<(&'static str, Option<(&'static str, String)>)> {
    let mut words = tag.splitn(2, char::is_whitespace);
    let name = words.next()?.to_ascii_lowercase();
    let attributes = words.next().unwrap_or_default();
    let attribute = |key: &str| {
        let start = attributes.find(&format!("{key}="))? + key.len() + 1;
        let rest = &attributes[start..];
        let quote = rest.chars().next().filter(|quote| *quote == '"' || *quote == '\'')?;
        rest[1..].split(quote).next().map(str::to_owned)
    };
    let kind = match name.as_str() {
        "b" | "strong" => "bold",
        "i" | "em" => "italic",
        "u" | "ins" => "underline",
        "s" | "strike" | "del" => "strikethrough",
        "tg-spoiler" => "spoiler",
        "span" if attribute("class").as_deref() == Some("tg-spoiler") => "spoiler",
        "a" => return Some(("text_link", Some(("url", attribute("href")?)))),
        "code" => "code",
        "pre" => "pre",
        "blockquote" if attributes.contains("expandable") => "expandable_blockquote",
        "blockquote" => "blockquote",
        "tg-emoji" => return Some(("custom_emoji", Some(("custom_emoji_id", attribute("emoji-id")?)))),
        _ => return None,
    };
    Some((kind, None))
}

fn html_entity(source: &str) -> Option<(char, usize)> {
    let end = source.get(..12).unwrap_or(source).find(';')?;
    let name = &source[1..end];
    let decoded = match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "quot" => '"',
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)?
        }
    };
    Some((decoded, end + 1))
}

const MARKDOWN_V2_RESERVED: &str = "_*[]()~`>#+-=|{}.!";

fn parse_markdown_v2(source: &str) -> Result<Builder, String> {
    let mut out = Builder::default();
    let characters: Vec<(usize, char)> = source.char_indices().collect();
    let mut at = 0;
    let mut line_start = true;
    while let Some(&(byte, character)) = characters.get(at) {
        let next = characters.get(at + 1).map(|(_, next)| *next);
        let in_code = out.top_is("`") || out.top_is("```");
        at += 1;
        match character {
            '\\' => {
                let escaped = next.filter(|next| (1..=126).contains(&u32::from(*next)));
                out.push(escaped.ok_or(format!(
                    "Character '\\' is reserved and must be escaped at byte offset {byte}"
                ))?);
                at += 1;
            }
            '`' if source[byte..].starts_with("```") => {
                at += 2;
                if out.top_is("```") {
                    out.close();
                } else {
                    let language: String =
                        characters[at..].iter().map(|(_, c)| *c).take_while(|c| *c != '\n').collect();
                    at += language.chars().count() + 1;
                    let extra = Some(("language", language.trim().to_owned()))
                        .filter(|(_, language)| !language.is_empty());
                    out.open("```", "pre", byte, extra);
                }
            }
            '`' => toggle(&mut out, "`", "code", byte)?,
            _ if in_code => out.push(character),
            '*' => toggle(&mut out, "*", "bold", byte)?,
            '_' if next == Some('_') => {
                at += 1;
                toggle(&mut out, "__", "underline", byte)?;
            }
            '_' => toggle(&mut out, "_", "italic", byte)?,
            '~' => toggle(&mut out, "~", "strikethrough", byte)?,
            '|' if next == Some('|') => {
                at += 1;
                toggle(&mut out, "||", "spoiler", byte)?;
            }
            '[' => out.open("[", "text_link", byte, None),
            ']' if out.top_is("[") && next == Some('(') => {
                let url: String =
                    characters[at + 1..].iter().map(|(_, c)| *c).take_while(|c| *c != ')').collect();
                if at + 1 + url.chars().count() >= characters.len() {
                    return Err(format!("Can't find end of a URL at byte offset {byte}"));
                }
                at += url.chars().count() + 2;
                if let Some(open) = out.open.last_mut() {
                    open.extra = Some(("url", url.replace("\\)", ")").replace("\\\\", "\\")));
                }
                out.close();
            }
            '>' if line_start => {}
            _ if MARKDOWN_V2_RESERVED.contains(character) => {
                return Err(format!(
                    "Character '{character}' is reserved and must be escaped with the preceding '\\'"
                ));
            }
            _ => out.push(character),
        }
        line_start = character == '\n';
    }
    match out.open.first() {
        Some(open) => {
            Err(format!("Can't find end of {} entity at byte offset {}", entity_name(open.kind), open.byte))
        }
        None => Ok(out),
    }
}

/// Closes `marker` if it is the innermost open entity, opens it if it is not open; mis-nesting is refused.
fn toggle(out: &mut Builder, marker: &str, kind: &'static str, byte: usize) -> Result<(), String> {
    if out.top_is(marker) {
        out.close();
    } else if let Some(open) = out.open.iter().find(|open| open.marker == marker) {
        return Err(format!("Can't find end of {} entity at byte offset {}", entity_name(kind), open.byte));
    } else {
        out.open(marker, kind, byte, None);
    }
    Ok(())
}

fn entity_name(kind: &str) -> &'static str {
    match kind {
        "bold" => "Bold",
        "italic" => "Italic",
        "underline" => "Underline",
        "strikethrough" => "Strikethrough",
        "spoiler" => "Spoiler",
        "code" => "Code",
        "pre" => "Pre",
        _ => "TextUrl",
    }
}

/// Legacy Markdown: `*bold*`, `_italic_`, `` `code` ``, ```` ```pre``` ````, `[text](url)`; no nesting.
fn parse_markdown(source: &str) -> Result<Builder, String> {
    let mut out = Builder::default();
    let mut index = 0;
    while let Some(character) = source[index..].chars().next() {
        let rest = &source[index..];
        if out.open.is_empty() && character == '\\' && rest[1..].starts_with(['_', '*', '`', '[']) {
            out.push(rest[1..].chars().next().unwrap_or_default());
            index += 2;
            continue;
        }
        let marker = if rest.starts_with("```") { "```" } else { &rest[..character.len_utf8()] };
        let closes = out
            .open
            .last()
            .is_some_and(|open| open.marker == marker || (open.marker == "[" && marker == "]"));
        if closes {
            if marker == "]" {
                let url = rest.strip_prefix("](").and_then(|url| url.split(')').next());
                let url =
                    url.ok_or(format!("Can't find end of the entity starting at byte offset {index}"))?;
                if let Some(open) = out.open.last_mut() {
                    open.extra = Some(("url", url.to_owned()));
                }
                index += url.len() + 2;
            }
            out.close();
            index += marker.len();
            continue;
        }
        let kind = match marker {
            "*" => Some("bold"),
            "_" => Some("italic"),
            "`" => Some("code"),
            "```" => Some("pre"),
            "[" => Some("text_link"),
            _ => None,
        };
        match kind.filter(|_| out.open.is_empty()) {
            Some(kind) => out.open(marker, kind, index, None),
            None => out.push(character),
        }
        index += if kind.is_some() && out.top_is(marker) { marker.len() } else { character.len_utf8() };
    }
    match out.open.first() {
        Some(open) => Err(format!("Can't find end of the entity starting at byte offset {}", open.byte)),
        None => Ok(out),
    }
}
