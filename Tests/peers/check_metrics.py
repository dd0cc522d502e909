"""Reads a Prometheus text exposition from a URL with prometheus_client's parser, the one
Prometheus's own Python client uses, and prints every sample it found.

Usage: check_metrics.py URL
Prints JSON: {"samples": [[name, {label: value}, number], ...], "types": {family: type}}.
A page the parser cannot read makes it exit non-zero with the parser's error.
"""
import json
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

with urllib.request.urlopen(sys.argv[1], timeout=10) as response:
    content_type = response.headers.get("Content-Type", "")
    text = response.read().decode("utf-8")

samples, types = [], {}
for family in text_string_to_metric_families(text):
    types[family.name] = family.type
    for sample in family.samples:
        samples.append([sample.name, sample.labels, sample.value])
print(json.dumps({"contentType": content_type, "samples": samples, "types": types}))
