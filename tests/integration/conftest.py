# SPDX-License-Identifier: AGPL-3.0-or-later
"""Fixtures for the integration tests: the real `plenum` binary, a temporary
data directory, meetings prepared with the command line, and a server on a
free port that is stopped (SIGTERM, then SIGKILL after 5 s) at the end.

Environment:
  PLENUM_BIN        the server binary (required)
  PLENUM_TEST_DATA  the directory with the test documents (default ../data)

Any AddressSanitizer / LeakSanitizer / UBSan report that the server or the
command line writes to stderr fails the test during which it appeared.
"""

import json
import os
import signal
import socket
import subprocess
import time

import pytest

import helpers

HERE = os.path.dirname(os.path.abspath(__file__))

SANITIZER_MARKERS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
    "SUMMARY: UndefinedBehaviorSanitizer",
    "SUMMARY: AddressSanitizer",
)

# Options the CTest environment also sets; kept when already given.
os.environ.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
os.environ.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")

START_TIMEOUT = 30.0   # ASan builds start slowly
STOP_TIMEOUT = 5.0


def sanitizer_report(text):
    """The sanitizer report in `text` (from its first marker), or None."""
    for m in SANITIZER_MARKERS:
        i = text.find(m)
        if i >= 0:
            start = text.rfind("\n", 0, max(0, i - 200)) + 1
            return text[start:start + 4000]
    return None


# ------------------------------------------------------------ the binary

def plenum_bin():
    b = os.environ.get("PLENUM_BIN")
    if not b:
        pytest.fail("PLENUM_BIN is not set: point it at the plenum binary "
                    "(CTest sets it; by hand: PLENUM_BIN=build/plenum)", pytrace=False)
    if not (os.path.isfile(b) and os.access(b, os.X_OK)):
        pytest.fail(f"PLENUM_BIN={b} is not an executable file", pytrace=False)
    return b


def data_file(name):
    """A test document from PLENUM_TEST_DATA (default tests/data)."""
    d = os.environ.get("PLENUM_TEST_DATA") or os.path.join(HERE, "..", "data")
    p = os.path.join(d, name)
    if not os.path.isfile(p):
        pytest.fail(f"test document {p} is missing (see tests/data/README.md)",
                    pytrace=False)
    return p


PDF_4_PAGES = "pdflatex-4-pages.pdf"
PDF_VI = "hop-giao-ban.pdf"


def cli(*args, check=True, timeout=60):
    """Run `plenum ARGS…`; returns the CompletedProcess (text). With
    `check`, fails the test unless it exits 0. A sanitizer report on stderr
    always fails it."""
    argv = [plenum_bin()] + [str(a) for a in args]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                       errors="replace")
    rep = sanitizer_report(p.stderr)
    assert rep is None, f"`{' '.join(argv[1:])}` wrote a sanitizer report:\n{rep}"
    if check:
        assert p.returncode == 0, (f"`{' '.join(argv[1:])}` exited {p.returncode}\n"
                                   f"stdout: {p.stdout}\nstderr: {p.stderr}")
    return p


def cli_json(*args):
    """Run a command with --json; returns the one JSON object it printed."""
    p = cli(*args, "--json")
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        raise AssertionError(f"`{' '.join(map(str, args))} --json` printed no single "
                             f"JSON object: {p.stdout!r} ({e})")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_serve_help = None


def serve_accepts(flag):
    """Whether `plenum serve --help` lists `flag`."""
    global _serve_help
    if _serve_help is None:
        p = cli("serve", "--help", check=False)
        _serve_help = p.stdout + p.stderr
    return flag in _serve_help


# ------------------------------------------------------------ the server

