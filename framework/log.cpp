#include "framework/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>

namespace kanscan::log {
namespace {
std::atomic<Level> g_level{Level::info};
std::atomic<int> g_rank{0};
std::atomic<int> g_size{1};
std::mutex g_mutex;
}  // namespace

Level level() { return g_level; }
void set_rank(int rank, int size) {
  g_rank = rank;
  g_size = size;
}

void write(Level l, const std::string& line) {
  static const char* names[] = {"debug", "info", "warning", "error", ""};
  std::string out;
  if (g_size > 1) out += fmt::format("[rank {}] ", g_rank.load());
  if (l != Level::info) out += fmt::format("{}: ", names[static_cast<int>(l)]);
  out += line;
  out += '\n';
  std::lock_guard<std::mutex> lock(g_mutex);
  std::fwrite(out.data(), 1, out.size(), stderr);
  std::fflush(stderr);
}

}  // namespace kanscan::log
