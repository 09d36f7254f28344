//! Checks and compares the rule-language XML of `custom_xml`.
//!
//! Users write the XML by hand and reformat it freely. So two documents count as equal when they
//! differ only in whitespace between elements, line endings, attribute quoting or order. Writing
//! an empty element as `<a/>` instead of `<a></a>` makes no difference either.

use std::collections::BTreeSet;

use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// A well-formedness error, with the position of the offending markup.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}, column {column}: {reason}")]
pub(crate) struct XmlError {
    /// The 1-based line of the offending markup.
    pub(crate) line: usize,
    /// The 1-based column, counted in characters.
    pub(crate) column: usize,
    /// The problem found at that position.
    pub(crate) reason: String,
}

/// One significant piece of a document, compared instead of the text itself.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Declaration(String),
    Start {
        name: String,
        /// Attribute names and unescaped values, sorted by name.
        attributes: Vec<(String, String)>,
    },
    End(String),
    /// Text with surrounding whitespace removed. Whitespace-only text produces no token.
    Text(String),
    CData(String),
    Comment(String),
    Instruction(String),
    DocType(String),
}

/// Checks that `text` is one well-formed XML document with a single root element.
///
/// # Errors
///
/// Returns the first problem found, with its line and column.
pub(crate) fn check_well_formed(text: &str) -> Result<(), XmlError> {
    tokenize(text).map(|_| ())
}

/// Reports whether two documents are equal apart from insignificant formatting. Text that is
/// not well-formed XML equals only the identical text.
pub(crate) fn equivalent(left: &str, right: &str) -> bool {
    if left == right {
        return true;
    }
    match (tokenize(left), tokenize(right)) {
        (Ok(left), Ok(right)) => left == right,
        _ => false,
    }
}

/// Splits `text` into tokens, checking well-formedness on the way.
fn tokenize(text: &str) -> Result<Vec<Token>, XmlError> {
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.check_comments = true;
    let mut tokens = Vec::new();
    let mut open: Vec<String> = Vec::new();
    let mut seen_root = false;
    // General entities declared in the document type declaration, which precedes the root.
    let mut declared = BTreeSet::new();

    loop {
        // Errors point at the start of the offending markup, which is the reader's position now.
        let position = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|error| locate(text, reader.error_position(), error.to_string()))?;
        let at_top_level = open.is_empty();
        match event {
            Event::Eof => break,
            Event::Start(start) | Event::Empty(start) if at_top_level && seen_root => {
                let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                return Err(locate(
                    text,
                    position,
                    format!("element <{name}> follows the root element, but a document has only one root"),
                ));
            }
            Event::Start(start) => {
                seen_root = true;
                let (name, attributes) = start_tag(text, position, &start, &declared)?;
                open.push(name.clone());
                tokens.push(Token::Start { name, attributes });
            }
            Event::Empty(start) => {
                seen_root = true;
                let (name, attributes) = start_tag(text, position, &start, &declared)?;
                tokens.push(Token::Start {
                    name: name.clone(),
                    attributes,
                });
                tokens.push(Token::End(name));
            }
            Event::End(end) => {
                open.pop();
                tokens.push(Token::End(
                    String::from_utf8_lossy(end.name().as_ref()).into_owned(),
                ));
            }
            Event::Text(content) => {
                let raw = String::from_utf8_lossy(&content);
                let unescaped = unescape(&raw, &declared)
                    .map_err(|(offset, reason)| locate(text, position + offset as u64, reason))?;
                let trimmed = normalize_line_endings(unescaped.trim());
                if trimmed.is_empty() {
                    continue;
                }
                if at_top_level {
                    let leading = content.len() - content.trim_ascii_start().len();
                    return Err(locate(
                        text,
                        position + leading as u64,
                        "text outside the root element".to_string(),
                    ));
                }
                tokens.push(Token::Text(trimmed));
            }
            Event::CData(content) => tokens.push(Token::CData(normalize_line_endings(
                &String::from_utf8_lossy(&content),
            ))),
            Event::Comment(content) => tokens.push(Token::Comment(normalize_line_endings(
                String::from_utf8_lossy(&content).trim(),
            ))),
            Event::Decl(declaration) => tokens.push(Token::Declaration(normalize_spaces(
                &String::from_utf8_lossy(&declaration),
            ))),
            Event::PI(instruction) => tokens.push(Token::Instruction(normalize_spaces(
                &String::from_utf8_lossy(&instruction),
            ))),
            Event::DocType(doctype) => {
                let doctype = String::from_utf8_lossy(&doctype);
                declared.extend(declared_entities(&doctype));
                tokens.push(Token::DocType(normalize_spaces(&doctype)));
            }
        }
    }

    if let Some(name) = open.last() {
        return Err(locate(
            text,
            text.len() as u64,
            format!("element <{name}> is not closed"),
        ));
    }
    if !seen_root {
        return Err(locate(
            text,
            0,
            "the document has no root element".to_string(),
        ));
    }
    Ok(tokens)
}

