"""Reads feeds the way a person's feed reader does: a headless `newsboat -x reload` per URL.

Usage: newsboat_reload.py [--polls N] URL...
Each URL gets a cache of its own (newsboat keys items by guid across all feeds, so feeds that
share stories would otherwise take each other's items). Prints JSON:
{url: {"items": n, "titles": [...], "errors": "what newsboat logged as errors"}}.
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

import peer_lifetime  # noqa: F401

arguments = sys.argv[1:]
polls = 1
if arguments[:1] == ["--polls"]:
    polls, arguments = int(arguments[1]), arguments[2:]

result = {}
for url in arguments:
    with tempfile.TemporaryDirectory() as home:
        paths = {name: os.path.join(home, name) for name in ("urls", "config", "cache.db", "log")}
        with open(paths["urls"], "w") as f:
            f.write(url + "\n")
        open(paths["config"], "w").close()
        # newsboat keeps a feed's validators from its second poll on; later polls send them.
        for _ in range(polls):
            subprocess.run(
                ["newsboat", "-x", "reload", "-u", paths["urls"], "-C", paths["config"], "-c", paths["cache.db"],
                 "-l", "3", "-d", paths["log"]],
                env={**os.environ, "HOME": home}, capture_output=True, timeout=120, check=True,
            )
        titles = [row[0] for row in sqlite3.connect(paths["cache.db"]).execute(
            "SELECT title FROM rss_item WHERE feedurl = ? ORDER BY id", (url,))]
        errors = ""
        if os.path.exists(paths["log"]):
            errors = "".join(line for line in open(paths["log"], errors="replace") if "ERROR" in line)
        result[url] = {"items": len(titles), "titles": titles, "errors": errors[-2000:]}
print(json.dumps(result))
