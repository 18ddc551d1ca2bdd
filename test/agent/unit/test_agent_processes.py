"""Real agent processes against a real rendezvous server, with stdlib workers."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from conftest import AGENT_PATH, WORKER, post, records, wait_for
from lattice.addon import checkpoint as ckpt
from lattice.rendezvous.server import RendezvousServer
from lattice.rendezvous.state import Settings


def test_two_nodes_get_torchrun_environment_and_finish(rendezvous, agents, tmp_path):
    post(rendezvous.url, "/v1/target", {"size": 2})
    second = agents(1, nproc=1, extra_env={"TEST_STEPS": "5"})
    first = agents(0, nproc=2, extra_env={"TEST_STEPS": "5"})
    assert first.wait() == 0, first.output()
    assert second.wait() == 0, second.output()
    launched = sorted(records(tmp_path), key=lambda r: int(r["RANK"]))
    assert [(r["RANK"], r["LOCAL_RANK"], r["LOCAL_WORLD_SIZE"], r["GROUP_RANK"]) for r in launched] == [
        ("0", "0", "2", "0"),
        ("1", "1", "2", "0"),
        ("2", "0", "1", "1"),
    ]
    assert {(r["WORLD_SIZE"], r["MASTER_ADDR"], r["MASTER_PORT"]) for r in launched} == {
        ("3", "10.0.0.1", "29555")
    }


def test_crashed_workers_restart_up_to_the_limit_then_exit_with_their_code(rendezvous, agents, tmp_path):
    agent = agents(0, extra_env={"TEST_EXIT_CODES": "3,3,3,3", "LATTICE_MAX_RESTARTS": "2"})
    assert agent.wait() == 3, agent.output()
    assert [r["TORCHELASTIC_RESTART_COUNT"] for r in records(tmp_path)] == ["0", "1", "2"]
    assert "restart limit 2 reached" in agent.output()


def test_a_crash_within_the_limit_is_restarted_and_the_job_succeeds(rendezvous, agents, tmp_path):
    agent = agents(0, extra_env={"TEST_EXIT_CODES": "7,0", "TEST_STEPS": "3"})
    assert agent.wait() == 0, agent.output()
    assert [r["LATTICE_GENERATION"] for r in records(tmp_path)] == ["0", "1"]


def test_sigterm_checkpoints_then_exits(rendezvous, agents, tmp_path):
    agent = agents(0)  # trains forever
    wait_for(lambda: records(tmp_path), what="the worker to start")
    wait_for(lambda: "generation 0" in agent.output(), what="generation 0")
    time.sleep(0.5)  # a few steps
    agent.proc.send_signal(signal.SIGTERM)
    assert agent.wait(timeout=20) == 128 + signal.SIGTERM, agent.output()
    saved = ckpt.load(str(tmp_path / "checkpoints"))
    assert saved is not None, "no checkpoint written on SIGTERM"
    assert saved["progress"]["step"] >= 1 and saved["objects"]["model"]["value"] == saved["progress"]["step"]
    assert post(rendezvous.url, "/v1/target", {"size": 1})["members"] == 0  # it left the rendezvous


def test_new_member_restarts_workers_at_the_new_size_from_the_checkpoint(rendezvous, agents, tmp_path):
    post(rendezvous.url, "/v1/target", {"size": 1})
    first = agents(0, extra_env={"TEST_STEPS": "60"})
    wait_for(lambda: len(records(tmp_path)) == 1, what="generation 0 to start")
    time.sleep(1.0)  # some steps in generation 0
    post(rendezvous.url, "/v1/target", {"size": 2})
    second = agents(1, extra_env={"TEST_STEPS": "60"})
    assert first.wait(timeout=60) == 0, first.output()
    assert second.wait(timeout=60) == 0, second.output()
    by_generation = {}
    for r in records(tmp_path):
        by_generation.setdefault(r["LATTICE_GENERATION"], []).append(r["WORLD_SIZE"])
    assert by_generation == {"0": ["1"], "1": ["2", "2"]}
    assert "generation 0 ended (new generation 1)" in first.output()
    starts = [json.loads(line) for line in (tmp_path / "record.jsonl.starts").read_text().splitlines()]
    resumed = [s for s in starts if s["generation"] == 1]
    assert len(resumed) == 2 and resumed[0]["step"] > 0  # restored, not restarted
    assert all(s["value"] == s["step"] for s in resumed)
    saved = ckpt.load(str(tmp_path / "checkpoints"))
    assert saved["progress"]["step"] == 60 and saved["generation"] == 1


def test_a_checkpoint_longer_than_lease_and_settle_delays_the_grow_not_splits_it(
    rendezvous, agents, tmp_path
):
    """The old member takes 5 s to checkpoint (lease 3 s, settle 2 s): the new
    member must wait for it, not train alone from no checkpoint in between."""
    post(rendezvous.url, "/v1/target", {"size": 1})
    first = agents(0, extra_env={"TEST_STEPS": "60", "TEST_STOP_SECONDS": "5"})
    wait_for(lambda: len(records(tmp_path)) == 1, what="generation 0 to start")
    time.sleep(1.0)  # some steps in generation 0
    post(rendezvous.url, "/v1/target", {"size": 2})
    second = agents(1, extra_env={"TEST_STEPS": "60"})
    assert first.wait(timeout=60) == 0, first.output()
    assert second.wait(timeout=60) == 0, second.output()
    by_generation = {}
    for r in records(tmp_path):
        by_generation.setdefault(r["LATTICE_GENERATION"], []).append(r["WORLD_SIZE"])
    assert by_generation == {"0": ["1"], "1": ["2", "2"]}, (first.output(), second.output())
    starts = [json.loads(line) for line in (tmp_path / "record.jsonl.starts").read_text().splitlines()]
    resumed = [s for s in starts if s["generation"] == 1]
    assert len(resumed) == 2 and all(s["step"] > 0 and s["value"] == s["step"] for s in resumed), starts


def test_unsupported_framework_is_rejected_clearly(rendezvous, agents):
    agent = agents(0, extra_env={"LATTICE_FRAMEWORK": "tensorflow"})
    assert agent.wait() == 2
    assert (
        "LATTICE_FRAMEWORK='tensorflow' is not supported by this agent yet; supported: pytorch"
        in agent.output()
    )


def test_rendezvous_restart_loses_no_progress(rendezvous, agents, tmp_path):
    """The rendezvous pod is recreated (state lost): agents re-join and resume."""
    post(rendezvous.url, "/v1/target", {"size": 1})
    agent = agents(0, extra_env={"TEST_STEPS": "60"})
    wait_for(lambda: len(records(tmp_path)) == 1, what="generation 0 to start")
    time.sleep(1.0)
    port = rendezvous.port
    rendezvous.stop()
    replacement = RendezvousServer(
        Settings(1, 4, settle_s=2.0, lease_s=3.0, master_port=29555), host="127.0.0.1", port=port
    ).start()
    try:
        post(f"http://127.0.0.1:{port}", "/v1/target", {"size": 1})
        assert agent.wait(timeout=60) == 0, agent.output()
    finally:
        replacement.stop()
    starts = [json.loads(line) for line in (tmp_path / "record.jsonl.starts").read_text().splitlines()]
    assert len(starts) == 2 and starts[1]["step"] > 0, starts
    assert "rendezvous" in agent.output().split("generation 0 ended", 1)[1].splitlines()[0]


def test_sigterm_while_the_rendezvous_is_down_exits_promptly(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead_port = s.getsockname()[1]
    env = {"PYTHONPATH": AGENT_PATH, "LATTICE_RDZV_ENDPOINT": f"127.0.0.1:{dead_port}"}
    agent = subprocess.Popen(
        [sys.executable, "-m", "lattice.agent", "--", sys.executable, WORKER],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.5)  # retrying the join
    assert agent.poll() is None
    started = time.monotonic()
    agent.send_signal(signal.SIGTERM)
    assert agent.wait(timeout=10) == 128 + signal.SIGTERM, agent.stderr.read()
    assert time.monotonic() - started < 5
    agent.stderr.close()


def test_workers_ignoring_the_stop_request_are_terminated_after_the_grace(rendezvous, agents, tmp_path):
    """A command that does not use the addon never sees the stop file: SIGTERM, then SIGKILL."""
    pid_file = tmp_path / "pid"
    script = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(600)"
    agent = agents(
        0, extra_env={"LATTICE_TERMINATION_GRACE_SECONDS": "1"}, command=[sys.executable, "-c", script]
    )
    wait_for(pid_file.exists, what="the worker to start")
    started = time.monotonic()
    agent.proc.send_signal(signal.SIGTERM)
    assert agent.wait(timeout=20) == 128 + signal.SIGTERM, agent.output()
    assert time.monotonic() - started < 8
    try:
        os.kill(int(pid_file.read_text()), 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive, "the worker outlived its agent"


def test_the_agent_serves_the_jobs_rate_in_steady_state(rendezvous, agents, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    agents(
        0,
        nproc=2,
        extra_env={
            "LATTICE_AGENT_STATUS_PORT": str(port),
            "LATTICE_THROUGHPUT_WARMUP_SECONDS": "1",
            "LATTICE_THROUGHPUT_WINDOW_SECONDS": "4",
        },
    )

    def document():
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/throughput", timeout=2) as r:
                return json.loads(r.read())
        except OSError:
            return None

    wait_for(lambda: (document() or {}).get("report") is not None, timeout=30, what="a throughput report")
    report = document()["report"]
    # stepping_worker: one sample per step, a step every 0.05 s plus overhead.
    assert 5 < report["samplesPerSecond"] <= 21, report
    assert (report["workers"], report["processes"]) == (1, 2)
    assert abs(report["measuredAt"] - time.time()) < 5
