"""Kills `gazette send` at random moments and checks that no digest is lost or doubled.

Usage: crash_test.py GAZETTE WORKDIR [--subscribers N] [--kills K] [--connections C] [--seed S]
Sets up WORKDIR with the bundled samples, N subscribers and an aiosmtpd sink on loopback
(smtp_sink.py), then runs `gazette send --now` again and again, killing it with SIGKILL after
a random moment until K kills are done, at least half of them while messages were being sent,
then lets it finish. Compares what the sink received
with the ledger (`gazette deliveries --json`). Prints JSON: editions, delivered, received,
unique, duplicates, allowed duplicates (C for each kill that landed while messages went out:
the most that can be in flight), lost, kills,
kills that landed while messages were being delivered.
"""
import argparse
import datetime
import email
import json
import os
import random
import signal
import subprocess
import sys
import time

import peer_lifetime  # noqa: F401

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def copy_samples_dated_yesterday(folder):
    """The sample feeds with their stories dated yesterday instead of 2026-11-28: `send` takes
    the last day's news by the real clock (and looks back a week at most), as
    Tests/TestSupport/SampleFeeds.swift does for the Swift tests."""
    os.makedirs(folder, exist_ok=True)
    yesterday = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)
    samples = os.path.join(ROOT, "samples", "feeds")
    for name in os.listdir(samples):
        with open(os.path.join(samples, name), encoding="utf-8") as source:
            text = source.read()
        text = text.replace("2026-11-28", yesterday.strftime("%Y-%m-%d"))
        # Spelt out in English whatever the locale, as RFC 822 wants.
        day = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[yesterday.weekday()]
        month = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")[yesterday.month - 1]
        text = text.replace("Sat, 28 Nov 2026", "%s, %02d %s %d" % (day, yesterday.day, month, yesterday.year))
        with open(os.path.join(folder, name), "w", encoding="utf-8") as target:
            target.write(text)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("gazette")
    parser.add_argument("workdir")
    parser.add_argument("--subscribers", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()
    random.seed(options.seed)
    work = options.workdir
    mailbox = os.path.join(work, "mailbox")
    os.makedirs(mailbox, exist_ok=True)
    sink = subprocess.Popen([sys.executable, "-u", os.path.join(HERE, "smtp_sink.py"), mailbox],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    port = int(sink.stdout.readline().split()[1])
    copy_samples_dated_yesterday(os.path.join(work, "feeds"))
    sample = json.load(open(os.path.join(ROOT, "samples", "gazette.sample.json")))
    sample["database"] = {"path": "gazette.sqlite"}
    sample["delivery"] = {"from": "Gazette <digest@gazette.example>", "mode": "smtp",
                          "smtp": {"url": "smtp://127.0.0.1:%d" % port, "connections": options.connections}}
    config = os.path.join(work, "gazette.json")
    json.dump(sample, open(config, "w"))
    env = dict(os.environ, GAZETTE_HOME=ROOT)

    def gazette(*arguments, check=True):
        return subprocess.run([options.gazette, *arguments, "--config", config], env=env, cwd=work,
                              capture_output=True, text=True, check=check)

    gazette("ingest")
    addresses = ["reader%d@example.org" % n for n in range(options.subscribers)]
    for start in range(0, len(addresses), 500):
        gazette("subscribe", *addresses[start:start + 500], "--country", "JP")

    def received_count():
        return sum(1 for name in os.listdir(mailbox) if name.endswith(".eml"))

    kills = 0
    kills_while_delivering = 0
    runs = 0
    while True:
        runs += 1
        before = received_count()
        process = subprocess.Popen([options.gazette, "send", "--now", "--config", config], env=env, cwd=work,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Half the kills land at a random moment (rendering, queueing or sending); the other half
        # once messages are seen arriving, a random moment later: in the middle of sending.
        # Either way a kill comes at most 50 ms after this run's first message arrived: a later
        # one would let a fast machine deliver everything in fewer runs than kills to make.
        if kills < options.kills:
            deadline = time.monotonic() + (random.uniform(0.2, 2.5) if kills < options.kills // 2 else 3600)
            arrived = False
            while process.poll() is None and time.monotonic() < deadline:
                if not arrived and received_count() > before:
                    arrived = True
                    deadline = min(deadline, time.monotonic() + random.uniform(0, 0.05))
                time.sleep(0.005)
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait()
                kills += 1
                kills_while_delivering += received_count() > before
                continue
        else:
            process.wait()
        # A run that ended by itself: done when nothing is left to deliver.
        ledger = json.loads(gazette("deliveries", "--json", "--limit", "1000000").stdout)
        if all(entry["status"] == "delivered" for entry in ledger) and len(ledger) == len(addresses):
            break
        if runs > options.kills * 5 + 50:
            break

    ledger = json.loads(gazette("deliveries", "--json", "--limit", "1000000").stdout)
    received = []
    for name in os.listdir(mailbox):
        if name.endswith(".eml"):
            message = email.message_from_binary_file(open(os.path.join(mailbox, name), "rb"))
            received.append(message["Message-ID"].strip("<>"))
    ledger_ids = {entry["messageID"] for entry in ledger}
    unique = set(received)
    sink.terminate()
    print(json.dumps({
        "subscribers": len(addresses),
        "editions": len(ledger),
        "delivered": sum(1 for entry in ledger if entry["status"] == "delivered"),
        "received": len(received),
        "unique": len(unique),
        "duplicates": len(received) - len(unique),
        "allowedDuplicates": options.connections * kills_while_delivering,
        "lost": len(ledger_ids - unique),
        "unknown": len(unique - ledger_ids),
        "kills": kills,
        "killsWhileDelivering": kills_while_delivering,
        "runs": runs,
    }))


if __name__ == "__main__":
    main()
