#pragma once
// The reader of user data files (layout: docs/data.md): HDF5 (/features, /labels | /targets,
// optional /weights, /feature_names, /target_names) and CSV (header row; label/target/weight
// columns named in the scan). Every problem is an InputError naming the file, the dataset or CSV line,
// and what was expected. Standardisation is not done here: the trainer fits it on the
// training split only (models/).
#include <string>
#include <vector>

#include "types/dataset.hpp"
#include "types/trial.hpp"

namespace kanscan::io {

// Whole file, features selected by cfg.features (all when empty), first cfg.events rows when
// cfg.events > 0. Dataset::index holds the row number of each event in the file (0-based).
Dataset read_hdf5_data(const std::string& path, Task task, const DataConfig& cfg);
Dataset read_csv_data(const std::string& path, Task task, const DataConfig& cfg);
// Dispatches on the extension: .h5/.hdf5/.he5 -> HDF5, .csv/.tsv/.txt -> CSV (else: sniffs HDF5).
Dataset read_data_file(const std::string& path, Task task, const DataConfig& cfg);
// Whether read_data_file reads `path` as CSV (by extension; false for a missing file).
bool is_csv_data_path(const std::string& path);

// /features [N, F] and its names of an HDF5 data file, with the checks read_hdf5_data applies,
// without labels or targets (to apply a model to new events). With with_labels_and_weights,
// also /labels and /weights when the file has them, checked as read_hdf5_data checks them.
Dataset read_hdf5_features(const std::string& path, bool with_labels_and_weights = false);

// Events to apply a model to or to study (`predict --data`, `analyze --data`): HDF5 as
// read_hdf5_features(path, true); CSV with the scan's settings in cfg (delimiter, classes),
// where the label, target and weight columns may be missing and are never features.
Dataset read_data_features(const std::string& path, Task task, const DataConfig& cfg);

// What a data file holds, from its HDF5 dataset shapes or its CSV header and row count; the
// arrays are not read (estimates before a scan). CSV features are the columns that are not
// the scan's label/target/weight columns.
struct DataFileShape {
  std::size_t rows = 0;
  std::size_t features = 0;
  std::size_t targets = 0;  // regression only; 0 when the file has none
  std::vector<std::string> feature_names, target_names;
};
DataFileShape probe_data_file(const std::string& path, Task task, const DataConfig& cfg);

// Keeps the named feature columns, in the given order; unknown names are an InputError
// listing the available ones. `file` names the source in messages.
void select_features(Dataset& d, const std::vector<std::string>& names, const std::string& file);

// Rows `rows` of d (in that order); index follows the rows.
Dataset take_rows(const Dataset& d, const std::vector<std::int64_t>& rows);

// Train / val / test split: a Fisher-Yates shuffle seeded by cfg.seed, then the first
// round(train*N) rows train, the next round(val*N) validate, the rest test. Fractions must be
// in [0, 1] and sum to 1 within 1e-9. Repeated splits (cfg.split >= 0): with cfg.folds > 1 the
// shuffle is cut into folds, fold cfg.split tests, the next validates, the rest train; else the
// fractions are applied to a shuffle seeded by the split seed cfg.split. The result passes
// check_split.
DataSplit split_dataset(const Dataset& all, Task task, const DataConfig& cfg);

// The split's event counts for N events; InputError (data.split) when the training or test split
// (or the validation split of a positive fraction) would be empty. Cheap: `validate` calls it
// with the event count of a generator block, before any event is generated.
struct SplitSizes {
  std::int64_t train = 0, val = 0, test = 0;
};
SplitSizes split_sizes(std::int64_t n, const DataConfig& cfg);

// The checks that make a split's trials meaningful (InputError, data.split): every class has
// events in every non-empty split (classification), and every split's event weights (per
// class) have a positive total. split_dataset applies it; `run` and `validate` reach it through
// io::load_data.
void check_split(const DataSplit& split, const DataConfig& cfg);
// The fraction checks of split_dataset alone (cheap; run before generating anything).
void validate_split(const DataConfig& cfg);

}  // namespace kanscan::io
