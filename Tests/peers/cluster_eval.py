"""Scores `gazette cluster` on ECB+: pairwise and B-cubed precision, recall, F1.

Usage: cluster_eval.py GAZETTE ECBPLUS_ALL_JSONL SPLIT [--json] [--threshold T] [--scale N]
Feeds the split's articles in stream_order, once with full text and once with the title and
the first sentence of text only, and prints a table (or JSON with --json).
"""
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time


def scores(gold, predicted):
    # Pair counts from the contingency table: n articles together give n(n-1)/2 pairs.
    ids = list(gold)
    pairs = lambda counts: sum(n * (n - 1) // 2 for n in counts.values())
    same_gold = pairs(collections.Counter(gold[i] for i in ids))
    same_pred = pairs(collections.Counter(predicted[i] for i in ids))
    both = pairs(collections.Counter((gold[i], predicted[i]) for i in ids))
    pp = both / same_pred if same_pred else 1.0
    pr = both / same_gold if same_gold else 1.0
    members_gold, members_pred = {}, {}
    for i in ids:
        members_gold.setdefault(gold[i], set()).add(i)
        members_pred.setdefault(predicted[i], set()).add(i)
    bp = sum(len(members_gold[gold[i]] & members_pred[predicted[i]]) / len(members_pred[predicted[i]]) for i in ids) / len(ids)
    br = sum(len(members_gold[gold[i]] & members_pred[predicted[i]]) / len(members_gold[gold[i]]) for i in ids) / len(ids)
    f = lambda p, r: 2 * p * r / (p + r) if p + r else 0.0
    return {"pairwise": (pp, pr, f(pp, pr)), "bcubed": (bp, br, f(bp, br)), "clusters": len(members_pred)}


def rename(text, copy):
    if copy == 0:
        return text
    letters = "".join(chr(ord("a") + int(d)) for d in str(copy))
    return re.sub(r"\b([A-Z][A-Za-z]*|[0-9]+)\b",
                  lambda m: m.group(1) + ("%02d" % copy if m.group(1)[0].isdigit() else "q" + letters), text)


def run(gazette, articles, extra):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for a in articles:
            f.write(json.dumps({"id": a["id"], "title": a["title"], "text": a["text"]}) + "\n")
        path = f.name
    start = time.perf_counter()
    done = subprocess.run([gazette, "cluster", path, "--timing", *extra], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    out = done.stdout
    print("  gazette: " + done.stderr.strip(), file=sys.stderr)
    os.unlink(path)
    return dict(line.split("\t") for line in out.splitlines()), seconds


def main():
    gazette, path, split = sys.argv[1], sys.argv[2], sys.argv[3]
    extra = []
    for option in ("--threshold", "--text-words", "--salient-boost"):
        if option in sys.argv:
            extra += [option, sys.argv[sys.argv.index(option) + 1]]
    records = [json.loads(line) for line in open(path, encoding="utf-8")]
    if "--scale" in sys.argv:
        # Speed at scale: N articles made from the corpus by renaming. Copy c of an article has
        # every capitalised word and number tagged with c ("Smith" -> "Smithqc", "2013" -> "201302"),
        # so each copy is a new set of events about other people, places and figures, sharing
        # only everyday words with the others: like more news, not the same news again.
        count = int(sys.argv[sys.argv.index("--scale") + 1])
        records.sort(key=lambda r: r["stream_order"])
        scaled, gold = [], {}
        for i in range(count):
            r, c = records[i % len(records)], i // len(records)
            tagged = dict(r, id="%d-%s" % (c, r["id"]), title=rename(r["title"], c), text=rename(r["text"], c))
            scaled.append(tagged)
            gold[tagged["id"]] = "%d-%s" % (c, r["cluster"])
        predicted, seconds = run(gazette, scaled, extra)
        s = scores(gold, predicted)
        print("%d articles (%d events) clustered in %.2f s (%.0f articles/s, including process start and JSON);"
              " pairwise P / R / F1 %.3f / %.3f / %.3f, B-cubed F1 %.3f"
              % ((count, len(set(gold.values())), seconds, count / seconds) + s["pairwise"] + (s["bcubed"][2],)))
        return
    records = [r for r in records if split == "all" or r["split"] == split]
    records.sort(key=lambda r: r["stream_order"])
    gold = {r["id"]: r["cluster"] for r in records}
    lead_only = [dict(r, text=r["text"].split(". ")[0]) for r in records]
    result = {"split": split, "articles": len(records), "events": len(set(gold.values()))}
    for name, articles in (("full text", records), ("title + lead", lead_only)):
        predicted, seconds = run(gazette, articles, extra)
        s = scores(gold, predicted)
        s["articles_per_second"] = len(articles) / seconds
        result[name] = s
    if "--json" in sys.argv:
        print(json.dumps(result))
        return
    print("ECB+ %s split: %d articles, %d events (stream order)" % (split, result["articles"], result["events"]))
    print("%-14s %-24s %-24s %8s %10s" % ("input", "pairwise P / R / F1", "B-cubed P / R / F1", "stories", "articles/s"))
    for name in ("full text", "title + lead"):
        s = result[name]
        print("%-14s %-24s %-24s %8d %10.0f" % (
            name, "%.3f / %.3f / %.3f" % s["pairwise"], "%.3f / %.3f / %.3f" % s["bcubed"], s["clusters"],
            s["articles_per_second"]))


if __name__ == "__main__":
    main()
