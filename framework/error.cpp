#include "framework/error.hpp"

#include <fmt/format.h>

namespace kanscan {

std::string format_location(const Location& where) {
  std::string out = where.file;
  if (where.line > 0) {
    out += out.empty() ? fmt::format("line {}", where.line) : fmt::format(":{}", where.line);
    if (where.col > 0) out += fmt::format(":{}", where.col);
  }
  if (!where.key.empty()) {
    if (!out.empty()) out += ": ";
    out += where.key;
  }
  return out;
}

std::string printable(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\0') out += "\\0";
    else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) out += fmt::format("\\x{:02x}", c);
    else out += ch;
  }
  return out;
}

static std::string compose(const Location& where, const std::string& detail) {
  const std::string loc = format_location(where);
  return printable(loc.empty() ? detail : fmt::format("{}: {}", loc, detail));
}

InputError::InputError(const Location& where, const std::string& detail)
    : std::runtime_error(compose(where, detail)), where_(where), detail_(detail) {}

IoError::IoError(const Location& where, const std::string& detail)
    : std::runtime_error(compose(where, detail)), where_(where), detail_(detail) {}

}  // namespace kanscan
