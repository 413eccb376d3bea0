// `kanscan validate SCAN.yaml`: parses and checks the scan, prints the trial count per model
// block, its axes, parameter counts and a rough cost; runs nothing. `--describe-keys` prints the
// key reference that docs/scan-format.md is generated from.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "framework/error.hpp"
#include "io/config.hpp"
#include "io/data.hpp"
#include "io/generators/registry.hpp"
#include "scans/cli.hpp"
#include "scans/expand.hpp"

namespace kanscan::cli {
namespace {

struct ValidateArgs {
  std::string scan;
  std::vector<std::string> overrides;
  bool describe_keys = false;
  bool list_trials = false;
};

std::string names_line(const std::vector<std::string>& names) {
  return fmt::format("({}) {}", names.size(), fmt::join(names, ", "));
}

// What `run` will train on, read and split as `run` reads it: a data file is opened (every
// error `run` would give is given now); a generator is described by its registry entry.
// Fills `shape` from the data read. Every check of the data lives in io (readers, load_data,
// split_dataset), so checks added there are validate's checks too.
std::string describe_data(const io::ScanConfig& scan, scans::DataShape& shape) {
  std::string out;
  const auto& d = scan.data;
  if (!d.generator.empty()) {
    const auto g = io::gen::generator_shape(d.generator, d.knobs);
    out += fmt::format("    features {}\n", names_line(d.features.empty() ? g.features : d.features));
    if (scan.task == Task::classification) out += fmt::format("    classes {} (balanced)\n", names_line(g.classes));
    else out += fmt::format("    targets {}\n", names_line(g.targets));
    return out;
  }
  DataConfig cfg = d;
  if (std::filesystem::path(cfg.path).is_relative() && !scan.source_dir.empty())
    cfg.path = (std::filesystem::path(scan.source_dir) / cfg.path).lexically_normal().string();
  const DataSplit split = io::load_data(cfg, scan.task, "");
  const Dataset* parts[] = {&split.train, &split.val, &split.test};
  const std::size_t n = split.train.size() + split.val.size() + split.test.size();
  out += fmt::format("    read {}: {} events -> train {} / val {} / test {}\n", cfg.path, n, split.train.size(),
                           split.val.size(), split.test.size());
  out += fmt::format("    features {}\n", names_line(split.train.feature_names));
  if (scan.task == Task::classification) {
    std::vector<std::size_t> count(static_cast<std::size_t>(std::max(split.train.n_classes, 0)), 0);
    for (const Dataset* p : parts)
      for (auto l : p->labels) ++count[static_cast<std::size_t>(l)];
    std::string balance;
    for (std::size_t c = 0; c < count.size(); ++c) {
      const std::string name = c < split.train.class_names.size() ? fmt::format("{} = {}", split.train.class_names[c], c)
                                                                  : std::to_string(c);
      balance += fmt::format("{}{}: {} ({:.1f}%)", c ? ", " : "", name, count[c], 100.0 * static_cast<double>(count[c]) / static_cast<double>(n));
    }
    out += fmt::format("    labels: {}, {} classes: {}\n",
                             d.label_column.empty() ? std::string("/labels") : "column '" + d.label_column + "'",
                             count.size(), balance);
  } else {
    out += fmt::format("    targets {}\n", names_line(split.train.target_names));
  }
  if (!split.train.weights.empty()) {
    double sum = 0;
    for (const Dataset* p : parts)
      for (float w : p->weights) sum += w;
    out += fmt::format("    weights: {} (sum {:.6g})\n",
                             d.weight_column.empty() ? std::string("/weights") : "column '" + d.weight_column + "'", sum);
  }
  for (const auto& note : split.train.notes) out += "    note: " + note + "\n";
  shape.n_in = static_cast<int>(split.train.n_features());
  shape.n_out = scan.task == Task::regression ? static_cast<int>(split.train.n_targets())
                                              : (split.train.n_classes > 2 ? split.train.n_classes : 1);
  shape.n_train = static_cast<std::int64_t>(split.train.size());
  return out;
}

std::string human(double x) {
  if (x >= 1e9) return fmt::format("{:.1f}G", x / 1e9);
  if (x >= 1e6) return fmt::format("{:.1f}M", x / 1e6);
  if (x >= 1e4) return fmt::format("{:.1f}k", x / 1e3);
  return fmt::format("{:.0f}", x);
}

int run_validate(Context& ctx, const ValidateArgs& a) {
  ctx.collective_exit = true;
  if (ctx.comm && ctx.comm->rank() != 0) return kExitOk;  // one report, from rank 0
  if (a.describe_keys) {
    std::cout << io::describe_keys_markdown();
    return kExitOk;
  }
  if (a.scan.empty()) throw InputError("validate: missing SCAN.yaml (or pass --describe-keys)");
  const io::ScanConfig scan = io::load_scan_config(a.scan, a.overrides);
  const scans::Expansion ex = scans::expand(scan, scan.threads_per_trial);
  scans::DataShape shape = scans::estimate_data_shape(scan);
  const std::string data_report = describe_data(scan, shape);  // before "OK": the data may be bad
  const auto& d = scan.data;
  std::cout << fmt::format("scan '{}' ({}): {} OK\n", scan.name,
                           scan.task == Task::classification ? "classification" : "regression", scan.source_file);
  std::cout << fmt::format("  data: {}, {} events, split {}/{}/{}{}\n",
                           d.generator.empty() ? "file " + d.path : "generator " + d.generator,
                           d.events ? std::to_string(d.events) : std::string("all"), d.train, d.val, d.test,
                           shape.n_in > 0 ? fmt::format(" ({} inputs, {} output{})", shape.n_in, shape.n_out,
                                                        shape.n_out == 1 ? "" : "s")
                                          : "");
  std::cout << data_report;
  for (const auto& o : scan.overrides) std::cout << fmt::format("  --set {}\n", o);
  std::cout << fmt::format("  seeds: [{}]\n", fmt::join(scan.seeds, ", "));
  std::vector<double> cost_by_block(ex.blocks.size(), 0.0);
  std::vector<std::pair<std::int64_t, std::int64_t>> params(ex.blocks.size(), {-1, -1});
  double total_cost = 0, max_cost = 0;
  for (const auto& t : ex.trials) {
    const double c = scans::trial_cost(t.config, shape);
    cost_by_block[t.block] += c;
    total_cost += c;
    max_cost = std::max(max_cost, c);
    const auto n = scans::parameter_count(t.config, shape);
    auto& p = params[t.block];
    p.first = p.first < 0 ? n : std::min(p.first, n);
    p.second = std::max(p.second, n);
  }
  for (std::size_t b = 0; b < ex.blocks.size(); ++b) {
    const auto& blk = ex.blocks[b];
    std::cout << fmt::format("  models[{}] {}{}: {} configuration(s) x {} seed(s) -> {} trial(s){}\n", b, blk.type,
                             blk.name != blk.type ? " '" + blk.name + "'" : "", blk.configurations, scan.seeds.size(),
                             blk.trials,
                             blk.duplicates ? fmt::format(" ({} duplicate(s) run once)", blk.duplicates) : "");
    for (const auto& [key, values] : blk.axes) std::cout << fmt::format("      {}: {}\n", key, values);
    if (shape.n_in > 0 && params[b].first >= 0)
      std::cout << fmt::format("      parameters: {} .. {}\n", params[b].first, params[b].second);
  }
  std::cout << fmt::format("  total: {} trial(s){}\n", ex.trials.size(),
                           ex.duplicates ? fmt::format(", {} duplicate configuration(s) run once", ex.duplicates) : "");
  if (shape.n_in > 0 && shape.n_train > 0) {
    const double hours = total_cost / scans::kRoughOpsPerCoreSecond / 3600.0;
    std::cout << fmt::format(
        "  cost (rough, upper bound without early stopping): {} operations ~ {:.2g} core-hours at {} thread(s) per trial; "
        "largest trial {:.2g} core-hours\n",
        human(total_cost), hours, scan.threads_per_trial, max_cost / scans::kRoughOpsPerCoreSecond / 3600.0);
  } else {
    std::cout << "  cost: unknown until the data is loaded\n";
  }
  if (a.list_trials) {
    std::cout << "  trials (id, block, seed, parameters):\n";
    for (const auto& t : ex.trials)
      std::cout << fmt::format("    {} {} seed={} params={}\n", t.config.trial_id, t.config.model_name, t.config.seed,
                               scans::parameter_count(t.config, shape));
  }
  return kExitOk;
}

}  // namespace

void add_validate_command(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<ValidateArgs>();
  auto* cmd = app.add_subcommand("validate", "Check a scan definition; print trials per model block, axes and a rough cost");
  cmd->add_option("scan", args->scan, "Scan definition (YAML)");
  cmd->add_flag("--describe-keys", args->describe_keys, "Print the reference of every scan key (Markdown) and exit");
  cmd->add_flag("--trials", args->list_trials, "Also list every trial id");
  cmd->add_option("--set", args->overrides,
                  "Override a key of the scan: KEY=VALUE (YAML value), e.g. --set train.epochs=5 "
                  "--set 'models[0].grid_size=[3,5]'; repeatable")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_validate(ctx, *args); }; });
}

}  // namespace kanscan::cli
