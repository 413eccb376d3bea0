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
DataSplit load_data(const DataConfig& cfg, Task task, const std::string& cache_dir);
// The splits a data block asks for: the fold indices 0..folds-1, the split seeds, or {-1} (the
// one split of `seed` and the fractions). Each trial runs on one (TrialConfig::split).
std::vector<std::int64_t> split_values(const DataConfig& cfg);

// The file load_data would read from (or generate into) `cache_dir` for a generated data block;
// "" for a user file. Lets a reader look for a cached dataset without generating one.
std::string cache_path(const DataConfig& cfg, const std::string& cache_dir);

}  // namespace kanscan::io
