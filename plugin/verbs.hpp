#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace lattice::plugin {

/// `kubectl lattice VERB ...` (docs/reference/kubectl-lattice.md): parses
/// `args` (without the program name), reads the cluster, prints to `out`,
/// errors to `err`, and returns the exit code. `terminal`: stdout is a
/// terminal (colours on unless NO_COLOR is set).
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err, bool terminal);

/// The help text of one verb, or of the plugin when `verb` is empty.
std::string help(const std::string& verb);

} // namespace lattice::plugin
