"""Reads HTML the way a browser's parser does (Python's html.parser) and reports anything that
could run or track: script-like elements, event-handler attributes, URLs with a scheme other
than http, https or mailto, and images without alt text.

Usage: check_html.py FILE...    (a file may also be an Atom or RSS feed: each entry's HTML
                                 content is then checked, as a feed reader would show it)
Prints JSON: {file: {"elements": n, "problems": [...]}}.
"""
import html.parser
import json
import sys
import xml.etree.ElementTree as ElementTree

DANGEROUS = {"script", "style", "iframe", "object", "embed", "applet", "form", "input", "base", "meta", "link", "svg"}
ALLOWED_IN_DOCUMENT = {"style", "meta"}  # the digest's own <head>: a dark-mode stylesheet and meta tags
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "poster", "cite", "xlink:href"}


class Checker(html.parser.HTMLParser):
    def __init__(self, whole_document):
        super().__init__(convert_charrefs=True)
        self.whole_document = whole_document
        self.elements = 0
        self.problems = []

    def handle_starttag(self, tag, attrs):
        self.elements += 1
        if tag in DANGEROUS and not (self.whole_document and tag in ALLOWED_IN_DOCUMENT):
            self.problems.append("element <%s>" % tag)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append("event handler %s on <%s>" % (name, tag))
            if name in URL_ATTRIBUTES and value is not None:
                scheme = value.strip().split(":", 1)[0].lower() if ":" in value else ""
                if scheme and scheme not in ("http", "https", "mailto"):
                    self.problems.append("%s=%r on <%s>" % (name, value, tag))
        if tag == "img" and not dict(attrs).get("alt"):
            self.problems.append("image without alt text")


def fragments(path):
    """The HTML to check: the file itself, or each feed entry's HTML content."""
    raw = open(path, encoding="utf-8").read()
    if path.endswith((".atom", ".rss")):
        root = ElementTree.fromstring(raw.encode("utf-8"))
        names = ("{http://www.w3.org/2005/Atom}content", "{http://purl.org/rss/1.0/modules/content/}encoded")
        return [(node.text or "", False) for name in names for node in root.iter(name)]
    return [(raw, True)]


result = {}
for path in sys.argv[1:]:
    elements, problems = 0, []
    for text, whole in fragments(path):
        checker = Checker(whole)
        checker.feed(text)
        checker.close()
        elements += checker.elements
        problems += checker.problems
    result[path] = {"elements": elements, "problems": problems}
print(json.dumps(result))
