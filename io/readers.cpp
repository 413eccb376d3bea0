#include "io/readers.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <tuple>

#include "framework/error.hpp"
#include "framework/memory.hpp"
#include "framework/rng.hpp"
#include "io/h5.hpp"
#include "io/readers_internal.hpp"

namespace kanscan::io {
namespace {

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + v[i];
  return out;
}

[[noreturn]] void fail(const std::string& file, const std::string& key, const std::string& what) {
  throw InputError(Location{file, -1, -1, key}, what);
}
[[noreturn]] void fail_line(const std::string& file, int line, const std::string& what) {
  throw InputError(Location{file, line, -1, ""}, what);
}

std::string lower_ext(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  for (auto& c : e) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return e;
}

// ---------- HDF5 ----------

void require_dataset(const h5::Group& root, const std::string& name, const std::string& expected) {
  if (!root.is_dataset(name))
    fail(root.file(), "/" + name,
         fmt::format("missing dataset, expected {} (data-file layout: docs/data.md); the file has: {}", expected,
                     join(root.children())));
}

// `floating` accepts integer data too (read converted).
void require_class(const h5::Group& root, const std::string& name, h5::TypeClass want, const std::string& expected) {
  const h5::TypeClass got = root.type_class(name);
  const bool ok = want == h5::TypeClass::floating ? (got == h5::TypeClass::floating || got == h5::TypeClass::integer)
                                                  : got == want;
  if (!ok)
    fail(root.file(), "/" + name, fmt::format("wrong dtype: expected {}, got {}", expected, h5::type_class_name(got)));
}

template <typename T>
void check_finite(const std::vector<T>& v, std::size_t cols, const std::string& file, const std::string& key,
                  const std::vector<std::string>& col_names) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(static_cast<double>(v[i]))) {
      const std::size_t row = i / cols, col = i % cols;
      const std::string cname = col < col_names.size() ? col_names[col] : std::to_string(col);
      fail(file, key,
           fmt::format("non-finite value ({}) at row {} (0-based), column {}: NaN and inf are not allowed",
                       static_cast<double>(v[i]), row, cname));
    }
  }
}

std::vector<std::string> default_names(const char* prefix, std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(fmt::format("{}{}", prefix, i));
  return out;
}

std::vector<std::string> read_names(const h5::Group& root, const std::string& name, std::size_t n,
                                    const char* prefix) {
  if (!root.is_dataset(name)) return default_names(prefix, n);
  if (root.type_class(name) != h5::TypeClass::string)
    fail(root.file(), "/" + name, fmt::format("wrong dtype: expected strings [{}]", n));
  auto names = root.read_strings(name);
  if (names.size() != n)
    fail(root.file(), "/" + name, fmt::format("expected {} names (one per column), got {}", n, names.size()));
  std::set<std::string> seen;
  for (const auto& s : names)
    if (!seen.insert(s).second) fail(root.file(), "/" + name, fmt::format("duplicate name '{}'", s));
  return names;
}

}  // namespace

namespace detail {

void check_labels(const std::vector<std::int32_t>& labels, int n_classes_declared, const std::string& file,
                  const std::string& key, const std::vector<int>& lines, int& n_classes) {
  std::int32_t max_label = -1;
  std::set<std::int32_t> present;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto l = labels[i];
    const bool bad = l < 0 || (n_classes_declared > 0 && l >= n_classes_declared);
    if (bad) {
      const std::string range = n_classes_declared > 0 ? fmt::format("[0, {}]", n_classes_declared - 1) : ">= 0";
      if (!lines.empty()) fail_line(file, lines[i], fmt::format("{}: label {} outside the class range {}", key, l, range));
      fail(file, key, fmt::format("label {} at row {} (0-based) outside the class range {}", l, i, range));
    }
    max_label = std::max(max_label, l);
    if (present.size() < 2) present.insert(l);
  }
  n_classes = n_classes_declared > 0 ? n_classes_declared : max_label + 1;
  if (present.size() < 2)
    fail(file, key,
         fmt::format("expected class indices 0..C-1 with C >= 2 classes present; all labels are {}", max_label));
}

Dataset finish(Dataset d, const DataConfig& cfg, const std::string& file) {
  const auto n = static_cast<std::int64_t>(d.size());
  if (cfg.events > 0) {
    if (cfg.events > n)
      fail(file, "data.events", fmt::format("asked for {} events but the file has only {}", cfg.events, n));
    std::vector<std::int64_t> rows(static_cast<std::size_t>(cfg.events));
    for (std::int64_t i = 0; i < cfg.events; ++i) rows[static_cast<std::size_t>(i)] = i;
    d = take_rows(d, rows);
  }
  if (!cfg.features.empty()) select_features(d, cfg.features, file);
  return d;
}

}  // namespace detail

