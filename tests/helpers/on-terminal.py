"""Runs a command whose standard input is a terminal (a pty), as a person at a keyboard would.

Usage: /usr/bin/python3 on-terminal.py TIMEOUT_SECONDS COMMAND [ARGS...] < answers
Each line of this script's standard input is typed (followed by Enter) when the command's standard error
shows one more prompt ending in ': '. stdout and stderr stay pipes, so they are kept apart. Prints one JSON
object: {"status", "stdout", "stderr", "timedOut"}. The command runs in its own process group, killed at the end.
"""
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time

timeout = float(sys.argv[1])
command = sys.argv[2:]
answers = sys.stdin.read().splitlines()
master, slave = pty.openpty()
child = subprocess.Popen(command, stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
os.close(slave)
out, err = b"", b""
typed = 0
deadline = time.monotonic() + timeout
timed_out = False
streams = {child.stdout.fileno(): "out", child.stderr.fileno(): "err"}
while streams:
    left = deadline - time.monotonic()
    if left <= 0:
        timed_out = True
        break
    ready, _, _ = select.select(list(streams) + [master], [], [], min(left, 0.1))
    for fd in ready:
        if fd == master:
            try:
                os.read(master, 1024)  # what the terminal shows (echo): not the command's output
            except OSError:
                pass
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            del streams[fd]
        elif streams[fd] == "out":
            out += chunk
        else:
            err += chunk
    # A prompt is a ': ' at the end of what stderr showed so far, one per answer.
    if typed < len(answers) and err.decode("utf8", "replace").count(": ") > typed and err.endswith(b": "):
        time.sleep(0.05)
        os.write(master, (answers[typed] + "\r").encode("utf8"))
        typed += 1
try:
    os.killpg(child.pid, signal.SIGKILL)
except ProcessLookupError:
    pass
status = child.wait()
print(json.dumps({"status": status, "stdout": out.decode("utf8", "replace"), "stderr": err.decode("utf8", "replace"), "timedOut": timed_out}))
