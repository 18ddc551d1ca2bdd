"""The Lattice agent: wraps a training command, keeps it running across resizes."""

from .agent import EXIT_TERMINATED, Agent, classify
from .config import AgentConfig, ConfigError, load
from .workers import EXIT_RESTART

__all__ = ["Agent", "AgentConfig", "ConfigError", "EXIT_RESTART", "EXIT_TERMINATED", "classify", "load"]
