"""Parses feed files with feedparser, the reference consumer, and prints what it found.

Usage: check_feeds.py FILE-OR-URL...
Prints JSON: {file: {bozo, exception, version, status (HTTP only), entries, titles, ids, links}}.
"""
import json
import sys

import feedparser

result = {}
for path in sys.argv[1:]:
    feed = feedparser.parse(path)
    result[path] = {
        "bozo": int(feed.bozo),
        "exception": str(feed.get("bozo_exception", "")),
        "version": feed.version,
        "status": feed.get("status"),
        "title": feed.feed.get("title", ""),
        "entries": len(feed.entries),
        "titles": [e.get("title", "") for e in feed.entries],
        "ids": [e.get("id", "") for e in feed.entries],
        "links": [e.get("link", "") for e in feed.entries],
    }
print(json.dumps(result))
