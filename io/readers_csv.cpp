// The CSV half of io/readers (layout and checks: docs/data.md, "Data files"): the header names
// the columns; the scan names the label (or target) and weight columns, every other column is
// a feature, except the row index pandas writes. Records come from io/csv_table (libcsv).
#include <fmt/format.h>

#include <algorithm>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <set>

#include "framework/error.hpp"
#include "io/csv_table.hpp"
#include "io/readers.hpp"
#include "io/readers_internal.hpp"

namespace kanscan::io {
namespace {

[[noreturn]] void fail(const std::string& file, const std::string& key, const std::string& what) {
  throw InputError(Location{file, -1, -1, key}, what);
}
[[noreturn]] void fail_line(const std::string& file, int line, const std::string& what) {
  throw InputError(Location{file, line, -1, ""}, what);
}

// A column list for messages: every name, cut when the header is very wide.
std::string columns_text(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + (names[i].empty() ? "(unnamed)" : excerpt(names[i], 40));
  return excerpt(out, 400);
}

std::string quoted(const std::string& s) { return fmt::format("'{}'", excerpt(s)); }

constexpr const char* kPandasIndex = "Unnamed: 0";

struct CsvColumns {
  std::vector<std::string> header;
  int header_line = 0;
  int index_col = -1;          // the row index pandas writes: not a feature
  bool index_unnamed = false;  // "" header cell (always an index) or "Unnamed: 0" (checked to be 0..N-1)
  int label_col = -1, weight_col = -1;
  std::vector<std::size_t> target_cols, feat_cols;
};

// The column's index; -1 when it is missing and `optional`.
int column_of(const CsvColumns& c, const std::string& path, const std::string& name, const std::string& key,
              bool optional = false) {
  const auto it = std::find(c.header.begin(), c.header.end(), name);
  if (it == c.header.end() && optional) return -1;
  if (it == c.header.end())
    fail(path, key, fmt::format("column {} not in the CSV header (line {}); columns: {}", quoted(name), c.header_line,
                                columns_text(c.header)));
  return static_cast<int>(it - c.header.begin());
}

// A header that is one column holding another separator: the file is not comma-separated.
void check_delimiter(const CsvColumns& c, const std::string& path, char delimiter) {
  if (c.header.size() != 1) return;
  for (const char d : {';', '\t', '|', ','}) {
    if (d == delimiter || c.header[0].find(d) == std::string::npos) continue;
    const std::string shown = d == '\t' ? "\"\\t\"" : fmt::format("\"{}\"", d);
    fail_line(path, c.header_line,
              fmt::format("the header is one column {} with no '{}' in it: is the file separated by {}? Set "
                          "data.delimiter: {}", quoted(c.header[0]), delimiter == '\t' ? "\\t" : std::string(1, delimiter),
                          shown, shown));
  }
}

void find_names(CsvColumns& c, const std::string& path) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < c.header.size(); ++i) {
    const std::string& h = c.header[i];
    if (h.empty() && i == 0) {
      c.index_col = 0;
      c.index_unnamed = true;
      continue;
    }
    if (h.empty())
      fail_line(path, c.header_line, fmt::format("header: column {} has no name (every column but a pandas index "
                                                 "in the first one needs a name)", i + 1));
    if (h == kPandasIndex && c.index_col < 0) c.index_col = static_cast<int>(i);
    if (!seen.insert(h).second) fail_line(path, c.header_line, fmt::format("header: duplicate column {}", quoted(h)));
  }
}

// require_columns false: the label, target and weight columns may be missing (new events to
// apply a model to); those present are still not features.
CsvColumns read_header(const std::string& path, Task task, const DataConfig& cfg, bool require_columns) {
  CsvColumns c;
  const char delimiter = cfg.delimiter.empty() ? ',' : cfg.delimiter[0];
  csv::for_each_record(path, delimiter, [&](const std::vector<std::string>& fields, int line) {
    c.header = fields;
    c.header_line = line;
    return false;
  });
  if (c.header.empty()) fail(path, "", "empty file: expected a header row with column names, then one row per event");
  check_delimiter(c, path, delimiter);
  find_names(c, path);
  std::vector<std::size_t> special;
  if (task == Task::classification) {
    if (cfg.label_column.empty() && require_columns)
      fail(path, "data.label", fmt::format("a CSV classification file needs its label column named in the scan "
                                           "(data.label); columns: {}", columns_text(c.header)));
    if (!cfg.label_column.empty()) c.label_col = column_of(c, path, cfg.label_column, "data.label", !require_columns);
    if (c.label_col >= 0) special.push_back(static_cast<std::size_t>(c.label_col));
  } else {
    if (cfg.target_columns.empty() && require_columns)
      fail(path, "data.targets", fmt::format("a CSV regression file needs its target columns named in the scan "
                                             "(data.targets); columns: {}", columns_text(c.header)));
    for (const auto& t : cfg.target_columns) {
      const int k = column_of(c, path, t, "data.targets", !require_columns);
      if (k >= 0) c.target_cols.push_back(static_cast<std::size_t>(k));
    }
    if (!require_columns && c.target_cols.size() != cfg.target_columns.size()) c.target_cols.clear();
    special.insert(special.end(), c.target_cols.begin(), c.target_cols.end());
  }
  if (!cfg.weight_column.empty()) c.weight_col = column_of(c, path, cfg.weight_column, "data.weights", !require_columns);
  if (c.weight_col >= 0) special.push_back(static_cast<std::size_t>(c.weight_col));
  for (std::size_t i = 0; i < c.header.size(); ++i)
    if (std::find(special.begin(), special.end(), i) == special.end() && !(c.index_unnamed && static_cast<int>(i) == c.index_col))
      c.feat_cols.push_back(i);
  if (c.feat_cols.empty()) fail(path, "", "no feature columns left after the label/target/weight columns");
  return c;
}

