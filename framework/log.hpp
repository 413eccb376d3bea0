#pragma once
// Minimal leveled logging to stderr, one line per call, prefixed with the rank when there are
// several. Thread-safe (one write per line).
#include <fmt/format.h>

#include <string>

namespace kanscan::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3, quiet = 4 };

Level level();
void set_rank(int rank, int size);
void write(Level level, const std::string& line);

template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::info) write(Level::info, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::warn) write(Level::warn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::error) write(Level::error, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::debug) write(Level::debug, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace kanscan::log
