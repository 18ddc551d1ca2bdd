#pragma once

#include <cstdint>

namespace lattice::bench {

/// Heap allocations (operator new) made by the process so far. Linking
/// alloc_counter.cpp replaces the global operator new/delete to count them.
std::uint64_t allocations();

} // namespace lattice::bench
