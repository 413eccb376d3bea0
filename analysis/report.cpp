#include "analysis/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <set>
#include <sstream>

#include "analysis/comparisons.hpp"
#include "analysis/events.hpp"
#include "analysis/kan_functions.hpp"
#include "analysis/pareto.hpp"
#include "analysis/physics.hpp"
#include "framework/metrics.hpp"
#include "framework/error.hpp"
#include "io/config.hpp"
#include "io/atomic_file.hpp"
#include "io/data.hpp"
#include "io/readers.hpp"

namespace kanscan::analysis {
namespace fs = std::filesystem;
namespace {

// The reported (test) metric's seed mean.
double metric_mean(const ConfigGroup& g, const MetricSpec& m) { return group_mean(g, m.name); }
// The selection (validation) metric's seed mean: what every choice is made on.
double select_mean(const ConfigGroup& g, const MetricSpec& m) { return group_mean(g, m.select); }

Stats metric_stats(const ConfigGroup& g, const std::string& name) {
  const auto it = g.metrics.find(name);
  return it == g.metrics.end() ? Stats{std::nan(""), std::nan(""), 0} : it->second;
}

std::string num(double v, int digits = 6) {
  if (std::isnan(v)) return "";
  return fmt::format("{:.{}g}", v, digits);
}

// The events: --data (a bad file is exit 2), a data_file root attribute, or the scan
// definition in the file.
bool find_events(const ResultsFile& file, const AnalyzeOptions& o, const std::string& task, Events& e,
                 std::vector<std::string>& notes) {
  // An HDF5 --data needs no scan definition; a CSV is read with the scan's settings.
  auto scan_for = [&](const std::string& path) {
    return io::is_csv_data_path(path) ? recorded_scan_or_note(file, notes) : std::optional<io::ScanConfig>{};
  };
  if (!o.data_file.empty()) {
    e = read_events(o.data_file, scan_for(o.data_file), task);
    return true;
  }
  const std::string attr = file.attribute("data_file");
  if (!attr.empty()) {
    const std::string path = fs::exists(attr) ? attr : (fs::path(file.path()).parent_path() / attr).string();
    try {
      e = read_events(path, scan_for(path), task);
      return true;
    } catch (const InputError& err) {
      notes.push_back(std::string("data file unreadable, spline-vs-LLR study skipped: ") + err.what());
      return false;
    }
  }
  const auto scan = recorded_scan_or_note(file, notes);
  if (scan && events_from_config(file, *scan, {}, e, notes)) return true;
  if (!scan)
    notes.push_back("no events found; pass --data DATA.h5 for the spline-vs-LLR study and a data-based feature "
                    "importance");
  return false;
}

// "0.9051 ± 0.0016 (n=3)": the seed mean and its uncertainty (seed spread and test sample).
std::string pm_unc(const ConfigGroup& g, const MetricSpec& m, int prec = 4) {
  const Stats st = metric_stats(g, m.name);
  if (st.n == 0) return "n/a";
  const double u = seed_mean_uncertainty(g, m);
  if (std::isnan(u)) return fmt::format("{:.{}f} (n={})", st.mean, prec, st.n);
  const std::string us = u > 0 && u < 0.5 * std::pow(10.0, -prec) ? fmt::format("{:.1g}", u) : fmt::format("{:.{}f}", u, prec);
  return fmt::format("{:.{}f} ± {} (n={})", st.mean, prec, us, st.n);
}

// A cost to three significant digits, with thousands separators: 316, 3,160, 1,000,000.
std::string fmt_cost(double v) {
  if (std::isnan(v)) return "";
  if (v < 1000) return fmt::format("{:.3g}", v);
  const double p = std::pow(10.0, std::floor(std::log10(v)) - 2);
  std::string digits = std::to_string(static_cast<long long>(std::llround(v / p) * p)), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// A cost as printed in the tables: whole numbers exact with thousands separators, else 4 digits.
std::string fmt_count(double v) {
  if (std::isnan(v)) return "";
  if (v != std::round(v) || std::abs(v) >= 1e15) return fmt::format("{:.4g}", v);
  std::string digits = std::to_string(static_cast<long long>(std::llround(std::abs(v)))), out = v < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string fmt_budget(double lo, double hi) { return fmt::format("[{}, {})", fmt_cost(lo), fmt_cost(hi)); }

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
  r.cost = choose_cost(t, o.cost);
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
  if (!r.metric.on_validation())
    r.notes.push_back("this results file has no validation column for " + r.metric.name +
                      " (written by an older kanscan): configurations are selected on the test metric itself, which "
                      "makes the best look better than it is");
  r.configs = aggregate_seeds(t, r.metric, r.cost);
  for (const auto& g : r.configs)
    if (std::find(r.models.begin(), r.models.end(), g.model) == r.models.end()) r.models.push_back(g.model);
  // Alphabetical, not completion order, so that reruns print the same tables.
  std::sort(r.models.begin(), r.models.end());
  r.reference = reference_family(r.models);

  // Fronts over configurations (seed means of the selection metric against the cost), overall
  // and per family.
  auto front_of = [&](const std::string& model) {
    std::vector<ParetoPoint> pts;
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < r.configs.size(); ++i) {
      const auto& g = r.configs[i];
      if (g.n_ok == 0 || (!model.empty() && g.model != model)) continue;
      pts.push_back({g.cost, oriented(r.metric, select_mean(g, r.metric))});
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
  r.slices = axis_slices(r.configs, r.metric);
  r.budgets = matched_budgets(r.configs, r.metric, o.bins_per_decade);
  return r;
}

namespace {

// "selected on val_auc, test_auc reported (± the seed mean's uncertainty)"
std::string selection_words(const MetricSpec& m) {
  if (!m.on_validation()) return fmt::format("selected and reported on {} (no validation column)", m.name);
  return fmt::format("selected on {}, {} reported", m.select, m.name);
}

void summary_best(std::ostringstream& s, const Report& r, const AnalyzeOptions& o) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < r.configs.size(); ++i)
    if (r.configs[i].n_ok > 0 && !std::isnan(select_mean(r.configs[i], r.metric))) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return oriented(r.metric, select_mean(r.configs[a], r.metric)) >
           oriented(r.metric, select_mean(r.configs[b], r.metric));
  });
  s << fmt::format("\nbest configurations ({}):\n", selection_words(r.metric));
  for (std::size_t k = 0; k < std::min(o.top, order.size()); ++k) {
    const auto& g = r.configs[order[k]];
    std::string sel;
    if (r.metric.on_validation()) sel = fmt::format(" ({} {})", r.metric.select, num(select_mean(g, r.metric), 5));
    s << fmt::format("  {}. {} {} params: {} {}{}  [{}]", k + 1, r.label(g), fmt_count(g.n_params), r.metric.name,
                     pm_unc(g, r.metric), sel, g.best_trial);
    if (g.n_undertrained > 0)
      s << fmt::format("  UNDERTRAINED: the best validation epoch was the last one in {} of {} trials", g.n_undertrained,
                       g.n_ok);
    s << "\n";
  }
}

void summary_fronts(std::ostringstream& s, const Report& r) {
  auto print_front = [&](const std::string& scope) {
    const auto it = r.fronts.find(scope);
    if (it == r.fronts.end()) return;
    s << fmt::format("\nPareto front ({}): {} -> {}; {}\n", scope, r.cost.label, r.metric.name, selection_words(r.metric));
    for (auto i : it->second) {
      const auto& g = r.configs[i];
      s << fmt::format("  {:>11}  {}  {}\n", fmt_count(g.cost), pm_unc(g, r.metric), r.label(g));
    }
  };
  print_front("all");
  for (const auto& m : r.models)
    if (r.models.size() > 1) print_front(m);
}

// The comparison of family `model` with the reference in the budget bin starting at lo.
const PairedRow* budget_comparison(const Report& r, double lo, const std::string& model) {
  for (const auto& c : r.comparisons)
    if (c.scope == "budget" && c.lo == lo && c.a == model && c.b == r.reference) return &c;
  return nullptr;
}

std::string delta_text(const PairedRow& c) {
  if (!c.ok) return "no test";
  return fmt::format("{:+.4f} ± {:.4f} ({})", c.cmp.delta, c.cmp.delta_err, format_p(c.cmp.p_value));
}

// Width of the bin column: wide enough for the widest bin ("[316,000, 1,000,000)" with FLOPs).
std::size_t budget_width(const Report& r) {
  std::size_t w = 18;
  for (const auto& b : r.budgets) w = std::max(w, fmt_budget(b.lo, b.hi).size());
  return w;
}

void summary_budgets(std::ostringstream& s, const Report& r) {
  if (r.models.size() < 2) return;
  const std::size_t w = budget_width(r);
  const std::string what = r.cost.name == "params" ? "parameter budgets" : "budgets of " + r.cost.label;
  s << fmt::format("\nat matched {} (best configuration per bin, {}; ± the seed mean's uncertainty):\n", what,
                   selection_words(r.metric));
  s << fmt::format("  {:<{}}", r.cost.name, w);
  for (const auto& m : r.models) s << fmt::format("  {:<24}", m);
  for (const auto& m : r.models)
    if (m != r.reference) s << fmt::format("  {}", m + " - " + r.reference);
  s << "\n";
  for (std::size_t k = 0; k < r.budgets.size();) {
    const double lo = r.budgets[k].lo;
    std::map<std::string, std::size_t> row;
    for (; k < r.budgets.size() && r.budgets[k].lo == lo; ++k) row[r.budgets[k].model] = r.budgets[k].best;
    s << fmt::format("  {:<{}}", fmt_budget(lo, r.budgets[k - 1].hi), w);
    for (const auto& m : r.models) {
      const auto it = row.find(m);
      s << fmt::format("  {:<24}", it == row.end() ? "-" : pm_unc(r.configs[it->second], r.metric));
    }
    for (const auto& m : r.models) {
      if (m == r.reference) continue;
      const PairedRow* c = budget_comparison(r, lo, m);
      s << "  " << (c ? delta_text(*c) : "-");
    }
    s << "\n";
  }
}

std::string comparison_text(const PairedRow& c) {
  if (!c.ok) return "no test: " + c.note;
  if (std::isnan(c.cmp.test_err))  // repeated splits: one spread holds test sample, seeds and split
    return fmt::format("{:+.4f} ± {:.4f} ({}; {})", c.cmp.delta, c.cmp.delta_err, c.cmp.method, format_p(c.cmp.p_value));
  return fmt::format("{:+.4f} ± {:.4f} (test {:.4f}, seeds {:.4f}; {}; {})", c.cmp.delta, c.cmp.delta_err,
                     c.cmp.test_err, c.cmp.seed_err, c.cmp.method, format_p(c.cmp.p_value));
}

// Each configuration against the reference family's best, listed when there are few (a study
// of variants such as abasov_qcd); always in comparisons.csv.
void summary_vs_reference(std::ostringstream& s, const Report& r) {
  std::vector<const PairedRow*> rows;
  for (const auto& c : r.comparisons)
    if (c.scope == "vs_reference") rows.push_back(&c);
  if (rows.empty()) return;
  const std::string ref = r.label(r.configs[rows.front()->config_b]);
  if (rows.size() > 12) {
    s << fmt::format("  (each of the other {} configurations against the best {} ({}): comparisons.csv, scope "
                     "vs_reference)\n", rows.size(), r.reference, ref);
    return;
  }
  s << fmt::format("  each configuration minus the best {} ({}):\n", r.reference, ref);
  for (const PairedRow* c : rows) s << fmt::format("    {}: {}\n", r.label(r.configs[c->config_a]), comparison_text(*c));
}

void summary_comparisons(std::ostringstream& s, const Report& r) {
  if (r.comparisons.empty()) return;
  s << fmt::format("\npaired comparisons on the same test events, split by split with repeated splits ({}; delta = "
                   "a - b, ± its uncertainty: test sample and training seeds; two-sided p):\n",
                   r.metric.name);
  for (const auto& c : r.comparisons) {
    if (c.scope == "vs_reference") continue;
    const std::string where = c.scope == "best" ? std::string("best of each") : fmt_budget(c.lo, c.hi);
    s << fmt::format("  {:<{}}  {} - {}: {}", where, budget_width(r), c.a, c.b, comparison_text(c));
    if (c.scope == "best" && c.ok)
      s << fmt::format("  [{} vs {}]", r.label(r.configs[c.config_a]), r.label(r.configs[c.config_b]));
    s << "\n";
  }
  summary_vs_reference(s, r);
}

void summary_working_points(std::ostringstream& s, const Report& r) {
  if (r.working_points.empty()) return;
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

void summary_axes(std::ostringstream& s, const Report& r) {
  if (r.axes.empty()) return;
  s << fmt::format("\n{} of the best configuration at each axis value (chosen on {}; other settings free):\n",
                   r.metric.name, r.metric.select);
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

}  // namespace

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
  s << fmt::format("configurations: {} ({} with at least one ok seed); metric: {} ({} is better), {}; cost: {}\n",
                   r.configs.size(), with_ok, r.metric.name, r.metric.higher_is_better ? "higher" : "lower",
                   selection_words(r.metric), r.cost.label);
  s << fmt::format("uncertainties: ± sqrt(seed std^2 / n + test-sample error^2 / splits) of a configuration's seed "
                   "mean{}\n",
                   r.metric.err.empty() ? " (no test-sample error column: seed spread only)" : "");
  summary_best(s, r, o);
  summary_fronts(s, r);
  summary_budgets(s, r);
  summary_comparisons(s, r);
  summary_working_points(s, r);
  summary_axes(s, r);
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
      write_axis_slices_csv();
    }
    const auto studies = select_kan_studies();
    // A bad --data is exit 2 even when nothing would use it.
    if (!r_.metric.name.empty() || !o_.data_file.empty()) have_events_ = find_events(file_, o_, r_.task, events_, r_.notes);
    if (have_events_ && !events_.part.empty()) split_ = &events_;
    if (!r_.metric.name.empty()) {
      load_split();
      scan_events_ = split_ ? split_ : (have_events_ ? &events_ : nullptr);
      if (scan_events_) r_.comparisons = compare_families(file_, r_, *scan_events_, o_);
      else if (r_.models.size() > 1) r_.notes.push_back("no events: no paired comparisons");
      write_matched_budget_csv();
      write_comparisons_csv();
    }
    for (const auto& [id, single] : studies) write_kan_study(id, single);
    if (studies.empty()) r_.notes.push_back("no stored KAN model among the best configurations: no spline/importance plots");
    r_.working_points.clear();
    if (r_.task == "classification" && r_.fronts.count("all")) {
      compute_working_points();
      write_working_points_csv();
    }
    if (scan_events_) write_physics_tables();
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
    s << ",best_trial,trial_ids";
    // Added by the second contract, after the first's columns.
    const std::string& m = r_.metric.name;
    if (!m.empty()) s << ",cost," << m << "_unc,n_undertrained";
    s << "\n";
    for (std::size_t i = 0; i < r_.configs.size(); ++i) {
      const auto& g = r_.configs[i];
      s << i << "," << config_cols(g) << "," << g.n_ok << "," << g.n_failed;
      for (const auto& mc : metric_cols_) {
        const Stats st = metric_stats(g, mc);
        s << "," << num(st.mean, 10) << "," << num(st.n ? st.std : std::nan(""), 10) << "," << st.n;
      }
      std::string ids;
      for (const auto& id : g.trial_ids) ids += (ids.empty() ? "" : ";") + id;
      s << "," << csv_field(g.best_trial) << "," << csv_field(ids);
      if (!m.empty())
        s << "," << num(g.cost, 12) << "," << num(seed_mean_uncertainty(g, r_.metric), 10) << "," << g.n_undertrained;
      s << "\n";
    }
    put("configs.csv", s.str());
  }

  void write_pareto_csv() {
    const std::string& metric = r_.metric.name;
    std::ostringstream s;
    s << "scope,rank,config," << config_head_ << "," << metric << "_mean," << metric << "_std,n,best_trial,cost,"
      << metric << "_err," << metric << "_unc," << r_.metric.select << "_select_mean\n";
    std::vector<std::string> scopes{"all"};
    scopes.insert(scopes.end(), r_.models.begin(), r_.models.end());
    for (const auto& scope : scopes) {
      const auto& f = r_.fronts[scope];
      for (std::size_t k = 0; k < f.size(); ++k) {
        const auto& g = r_.configs[f[k]];
        const Stats st = metric_stats(g, metric);
        s << csv_field(scope) << "," << k << "," << f[k] << "," << config_cols(g) << "," << num(st.mean, 10) << ","
          << num(st.std, 10) << "," << st.n << "," << csv_field(g.best_trial) << "," << num(g.cost, 12) << ","
          << num(r_.metric.err.empty() ? std::nan("") : group_mean(g, r_.metric.err), 10) << ","
          << num(seed_mean_uncertainty(g, r_.metric), 10) << "," << num(select_mean(g, r_.metric), 10) << "\n";
      }
    }
    put("pareto.csv", s.str());
  }

  // axes.csv: the metric against each axis.
  void write_axes_csv() {
    const std::string& metric = r_.metric.name;
    std::ostringstream s;
    s << "model,axis,value,n_configs,mean_over_configs,std_over_configs,best_config,best_" << metric << "_mean,best_"
      << metric << "_std,best_n,best_n_params,best_trial,best_label,best_" << metric << "_unc,best_" << r_.metric.select
      << "_select_mean\n";
    for (const auto& a : r_.axes) {
      const auto& g = r_.configs[a.best];
      const Stats st = metric_stats(g, metric);
      s << csv_field(a.model) << "," << csv_field(a.axis) << "," << csv_field(a.value) << "," << a.n_configs << ","
        << num(a.over_configs.mean, 10) << "," << num(a.over_configs.std, 10) << "," << a.best << ","
        << num(st.mean, 10) << "," << num(st.std, 10) << "," << st.n << "," << num(g.n_params, 12) << ","
        << csv_field(g.best_trial) << "," << csv_field(r_.label(g)) << "," << num(seed_mean_uncertainty(g, r_.metric), 10)
        << "," << num(select_mean(g, r_.metric), 10) << "\n";
    }
    put("axes.csv", s.str());
  }

  // axis_slices.csv: each axis with the other axes held fixed (the slice through the family's
  // best configuration first), so that a curve never mixes configurations.
  void write_axis_slices_csv() {
    const std::string& metric = r_.metric.name;
    std::ostringstream s;
    s << "model,axis,slice,through_best,others,value,config,n_params," << metric << "_mean," << metric << "_unc,"
      << r_.metric.select << "_select_mean,n,best_trial,label\n";
    for (std::size_t k = 0; k < r_.slices.size(); ++k) {
      const AxisSlice& sl = r_.slices[k];
      std::string others;
      const auto shown = r_.shown_axes.count(sl.model) ? r_.shown_axes.at(sl.model) : std::vector<std::string>{};
      for (const auto& [a, v] : sl.others)
        if (!v.empty() && std::find(shown.begin(), shown.end(), a) != shown.end())
          others += (others.empty() ? "" : " ") + a + "=" + v;
      for (const auto& [value, i] : sl.points) {
        const auto& g = r_.configs[i];
        s << csv_field(sl.model) << "," << csv_field(sl.axis) << "," << k << "," << (sl.through_best ? 1 : 0) << ","
          << csv_field(others) << "," << csv_field(value) << "," << i << "," << num(g.n_params, 12) << ","
          << num(metric_mean(g, r_.metric), 10) << "," << num(seed_mean_uncertainty(g, r_.metric), 10) << ","
          << num(select_mean(g, r_.metric), 10) << "," << metric_stats(g, metric).n << "," << csv_field(g.best_trial)
          << "," << csv_field(r_.label(g)) << "\n";
      }
    }
    put("axis_slices.csv", s.str());
  }

  void write_matched_budget_csv() {
    const std::string& metric = r_.metric.name;
    std::ostringstream s;
    s << "params_lo,params_hi,model,config,n_params," << metric << "_mean," << metric << "_std,n,best_trial,label,cost,"
      << metric << "_unc," << r_.metric.select << "_select_mean,reference,delta,delta_err,p_value,significance\n";
    for (const auto& b : r_.budgets) {
      const auto& g = r_.configs[b.best];
      const Stats st = metric_stats(g, metric);
      s << num(b.lo, 8) << "," << num(b.hi, 8) << "," << csv_field(b.model) << "," << b.best << ","
        << num(g.n_params, 12) << "," << num(st.mean, 10) << "," << num(st.std, 10) << "," << st.n << ","
        << csv_field(g.best_trial) << "," << csv_field(r_.label(g)) << "," << num(g.cost, 12) << ","
        << num(seed_mean_uncertainty(g, r_.metric), 10) << "," << num(select_mean(g, r_.metric), 10) << ",";
      const PairedRow* c = budget_comparison(r_, b.lo, b.model);
      if (c && c->ok)
        s << csv_field(c->b) << "," << num(c->cmp.delta, 10) << "," << num(c->cmp.delta_err, 10) << ","
          << num(c->cmp.p_value, 6) << "," << (c->cmp.p_value > 0.05 ? "not significant" : "significant");
      else
        s << (c ? csv_field(c->b) : "") << ",,,,";
      s << "\n";
    }
    put("matched_budget.csv", s.str());
  }

  // comparisons.csv: every paired comparison (budgets, the families' best, each configuration vs the reference best).
  void write_comparisons_csv() {
    if (r_.comparisons.empty()) return;
    std::ostringstream s;
    s << "scope,cost_lo,cost_hi,a,b,config_a,config_b,label_a,label_b,n_a,n_b,delta,delta_err,test_err,seed_err,"
         "p_value,significance,method,note\n";
    for (const auto& c : r_.comparisons) {
      s << c.scope << "," << num(c.lo, 8) << "," << num(c.hi, 8) << "," << csv_field(c.a) << "," << csv_field(c.b) << ","
        << c.config_a << "," << c.config_b << "," << csv_field(r_.label(r_.configs[c.config_a])) << ","
        << csv_field(r_.label(r_.configs[c.config_b])) << ",";
      if (c.ok)
        s << c.cmp.n_a << "," << c.cmp.n_b << "," << num(c.cmp.delta, 10) << "," << num(c.cmp.delta_err, 10) << ","
          << num(c.cmp.test_err, 10) << "," << num(c.cmp.seed_err, 10) << "," << num(c.cmp.p_value, 6) << ","
          << (c.cmp.p_value > 0.05 ? "not significant" : "significant") << "," << csv_field(c.cmp.method) << ",";
      else
        s << ",,,,,,,,,";
      s << csv_field(c.note) << "\n";
    }
    put("comparisons.csv", s.str());
  }

  // The scan's events with their split, for the paired tests and the physics plots.
  void load_split() {
    if (split_) return;
    std::vector<std::string> dirs;
    if (!o_.data_file.empty()) dirs.push_back(fs::path(o_.data_file).parent_path().string());
    std::vector<std::string> notes;
    const auto scan = recorded_scan_or_note(file_, notes);
    if (scan && events_from_config(file_, *scan, dirs, split_events_, notes)) {
      split_ = &split_events_;
      return;
    }
    for (const auto& n : notes) r_.notes.push_back("paired tests and physics plots: " + n);
  }

  void write_physics_tables() {
    const auto trials = physics_trials(r_);
    nlohmann::json list = nlohmann::json::array();
    for (const auto& t : trials) {
      const auto row = [&] {
        for (std::size_t k = 0; k < t_.rows; ++k)
          if (t_.string("trial_id", k) == t.trial) return k;
        return t_.rows;
      }();
      list.push_back({{"trial", t.trial}, {"model", t.model}, {"label", t.label},
                      {"loss", row < t_.rows ? t_.string("loss", row) : std::string()}});
    }
    physics_["trials"] = list;
    physics_["class_names"] = scan_events_->class_names;
    physics_["signal_class"] = scan_events_->signal_class;
    physics_["target_names"] = scan_events_->target_names;
    if (r_.task == "classification") {
      OutputTables ot = output_distributions(file_, trials, *scan_events_, o_.predict);
      for (auto& n : ot.notes) r_.notes.push_back(n);
      if (!ot.distributions_csv.empty()) put("output_distributions.csv", ot.distributions_csv), physics_["outputs"] = "output_distributions.csv";
      if (!ot.overtraining_csv.empty()) put("overtraining.csv", ot.overtraining_csv), physics_["overtraining"] = "overtraining.csv";
      for (const auto& k : ot.ks)
        if (k.p_value < 0.01)
          r_.notes.push_back(fmt::format("overtraining check: {} ({}), class {}: train and test outputs differ "
                                         "(Kolmogorov-Smirnov p = {:.2g})",
                                         k.trial, k.model, k.class_name, k.p_value));
    } else if (r_.task == "regression") {
      ResolutionTables rt = resolution_tables(file_, trials, *scan_events_);
      for (auto& n : rt.notes) r_.notes.push_back(n);
      if (!rt.resolution_csv.empty()) put("resolution.csv", rt.resolution_csv), physics_["resolution"] = "resolution.csv";
      if (!rt.pred_vs_true_csv.empty()) put("pred_vs_true.csv", rt.pred_vs_true_csv), physics_["pred_vs_true"] = "pred_vs_true.csv";
    }
  }

  // The KAN studies: the best single-layer KANs (splines vs LLR) and the best KAN overall
  // (importance), as long as their models are stored. (trial id, single layer) pairs.
  std::vector<std::pair<std::string, bool>> select_kan_studies() {
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < r_.configs.size(); ++i)
      if (r_.configs[i].n_ok > 0 && !r_.configs[i].best_trial.empty()) order.push_back(i);
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return oriented(r_.metric, select_mean(r_.configs[a], r_.metric)) >
             oriented(r_.metric, select_mean(r_.configs[b], r_.metric));
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
    std::string loss;
    for (std::size_t k = 0; k < t_.rows; ++k)
      if (t_.string("trial_id", k) == id) loss = t_.string("loss", k);
    kan_studies_.push_back({{"trial", id}, {"label", study_label_[id]}, {"single_layer", single},
                            {"n_features", shape.in}, {"n_out", shape.out}, {"loss", loss},
                            {"output", to_string(m.output)}});
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

  // Per family and axis, the configurations whose validation curves are drawn together: the
  // slice through the best configuration when it has two or more points, else the best slice
  // that has (one line per other setting is in axis_slices.csv).
  nlohmann::json axis_curves() const {
    nlohmann::json out = nlohmann::json::array();
    std::set<std::pair<std::string, std::string>> done;
    for (std::size_t k = 0; k < r_.slices.size(); ++k) {
      const AxisSlice& sl = r_.slices[k];
      if (sl.points.size() < 2 || done.count({sl.model, sl.axis})) continue;
      done.insert({sl.model, sl.axis});
      std::string others;
      const auto shown = r_.shown_axes.count(sl.model) ? r_.shown_axes.at(sl.model) : std::vector<std::string>{};
      for (const auto& [a, v] : sl.others)
        if (!v.empty() && std::find(shown.begin(), shown.end(), a) != shown.end())
          others += (others.empty() ? "" : " ") + a + "=" + v;
      nlohmann::json pts = nlohmann::json::array();
      for (const auto& [value, i] : sl.points)
        pts.push_back({{"value", value}, {"trial", r_.configs[i].best_trial}, {"label", r_.label(r_.configs[i])}});
      out.push_back({{"model", sl.model}, {"axis", sl.axis}, {"through_best", sl.through_best}, {"others", others},
                     {"points", pts}});
    }
    // An axis whose values never share the other settings (an optimizer scanned with its own
    // batch size): the best configuration per value, saying which settings differ.
    for (const auto& a : r_.axes) {
      if (done.count({a.model, a.axis})) continue;
      done.insert({a.model, a.axis});
      std::vector<std::size_t> chosen;
      nlohmann::json pts = nlohmann::json::array();
      for (const auto& b : r_.axes)
        if (b.model == a.model && b.axis == a.axis) {
          chosen.push_back(b.best);
          pts.push_back({{"value", b.value}, {"trial", r_.configs[b.best].best_trial}, {"label", r_.label(r_.configs[b.best])}});
        }
      if (chosen.empty()) continue;
      std::string differ;
      const ConfigGroup& first = r_.configs[chosen[0]];
      for (const auto& [k, v] : first.axes) {
        if (k == a.axis) continue;
        for (auto i : chosen)
          if (r_.configs[i].axis(k) != v) {
            differ += (differ.empty() ? "" : ", ") + k;
            break;
          }
      }
      out.push_back({{"model", a.model}, {"axis", a.axis}, {"through_best", false},
                     {"others", "best per value; also differ: " + (differ.empty() ? std::string("nothing") : differ)},
                     {"points", pts}});
    }
    return out;
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
    j["select_metric"] = r_.metric.select;
    j["metric_err"] = r_.metric.err;
    j["cost"] = {{"name", r_.cost.name}, {"column", r_.cost.column}, {"label", r_.cost.label}};
    j["axis_curves"] = axis_curves();
    j["comparisons_csv"] = r_.comparisons.empty() ? nlohmann::json(nullptr) : nlohmann::json("comparisons.csv");
    j["reference_family"] = r_.reference;
    j["physics"] = physics_;
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
  Events split_events_;                  // the scan's own events with their split, when events_ lacks it
  const Events* split_ = nullptr;        // events with the split (train/val/test parts)
  const Events* scan_events_ = nullptr;  // the scan's events: split_, else events_
  nlohmann::json physics_ = nlohmann::json::object();
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
