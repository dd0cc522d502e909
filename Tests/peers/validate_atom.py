"""Validates Atom documents against RFC 4287's RELAX NG schema with xmllint.

Usage: validate_atom.py SCHEMA.rnc FILE...
The schema (Tests/peers/schemas/atom.rnc, written from the RFC's Appendix B in compact syntax)
is converted to XML syntax with trang, which xmllint needs. Prints JSON:
{file: {"valid": bool, "errors": "what xmllint said"}}.
"""
import json
import os
import subprocess
import sys
import tempfile

import peer_lifetime  # noqa: F401

schema, files = sys.argv[1], sys.argv[2:]
with tempfile.TemporaryDirectory() as folder:
    rng = os.path.join(folder, "atom.rng")
    subprocess.run(["trang", "-I", "rnc", "-O", "rng", schema, rng], check=True, capture_output=True)
    result = {}
    for path in files:
        run = subprocess.run(["xmllint", "--noout", "--relaxng", rng, path], capture_output=True, text=True)
        result[path] = {"valid": run.returncode == 0, "errors": run.stderr.strip()[-2000:]}
print(json.dumps(result))
