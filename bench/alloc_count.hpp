// Counts every heap allocation of the program (alloc_count.cpp replaces the global
// operator new), so benchmarks can report allocations per request next to CPU time.
#pragma once

#include <cstdint>

namespace sofy_bench {
std::uint64_t allocations() noexcept;
}
