"""Imported by the peer servers so that no server outlives its test run.

A child of the Swift test process inherits its blocked signal mask (Dispatch blocks SIGTERM in
its threads), so SIGTERM is unblocked first; then Linux is asked to send SIGTERM when the
parent dies."""
import ctypes
import os
import signal

PR_SET_PDEATHSIG = 1
signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM, signal.SIGINT])
try:
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
except (OSError, AttributeError):
    pass
if os.getppid() == 1:  # the parent is already gone
    os._exit(0)
