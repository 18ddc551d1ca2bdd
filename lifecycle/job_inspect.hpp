#pragma once

#include "lifecycle/job_model.hpp"

#include <cstddef>
#include <string>

namespace lattice::lifecycle {

/// The debug port's view of one job (/debug/jobs/NS/NAME): spec summary,
/// intended and observed status, pods, expectations, timers and the last
/// events. `leading`: this replica writes; `mailbox_size`: the actor's backlog.
std::string inspect_json(const job_model& st, bool leading, std::size_t mailbox_size);

/// One line of /debug/actors: kind, name, mailbox, stage, size, pods.
std::string summary_json(const job_model& st, std::size_t mailbox_size);

} // namespace lattice::lifecycle
