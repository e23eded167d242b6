"""The report notebooks as analysts use them: jupytext sources in sync with the .ipynb, and each
notebook run through a real Jupyter server on 127.0.0.1 in a real kernel without an error."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import jupytext
import nbformat
import pytest
import websocket

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
KINDS = ("daily", "weekly", "monthly")
SERVER_START_SECONDS = 60
CELL_SECONDS = 120


def cell_sources(cells) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source.strip()) for cell in cells]


@pytest.mark.parametrize("kind", KINDS)
def test_notebook_when_committed_matches_its_jupytext_source(kind):
    text = jupytext.read(NOTEBOOKS / f"{kind}_exit_report.py")
    stored = nbformat.read(NOTEBOOKS / f"{kind}_exit_report.ipynb", as_version=4)

    assert cell_sources(stored.cells) == cell_sources(text.cells), (
        f"notebooks/{kind}_exit_report.ipynb is out of sync with its .py source: run `make notebooks`")
    assert [c.metadata.get("tags", []) for c in stored.cells] == [c.metadata.get("tags", []) for c in text.cells]


def test_sources_when_compared_with_a_changed_cell_differ(tmp_path):
    """The sync check fails when a pair drifts: a changed source no longer matches."""
    text = jupytext.read(NOTEBOOKS / "daily_exit_report.py")
    stored = nbformat.read(NOTEBOOKS / "daily_exit_report.ipynb", as_version=4)
    stored.cells[-1].source += "\nprint('drift')"

    assert cell_sources(stored.cells) != cell_sources(text.cells)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def jupyter_server(tmp_path_factory):
    """`jupyter server` on 127.0.0.1 serving the repository, with the demo database."""
    if not (ROOT / "data" / "exitlens.db").exists():
        pytest.fail("the demo database data/exitlens.db is missing: run `make demo`")
    port, token = free_port(), uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if k not in ("EXITLENS_DATABASE_URL", "DATABASE_URL")}
    env["JUPYTER_RUNTIME_DIR"] = str(tmp_path_factory.mktemp("jupyter-runtime"))
    log = (tmp_path_factory.mktemp("jupyter-log") / "server.log").open("w")
    command = [sys.executable, "-m", "jupyter", "server", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               f"--ServerApp.token={token}", f"--ServerApp.root_dir={ROOT}", "--ServerApp.port_retries=0"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    client = httpx.Client(base_url=base, headers={"Authorization": f"token {token}"}, timeout=30)
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            try:
                if client.get("/api/status").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"jupyter server did not start: see {log.name}")
            time.sleep(0.5)
        yield client, f"ws://127.0.0.1:{port}", token
    finally:
        client.close()
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def execute(ws, code: str) -> list[dict]:
    """Run `code` in the kernel behind `ws`; the iopub messages of that request until it is idle."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "msg_type": "execute_request", "username": "test", "session": uuid.uuid4().hex,
                   "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell",
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
    }))
    messages = []
    deadline = time.monotonic() + CELL_SECONDS
    while time.monotonic() < deadline:
        message = json.loads(ws.recv())
        if message.get("parent_header", {}).get("msg_id") != msg_id or message.get("channel") != "iopub":
            continue
        messages.append(message)
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return messages
    raise AssertionError(f"cell did not finish within {CELL_SECONDS} s:\n{code[:200]}")


@pytest.mark.parametrize("kind", KINDS)
def test_notebook_when_run_through_jupyter_server_runs_every_cell_without_error(jupyter_server, kind):
    client, ws_base, token = jupyter_server
    path = f"notebooks/{kind}_exit_report.ipynb"
    session = client.post("/api/sessions", json={"path": path, "type": "notebook", "name": path,
                                                 "kernel": {"name": "python3"}})
    assert session.status_code == 201, session.text
    kernel_id = session.json()["kernel"]["id"]
    ws = websocket.create_connection(f"{ws_base}/api/kernels/{kernel_id}/channels?token={token}", timeout=CELL_SECONDS)
    try:
        notebook = nbformat.read(NOTEBOOKS / f"{kind}_exit_report.ipynb", as_version=4)
        shown = []
        for cell in notebook.cells:
            if cell.cell_type != "code":
                continue
            messages = execute(ws, cell.source)
            errors = [m["content"] for m in messages if m["msg_type"] == "error"]
            assert not errors, f"{path}: {errors[0]['ename']}: {errors[0]['evalue']}"
            shown += [m for m in messages if m["msg_type"] in ("display_data", "execute_result")]
    finally:
        ws.close()
        client.delete(f"/api/sessions/{session.json()['id']}")
    images = [m for m in shown if "image/png" in m["content"]["data"]]
    assert images, "the notebook showed no chart"
    assert any("exit report" in m["content"]["data"].get("text/html", "") for m in shown)


def _headings(kind: str) -> list[str]:
    """The h2 headings the committed notebook shows, in order."""
    notebook = nbformat.read(NOTEBOOKS / f"{kind}_exit_report.ipynb", as_version=4)
    html = "".join(output.get("data", {}).get("text/html", "") for cell in notebook.cells if cell.cell_type == "code"
                   for output in cell.get("outputs", []))
    return re.findall(r"<h2>(.*?)</h2>", html)


@pytest.mark.parametrize("kind", ["daily", "weekly", "monthly"])
def test_notebook_when_run_answers_were_our_exits_right_before_anything_else(kind):
    headings = _headings(kind)
    assert headings[:3] == ["Were our exits right?", "Headline", "Suggestions"]
    assert headings[3] == "Net PnL and drawdown"


@pytest.mark.parametrize("kind", ["weekly", "monthly"])
def test_weekly_and_monthly_notebooks_show_the_tear_sheet_excursions_and_the_replay(kind):
    headings = _headings(kind)
    for heading in ("Tear sheet", "Best and worst sell", "Strategy × exit reason", "In-trade excursions",
                    "What other exits would have done", "What replay says of each suggestion"):
        assert heading in headings, heading
