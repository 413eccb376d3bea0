#include "analysis/events.hpp"

#include <fmt/format.h>

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

Events read_events(const std::string& path, const std::string& task) {
  Dataset d;
  if (task == "regression") {
    try {
      d = io::read_hdf5_data(path, Task::regression, DataConfig{});
    } catch (const InputError&) {
      d = io::read_hdf5_features(path, true);  // new events without targets: features only
    }
  } else {
    d = io::read_hdf5_features(path, true);
  }
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

double test_train_ratio(const ResultsFile& file) {
  try {
    const io::ScanConfig scan = io::parse_scan_config(file.config_yaml(), file.path() + ":/scan/config_yaml");
    if (scan.data.folds > 2) return 1.0 / double(scan.data.folds - 2);
    return scan.data.train > 0 ? scan.data.test / scan.data.train : std::nan("");
  } catch (const InputError&) {
    return std::nan("");
  }
}

bool events_from_config(const ResultsFile& file, const std::vector<std::string>& cache_dirs, Events& e,
                        std::vector<std::string>& notes) {
  const std::string yaml = file.config_yaml();
  if (yaml.empty()) return false;
  io::ScanConfig scan;
  try {
    scan = io::parse_scan_config(yaml, file.path() + ":/scan/config_yaml");
  } catch (const InputError& err) {
    notes.push_back(std::string("cannot read the scan definition stored in the results file: ") + err.what());
    return false;
  }
  const fs::path dir = fs::path(file.path()).parent_path();
  if (!scan.data.path.empty() && fs::path(scan.data.path).is_relative()) {
    const fs::path rel = dir / scan.data.path;
    if (fs::exists(rel)) scan.data.path = rel.string();
  }
  std::vector<std::string> dirs = cache_dirs;
  fs::path cache = scan.cache_dir.empty() ? dir / "kanscan-cache" : fs::path(scan.cache_dir);
  if (cache.is_relative() && !scan.cache_dir.empty()) cache = dir / cache;
  dirs.push_back(cache.string());
  try {
    // A directory that already holds the dataset; "" generates in memory without writing.
    std::string cache_dir;
    for (const auto& d : dirs)
      if (!d.empty() && fs::is_directory(d) && !scan.data.generator.empty() &&
          fs::exists(io::cache_path(scan.data, d))) {
        cache_dir = d;
        break;
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
      e.source = "generator " + scan.data.generator + (cache_dir.empty() ? " (regenerated in memory)" : " (cache " + cache_dir + ")");
    } else {
      e.source = scan.data.path;
    }
    if (!e.labels.empty()) default_class_names(e);
    return true;
  } catch (const InputError& err) {
    notes.push_back(std::string("cannot load the scan's data: ") + err.what());
    return false;
  }
}

}  // namespace kanscan::analysis
