"""Privacy: no usage statistics, no outbound connection, and questions never written to disk or logs.

Practitioners type details of live cases into the search box. The end-to-end test runs the
ingest CLI, the search CLI, the library and the app (``streamlit.testing`` AppTest) with the
REAL embedding model in subprocesses where:

* a ``sitecustomize`` audit hook refuses - and records - every socket connection, datagram and
  DNS lookup that is not loopback or a local (AF_UNIX) socket;
* where ``strace`` exists, the same processes are traced at the system-call level too, which
  also sees C code (tokenizers, torch) that bypasses Python's sockets;
* ``HF_HUB_OFFLINE`` is *not* set: the library must keep the model offline by itself;
* HOME and TMPDIR point into the test's folder, so whatever is written can be scanned.

Then every file written under the index, the corpus, that HOME (``~/.streamlit``, caches), that
TMPDIR, the app's folder and /tmp since the test began, and every log line, is searched for the
unique marker word the questions carried.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
import tomllib
import uuid
from pathlib import Path

import pytest

from dscb_assistant.settings import PROJECT_ROOT

from .app_sandbox import copy_app, free_port
from .conftest import build_small_corpus

NETGUARD = textwrap.dedent(
    '''
    """Test guard (tests/test_privacy.py): refuse and record every non-loopback network use."""
    import ipaddress, logging, os, socket, sys

    _LOG = os.environ["NETGUARD_LOG"]

    def _local_host(host):
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        if host in ("localhost", "", None):
            return True
        try:
            return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
        except ValueError:
            return False  # a name: resolving it would ask a DNS server

    def _allowed(address):
        if isinstance(address, (str, bytes)) or address is None:  # AF_UNIX path, abstract name or none
            return True
        if isinstance(address, tuple) and address:
            return _local_host(address[0])
        return False

    def _guard(event, args):
        if event in ("socket.connect", "socket.sendto", "socket.sendmsg"):
            address = args[1] if len(args) > 1 else None
            if event == "socket.sendmsg" and address is None:
                return
            if _allowed(address):
                return
        elif event in ("socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyaddr"):
            if _local_host(args[0]):
                return
            address = args[0]
        else:
            return
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {event} {address!r} {' '.join(sys.argv)[:200]}\\n")
        raise PermissionError(f"network use refused by the test guard: {event} {address!r}")

    sys.addaudithook(_guard)

    # Every log record at every level goes to a file, so the test can look for the question in it.
    _handler = logging.FileHandler(os.environ["NETGUARD_PYLOG"], encoding="utf-8")
    _handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    logging.getLogger().addHandler(_handler)
    '''
)

APP_AND_LIBRARY = textwrap.dedent(
    '''
    import os, sys
    from pathlib import Path

    question = f"bruising on a baby {os.environ['DSCB_TEST_MARKER']} not yet mobile"

    from dscb_assistant.search import Searcher
    from dscb_assistant.settings import Settings

    hits = Searcher(Settings.from_env()).search(question, k=3)
    assert hits and hits[0].report.file == "baby-bruise.pdf", [h.report.file for h in hits]
    print("library ok", hits[0].passage.id)

    from streamlit import config
    config.get_config_options(force_reparse=True)
    assert config.get_option("browser.gatherUsageStats") is False
    print("stats off")

    from streamlit.testing.v1 import AppTest
    app = AppTest.from_file(str(Path("app.py").resolve()), default_timeout=180)
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    app.chat_input[0].set_value(question).run()
    assert not app.exception, [e.value for e in app.exception]
    shown = " ".join(m.value for m in app.markdown)
    assert "Learning Review: Baby A" in shown, shown[:500]
    print("app ok")
    '''
)

NON_LOOPBACK = re.compile(r'sa_family=AF_INET6?, .*?(?:inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"\))')


def test_usage_statistics_are_off_in_the_config_file():
    config = tomllib.loads((PROJECT_ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["browser"]["gatherUsageStats"] is False


def test_usage_statistics_are_off_as_streamlit_reads_its_config(tmp_path):
    env = {**os.environ, "HOME": str(tmp_path)}  # no user-wide ~/.streamlit to lean on
    env = {k: v for k, v in env.items() if not k.startswith("STREAMLIT_")}
    shown = subprocess.run([sys.executable, "-m", "streamlit", "config", "show"], cwd=PROJECT_ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    browser = shown.stdout.split("[browser]", 1)[1].split("\n[", 1)[0]
    assert re.search(r"^gatherUsageStats = false$", browser, re.MULTILINE), browser
    api = subprocess.run(
        [sys.executable, "-c", "from streamlit import config; config.get_config_options(force_reparse=True); "
         "print(config.get_option('browser.gatherUsageStats'))"],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert api.stdout.strip() == "False", api.stderr


def guarded_env(guard: Path, **extra: str) -> dict[str, str]:
    (guard / "sitecustomize.py").write_text(NETGUARD, encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DSCB_", "HF_", "TRANSFORMERS_", "STREAMLIT_", "PYTHON"))}
    env.update(NETGUARD_LOG=str(guard / "refused.log"), NETGUARD_PYLOG=str(guard / "python.log"), **extra)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(guard), extra.get("PYTHONPATH", "")]))
    return env


def test_the_guard_refuses_and_records_what_it_should(tmp_path):
    """The two nets are real: a lookup and a connection out are refused and logged; loopback and AF_UNIX pass."""
    probe = textwrap.dedent(
        """
        import socket
        for attempt in (lambda: socket.getaddrinfo("example.org", 443),
                        lambda: socket.create_connection(("192.0.2.1", 9), timeout=0.5)):
            try:
                attempt()
            except PermissionError as exc:
                print("refused:", exc)
        server = socket.socket(); server.bind(("127.0.0.1", 0)); server.listen()
        socket.create_connection(server.getsockname(), timeout=2).close()
        a, b = socket.socketpair(); a.sendall(b"x"); b.recv(1)
        print("loopback ok")
        """
    )
    env = guarded_env(tmp_path)
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.count("refused:") == 2 and "loopback ok" in result.stdout, result.stdout + result.stderr
    refused = (tmp_path / "refused.log").read_text().splitlines()
    assert len(refused) == 2 and "'example.org'" in refused[0] and "192.0.2.1" in refused[1], refused
    if shutil.which("strace"):  # without the hook, the system-call trace still sees the attempt
        env["PYTHONPATH"] = ""
        subprocess.run(_traced([sys.executable, "-c", probe], tmp_path / "probe.strace"), env=env,
                       capture_output=True, text=True, timeout=60)
        assert _outbound_syscalls(tmp_path / "probe.strace"), "strace saw no lookup or connection"


def _traced(command: list[str], trace: Path) -> list[str]:
    if not shutil.which("strace"):
        return command
    return ["strace", "--seccomp-bpf", "-f", "-qq", "-e", "signal=none", "-e", "trace=connect,sendto,sendmsg",
            "-o", str(trace), *command]


def _outbound_syscalls(trace: Path) -> list[str]:
    if not trace.exists():
        return []
    found = []
    for line in trace.read_text(errors="replace").splitlines():
        match = NON_LOOPBACK.search(line)
        if match:
            address = match.group(1) or match.group(2)
            if not (address.startswith("127.") or address in ("::1", "::ffff:127.0.0.1")):
                found.append(line)
    return found


def _files_holding(marker: bytes, roots: list[Path], *, since: float, skip: tuple[Path, ...]) -> list[str]:
    found = []
    for root in roots:
        for folder, dirs, files in os.walk(root, onerror=lambda error: None):
            if any(Path(folder).is_relative_to(s) for s in skip):
                dirs[:] = []
                continue
            for name in files:
                path = Path(folder) / name
                try:
                    stat = path.lstat()
                    if not path.is_file() or stat.st_mtime < since or stat.st_size > 200 << 20:
                        continue
                    if marker in path.read_bytes().lower():
                        found.append(str(path))
                except OSError:
                    continue
    return found


@pytest.mark.model
def test_nothing_leaves_the_machine_and_questions_leave_no_trace(tmp_path):
    started = time.time() - 1
    marker = "zq" + uuid.uuid4().hex[:10].translate(str.maketrans("0123456789", "ghijklmnop"))
    guard, home, tmpdir = tmp_path / "guard", tmp_path / "home", tmp_path / "tmp"
    for folder in (guard, home, tmpdir):
        folder.mkdir()
    app_dir = copy_app(tmp_path / "app")
    corpus = build_small_corpus(tmp_path / "corpus")
    index = tmp_path / "index"
    env = guarded_env(guard, PYTHONPATH=str(app_dir), HOME=str(home), TMPDIR=str(tmpdir), DSCB_CORPUS_DIR=str(corpus),
                      DSCB_INDEX_DIR=str(index), DSCB_WORKERS="1", DSCB_TEST_MARKER=marker)
    question = f"bruising on a baby {marker} not yet mobile"
    runs = {
        "ingest": [sys.executable, "-m", "dscb_assistant", "ingest", "--quiet"],
        "search": [sys.executable, "-m", "dscb_assistant", "search", question, "-k", "3"],
        "app": [sys.executable, "-c", APP_AND_LIBRARY],
    }
    def run(name: str) -> subprocess.Popen:
        return subprocess.Popen(_traced(runs[name], guard / f"{name}.strace"), cwd=app_dir, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    outputs = {}
    for batch in (["ingest"], ["search", "app"]):  # the searches only read the index: run them side by side
        started_batch = {name: run(name) for name in batch}
        for name, process in started_batch.items():
            stdout, stderr = process.communicate(timeout=600)
            assert process.returncode == 0, (name, stdout[-2000:], stderr[-3000:])
            outputs[name] = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)

    # Everything worked, offline, with the real model.
    assert "Indexed 3 reports" in outputs["ingest"].stdout
    assert "Learning Review: Baby A" in outputs["search"].stdout
    assert "app ok" in outputs["app"].stdout
    assert json.loads((index / "current" / "manifest.json").read_text())["model"]["name"] == "all-MiniLM-L6-v2"

    # Nothing was attempted, at the Python level or below it.
    refused = guard / "refused.log"
    assert not refused.exists() or refused.read_text() == "", refused.read_text()
    outbound = [line for name in runs for line in _outbound_syscalls(guard / f"{name}.strace")]
    assert outbound == [], outbound

    # The question was written nowhere: not in files, not in logs.
    needle = marker.encode()
    roots = [index, corpus, home, tmpdir, app_dir, Path("/tmp")]
    assert _files_holding(needle, roots, since=started, skip=(guard,)) == []
    for name, result in outputs.items():
        assert marker not in result.stderr, name
    python_log = (guard / "python.log").read_text(encoding="utf-8") if (guard / "python.log").exists() else ""
    assert marker not in python_log, [line for line in python_log.splitlines() if marker in line][:5]


def test_the_streamlit_server_itself_makes_no_outbound_connection(tmp_path):
    """`streamlit run app.py` as users start it: no look-up of an external IP or anything else outside."""
    import urllib.request

    guard, home = tmp_path / "guard", tmp_path / "home"
    guard.mkdir()
    home.mkdir()
    app_dir = copy_app(tmp_path / "app")
    port = free_port()
    env = guarded_env(guard, PYTHONPATH=str(app_dir), HOME=str(home), DSCB_INDEX_DIR=str(tmp_path / "no-index"),
                      DSCB_CORPUS_DIR=str(tmp_path / "no-corpus"))
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)],
                              cwd=app_dir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "the app did not start"
                time.sleep(0.5)
        time.sleep(3)  # the start-up banner is printed after the server answers
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    refused = guard / "refused.log"
    assert not refused.exists() or refused.read_text() == "", refused.read_text()
    assert "external IP" not in output, output
