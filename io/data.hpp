#pragma once
// Scan data: generate-and-cache or read a user file, then split train/val/test by seed.
#include <string>

#include "types/dataset.hpp"
#include "types/trial.hpp"

namespace kanscan::io {

// Loads the dataset a scan's `data:` block describes. Generated datasets are cached under
// `cache_dir` keyed by (task, knobs, events, seed) and never regenerated per trial.
// Errors in the data are InputError naming the file, dataset/row and what was expected.
// The split's `fingerprint` is data_fingerprint of the dataset it was made from.
DataSplit load_data(const DataConfig& cfg, Task task, const std::string& cache_dir);

// "xxh3:<16 hex digits>": XXH3-64 of the arrays a scan trains on, in the order used (after
// `events` and `features` are applied): the shape, the feature names, the features, the labels
// and class count or the target names and targets, and the weights. Two datasets with the same
// fingerprint give the same trials; `run --resume` refuses a dataset whose fingerprint differs
// from the one the scan recorded.
std::string data_fingerprint(const Dataset& d);

}  // namespace kanscan::io
