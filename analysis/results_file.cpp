#include "analysis/results_file.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>

#include "framework/error.hpp"
#include "io/model_file.hpp"
#include "io/trials_schema.hpp"

namespace kanscan::analysis {
namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw InputError(Location{where, -1, -1, ""}, what);
}

std::string format_number(double v) {
  if (std::isnan(v)) return "";
  if (v == std::floor(v) && std::abs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

std::vector<double> read_optional(const h5::Group& g, const std::string& name) {
  if (!g.is_dataset(name)) return {};
  try {
    return g.read_double(name).data;
  } catch (const InputError&) {
    return {};  // a dataset being written right now, or of a foreign type: treat as missing
  }
}

}  // namespace

std::string Column::text(std::size_t row) const {
  if (is_string) return row < str.size() ? str[row] : "";
  return row < num.size() ? format_number(num[row]) : "";
}

const Column* TrialsTable::find(const std::string& name) const {
  for (const auto& c : columns)
    if (c.name == name) return &c;
  return nullptr;
}

double TrialsTable::number(const std::string& name, std::size_t row) const {
  const Column* c = find(name);
  if (!c || row >= rows) return std::nan("");
  if (!c->is_string) return c->num[row];
  // Numbers stored as text (e.g. lr as "1e-3"): parse, else NaN.
  const std::string& s = c->str[row];
  double v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return (r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty()) ? v : std::nan("");
}

std::string TrialsTable::string(const std::string& name, std::size_t row) const {
  const Column* c = find(name);
  return c ? c->text(row) : "";
}

TrialsTable read_compound_table(const h5::Group& parent, const std::string& name) {
  const std::string where = parent.where(name);
  if (!parent.is_dataset(name)) fail(where, "missing dataset (expected the compound trials table)");
  h5::TableContents raw = parent.read_table(name);
  TrialsTable t;
  t.rows = raw.rows;
  t.skipped = std::move(raw.skipped);
  for (auto& f : raw.fields) {
    Column c;
    c.name = f.name;
    if (f.type == h5::TypeClass::string) {
      c.is_string = true;
      c.str = std::move(f.strings);
    } else {
      c.num = std::move(f.numbers);
      c.is_integer = f.type == h5::TypeClass::integer;
      if (c.is_integer)
        for (auto& v : c.num) v = io::integer_value(v);
    }
    t.columns.push_back(std::move(c));
  }
  const std::size_t n = t.rows;

  // An extendible table may be longer than what was written (crash between extend and write):
  // rows without a trial id are not trials.
  const Column* id = t.find(io::kTrialIdColumn);
  if (!id) fail(where, "the trials table has no trial_id field");
  std::vector<std::size_t> keep;
  for (std::size_t r = 0; r < n; ++r)
    if (!id->text(r).empty()) keep.push_back(r);
  if (keep.size() != n) {
    for (auto& c : t.columns) {
      if (c.is_string) {
        std::vector<std::string> v;
        for (auto r : keep) v.push_back(std::move(c.str[r]));
        c.str = std::move(v);
      } else {
        std::vector<double> v;
        for (auto r : keep) v.push_back(c.num[r]);
        c.num = std::move(v);
      }
    }
    t.rows = keep.size();
  }
  return t;
}

namespace {

h5::File open_results(const std::string& path) {
  if (!std::filesystem::exists(path)) fail(path, "results file does not exist");
  if (std::filesystem::is_directory(path)) fail(path, "is a directory, expected a results file (.h5)");
  if (!h5::is_hdf5(path)) fail(path, "not an HDF5 file; expected a kanscan results file written by `kanscan run`");
  // A running scan keeps the file open for writing: open it without HDF5's file locking.
  return h5::File(path, h5::File::Mode::read_only_unlocked);
}

}  // namespace

ResultsFile::ResultsFile(const std::string& path) : path_(path), file_(open_results(path)) {
  const h5::Group r = root();
  for (const char* a : {"kanscan_version", "schema_version", "scan_name", "created_utc", "task", "data_file"}) {
    if (!r.has_attr(a)) continue;
    try {
      attrs_[a] = r.attr_string(a);
    } catch (const InputError&) {
      attrs_[a] = format_number(r.attr_double(a));
    }
  }
  const bool looks_like_results = attrs_.count("schema_version") || attrs_.count("kanscan_version") ||
                                  r.exists("trials") || r.exists("scan");
  if (!looks_like_results)
    fail(path,
         "not a kanscan results file: no schema_version/kanscan_version attribute, /trials table or /scan group "
         "(a data file? analyze takes the file written by `kanscan run`)");
  if (r.exists("trials")) trials_ = read_compound_table(r, "trials");
  if (r.exists("trial")) {
    const h5::Group g = r.open_group("trial");
    groups_ = g.children();
    std::sort(groups_.begin(), groups_.end());
  }
}

h5::Group ResultsFile::root() const { return file_.root(); }

std::string ResultsFile::attribute(const std::string& name) const {
  const auto it = attrs_.find(name);
  return it == attrs_.end() ? "" : it->second;
}

std::string ResultsFile::config_yaml() const {
  const h5::Group r = root();
  if (!r.exists("scan")) return "";
  const h5::Group s = r.open_group("scan");
  try {
    if (s.is_dataset("config_yaml")) {
      // Stored as a scalar string dataset or a 1-element string array.
      if (s.type_class("config_yaml") != h5::TypeClass::string) return "";
      if (s.shape_of("config_yaml").size() == 1) {
        const auto v = s.read_strings("config_yaml");
        return v.empty() ? "" : v.front();
      }
      return s.read_string("config_yaml");
    }
    if (s.has_attr("config_yaml")) return s.attr_string("config_yaml");
  } catch (const InputError&) {
    return "";
  }
  return "";
}

std::vector<std::string> ResultsFile::overrides() const {
  const h5::Group r = root();
  if (!r.exists("scan")) return {};
  const h5::Group s = r.open_group("scan");
  try {
    if (s.is_dataset("overrides") && s.type_class("overrides") == h5::TypeClass::string) return s.read_strings("overrides");
  } catch (const InputError&) {
  }
  return {};
}

std::string ResultsFile::scan_file() const {
  const h5::Group r = root();
  if (!r.exists("scan")) return "";
  const h5::Group s = r.open_group("scan");
  try {
    if (s.has_attr("scan_file")) return s.attr_string("scan_file");
  } catch (const InputError&) {
  }
  return "";
}

bool ResultsFile::has_trial_group(const std::string& id) const {
  return std::binary_search(groups_.begin(), groups_.end(), id);
}

TrialData ResultsFile::read_trial(const std::string& id, bool with_predictions) const {
  if (!has_trial_group(id)) fail(path_ + ":/trial/" + id, "no such trial group (the trial ids are in /trials)");
  const h5::Group g = root().open_group("trial").open_group(id);
  TrialData t;
  t.id = id;
  try {
    if (g.has_attr("config")) t.config_json = g.attr_string("config");
    if (g.has_attr("error")) t.error = g.attr_string("error");
  } catch (const InputError&) {
  }
  if (g.exists("history")) {
    const h5::Group h = g.open_group("history");
    t.epoch = read_optional(h, "epoch");
    t.train_loss = read_optional(h, "train_loss");
    t.val_loss = read_optional(h, "val_loss");
    t.val_metric = read_optional(h, "val_metric");
    try {
      for (const char* attr : {"val_metric_name", "val_metric", "metric"})
        if (t.val_metric_name.empty() && h.has_attr(attr)) t.val_metric_name = h.attr_string(attr);
    } catch (const InputError&) {
    }
  }
  if (g.exists("roc")) {
    const h5::Group r = g.open_group("roc");
    t.roc_fpr = read_optional(r, "fpr");
    t.roc_tpr = read_optional(r, "tpr");
    if (t.roc_fpr.size() != t.roc_tpr.size()) t.roc_fpr.clear(), t.roc_tpr.clear();
  }
  if (with_predictions && g.is_dataset("test_predictions")) {
    try {
      auto a = g.read_double("test_predictions");
      t.prediction_cols = a.shape.size() >= 2 ? a.shape[1] : 1;
      t.test_predictions = std::move(a.data);
      if (g.is_dataset("test_index")) t.test_index = g.read_int64("test_index").data;
    } catch (const InputError&) {
      t.test_predictions.clear();
      t.prediction_cols = 0;
    }
  }
  return t;
}

bool ResultsFile::has_model(const std::string& id) const {
  if (!has_trial_group(id)) return false;
  const h5::Group g = root().open_group("trial").open_group(id);
  return g.exists("model") && g.open_group("model").is_dataset("input_mean");
}

ModelState ResultsFile::read_model(const std::string& id) const {
  if (!has_trial_group(id))
    fail(path_ + ":/trial/" + id, "no such trial (run `kanscan analyze " + path_ + "` to list trial ids)");
  const h5::Group g = root().open_group("trial").open_group(id);
  if (!g.exists("model")) fail(g.where("model"), "this trial has no stored model (a failed or unfinished trial?)");
  return io::read_model(g.open_group("model"));
}

std::optional<io::ScanConfig> recorded_scan(const ResultsFile& file) {
  const std::string yaml = file.config_yaml();
  if (yaml.empty()) return std::nullopt;
  io::ScanConfig scan = io::parse_scan_config(yaml, file.path() + ":/scan/config_yaml", file.overrides(), false);
  const std::string scan_file = file.scan_file();
  scan.source_dir = scan_file.empty() ? "" : std::filesystem::path(scan_file).parent_path().string();
  return scan;
}

}  // namespace kanscan::analysis
