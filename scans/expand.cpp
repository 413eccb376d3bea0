#include "scans/expand.hpp"

#include <fmt/format.h>
#include <xxhash.h>

#include <filesystem>
#include <map>
#include <set>

#include "io/generators/registry.hpp"
#include "io/data.hpp"
#include "io/readers.hpp"
#include "models/basis_layer.hpp"
#include "models/parameter_count.hpp"

namespace kanscan::scans {

std::string trial_id(const std::string& canonical_json) {
  return fmt::format("{:016x}", XXH64(canonical_json.data(), canonical_json.size(), 0));
}

Expansion expand(const io::ScanConfig& scan, int threads_per_trial) {
  Expansion ex;
  std::set<std::string> seen;
  for (std::size_t b = 0; b < scan.models.size(); ++b) {
    const io::ModelBlock& blk = scan.models[b];
    BlockSummary sum;
    sum.name = blk.name;
    sum.type = blk.base.model.type == ModelType::kan ? "kan" : "mlp";
    std::size_t configs = 1;
    for (const auto& ax : blk.axes) {
      configs *= ax.values.size();
      std::vector<std::string> vals;
      for (const auto& v : ax.values) vals.push_back(io::value_to_string(v));
      sum.axes.emplace_back(ax.key->path, fmt::format("{}", fmt::join(vals, ", ")));
    }
    sum.configurations = configs;
    // Odometer over the axes (last axis fastest), then the repeated splits, seeds innermost.
    std::vector<std::size_t> pos(blk.axes.size(), 0);
    for (std::size_t n = 0; n < configs; ++n) {
      TrialConfig cfg = blk.base;
      for (std::size_t a = 0; a < blk.axes.size(); ++a) io::apply_value(cfg, *blk.axes[a].key, blk.axes[a].values[pos[a]]);
      for (auto split : io::split_values(scan.data))
      for (auto seed : scan.seeds) {
        TrialConfig t = cfg;
        t.seed = seed;
        t.split = split;
        t.task = scan.task;
        t.model_name = blk.name;
        t.threads = threads_per_trial;
        io::normalize(t);
        PlannedTrial p;
        p.canonical = io::canonical_json(t, scan.data);
        t.trial_id = trial_id(p.canonical);
        if (!seen.insert(t.trial_id).second) {
          ++sum.duplicates;
          ++ex.duplicates;
          continue;
        }
        p.config = std::move(t);
        p.block = b;
        p.order = ex.trials.size();
        ex.trials.push_back(std::move(p));
        ++sum.trials;
      }
      for (std::size_t a = blk.axes.size(); a-- > 0;) {
        if (++pos[a] < blk.axes[a].values.size()) break;
        pos[a] = 0;
      }
    }
    ex.blocks.push_back(std::move(sum));
  }
  return ex;
}

std::int64_t parameter_count(const TrialConfig& cfg, const DataShape& shape) {
  if (shape.n_in <= 0) return 0;
  return models::count_parameters(cfg.model, shape.n_in, shape.n_out);
}

double trial_cost(const TrialConfig& cfg, const DataShape& shape) {
  const int n_in = std::max(1, shape.n_in);
  const auto widths = models::layer_widths(cfg.model, n_in, std::max(1, shape.n_out));
  double per_event = 0;  // forward + backward ~ 3x forward
  for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
    const double a = widths[l], b = widths[l + 1];
    if (cfg.model.type == ModelType::kan && cfg.model.basis != Basis::bspline) {
      // The other bases: per input D functions (~20 operations each with their derivatives), then
      // one GEMM over the expansion of D (+1 for the SiLU branch) entries per input.
      const KanBasisState bs = models::kan_basis_state(cfg.model);
      const double d = models::basis_functions(bs), k = d + (bs.base_branch ? 1.0 : 0.0);
      per_event += 3.0 * (a * d * 20.0 + 2.0 * a * b * k);
    } else if (cfg.model.type == ModelType::kan) {
      // Per input: k+1 non-zero B-splines by Cox-de Boor ~ (k+1)^2 ops, SiLU; per edge:
      // (k+1) multiply-adds for the spline plus the base branch and scaler.
      const double k1 = cfg.model.spline_order + 1;
      per_event += 3.0 * (a * (k1 * k1 * 2.0 + 10.0) + a * b * (2.0 * k1 + 4.0));
    } else {
      per_event += 3.0 * (2.0 * a * b + b);
    }
  }
  double optimizer = 1.0;
  if (cfg.model.optimizer.name == OptimizerKind::lbfgs) optimizer = std::max(1, cfg.model.optimizer.max_iter);
  const double events = static_cast<double>(std::max<std::int64_t>(shape.n_train, 1));
  // Validation and test passes: forward only over the other splits, ~ 1/3 of the training cost
  // per event for a 60/20/20 split.
  return events * cfg.train.epochs * per_event * optimizer * 1.2;
}

double trial_passes(const TrialConfig& cfg, const DataShape& shape) {
  const double optimizer = cfg.model.optimizer.name == OptimizerKind::lbfgs ? std::max(1, cfg.model.optimizer.max_iter) : 1.0;
  return static_cast<double>(std::max<std::int64_t>(shape.n_train, 1)) * cfg.train.epochs * optimizer;
}

DataShape estimate_data_shape(const io::ScanConfig& scan) {
  DataShape s;
  s.estimated = true;
  const auto& d = scan.data;
  std::int64_t rows = d.events;
  if (!d.generator.empty()) {
    try {
      const auto g = io::gen::generator_shape(d.generator, d.knobs);
      s.n_in = static_cast<int>(g.features.size());
      s.n_out = g.task == Task::regression ? static_cast<int>(g.targets.size())
                                           : (g.classes.size() > 2 ? static_cast<int>(g.classes.size()) : 1);
    } catch (const InputError&) {
      // validate only estimates; the scan checks reported bad knobs already.
    }
  } else {
    namespace fs = std::filesystem;
    const fs::path p = fs::path(d.path).is_absolute() ? fs::path(d.path) : fs::path(scan.source_dir) / d.path;
    try {
      const io::DataFileShape shape = io::probe_data_file(p.string(), scan.task, d);
      s.n_in = static_cast<int>(shape.features);
      if (scan.task == Task::regression && shape.targets > 0) s.n_out = static_cast<int>(shape.targets);
      if (rows == 0 || rows > static_cast<std::int64_t>(shape.rows)) rows = static_cast<std::int64_t>(shape.rows);
    } catch (const std::exception&) {
      // validate only estimates: an unreadable file is reported by `run` when it loads the data.
    }
  }
  if (!d.features.empty()) s.n_in = static_cast<int>(d.features.size());
  s.n_train = static_cast<std::int64_t>(static_cast<double>(rows) * d.train);
  return s;
}

}  // namespace kanscan::scans