class Server:
    """One `plenum serve` process on a data directory.

    The port is chosen before the meetings are prepared (the join URLs carry
    it) and kept across restart()."""

    def __init__(self, data_dir, extra_args=(), port=None):
        self.data = str(data_dir)
        self.extra = list(extra_args)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.log_path = os.path.join(self.data, "..",
                                     os.path.basename(self.data) + "-stderr.log")
        self.log_path = os.path.abspath(self.log_path)
        self._log = None
        self._checked = 0           # how much of the log was already checked
        self.starts = 0
        self.stop_problems = []
        self.wanted = False         # started and not deliberately stopped

    # Preparing meetings (the command line, on the same data dir).
    def meeting(self, title="Họp giao ban tháng 11", org=None, location=None,
                starts=None, agenda=(), guests=False, extra=()):
        args = ["meeting", "create", "--data", self.data, "--title", title,
                "--public-url", self.url]
        if org:
            args += ["--org", org]
        if location:
            args += ["--location", location]
        if starts:
            args += ["--starts", starts]
        for item in agenda:
            args += ["--agenda", item]
        if guests:
            args.append("--guests")
        args += list(extra)
        m = cli_json(*args)
        m["title"] = title
        m["participants"] = {}
        m["docs"] = {}
        return m

    def participant(self, meeting, name, title=None, role=None):
        args = ["participant", "add", "--data", self.data,
                "--meeting", meeting["meeting"], "--name", name,
                "--public-url", self.url]
        if title:
            args += ["--title", title]
        if role:
            args += ["--role", role]
        p = cli_json(*args)
        meeting["participants"][name] = p
        return p

    def doc(self, meeting, filename, item=None):
        args = ["doc", "add", "--data", self.data, "--meeting", meeting["meeting"]]
        if item is not None:
            args += ["--item", str(item)]
        args.append(data_file(filename))
        d = cli_json(*args)
        meeting["docs"][filename] = d
        return d

    # Running.
    def start(self):
        assert self.proc is None, "server already running"
        argv = [plenum_bin(), "serve", "--data", self.data,
                "--listen", f"127.0.0.1:{self.port}",
                "--public-url", self.url] + self.extra
        self.wanted = True
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(argv, stdout=self._log, stderr=self._log,
                                     stdin=subprocess.DEVNULL)
        self.starts += 1
        deadline = time.monotonic() + START_TIMEOUT
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                self.proc = None
                self._log.close()
                pytest.fail(f"`{' '.join(argv[1:])}` exited with {code} before "
                            f"answering /healthz:\n{self.log_tail()}", pytrace=False)
            try:
                r = helpers.get(self.url, "/healthz", timeout=2)
                if r.status == 200:
                    return self
                last = r
            except OSError as e:
                last = e
            time.sleep(0.05)
        self.stop()
        pytest.fail(f"server did not answer GET /healthz with 200 within "
                    f"{START_TIMEOUT} s (last: {last!r}):\n{self.log_tail()}",
                    pytrace=False)

    def stop(self):
        """SIGTERM, then SIGKILL after 5 s. Returns the exit status."""
        self.wanted = False
        if self.proc is None:
            return None
        p, self.proc = self.proc, None
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.stop_problems.append(
                    f"did not exit within {STOP_TIMEOUT} s of SIGTERM; killed")
                p.kill()
                p.wait()
        self._log.close()
        return p.returncode

    def restart(self):
        self.stop()
        return self.start()

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, n=40):
        return "\n".join(self.log_text().splitlines()[-n:])

    def check(self):
        """Fail if the server wrote a sanitizer report or died since the
        last check."""
        text = self.log_text()
        new, self._checked = text[self._checked:], len(text)
        rep = sanitizer_report(new)
        assert rep is None, f"the server wrote a sanitizer report:\n{rep}"
        if self.proc is not None and self.proc.poll() is not None:
            code = self.proc.returncode
            self.proc = None
            raise AssertionError(f"the server died (exit {code}):\n{self.log_tail()}")


_servers = []


def _new_server(tmp, extra_args, name):
    d = tmp / name
    d.mkdir()
    s = Server(d, extra_args)
    _servers.append(s)
    return s


def _finish(server):
    server.stop()
    try:
        server.check()
        assert not server.stop_problems, "; ".join(server.stop_problems)
    finally:
        if server in _servers:
            _servers.remove(server)


@pytest.fixture(autouse=True)
def _sanitizer_watch():
    """After each test: any server that reported a sanitizer error or died
    during it fails that test."""
    yield
    errors = []
    for s in list(_servers):
        try:
            s.check()
        except AssertionError as e:
            errors.append(str(e))
        if s.wanted and not s.running:
            # A shared server that died is started again, so that one crash
            # fails one test and not the rest of the module.
            s.proc = None
            s._log.close()
            s.start()
    if errors:
        pytest.fail("\n".join(errors), pytrace=False)


@pytest.fixture
def server_factory(tmp_path):
    """make(prepare=None, extra_args=()) → a running Server with a fresh data
    dir; `prepare(server)` runs before start (meetings via the command line)
    and its result is stored in server.ctx."""
    made = []

    def make(prepare=None, extra_args=(), name=None):
        s = _new_server(tmp_path, extra_args, name or f"data{len(made)}")
        made.append(s)
        s.ctx = prepare(s) if prepare else None
        s.start()
        return s

    yield make
    errors = []
    for s in made:
        try:
            _finish(s)
        except AssertionError as e:
            errors.append(str(e))
    if errors:
        pytest.fail("\n".join(errors), pytrace=False)


def module_server(tmp_path_factory, prepare, extra_args=(), name="data"):
    """For a module-scoped fixture: generator that yields a running server."""
    tmp = tmp_path_factory.mktemp(name)
    s = _new_server(tmp, extra_args, "data")
    s.ctx = prepare(s)
    s.start()
    yield s
    _finish(s)


def upload_cap_args():
    """`--max-upload 1048576` when `serve` accepts it."""
    return ["--max-upload", "1048576"] if serve_accepts("--max-upload") else []


# ------------------------------------------------- standard meeting layout

AGENDA = ["Khai mạc", "Báo cáo tình hình tháng 11", "Kế hoạch tháng 12"]
MEMBERS = [("Nguyễn Văn An", "Giám đốc"), ("Trần Thị Bình", "Phó giám đốc"),
           ("Lê Minh Châu", "Trưởng phòng")]


def prepare_standard(server, guests=False, docs=(PDF_4_PAGES,), title=None,
                     members=MEMBERS):
    """A meeting with an agenda, members and documents (the first one
    attached to agenda item 2)."""
    m = server.meeting(title=title or "Họp giao ban tháng 11", org="Sở Thông tin",
                       location="Phòng 301", starts="2026-11-28T08:00:00Z",
                       agenda=AGENDA, guests=guests)
    for name, t in members:
        server.participant(m, name, title=t)
    for i, f in enumerate(docs):
        server.doc(m, f, item=2 if i == 0 else None)
    return m


def member_url(meeting, name=MEMBERS[0][0]):
    return meeting["participants"][name]["url"]