/// Reads an element's name and its attributes, sorted by name with values unescaped.
fn start_tag(
    text: &str,
    position: u64,
    start: &BytesStart<'_>,
    declared: &BTreeSet<String>,
) -> Result<(String, Vec<(String, String)>), XmlError> {
    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|error| {
            locate(
                text,
                position,
                format!("invalid attribute in element <{name}>: {error}"),
            )
        })?;
        let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
        // NOTE: the error points at the start of the tag, because quick-xml does not report
        // where an attribute value starts.
        let value = unescape(&String::from_utf8_lossy(&attribute.value), declared).map_err(
            |(_, reason)| {
                locate(
                    text,
                    position,
                    format!("invalid value of attribute {key} in element <{name}>: {reason}"),
                )
            },
        )?;
        attributes.push((key, normalize_line_endings(&value)));
    }
    attributes.sort();
    Ok((name, attributes))
}

/// Replaces the references in character data or an attribute value: the five entities XML
/// predefines, character references, and entities in `declared`. A declared entity stays as
/// written, because the provider does not expand entity definitions, so documents that use
/// it compare equal only when they use it in the same places.
///
/// # Errors
///
/// Returns the byte offset in `raw` of the `&` that starts an invalid reference, with the
/// reason.
fn unescape(raw: &str, declared: &BTreeSet<String>) -> Result<String, (usize, String)> {
    let mut unescaped = String::with_capacity(raw.len());
    let mut rest_start = 0;
    while let Some(found) = raw[rest_start..].find('&') {
        let start = rest_start + found;
        unescaped.push_str(&raw[rest_start..start]);
        let end = raw[start..]
            .find(';')
            .map(|found| start + found)
            .filter(|end| {
                let name = &raw[start + 1..*end];
                !name.is_empty() && !name.contains(|c: char| c == '&' || c.is_whitespace())
            })
            .ok_or_else(|| {
                (
                    start,
                    "`&` does not start an entity or character reference, so write `&amp;` for \
                     a literal ampersand"
                        .to_string(),
                )
            })?;
        let reference = &raw[start..=end];
        let name = &raw[start + 1..end];
        if name.starts_with('#') {
            let character = quick_xml::escape::unescape(reference)
                .map_err(|_| (start, format!("invalid character reference `{reference}`")))?;
            unescaped.push_str(&character);
        } else if let Some(replacement) = resolve_xml_entity(name) {
            unescaped.push_str(replacement);
        } else if declared.contains(name) {
            unescaped.push_str(reference);
        } else {
            return Err((
                start,
                format!(
                    "undeclared entity `{reference}` (XML predefines only `&amp;`, `&apos;`, \
                     `&gt;`, `&lt;` and `&quot;`, so write the character itself or a character \
                     reference such as `&#169;`)"
                ),
            ));
        }
        rest_start = end + 1;
    }
    unescaped.push_str(&raw[rest_start..]);
    Ok(unescaped)
}

