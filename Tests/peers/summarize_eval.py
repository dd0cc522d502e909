"""Gazette's summarizer against Lead-3 and sumy's LexRank/TextRank, scored by rouge-score.

Usage: summarize_eval.py GAZETTE DATA_DIR [--sentences N] [--limit N] [--json]

sumy needs NLTK's Punkt tables, which cannot be downloaded here; as the data README suggests,
sumy gets a tokenizer of our own: NLTK's Punkt sentence splitter with its default (untrained)
parameters and the Treebank word tokenizer, neither of which needs data files. Lead-3 uses
the same sentence splitter.
"""
import json
import subprocess
import sys
import time

from nltk.tokenize import TreebankWordTokenizer
from nltk.tokenize.punkt import PunktSentenceTokenizer
from rouge_score import rouge_scorer
from sumy.nlp.stemmers import Stemmer
from sumy.parsers.plaintext import PlaintextParser
from sumy.summarizers.lex_rank import LexRankSummarizer
from sumy.summarizers.text_rank import TextRankSummarizer
from sumy.utils import get_stop_words


class OfflineTokenizer:
    language = "english"

    def __init__(self):
        self.sentences = PunktSentenceTokenizer()
        self.words = TreebankWordTokenizer()

    def to_sentences(self, text):
        return [s for s in self.sentences.tokenize(text) if s.strip()]

    def to_words(self, sentence):
        return [w for w in self.words.tokenize(sentence) if any(c.isalnum() for c in w)]


def gazette(binary, articles, k):
    payload = "".join(json.dumps({"id": i, "text": a["article"]}) + "\n" for i, a in enumerate(articles))
    start = time.perf_counter()
    done = subprocess.run([binary, "summarize", "--json-lines", "--timing", "--sentences", str(k)], input=payload,
                          capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    summaries = [" ".join(json.loads(line)["summary"]) for line in done.stdout.splitlines()]
    # sumy is timed in-process (parsing and summarizing, not Python's start), so Gazette is too:
    # decoding, summarizing and encoding, as it reports them; the wall time, process start
    # included, is printed beside it.
    inside = float(done.stderr.split("summarized in ")[1].split(" s")[0])
    return summaries, inside, wall


def sumy_system(summarizer_class, articles, k):
    tokenizer = OfflineTokenizer()
    stemmer = Stemmer("english")
    summarizer = summarizer_class(stemmer)
    summarizer.stop_words = get_stop_words("english")
    summaries = []
    start = time.perf_counter()
    for a in articles:
        parser = PlaintextParser.from_string(a["article"], tokenizer)
        summaries.append(" ".join(str(s) for s in summarizer(parser.document, k)))
    seconds = time.perf_counter() - start
    return summaries, seconds, seconds


def lead(articles, k):
    tokenizer = OfflineTokenizer()
    start = time.perf_counter()
    summaries = [" ".join(tokenizer.to_sentences(a["article"])[:k]) for a in articles]
    seconds = time.perf_counter() - start
    return summaries, seconds, seconds


def score(articles, summaries):
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    totals = {"rouge1": 0.0, "rouge2": 0.0, "rougeL": 0.0}
    for a, s in zip(articles, summaries):
        for key, value in scorer.score(a["reference"], s).items():
            totals[key] += value.fmeasure
    return {key: 100 * value / len(articles) for key, value in totals.items()}


def main():
    binary, data = sys.argv[1], sys.argv[2]
    k = int(sys.argv[sys.argv.index("--sentences") + 1]) if "--sentences" in sys.argv else 3
    limit = int(sys.argv[sys.argv.index("--limit") + 1]) if "--limit" in sys.argv else None
    report = {}
    for name in ("cnndm-frank-250.jsonl", "bbc-news-summary-600.jsonl"):
        articles = [json.loads(line) for line in open("%s/%s" % (data, name), encoding="utf-8")][:limit]
        rows = {}
        for system, run in (("Gazette", lambda: gazette(binary, articles, k)), ("Lead-3", lambda: lead(articles, k)),
                            ("LexRank", lambda: sumy_system(LexRankSummarizer, articles, k)),
                            ("TextRank", lambda: sumy_system(TextRankSummarizer, articles, k))):
            summaries, seconds, wall = run()
            rows[system] = dict(score(articles, summaries), articles_per_second=len(articles) / seconds,
                                wall_articles_per_second=len(articles) / wall)
        report[name] = rows
    if "--json" in sys.argv:
        print(json.dumps(report))
        return
    for name, rows in report.items():
        print("%s (%d sentences)" % (name, k))
        print("  %-10s %8s %8s %8s %12s" % ("system", "ROUGE-1", "ROUGE-2", "ROUGE-L", "articles/s"))
        for system, r in rows.items():
            print("  %-10s %8.2f %8.2f %8.2f %12.0f" % (system, r["rouge1"], r["rouge2"], r["rougeL"], r["articles_per_second"]))
        g, s = rows["Gazette"]["articles_per_second"], rows["LexRank"]["articles_per_second"]
        print("  Gazette is %.0fx faster than LexRank, %.0fx than TextRank, all timed in-process;"
              " with its process start, Gazette does %.0f articles/s (%.0fx LexRank)"
              % (g / s, g / rows["TextRank"]["articles_per_second"], rows["Gazette"]["wall_articles_per_second"],
                 rows["Gazette"]["wall_articles_per_second"] / s))


if __name__ == "__main__":
    main()
