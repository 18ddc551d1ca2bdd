"""The integer limits of k8s/codec/training_job_limits.hpp, read from the C++ header.

The decoder enforces them and the CRD declares them (`minimum`/`maximum`), so
both come from that one file. Each limit is a line of the form
`inline constexpr int_limit NAME{"field.path", MIN, MAX};` where MIN and MAX
are integer literals or names of `inline constexpr std::int64_t` constants in
the same file.
"""

import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HEADER = os.path.join(ROOT, "k8s", "codec", "training_job_limits.hpp")

_CONSTANT = re.compile(r"inline\s+constexpr\s+std::int64_t\s+(\w+)\s*=\s*(-?\d+)\s*;")
_LIMIT = re.compile(
    r'inline\s+constexpr\s+int_limit\s+(\w+)\s*\{\s*"([^"]+)"\s*,\s*(-?\w+)\s*,\s*(-?\w+)\s*\}\s*;'
)
_ALL = re.compile(r"inline\s+constexpr\s+std::array<int_limit,\s*(\d+)>\s+all\s*\{([^}]*)\}\s*;")


def _no_comments(text):
    return re.sub(r"//[^\n]*", "", text)


def read_limits(path=HEADER):
    """{"spec.minSize": (1, 10000), ...} in the header's order; raises on anything it cannot read."""
    text = _no_comments(open(path).read())
    constants = {name: int(value) for name, value in _CONSTANT.findall(text)}

    def value(token):
        sign = -1 if token.startswith("-") else 1
        bare = token.lstrip("-")
        if bare.isdigit():
            return sign * int(bare)
        if bare not in constants:
            raise ValueError(f"{path}: {token} is neither an integer nor an int64 constant of the file")
        return sign * constants[bare]

    limits, names = {}, []
    for name, field, low, high in _LIMIT.findall(text):
        if field in limits:
            raise ValueError(f"{path}: two limits for {field}")
        limits[field] = (value(low), value(high))
        if limits[field][0] > limits[field][1]:
            raise ValueError(f"{path}: {name} has minimum above maximum")
        names.append(name)
    found = _ALL.search(text)
    if not found:
        raise ValueError(f"{path}: no `all` array of the limits")
    listed = [n.strip() for n in found.group(2).split(",") if n.strip()]
    if sorted(listed) != sorted(names) or int(found.group(1)) != len(names):
        raise ValueError(f"{path}: `all` lists {listed}, the file defines {names}")
    if text.count("int_limit ") - 1 != len(names):  # the struct's own line aside
        raise ValueError(f"{path}: a limit is not on one `inline constexpr int_limit NAME{{...}};` statement")
    return limits
