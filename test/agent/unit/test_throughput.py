"""The agent's throughput measurement: the meter's steady-state window, the
progress file the addon writes, and the HTTP document the operator reads."""

import json
import urllib.request

import pytest
from lattice.addon.session import Session
from lattice.agent.config import ConfigError, load
from lattice.agent.throughput import StatusServer, ThroughputMeter, read_progress
from lattice.agent.workers import worker_env


def feed(meter, rate, start, end, step=1.0, base=0):
    t = start
    while t <= end:
        meter.observe(int(base + rate * (t - start)), t)
        t += step


def test_no_report_before_a_generation_or_during_warmup():
    meter = ThroughputMeter(warmup_s=30, window_s=60, min_span_s=10)
    meter.observe(100, 1000.0)
    assert meter.report() is None  # no generation started
    meter.start(generation=3, workers=2, processes=4)
    feed(meter, 50, 1000.0, 1029.0)
    assert meter.report() is None  # still warming up


def test_warmup_steps_do_not_count():
    meter = ThroughputMeter(warmup_s=30, window_s=60, min_span_s=10)
    meter.start(generation=1, workers=2, processes=2)
    feed(meter, 5, 0.0, 30.0)  # slow start: compilation, data loader
    feed(meter, 100, 31.0, 60.0, base=5 * 30 + 100)
    report = meter.report()
    assert report["samplesPerSecond"] == pytest.approx(100, rel=0.05)
    assert (report["generation"], report["workers"], report["processes"]) == (1, 2, 2)
    assert report["measuredAt"] == 60.0


def test_needs_the_minimum_span_after_warmup():
    meter = ThroughputMeter(warmup_s=10, window_s=60, min_span_s=10)
    meter.start(1, 1, 1)
    feed(meter, 10, 0.0, 15.0)
    assert meter.report() is None
    feed(meter, 10, 16.0, 25.0, base=160)
    assert meter.report() is not None


def test_window_keeps_only_the_newest_points():
    meter = ThroughputMeter(warmup_s=0.5, window_s=20, min_span_s=5)
    meter.start(1, 1, 1)
    feed(meter, 10, 0.0, 100.0)
    feed(meter, 40, 101.0, 140.0, base=1000 + 40)
    report = meter.report()
    assert report["samplesPerSecond"] == pytest.approx(40, rel=0.01)
    assert report["windowSeconds"] <= 21


def test_a_new_generation_measures_afresh():
    meter = ThroughputMeter(warmup_s=1, window_s=20, min_span_s=5)
    meter.start(1, 2, 2)
    feed(meter, 10, 0.0, 30.0)
    assert meter.report() is not None
    meter.start(2, 3, 3)
    assert meter.report() is None
    assert meter.document() == {"generation": 2, "workers": 3, "report": None}


def test_counts_going_back_or_repeated_points_are_ignored():
    meter = ThroughputMeter(warmup_s=1, window_s=20, min_span_s=5)
    meter.start(1, 1, 1)
    feed(meter, 10, 0.0, 20.0)
    before = meter.report()
    meter.observe(5, 21.0)  # a count from an older process
    meter.observe(10_000, 20.0)  # the same time again
    assert meter.report() == before


def test_no_progress_gives_no_rate():
    meter = ThroughputMeter(warmup_s=1, window_s=20, min_span_s=5)
    meter.start(1, 1, 1)
    for t in range(30):
        meter.observe(7, float(t))
    assert meter.report() is None


def test_read_progress_tolerates_missing_and_bad_files(tmp_path):
    path = tmp_path / "progress"
    assert read_progress(str(path)) is None
    path.write_text("{not json")
    assert read_progress(str(path)) is None
    path.write_text(json.dumps({"samples": -1, "time": 1.0}))
    assert read_progress(str(path)) is None
    path.write_text(json.dumps({"samples": 12, "time": 5.5}))
    assert read_progress(str(path)) == (12, 5.5)


def test_session_writes_the_samples_trained_at_most_once_a_second(tmp_path, monkeypatch):
    path = tmp_path / "progress"
    session = Session({"LATTICE_PROGRESS_FILE": str(path)}, handle_sigterm=False)
    clock = iter([100.0, 100.5, 101.2])
    monkeypatch.setattr("lattice.addon.session.time.time", lambda: next(clock))
    session.step_end(32)
    assert read_progress(str(path)) == (32, 100.0)
    session.step_end(32)  # 0.5 s later: not written
    assert read_progress(str(path)) == (32, 100.0)
    session.end_epoch()  # an epoch boundary does not reset the count
    session.step_end(32)
    assert read_progress(str(path)) == (96, 101.2)


def test_session_without_progress_file_writes_nothing(tmp_path):
    session = Session({}, handle_sigterm=False)
    session.step_end(8)
    assert session.samples_trained == 8 and list(tmp_path.iterdir()) == []


def test_only_the_first_local_process_writes_progress():
    assignment = {
        "node_rank": 0,
        "first_rank": 0,
        "nproc": 2,
        "nnodes": 1,
        "world_size": 2,
        "master_addr": "a",
        "master_port": 1,
    }
    envs = [
        worker_env({"LATTICE_PROGRESS_FILE": "/inherited"}, assignment, r, 1, 0, 3, "j", "/s", "/p")
        for r in range(2)
    ]
    assert envs[0]["LATTICE_PROGRESS_FILE"] == "/p"
    assert "LATTICE_PROGRESS_FILE" not in envs[1]


def test_status_server_serves_the_document():
    server = StatusServer(lambda: {"generation": 4, "workers": 2, "report": None}, 0, "127.0.0.1").start()
    try:
        url = f"http://127.0.0.1:{server.port}"
        with urllib.request.urlopen(url + "/throughput", timeout=5) as r:
            assert json.loads(r.read()) == {"generation": 4, "workers": 2, "report": None}
        with urllib.request.urlopen(url + "/healthz", timeout=5) as r:
            assert r.status == 200
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(url + "/other", timeout=5)
    finally:
        server.stop()


def test_status_port_and_windows_come_from_the_environment():
    base = {"LATTICE_RDZV_ENDPOINT": "r:29400"}
    default = load(base, ["x"])
    assert (default.status_port, default.throughput_warmup_s, default.throughput_window_s) == (29410, 30, 120)
    custom = load(
        {
            **base,
            "LATTICE_AGENT_STATUS_PORT": "0",
            "LATTICE_THROUGHPUT_WARMUP_SECONDS": "5",
            "LATTICE_THROUGHPUT_WINDOW_SECONDS": "60",
        },
        ["x"],
    )
    assert (custom.status_port, custom.throughput_warmup_s, custom.throughput_window_s) == (0, 5, 60)
    with pytest.raises(ConfigError, match="LATTICE_AGENT_STATUS_PORT"):
        load({**base, "LATTICE_AGENT_STATUS_PORT": "70000"}, ["x"])
