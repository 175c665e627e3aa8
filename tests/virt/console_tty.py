#!/usr/bin/env python3
"""rv64-virt's console on a terminal, and the monitor.

  console_tty.py VVM ECHO STATE

First run: `vvm run --machine rv64-virt -bios none -kernel ECHO` on a pty;
types "ab" (echoed as [a][b]), then Ctrl-A c (the monitor): `info status`
says running, `stop` and `info status` say paused, `info registers` shows
hart 0, `migrate file:STATE` saves the machine, `quit` ends vvm with status
0 and the terminal's modes restored.
Second run: `vvm run --machine rv64-virt -incoming file:STATE`: the echo
program goes on where it stood (no second "ready"), echoes "cd", and 'q'
powers it off (status 0); then Ctrl-A x on a third run ends vvm.
Prints "ok" or why not."""
import os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ttyrun import Run  # noqa: E402

vvm, prog, state = sys.argv[1], sys.argv[2], sys.argv[3]

try:
    if os.path.exists(state):
        os.unlink(state)
    r = Run(vvm, ["-bios", "none", "-kernel", prog])
    r.until(b"ready")
    r.type(b"ab")
    r.until(b"[a][b]")
    r.type(b"\x01c")
    r.until(b"(vvm) ")
    r.type(b"info status\r")
    r.until(b"VM status: running")
    r.type(b"stop\rinfo status\r")
    r.until(b"VM status: paused")
    r.type(b"info registers\r")
    r.until(b"hart 0: pc 00000000800")
    r.type(b"bogus\r")
    r.until(b"unknown command: 'bogus'")
    r.type(b"migrate file:%s\r" % state.encode())
    r.until(b"saved the machine to")
    r.type(b"quit\r")
    r.ended(0)

    r = Run(vvm, ["-incoming", "file:" + state])
    r.raw()
    r.type(b"cd")
    r.until(b"[c][d]")
    r.type(b"q")
    r.until(b"bye")
    r.ended(0)
    if b"ready" in r.out:
        raise Exception("the restored program started again: %r" % r.out[-400:])

    r = Run(vvm, ["-incoming", "file:" + state])
    r.raw()
    r.type(b"e")
    r.until(b"[e]")
    r.type(b"\x01x")
    r.until(b"terminated")
    r.ended(0)
    print("ok")
except Exception as e:
    print(e)
