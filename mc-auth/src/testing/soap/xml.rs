//! The fake's own XML: a tree reader and a writer over quick-xml, kept apart from the
//! client's SOAP code so that a mistake in one side's XML handling shows up as a
//! disagreement between client and fake instead of hiding on both sides at once.
//!
//! Reading keeps what a SOAP server looks at: every element's local name (prefixes and
//! namespaces dropped), its `xsi:type` (the value's prefix dropped too), its unescaped text
//! (CDATA included) and its child elements. Hostile input is bounded: a document longer than
//! [`MAX_BYTES`], with more than [`MAX_ELEMENTS`] elements or nested deeper than
//! [`MAX_DEPTH`] is refused with an error. Writing goes through quick-xml's writer, which
//! escapes every text and attribute value.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;
use quick_xml::Writer;

/// The XML Schema instance namespace, where `type` (as in `xsi:type`) lives.
pub(crate) const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The longest document the reader accepts, in bytes (the fake's HTTP body limit).
pub(crate) const MAX_BYTES: usize = 16 * 1024 * 1024;
/// The most elements the reader accepts in one document.
pub(crate) const MAX_ELEMENTS: usize = 1_000_000;
/// The deepest element nesting the reader accepts (the root element is at depth 1).
pub(crate) const MAX_DEPTH: usize = 64;

/// An element read from a document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Element {
    /// The local name, without prefix.
    pub name: String,
    /// The `xsi:type` attribute's value without its prefix (`tns:Subscriber` → `Subscriber`).
    pub xsi_type: Option<String>,
    /// The element's text, unescaped; the pieces between child elements are joined.
    pub text: String,
    /// The child elements, in document order.
    pub children: Vec<Element>,
}

impl Element {
    /// The first child with local name `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with local name `name`, in order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child with local name `name`.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

/// `a:b` → `b`; `b` → `b`.
fn strip_prefix(qualified: &str) -> &str {
    qualified.rsplit_once(':').map_or(qualified, |(_, local)| local)
}

fn utf8(bytes: &[u8], what: &str) -> Result<String, String> {
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| format!("{what} is not UTF-8"))
}

/// True when an attribute, as resolved, is `type` in the XML Schema instance namespace. An
/// undeclared `xsi` prefix counts too: clients rarely forget the declaration, and MC does not
/// check it.
fn is_xsi_type(resolved: &ResolveResult<'_>, local: &[u8]) -> bool {
    local == b"type"
        && match resolved {
            ResolveResult::Bound(ns) => ns.as_ref() == XSI_NS.as_bytes(),
            ResolveResult::Unknown(prefix) => prefix.as_slice() == b"xsi",
            ResolveResult::Unbound => false,
        }
}

/// Reads a start tag into a new, childless element.
fn start_element(reader: &NsReader<&[u8]>, start: &BytesStart<'_>) -> Result<Element, String> {
    let mut element = Element {
        name: utf8(start.local_name().as_ref(), "an element name")?,
        ..Element::default()
    };
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| format!("a malformed attribute on <{}> ({e})", element.name))?;
        let (resolved, local) = reader.resolve_attribute(attribute.key);
        if is_xsi_type(&resolved, local.as_ref()) {
            let value = attribute
                .unescape_value()
                .map_err(|e| format!("a malformed xsi:type on <{}> ({e})", element.name))?;
            element.xsi_type = Some(strip_prefix(value.trim()).to_owned());
        }
    }
    Ok(element)
}

/// Puts a finished element under its parent, or makes it the root.
fn attach(open: &mut [Element], root: &mut Option<Element>, element: Element) -> Result<(), String> {
    match open.last_mut() {
        Some(parent) => parent.children.push(element),
        None if root.is_none() => *root = Some(element),
        None => return Err("the document has more than one root element".to_owned()),
    }
    Ok(())
}