// Where a cell is, for messages: "column 'met' (data row 12, 0-based as pandas counts)".
std::string cell(const std::string& column, std::size_t row) {
  return fmt::format("column {} (data row {}, 0-based as pandas counts)", quoted(column), row);
}

double parse_cell(const std::string& s, const std::string& path, int line, std::size_t row, const std::string& column) {
  if (s.empty())
    fail_line(path, line, fmt::format("{}: empty cell, expected a number. pandas writes NaN as an empty cell: drop "
                                      "or fill the missing values before writing (df.dropna(), df.fillna(...))",
                                      cell(column, row)));
  const char* b = s.data();
  const char* e = s.data() + s.size();
  if (*b == '+') ++b;
  double v = 0;
  const auto [ptr, ec] = std::from_chars(b, e, v);
  if (ec == std::errc::result_out_of_range && ptr == e) {
    v = std::strtod(s.c_str(), nullptr);  // tells overflow (inf) from underflow (0 or subnormal, kept)
    if (std::isinf(v))
      fail_line(path, line, fmt::format("{}: numeric overflow: {} is beyond the range of a 64-bit float",
                                        cell(column, row), quoted(s)));
  } else if (ec != std::errc() || ptr != e) {
    fail_line(path, line, fmt::format("{}: {} is not a number", cell(column, row), quoted(s)));
  }
  if (!std::isfinite(v))
    fail_line(path, line, fmt::format("{}: non-finite value {} (NaN and inf are not allowed)", cell(column, row), quoted(s)));
  if (std::abs(v) > static_cast<double>(FLT_MAX))
    fail_line(path, line, fmt::format("{}: numeric overflow: {} is beyond the float32 range (±3.4e38) in which "
                                      "features, targets and weights are stored", cell(column, row), quoted(s)));
  return v;
}

std::int32_t parse_label(const std::string& s, const DataConfig& cfg, const std::string& path, int line,
                         std::size_t row) {
  const std::string& column = cfg.label_column;
  if (!cfg.classes.empty()) {
    const auto it = std::find(cfg.classes.begin(), cfg.classes.end(), s);
    if (it == cfg.classes.end())
      fail_line(path, line, fmt::format("{}: label {} is not one of data.classes [{}]", cell(column, row), quoted(s),
                                        excerpt(fmt::format("{}", fmt::join(cfg.classes, ", ")), 200)));
    return static_cast<std::int32_t>(it - cfg.classes.begin());
  }
  double v = 0;
  const char* b = s.data();
  const auto [ptr, ec] = std::from_chars(b, b + s.size(), v);
  if (s.empty() || ec != std::errc() || ptr != b + s.size())
    fail_line(path, line, fmt::format("{}: label {} is not a class index (an integer >= 0); string labels need "
                                      "data.classes, e.g. classes: [bkg, sig] (class index = position in the list)",
                                      cell(column, row), quoted(s)));
  if (v != std::floor(v) || v > 1e9)
    fail_line(path, line, fmt::format("{}: label {} is not a class index (an integer >= 0)", cell(column, row), quoted(s)));
  if (v < 0)
    fail_line(path, line, fmt::format("{}: label {} outside the class range (class indices are >= 0)", cell(column, row), v));
  return static_cast<std::int32_t>(v);
}

// The columns of the rows read so far.
struct CsvValues {
  std::vector<float> feats, targs, weights;
  std::vector<std::int32_t> labels;
  std::vector<int> lines;
  bool index_is_range = true;
  std::string index_mismatch;
};

void read_row(const CsvColumns& c, const DataConfig& cfg, const std::string& path, const std::vector<std::string>& f,
              int line, CsvValues& v) {
  const std::size_t row = v.lines.size();
  if (f.size() != c.header.size())
    fail_line(path, line, fmt::format("ragged row: {} fields, expected {} as in the header (line {})", f.size(),
                                      c.header.size(), c.header_line));
  if (c.index_col >= 0 && !c.index_unnamed && v.index_is_range) {
    const std::string& s = f[static_cast<std::size_t>(c.index_col)];
    if (s != std::to_string(row)) {
      v.index_is_range = false;
      v.index_mismatch = fmt::format("data row {} holds {}", row, quoted(s));
    }
  }
  for (std::size_t k : c.feat_cols) v.feats.push_back(static_cast<float>(parse_cell(f[k], path, line, row, c.header[k])));
  for (std::size_t k : c.target_cols) v.targs.push_back(static_cast<float>(parse_cell(f[k], path, line, row, c.header[k])));
  if (c.label_col >= 0) v.labels.push_back(parse_label(f[static_cast<std::size_t>(c.label_col)], cfg, path, line, row));
  if (c.weight_col >= 0) {
    const auto w = static_cast<std::size_t>(c.weight_col);
    v.weights.push_back(static_cast<float>(parse_cell(f[w], path, line, row, c.header[w])));
  }
  v.lines.push_back(line);
}

