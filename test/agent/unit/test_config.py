"""The agent's LATTICE_* environment: defaults and clear errors."""

import pytest
from lattice.agent.config import ConfigError, load

BASE = {"LATTICE_RDZV_ENDPOINT": "job-rdzv.ns.svc:29400"}


def test_defaults_and_endpoint():
    config = load(dict(BASE, LATTICE_POD_NAME="job-worker-0", LATTICE_POD_IP="10.0.0.5"), ["python", "x.py"])
    assert config.rdzv_endpoint == "http://job-rdzv.ns.svc:29400"
    assert (config.framework, config.nproc_per_node, config.max_restarts) == ("pytorch", 1, 3)
    assert (config.pod_name, config.advertise_addr) == ("job-worker-0", "10.0.0.5")
    assert config.command == ["python", "x.py"]


@pytest.mark.parametrize(
    "env, nproc",
    [
        ({"LATTICE_NPROC_PER_NODE": "4"}, 4),
        ({"LATTICE_NPROC_PER_NODE": "auto", "NVIDIA_VISIBLE_DEVICES": "GPU-a,GPU-b"}, 2),
        ({"CUDA_VISIBLE_DEVICES": "0,1,2"}, 3),
        ({"NVIDIA_VISIBLE_DEVICES": "all"}, 1),
    ],
)
def test_processes_per_node(env, nproc):
    assert load(dict(BASE, **env), ["x"]).nproc_per_node == nproc


@pytest.mark.parametrize(
    "env, message",
    [
        ({"LATTICE_FRAMEWORK": "tensorflow"}, "LATTICE_FRAMEWORK='tensorflow' is not supported"),
        ({"LATTICE_RDZV_ENDPOINT": ""}, "LATTICE_RDZV_ENDPOINT is not set"),
        ({"LATTICE_RDZV_ENDPOINT": "host-without-port"}, "for LATTICE_RDZV_ENDPOINT: expected host:port"),
        ({"LATTICE_MAX_RESTARTS": "many"}, "invalid value 'many' for LATTICE_MAX_RESTARTS"),
        ({"LATTICE_NPROC_PER_NODE": "0"}, "for LATTICE_NPROC_PER_NODE: expected an integer >= 1"),
        (
            {"LATTICE_MIN_SIZE": "3", "LATTICE_MAX_SIZE": "2"},
            "LATTICE_MAX_SIZE=2 is below LATTICE_MIN_SIZE=3",
        ),
        ({"LATTICE_HEARTBEAT_SECONDS": "-1"}, "LATTICE_HEARTBEAT_SECONDS"),
    ],
)
def test_bad_values_name_the_variable(env, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        load(dict(BASE, **env), ["x"])


def test_command_is_required():
    with pytest.raises(ConfigError, match="no command to run"):
        load(BASE, [])
