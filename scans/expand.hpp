#pragma once
// Scan expansion: each model block -> Cartesian product of its axes x seeds; a canonical config
// gives each trial a stable id (XXH64 of the canonical JSON), and repeated configurations run once.
#include <cstdint>
#include <string>
#include <vector>

#include "types/trial.hpp"
#include "io/config.hpp"

namespace kanscan::scans {

// What the cost model and parameter counts need to know about the data.
struct DataShape {
  int n_in = 0;
  int n_out = 1;
  std::int64_t n_train = 0;
  bool estimated = false;  // guessed without loading the data (kanscan validate)
};

struct PlannedTrial {
  TrialConfig config;     // normalised; trial_id, model_name, seed, threads filled
  std::string canonical;  // canonical JSON (hash input, /trial/<id> config attribute)
  std::size_t block = 0;
  std::size_t order = 0;  // position in the expansion
};

struct BlockSummary {
  std::string name;
  std::string type;
  std::size_t configurations = 0;  // product of the axis sizes
  std::size_t trials = 0;          // unique trials this block contributes
  std::size_t duplicates = 0;      // expanded trials already defined earlier
  std::vector<std::pair<std::string, std::string>> axes;  // key path, values
};

struct Expansion {
  std::vector<PlannedTrial> trials;
  std::vector<BlockSummary> blocks;
  std::size_t duplicates = 0;
};

// 16 lowercase hex digits of XXH64(canonical JSON).
std::string trial_id(const std::string& canonical_json);
Expansion expand(const io::ScanConfig& scan, int threads_per_trial);

// Trainable parameters for the data shape (models::count_parameters).
std::int64_t parameter_count(const TrialConfig& cfg, const DataShape& shape);
// Relative training cost (~ floating-point operations) of a trial: events x epochs x
// per-event forward+backward cost of the architecture x optimizer factor. Only ratios matter
// for scheduling; validate converts it to core-hours with a rough throughput.
double trial_cost(const TrialConfig& cfg, const DataShape& shape);
// Training events a trial passes over (events x epochs x L-BFGS iterations): the work per event
// that does not depend on the model (batching, shuffling, metrics), for the progress ETA.
double trial_passes(const TrialConfig& cfg, const DataShape& shape);
// Rough operations per second of one core, for the core-hour estimate of `kanscan validate`.
inline constexpr double kRoughOpsPerCoreSecond = 2.0e9;

// Data shape without loading the data: feature/target counts of the built-in generators, the
// shape of an HDF5 file's /features, or a CSV header.
DataShape estimate_data_shape(const io::ScanConfig& scan);

}  // namespace kanscan::scans