// The pandas index column: left out of the features, and said so.
void note_index(const CsvColumns& c, const DataConfig& cfg, const std::string& path, const CsvValues& v, Dataset& d) {
  if (c.index_col < 0) return;
  if (c.index_unnamed) {
    d.notes.push_back("column 1 has no name: taken as the row index that pandas writes (DataFrame.to_csv without "
                      "index=False) and not used as a feature");
    return;
  }
  if (v.index_is_range) {
    d.notes.push_back(fmt::format("column '{}' holds 0..N-1: taken as a pandas index written back to the file, not "
                                  "used as a feature (write with index=False to leave it out)", kPandasIndex));
    // "Unnamed: 0" is read as a feature until its values show it to be the index.
    std::vector<std::string> keep;
    for (const auto& name : d.feature_names)
      if (name != kPandasIndex) keep.push_back(name);
    if (keep.size() != d.feature_names.size()) select_features(d, keep, path);
    return;
  }
  if (cfg.features.empty())
    fail(path, "data.features",
         fmt::format("column '{}' looks like a pandas index read back and written again, but it is not 0..N-1 "
                     "({}); remove it (df.drop(columns='{}')) or choose the features with data.features",
                     kPandasIndex, v.index_mismatch, kPandasIndex));
}

Dataset read_csv(const std::string& path, Task task, const DataConfig& cfg, bool require_columns) {
  CsvColumns c = read_header(path, task, cfg, require_columns);
  CsvValues v;
  bool header = true;
  csv::for_each_record(path, cfg.delimiter.empty() ? ',' : cfg.delimiter[0],
                       [&](const std::vector<std::string>& fields, int line) {
                         if (header) return !(header = false);
                         read_row(c, cfg, path, fields, line, v);
                         return cfg.events <= 0 || static_cast<std::int64_t>(v.lines.size()) < cfg.events;
                       });
  const std::size_t n = v.lines.size();
  if (n == 0) fail(path, "", "no data rows after the header: expected one row per event");
  Dataset d;
  for (std::size_t k : c.feat_cols) d.feature_names.push_back(c.header[k]);
  d.features = Eigen::Map<RowMatrixXf>(v.feats.data(), static_cast<Eigen::Index>(n),
                                       static_cast<Eigen::Index>(v.feats.size() / n));
  note_index(c, cfg, path, v, d);
  if (task == Task::classification && c.label_col >= 0) {
    d.labels = std::move(v.labels);
    d.class_names = cfg.classes;
    detail::check_labels(d.labels, static_cast<int>(cfg.classes.size()), path, "column " + cfg.label_column, v.lines,
                         d.n_classes);
  } else if (task == Task::regression && !c.target_cols.empty()) {
    d.target_names = cfg.target_columns;
    d.targets = Eigen::Map<RowMatrixXf>(v.targs.data(), static_cast<Eigen::Index>(n),
                                        static_cast<Eigen::Index>(c.target_cols.size()));
  }
  d.weights = std::move(v.weights);
  d.index.resize(n);
  for (std::size_t i = 0; i < n; ++i) d.index[i] = static_cast<std::int64_t>(i);
  return detail::finish(std::move(d), cfg, path);
}

}  // namespace

Dataset read_csv_data(const std::string& path, Task task, const DataConfig& cfg) {
  return read_csv(path, task, cfg, true);
}

Dataset read_data_features(const std::string& path, Task task, const DataConfig& cfg) {
  if (!detail::is_csv_path(path)) return read_hdf5_features(path, true);
  DataConfig c = cfg;
  c.events = 0;
  return read_csv(path, task, c, false);
}

namespace detail {

DataFileShape probe_csv(const std::string& path, Task task, const DataConfig& cfg) {
  const CsvColumns c = read_header(path, task, cfg, false);
  DataFileShape s;
  for (std::size_t k : c.feat_cols) s.feature_names.push_back(c.header[k]);
  s.features = s.feature_names.size();
  if (task == Task::regression) {
    s.targets = cfg.target_columns.size();
    s.target_names = cfg.target_columns;
  }
  std::size_t records = 0;
  csv::for_each_record(path, cfg.delimiter.empty() ? ',' : cfg.delimiter[0], [&](const std::vector<std::string>&, int) {
    ++records;
    return true;
  });
  s.rows = records > 0 ? records - 1 : 0;
  return s;
}

}  // namespace detail
}  // namespace kanscan::io
