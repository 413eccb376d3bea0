#include "analysis/aggregate.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "framework/error.hpp"

namespace kanscan::analysis {
namespace {

bool starts_with(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

bool parse_number(const std::string& s, double& v) {
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

// Strictly better in the metric's direction; NaN is never better.
bool better(const MetricSpec& m, double a, double b) {
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return m.higher_is_better ? a > b : a < b;
}

// The selection metric's seed mean: what every choice is made on.
double mean_of(const ConfigGroup& g, const MetricSpec& m) { return group_mean(g, m.select); }

bool higher_from_name(const std::string& name) {
  return name.find("auc") != std::string::npos || name.find("accuracy") != std::string::npos ||
         name.find("significance") != std::string::npos || name.find("eff") != std::string::npos;
}

// The test-sample error column of a test column: test_auc -> test_auc_err,
// test_mae_<t> -> test_mae_err_<t>.
std::string err_column(const TrialsTable& t, const std::string& name) {
  if (t.has(name + "_err")) return name + "_err";
  if (starts_with(name, "test_mae_") && !starts_with(name, "test_mae_gev_") && !starts_with(name, "test_mae_err")) {
    const std::string e = "test_mae_err_" + name.substr(9);
    if (t.has(e)) return e;
  }
  return "";
}

MetricSpec spec_for(const TrialsTable& t, const std::string& reported, const std::string& selected) {
  MetricSpec m;
  m.name = reported;
  m.select = t.has(selected) ? selected : reported;
  m.err = err_column(t, reported);
  m.higher_is_better = higher_from_name(reported);
  return m;
}

// Numeric axis values in numeric order, before the others, which go alphabetically.
bool value_less(const std::string& a, const std::string& b) {
  double x = 0, y = 0;
  const bool na = parse_number(a, x), nb = parse_number(b, y);
  if (na && nb) return x < y;
  if (na != nb) return na;
  return a < b;
}

// The model family of every row: its block label, and the KAN basis too when rows of one label
// have more than one basis (a `basis:` axis inside a block), so that each basis gets its own
// Pareto front and matched-budget column: "kan (rbf)". Tables without a basis column (results
// before the bases, or MLP rows with an empty value) keep the label. Serial; deterministic.
std::vector<std::string> model_families(const TrialsTable& t) {
  std::vector<std::string> out(t.rows);
  const bool has_basis = t.find("basis") != nullptr;
  std::map<std::string, std::set<std::string>> bases;
  for (std::size_t r = 0; r < t.rows; ++r) {
    out[r] = t.string("model", r);
    if (has_basis) bases[out[r]].insert(t.string("basis", r));
  }
  for (std::size_t r = 0; r < t.rows && has_basis; ++r) {
    const std::string b = t.string("basis", r);
    if (bases[out[r]].size() > 1 && !b.empty()) out[r] += " (" + b + ")";
  }
  return out;
}

}  // namespace

Stats summarize(std::span<const double> values) {
  Stats s;
  double sum = 0;
  for (double v : values)
    if (std::isfinite(v)) sum += v, ++s.n;
  if (s.n == 0) return {std::nan(""), std::nan(""), 0};
  s.mean = sum / double(s.n);
  double ss = 0;
  for (double v : values)
    if (std::isfinite(v)) ss += (v - s.mean) * (v - s.mean);
  s.std = s.n > 1 ? std::sqrt(ss / double(s.n - 1)) : 0.0;
  return s;
}

ColumnRole column_role(const std::string& name) {
  if (name == "trial_id") return ColumnRole::id;
  if (name == "status" || name == "seed" || name == "split" || name == "epochs_run" || name == "train_seconds" ||
      name == "n_params" || name == "error" || name == "rank" || name == "finished_utc" || name == "threads" ||
      name == "config_hash" || name == "best_epoch" || name == "infer_flops" || name == "train_flops")
    return ColumnRole::bookkeeping;
  if (starts_with(name, "test_") || starts_with(name, "val_") || starts_with(name, "train_") ||
      starts_with(name, "best_"))
    return ColumnRole::metric;
  return ColumnRole::axis;
}

MetricSpec choose_metric(const TrialsTable& t, const std::string& requested) {
  if (!requested.empty()) {
    if (!t.has(requested)) {
      std::string have;
      for (const auto& c : t.columns)
        if (column_role(c.name) == ColumnRole::metric) have += (have.empty() ? "" : ", ") + c.name;
      throw InputError("--metric " + requested + ": no such column in /trials (metric columns: " +
                       (have.empty() ? "none" : have) + ")");
    }
    if (starts_with(requested, "val_") && t.has("test_" + requested.substr(4))) {
      MetricSpec m = spec_for(t, "test_" + requested.substr(4), requested);
      return m;
    }
    if (starts_with(requested, "test_")) return spec_for(t, requested, "val_" + requested.substr(5));
    return spec_for(t, requested, requested);
  }
  for (const char* name : {"auc", "mae", "accuracy", "loss"})
    if (t.has(std::string("test_") + name)) return spec_for(t, std::string("test_") + name, std::string("val_") + name);
  return {"", "", "", true};
}

CostSpec choose_cost(const TrialsTable& t, const std::string& requested) {
  if (requested.empty() || requested == "params") return {};
  static const std::vector<CostSpec> known{
      {"train_flops", "train_flops", "training FLOPs per event"},
      {"infer_flops", "infer_flops", "inference FLOPs per event"},
      {"train_seconds", "train_seconds", "training seconds (measured)"}};
  for (const auto& c : known) {
    if (c.name != requested) continue;
    if (!t.has(c.column))
      throw InputError("--cost " + requested + ": this results file has no column " + c.column +
                       " (written by an older kanscan); use --cost params, or rerun the scan");
    return c;
  }
  throw InputError("--cost " + requested + ": expected params, train_flops, infer_flops or train_seconds");
}

double group_mean(const ConfigGroup& g, const std::string& column) {
  const auto it = g.metrics.find(column);
  return (it == g.metrics.end() || it->second.n == 0) ? std::nan("") : it->second.mean;
}

double seed_mean_uncertainty(const ConfigGroup& g, const MetricSpec& m) {
  const auto it = g.metrics.find(m.name);
  if (it == g.metrics.end() || it->second.n == 0) return std::nan("");
  const double seed_var = it->second.std * it->second.std / double(it->second.n);
  const double err = m.err.empty() ? std::nan("") : group_mean(g, m.err);
  if (std::isnan(err)) return it->second.n > 1 ? std::sqrt(seed_var) : std::nan("");
  return std::sqrt(seed_var + err * err / double(std::max<std::size_t>(g.n_splits, 1)));
}

double oriented(const MetricSpec& m, double v) { return m.higher_is_better ? v : -v; }

bool row_ok(const TrialsTable& t, std::size_t row) {
  const Column* s = t.find("status");
  return !s || s->text(row) == "ok";
}

std::string ConfigGroup::label() const {
  std::string out = model;
  for (const auto& [k, v] : axes)
    if (!v.empty()) out += " " + k + "=" + v;
  return out;
}

std::string ConfigGroup::label(const std::vector<std::string>& shown) const {
  std::string out = model;
  for (const auto& [k, v] : axes)
    if (!v.empty() && std::find(shown.begin(), shown.end(), k) != shown.end()) out += " " + k + "=" + v;
  return out;
}

std::map<std::string, std::vector<std::string>> varying_axes(const std::vector<ConfigGroup>& groups) {
  std::map<std::string, std::vector<std::string>> out;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    auto& shown = out[groups[i].model];
    for (const auto& [k, v] : groups[i].axes) {
      if (std::find(shown.begin(), shown.end(), k) != shown.end()) continue;
      // Varies: two configurations with different values, both applicable (an Adam setting that
      // is "not applicable" to L-BFGS does not tell them apart; the optimizer does).
      if (v.empty()) continue;
      for (std::size_t j = 0; j < i; ++j)
        if (groups[j].model == groups[i].model && !groups[j].axis(k).empty() && groups[j].axis(k) != v) {
          shown.push_back(k);
          break;
        }
    }
  }
  // Table order, not discovery order.
  for (auto& [model, shown] : out) {
    std::vector<std::string> ordered;
    for (const auto& g : groups)
      if (g.model == model)
        for (const auto& [k, v] : g.axes)
          if (std::find(shown.begin(), shown.end(), k) != shown.end() &&
              std::find(ordered.begin(), ordered.end(), k) == ordered.end())
            ordered.push_back(k);
    shown = std::move(ordered);
  }
  return out;
}

std::string ConfigGroup::axis(const std::string& name) const {
  if (name == "model") return model;
  for (const auto& [k, v] : axes)
    if (k == name) return v;
  return "";
}

std::vector<ConfigGroup> aggregate_seeds(const TrialsTable& t, const MetricSpec& primary, const CostSpec& cost) {
  std::vector<const Column*> axis_cols, metric_cols;
  for (const auto& c : t.columns) {
    if (c.name == "model") continue;
    const ColumnRole role = column_role(c.name);
    if (role == ColumnRole::axis) axis_cols.push_back(&c);
    if (role == ColumnRole::metric && !c.is_string) metric_cols.push_back(&c);
  }
  std::vector<ConfigGroup> groups;
  std::map<std::string, std::size_t> by_key;
  const std::vector<std::string> family = model_families(t);
  for (std::size_t r = 0; r < t.rows; ++r) {
    std::string key = family[r];
    for (const Column* c : axis_cols) key += '\x1f' + c->text(r);
    auto [it, inserted] = by_key.emplace(key, groups.size());
    if (inserted) {
      ConfigGroup g;
      g.model = family[r];
      for (const Column* c : axis_cols) g.axes.emplace_back(c->name, c->text(r));
      groups.push_back(std::move(g));
    }
    groups[it->second].rows.push_back(r);
  }
  const Column* ids = t.find("trial_id");
  // Rows are in completion order, which depends on scheduling (rank and thread counts): order
  // seeds by (seed, id) and configurations by (model, size, label) so every output is the same
  // for the same results.
  for (auto& g : groups)
    std::sort(g.rows.begin(), g.rows.end(), [&](std::size_t a, std::size_t b) {
      const double sa = t.number("seed", a), sb = t.number("seed", b);
      if (sa != sb && !std::isnan(sa) && !std::isnan(sb)) return sa < sb;
      return ids->text(a) < ids->text(b);
    });
  for (auto& g : groups) {
    std::vector<std::size_t> ok;
    for (auto r : g.rows) {
      if (row_ok(t, r)) ok.push_back(r);
      else ++g.n_failed;
    }
    g.n_ok = ok.size();
    for (const Column* c : metric_cols) {
      std::vector<double> v;
      for (auto r : ok) v.push_back(c->num[r]);
      g.metrics[c->name] = summarize(v);
    }
    std::vector<double> np;
    for (auto r : (ok.empty() ? g.rows : ok)) np.push_back(t.number("n_params", r));
    const Stats nps = summarize(np);
    g.n_params = nps.n ? nps.mean : std::nan("");
    if (cost.column == "n_params") {
      g.cost = g.n_params;
    } else {
      std::vector<double> cv;
      for (auto r : ok) cv.push_back(t.number(cost.column, r));
      const Stats cs = summarize(cv);
      g.cost = cs.n ? cs.mean : std::nan("");
    }
    g.ok_rows = ok;
    {
      std::set<double> splits;
      for (auto r : ok)
        if (const double v = t.number("split", r); !std::isnan(v)) splits.insert(v);  // NaN: no repeated splits
      g.n_splits = std::max<std::size_t>(1, splits.size());
    }
    double best = std::nan("");
    for (auto r : ok) {
      g.trial_ids.push_back(ids->text(r));
      const double be = t.number("best_epoch", r), er = t.number("epochs_run", r);
      if (be > 0 && be == er) ++g.n_undertrained;
      const double v = primary.select.empty() ? std::nan("") : t.number(primary.select, r);
      if (g.best_trial.empty() || better(primary, v, best)) {
        best = v;
        g.best_trial = ids->text(r);
      }
    }
  }
  std::stable_sort(groups.begin(), groups.end(), [](const ConfigGroup& a, const ConfigGroup& b) {
    if (a.model != b.model) return a.model < b.model;
    if (a.n_params != b.n_params && !std::isnan(a.n_params) && !std::isnan(b.n_params)) return a.n_params < b.n_params;
    return a.label() < b.label();
  });
  return groups;
}

std::vector<AxisRow> axis_table(const std::vector<ConfigGroup>& groups, const MetricSpec& primary) {
  std::vector<AxisRow> out;
  std::vector<std::string> models;
  for (const auto& g : groups)
    if (std::find(models.begin(), models.end(), g.model) == models.end()) models.push_back(g.model);
  std::sort(models.begin(), models.end());
  for (const auto& model : models) {
    std::vector<std::string> axes;
    for (const auto& g : groups)
      if (g.model == model)
        for (const auto& [k, v] : g.axes)
          if (std::find(axes.begin(), axes.end(), k) == axes.end()) axes.push_back(k);
    for (const auto& axis : axes) {
      std::vector<std::string> values;
      for (const auto& g : groups)
        if (g.model == model && g.n_ok > 0) {
          const std::string v = g.axis(axis);
          if (!v.empty() && std::find(values.begin(), values.end(), v) == values.end()) values.push_back(v);
        }
      if (values.size() < 2) continue;
      std::stable_sort(values.begin(), values.end(), value_less);
      for (const auto& value : values) {
        AxisRow row{model, axis, value, 0, {}, 0};
        std::vector<double> means;
        double best = std::nan("");
        bool have_best = false;
        for (std::size_t i = 0; i < groups.size(); ++i) {
          const auto& g = groups[i];
          if (g.model != model || g.n_ok == 0 || g.axis(axis) != value) continue;
          ++row.n_configs;
          const double m = mean_of(g, primary);
          means.push_back(m);
          if (!have_best || better(primary, m, best)) best = m, row.best = i, have_best = true;
        }
        row.over_configs = summarize(means);
        out.push_back(row);
      }
    }
  }
  return out;
}

std::vector<AxisSlice> axis_slices(const std::vector<ConfigGroup>& groups, const MetricSpec& primary) {
  std::vector<AxisSlice> out;
  std::vector<std::string> models;
  for (const auto& g : groups)
    if (std::find(models.begin(), models.end(), g.model) == models.end()) models.push_back(g.model);
  std::sort(models.begin(), models.end());
  for (const auto& model : models) {
    std::optional<std::size_t> best;
    for (std::size_t i = 0; i < groups.size(); ++i)
      if (groups[i].model == model && groups[i].n_ok > 0 &&
          (!best || better(primary, mean_of(groups[i], primary), mean_of(groups[*best], primary))))
        best = i;
    if (!best) continue;
    std::vector<std::string> axes;
    for (const auto& g : groups)
      if (g.model == model)
        for (const auto& [k, v] : g.axes)
          if (std::find(axes.begin(), axes.end(), k) == axes.end()) axes.push_back(k);
    for (const auto& axis : axes) {
      // Slices keyed by the values of the other axes. A configuration to which another axis
      // does not apply (the width of a depth-0 KAN) joins every slice that matches it on the
      // axes it has: holding the width fixed does not exclude the model without one.
      std::map<std::string, AxisSlice> by_others;
      std::set<std::string> values;
      std::vector<std::size_t> members;
      for (std::size_t i = 0; i < groups.size(); ++i) {
        const auto& g = groups[i];
        if (g.model != model || g.n_ok == 0 || g.axis(axis).empty()) continue;
        values.insert(g.axis(axis));
        members.push_back(i);
        std::string key;
        std::vector<std::pair<std::string, std::string>> others;
        for (const auto& [k, v] : g.axes)
          if (k != axis) key += k + '=' + v + '\x1f', others.emplace_back(k, v);
        AxisSlice& sl = by_others[key];
        if (sl.others.empty() && sl.points.empty()) sl = AxisSlice{model, axis, others, {}, false};
      }
      for (auto& [key, sl] : by_others) {
        std::map<std::string, std::pair<std::size_t, bool>> at;  // value -> (config, exact match)
        for (auto i : members) {
          bool match = true, exact = true;
          for (const auto& [k, v] : sl.others) {
            const std::string mine = groups[i].axis(k);
            if (mine == v) continue;
            if (!mine.empty()) match = false;
            exact = false;
          }
          if (!match) continue;
          const std::string value = groups[i].axis(axis);
          auto it = at.find(value);
          if (it == at.end() || (exact && !it->second.second)) at[value] = {i, exact};
        }
        for (const auto& [value, ie] : at) {
          sl.points.emplace_back(value, ie.first);
          sl.through_best = sl.through_best || (ie.first == *best && ie.second);
        }
      }
      if (values.size() < 2) continue;
      std::vector<AxisSlice> slices;
      for (auto& [key, sl] : by_others) {
        if (sl.points.size() < 2 && !sl.through_best) continue;
        std::stable_sort(sl.points.begin(), sl.points.end(),
                         [](const auto& a, const auto& b) { return value_less(a.first, b.first); });
        slices.push_back(std::move(sl));
      }
      auto best_in = [&](const AxisSlice& sl) {
        double b = std::nan("");
        for (const auto& [v, i] : sl.points)
          if (better(primary, mean_of(groups[i], primary), b)) b = mean_of(groups[i], primary);
        return b;
      };
      // The slice through the best first, then the longest (they show the axis best), then the best.
      std::stable_sort(slices.begin(), slices.end(), [&](const AxisSlice& a, const AxisSlice& b) {
        if (a.through_best != b.through_best) return a.through_best;
        if (a.points.size() != b.points.size()) return a.points.size() > b.points.size();
        return better(primary, best_in(a), best_in(b));
      });
      for (auto& sl : slices) out.push_back(std::move(sl));
    }
  }
  return out;
}

std::vector<BudgetRow> matched_budgets(const std::vector<ConfigGroup>& groups, const MetricSpec& primary,
                                       int bins_per_decade) {
  if (bins_per_decade < 1) bins_per_decade = 1;
  std::map<std::pair<long, std::string>, std::size_t> best;  // (bin, model) -> group
  for (std::size_t i = 0; i < groups.size(); ++i) {
    const auto& g = groups[i];
    const double m = mean_of(g, primary);
    if (g.n_ok == 0 || std::isnan(m) || !(g.cost > 0)) continue;
    const long bin = static_cast<long>(std::floor(std::log10(g.cost) * bins_per_decade + 1e-9));
    auto [it, inserted] = best.emplace(std::make_pair(bin, g.model), i);
    if (!inserted && better(primary, m, mean_of(groups[it->second], primary))) it->second = i;
  }
  std::vector<BudgetRow> out;
  for (const auto& [key, i] : best) {
    const double lo = std::pow(10.0, double(key.first) / bins_per_decade);
    const double hi = std::pow(10.0, double(key.first + 1) / bins_per_decade);
    out.push_back({lo, hi, key.second, i});
  }
  // Map order: bin, then model name.
  return out;
}

}  // namespace kanscan::analysis
