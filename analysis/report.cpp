#include "analysis/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <sstream>

#include "analysis/kan_functions.hpp"
#include "analysis/pareto.hpp"
#include "framework/metrics.hpp"
#include "framework/error.hpp"
#include "io/config.hpp"
#include "io/atomic_file.hpp"
#include "io/data.hpp"
#include "io/readers.hpp"

namespace kanscan::analysis {
namespace fs = std::filesystem;
namespace {

double metric_mean(const ConfigGroup& g, const MetricSpec& m) {
  const auto it = g.metrics.find(m.name);
  return (it == g.metrics.end() || it->second.n == 0) ? std::nan("") : it->second.mean;
}

Stats metric_stats(const ConfigGroup& g, const std::string& name) {
  const auto it = g.metrics.find(name);
  return it == g.metrics.end() ? Stats{std::nan(""), std::nan(""), 0} : it->second;
}

std::string num(double v, int digits = 6) {
  if (std::isnan(v)) return "";
  return fmt::format("{:.{}g}", v, digits);
}

std::string pm(const Stats& s, int prec = 4) {
  if (s.n == 0) return "n/a";
  if (s.n == 1) return fmt::format("{:.{}f} (n=1)", s.mean, prec);
  // A spread below the printed precision is still shown, not rounded to zero.
  const std::string sd = s.std > 0 && s.std < 0.5 * std::pow(10.0, -prec) ? fmt::format("{:.1g}", s.std)
                                                                           : fmt::format("{:.{}f}", s.std, prec);
  return fmt::format("{:.{}f} ± {} (n={})", s.mean, prec, sd, s.n);
}

// Events of a data file, for the spline-vs-LLR and importance studies.
struct Events {
  std::vector<float> features;  // [n, f]
  std::size_t n = 0, f = 0;
  std::vector<int> labels;
  std::vector<float> weights;
  std::vector<std::string> names;
  std::vector<std::int64_t> rows;  // row in the data file of each event (empty = identity)
};

Events events_of(const Dataset& d) {
  Events e;
  e.n = d.size();
  e.f = d.n_features();
  e.features.assign(d.features.data(), d.features.data() + d.features.size());
  e.labels.assign(d.labels.begin(), d.labels.end());
  e.weights = d.weights;
  e.names = d.feature_names;
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

// --data: read as `run` reads data, with the scan's data settings (label column, classes,
// delimiter) when the file records them. Labels and weights are optional for HDF5: the
// importance study needs the features only. A bad file is an InputError (exit 2).
Events read_events(const std::string& path, const std::optional<io::ScanConfig>& scan) {
  if (!fs::exists(path)) throw InputError(Location{path, -1, -1, "--data"}, "file does not exist");
  if (fs::is_directory(path)) throw InputError(Location{path, -1, -1, "--data"}, "is a directory; expected a data file");
  const DataConfig cfg = scan ? scan->data : DataConfig{};
  return events_of(io::read_data_features(path, scan ? scan->task : Task::classification, cfg));
}

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

// The scan's events from its own definition: a user file where `run` found it, or the
// generator rerun through io::load_data (deterministic for the recorded seed; the scan's cache
// next to the results file is used when present, otherwise the events are generated in memory).
bool events_from_config(const ResultsFile& file, io::ScanConfig scan, Events& e, std::vector<std::string>& notes) {
  const fs::path dir = fs::path(file.path()).parent_path();
  if (!scan.data.path.empty()) {
    const auto candidates = data_candidates(scan, file);
    const auto found = std::find_if(candidates.begin(), candidates.end(), [](const std::string& c) { return fs::is_regular_file(c); });
    if (found == candidates.end()) {
      notes.push_back(fmt::format("the scan's data file '{}' was not found (looked at {}); pass --data FILE for the "
                                  "spline-vs-LLR study and a data-based feature importance",
                                  scan.data.path, fmt::join(candidates, ", ")));
      return false;
    }
    notes.push_back(fmt::format("events: the scan's data file, found at {}", *found));
    scan.data.path = *found;
  }
  fs::path cache = scan.cache_dir.empty() ? dir / "kanscan-cache" : fs::path(scan.cache_dir);
  if (cache.is_relative() && !scan.cache_dir.empty()) cache = (scan.source_dir.empty() ? dir : fs::path(scan.source_dir)) / cache;
  const std::string cache_dir = fs::is_directory(cache) ? cache.string() : "";
  if (!scan.data.generator.empty())
    notes.push_back(cache_dir.empty() ? fmt::format("events: generator {} rerun in memory (no cache at {})", scan.data.generator, cache.string())
                                      : fmt::format("events: generator {} from the cache {}", scan.data.generator, cache_dir));
  try {
    const DataSplit split = io::load_data(scan.data, scan.task, cache_dir);
    const Dataset* parts[] = {&split.train, &split.val, &split.test};
    e = Events{};
    e.f = split.test.n_features();
    e.names = split.test.feature_names;
    for (const Dataset* d : parts) {
      const std::size_t rows = d->size();
      for (std::size_t k = 0; k < rows; ++k) {
        const std::int64_t row = d->index.empty() ? -1 : d->index[k];
        e.features.insert(e.features.end(), d->features.row(Eigen::Index(k)).data(),
                          d->features.row(Eigen::Index(k)).data() + e.f);
        if (!d->labels.empty()) e.labels.push_back(d->labels[k]);
        if (!d->weights.empty()) e.weights.push_back(d->weights[k]);
        e.rows.push_back(row);
      }
    }
    e.n = e.rows.size();
    if (e.weights.size() != e.n) e.weights.clear();
    if (e.labels.size() != e.n) e.labels.clear();
    if (e.names.size() != e.f) {
      e.names.clear();
      for (std::size_t i = 0; i < e.f; ++i) e.names.push_back(fmt::format("x{}", i));
    }
    return true;
  } catch (const InputError& err) {
    notes.push_back(std::string("cannot load the scan's data for the spline-vs-LLR study: ") + err.what());
    return false;
  }
}

// The events: --data (a bad file is exit 2), a data_file root attribute, or the scan
// definition in the file.
bool find_events(const ResultsFile& file, const AnalyzeOptions& o, Events& e, std::vector<std::string>& notes) {
  // An HDF5 --data needs no scan definition; a CSV is read with the scan's settings.
  auto scan_for = [&](const std::string& path) {
    return io::is_csv_data_path(path) ? recorded_scan_or_note(file, notes) : std::optional<io::ScanConfig>{};
  };
  if (!o.data_file.empty()) {
    e = read_events(o.data_file, scan_for(o.data_file));
    return true;
  }
  const std::string attr = file.attribute("data_file");
  if (!attr.empty()) {
    const std::string path = fs::exists(attr) ? attr : (fs::path(file.path()).parent_path() / attr).string();
    try {
      e = read_events(path, scan_for(path));
      return true;
    } catch (const InputError& err) {
      notes.push_back(std::string("data file unreadable, spline-vs-LLR study skipped: ") + err.what());
      return false;
    }
  }
  const auto scan = recorded_scan_or_note(file, notes);
  if (scan && events_from_config(file, *scan, e, notes)) return true;
  if (!scan)
    notes.push_back("no events found; pass --data DATA.h5 for the spline-vs-LLR study and a data-based feature "
                    "importance");
  return false;
}

std::string fmt_budget(double lo, double hi) { return fmt::format("[{}, {})", num(lo, 3), num(hi, 3)); }

}  // namespace

std::string Report::label(const ConfigGroup& g) const {
  const auto it = shown_axes.find(g.model);
  return it == shown_axes.end() ? g.label() : g.label(it->second);
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

Report analyze(const ResultsFile& file, const AnalyzeOptions& o) {
  Report r;
  r.results_path = file.path();
  r.attributes = file.attributes();
  r.trials = file.trials();
  const TrialsTable& t = r.trials;
  r.metric = choose_metric(t, o.metric);
  r.task = r.attributes.count("task")      ? r.attributes.at("task")
           : t.has("test_auc")             ? "classification"
           : t.has("test_mae")             ? "regression"
                                           : "";
  for (std::size_t row = 0; row < t.rows; ++row) {
    const bool ok = row_ok(t, row);
    ok ? ++r.n_ok : ++r.n_failed;
    const std::string id = t.string("trial_id", row);
    if (ok && !file.has_trial_group(id)) r.rows_without_group.push_back(id);
  }
  {
    std::vector<std::string> ids;
    for (std::size_t row = 0; row < t.rows; ++row) ids.push_back(t.string("trial_id", row));
    std::sort(ids.begin(), ids.end());
    for (const auto& g : file.trial_groups())
      if (!std::binary_search(ids.begin(), ids.end(), g)) r.groups_without_row.push_back(g);
  }
  if (!t.skipped.empty()) {
    std::string s;
    for (const auto& k : t.skipped) s += (s.empty() ? "" : ", ") + k;
    r.notes.push_back("/trials fields of an unsupported type skipped: " + s);
  }
  if (r.metric.name.empty()) {
    r.notes.push_back("no test metric columns in /trials: nothing to rank");
    return r;
  }
  r.configs = aggregate_seeds(t, r.metric);
  for (const auto& g : r.configs)
    if (std::find(r.models.begin(), r.models.end(), g.model) == r.models.end()) r.models.push_back(g.model);
  // Alphabetical, not completion order, so that reruns print the same tables.
  std::sort(r.models.begin(), r.models.end());

  // Fronts over configurations (seed means), overall and per model type.
  auto front_of = [&](const std::string& model) {
    std::vector<ParetoPoint> pts;
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < r.configs.size(); ++i) {
      const auto& g = r.configs[i];
      if (g.n_ok == 0 || (!model.empty() && g.model != model)) continue;
      pts.push_back({g.n_params, oriented(r.metric, metric_mean(g, r.metric))});
      idx.push_back(i);
    }
    std::vector<std::size_t> out;
    for (auto k : pareto_front(pts)) out.push_back(idx[k]);
    return out;
  };
  r.fronts["all"] = front_of("");
  for (const auto& m : r.models) r.fronts[m] = front_of(m);
  r.shown_axes = varying_axes(r.configs);
  r.axes = axis_table(r.configs, r.metric);
  r.budgets = matched_budgets(r.configs, r.metric, o.bins_per_decade);
  return r;
}

std::string format_summary(const Report& r, const AnalyzeOptions& o) {
  std::ostringstream s;
  s << "results: " << r.results_path;
  if (r.attributes.count("scan_name")) s << " (scan " << r.attributes.at("scan_name") << ")";
  if (r.attributes.count("kanscan_version")) s << ", kanscan " << r.attributes.at("kanscan_version");
  s << "\n";
  s << fmt::format("trials: {} rows, {} ok, {} failed", r.trials.rows, r.n_ok, r.n_failed);
  if (!r.rows_without_group.empty()) s << fmt::format(", {} ok rows without a /trial group", r.rows_without_group.size());
  if (!r.groups_without_row.empty())
    s << fmt::format(", {} trial groups not yet in /trials (ignored)", r.groups_without_row.size());
  s << "\n";
  if (r.metric.name.empty()) {
    for (const auto& n : r.notes) s << "note: " << n << "\n";
    return s.str();
  }
  std::size_t with_ok = 0;
  for (const auto& g : r.configs) with_ok += g.n_ok > 0;
  s << fmt::format("configurations: {} ({} with at least one ok seed); metric: {} ({} is better)\n",
                   r.configs.size(), with_ok, r.metric.name, r.metric.higher_is_better ? "higher" : "lower");

  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < r.configs.size(); ++i)
    if (r.configs[i].n_ok > 0 && !std::isnan(metric_mean(r.configs[i], r.metric))) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return oriented(r.metric, metric_mean(r.configs[a], r.metric)) >
           oriented(r.metric, metric_mean(r.configs[b], r.metric));
  });
  s << "\nbest configurations:\n";
  for (std::size_t k = 0; k < std::min(o.top, order.size()); ++k) {
    const auto& g = r.configs[order[k]];
    s << fmt::format("  {}. {} {} params: {} {}  [{}]\n", k + 1, r.label(g), num(g.n_params), r.metric.name,
                     pm(metric_stats(g, r.metric.name)), g.best_trial);
  }
  auto print_front = [&](const std::string& scope) {
    const auto it = r.fronts.find(scope);
    if (it == r.fronts.end()) return;
    s << fmt::format("\nPareto front ({}): parameters -> {}\n", scope, r.metric.name);
    for (auto i : it->second) {
      const auto& g = r.configs[i];
      s << fmt::format("  {:>9}  {}  {}\n", num(g.n_params), pm(metric_stats(g, r.metric.name)), r.label(g));
    }
  };
  print_front("all");
  for (const auto& m : r.models)
    if (r.models.size() > 1) print_front(m);

  if (r.models.size() > 1) {
    s << "\nat matched parameter budgets (best configuration per bin):\n";
    s << fmt::format("  {:<18}", "parameters");
    for (const auto& m : r.models) s << fmt::format("  {:<28}", m);
    s << "\n";
    for (std::size_t k = 0; k < r.budgets.size();) {
      const double lo = r.budgets[k].lo;
      std::map<std::string, std::size_t> row;
      for (; k < r.budgets.size() && r.budgets[k].lo == lo; ++k) row[r.budgets[k].model] = r.budgets[k].best;
      s << fmt::format("  {:<18}", fmt_budget(lo, r.budgets[k - 1].hi));
      for (const auto& m : r.models) {
        const auto it = row.find(m);
        s << fmt::format("  {:<28}", it == row.end() ? "-" : pm(metric_stats(r.configs[it->second], r.metric.name)));
      }
      s << "\n";
    }
  }
  if (!r.working_points.empty()) {
    s << "\nworking points of the front (test set; Z: Asimov significance of the test sample at its best cut):\n";
    s << fmt::format("  {:>9}  {:>10}  {:>11}  {:>12}  {:>8}  {:>8}  {:>6}  {}\n", "params", "eff@rej.9", "eff@rej.99",
                     "1/fpr@eff.5", "acc@0.5", "acc best", "Z", "configuration");
    for (const auto& w : r.working_points) {
      s << fmt::format("  {:>9}  {:>10.4f}  {:>11.4f}  {:>12.1f}", num(w.n_params), w.eff_at_rej90, w.eff_at_rej99,
                       w.inv_fpr_at_eff50);
      if (w.with_events) s << fmt::format("  {:>8.4f}  {:>8.4f}  {:>6.1f}", w.accuracy_05, w.best_accuracy, w.z);
      else s << fmt::format("  {:>8}  {:>8}  {:>6}", "-", "-", "-");
      s << "  " << w.label << "\n";
    }
  }
  if (!r.axes.empty()) {
    s << fmt::format("\nbest {} per axis value:\n", r.metric.name);
    std::string last;
    for (const auto& a : r.axes) {
      const std::string head = a.model + " " + a.axis;
      if (head != last) s << "  " << head << ":";
      last = head;
      s << fmt::format(" {}={}", a.value, num(metric_mean(r.configs[a.best], r.metric), 4));
      const bool end = (&a == &r.axes.back()) || ((&a + 1)->model + " " + (&a + 1)->axis != head);
      if (end) s << "\n";
    }
  }
  for (const auto& n : r.notes) s << "note: " << n << "\n";
  return s.str();
}

