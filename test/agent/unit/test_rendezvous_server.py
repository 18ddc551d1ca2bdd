"""The rendezvous server over real HTTP: flow, and clear errors for bad requests."""

import json
import subprocess
import sys
import urllib.error
import urllib.request

import pytest
from conftest import AGENT_PATH, post, wait_for


def get(url, path):
    with urllib.request.urlopen(url + path, timeout=5) as response:
        return json.loads(response.read())


def error_of(url, path, body):
    with pytest.raises(urllib.error.HTTPError) as info:
        post(url, path, body)
    return info.value.code, json.loads(info.value.read())["error"]


def test_join_heartbeat_leave_over_http(rendezvous):
    post(rendezvous.url, "/v1/target", {"size": 2})
    post(rendezvous.url, "/v1/join", {"node_id": "a", "addr": "10.0.0.1", "nproc": 2, "index": 0})
    assert post(rendezvous.url, "/v1/heartbeat", {"node_id": "a"})["status"] == "forming"
    view = post(rendezvous.url, "/v1/join", {"node_id": "b", "addr": "10.0.0.2", "nproc": 2, "index": 1})
    assert view["status"] == "running" and view["assignment"]["first_rank"] == 2
    assert view["world_size"] == 4
    assert post(rendezvous.url, "/v1/leave", {"node_id": "a", "succeeded": False})["generation"] == 1
    assert get(rendezvous.url, "/v1/state")["members"] == 1
    assert get(rendezvous.url, "/healthz") == {"ok": True}


@pytest.mark.parametrize(
    "path, body, code, message",
    [
        ("/v1/join", {"addr": "x", "nproc": 1}, 400, "missing field 'node_id'"),
        ("/v1/join", {"node_id": "a", "addr": "x", "nproc": "two"}, 400, "field 'nproc' must be an integer"),
        ("/v1/join", {"node_id": "a", "addr": "x", "nproc": 0}, 400, "nproc must be >= 1"),
        ("/v1/join", ["not", "an", "object"], 400, "request body must be a JSON object"),
        ("/v1/heartbeat", {"node_id": "ghost"}, 404, "unknown node_id 'ghost': join first"),
        ("/v1/target", {"size": 0}, 400, "target size must be >= 1"),
        ("/v1/nothing", {}, 404, "no endpoint POST /v1/nothing"),
    ],
)
def test_bad_requests_get_clear_errors(rendezvous, path, body, code, message):
    got_code, got_message = error_of(rendezvous.url, path, body)
    assert got_code == code and message in got_message


def test_command_line_server_rejects_bad_sizes_and_serves(tmp_path):
    bad = subprocess.run(
        [sys.executable, "-m", "lattice.rendezvous", "--min-size", "3", "--max-size", "2"],
        env={"PYTHONPATH": AGENT_PATH},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert bad.returncode == 2 and "max size 2 is below min size 3" in bad.stderr
    port_file = tmp_path / "port"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "lattice.rendezvous",
            "--port",
            "0",
            "--host",
            "127.0.0.1",
            "--port-file",
            str(port_file),
        ],
        env={
            "PYTHONPATH": AGENT_PATH,
            "LATTICE_MIN_SIZE": "1",
            "LATTICE_MAX_SIZE": "3",
            "LATTICE_TARGET_SIZE": "2",
        },
    )
    try:
        wait_for(port_file.exists, what="the server's port file")
        state = get(f"http://127.0.0.1:{port_file.read_text()}", "/v1/state")
        assert (state["min_size"], state["max_size"], state["target_size"], state["status"]) == (
            1,
            3,
            2,
            "forming",
        )
    finally:
        server.terminate()
        assert server.wait(10) == 0
