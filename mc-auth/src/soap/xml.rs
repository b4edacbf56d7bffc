//! A small XML tree, read and written with quick-xml. Element names are kept without their
//! namespace prefix; `xsi:type` is kept (without prefix) as the element's type.

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::{Reader, Writer};

/// Deepest nesting accepted when reading.
const MAX_DEPTH: usize = 64;
/// Most elements accepted when reading one document.
const MAX_ELEMENTS: usize = 1_000_000;

/// An XML element.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Element {
    /// Local name (no prefix).
    pub name: String,
    /// `xsi:type` without prefix, when present.
    pub xsi_type: Option<String>,
    /// Child elements in order.
    pub children: Vec<Element>,
    /// Text content (concatenated, unescaped).
    pub text: String,
}

impl Element {
    pub fn new(name: &str) -> Self {
        Element {
            name: name.to_owned(),
            ..Default::default()
        }
    }

    /// The first child named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child named `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child named `name`.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

fn local(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name);
    match s.rsplit_once(':') {
        Some((_, l)) => l.to_owned(),
        None => s.into_owned(),
    }
}

/// Parses a document into its root element. The error says what is wrong.
pub(crate) fn parse(bytes: &[u8]) -> Result<Element, String> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    let mut buf = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("malformed XML at byte {} ({e})", reader.buffer_position()))?;
        let empty = matches!(event, Event::Empty(_));
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_none() => {
                count += 1;
                if count > MAX_ELEMENTS || stack.len() >= MAX_DEPTH {
                    return Err("the XML is too large or too deeply nested".into());
                }
                let mut el = Element::new(&local(start.name().as_ref()));
                for attr in start.attributes().flatten() {
                    if local(attr.key.as_ref()) == "type" {
                        let v = attr.unescape_value().map_err(|e| format!("bad attribute ({e})"))?;
                        el.xsi_type = Some(local(v.as_bytes()));
                    }
                }
                if empty {
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => root = Some(el),
                    }
                } else {
                    stack.push(el);
                }
            }
            Event::End(_) => {
                let el = stack.pop().ok_or("an end tag without a start tag")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some(el),
                }
            }
            Event::Text(t) => {
                if let Some(el) = stack.last_mut() {
                    let text = t.unescape().map_err(|e| format!("bad text ({e})"))?;
                    el.text.push_str(&text);
                }
            }
            Event::CData(c) => {
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&String::from_utf8_lossy(&c.into_inner()));
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return Err("the XML is truncated (unclosed elements)".into());
    }
    root.ok_or_else(|| "the body is not an XML document".into())
}

/// Writes XML; every text and attribute value is escaped by quick-xml.
pub(crate) struct XmlWriter {
    w: Writer<Vec<u8>>,
}

impl XmlWriter {
    pub fn new() -> Self {
        let mut w = Writer::new(Vec::with_capacity(1024));
        let _ = w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
        XmlWriter { w }
    }

    /// `<name attr="value" ...>`
    pub fn open(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let mut start = BytesStart::new(name);
        for (k, v) in attrs {
            start.push_attribute((*k, *v));
        }
        let _ = self.w.write_event(Event::Start(start));
    }

    /// `</name>`
    pub fn close(&mut self, name: &str) {
        let _ = self.w.write_event(Event::End(BytesEnd::new(name)));
    }

    /// `<name>text</name>`
    pub fn text_element(&mut self, name: &str, text: &str) {
        self.open(name, &[]);
        let _ = self.w.write_event(Event::Text(BytesText::new(text)));
        self.close(name);
    }

    /// Escaped text inside the open element.
    pub fn text(&mut self, text: &str) {
        let _ = self.w.write_event(Event::Text(BytesText::new(text)));
    }

    /// `<name/>`
    pub fn empty(&mut self, name: &str) {
        let _ = self.w.write_event(Event::Empty(BytesStart::new(name)));
    }

    pub fn finish(self) -> Vec<u8> {
        self.w.into_inner()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_escapes_everything() {
        let nasty = "<a> & ]]> \"quoted\" 'single' </a>";
        let mut w = XmlWriter::new();
        w.open("s:Root", &[("xmlns:s", "urn:x"), ("attr", nasty)]);
        w.text_element("Value", nasty);
        w.close("s:Root");
        let bytes = w.finish();
        let root = parse(&bytes).unwrap();
        assert_eq!(root.name, "Root");
        assert_eq!(root.child_text("Value"), Some(nasty));
    }

    #[test]
    fn malformed_and_truncated_documents_are_errors() {
        assert!(parse(b"<a><b></a>").is_err());
        assert!(parse(b"<a><b>").is_err());
        assert!(parse(b"").is_err());
        assert!(parse(b"not xml at all").is_err());
    }

    #[test]
    fn deep_nesting_is_refused() {
        let doc = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
        assert!(parse(doc.as_bytes()).is_err());
    }
}
