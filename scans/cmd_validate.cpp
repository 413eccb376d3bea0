// `kanscan validate SCAN.yaml`: parses and checks the scan, prints the trial count per model
// block, its axes, parameter counts and a rough cost; runs nothing. `--describe-keys` prints the
// key reference that docs/scan-format.md is generated from.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "framework/error.hpp"
#include "io/config.hpp"
#include "io/data.hpp"
#include "io/readers.hpp"
#include "scans/cli.hpp"
#include "scans/expand.hpp"

namespace kanscan::cli {
namespace {

struct ValidateArgs {
  std::string scan;
  bool describe_keys = false;
  bool list_trials = false;
};

std::string human(double x) {
  if (x >= 1e9) return fmt::format("{:.1f}G", x / 1e9);
  if (x >= 1e6) return fmt::format("{:.1f}M", x / 1e6);
  if (x >= 1e4) return fmt::format("{:.1f}k", x / 1e3);
  return fmt::format("{:.0f}", x);
}

// The data checks of `run` that make trials meaningful (io::split_sizes, io::check_split, the
// readers' checks): a data file is read and split as `run` would; a generator block, whose
// events are not generated here, has its split sizes checked. Returns the fingerprint ("" for
// a generator).
std::string check_data(const io::ScanConfig& scan) {
  DataConfig d = scan.data;
  if (!d.generator.empty()) {
    io::split_sizes(d.events, d);
    return "";
  }
  if (!d.path.empty() && std::filesystem::path(d.path).is_relative() && !scan.source_dir.empty())
    d.path = (std::filesystem::path(scan.source_dir) / d.path).lexically_normal().string();
  return io::load_data(d, scan.task, "").fingerprint;
}

int run_validate(Context& ctx, const ValidateArgs& a) {
  ctx.collective_exit = true;
  if (ctx.comm && ctx.comm->rank() != 0) return kExitOk;  // one report, from rank 0
  if (a.describe_keys) {
    std::cout << io::describe_keys_markdown();
    return kExitOk;
  }
  if (a.scan.empty()) throw InputError("validate: missing SCAN.yaml (or pass --describe-keys)");
  const io::ScanConfig scan = io::load_scan_config(a.scan);
  const scans::Expansion ex = scans::expand(scan, scan.threads_per_trial);
  const std::string fingerprint = check_data(scan);
  const scans::DataShape shape = scans::estimate_data_shape(scan);
  const auto& d = scan.data;
  std::cout << fmt::format("scan '{}' ({}): {} OK\n", scan.name,
                           scan.task == Task::classification ? "classification" : "regression", scan.source_file);
  std::cout << fmt::format("  data: {}, {} events, split {}/{}/{}{}\n",
                           d.generator.empty() ? "file " + d.path : "generator " + d.generator,
                           d.events ? std::to_string(d.events) : std::string("all"), d.train, d.val, d.test,
                           shape.n_in > 0 ? fmt::format(" ({} inputs, {} output{})", shape.n_in, shape.n_out,
                                                        shape.n_out == 1 ? "" : "s")
                                          : "");
  if (!fingerprint.empty()) std::cout << fmt::format("  data fingerprint: {}\n", fingerprint);
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
  cmd->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_validate(ctx, *args); }; });
}

}  // namespace kanscan::cli
