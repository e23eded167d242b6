"""Print a page to PDF through Chromium's DevTools protocol over a pipe.

Why not `chromium --print-to-pdf`: the command-line flag prints either no header and footer
or Chromium's own (the date, the page title and the local file:// path of the staging folder);
page numbers alone need `Page.printToPDF` with a footer template. `--remote-debugging-pipe`
speaks the protocol on the browser's file descriptors 3 (commands in) and 4 (answers out),
NUL-separated JSON, with no port opened and nothing beyond the standard library.
"""

from __future__ import annotations

import base64
import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import time
from typing import IO, Any, Mapping, Sequence

# The browser's end of the pipes must be fd 3 / fd 4: a small Python shim moves them there
# (by way of fds >= 10, so neither overwrites the other) and execs the browser.
_SHIM = (
    "import fcntl, os, sys\n"
    "r, w = (fcntl.fcntl(int(fd), fcntl.F_DUPFD, 10) for fd in sys.argv[1:3])\n"
    "os.dup2(r, 3); os.dup2(w, 4)\n"
    "os.execvp(sys.argv[3], sys.argv[3:])\n"
)


_PR_SET_PDEATHSIG = 1
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _die_with_parent() -> None:
    """In the browser's process before exec (Linux): be killed when the process that started it
    dies, even by SIGKILL, instead of printing on as an orphan in a session of its own."""
    if _LIBC is not None:
        _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


class DevToolsError(Exception):
    """The browser closed the pipe, answered with an error, or ran past the deadline."""


class DevToolsTimeout(DevToolsError):
    """The deadline passed before the browser answered."""


def start_browser(command: Sequence[str], *, stderr: IO[Any]) -> tuple[subprocess.Popen, "Pipe"]:
    """Start `command` (a Chromium command line with --remote-debugging-pipe) with the pipe on
    its fds 3 and 4, in a process group of its own (a timeout can end all its helpers)."""
    commands_read, commands_write = os.pipe()
    answers_read, answers_write = os.pipe()
    shim = [sys.executable, "-c", _SHIM, str(commands_read), str(answers_write), *command]
    try:
        proc = subprocess.Popen(
            shim, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
            pass_fds=(commands_read, answers_write), start_new_session=True,
            preexec_fn=_die_with_parent,
        )
    finally:
        os.close(commands_read)
        os.close(answers_write)
    return proc, Pipe(commands_write, answers_read)


class Pipe:
    """The client end: numbered commands out, their answers (and events) back."""

    def __init__(self, write_fd: int, read_fd: int):
        self._write_fd, self._read_fd = write_fd, read_fd
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def close(self) -> None:
        for fd in (self._write_fd, self._read_fd):
            try:
                os.close(fd)
            except OSError:
                pass  # already closed

    def call(self, method: str, params: Mapping[str, Any] | None = None, *,
             session: str | None = None, deadline: float) -> dict[str, Any]:
        """Send one command and wait for its answer's `result` (events that arrive meanwhile
        are kept in `events`)."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": dict(params or {})}
        if session:
            message["sessionId"] = session
        try:
            os.write(self._write_fd, json.dumps(message).encode() + b"\0")
        except OSError as exc:
            raise DevToolsError(f"the browser closed its pipe ({exc.strerror})") from exc
        while True:
            answer = self._receive(deadline)
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise DevToolsError(f"{method}: {answer['error'].get('message', answer['error'])}")
                return answer.get("result", {})
            self.events.append(answer)

    def wait_for_event(self, method: str, *, session: str, deadline: float) -> dict[str, Any]:
        """The first event `method` of `session`, received earlier or now."""
        while True:
            for event in self.events:
                if event.get("method") == method and event.get("sessionId") == session:
                    self.events.remove(event)
                    return event
            self.events.append(self._receive(deadline))

    def _receive(self, deadline: float) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DevToolsTimeout("no answer from the browser in time")
            ready, _, _ = select.select([self._read_fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(self._read_fd, 1 << 20)
            if not chunk:
                raise DevToolsError("the browser closed its pipe")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)


def print_page(pipe: Pipe, url: str, options: Mapping[str, Any], *, deadline: float) -> bytes:
    """Open `url` in a new tab, wait until it has loaded, and return it printed as PDF bytes."""
    target = pipe.call("Target.createTarget", {"url": "about:blank"}, deadline=deadline)["targetId"]
    session = pipe.call("Target.attachToTarget", {"targetId": target, "flatten": True},
                        deadline=deadline)["sessionId"]
    pipe.call("Page.enable", session=session, deadline=deadline)
    pipe.call("Page.navigate", {"url": url}, session=session, deadline=deadline)
    pipe.wait_for_event("Page.loadEventFired", session=session, deadline=deadline)
    result = pipe.call("Page.printToPDF", options, session=session, deadline=deadline)
    try:
        pipe.call("Browser.close", deadline=deadline)
    except DevToolsError:
        pass  # the browser may close the pipe before it answers: that is the close we asked for
    return base64.b64decode(result["data"])
