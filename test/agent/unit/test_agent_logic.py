"""Pure parts of the agent: exit-code classification and the workers' environment."""

import pytest
from lattice.agent.agent import FAILED, STOPPED, SUCCEEDED, classify
from lattice.agent.workers import EXIT_RESTART, exit_code, with_addon_on_path, worker_env


@pytest.mark.parametrize(
    "codes, stop_requested, kind, code",
    [
        ([0, 0], False, SUCCEEDED, 0),
        ([0, 0], True, SUCCEEDED, 0),  # finished while we asked: still done
        ([EXIT_RESTART, EXIT_RESTART], False, STOPPED, 0),  # a peer asked: all stopped at one step
        ([EXIT_RESTART, 0], False, STOPPED, 0),
        ([3, EXIT_RESTART], False, FAILED, 3),
        ([137, 143], True, STOPPED, 0),  # we escalated to signals: not a crash
        ([1], False, FAILED, 1),
    ],
)
def test_classify(codes, stop_requested, kind, code):
    outcome = classify(codes, stop_requested)
    assert (outcome.kind, outcome.code) == (kind, code)


def test_signal_deaths_report_as_the_shell_does():
    assert exit_code(-9) == 137 and exit_code(-15) == 143 and exit_code(4) == 4


@pytest.mark.parametrize(
    "pythonpath, expected",
    [
        (None, "/lattice/agent/lattice_agent.whl"),
        ("/app", "/lattice/agent/lattice_agent.whl:/app"),
        ("/lattice/agent/lattice_agent.whl:/app", "/lattice/agent/lattice_agent.whl:/app"),
    ],
)
def test_addon_is_put_first_on_the_workers_path(pythonpath, expected):
    base = {} if pythonpath is None else {"PYTHONPATH": pythonpath}
    assert with_addon_on_path(base, "/lattice/agent/lattice_agent.whl")["PYTHONPATH"] == expected


def test_worker_env_matches_torchrun():
    assignment = {
        "node_rank": 1,
        "first_rank": 4,
        "nproc": 2,
        "nnodes": 3,
        "world_size": 7,
        "master_addr": "10.0.0.1",
        "master_port": 29500,
    }
    env = worker_env(
        {"KEEP": "me"},
        assignment,
        local_rank=1,
        generation=5,
        restart_count=2,
        max_restarts=3,
        run_id="job",
        stop_file="/run/stop-1",
    )
    assert {
        k: env[k]
        for k in (
            "WORLD_SIZE",
            "RANK",
            "LOCAL_RANK",
            "LOCAL_WORLD_SIZE",
            "GROUP_RANK",
            "GROUP_WORLD_SIZE",
            "MASTER_ADDR",
            "MASTER_PORT",
            "TORCHELASTIC_RESTART_COUNT",
            "LATTICE_GENERATION",
            "LATTICE_STOP_FILE",
            "OMP_NUM_THREADS",
            "KEEP",
        )
    } == {
        "WORLD_SIZE": "7",
        "RANK": "5",
        "LOCAL_RANK": "1",
        "LOCAL_WORLD_SIZE": "2",
        "GROUP_RANK": "1",
        "GROUP_WORLD_SIZE": "3",
        "MASTER_ADDR": "10.0.0.1",
        "MASTER_PORT": "29500",
        "TORCHELASTIC_RESTART_COUNT": "2",
        "LATTICE_GENERATION": "5",
        "LATTICE_STOP_FILE": "/run/stop-1",
        "OMP_NUM_THREADS": "1",
        "KEEP": "me",
    }


def test_orphaned_zombies_are_reaped_but_workers_are_left_to_popen():
    import os
    import subprocess
    import sys
    import time

    from lattice.agent.workers import reap_orphans

    worker = subprocess.Popen([sys.executable, "-c", "pass"])
    orphan = subprocess.Popen([sys.executable, "-c", "pass"])  # stands in for a re-parented grandchild
    for proc in (worker, orphan):
        while open(f"/proc/{proc.pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z":
            time.sleep(0.01)
    assert reap_orphans([worker.pid]) >= 1
    assert not os.path.exists(f"/proc/{orphan.pid}")
    assert worker.wait(5) == 0  # its status was kept for Popen
