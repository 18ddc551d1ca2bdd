#pragma once

#include <string>

namespace lattice::app {

/// `lattice-operator install-agent DIR`: the injection init container's
/// command (the image has no shell). Copies the agent wheel shipped in
/// `wheel_dir` (the highest version when several) to DIR/lattice_agent.whl,
/// atomically (temp file, then rename). Returns the process exit code and
/// prints a one-line message naming the path on failure.
int install_agent(const std::string& target_dir, const std::string& wheel_dir);

} // namespace lattice::app
