#pragma once
// The /trials table of a results file (docs/scan-format.md "/trials"), defined once: written by
// the results store, read by analysis/results_file, and written by the test fixtures.
//
// One row per trial: trial_id, model, status, seed, split (repeated splits: the fold index or
// split seed, -1 = none), n_params, one column per entry of
// io::config_columns() (boolean/integer -> int64, real -> float64, choice/string -> 16-byte
// string), epochs_run, train_seconds, then the metric columns (float64). Strings are
// fixed-length, null-padded and truncated to their size.
//
// "Not applicable" (the width of a single-layer model, grid_size of an MLP, momentum of Adam)
// is -1 in an int64 column, NaN in a float64 column and "" in a string column; readers treat
// all three as missing.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "io/config.hpp"
#include "io/h5.hpp"

namespace kanscan::io {

inline constexpr const char* kTrialsTable = "trials";
inline constexpr const char* kTrialIdColumn = "trial_id";
inline constexpr std::size_t kTrialIdBytes = 16, kModelBytes = 64, kStatusBytes = 8, kChoiceBytes = 16;

inline constexpr std::int64_t kNotApplicableInteger = -1;
inline constexpr double kNotApplicableReal = std::numeric_limits<double>::quiet_NaN();

struct TrialsSchema {
  std::vector<h5::Column> columns;  // every column, in the stored order
  // columns[config_begin + k] holds config[k]; the metric columns start at metrics_begin.
  std::vector<ConfigColumn> config;
  std::size_t config_begin = 0;
  std::size_t metrics_begin = 0;
  // Index of a column by name; columns.size() when there is none.
  std::size_t index(const std::string& name) const;
};

// The columns of /trials for these metric columns (io::metric_columns of the scan's task).
TrialsSchema trials_schema(const std::vector<std::string>& metric_columns);

// Fills a cell with "not applicable" for its column's type (strings stay empty).
void set_not_applicable(h5::Row& row, std::size_t column, const h5::Column& type);
// A number read back from an integer column: NaN when it means "not applicable".
inline double integer_value(double stored) {
  return stored == static_cast<double>(kNotApplicableInteger) ? kNotApplicableReal : stored;
}

}  // namespace kanscan::io