void select_features(Dataset& d, const std::vector<std::string>& names, const std::string& file) {
  std::vector<Eigen::Index> cols;
  for (const auto& n : names) {
    auto it = std::find(d.feature_names.begin(), d.feature_names.end(), n);
    if (it == d.feature_names.end())
      fail(file, "data.features",
           fmt::format("unknown feature '{}'; available: {}", excerpt(n), excerpt(join(d.feature_names), 400)));
    cols.push_back(static_cast<Eigen::Index>(it - d.feature_names.begin()));
  }
  RowMatrixXf f(d.features.rows(), static_cast<Eigen::Index>(cols.size()));
  for (std::size_t j = 0; j < cols.size(); ++j) f.col(static_cast<Eigen::Index>(j)) = d.features.col(cols[j]);
  d.features = std::move(f);
  d.feature_names = names;
}

Dataset take_rows(const Dataset& d, const std::vector<std::int64_t>& rows) {
  Dataset out;
  const auto n = static_cast<Eigen::Index>(rows.size());
  out.features.resize(n, d.features.cols());
  if (d.targets.size() > 0) out.targets.resize(n, d.targets.cols());
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto r = static_cast<Eigen::Index>(rows[static_cast<std::size_t>(i)]);
    out.features.row(i) = d.features.row(r);
    if (d.targets.size() > 0) out.targets.row(i) = d.targets.row(r);
    if (!d.labels.empty()) out.labels.push_back(d.labels[static_cast<std::size_t>(r)]);
    if (!d.weights.empty()) out.weights.push_back(d.weights[static_cast<std::size_t>(r)]);
    out.index.push_back(d.index.empty() ? r : d.index[static_cast<std::size_t>(r)]);
  }
  out.feature_names = d.feature_names;
  out.target_names = d.target_names;
  out.n_classes = d.n_classes;
  out.class_names = d.class_names;
  out.notes = d.notes;
  return out;
}

