#pragma once
// Read-only access to a kanscan results file (layout: docs/scan-format.md).
// Tolerates a file that is still being written or was left by a crashed run: no file
// locking, /trials rows without a /trial/<id> group, trial groups with missing datasets.
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "types/model_state.hpp"
#include "io/config.hpp"
#include "io/h5.hpp"

namespace kanscan::analysis {

// One field of the /trials compound table, read generically: numbers (integers, floats,
// enums such as h5py booleans) become double, strings (fixed-length or variable) stay strings.
// "Not applicable" (io/trials_schema.hpp: -1 in integer fields, NaN in float fields, "" in
// string fields) reads back as missing (NaN number, empty text).
struct Column {
  std::string name;
  bool is_string = false;
  bool is_integer = false;        // stored as an integer: -1 means not applicable
  std::vector<double> num;        // when !is_string
  std::vector<std::string> str;   // when is_string
  // The value as text: strings as stored, numbers in shortest round-trip form.
  std::string text(std::size_t row) const;
};

struct TrialsTable {
  std::vector<Column> columns;
  std::size_t rows = 0;
  std::vector<std::string> skipped;  // fields of a type we cannot read (named in the summary)

  const Column* find(const std::string& name) const;
  bool has(const std::string& name) const { return find(name) != nullptr; }
  // NaN / "" when the column is missing.
  double number(const std::string& name, std::size_t row) const;
  std::string string(const std::string& name, std::size_t row) const;
};

struct TrialData {
  std::string id;
  std::string config_json;  // "" when missing
  std::string error;        // failed trials
  std::vector<double> epoch, train_loss, val_loss, val_metric;
  std::string val_metric_name;
  std::vector<double> roc_fpr, roc_tpr;
  std::vector<double> test_predictions;   // row-major [n, cols]
  std::size_t prediction_cols = 0;
  std::vector<std::int64_t> test_index;
};

class ResultsFile {
 public:
  // Opens read-only without HDF5 file locking (a running scan holds the file open).
  // Throws InputError if the path is not an HDF5 file or not a kanscan results file.
  explicit ResultsFile(const std::string& path);

  const std::string& path() const { return path_; }
  // Root attributes as text (kanscan_version, schema_version, scan_name, created_utc, ...).
  const std::map<std::string, std::string>& attributes() const { return attrs_; }
  std::string attribute(const std::string& name) const;
  std::string config_yaml() const;  // "" when missing
  std::vector<std::string> overrides() const;  // /scan/overrides: `--set` of the run, in order (none: empty)
  std::string scan_file() const;               // where the YAML was when the scan ran ("" when not recorded)

  // The /trials table with rows that have no trial_id (unwritten tail of an extendible
  // table) dropped. Empty when /trials does not exist yet.
  const TrialsTable& trials() const { return trials_; }
  // Ids of the /trial/<id> groups present.
  const std::vector<std::string>& trial_groups() const { return groups_; }
  bool has_trial_group(const std::string& id) const;

  // Whatever of /trial/<id> is readable; missing parts stay empty. Throws InputError if the
  // group does not exist.
  TrialData read_trial(const std::string& id, bool with_predictions = true) const;
  bool has_model(const std::string& id) const;
  // The trained model (throws InputError naming the trial when missing or unreadable).
  ModelState read_model(const std::string& id) const;

 private:
  h5::Group root() const;

  std::string path_;
  h5::File file_;
  std::map<std::string, std::string> attrs_;
  TrialsTable trials_;
  std::vector<std::string> groups_;
};

// Reads a compound dataset generically (exposed for the Python-free tests of odd layouts).
TrialsTable read_compound_table(const h5::Group& parent, const std::string& name);

// The scan as it ran: /scan/config_yaml with the run's /scan/overrides, its folder taken from
// /scan's `scan_file` (for relative paths). nullopt when the file records no definition; an
// InputError when it does not parse. The data file need not exist any more.
std::optional<io::ScanConfig> recorded_scan(const ResultsFile& file);

}  // namespace kanscan::analysis