namespace {

// One writer per output file of `kanscan analyze`, over the same report and output folder.
class OutputWriter {
 public:
  OutputWriter(const ResultsFile& file, Report& r, const std::string& dir, const AnalyzeOptions& o)
      : file_(file), r_(r), dir_(dir), o_(o), t_(r.trials) {
    for (const auto& c : t_.columns)
      if (column_role(c.name) == ColumnRole::metric && !c.is_string) metric_cols_.push_back(c.name);
    for (const auto& g : r_.configs)
      for (const auto& [k, v] : g.axes)
        if (std::find(axis_names_.begin(), axis_names_.end(), k) == axis_names_.end()) axis_names_.push_back(k);
    config_head_ = "model";
    for (const auto& a : axis_names_) config_head_.append(",").append(csv_field(a));
    config_head_ += ",n_params";
  }

  std::vector<std::string> write_all() {
    write_trials_csv();
    write_configs_csv();
    if (!r_.metric.name.empty()) {
      write_pareto_csv();
      write_axes_csv();
      write_matched_budget_csv();
    }
    const auto studies = select_kan_studies();
    if (!studies.empty() || r_.task == "classification" || !o_.data_file.empty())
      have_events_ = find_events(file_, o_, events_, r_.notes);
    for (const auto& [id, single] : studies) write_kan_study(id, single);
    if (studies.empty()) r_.notes.push_back("no stored KAN model among the best configurations: no spline/importance plots");
    r_.working_points.clear();
    if (r_.task == "classification" && r_.fronts.count("all")) {
      compute_working_points();
      write_working_points_csv();
    }
    put("summary.txt", format_summary(r_, o_));
    write_manifest();
    return written_;
  }