namespace {

void check_rows(const std::string& path, const std::string& name, const std::vector<std::size_t>& shape,
                std::size_t n, bool allow_2d) {
  const bool ok = !shape.empty() && shape[0] == n && (shape.size() == 1 || (allow_2d && shape.size() == 2));
  if (ok) return;
  std::string s;
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  fail(path, "/" + name,
       fmt::format("wrong shape [{}]: expected {} rows (one per event, as /features has){}", s, n,
                   allow_2d ? ", 1-D or 2-D" : ", 1-D"));
}

// A dataset of [n, cols] floats must fit in memory twice (the file's array and the dataset built
// from it) before anything is allocated; the column count must fit a layer's width.
void check_declared_size(const std::string& path, const std::string& name, std::size_t n, std::size_t cols) {
  if (cols > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    fail(path, name, fmt::format("declares {} columns; at most {} are supported", cols, std::numeric_limits<int>::max()));
  const auto bytes = checked_product(n, cols, 2 * sizeof(float));
  const std::uint64_t have = available_memory_bytes();
  if (bytes && *bytes <= have) return;
  fail(path, name,
       fmt::format("declares the shape [{}, {}]: {} to read into memory, but only {} are available (a damaged file, "
                   "or one too large for this machine)",
                   n, cols, bytes ? format_bytes(static_cast<double>(*bytes)) : std::string("more than 2^64 bytes"),
                   format_bytes(static_cast<double>(have))));
}

// The checked shape [N, F] of /features.
std::pair<std::size_t, std::size_t> features_shape(const h5::Group& root, const std::string& path) {
  require_dataset(root, "features", "float [N, F]");
  require_class(root, "features", h5::TypeClass::floating, "float [N, F]");
  const auto fshape = root.shape_of("features");
  if (fshape.size() != 2) fail(path, "/features", fmt::format("wrong shape: expected 2-D [N, F], got {}-D", fshape.size()));
  const std::size_t n = fshape[0], nf = fshape[1];
  if (n == 0 || nf == 0) fail(path, "/features", fmt::format("empty: shape [{}, {}], expected N >= 1 events and F >= 1 features", n, nf));
  check_declared_size(path, "/features", n, nf);
  return {n, nf};
}

// /features, /feature_names and the identity index.
void read_features_part(const h5::Group& root, const std::string& path, Dataset& d) {
  const auto [n, nf] = features_shape(root, path);
  d.feature_names = read_names(root, "feature_names", nf, "f");
  auto arr = root.read_float("features");
  check_finite(arr.data, nf, path, "/features", d.feature_names);
  d.features = Eigen::Map<RowMatrixXf>(arr.data.data(), static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(nf));
  d.index.resize(n);
  for (std::size_t i = 0; i < n; ++i) d.index[i] = static_cast<std::int64_t>(i);
}

void read_labels_part(const h5::Group& root, const std::string& path, Dataset& d) {
  require_dataset(root, "labels", "integer class indices [N] for a classification task");
  require_class(root, "labels", h5::TypeClass::integer, "integer class indices [N]");
  check_rows(path, "labels", root.shape_of("labels"), d.size(), false);
  const auto arr = root.read_int64("labels");
  int declared = 0;
  if (root.is_dataset("class_names")) {
    d.class_names = root.read_strings("class_names");
    declared = static_cast<int>(d.class_names.size());
  }
  else if (root.has_attr("n_classes")) declared = static_cast<int>(root.attr_int("n_classes"));
  for (std::size_t i = 0; i < arr.data.size(); ++i) {
    const auto v = arr.data[i];
    if (v < 0 || v > std::numeric_limits<std::int32_t>::max())
      fail(path, "/labels", fmt::format("label {} at row {} (0-based) outside the class range", v, i));
    d.labels.push_back(static_cast<std::int32_t>(v));
  }
  detail::check_labels(d.labels, declared, path, "/labels", {}, d.n_classes);
}

void read_targets_part(const h5::Group& root, const std::string& path, Dataset& d) {
  require_dataset(root, "targets", "float [N, T] (or [N]) for a regression task");
  require_class(root, "targets", h5::TypeClass::floating, "float [N, T]");
  const auto shape = root.shape_of("targets");
  check_rows(path, "targets", shape, d.size(), true);
  const std::size_t nt = shape.size() == 2 ? shape[1] : 1;
  if (nt == 0) fail(path, "/targets", "empty: expected T >= 1 targets");
  check_declared_size(path, "/targets", d.size(), nt);
  d.target_names = read_names(root, "target_names", nt, "t");
  auto arr = root.read_float("targets");
  check_finite(arr.data, nt, path, "/targets", d.target_names);
  d.targets = Eigen::Map<RowMatrixXf>(arr.data.data(), static_cast<Eigen::Index>(d.size()), static_cast<Eigen::Index>(nt));
}

void read_weights_part(const h5::Group& root, const std::string& path, Dataset& d) {
  if (!root.is_dataset("weights")) return;
  require_class(root, "weights", h5::TypeClass::floating, "float [N]");
  check_rows(path, "weights", root.shape_of("weights"), d.size(), false);
  auto arr = root.read_float("weights");
  check_finite(arr.data, 1, path, "/weights", {"weight"});
  d.weights = std::move(arr.data);
}

}  // namespace

Dataset read_hdf5_data(const std::string& path, Task task, const DataConfig& cfg) {
  h5::File file(path, h5::File::Mode::read_only);
  const h5::Group root = file.root();
  Dataset d;
  read_features_part(root, path, d);
  if (task == Task::classification) read_labels_part(root, path, d);
  else read_targets_part(root, path, d);
  read_weights_part(root, path, d);
  return detail::finish(std::move(d), cfg, path);
}

Dataset read_hdf5_features(const std::string& path, bool with_labels_and_weights) {
  h5::File file(path, h5::File::Mode::read_only);
  const h5::Group root = file.root();
  Dataset d;
  read_features_part(root, path, d);
  if (with_labels_and_weights) {
    if (root.is_dataset("labels")) read_labels_part(root, path, d);
    read_weights_part(root, path, d);
  }
  return d;
}

namespace {

// A data file is a regular file: a device such as /dev/zero named data.csv would be read
// forever, a directory or a pipe cannot be read twice.
void require_regular_file(const std::string& path) {
  std::error_code ec;
  const auto st = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(st)) fail(path, "data.path", "file does not exist");
  if (std::filesystem::is_directory(st)) fail(path, "data.path", "is a directory; expected an HDF5 (.h5) or CSV (.csv) data file");
  if (!std::filesystem::is_regular_file(st))
    fail(path, "data.path", "is not a regular file (a device, pipe or socket); expected an HDF5 (.h5) or CSV (.csv) data file");
}

// true: HDF5, false: CSV, by extension (else sniffed); InputError for neither.
bool is_hdf5_data(const std::string& path) {
  require_regular_file(path);
  const std::string ext = lower_ext(path);
  if (ext == ".csv" || ext == ".txt" || ext == ".tsv") return false;
  if (ext == ".h5" || ext == ".hdf5" || ext == ".he5" || ext == ".hdf") return true;
  if (h5::is_hdf5(path)) return true;
  if (!std::filesystem::exists(path)) fail(path, "data.path", "file does not exist");
  fail(path, "data.path", "unknown file type: expected .h5/.hdf5 (HDF5) or .csv");
}

DataFileShape probe_hdf5(const std::string& path, Task task) {
  h5::File file(path, h5::File::Mode::read_only);
  const h5::Group root = file.root();
  DataFileShape s;
  std::tie(s.rows, s.features) = features_shape(root, path);
  s.feature_names = read_names(root, "feature_names", s.features, "f");
  if (task == Task::regression && root.is_dataset("targets")) {
    const auto shape = root.shape_of("targets");
    s.targets = shape.size() == 2 ? shape[1] : 1;
    if (s.targets > 0) s.target_names = read_names(root, "target_names", s.targets, "t");
  }
  return s;
}

}  // namespace

