"""Parses one email with Python's email package and prints what a mail client would see.

Usage: check_email.py FILE.eml
Prints JSON: defects (of every part), the decoded subject and headers, the content types of
the parts in order, each part's decoded text, the longest line in octets, the header names,
and the RFC 2047 encoded words' count and longest length.
"""
import email
import email.policy
import json
import re
import sys

raw = open(sys.argv[1], "rb").read()
message = email.message_from_bytes(raw, policy=email.policy.default)
defects = []
parts = []
for part in message.walk():
    defects += [type(d).__name__ + ": " + str(d) for d in part.defects]
    if not part.is_multipart():
        parts.append({"type": part.get_content_type(), "charset": part.get_content_charset(),
                      "text": part.get_content()})
lines = raw.split(b"\r\n")
# RFC 2047 encoded words in the header block; each must be at most 75 characters.
encoded_words = re.findall(rb"=\?[^?]+\?[BbQq]\?[^?]*\?=", raw.split(b"\r\n\r\n")[0])
print(json.dumps({
    "defects": defects,
    "subject": str(message["subject"]),
    "from": str(message["from"]),
    "fromName": message["from"].addresses[0].display_name if message["from"] else None,
    "fromAddress": message["from"].addresses[0].addr_spec if message["from"] else None,
    "to": str(message["to"]),
    "messageID": str(message["message-id"]),
    "date": str(message["date"]),
    "listUnsubscribe": str(message["list-unsubscribe"]),
    "listUnsubscribePost": str(message["list-unsubscribe-post"]),
    "listId": str(message["list-id"]),
    "precedence": str(message["precedence"]),
    "contentType": message.get_content_type(),
    "parts": parts,
    "longestLine": max(len(line) for line in lines),
    "bareLF": b"\n" in raw.replace(b"\r\n", b""),
    "headerNames": [name.lower() for name in message.keys()],
    "encodedWords": len(encoded_words),
    "longestEncodedWord": max([len(word) for word in encoded_words] or [0]),
}))
