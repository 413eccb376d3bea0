#include "analysis/physics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "analysis/stats.hpp"
#include "framework/error.hpp"

namespace kanscan::analysis {
namespace {

std::string num(double v, int digits = 8) { return std::isnan(v) ? "" : fmt::format("{:.{}g}", v, digits); }

std::string csv(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// Linear-interpolation quantile of sorted values.
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return std::nan("");
  const double x = q * double(sorted.size() - 1);
  const auto i = static_cast<std::size_t>(std::floor(x));
  if (i + 1 >= sorted.size()) return sorted.back();
  return sorted[i] + (x - double(i)) * (sorted[i + 1] - sorted[i]);
}

constexpr int kOutputBins = 40;

// Bin of a probability on [0, 1], 1 included in the last bin (a clipped output's spike).
int output_bin(double p) {
  const int b = static_cast<int>(std::floor(std::clamp(p, 0.0, 1.0) * kOutputBins));
  return std::min(b, kOutputBins - 1);
}

// Training-part outputs of a trial's model, with each event's label.
std::pair<std::vector<double>, std::vector<int>> train_outputs(const ResultsFile& file, const std::string& id,
                                                                const Events& e, const Predictor& predict) {
  std::vector<std::size_t> rows;
  for (std::size_t k = 0; k < e.n; ++k)
    if (e.part[k] == 0) rows.push_back(k);
  RowMatrixXf x(static_cast<Eigen::Index>(rows.size()), static_cast<Eigen::Index>(e.f));
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::size_t j = 0; j < e.f; ++j) x(Eigen::Index(r), Eigen::Index(j)) = e.features[rows[r] * e.f + j];
  const RowMatrixXf p = predict(file.read_model(id), x);
  if (p.cols() != 1) throw InputError("the model has more than one output");
  std::vector<double> out(rows.size());
  std::vector<int> lab(rows.size());
  for (std::size_t r = 0; r < rows.size(); ++r) out[r] = p(Eigen::Index(r), 0), lab[r] = e.labels[rows[r]];
  return {out, lab};
}

void write_histograms(std::ostringstream& s, const StudiedTrial& st, const char* sample, const std::vector<double>& v,
                      const std::vector<int>& lab, const Events& e) {
  for (int c = 0; c < 2; ++c) {
    std::vector<double> count(kOutputBins, 0.0);
    double n = 0;
    for (std::size_t i = 0; i < v.size(); ++i)
      if ((lab[i] != 0) == (c != 0)) count[std::size_t(output_bin(v[i]))] += 1, n += 1;
    for (int b = 0; b < kOutputBins; ++b)
      s << csv(st.trial) << "," << csv(st.model) << "," << csv(st.label) << "," << sample << "," << c << ","
        << csv(e.class_names[std::size_t(c)]) << "," << num(double(b) / kOutputBins) << ","
        << num(double(b + 1) / kOutputBins) << "," << count[std::size_t(b)] << ","
        << num(n > 0 ? count[std::size_t(b)] * kOutputBins / n : 0.0) << "\n";
  }
}

}  // namespace

std::vector<StudiedTrial> physics_trials(const Report& r) {
  // Families whose trials were trained with more than one loss get one trial per loss: a
  // clipped MSE output looks different from a sigmoid one (Abasov et al. figs. 2-4).
  std::map<std::string, std::set<std::string>> losses;
  for (const auto& g : r.configs)
    if (g.n_ok > 0 && !g.axis("loss").empty()) losses[g.model].insert(g.axis("loss"));
  std::map<std::string, std::size_t> best;
  for (std::size_t i = 0; i < r.configs.size(); ++i) {
    const auto& g = r.configs[i];
    const double v = group_mean(g, r.metric.select);
    if (g.n_ok == 0 || std::isnan(v) || g.best_trial.empty()) continue;
    const std::string key = losses[g.model].size() > 1 ? g.model + " " + g.axis("loss") : g.model;
    auto it = best.find(key);
    if (it == best.end() || oriented(r.metric, v) > oriented(r.metric, group_mean(r.configs[it->second], r.metric.select)))
      best[key] = i;
  }
  std::vector<StudiedTrial> out;
  for (const auto& [key, i] : best) {
    std::string label = r.label(r.configs[i]);
    if (key != r.configs[i].model && label.find("loss=") == std::string::npos) label += " loss=" + r.configs[i].axis("loss");
    out.push_back({r.configs[i].best_trial, r.configs[i].model, label});
  }
  return out;
}