/// Reads a whole document into its root element; the error says what is wrong with it.
pub(crate) fn parse(bytes: &[u8]) -> Result<Element, String> {
    if bytes.len() > MAX_BYTES {
        return Err(format!("the document is longer than {MAX_BYTES} bytes"));
    }
    let mut reader = NsReader::from_reader(bytes);
    let config = reader.config_mut();
    config.trim_text(false);
    config.check_end_names = true;
    let mut open: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut elements = 0usize;
    loop {
        let position = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|e| format!("malformed XML near byte {position} ({e})"))?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                elements += 1;
                if elements > MAX_ELEMENTS {
                    return Err(format!("the document has more than {MAX_ELEMENTS} elements"));
                }
                if open.len() >= MAX_DEPTH {
                    return Err(format!("the document is nested deeper than {MAX_DEPTH} elements"));
                }
                let element = start_element(&reader, start)?;
                if matches!(event, Event::Empty(_)) {
                    attach(&mut open, &mut root, element)?;
                } else {
                    open.push(element);
                }
            }
            Event::End(_) => {
                let element = open
                    .pop()
                    .ok_or_else(|| format!("an end tag without a start tag near byte {position}"))?;
                attach(&mut open, &mut root, element)?;
            }
            Event::Text(text) => {
                let text = text
                    .unescape()
                    .map_err(|e| format!("malformed text near byte {position} ({e})"))?;
                match open.last_mut() {
                    Some(element) => element.text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err("text outside the root element".to_owned()),
                }
            }
            Event::CData(data) => {
                let text = utf8(&data.into_inner(), "a CDATA section")?;
                match open.last_mut() {
                    Some(element) => element.text.push_str(&text),
                    None => return Err("a CDATA section outside the root element".to_owned()),
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if let Some(unclosed) = open.last() {
        return Err(format!("the document ends inside <{}>", unclosed.name));
    }
    root.ok_or_else(|| "the document has no root element".to_owned())
}

/// Writes a document. Elements are closed in the reverse order they were opened, so a
/// document is well formed whatever the caller does; every value goes through quick-xml's
/// escaping.
pub(crate) struct XmlOut {
    writer: Writer<Vec<u8>>,
    open: Vec<String>,
}

impl XmlOut {
    /// A document that starts with `<?xml version="1.0" encoding="UTF-8"?>`.
    pub fn new() -> Self {
        let mut out = XmlOut {
            writer: Writer::new(Vec::with_capacity(2048)),
            open: Vec::new(),
        };
        out.write(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        out
    }

    fn write(&mut self, event: Event<'_>) {
        // Writing into a `Vec` cannot fail.
        let written = self.writer.write_event(event);
        debug_assert!(written.is_ok(), "writing XML into memory failed: {written:?}");
    }

    /// Opens `<name attr="value" ...>`; the values are escaped.
    pub fn start(&mut self, name: &str, attributes: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for &(key, value) in attributes {
            start.push_attribute((key, value));
        }
        self.write(Event::Start(start));
        self.open.push(name.to_owned());
    }

    /// Closes the element opened last (nothing when none is open).
    pub fn end(&mut self) {
        if let Some(name) = self.open.pop() {
            self.write(Event::End(BytesEnd::new(name)));
        }
    }

    /// Escaped text inside the element open now.
    pub fn text(&mut self, text: &str) {
        self.write(Event::Text(BytesText::new(text)));
    }

    /// `<name>text</name>`, the text escaped.
    pub fn leaf(&mut self, name: &str, text: &str) {
        self.start(name, &[]);
        self.text(text);
        self.end();
    }

    /// Closes whatever is still open and returns the document.
    pub fn finish(mut self) -> Vec<u8> {
        while !self.open.is_empty() {
            self.end();
        }
        self.writer.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NASTY: &str = "a & b < c > d ]]> e \"double\" 'single' café ß 日本 🦀";

    fn written(build: impl FnOnce(&mut XmlOut)) -> Vec<u8> {
        let mut out = XmlOut::new();
        build(&mut out);
        out.finish()
    }

    #[test]
    fn text_and_attributes_round_trip_escaped() {
        let doc = written(|w| {
            w.start("Root", &[("note", NASTY), ("xmlns:xsi", XSI_NS), ("xsi:type", NASTY)]);
            w.leaf("Value", NASTY);
            w.end();
        });
        let text = String::from_utf8(doc.clone()).unwrap();
        assert!(!text.contains("a & b"), "raw ampersand in {text}");
        assert!(!text.contains("< c"), "raw less-than in {text}");
        assert!(!text.contains("\"double\""), "raw quote in an attribute in {text}");
        let root = parse(&doc).unwrap();
        assert_eq!(root.name, "Root");
        assert_eq!(root.child_text("Value"), Some(NASTY));
        // The value's prefix is stripped up to the last colon; NASTY has none.
        assert_eq!(root.xsi_type.as_deref(), Some(NASTY));
    }

    #[test]
    fn the_writer_starts_with_a_declaration_and_closes_what_is_open() {
        let doc = written(|w| {
            w.start("a", &[]);
            w.start("b", &[]);
            w.text("x");
        });
        assert_eq!(
            String::from_utf8(doc).unwrap(),
            r#"<?xml version="1.0" encoding="UTF-8"?><a><b>x</b></a>"#
        );
    }

    #[test]
    fn end_with_nothing_open_writes_nothing() {
        let doc = written(|w| {
            w.leaf("a", "1");
            w.end();
        });
        assert_eq!(
            String::from_utf8(doc).unwrap(),
            r#"<?xml version="1.0" encoding="UTF-8"?><a>1</a>"#
        );
    }

    #[test]
    fn entities_character_references_and_cdata_are_unescaped() {
        let root = parse(b"<a>x &amp; &lt;y&gt; &quot;&apos; &#233;&#x65E5; <![CDATA[<raw> & ]]></a>").unwrap();
        assert_eq!(root.text, "x & <y> \"' é日 <raw> & ");
    }

    #[test]
    fn prefixes_and_namespaces_are_stripped_from_names() {
        let doc = br#"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><Msg xmlns="urn:partner"><p:Item xmlns:p="urn:other">1</p:Item></Msg></s:Body></s:Envelope>"#;
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "Envelope");
        let msg = &root.child("Body").unwrap().children[0];
        assert_eq!(msg.name, "Msg");
        assert_eq!(msg.child_text("Item"), Some("1"));
    }

    #[test]
    fn xsi_type_is_read_by_namespace_and_its_value_prefix_is_dropped() {
        let doc = br#"<r xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns:x="urn:not-xsi">
            <a i:type="tns:Subscriber"/>
            <b xsi:type="List"/>
            <c x:type="Wrong"/>
            <d type="Plain"/>
        </r>"#;
        let root = parse(doc).unwrap();
        let types: Vec<Option<&str>> = root.children.iter().map(|c| c.xsi_type.as_deref()).collect();
        assert_eq!(types, [Some("Subscriber"), Some("List"), None, None]);
    }

    #[test]
    fn self_closing_elements_are_children_without_text() {
        let root = parse(br#"<a><b/><c x="1" /><d>t</d></a>"#).unwrap();
        let names: Vec<&str> = root.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["b", "c", "d"]);
        assert_eq!(root.child_text("b"), Some(""));
        assert!(root.child("b").unwrap().children.is_empty());
        assert_eq!(root.child_text("d"), Some("t"));
        assert_eq!(parse(b"<only/>").unwrap().name, "only");
    }

    #[test]
    fn text_around_children_is_joined() {
        let root = parse(b"<a> one <b>two</b> three </a>").unwrap();
        assert_eq!(root.text, " one  three ");
        assert_eq!(root.child_text("b"), Some("two"));
    }

    #[test]
    fn children_named_keeps_document_order() {
        let root = parse(b"<a><p>1</p><q>x</q><p>2</p></a>").unwrap();
        let ps: Vec<&str> = root.children_named("p").map(|p| p.text.as_str()).collect();
        assert_eq!(ps, ["1", "2"]);
        assert!(root.child("missing").is_none());
    }

    #[test]
    fn malformed_documents_are_errors() {
        for doc in [
            &b""[..],
            b"   ",
            b"not xml at all",
            b"<a><b></a>",
            b"<a><b>",
            b"<a>",
            b"</a>",
            b"<a></a><b></b>",
            b"<a x=\"1></a>",
            b"<a>&unknown;</a>",
            b"<a>&amp</a>",
            b"<a>\xff\xfe</a>",
            b"<\xff/>",
            b"<a><![CDATA[open",
            b"<a/>trailing",
        ] {
            assert!(parse(doc).is_err(), "{:?} parsed", String::from_utf8_lossy(doc));
        }
    }

    #[test]
    fn nesting_up_to_the_limit_is_read_and_deeper_is_an_error() {
        let nested = |depth: usize| format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
        assert!(parse(nested(MAX_DEPTH).as_bytes()).is_ok());
        let err = parse(nested(MAX_DEPTH + 1).as_bytes()).unwrap_err();
        assert!(err.contains("deeper"), "{err}");
        // Far deeper than any stack could take if the reader recursed.
        assert!(parse(nested(200_000).as_bytes()).is_err());
    }

    #[test]
    fn documents_over_the_size_limits_are_errors() {
        let long = format!("<a>{}</a>", "x".repeat(MAX_BYTES));
        assert!(parse(long.as_bytes()).unwrap_err().contains("longer"));
        let many = format!("<a>{}</a>", "<b/>".repeat(MAX_ELEMENTS));
        assert!(parse(many.as_bytes()).unwrap_err().contains("elements"));
        let just_enough = format!("<a>{}</a>", "<b/>".repeat(MAX_ELEMENTS - 1));
        assert_eq!(parse(just_enough.as_bytes()).unwrap().children.len(), MAX_ELEMENTS - 1);
    }
}