/// Returns the names of the general entities that a document type declaration declares.
/// Parameter entities (`<!ENTITY % name ...>`) are left out, because content cannot use them.
fn declared_entities(doctype: &str) -> Vec<String> {
    doctype
        .split("<!ENTITY")
        .skip(1)
        .filter_map(|declaration| {
            let declaration = declaration.trim_start();
            if declaration.starts_with('%') {
                return None;
            }
            let name: String = declaration
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '>')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

/// Builds an error at the byte offset `position`, converted to a line and a column.
fn locate(text: &str, position: u64, reason: String) -> XmlError {
    let offset = usize::try_from(position)
        .unwrap_or(usize::MAX)
        .min(text.len());
    // The offset comes from the parser and may fall inside a multi-byte character, so it is
    // moved back to the nearest character boundary before slicing.
    let boundary = (0..=offset)
        .rev()
        .find(|index| text.is_char_boundary(*index))
        .unwrap_or(0);
    let before = &text[..boundary];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let column = before[line_start..].chars().count() + 1;
    XmlError {
        line,
        column,
        reason,
    }
}

fn normalize_line_endings(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

fn normalize_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: &str = r#"<FileSet base="/etc" recursive="true">
  <include key="*.conf"/>
  <exclude key="secret.conf"></exclude>
</FileSet>"#;

    #[test]
    fn equivalent_ignores_formatting() {
        let cases = [
            ("identical", RULE),
            (
                "one line",
                r#"<FileSet base="/etc" recursive="true"><include key="*.conf"/><exclude key="secret.conf"/></FileSet>"#,
            ),
            (
                "single quotes",
                "<FileSet base='/etc' recursive='true'>\n<include key='*.conf'/>\n<exclude key='secret.conf'/>\n</FileSet>",
            ),
            (
                "crlf line endings",
                "<FileSet base=\"/etc\" recursive=\"true\">\r\n  <include key=\"*.conf\" />\r\n  <exclude key=\"secret.conf\"/>\r\n</FileSet>\r\n",
            ),
            (
                "attribute order",
                r#"<FileSet recursive="true" base="/etc"><include key="*.conf"/><exclude key="secret.conf"/></FileSet>"#,
            ),
            (
                "leading whitespace",
                "\n\n   <FileSet base=\"/etc\" recursive=\"true\"><include key=\"*.conf\"></include><exclude key=\"secret.conf\"/></FileSet>  \n",
            ),
        ];
        for (name, other) in cases {
            assert!(equivalent(RULE, other), "case {name}");
        }
    }

    #[test]
    fn equivalent_resolves_references() {
        let cases = [
            (
                "character reference",
                "<a x='&#65;'>&#x42;</a>",
                "<a x='A'>B</a>",
            ),
            ("predefined entity", "<a>&lt;</a>", "<a>&#60;</a>"),
        ];
        for (name, left, right) in cases {
            assert!(equivalent(left, right), "case {name}");
        }
    }

    #[test]
    fn equivalent_rejects_undeclared_entity() {
        assert!(!equivalent("<a>&nope;</a>", "<a>&amp;nope;</a>"));
    }

    #[test]
    fn equivalent_detects_real_changes() {
        let cases = [
            ("attribute value", RULE.replace("/etc", "/var")),
            ("element name", RULE.replace("exclude", "include")),
            (
                "added attribute",
                RULE.replace("<include ", "<include x=\"1\" "),
            ),
            (
                "added text",
                RULE.replace(
                    "<exclude key=\"secret.conf\"></exclude>",
                    "<exclude key=\"secret.conf\">x</exclude>",
                ),
            ),
            ("not xml", "<FileSet".to_string()),
        ];
        for (name, other) in cases {
            assert!(!equivalent(RULE, &other), "case {name}");
        }
    }

    #[test]
    fn check_reports_line_and_column() {
        let cases = [
            ("mismatched end tag", "<a>\n  <b></c>\n</a>", 2, 6),
            ("unclosed element", "<a>\n<b>\n</b>", 3, 5),
            ("unclosed tag", "<a>\n  <b\n</a>", 2, 3),
            ("second root", "<a/>\n<b/>", 2, 1),
            ("text outside root", "<a/>\nhello", 2, 1),
            ("empty document", "   ", 1, 1),
            ("duplicate attribute", "<a>\n<b x=\"1\" x=\"2\"/></a>", 2, 1),
            ("undeclared entity", "<a>\n  <b>x &nope;</b>\n</a>", 2, 8),
            ("undeclared entity at start", "<a>&nope;</a>", 1, 4),
            (
                "undeclared entity in attribute",
                "<a>\n <b x=\"&nope;\"/></a>",
                2,
                2,
            ),
            ("bare ampersand", "<a>x & y</a>", 1, 6),
            ("invalid character reference", "<a>\u{e9}&#xZZ;</a>", 1, 5),
            ("null character reference", "<a>&#0;</a>", 1, 4),
            (
                "parameter entity only",
                "<!DOCTYPE a [<!ENTITY % p \"x\">]>\n<a>&p;</a>",
                2,
                4,
            ),
        ];
        for (name, text, line, column) in cases {
            let error = check_well_formed(text).expect_err(name);
            assert_eq!(
                (error.line, error.column),
                (line, column),
                "case {name}: {error}"
            );
            assert!(!error.reason.is_empty(), "case {name}");
        }
    }

    #[test]
    fn check_accepts_rule_documents() {
        let cases = [
            ("file set", RULE),
            ("declaration", "<?xml version=\"1.0\"?>\n<RegistryKeySet/>"),
            ("comment and entity", "<a><!-- note --><b>x &amp; y</b></a>"),
            (
                "predefined entities",
                "<a b='&quot;&apos;'>&lt;&gt;&amp;</a>",
            ),
            ("character references", "<a x='&#65;'>&#169;&#xA9;</a>"),
            (
                "declared entity",
                "<!DOCTYPE a [<!ENTITY nope \"x\">]>\n<a b='&nope;'>&nope;</a>",
            ),
        ];
        for (name, text) in cases {
            assert_eq!(check_well_formed(text), Ok(()), "case {name}");
        }
    }
}
