#pragma once
// Built-in event generators (docs/generators.md): tth_thq (T1), qcd_singletop (T2), dm_met (T3).
//
// Determinism contract: tried event j of sub-sample s (one per class, or a fixed background
// mixture) uses its own stream Rng(stream_seed(seed, j*S + s)), S = number of sub-samples, and
// the accepted events of each sub-sample are kept in j order until its quota is met; the merged
// rows are then shuffled by a stream of their own. The output depends only on (generator,
// knobs, events, seed), never on the thread count or chunking.
// Classification files are balanced: N/C events per class.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "types/dataset.hpp"
#include "io/generators/detector.hpp"

namespace kanscan::io::gen {

// One generator parameter, declared once: name, default, allowed range, meaning.
struct KnobSpec {
  std::string name;
  double value;
  double lo;
  double hi;
  std::string doc;
};
using Knobs = std::map<std::string, double>;

// The detector knobs every generator shares (docs/generators.md §1.4), and the config they set.
std::vector<KnobSpec> detector_knob_specs();
DetectorConfig detector_config(const Knobs& knobs);

// Per-thread scratch space; generators reuse it across events to avoid allocation.
struct Workspace {
  Event ev;
  Reco reco;
  DetectorWork det;
  std::vector<int> jets;
  std::vector<int> jets2;
};

// An independent sub-sample with its own event streams and quota: `fraction` of the events of
// class `label` are drawn from it (a background mixture fixed after selection).
struct StreamSpec {
  std::string name;
  int label = 0;
  double fraction = 1.0;
};

class Generator {
 public:
  virtual ~Generator() = default;
  virtual std::string name() const = 0;
  virtual std::string version() const = 0;
  virtual Task task() const = 0;
  // Label order for classification ("events" for regression).
  virtual std::vector<std::string> class_names() const = 0;
  // Binary classification: the class physicists keep (its efficiency is the x axis of a ROC
  // curve); the other one is the background to reject. Label 1 unless a generator says otherwise.
  virtual int signal_class() const { return 1; }
  virtual std::vector<std::string> feature_names() const = 0;
  virtual std::vector<std::string> target_names() const { return {}; }
  // Sub-samples; default: one per class (regression: one).
  virtual std::vector<StreamSpec> streams() const;
  // One tried event of sub-sample `stream` from its own rng. Returns true when it passes the
  // selection; then features[F] (and targets[T] for regression) are filled.
  virtual bool generate(Rng& rng, int stream, Workspace& ws, float* features, float* targets) const = 0;
  const Knobs& knobs() const { return knobs_; }

 protected:
  Knobs knobs_;
};

// Canonical JSON of resolved knobs (sorted keys, round-trip doubles).
std::string knobs_json(const Knobs& knobs);

struct GenerateOptions {
  std::int64_t events = 0;  // events written (after selection)
  std::uint64_t seed = 1;
  int threads = 0;          // 0 = all
  bool progress = false;    // a progress line on stderr every few seconds
};

struct Generated {
  Dataset data;                          // rows in a seeded random order (docs/data.md)
  std::vector<std::int64_t> event_index; // global stream index j*S + s of each row
  std::vector<std::int64_t> tried;       // per sub-sample: tried events up to the last kept one
  std::vector<std::int64_t> accepted;    // per sub-sample: kept events
  std::int64_t simulated = 0;            // events actually simulated (incl. chunk overshoot)
  double seconds = 0.0;
  int threads = 1;
  std::vector<double> efficiency() const;
};

// Selection efficiency per class (kept / tried, summed over the class's sub-samples).
std::vector<double> class_efficiency(const Generator& gen, const Generated& out);

Generated run_generator(const Generator& gen, const GenerateOptions& opts);

// Writes the data-file layout (docs/data.md) plus provenance attributes, atomically
// (io/atomic_file.hpp): an interrupted run never leaves a partial file at `path`. A missing
// folder is an InputError, a failing write an IoError.
void write_generated(const std::string& path, const Generator& gen, const Generated& out, std::uint64_t seed,
                     const std::string& extra_key = "", const std::string& extra_value = "");

}  // namespace kanscan::io::gen