 private:
  void put(const std::string& name, const std::string& text) {
    io::write_file_atomic((fs::path(dir_) / name).string(), text);
    written_.push_back((fs::path(dir_) / name).string());
  }

  std::string config_cols(const ConfigGroup& g) const {
    std::string s = csv_field(g.model);
    for (const auto& a : axis_names_) s.append(",").append(csv_field(g.axis(a)));
    s.append(",").append(num(g.n_params, 12));
    return s;
  }

  // trials.csv: the table as stored.
  void write_trials_csv() {
    std::ostringstream s;
    for (std::size_t c = 0; c < t_.columns.size(); ++c) s << (c ? "," : "") << csv_field(t_.columns[c].name);
    s << "\n";
    for (std::size_t row = 0; row < t_.rows; ++row) {
      for (std::size_t c = 0; c < t_.columns.size(); ++c) s << (c ? "," : "") << csv_field(t_.columns[c].text(row));
      s << "\n";
    }
    put("trials.csv", s.str());
  }

  // configs.csv: seed aggregates.
  void write_configs_csv() {
    std::ostringstream s;
    s << "config," << config_head_ << ",n_ok,n_failed";
    for (const auto& m : metric_cols_) s << "," << m << "_mean," << m << "_std," << m << "_n";
    s << ",best_trial,trial_ids\n";
    for (std::size_t i = 0; i < r_.configs.size(); ++i) {
      const auto& g = r_.configs[i];
      s << i << "," << config_cols(g) << "," << g.n_ok << "," << g.n_failed;
      for (const auto& m : metric_cols_) {
        const Stats st = metric_stats(g, m);
        s << "," << num(st.mean, 10) << "," << num(st.n ? st.std : std::nan(""), 10) << "," << st.n;
      }
      std::string ids;
      for (const auto& id : g.trial_ids) ids += (ids.empty() ? "" : ";") + id;
      s << "," << csv_field(g.best_trial) << "," << csv_field(ids) << "\n";
    }
    put("configs.csv", s.str());
  }