OutputTables output_distributions(const ResultsFile& file, const std::vector<StudiedTrial>& trials, const Events& e,
                                  const Predictor& predict) {
  OutputTables t;
  if (e.labels.empty()) return t;
  const bool with_train = predict && e.part.size() == e.n;
  if (!with_train)
    t.notes.push_back(predict ? "output distributions: test sample only (the events' split is unknown: they came from " +
                                    e.source + ")"
                              : "output distributions: test sample only (no model evaluator)");
  std::ostringstream d, o;
  d << "trial,model,label,sample,class,class_name,bin_lo,bin_hi,count,density\n";
  o << "trial,model,label,class,class_name,n_train,n_test,ks_statistic,ks_p_value\n";
  for (const auto& st : trials) {
    try {
      const TrialData td = file.read_trial(st.trial, true);
      if (td.prediction_cols != 1) throw InputError("not a binary classifier");
      std::vector<double> test(td.test_predictions.begin(), td.test_predictions.end());
      std::vector<int> test_lab;
      for (auto row : td.test_index) {
        const std::size_t k = e.position(row);
        if (k >= e.n) throw InputError(fmt::format("test event {} is not among the events", row));
        test_lab.push_back(e.labels[k]);
      }
      write_histograms(d, st, "test", test, test_lab, e);
      if (!with_train) continue;
      const auto [train, train_lab] = train_outputs(file, st.trial, e, predict);
      write_histograms(d, st, "train", train, train_lab, e);
      for (int c = 0; c < 2; ++c) {
        std::vector<double> a, b;
        for (std::size_t i = 0; i < train.size(); ++i)
          if ((train_lab[i] != 0) == (c != 0)) a.push_back(train[i]);
        for (std::size_t i = 0; i < test.size(); ++i)
          if ((test_lab[i] != 0) == (c != 0)) b.push_back(test[i]);
        const KsResult ks = ks_test(a, b);
        t.ks.push_back({st.trial, st.model, e.class_names[std::size_t(c)], a.size(), b.size(), ks.statistic, ks.p_value});
        o << csv(st.trial) << "," << csv(st.model) << "," << csv(st.label) << "," << c << ","
          << csv(e.class_names[std::size_t(c)]) << "," << a.size() << "," << b.size() << "," << num(ks.statistic) << ","
          << num(ks.p_value) << "\n";
      }
    } catch (const InputError& err) {
      t.notes.push_back("output distributions of trial " + st.trial + ": " + err.what());
    }
  }
  t.distributions_csv = d.str();
  if (!t.ks.empty()) t.overtraining_csv = o.str();
  return t;
}

ResolutionTables resolution_tables(const ResultsFile& file, const std::vector<StudiedTrial>& trials, const Events& e) {
  ResolutionTables t;
  if (e.t == 0) return t;
  std::ostringstream r, h;
  r << "trial,model,label,target,target_name,bin,true_lo,true_hi,n,bias,bias_err,resolution,resolution_err\n";
  h << "trial,model,target,target_name,i,j,true_lo,true_hi,pred_lo,pred_hi,count\n";
  constexpr int kBins = 10, kHist = 40;
  for (const auto& st : trials) {
    try {
      const TrialData td = file.read_trial(st.trial, true);
      const std::size_t n = td.test_index.size(), T = td.prediction_cols;
      if (T != e.t) throw InputError(fmt::format("{} outputs, the events have {} targets", T, e.t));
      std::vector<std::size_t> pos(n);
      for (std::size_t i = 0; i < n; ++i)
        if ((pos[i] = e.position(td.test_index[i])) >= e.n)
          throw InputError(fmt::format("test event {} is not among the events", td.test_index[i]));
      for (std::size_t j = 0; j < T; ++j) {
        const std::string name = j < e.target_names.size() ? e.target_names[j] : fmt::format("t{}", j);
        std::vector<double> truth(n), res(n);
        for (std::size_t i = 0; i < n; ++i) {
          truth[i] = e.targets[pos[i] * e.t + j];
          res[i] = td.test_predictions[i * T + j] - truth[i];
        }
        std::vector<double> sorted = truth;
        std::sort(sorted.begin(), sorted.end());
        auto row = [&](const std::string& bin, double lo, double hi) {
          std::vector<double> in;
          for (std::size_t i = 0; i < n; ++i)
            if (bin == "all" || (truth[i] >= lo && truth[i] < hi)) in.push_back(res[i]);
          std::sort(in.begin(), in.end());
          const double bias = quantile(in, 0.5), half = 0.5 * (quantile(in, 0.84) - quantile(in, 0.16));
          const double sq = std::sqrt(std::max<double>(1.0, double(in.size())));
          r << csv(st.trial) << "," << csv(st.model) << "," << csv(st.label) << "," << j << "," << csv(name) << "," << bin
            << "," << num(lo) << "," << num(hi) << "," << in.size() << "," << num(bias) << "," << num(1.2533 * half / sq)
            << "," << num(half) << "," << num(0.96 * half / sq) << "\n";
        };
        row("all", sorted.front(), sorted.back());
        for (int b = 0; b < kBins; ++b)
          row(std::to_string(b), quantile(sorted, 0.01 + 0.98 * b / kBins), quantile(sorted, 0.01 + 0.98 * (b + 1) / kBins));
        const double lo = quantile(sorted, 0.005), hi = quantile(sorted, 0.995), w = (hi - lo) / kHist;
        std::map<std::pair<int, int>, int> cells;
        for (std::size_t i = 0; i < n && w > 0; ++i) {
          const double p = truth[i] + res[i];
          const int a = int(std::floor((truth[i] - lo) / w)), c = int(std::floor((p - lo) / w));
          if (a >= 0 && a < kHist && c >= 0 && c < kHist) ++cells[{a, c}];
        }
        for (const auto& [ij, count] : cells)
          h << csv(st.trial) << "," << csv(st.model) << "," << j << "," << csv(name) << "," << ij.first << "," << ij.second
            << "," << num(lo + w * ij.first) << "," << num(lo + w * (ij.first + 1)) << "," << num(lo + w * ij.second) << ","
            << num(lo + w * (ij.second + 1)) << "," << count << "\n";
      }
    } catch (const InputError& err) {
      t.notes.push_back("resolution of trial " + st.trial + ": " + err.what());
    }
  }
  t.resolution_csv = r.str();
  t.pred_vs_true_csv = h.str();
  return t;
}

}  // namespace kanscan::analysis
