#pragma once
// Scan data: generate-and-cache or read a user file, then split train/val/test by seed.
#include <cstdint>
#include <string>
#include <vector>

#include "types/dataset.hpp"
#include "types/trial.hpp"

namespace kanscan::io {

// Loads the dataset a scan's `data:` block describes. Generated datasets are cached under
// `cache_dir` keyed by (task, knobs, events, seed) and never regenerated per trial.
// Errors in the data are InputError naming the file, dataset/row and what was expected.
// The split's `fingerprint` is data_fingerprint of the dataset it was made from.
DataSplit load_data(const DataConfig& cfg, Task task, const std::string& cache_dir);
// The splits a data block asks for: the fold indices 0..folds-1, the split seeds, or {-1} (the
// one split of `seed` and the fractions). Each trial runs on one (TrialConfig::split).
std::vector<std::int64_t> split_values(const DataConfig& cfg);

// The file load_data would read from (or generate into) `cache_dir` for a generated data block;
// "" for a user file. Lets a reader look for a cached dataset without generating one.
std::string cache_path(const DataConfig& cfg, const std::string& cache_dir);

// "xxh3:<16 hex digits>": XXH3-64 of the arrays a scan trains on, in the order used (after
// `events` and `features` are applied): the shape, the feature names, the features, the labels
// and class count or the target names and targets, and the weights. Two datasets with the same
// fingerprint give the same trials; `run --resume` refuses a dataset whose fingerprint differs
// from the one the scan recorded.
std::string data_fingerprint(const Dataset& d);

}  // namespace kanscan::io
