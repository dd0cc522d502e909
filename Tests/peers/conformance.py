"""Runs feedparser's own conformance corpus against `gazette parse`.

Usage: conformance.py GAZETTE CORPUS_DIR [--failures N]

Each corpus file carries a Python `Expect:` expression over feedparser's result dict. This
harness runs every file through `gazette parse --json-lines`, maps Gazette's output onto
feedparser's data model (the fields Gazette keeps: titles, links, ids, dates, authors,
categories, content and summaries), and evaluates each expectation that concerns those
fields. Files whose expectations are about fields Gazette does not keep (subtitles, lang,
itunes:*, geo, enclosures, ...) and HTTP-header cases are counted as not applicable.

Prints JSON: per folder {files, applicable, passed, failures: [{file, expect, got}]}.
"""
import calendar
import datetime
import json
import os
import re
import subprocess
import sys
import time

# The fields Gazette keeps, as feedparser names them, and the detail fields it does not keep.
ENTRY_KEPT = r"entries\[\d\]\['(title|link|id|guid|published_parsed|updated_parsed|created_parsed|date_parsed|" \
    r"issued_parsed|modified_parsed|author|summary|description|category)'\]|entries\[\d\]\['tags'\]\[\d\]\['term'\]|" \
    r"\['content'\]\[\d\]\['value'\]|feed\['(title|link)'\]|\b(feed|entries\[\d\])\.(title|link)\b"
KEPT = re.compile(ENTRY_KEPT)
NOT_KEPT = re.compile(r"_detail|\['(scheme|label|base|type|language|href|rel|email|name)'\]|author_detail|"
                      r"\['(links|enclosures|contributors|publisher|source|license|comments)'\]")
HEADER = re.compile(rb"Description:\s*(.*?)\s*Expect:\s*(.*?)\s*-->", re.S)
ALIASES = {"description": "summary", "guid": "id", "date": "updated", "date_parsed": "updated_parsed",
           "modified": "updated", "modified_parsed": "updated_parsed", "issued": "published",
           "issued_parsed": "published_parsed", "channel": "feed", "items": "entries", "url": "link"}


class FPDict(dict):
    """A dict with feedparser's key aliases and attribute access."""

    def __getitem__(self, key):
        if dict.__contains__(self, key):
            return dict.__getitem__(self, key)
        if key in ALIASES and dict.__contains__(self, ALIASES[key]):
            return dict.__getitem__(self, ALIASES[key])
        raise KeyError(key)

    def __contains__(self, key):
        return dict.__contains__(self, key) or (key in ALIASES and dict.__contains__(self, ALIASES[key]))

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __getattr__(self, key):
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key)


