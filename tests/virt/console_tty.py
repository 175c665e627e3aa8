#!/usr/bin/env python3
"""rv64-virt's console on a terminal: runs `vvm run --machine rv64-virt
-bios none -kernel ECHO` on a pty, types "ab", then Ctrl-A c (the monitor:
not built yet), then Ctrl-A x (quit).  Checks the echo, the message, exit
status 0, and the terminal's modes restored.  Prints "ok" or why not."""
import os, pty, select, sys, termios, time

vvm, prog = sys.argv[1], sys.argv[2]
master, slave = pty.openpty()
before = termios.tcgetattr(slave)
pid = os.fork()
if pid == 0:
    os.setsid()
    for fd in (0, 1, 2):
        os.dup2(slave, fd)
    os.execv(vvm, [vvm, "run", "--machine", "rv64-virt", "-bios", "none", "-kernel", prog])
out = b""
def read_until(want, secs):
    global out
    end = time.time() + secs
    while want not in out and time.time() < end:
        r, _, _ = select.select([master], [], [], 0.1)
        if r:
            try:
                out += os.read(master, 4096)
            except OSError:
                break
    return want in out
ok = read_until(b"ready", 20)
if ok:
    os.write(master, b"ab")
    ok = read_until(b"[a][b]", 10)
if ok:
    os.write(master, b"\x01c")
    ok = read_until(b"monitor is not built yet", 10)
if ok:
    os.write(master, b"\x01x")
    read_until(b"terminated", 10)
end = time.time() + 20
st = None
while time.time() < end:
    p, s = os.waitpid(pid, os.WNOHANG)
    if p:
        st = s
        break
    select.select([master], [], [], 0.05) and None
    try:
        r, _, _ = select.select([master], [], [], 0)
        if r:
            out += os.read(master, 4096)
    except OSError:
        pass
if st is None:
    os.kill(pid, 9)
    print("hung; output:", out[-300:])
    sys.exit(1)
after = termios.tcgetattr(slave)
if not ok:
    print("console output missing; got:", out[-300:])
elif not os.WIFEXITED(st) or os.WEXITSTATUS(st) != 0:
    print("exit status", st, "output:", out[-300:])
elif after != before:
    print("terminal modes not restored")
else:
    print("ok")
