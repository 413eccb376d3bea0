#include "io/csv_table.hpp"

#include <csv.h>
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>

#include "framework/error.hpp"

namespace kanscan::io::csv {
namespace {

// Records are collected here by libcsv's C callbacks and handed to C++ after each parse call:
// no exception ever crosses the C library.
struct Collector {
  std::vector<std::string> fields;
  std::vector<std::vector<std::string>> done;
};

void on_field(void* s, std::size_t n, void* data) {
  auto* c = static_cast<Collector*>(data);
  c->fields.emplace_back(s ? static_cast<const char*>(s) : "", s ? n : 0);
}

void on_record(int, void* data) {
  auto* c = static_cast<Collector*>(data);
  c->done.push_back(std::move(c->fields));
  c->fields.clear();
}

int space_only(unsigned char c) { return c == ' '; }
int space_or_tab(unsigned char c) { return c == ' ' || c == '\t'; }

bool skippable(const std::string& line) {
  const auto first = line.find_first_not_of(" \t\r");
  return first == std::string::npos || line[first] == '#';
}

struct Parser {
  csv_parser p{};
  explicit Parser(char delimiter) {
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) throw std::bad_alloc();
    csv_set_delim(&p, static_cast<unsigned char>(delimiter));
    csv_set_space_func(&p, delimiter == '\t' ? space_only : space_or_tab);
  }
  ~Parser() { csv_free(&p); }
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;
};

[[noreturn]] void malformed(const std::string& path, int line, int record_line) {
  throw InputError(Location{path, line, -1, ""},
                   fmt::format("malformed quoting in the record that starts at line {} (RFC 4180: a field with a "
                               "quote, the delimiter or a line break is quoted as a whole, a quote inside it doubled)",
                               record_line));
}

}  // namespace

void for_each_record(const std::string& path, char delimiter,
                     const std::function<bool(const std::vector<std::string>&, int)>& fn) {
  if (!std::filesystem::exists(path)) throw InputError(Location{path, -1, -1, ""}, "file does not exist");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(Location{path, -1, -1, ""}, "cannot open file");
  Parser parser(delimiter);
  Collector c;
  std::string line;
  int line_no = 0, record_line = 0;
  bool at_record_start = true;
  while (std::getline(in, line)) {
    ++line_no;
    if (line_no == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // UTF-8 byte-order mark
    if (at_record_start) {
      if (skippable(line)) continue;
      record_line = line_no;
    }
    line += '\n';
    if (csv_parse(&parser.p, line.data(), line.size(), on_field, on_record, &c) != line.size())
      malformed(path, line_no, record_line);
    at_record_start = !c.done.empty();
    for (const auto& rec : c.done)
      if (!fn(rec, record_line)) return;
    c.done.clear();
  }
  if (csv_fini(&parser.p, on_field, on_record, &c) != 0) malformed(path, line_no, record_line);
  for (const auto& rec : c.done)
    if (!fn(rec, record_line)) return;
}

}  // namespace kanscan::io::csv