  void write_pareto_csv() {
    const std::string& metric = r_.metric.name;
    std::ostringstream s;
    s << "scope,rank,config," << config_head_ << "," << metric << "_mean," << metric << "_std,n,best_trial\n";
    std::vector<std::string> scopes{"all"};
    scopes.insert(scopes.end(), r_.models.begin(), r_.models.end());
    for (const auto& scope : scopes) {
      const auto& f = r_.fronts[scope];
      for (std::size_t k = 0; k < f.size(); ++k) {
        const auto& g = r_.configs[f[k]];
        const Stats st = metric_stats(g, metric);
        s << csv_field(scope) << "," << k << "," << f[k] << "," << config_cols(g) << "," << num(st.mean, 10) << ","
          << num(st.std, 10) << "," << st.n << "," << csv_field(g.best_trial) << "\n";
      }
    }
    put("pareto.csv", s.str());
  }

  // axes.csv: the metric against each axis.
  void write_axes_csv() {
    const std::string& metric = r_.metric.name;
    std::ostringstream s;
    s << "model,axis,value,n_configs,mean_over_configs,std_over_configs,best_config,best_" << metric << "_mean,best_"
      << metric << "_std,best_n,best_n_params,best_trial,best_label\n";
    for (const auto& a : r_.axes) {
      const auto& g = r_.configs[a.best];
      const Stats st = metric_stats(g, metric);
      s << csv_field(a.model) << "," << csv_field(a.axis) << "," << csv_field(a.value) << "," << a.n_configs << ","
        << num(a.over_configs.mean, 10) << "," << num(a.over_configs.std, 10) << "," << a.best << ","
        << num(st.mean, 10) << "," << num(st.std, 10) << "," << st.n << "," << num(g.n_params, 12) << ","
        << csv_field(g.best_trial) << "," << csv_field(r_.label(g)) << "\n";
    }
    put("axes.csv", s.str());
  }