def decoded_header(raw):
    for bom, codec in ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
                       (b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le"),
                       (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
                       (b"\x00<", "utf-16-be"), (b"<\x00", "utf-16-le")):
        if raw.startswith(bom):
            return raw.decode(codec, "replace").encode("utf-8")
    return raw


def expectation(path):
    with open(path, "rb") as f:
        raw = f.read()
    if path.endswith(".json"):
        raw = json.loads(raw).get("__TEST__", "").encode("utf-8")
    match = HEADER.search(decoded_header(raw))
    if not match:
        return None, None
    return match.group(1).decode("utf-8", "replace"), match.group(2).decode("utf-8", "replace").strip()


def struct(iso):
    if not iso:
        return None
    moment = datetime.datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return time.gmtime(calendar.timegm(moment.utctimetuple()))


def as_feedparser(document):
    if "error" in document:
        return FPDict(bozo=True, bozo_exception=document["error"], feed=FPDict(), entries=[], version="")
    versions = {"RSS 2.0": "rss20", "RSS 1.0": "rss10", "Atom 1.0": "atom10", "Atom 0.3": "atom03",
                "JSON Feed": "json1"}
    entries = []
    for e in document["entries"]:
        entry = FPDict(title=e["title"], id=e["id"])
        if e["id"].startswith("hash:"):
            del entry["id"]  # Gazette's stand-in identity, not the feed's
        if e.get("link"):
            entry["link"] = e["link"]
        if e.get("author"):
            entry["author"] = e["author"]
        if e.get("published"):
            entry["published_parsed"] = struct(e["published"])
        if e.get("updated"):
            entry["updated_parsed"] = struct(e["updated"])
        elif e.get("published"):
            entry["updated_parsed"] = struct(e["published"])
        if e.get("categories"):
            entry["tags"] = [FPDict(term=c, scheme=None, label=None) for c in e["categories"]]
            entry["category"] = e["categories"][0]
        if e.get("content") is not None:
            # Gazette keeps one sanitized HTML body per entry: the content, else the summary.
            entry["summary"] = e["content"]
            entry["content"] = [FPDict(value=e["content"], type="text/html")]
        entries.append(entry)
    feed = FPDict()
    if document.get("title") is not None:
        feed["title"] = document["title"]
    if document.get("link"):
        feed["link"] = document["link"]
    return FPDict(bozo=False, feed=feed, entries=entries, version=versions.get(document["format"], ""),
                  encoding="utf-8", namespaces={}, headers={})


TAG = re.compile(r"<\s*([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
ATTRIBUTE = re.compile(r"([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=")


def markup(html):
    """The element names and attribute names in an HTML string."""
    tags, attributes = set(), set()
    for name, rest in TAG.findall(html or ""):
        tags.add(name.lower())
        attributes.update(a.lower() for a in ATTRIBUTE.findall(rest))
    return tags, attributes


UNSAFE_TAGS = {"script", "style", "iframe", "object", "embed", "applet", "form", "input", "svg", "math", "frame",
               "frameset", "link", "meta", "base", "noscript", "template"}


def safe(document):
    """No dangerous element, no event handler or style attribute, no URL scheme but http(s)/mailto."""
    if "error" in document:
        return True
    for entry in document.get("entries") or []:
        html = entry.get("content") or ""
        tags, attributes = markup(html)
        if tags & UNSAFE_TAGS or any(a.startswith("on") or a == "style" for a in attributes):
            return False
        for url in re.findall(r'(?:href|src|cite)="([^"]*)"', html):
            if not re.match(r"(?i)(https?:|mailto:)", url):
                return False
    return True


def at_least_as_strict(expect, document):
    """Every element and attribute in Gazette's output is one that feedparser's expected output
    keeps too (Gazette adds rel to links on purpose)."""
    if "error" in document or not document.get("entries"):
        return "error" not in document
    try:
        expected = eval(expect.rsplit("==", 1)[1], {"__builtins__": {}}, {})
    except Exception:
        return False
    if not isinstance(expected, str):
        return False
    our_tags, our_attributes = markup(document["entries"][0].get("content") or "")
    their_tags, their_attributes = markup(expected)
    return our_tags <= their_tags and (our_attributes - {"rel"}) <= their_attributes


def main():
    gazette, corpus = sys.argv[1], sys.argv[2]
    keep_failures = int(sys.argv[sys.argv.index("--failures") + 1]) if "--failures" in sys.argv else 5
    files = []
    for root, _, names in os.walk(corpus):
        for name in sorted(names):
            if name.endswith((".xml", ".json")) and name != "README.md":
                files.append(os.path.join(root, name))
    files.sort()
    results = {}
    for start in range(0, len(files), 400):
        chunk = files[start:start + 400]
        output = subprocess.run([gazette, "parse", "--json-lines", "--all-items", *chunk], capture_output=True, text=True,
                                timeout=600).stdout
        for line in output.splitlines():
            document = json.loads(line)
            results[document["location"]] = document
    report = {}
    for path in files:
        folder = os.path.relpath(path, corpus).split(os.sep)
        folder = "/".join(folder[:2]) if folder[0] == "wellformed" else folder[0]
        stats = report.setdefault(folder, {"files": 0, "applicable": 0, "passed": 0, "empty_item_skipped": 0,
                                           "failures": []})
        stats["files"] += 1
        description, expect = expectation(path)
        relevant = expect and KEPT.search(expect) and not NOT_KEPT.search(expect)
        if "/sanitize/" in path:
            relevant = expect and ("['description']" in expect or "['summary']" in expect or "['content']" in expect)
        if not relevant or "http" in os.path.relpath(path, corpus):
            continue
        stats["applicable"] += 1
        result = as_feedparser(results.get(path, {"error": "no output"}))
        try:
            ok = bool(eval(expect, {"datetime": datetime, "time": time}, result))
        except Exception as error:  # a field Gazette did not produce
            ok = False
            result = {"error": "%s: %s" % (type(error).__name__, error), **result}
        document = results.get(path, {"error": "no output"})
        if "/sanitize/" in path:
            stats["safe"] = stats.get("safe", 0) + int(safe(document))
            stats["at_least_as_strict"] = stats.get("at_least_as_strict", 0) + int(at_least_as_strict(expect, document))
        # Gazette skips items with no title, text, link or id: nothing to show or to identify.
        skipped_item = "error" not in document and not document.get("entries")
        if ok:
            stats["passed"] += 1
        elif skipped_item:
            stats["empty_item_skipped"] = stats.get("empty_item_skipped", 0) + 1
        elif len(stats["failures"]) < keep_failures:
            document = results.get(path, {})
            got = document.get("error") or (document.get("entries") or [{}])[0]
            stats["failures"].append({"file": os.path.relpath(path, corpus), "expect": expect,
                                      "got": json.dumps(got, ensure_ascii=False)[:300]})
    print(json.dumps(report, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
