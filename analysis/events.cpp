#include "analysis/events.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "framework/error.hpp"
#include "io/config.hpp"
#include "io/data.hpp"
#include "io/generators/registry.hpp"
#include "io/readers.hpp"

namespace kanscan::analysis {
namespace fs = std::filesystem;
namespace {

void default_class_names(Events& e) {
  int n = 0;
  for (int l : e.labels) n = std::max(n, l + 1);
  for (int c = static_cast<int>(e.class_names.size()); c < std::max(n, 2); ++c)
    e.class_names.push_back(fmt::format("class {}", c));
}

void append(Events& e, const Dataset& d, std::int8_t part) {
  const std::size_t rows = d.size();
  for (std::size_t k = 0; k < rows; ++k) {
    const auto r = static_cast<Eigen::Index>(k);
    e.features.insert(e.features.end(), d.features.row(r).data(), d.features.row(r).data() + e.f);
    if (!d.labels.empty()) e.labels.push_back(d.labels[k]);
    if (!d.weights.empty()) e.weights.push_back(d.weights[k]);
    if (e.t) e.targets.insert(e.targets.end(), d.targets.row(r).data(), d.targets.row(r).data() + e.t);
    e.rows.push_back(d.index.empty() ? -1 : d.index[k]);
    e.part.push_back(part);
  }
}

}  // namespace

std::size_t Events::position(std::int64_t row) const {
  if (rows.empty()) return row >= 0 && static_cast<std::size_t>(row) < n ? static_cast<std::size_t>(row) : n;
  if (position_.empty())
    for (std::size_t k = 0; k < rows.size(); ++k) position_.emplace(rows[k], k);
  const auto it = position_.find(row);
  return it == position_.end() ? n : it->second;
}

Events read_events(const std::string& path, const std::optional<io::ScanConfig>& scan, const std::string& task) {
  if (!fs::exists(path)) throw InputError(Location{path, -1, -1, "--data"}, "file does not exist");
  if (fs::is_directory(path)) throw InputError(Location{path, -1, -1, "--data"}, "is a directory; expected a data file");
  const DataConfig cfg = scan ? scan->data : DataConfig{};
  const Task t = scan ? scan->task : (task == "regression" ? Task::regression : Task::classification);
  Dataset d;
  bool have = false;
  if (t == Task::regression) {
    try {
      d = io::read_data_file(path, Task::regression, cfg);  // with the targets, for the residuals
      have = true;
    } catch (const InputError&) {
      // new events without targets: features only
    }
  }
  if (!have) d = io::read_data_features(path, t, cfg);
  Events e;
  e.n = d.size();
  e.f = d.n_features();
  e.features.assign(d.features.data(), d.features.data() + d.features.size());
  e.labels.assign(d.labels.begin(), d.labels.end());
  e.weights = d.weights;
  e.names = d.feature_names;
  e.t = d.n_targets();
  e.targets.assign(d.targets.data(), d.targets.data() + d.targets.size());
  e.target_names = d.target_names;
  e.source = path;
  if (!e.labels.empty()) default_class_names(e);
  return e;
}

std::optional<io::ScanConfig> recorded_scan_or_note(const ResultsFile& file, std::vector<std::string>& notes) {
  try {
    return recorded_scan(file);
  } catch (const InputError& err) {
    notes.push_back(std::string("cannot read the scan definition stored in the results file: ") + err.what());
    return std::nullopt;
  }
}

double test_train_ratio(const ResultsFile& file) {
  try {
    const auto scan = recorded_scan(file);
    if (!scan) return std::nan("");
    if (scan->data.folds > 2) return 1.0 / double(scan->data.folds - 2);
    return scan->data.train > 0 ? scan->data.test / scan->data.train : std::nan("");
  } catch (const InputError&) {
    return std::nan("");
  }
}

namespace {

// Where `run` found a user file, as far as the results file can tell: relative to the scan
// file (its recorded location), then beside the results file (by path and by name).
std::vector<std::string> data_candidates(const io::ScanConfig& scan, const ResultsFile& file) {
  const fs::path p(scan.data.path);
  if (p.is_absolute()) return {p.string()};
  std::vector<std::string> out;
  if (!scan.source_dir.empty()) out.push_back((fs::path(scan.source_dir) / p).lexically_normal().string());
  const fs::path beside = fs::path(file.path()).parent_path();
  out.push_back((beside / p).lexically_normal().string());
  out.push_back((beside / p.filename()).lexically_normal().string());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// A directory that already holds the generated dataset; "" generates in memory, writing nothing.
std::string cache_holding(const io::ScanConfig& scan, const ResultsFile& file, std::vector<std::string> dirs) {
  const fs::path dir = fs::path(file.path()).parent_path();
  fs::path cache = scan.cache_dir.empty() ? dir / "kanscan-cache" : fs::path(scan.cache_dir);
  if (cache.is_relative() && !scan.cache_dir.empty())
    cache = (scan.source_dir.empty() ? dir : fs::path(scan.source_dir)) / cache;
  dirs.push_back(cache.string());
  for (const auto& d : dirs)
    if (!d.empty() && fs::is_directory(d) && fs::exists(io::cache_path(scan.data, d))) return d;
  return "";
}

}  // namespace

bool events_from_config(const ResultsFile& file, io::ScanConfig scan, const std::vector<std::string>& cache_dirs,
                        Events& e, std::vector<std::string>& notes) {
  std::string cache_dir;
  try {
    if (!scan.data.path.empty()) {
      const auto candidates = data_candidates(scan, file);
      const auto found =
          std::find_if(candidates.begin(), candidates.end(), [](const std::string& c) { return fs::is_regular_file(c); });
      if (found == candidates.end()) {
        notes.push_back(fmt::format("the scan's data file '{}' was not found (looked at {}); pass --data FILE for the "
                                    "spline-vs-LLR study and a data-based feature importance",
                                    scan.data.path, fmt::join(candidates, ", ")));
        return false;
      }
      scan.data.path = *found;
    } else {
      cache_dir = cache_holding(scan, file, cache_dirs);
    }
    const DataSplit split = io::load_data(scan.data, scan.task, cache_dir);
    e = Events{};
    e.f = split.test.n_features();
    e.t = split.test.n_targets();
    e.names = split.test.feature_names;
    e.target_names = split.test.target_names;
    append(e, split.train, 0);
    append(e, split.val, 1);
    append(e, split.test, 2);
    e.n = e.rows.size();
    if (e.weights.size() != e.n) e.weights.clear();
    if (e.labels.size() != e.n) e.labels.clear();
    if (e.names.size() != e.f) {
      e.names.clear();
      for (std::size_t i = 0; i < e.f; ++i) e.names.push_back(fmt::format("x{}", i));
    }
    if (!scan.data.generator.empty()) {
      const auto shape = io::gen::generator_shape(scan.data.generator, scan.data.knobs);
      e.class_names = shape.classes;
      e.signal_class = shape.signal_class;
      e.source = "generator " + scan.data.generator +
                 (cache_dir.empty() ? " (rerun in memory)" : " (from the cache " + cache_dir + ")");
    } else {
      e.source = "the scan's data file, found at " + scan.data.path;
      e.class_names = scan.data.classes;
    }
    if (!e.labels.empty()) default_class_names(e);
    notes.push_back("events: " + e.source);
    return true;
  } catch (const InputError& err) {
    notes.push_back(std::string("cannot load the scan's data: ") + err.what());
    return false;
  }
}

}  // namespace kanscan::analysis
