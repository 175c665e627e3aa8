#!/usr/bin/env python3
"""A Linux guest saved and restored through the monitor.

  snapshot_linux.py VVM STATE BOOT-ARGS...

Boots the guest (BOOT-ARGS: vvm run --machine rv64-virt's options, with
vvm.shell on the kernel command line) on a pty, sets a shell variable in
the guest's shell, then Ctrl-A c, `migrate file:STATE`, `quit`.  Then
`vvm run --machine rv64-virt -incoming file:STATE` goes on: the shell still
has the variable, the guest's clock has not gone back, and `poweroff -f`
ends vvm with status 0.  With a -drive among BOOT-ARGS, the guest mounts
/dev/vda (ext2) before the save and writes /after.txt on it after the
restore (synced, unmounted: the caller reads it back).
Prints "ok" or why not."""
import os, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ttyrun import Run  # noqa: E402

vvm, state, boot = sys.argv[1], sys.argv[2], sys.argv[3:]
try:
    if os.path.exists(state):
        os.unlink(state)
    r = Run(vvm, boot)
    r.until(b"a shell on the console", 120)
    r.until(b"# ", 30)
    disk = any(a == "-drive" for a in boot)
    if disk:
        r.type(b"mount -t ext2 /dev/vda /mnt && echo mounted-$((6*5))\r")
        r.until(b"mounted-30", 60)
    r.type(b"V=set-before-the-save; T0=$(cut -d. -f1 /proc/uptime); echo marker-$((6*7))\r")
    r.until(b"marker-42", 30)
    r.type(b"\x01c")
    r.until(b"(vvm) ")
    r.type(b"migrate file:%s\r" % state.encode())
    r.until(b"saved the machine to", 60)
    r.type(b"quit\r")
    r.ended(0, 60)

    r = Run(vvm, ["-incoming", "file:" + state])
    r.raw()
    r.type(b"\r")
    r.type(b"echo \"$V and $(( $(cut -d. -f1 /proc/uptime) >= T0 ))\"-$((6*8))\r")
    r.until(b"set-before-the-save and 1-48", 60)
    if disk:
        r.type(b"echo \"$V\" >/mnt/after.txt && sync && umount /mnt && echo unmounted-$((6*9))\r")
        r.until(b"unmounted-54", 60)
    r.type(b"poweroff -f\r")
    r.until(b"reboot: Power down", 60)
    r.ended(0, 60)
    print("ok")
except Exception as e:
    print(e)
