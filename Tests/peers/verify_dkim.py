"""Verifies the DKIM signatures of one message with dkimpy, against DNS records given here.

Usage: verify_dkim.py FILE.eml NAME=RECORD...   (NAME: selector._domainkey.domain)
Prints JSON: {"signatures": n, "results": [true/false per signature, newest first], "errors": [...]}.
"""
import json
import sys

import dkim

message = open(sys.argv[1], "rb").read()
records = dict(argument.split("=", 1) for argument in sys.argv[2:])


def dns(name, timeout=5):
    return records.get(name.decode().rstrip("."), "").encode()


count = message.split(b"\r\n\r\n")[0].lower().count(b"\ndkim-signature:") + message.lower().startswith(b"dkim-signature:")


def verify(index):
    """dkimpy returns False for a bad signature but raises for some mismatches (body hash)."""
    try:
        return bool(dkim.DKIM(message).verify(idx=index, dnsfunc=dns)), ""
    except dkim.ValidationError as error:
        return False, str(error)


checked = [verify(index) for index in range(count)]
print(json.dumps({"signatures": count, "results": [ok for ok, _ in checked], "errors": [why for _, why in checked]}))