  void write_matched_budget_csv() {
    const std::string& metric = r_.metric.name;
    std::ostringstream s;
    s << "params_lo,params_hi,model,config,n_params," << metric << "_mean," << metric << "_std,n,best_trial,label\n";
    for (const auto& b : r_.budgets) {
      const auto& g = r_.configs[b.best];
      const Stats st = metric_stats(g, metric);
      s << num(b.lo, 8) << "," << num(b.hi, 8) << "," << csv_field(b.model) << "," << b.best << ","
        << num(g.n_params, 12) << "," << num(st.mean, 10) << "," << num(st.std, 10) << "," << st.n << ","
        << csv_field(g.best_trial) << "," << csv_field(r_.label(g)) << "\n";
    }
    put("matched_budget.csv", s.str());
  }

  // The KAN studies: the best single-layer KANs (splines vs LLR) and the best KAN overall
  // (importance), as long as their models are stored. (trial id, single layer) pairs.
  std::vector<std::pair<std::string, bool>> select_kan_studies() {
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < r_.configs.size(); ++i)
      if (r_.configs[i].n_ok > 0 && !r_.configs[i].best_trial.empty()) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return oriented(r_.metric, metric_mean(r_.configs[a], r_.metric)) >
             oriented(r_.metric, metric_mean(r_.configs[b], r_.metric));
    });
    std::vector<std::pair<std::string, bool>> studies;
    bool have_multi = false;
    for (auto i : order) {
      if (studies.size() >= o_.max_kan_studies) break;
      // The best seed's model, else any seed's (a writer may keep models of some seeds only).
      std::string id = r_.configs[i].best_trial;
      if (!file_.has_model(id)) {
        id.clear();
        for (const auto& tid : r_.configs[i].trial_ids)
          if (file_.has_model(tid)) {
            id = tid;
            break;
          }
        if (id.empty()) continue;
      }
      ModelState m;
      try {
        m = file_.read_model(id);
      } catch (const InputError& e) {
        r_.notes.push_back("model of trial " + id + " unreadable: " + e.what());
        continue;
      }
      if (!is_kan(m)) continue;
      const bool single = m.layers.size() == 1;
      if (single || !have_multi) {
        studies.emplace_back(id, single);
        study_label_[id] = r_.label(r_.configs[i]);
        have_multi = have_multi || !single;
      }
    }
    return studies;
  }

  // Up to 5000 test events of the trial, raw features row-major (for the importance).
  std::vector<float> test_samples(const std::string& id) const {
    std::vector<float> samples;
    const TrialData td = file_.read_trial(id, true);
    const std::size_t cap = 5000;
    std::map<std::int64_t, std::size_t> position;  // data-file row -> event
    for (std::size_t k = 0; k < events_.rows.size(); ++k) position.emplace(events_.rows[k], k);
    for (auto row : td.test_index) {
      std::size_t k = static_cast<std::size_t>(row);
      if (!events_.rows.empty()) {
        const auto it = position.find(row);
        if (it == position.end()) continue;
        k = it->second;
      }
      if (row < 0 || k >= events_.n) continue;
      samples.insert(samples.end(), events_.features.begin() + std::ptrdiff_t(k * events_.f),
                     events_.features.begin() + std::ptrdiff_t((k + 1) * events_.f));
      if (samples.size() / events_.f >= cap) break;
    }
    return samples;
  }

  void write_kan_study(const std::string& id, bool single) {
    const ModelState m = file_.read_model(id);
    const LayerState& l0 = m.layers.front();
    KanShape shape;
    try {
      shape = kan_shape(l0);
    } catch (const InputError& e) {
      r_.notes.push_back("trial " + id + ": " + e.what());
      return;
    }
    const bool events_match = have_events_ && events_.f == shape.in;
    if (have_events_ && !events_match)
      r_.notes.push_back(fmt::format("data file has {} features, the model of {} {}: data ignored", events_.f, id, shape.in));
    std::vector<std::string> names = events_match ? events_.names : std::vector<std::string>{};
    for (std::size_t i = names.size(); i < shape.in; ++i) names.push_back(fmt::format("x{}", i));
    // Importance over the trial's test events when available (Erdmann et al. use the data).
    const std::vector<float> samples = events_match ? test_samples(id) : std::vector<float>{};
    write_importance_csv(id, m, samples, shape, names);
    if (single) {
      write_functions_csv(id, m, shape, names, events_match);
      if (events_match && !events_.labels.empty() && !llr_written_) write_llr_csv(names);
    }
    kan_studies_.push_back({{"trial", id}, {"label", study_label_[id]}, {"single_layer", single},
                            {"n_features", shape.in}, {"n_out", shape.out}});
  }

  void write_importance_csv(const std::string& id, const ModelState& m, const std::vector<float>& samples,
                            const KanShape& shape, const std::vector<std::string>& names) {
    const auto imp = kan_feature_importance(m, samples, shape.in);
    const auto imp_c = kan_feature_importance(m, samples, shape.in, true);
    std::ostringstream s;
    s << "feature,name,importance,importance_centered,evaluated_on\n";
    for (std::size_t i = 0; i < shape.in; ++i)
      s << i << "," << csv_field(names[i]) << "," << num(imp[i], 10) << "," << num(imp_c[i], 10) << ","
        << (samples.empty() ? "spline_grid" : "test_events") << "\n";
    put("kan_" + id + "_importance.csv", s.str());
  }

  // Each edge function of a single-layer KAN on a fine grid of its input.
  void write_functions_csv(const std::string& id, const ModelState& m, const KanShape& shape,
                           const std::vector<std::string>& names, bool events_match) {
    const LayerState& l0 = m.layers.front();
    std::ostringstream s;
    s << "feature,name,x_std,x_raw,in_grid";
    for (std::size_t j = 0; j < shape.out; ++j) s << ",phi_" << j;
    s << "\n";
    for (std::size_t i = 0; i < shape.in; ++i) {
      // The active range of the basis (the splines' knots), plus a margin (there only the SiLU part
      // of a B-spline edge remains).
      const auto [lo, hi] = kan_active_range(l0, i);
      double from = lo - 0.25 * (hi - lo), to = hi + 0.25 * (hi - lo);
      if (events_match) {
        // Cover the bulk of the data too: outside the grid only the SiLU part acts, which is
        // part of what the model does to real events.
        std::vector<float> col;
        col.reserve(events_.n);
        for (std::size_t k = 0; k < events_.n; ++k)
          if (std::isfinite(events_.features[k * events_.f + i])) col.push_back(events_.features[k * events_.f + i]);
        if (col.size() > 1) {
          std::sort(col.begin(), col.end());
          const double q0 = (col[std::size_t(0.005 * double(col.size() - 1))] - m.input_mean[i]) / m.input_std[i];
          const double q1 = (col[std::size_t(0.995 * double(col.size() - 1))] - m.input_mean[i]) / m.input_std[i];
          from = std::min(from, q0);
          to = std::max(to, q1);
        }
      }
      constexpr int kPoints = 161;
      for (int p = 0; p < kPoints; ++p) {
        const double x = from + (to - from) * p / (kPoints - 1);
        s << i << "," << csv_field(names[i]) << "," << num(x, 8) << "," << num(x * m.input_std[i] + m.input_mean[i], 8)
          << "," << (x >= lo && x <= hi ? 1 : 0);
        for (std::size_t j = 0; j < shape.out; ++j) s << "," << num(kan_edge(l0, j, i, x), 8);
        s << "\n";
      }
    }
    put("kan_" + id + "_functions.csv", s.str());
  }

  // llr.csv: each feature's empirical log-likelihood ratio (written once).
  void write_llr_csv(const std::vector<std::string>& names) {
    std::ostringstream ls;
    ls << "feature,name,x_raw,llr,err\n";
    std::vector<float> col(events_.n);
    for (std::size_t i = 0; i < events_.f; ++i) {
      for (std::size_t k = 0; k < events_.n; ++k) col[k] = events_.features[k * events_.f + i];
      try {
        const LlrCurve c = log_likelihood_ratio(col, events_.labels, events_.weights);
        for (std::size_t b = 0; b < c.center.size(); ++b)
          ls << i << "," << csv_field(names[i]) << "," << num(c.center[b], 8) << "," << num(c.llr[b], 8) << ","
             << num(c.err[b], 6) << "\n";
      } catch (const InputError& e) {
        r_.notes.push_back(std::string("LLR: ") + e.what());
        break;
      }
    }
    put("llr.csv", ls.str());
    llr_written_ = true;
  }

  // Working points of the overall front, from each trial's ROC and, with the events, its test
  // predictions.
  void compute_working_points() {
    std::map<std::int64_t, std::size_t> position;
    for (std::size_t k = 0; k < events_.rows.size(); ++k) position.emplace(events_.rows[k], k);
    for (auto i : r_.fronts.at("all")) {
      const ConfigGroup& g = r_.configs[i];
      if (!file_.has_trial_group(g.best_trial)) continue;
      const TrialData td = file_.read_trial(g.best_trial, true);
      if (td.roc_fpr.size() < 2) continue;
      WorkingPoint w;
      w.trial = g.best_trial;
      w.label = r_.label(g);
      w.n_params = g.n_params;
      metrics::Roc roc;
      roc.fpr = td.roc_fpr;
      roc.tpr = td.roc_tpr;
      try {
        w.eff_at_rej90 = metrics::signal_efficiency_at_rejection(roc, 0.9);
        w.eff_at_rej99 = metrics::signal_efficiency_at_rejection(roc, 0.99);
        w.rej_at_eff50 = metrics::rejection_at_signal_efficiency(roc, 0.5);
        w.inv_fpr_at_eff50 = w.rej_at_eff50 < 1.0 ? 1.0 / (1.0 - w.rej_at_eff50) : INFINITY;
      } catch (const InputError& e) {
        r_.notes.push_back("trial " + w.trial + ": ROC unusable: " + e.what());
        continue;
      }
      // Event-level numbers need each test event's label: binary predictions [N] and events.
      if (have_events_ && !events_.labels.empty() && td.prediction_cols == 1 &&
          td.test_index.size() == td.test_predictions.size())
        add_event_numbers(td, position, w);
      r_.working_points.push_back(w);
    }
  }

  void add_event_numbers(const TrialData& td, const std::map<std::int64_t, std::size_t>& position, WorkingPoint& w) {
    std::vector<float> score, weight;
    std::vector<int> label;
    for (std::size_t k = 0; k < td.test_index.size(); ++k) {
      const std::int64_t row = td.test_index[k];
      std::size_t e = static_cast<std::size_t>(row);
      if (!events_.rows.empty()) {
        const auto it = position.find(row);
        if (it == position.end()) continue;
        e = it->second;
      }
      if (row < 0 || e >= events_.n) continue;
      score.push_back(static_cast<float>(td.test_predictions[k]));
      label.push_back(events_.labels[e]);
      if (!events_.weights.empty()) weight.push_back(events_.weights[e]);
    }
    try {
      if (score.size() == td.test_index.size()) {
        w.accuracy_05 = metrics::accuracy(score, label, 0.5, weight);
        const auto best = metrics::best_accuracy(score, label, weight);
        w.best_accuracy = best.value;
        w.best_accuracy_threshold = best.threshold;
        const auto z = metrics::best_significance(score, label, weight);
        w.z = z.z;
        w.z_threshold = z.threshold;
        w.z_s = z.s;
        w.z_b = z.b;
        w.with_events = true;
      }
    } catch (const std::exception& e) {
      r_.notes.push_back("trial " + w.trial + ": test predictions unusable: " + e.what());
    }
  }

  void write_working_points_csv() {
    if (r_.working_points.empty()) return;
    std::ostringstream s;
    s << "trial,label,n_params,sig_eff_at_bkg_rej_0.9,sig_eff_at_bkg_rej_0.99,bkg_rej_at_sig_eff_0.5,"
         "inv_bkg_eff_at_sig_eff_0.5,accuracy_at_0.5,best_accuracy,best_accuracy_threshold,"
         "significance,significance_threshold,significance_s,significance_b\n";
    for (const auto& w : r_.working_points) {
      s << csv_field(w.trial) << "," << csv_field(w.label) << "," << num(w.n_params, 12) << ","
        << num(w.eff_at_rej90, 8) << "," << num(w.eff_at_rej99, 8) << "," << num(w.rej_at_eff50, 8) << ","
        << num(w.inv_fpr_at_eff50, 8);
      if (w.with_events)
        s << "," << num(w.accuracy_05, 8) << "," << num(w.best_accuracy, 8) << "," << num(w.best_accuracy_threshold, 8)
          << "," << num(w.z, 8) << "," << num(w.z_threshold, 8) << "," << num(w.z_s, 10) << "," << num(w.z_b, 10);
      else
        s << ",,,,,,,";
      s << "\n";
    }
    put("working_points.csv", s.str());
  }

  // analysis.json: the manifest plots.py draws from.
  void write_manifest() {
    nlohmann::json j;
    j["results"] = fs::absolute(file_.path()).string();
    j["task"] = r_.task;
    j["metric"] = r_.metric.name;
    j["higher_is_better"] = r_.metric.higher_is_better;
    j["models"] = r_.models;
    nlohmann::json fronts = nlohmann::json::object();
    for (const auto& [scope, f] : r_.fronts) {
      nlohmann::json ids = nlohmann::json::array();
      for (auto i : f) ids.push_back(r_.configs[i].best_trial);
      fronts[scope] = ids;
    }
    j["front_trials"] = fronts;
    nlohmann::json curves = nlohmann::json::array();
    for (const auto& a : r_.axes)
      curves.push_back({{"model", a.model}, {"axis", a.axis}, {"value", a.value},
                        {"trial", r_.configs[a.best].best_trial}, {"label", r_.label(r_.configs[a.best])}});
    j["axis_best_trials"] = curves;
    j["kan_studies"] = kan_studies_;
    j["llr_csv"] = llr_written_ ? nlohmann::json("llr.csv") : nlohmann::json(nullptr);
    j["notes"] = r_.notes;
    put("analysis.json", j.dump(2) + "\n");
  }

  const ResultsFile& file_;
  Report& r_;
  const std::string dir_;
  const AnalyzeOptions& o_;
  const TrialsTable& t_;
  std::vector<std::string> metric_cols_, axis_names_;
  std::string config_head_;
  std::vector<std::string> written_;
  Events events_;
  bool have_events_ = false;
  bool llr_written_ = false;
  std::map<std::string, std::string> study_label_;
  nlohmann::json kan_studies_ = nlohmann::json::array();
};

}  // namespace

std::vector<std::string> write_outputs(const ResultsFile& file, Report& r, const std::string& dir,
                                       const AnalyzeOptions& o) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir))
    throw IoError(Location{dir, -1, -1, ""}, "cannot create the output directory" + (ec ? ": " + ec.message() : ""));
  return OutputWriter(file, r, dir, o).write_all();
}

}  // namespace kanscan::analysis
