// `kanscan run SCAN.yaml [--out FILE.h5] [--resume]`: the scan with the real data loader and
// trainer, as a plain process or under mpirun (see scans/driver.hpp for the protocol).
#include <fmt/format.h>

#include "io/data.hpp"
#include "models/trial_runner.hpp"
#include "scans/cli.hpp"
#include "scans/driver.hpp"

namespace kanscan::cli {

void add_run_command(CLI::App& app, Context& ctx) {
  auto opts = std::make_shared<scans::RunOptions>();
  auto only_coordinate = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand("run", "Run every trial of a scan (plain process or under mpirun -n N)");
  cmd->add_option("scan", opts->scan_path, "Scan definition (YAML)")->required();
  cmd->add_option("--out", opts->out, "Results file (default: the YAML's `output`, else <name>.h5)");
  cmd->add_flag("--resume", opts->resume,
                "Continue a stopped or crashed scan (or extend it with added trials); finished trials are not rerun");
  cmd->add_option("--threads", opts->threads, "OpenMP threads per trial (default: the YAML's threads_per_trial)")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--cache-dir", opts->cache_dir, "Where generated datasets are cached (default: next to the results)");
  cmd->add_option("--progress-seconds", opts->progress_seconds, "Minimum seconds between progress lines (default 5)")
      ->check(CLI::Range(0.0, 1e6));
  cmd->add_option("--publish-seconds", opts->publish_seconds,
                  "Minimum seconds between atomic updates of the results file while running (default 2)")
      ->check(CLI::Range(0.0, 1e6));
  cmd->add_option("--set", opts->overrides,
                  "Override a key of the scan: KEY=VALUE (YAML value), e.g. --set train.epochs=5 "
                  "--set 'models[0].grid_size=[3,5]'; repeatable; recorded in the results file (/scan/overrides)")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  cmd->add_flag("--coordinator-only", *only_coordinate,
                "Rank 0 only coordinates and writes results (default: it also runs trials on a worker thread)");
  cmd->callback([&ctx, opts, only_coordinate] {
    ctx.action = [&ctx, opts, only_coordinate] {
      opts->coordinator_runs_trials = !*only_coordinate;
      scans::Hooks hooks;
      hooks.load_data = [](const DataConfig& cfg, Task task, const std::string& cache_dir) {
        return io::load_data(cfg, task, cache_dir);
      };
      hooks.run_trial = [](const TrialConfig& cfg, const DataSplit& data, const std::atomic<bool>* cancel) {
        return models::run_trial(cfg, data, cancel);
      };
      scans::install_signal_handlers();
      ctx.collective_exit = true;
      try {
        return scans::run_scan(*ctx.comm, *opts, hooks);
      } catch (...) {
        ctx.collective_exit = false;  // an unexpected failure on one rank: main() aborts the job
        throw;
      }
    };
  });
}

}  // namespace kanscan::cli
