#pragma once
// RFC 4180 records of a CSV file, through libcsv (Debian libcsv-dev): quoted fields with
// delimiters, doubled quotes and line breaks inside, CRLF, a UTF-8 byte-order mark. Outside
// quotes, blank lines and lines starting with `#` between records are skipped, and spaces around
// a field are trimmed (tabs too, unless tab is the delimiter). Only io/readers.cpp uses it.
#include <functional>
#include <string>
#include <vector>

namespace kanscan::io::csv {

// Calls fn(fields, line) for every record in order, the header included; `line` is the 1-based
// line where the record starts. fn returns false to stop. Malformed quoting is an InputError
// naming the line.
void for_each_record(const std::string& path, char delimiter,
                     const std::function<bool(const std::vector<std::string>& fields, int line)>& fn);

}  // namespace kanscan::io::csv