bool detail::is_csv_path(const std::string& path) { return !is_hdf5_data(path); }

bool is_csv_data_path(const std::string& path) {
  const std::string ext = lower_ext(path);
  return ext == ".csv" || ext == ".txt" || ext == ".tsv";
}

Dataset read_data_file(const std::string& path, Task task, const DataConfig& cfg) {
  return is_hdf5_data(path) ? read_hdf5_data(path, task, cfg) : read_csv_data(path, task, cfg);
}

DataFileShape probe_data_file(const std::string& path, Task task, const DataConfig& cfg) {
  return is_hdf5_data(path) ? probe_hdf5(path, task) : detail::probe_csv(path, task, cfg);
}

void validate_split(const DataConfig& cfg) {
  const Location where{cfg.source_file, -1, -1, "data.split"};
  for (double f : {cfg.train, cfg.val, cfg.test})
    if (!(f >= 0.0 && f <= 1.0))
      throw InputError(where, fmt::format("fractions must lie in [0, 1]; got train {}, val {}, test {}", cfg.train,
                                          cfg.val, cfg.test));
  if (std::abs(cfg.train + cfg.val + cfg.test - 1.0) > 1e-9)
    throw InputError(where, fmt::format("train + val + test must sum to 1; got {} + {} + {} = {}", cfg.train, cfg.val,
                                        cfg.test, cfg.train + cfg.val + cfg.test));
}

SplitSizes split_sizes(std::int64_t n, const DataConfig& cfg) {
  validate_split(cfg);
  const Location where{cfg.source_file, -1, -1, "data.split"};
  SplitSizes z;
  z.train = std::min(static_cast<std::int64_t>(std::llround(cfg.train * static_cast<double>(n))), n);
  z.val = std::min(static_cast<std::int64_t>(std::llround(cfg.val * static_cast<double>(n))), n - z.train);
  z.test = n - z.train - z.val;
  // An empty split is not a result: an empty test set gives test_loss 0, which ranks as best.
  auto refuse = [&](const char* part, double fraction) {
    throw InputError(where, fmt::format("the {} split is empty ({} events x {} fraction {} rounds to 0 events); use "
                                        "more events or a larger fraction",
                                        part, n, part, fraction));
  };
  if (z.train < 1) refuse("training", cfg.train);
  if (z.val < 1 && cfg.val > 0) refuse("validation", cfg.val);
  if (z.test < 1) refuse("test", cfg.test);
  return z;
}

