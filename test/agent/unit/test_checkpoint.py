"""Atomic checkpoints and the Session's register/checkpoint/restore/stop."""

import os

import pytest
from lattice.addon import EXIT_RESTART, Session, atomic_write
from lattice.addon import checkpoint as ckpt


class Counter:
    """A registrable object (state_dict/load_state_dict), like a model."""

    def __init__(self, value=0):
        self.value = value

    def state_dict(self):
        return {"value": self.value}

    def load_state_dict(self, state):
        self.value = state["value"]


def test_atomic_write_replaces_the_whole_file(tmp_path):
    path = tmp_path / "f"
    atomic_write(str(path), b"first")
    atomic_write(str(path), b"second")
    assert path.read_bytes() == b"second"
    assert os.listdir(tmp_path) == ["f"]


def test_writer_dying_mid_write_leaves_the_previous_checkpoint(tmp_path):
    path = tmp_path / "checkpoint.pt"
    atomic_write(str(path), b"complete old checkpoint")

    def torn_write(f, data):
        f.write(data[:5])
        raise KeyboardInterrupt("killed mid-write")

    with pytest.raises(KeyboardInterrupt):
        atomic_write(str(path), b"new checkpoint that never finishes", write=torn_write)
    assert path.read_bytes() == b"complete old checkpoint"
    assert os.listdir(tmp_path) == ["checkpoint.pt"]  # the temp file is gone too


def env_for(tmp_path, **extra):
    env = {
        "RANK": "0",
        "WORLD_SIZE": "1",
        "LATTICE_CHECKPOINT_DIR": str(tmp_path / "ckpt"),
        "LATTICE_STOP_FILE": str(tmp_path / "stop"),
    }
    env.update(extra)
    return env


def test_restore_resumes_registered_state_and_progress(tmp_path):
    first = Session(env_for(tmp_path), handle_sigterm=False)
    model, opt = Counter(), Counter()
    first.register(model, opt, extra=Counter(9))
    assert first.restore() is False  # nothing saved yet
    for _ in range(3):
        model.value += 1
        first.step_end(samples=4)
    first.checkpoint()

    second = Session(env_for(tmp_path, LATTICE_GENERATION="1"), handle_sigterm=False)
    model2, opt2, extra2 = Counter(), Counter(), Counter()
    second.register(model2, opt2, extra=extra2)
    assert second.restore() is True
    assert (model2.value, extra2.value) == (3, 9)
    assert second.progress.to_dict() == {"epoch": 0, "step": 3, "samples_done": 12}


def test_stop_file_makes_step_end_checkpoint_and_say_stop(tmp_path):
    session = Session(env_for(tmp_path), handle_sigterm=False)
    model = Counter()
    session.register(model)
    assert session.step_end(2) is False
    assert ckpt.load(str(tmp_path / "ckpt")) is None
    (tmp_path / "stop").write_text("agent asks")
    model.value = 5
    assert session.step_end(2) is True
    saved = ckpt.load(str(tmp_path / "ckpt"))
    assert saved["progress"]["step"] == 2 and saved["objects"]["model"] == {"value": 5}
    with pytest.raises(SystemExit) as exit_info:
        session.exit_for_restart()
    assert exit_info.value.code == EXIT_RESTART


def test_periodic_checkpoints(tmp_path):
    session = Session(env_for(tmp_path), checkpoint_every=2, handle_sigterm=False)
    session.register(Counter())
    session.step_end(1)
    assert ckpt.load(str(tmp_path / "ckpt")) is None
    session.step_end(1)
    assert ckpt.load(str(tmp_path / "ckpt"))["progress"]["step"] == 2


def test_only_rank_zero_writes(tmp_path):
    session = Session(env_for(tmp_path, RANK="1", WORLD_SIZE="2"), handle_sigterm=False)
    session.register(Counter())
    session.checkpoint()
    assert not (tmp_path / "ckpt").exists()


def test_register_rejects_objects_without_state(tmp_path):
    with pytest.raises(TypeError, match="optimizer has no state_dict"):
        Session(env_for(tmp_path), handle_sigterm=False).register(Counter(), object())


def test_runs_without_torch():
    import sys

    assert "torch" not in sys.modules, "the addon must not need torch"
