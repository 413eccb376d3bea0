#include "analysis/comparisons.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include "framework/error.hpp"
#include "framework/rng.hpp"

namespace kanscan::analysis {
namespace {

// Per-event inputs of one trial's reported metric.
struct TrialScores {
  std::vector<std::int64_t> test_index;
  metrics::Influence influence;  // test_auc, test_accuracy
  std::vector<double> losses;    // MAE columns
  bool ok = false;
  std::string why;
};

enum class Kind { auc, accuracy, mae, unsupported };

Kind kind_of(const std::string& metric) {
  if (metric == "test_auc") return Kind::auc;
  if (metric == "test_accuracy") return Kind::accuracy;
  if (metric == "test_mae" || (metric.rfind("test_mae_", 0) == 0 && metric.rfind("test_mae_err", 0) != 0))
    return Kind::mae;
  return Kind::unsupported;
}

std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

// Classification influence of stored predictions [n, cols] against labels (weights optional).
metrics::Influence class_influence(Kind kind, const TrialData& td, const std::vector<int>& labels,
                                   const std::vector<float>& w) {
  const std::size_t n = td.test_index.size(), cols = td.prediction_cols;
  if (cols == 1) {
    std::vector<float> s(td.test_predictions.begin(), td.test_predictions.end());
    if (kind == Kind::auc) return metrics::auc_influence(s, labels, w);
    std::vector<double> correct(n);
    for (std::size_t i = 0; i < n; ++i) correct[i] = (s[i] >= 0.5f) == (labels[i] != 0);
    return metrics::mean_influence(correct, w);
  }
  if (kind == Kind::accuracy) {
    std::vector<double> correct(n);
    for (std::size_t i = 0; i < n; ++i) {
      const auto* row = &td.test_predictions[i * cols];
      correct[i] = std::max_element(row, row + cols) - row == labels[i];
    }
    return metrics::mean_influence(correct, w);
  }
  // Macro one-vs-rest AUC, as the trainer computes it.
  metrics::Influence out;
  out.influence.assign(n, 0.0);
  double sum = 0;
  int used = 0;
  std::vector<float> col(n);
  std::vector<int> lab(n);
  for (std::size_t c = 0; c < cols; ++c) {
    for (std::size_t i = 0; i < n; ++i) col[i] = static_cast<float>(td.test_predictions[i * cols + c]), lab[i] = labels[i] == int(c);
    try {
      const auto a = metrics::auc_influence(col, lab, w);
      sum += a.value;
      for (std::size_t i = 0; i < n; ++i) out.influence[i] += a.influence[i];
      ++used;
    } catch (const InputError&) {
    }
  }
  if (!used) throw InputError("no class has both outcomes");
  out.value = sum / used;
  for (auto& v : out.influence) v /= used;
  return out;
}

// Per-event |residual| of the metric's targets: standardised by the model's target_std, or in
// physical units (test_mae_gev_<t>).
std::vector<double> mae_losses(const std::string& metric, const TrialData& td, const ModelState& m, const Events& e,
                               const std::vector<std::size_t>& pos) {
  const std::size_t n = pos.size(), t = td.prediction_cols;
  if (t != e.t || m.target_std.size() != t) throw InputError("the events' targets do not match the model's outputs");
  std::vector<std::size_t> cols;
  bool physical = false;
  if (metric == "test_mae") {
    for (std::size_t j = 0; j < t; ++j) cols.push_back(j);
  } else {
    const std::string rest = metric.substr(metric.rfind("test_mae_gev_", 0) == 0 ? 13 : 9);
    physical = metric.rfind("test_mae_gev_", 0) == 0;
    for (std::size_t j = 0; j < t; ++j)
      if ((j < e.target_names.size() && e.target_names[j] == rest) || fmt::format("t{}", j) == rest) cols.push_back(j);
    if (cols.empty()) throw InputError("no target " + rest + " in the events");
  }
  std::vector<double> loss(n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (auto j : cols) {
      const double r = std::abs(td.test_predictions[i * t + j] - double(e.targets[pos[i] * t + j]));
      loss[i] += (physical ? r : r / m.target_std[j]) / static_cast<double>(cols.size());
    }
  return loss;
}

TrialScores score_trial(const ResultsFile& file, const std::string& id, const std::string& metric, double stored,
                        const Events& e) {
  TrialScores ts;
  const Kind kind = kind_of(metric);
  try {
    const TrialData td = file.read_trial(id, true);
    const std::size_t n = td.test_index.size();
    if (n == 0 || td.prediction_cols == 0 || td.test_predictions.size() != n * td.prediction_cols)
      throw InputError("no stored test predictions");
    std::vector<std::size_t> pos(n);
    for (std::size_t i = 0; i < n; ++i) {
      pos[i] = e.position(td.test_index[i]);
      if (pos[i] >= e.n) throw InputError(fmt::format("test event {} is not among the events", td.test_index[i]));
    }
    ts.test_index = td.test_index;
    double value = std::nan("");
    if (kind == Kind::mae) {
      ts.losses = mae_losses(metric, td, file.read_model(id), e, pos);
      value = metrics::mean_influence(ts.losses).value;
      if (!(std::abs(value - stored) <= 1e-5 * std::max(1.0, std::abs(stored))))
        throw InputError(fmt::format("the events give {} = {:.6g}, the file {:.6g}", metric, value, stored));
    } else {
      if (e.labels.empty()) throw InputError("the events have no labels");
      std::vector<int> labels(n);
      std::vector<float> w;
      for (std::size_t i = 0; i < n; ++i) labels[i] = e.labels[pos[i]];
      if (!e.weights.empty())
        for (std::size_t i = 0; i < n; ++i) w.push_back(e.weights[pos[i]]);
      // The trial used the weights unless train.use_weights was off: whichever reproduces it.
      ts.influence = class_influence(kind, td, labels, w);
      if (!w.empty() && !(std::abs(ts.influence.value - stored) <= 1e-9)) ts.influence = class_influence(kind, td, labels, {});
      value = ts.influence.value;
      if (!(std::abs(value - stored) <= 1e-9))
        throw InputError(fmt::format("the events give {} = {:.8g}, the file {:.8g}", metric, value, stored));
    }
    ts.ok = true;
  } catch (const InputError& err) {
    ts.why = "trial " + id + ": " + err.what();
  }
  return ts;
}

std::pair<std::string, std::string> ordered(const std::string& x, const std::string& y, const std::string& ref) {
  if (y == ref) return {x, y};
  if (x == ref) return {y, x};
  return x < y ? std::make_pair(x, y) : std::make_pair(y, x);
}

class Comparer {
 public:
  Comparer(const ResultsFile& file, const Report& r, const Events& e, const AnalyzeOptions& o)
      : file_(file), r_(r), e_(e), o_(o), test_over_train_(test_train_ratio(file)) {}

  PairedRow compare(const std::string& scope, double lo, double hi, std::size_t ga, std::size_t gb) {
    PairedRow row;
    row.scope = scope;
    row.lo = lo;
    row.hi = hi;
    row.a = r_.configs[ga].model;
    row.b = r_.configs[gb].model;
    row.config_a = ga;
    row.config_b = gb;
    if (over_splits(row, ga, gb)) return row;
    const Kind kind = kind_of(r_.metric.name);
    if (kind == Kind::unsupported) {
      row.note = "no paired test for " + r_.metric.name;
      return row;
    }
    std::vector<const TrialScores*> sa, sb;
    for (auto* side : {&sa, &sb})
      for (auto rix : r_.configs[side == &sa ? ga : gb].ok_rows) {
        const TrialScores& ts = scores(r_.trials.string("trial_id", rix), r_.trials.number(r_.metric.name, rix));
        if (!ts.ok) {
          row.note = ts.why;
          return row;
        }
        side->push_back(&ts);
      }
    if (sa.empty() || sb.empty()) {
      row.note = "a side has no ok trial";
      return row;
    }
    for (const auto* side : {&sa, &sb})
      for (const auto* ts : *side)
        if (ts->test_index != sa.front()->test_index) {
          row.note = "the trials were tested on different events (repeated splits?): no paired test";
          return row;
        }
    try {
      if (kind == Kind::mae) {
        std::vector<std::vector<double>> la, lb;
        std::string ids;
        for (const auto* ts : sa) la.push_back(ts->losses);
        for (const auto* ts : sb) lb.push_back(ts->losses);
        for (auto i : {ga, gb})
          for (const auto& id : r_.configs[i].trial_ids) ids += id;
        row.cmp = paired_bootstrap_test(la, lb, stream_seed(fnv1a(ids), 0xB007ULL), o_.bootstrap_replicas);
      } else {
        std::vector<metrics::Influence> ia, ib;
        for (const auto* ts : sa) ia.push_back(ts->influence);
        for (const auto* ts : sb) ib.push_back(ts->influence);
        row.cmp = paired_influence_test(ia, ib, kind == Kind::auc ? "paired DeLong" : "paired linearised (binomial)");
      }
      row.ok = true;
    } catch (const InputError& err) {
      row.note = err.what();
    }
    return row;
  }

 private:
  // Repeated splits (two or more values in the split column): the split is the unit of
  // replication, pairs are made per split. False when the trials share one split.
  bool over_splits(PairedRow& row, std::size_t ga, std::size_t gb) {
    if (!r_.trials.has("split")) return false;
    std::map<double, std::vector<double>> va, vb;
    for (auto* side : {&va, &vb})
      for (auto rix : r_.configs[side == &va ? ga : gb].ok_rows) {
        const double s = r_.trials.number("split", rix), v = r_.trials.number(r_.metric.name, rix);
        if (!std::isnan(s) && std::isfinite(v)) (*side)[s].push_back(v);
      }
    std::set<double> splits;
    for (const auto* side : {&va, &vb})
      for (const auto& [s, v] : *side) splits.insert(s);
    if (splits.size() < 2) return false;
    std::vector<std::vector<double>> a, b;
    for (double s : splits) {
      if (!va.count(s) || !vb.count(s)) {
        row.note = fmt::format("split {} has trials of one side only: no paired test", s);
        return true;
      }
      a.push_back(va[s]);
      b.push_back(vb[s]);
    }
    row.cmp = corrected_split_test(a, b, std::isnan(test_over_train_) ? 0.0 : test_over_train_);
    row.ok = true;
    if (std::isnan(test_over_train_)) row.note = "n_test/n_train unknown: the Nadeau-Bengio correction was left out";
    return true;
  }

  const TrialScores& scores(const std::string& id, double stored) {
    auto it = cache_.find(id);
    if (it == cache_.end()) it = cache_.emplace(id, score_trial(file_, id, r_.metric.name, stored, e_)).first;
    return it->second;
  }

  const ResultsFile& file_;
  const Report& r_;
  const Events& e_;
  const AnalyzeOptions& o_;
  std::map<std::string, TrialScores> cache_;
  double test_over_train_;
};

}  // namespace

std::string reference_family(const std::vector<std::string>& families) {
  if (std::find(families.begin(), families.end(), "mlp") != families.end()) return "mlp";
  return families.empty() ? "" : families.front();
}

std::string format_p(double p) {
  if (std::isnan(p)) return "p n/a";
  const std::string s = p < 0.001 ? "p < 0.001" : fmt::format("p = {:.2g}", p);
  return p > 0.05 ? s + ", not significant" : s;
}

std::vector<PairedRow> compare_families(const ResultsFile& file, const Report& r, const Events& events,
                                        const AnalyzeOptions& o) {
  std::vector<PairedRow> out;
  if (r.models.size() < 2) return out;
  Comparer cmp(file, r, events, o);
  const std::string& ref = r.reference;
  // Matched budgets: every pair of families present in a bin.
  for (std::size_t k = 0; k < r.budgets.size();) {
    std::size_t end = k;
    while (end < r.budgets.size() && r.budgets[end].lo == r.budgets[k].lo) ++end;
    for (std::size_t i = k; i < end; ++i)
      for (std::size_t j = i + 1; j < end; ++j) {
        const auto [a, b] = ordered(r.budgets[i].model, r.budgets[j].model, ref);
        const std::size_t ga = r.budgets[i].model == a ? r.budgets[i].best : r.budgets[j].best;
        const std::size_t gb = r.budgets[i].model == a ? r.budgets[j].best : r.budgets[i].best;
        out.push_back(cmp.compare("budget", r.budgets[k].lo, r.budgets[k].hi, ga, gb));
      }
    k = end;
  }
  // The families' best configurations (by the selection metric).
  std::map<std::string, std::size_t> best;
  for (std::size_t i = 0; i < r.configs.size(); ++i) {
    const auto& g = r.configs[i];
    const double v = group_mean(g, r.metric.select);
    if (g.n_ok == 0 || std::isnan(v)) continue;
    auto it = best.find(g.model);
    if (it == best.end() || oriented(r.metric, v) > oriented(r.metric, group_mean(r.configs[it->second], r.metric.select)))
      best[g.model] = i;
  }
  for (auto i = best.begin(); i != best.end(); ++i)
    for (auto j = std::next(i); j != best.end(); ++j) {
      const auto [a, b] = ordered(i->first, j->first, ref);
      out.push_back(cmp.compare("best", std::nan(""), std::nan(""), best.at(a), best.at(b)));
    }
  // Every other configuration against the reference family's best: how far each variant (a
  // loss, an optimizer, a shape) is from the baseline, tested as the budgets are.
  if (const auto rb = best.find(ref); rb != best.end())
    for (std::size_t i = 0; i < r.configs.size(); ++i)
      if (i != rb->second && r.configs[i].n_ok > 0)
        out.push_back(cmp.compare("vs_reference", std::nan(""), std::nan(""), i, rb->second));
  return out;
}

}  // namespace kanscan::analysis
