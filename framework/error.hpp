#pragma once
// Error types shared by every module. main() maps InputError to exit code 2 and
// everything else (IoError included) to exit code 1 (see scans/main.cpp).
#include <cstddef>
#include <stdexcept>
#include <string>

namespace kanscan {

// Where in a user's input a problem was found. Any field may be empty / -1.
struct Location {
  std::string file;
  int line = -1;  // 1-based
  int col = -1;   // 1-based
  std::string key;  // key path, e.g. "models[1].grid_size"
};

// Bad user input: config, data file, results file or CLI argument. Exit code 2.
// what() is the full message: "file:line:col: key: detail".
class InputError : public std::runtime_error {
 public:
  InputError(const Location& where, const std::string& detail);
  explicit InputError(const std::string& detail) : InputError(Location{}, detail) {}
  const Location& where() const noexcept { return where_; }
  const std::string& detail() const noexcept { return detail_; }

 private:
  Location where_;
  std::string detail_;
};

// An I/O failure: disk full, permission, a write that did not complete. Exit code 1: the
// input was fine, the machine could not store the result. what() is "file: key: detail".
class IoError : public std::runtime_error {
 public:
  IoError(const Location& where, const std::string& detail);
  explicit IoError(const std::string& detail) : IoError(Location{}, detail) {}
  const Location& where() const noexcept { return where_; }
  const std::string& detail() const noexcept { return detail_; }

 private:
  Location where_;
  std::string detail_;
};

// A numerical failure inside a trial (NaN/inf). Caught by the trainer and turned into
// status "failed"; it never ends a scan.
class NumericalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::string format_location(const Location& where);

// Input quoted in a message, cut to `max` characters (UTF-8 safe) with "…" when longer, so
// that a long cell or a whole file read as one value is never echoed whole.
std::string excerpt(const std::string& text, std::size_t max = 80);
// A message as printed: at most `max` bytes, cut with a note of how much was left out.
std::string cap_message(const std::string& message, std::size_t max = 4000);

}  // namespace kanscan
