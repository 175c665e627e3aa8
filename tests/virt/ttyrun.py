"""A vvm run on a pseudo-terminal, for the console tests (console_tty.py,
snapshot_linux.py): start it, read its output until a string shows, type,
wait for its end and check its status and the terminal's modes."""
import atexit, os, pty, select, signal, termios, time

# every vvm started here is killed when the script ends, however it ends:
# vvm runs in a session of its own (setsid), so the test driver's timeout
# would not reach it
_started = []


def _kill_all():
    for pid in _started:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except OSError:
            pass


atexit.register(_kill_all)
signal.signal(signal.SIGTERM, lambda *a: (_kill_all(), os._exit(124)))


def _die_with_parent():
    """in the child: SIGKILL when this script dies, even by SIGKILL"""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)     # PR_SET_PDEATHSIG
    except Exception:
        pass


class Run:
    def __init__(self, vvm, args):
        self.master, slave = pty.openpty()
        self.before = termios.tcgetattr(slave)
        self.slave = slave
        self.pid = os.fork()
        if self.pid == 0:
            os.setsid()
            _die_with_parent()
            for fd in (0, 1, 2):
                os.dup2(slave, fd)
            os.execv(vvm, [vvm, "run", "--machine", "rv64-virt"] + args)
        _started.append(self.pid)
        self.out = b""

    def pump(self, secs):
        r, _, _ = select.select([self.master], [], [], secs)
        if r:
            try:
                self.out += os.read(self.master, 4096)
            except OSError:
                return False
        return True

    def until(self, want, secs=20):
        end = time.time() + secs
        while want not in self.out and time.time() < end:
            if not self.pump(0.1):
                break
        if want not in self.out:
            raise Exception("no %r in the output; got: %r" % (want, self.out[-400:]))

    def type(self, b):
        os.write(self.master, b)

    def raw(self, secs=20):
        """waits for vvm to put the terminal in raw mode (what is typed
        before that is the terminal's line, flushed)"""
        end = time.time() + secs
        while termios.tcgetattr(self.slave)[3] & termios.ICANON:
            if time.time() > end:
                raise Exception("the terminal never went raw; output: %r" % self.out[-400:])
            self.pump(0.02)

    def wait(self, secs=20):
        end = time.time() + secs
        while time.time() < end:
            p, s = os.waitpid(self.pid, os.WNOHANG)
            if p:
                _started.remove(self.pid)
                return s
            self.pump(0.05)
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
        _started.remove(self.pid)
        raise Exception("hung; output: %r" % self.out[-400:])

    def ended(self, status=0, secs=20):
        st = self.wait(secs)
        if not os.WIFEXITED(st) or os.WEXITSTATUS(st) != status:
            raise Exception("exit status %r, output: %r" % (st, self.out[-400:]))
        if termios.tcgetattr(self.slave) != self.before:
            raise Exception("terminal modes not restored")
