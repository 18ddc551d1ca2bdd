#include "scheduling/time.hpp"

namespace lattice::scheduling {

std::string format_time(time_point t) {
  return base::format_rfc3339(t);
}

} // namespace lattice::scheduling
