#pragma once

#include <cstdint>

namespace lattice::bench {

/// Heap allocations (operator new) made by the process so far. Linking
/// alloc_counter.cpp replaces the global operator new/delete to count them.
std::uint64_t allocations();
/// Bytes those allocations asked for, in total (not net of frees).
std::uint64_t allocated_bytes();

} // namespace lattice::bench
