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

namespace {
// Start of the UTF-8 character that holds byte `i` (continuation bytes are 10xxxxxx).
std::size_t char_start(const std::string& s, std::size_t i) {
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
  return i;
}
}  // namespace

std::string excerpt(const std::string& text, std::size_t max) {
  std::string one_line;
  for (char c : text) one_line += (c == '\n' || c == '\r') ? ' ' : c;
  if (one_line.size() <= max) return one_line;
  return one_line.substr(0, char_start(one_line, max)) + "…";
}

std::string cap_message(const std::string& message, std::size_t max) {
  if (message.size() <= max) return message;
  const std::size_t cut = char_start(message, max);
  return message.substr(0, cut) + fmt::format("… ({} more bytes not shown)", message.size() - cut);
}

static std::string compose(const Location& where, const std::string& detail) {
  const std::string loc = format_location(where);
  return loc.empty() ? detail : fmt::format("{}: {}", loc, detail);
}

InputError::InputError(const Location& where, const std::string& detail)
    : std::runtime_error(compose(where, detail)), where_(where), detail_(detail) {}

IoError::IoError(const Location& where, const std::string& detail)
    : std::runtime_error(compose(where, detail)), where_(where), detail_(detail) {}

}  // namespace kanscan
