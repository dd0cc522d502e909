"""Scores `gazette cluster` on ECB+: pairwise and B-cubed precision, recall, F1.

Usage: cluster_eval.py GAZETTE ECBPLUS_ALL_JSONL SPLIT [--json] [--threshold T] [--scale N]
Feeds the split's articles in stream_order, once with full text and once with the title and
the first sentence of text only, and prints a table (or JSON with --json).
"""
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time


def scores(gold, predicted):
    ids = list(gold)
    same_gold = same_pred = both = 0
    for a, b in itertools.combinations(ids, 2):
        g = gold[a] == gold[b]
        p = predicted[a] == predicted[b]
        same_gold += g
        same_pred += p
        both += g and p
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


def run(gazette, articles, extra):
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
        for a in articles:
            f.write(json.dumps({"id": a["id"], "title": a["title"], "text": a["text"]}) + "\n")
        path = f.name
    start = time.perf_counter()
    out = subprocess.run([gazette, "cluster", path, *extra], capture_output=True, text=True, check=True).stdout
    seconds = time.perf_counter() - start
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
        # Speed at scale: the whole corpus repeated under new ids, N articles in all.
        count = int(sys.argv[sys.argv.index("--scale") + 1])
        scaled = [dict(records[i % len(records)], id="%d-%s" % (i, records[i % len(records)]["id"])) for i in range(count)]
        _, seconds = run(gazette, scaled, extra)
        print("%d articles clustered in %.2f s (%.0f articles/s, including process start and JSON)"
              % (count, seconds, count / seconds))
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
