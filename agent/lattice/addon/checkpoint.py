"""Atomic checkpoint files: write a temp file, fsync, rename, fsync the directory.

A reader therefore sees either the previous complete checkpoint or the new
complete one, never a torn file, even if the writer is killed mid-write or the
node loses power after the rename. torch.save/torch.load when PyTorch is
importable (state dicts hold tensors), pickle otherwise.
"""

from __future__ import annotations

import io
import os
import pickle
import tempfile
from typing import Any, Callable, Optional

CHECKPOINT_NAME = "checkpoint.pt"


def _torch():
    try:
        import torch  # noqa: WPS433 (optional dependency)
    except ImportError:
        return None
    return torch


def serialize(state: Any) -> bytes:
    torch = _torch()
    buffer = io.BytesIO()
    if torch is not None:
        torch.save(state, buffer)
    else:
        pickle.dump(state, buffer, protocol=pickle.HIGHEST_PROTOCOL)
    return buffer.getvalue()


def deserialize(data: bytes) -> Any:
    torch = _torch()
    if torch is not None:
        # weights_only=False: our own file, holding optimizer state and plain dicts.
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=False)
    return pickle.loads(data)


def atomic_write(path: str, data: bytes, write: Optional[Callable[[Any, bytes], None]] = None) -> None:
    """Replaces `path` with `data` atomically. `write` is a seam for tests (default f.write)."""
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-" + os.path.basename(path) + "-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as out:
            (write or (lambda f, d: f.write(d)))(out, data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def save(directory: str, state: Any) -> str:
    """Writes the job's checkpoint into `directory`; returns its path."""
    path = os.path.join(directory, CHECKPOINT_NAME)
    atomic_write(path, serialize(state))
    return path


def load(directory: str) -> Optional[Any]:
    """The job's checkpoint in `directory`, or None when there is none yet."""
    path = os.path.join(directory, CHECKPOINT_NAME)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    return deserialize(data)
