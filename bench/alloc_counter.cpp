// Replaces the global operator new/delete with malloc/free plus one relaxed
// counters, so a benchmark can report allocations (and their bytes) per
// iteration. Its own
// translation unit: inlined into a caller, GCC's mismatched-new-delete
// warning misreads the pairing.
#include "alloc_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::uint64_t> counted{0};
std::atomic<std::uint64_t> bytes{0};
} // namespace

std::uint64_t lattice::bench::allocations() {
  return counted.load(std::memory_order_relaxed);
}

std::uint64_t lattice::bench::allocated_bytes() {
  return bytes.load(std::memory_order_relaxed);
}

void* operator new(std::size_t size) {
  counted.fetch_add(1, std::memory_order_relaxed);
  bytes.fetch_add(size, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size))
    return p;
  throw std::bad_alloc();
}

void* operator new[](std::size_t size) {
  return ::operator new(size);
}

void operator delete(void* p) noexcept {
  std::free(p);
}

void operator delete[](void* p) noexcept {
  std::free(p);
}

void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}
