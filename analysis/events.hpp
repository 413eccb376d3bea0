#pragma once
// The events behind a results file, for the studies that need more than the stored test
// predictions: the spline-vs-LLR and importance plots, the working points, the paired tests
// (labels, weights, targets of the test events) and the physics plots (train-sample outputs,
// true values).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "analysis/results_file.hpp"
#include "io/config.hpp"

namespace kanscan::analysis {

struct Events {
  std::vector<float> features;  // [n, f]
  std::size_t n = 0, f = 0;
  std::vector<int> labels;      // [n] or empty
  std::vector<float> weights;   // [n] or empty
  std::vector<float> targets;   // [n, t] regression, physical units, or empty
  std::size_t t = 0;
  std::vector<std::string> names, target_names;
  std::vector<std::int64_t> rows;  // row in the data file of each event (empty = identity)
  std::vector<std::int8_t> part;   // 0 train, 1 validation, 2 test (empty = unknown)
  std::vector<std::string> class_names;  // classification; "class 0", ... when unknown
  int signal_class = 1;                  // binary: the class kept, the other is rejected
  std::string source;                    // where they came from (for notes)

  // Event of a data-file row, or n when absent.
  std::size_t position(std::int64_t row) const;

 private:
  mutable std::unordered_map<std::int64_t, std::size_t> position_;
};

// The events of a data file (--data or the data_file attribute), read as `run` reads data
// with the scan's settings when given (label column, classes, delimiter): features, and labels,
// weights and (task regression) targets when present. A missing or bad file is an InputError.
Events read_events(const std::string& path, const std::optional<io::ScanConfig>& scan, const std::string& task);

// The scan's events with their split, from its recorded definition (analysis/results_file's
// recorded_scan): a user file where `run` found it (relative to the scan file, then beside the
// results file), or the generator's cached file from the first of `cache_dirs` (then the
// scan's cache_dir and kanscan-cache next to the results file) that holds it, otherwise the
// events generated in memory (same seed, same events; nothing is written). False, with a note,
// when that fails.
bool events_from_config(const ResultsFile& file, io::ScanConfig scan, const std::vector<std::string>& cache_dirs,
                        Events& e, std::vector<std::string>& notes);

// recorded_scan, with a note instead of an exception when the definition does not parse.
std::optional<io::ScanConfig> recorded_scan_or_note(const ResultsFile& file, std::vector<std::string>& notes);

// n_test / n_train of the scan's splits, from its stored definition (k folds: 1 / (k - 2));
// NaN when the definition cannot be read.
double test_train_ratio(const ResultsFile& file);

}  // namespace kanscan::analysis
