"""Imported by the peer servers so that no server outlives its test run.

A child of the Swift test process inherits its blocked signal mask (Dispatch blocks SIGTERM in
its threads), so SIGTERM is unblocked first. Then a thread waits for the parent *process* to
end (on a pidfd, else by polling) and ends this one. Linux's PR_SET_PDEATHSIG, used before, fires
when the *thread* that started the child ends, and Dispatch ends idle worker threads: under
load a test's server was killed in the middle of its test (CI on 2026-12-06: every delivery of
two SMTP tests deferred, the connection refused)."""
import os
import select
import signal
import threading
import time

signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
_parent = os.getppid()
if _parent == 1:  # the parent is already gone
    os._exit(0)


def _end_with_parent():
    try:
        parent = os.pidfd_open(_parent)
    except (AttributeError, OSError):  # no pidfd (Linux < 5.3, Python < 3.9), or already gone
        while os.getppid() == _parent:
            time.sleep(0.5)
    else:
        select.select([parent], [], [])  # readable once the process has exited
    os._exit(0)


threading.Thread(target=_end_with_parent, name="peer_lifetime", daemon=True).start()