namespace {

std::string data_name(const DataConfig& cfg) {
  return !cfg.path.empty() ? cfg.path : !cfg.generator.empty() ? "generator " + cfg.generator : std::string("the data");
}

// Every class in every split: a class missing from the training split cannot be learnt, one
// missing from the validation or test split leaves its AUC undefined. A stray label (one event
// of class 2 in binary data) is caught here, before every trial fails on it.
void check_classes(const DataSplit& s, const DataConfig& cfg) {
  const Location where{cfg.source_file, -1, -1, "data.split"};
  const int classes = std::max(s.train.n_classes, 2);
  std::vector<std::int64_t> total(static_cast<std::size_t>(classes), 0);
  const std::pair<const char*, const Dataset*> parts[] = {{"training", &s.train}, {"validation", &s.val}, {"test", &s.test}};
  for (const auto& [name, d] : parts)
    for (auto l : d->labels)
      if (l >= 0 && l < classes) ++total[static_cast<std::size_t>(l)];
  for (const auto& [name, d] : parts) {
    if (d->size() == 0) continue;
    std::vector<std::int64_t> count(static_cast<std::size_t>(classes), 0);
    for (auto l : d->labels)
      if (l >= 0 && l < classes) ++count[static_cast<std::size_t>(l)];
    for (int c = 0; c < classes; ++c) {
      if (count[static_cast<std::size_t>(c)] > 0) continue;
      std::string counts;
      for (int k = 0; k < classes; ++k) counts += fmt::format("{}class {}: {}", k ? ", " : "", k, total[static_cast<std::size_t>(k)]);
      throw InputError(where,
                       fmt::format("the {} split of {} ({} events) holds no event of class {} (events per class in {}: "
                                   "{}); every class needs events in the training, validation and test splits (a "
                                   "stray label? a class too rare for this split?)",
                                   name, data_name(cfg), d->size(), c, data_name(cfg), counts));
    }
  }
}

// Weights that sum to zero make every weighted loss 0 and every weighted metric undefined.
void check_weights(const DataSplit& s, const DataConfig& cfg) {
  const Location where{cfg.source_file, -1, -1, "data.split"};
  const std::pair<const char*, const Dataset*> parts[] = {{"training", &s.train}, {"validation", &s.val}, {"test", &s.test}};
  for (const auto& [name, d] : parts) {
    if (d->weights.empty() || d->size() == 0) continue;
    const int classes = s.task == Task::classification ? std::max(s.train.n_classes, 2) : 1;
    std::vector<double> sum(static_cast<std::size_t>(classes), 0.0);
    for (std::size_t i = 0; i < d->size(); ++i)
      sum[s.task == Task::classification ? static_cast<std::size_t>(d->labels[i]) : 0] += d->weights[i];
    for (int c = 0; c < classes; ++c) {
      if (sum[static_cast<std::size_t>(c)] > 0) continue;
      throw InputError(where, fmt::format("the event weights of the {} split of {}{} sum to {} (expected a positive "
                                          "total: weighted losses and metrics are undefined otherwise)",
                                          name, data_name(cfg),
                                          classes > 1 ? fmt::format(", class {},", c) : std::string(),
                                          sum[static_cast<std::size_t>(c)]));
    }
  }
}

}  // namespace

void check_split(const DataSplit& split, const DataConfig& cfg) {
  if (split.task == Task::classification) check_classes(split, cfg);
  check_weights(split, cfg);
}

DataSplit split_dataset(const Dataset& all, Task task, const DataConfig& cfg) {
  const auto n = static_cast<std::int64_t>(all.size());
  const bool kfold = cfg.folds > 1 && cfg.split >= 0;
  SplitSizes z;
  if (kfold) {
    // k folds: the fractions are not used; fold `split` tests, the next validates.
    validate_split(cfg);
    const Location where{cfg.source_file, -1, -1, "data.split"};
    if (cfg.split >= cfg.folds) throw InputError(where, fmt::format("fold {} of {} does not exist", cfg.split, cfg.folds));
    if (n < 3 * cfg.folds) throw InputError(where, fmt::format("{} events are too few for {} folds", n, cfg.folds));
  } else {
    z = split_sizes(n, cfg);
  }
  std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) perm[static_cast<std::size_t>(i)] = i;
  // Own stream for the split so that it is independent of the generator's event streams; a
  // repeated random split shuffles with its split seed instead of the data seed.
  const std::uint64_t seed = !kfold && cfg.split >= 0 ? static_cast<std::uint64_t>(cfg.split) : cfg.seed;
  Rng rng(stream_seed(seed, 0x5B117ULL));
  shuffle(perm.begin(), perm.end(), rng);
  auto part = [&](std::int64_t a, std::int64_t b) {
    return take_rows(all, std::vector<std::int64_t>(perm.begin() + a, perm.begin() + b));
  };
  DataSplit s;
  s.task = task;
  if (kfold) {
    // Fold f = rows [f n/k, (f+1) n/k) of the shuffle: fold `split` tests, the next one validates.
    auto edge = [&](std::int64_t f) { return f * n / cfg.folds; };
    const std::int64_t t = cfg.split, v = (cfg.split + 1) % cfg.folds;
    std::vector<std::int64_t> train_rows;
    for (std::int64_t f = 0; f < cfg.folds; ++f)
      if (f != t && f != v) train_rows.insert(train_rows.end(), perm.begin() + edge(f), perm.begin() + edge(f + 1));
    s.train = take_rows(all, train_rows);
    s.val = part(edge(v), edge(v + 1));
    s.test = part(edge(t), edge(t + 1));
  } else {
    s.train = part(0, z.train);
    s.val = part(z.train, z.train + z.val);
    s.test = part(z.train + z.val, n);
  }
  check_split(s, cfg);
  return s;
}

}  // namespace kanscan::io
