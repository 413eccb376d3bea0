#include "framework/memory.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <string>

namespace kanscan {
namespace {

std::uint64_t meminfo_available() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  std::uint64_t kb = 0;
  std::string unit;
  while (in >> key >> kb >> unit)
    if (key == "MemAvailable:") return kb * 1024;
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
  return std::numeric_limits<std::uint64_t>::max();
}

std::uint64_t read_number(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return std::numeric_limits<std::uint64_t>::max();
  try {
    return std::stoull(text);
  } catch (const std::exception&) {
    return std::numeric_limits<std::uint64_t>::max();
  }
}

// What the memory cgroup of this process leaves (a batch job's limit: MemAvailable is the
// node's). cgroup v2 (memory.max - memory.current) or v1 (memory.limit_in_bytes - usage).
std::uint64_t cgroup_available() {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  std::uint64_t best = std::numeric_limits<std::uint64_t>::max();
  while (std::getline(in, line)) {
    const auto a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
    std::uint64_t limit = std::numeric_limits<std::uint64_t>::max(), used = 0;
    if (controllers.empty()) {
      limit = read_number("/sys/fs/cgroup" + path + "/memory.max");
      used = limit == std::numeric_limits<std::uint64_t>::max() ? 0 : read_number("/sys/fs/cgroup" + path + "/memory.current");
    } else if (("," + controllers + ",").find(",memory,") != std::string::npos) {
      limit = read_number("/sys/fs/cgroup/memory" + path + "/memory.limit_in_bytes");
      used = limit == std::numeric_limits<std::uint64_t>::max() ? 0
                                                                : read_number("/sys/fs/cgroup/memory" + path + "/memory.usage_in_bytes");
    }
    if (used == std::numeric_limits<std::uint64_t>::max()) used = 0;
    if (limit != std::numeric_limits<std::uint64_t>::max()) best = std::min(best, limit > used ? limit - used : 0);
  }
  return best;
}

// KANSCAN_MEMORY_LIMIT_MB: a ceiling set by the user (or the fuzz targets).
std::uint64_t user_limit() {
  const char* v = std::getenv("KANSCAN_MEMORY_LIMIT_MB");
  if (!v || !*v) return std::numeric_limits<std::uint64_t>::max();
  char* end = nullptr;
  const unsigned long long mb = std::strtoull(v, &end, 10);
  if (end == v || *end != '\0') return std::numeric_limits<std::uint64_t>::max();
  return mb > (std::numeric_limits<std::uint64_t>::max() >> 20) ? std::numeric_limits<std::uint64_t>::max() : mb << 20;
}

std::uint64_t rlimit_of(int resource) {
  struct rlimit rl {};
  if (::getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return std::numeric_limits<std::uint64_t>::max();
  return static_cast<std::uint64_t>(rl.rlim_cur);
}

}  // namespace

std::uint64_t available_memory_bytes() {
  return std::min({meminfo_available(), cgroup_available(), user_limit(), rlimit_of(RLIMIT_AS), rlimit_of(RLIMIT_DATA)});
}

std::optional<std::uint64_t> checked_product(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  std::uint64_t ab = 0, abc = 0;
  if (__builtin_mul_overflow(a, b, &ab) || __builtin_mul_overflow(ab, c, &abc)) return std::nullopt;
  return abc;
}

std::string format_bytes(double bytes) {
  static const char* units[] = {"bytes", "kB", "MB", "GB", "TB", "PB", "EB"};
  int u = 0;
  while (bytes >= 1000.0 && u < 6) bytes /= 1000.0, ++u;
  return u == 0 ? fmt::format("{:.0f} bytes", bytes) : fmt::format("{:.3g} {}", bytes, units[u]);
}

}  // namespace kanscan
