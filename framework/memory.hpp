#pragma once
// How much memory this process can still get, to refuse a file whose declared sizes cannot fit
// before allocating anything (a hostile [1e12, 4] dataset would otherwise end in bad_alloc, or
// in a swap storm when the kernel overcommits).
#include <cstdint>
#include <optional>
#include <string>

namespace kanscan {

// The smallest of: MemAvailable (Linux /proc/meminfo; else the physical memory), what the
// process's memory cgroup leaves (a batch job's limit), $KANSCAN_MEMORY_LIMIT_MB, and the
// address-space and data-segment limits (setrlimit) when they are set.
std::uint64_t available_memory_bytes();

// a * b * c, or nullopt when the product overflows 64 bits.
std::optional<std::uint64_t> checked_product(std::uint64_t a, std::uint64_t b, std::uint64_t c = 1);

// "1.5 GB", "16 TB": byte counts in messages.
std::string format_bytes(double bytes);

}  // namespace kanscan
