// `kanscan analyze FILE.h5 [--out DIR]`: seed aggregates, Pareto fronts, per-axis and
// matched-budget tables, a printed summary, CSVs, and matplotlib plots (analysis/).
#include <filesystem>
#include <iostream>

#include "analysis/plots_runner.hpp"
#include "analysis/report.hpp"
#include "analysis/results_file.hpp"
#include "framework/log.hpp"
#include "framework/parallel.hpp"
#include "io/atomic_file.hpp"
#include "models/trial_runner.hpp"
#include "scans/cli.hpp"

namespace kanscan::cli {
namespace {

struct AnalyzeArgs {
  std::string file, out, metric, data, cost;
  bool no_plots = false;
  std::size_t top = 5;
};

int run_analyze(Context& ctx, const AnalyzeArgs& a) {
  // Reading is cheap and single-threaded: rank 0 does it all, other ranks have nothing to do.
  if (ctx.comm && ctx.comm->rank() != 0) return kExitOk;
  analysis::AnalyzeOptions o;
  o.metric = a.metric;
  o.cost = a.cost;
  o.data_file = a.data;
  o.predict = [](const ModelState& m, const RowMatrixXf& x) { return models::predict(m, x, resolve_threads(0)); };
  o.top = a.top;
  const analysis::ResultsFile file(a.file);
  std::string dir = a.out;
  if (dir.empty()) {
    std::filesystem::path p(a.file);
    dir = (p.parent_path() / (p.stem().string() + "_analysis")).string();
  }
  // A bad output folder is a bad argument (exit 2), found before the analysis runs.
  io::require_folder(dir, a.out.empty() ? "output folder" : "--out");
  io::check_writable_folder(dir, a.out.empty() ? "output folder" : "--out");
  analysis::Report report = analysis::analyze(file, o);
  const auto written = analysis::write_outputs(file, report, dir, o);
  std::cout << analysis::format_summary(report, o);
  std::cout << "\nwrote " << written.size() << " files to " << dir << "\n";
  std::cout.flush();  // before the plotting child writes to the same stream
  if (!a.no_plots) {
    const auto plots = analysis::run_plots(dir);
    if (plots.ran) std::cout << "plots (PNG, PDF) in " << dir << "\n";
    else log::warn("{}", plots.message);
  }
  std::cout.flush();
  const auto page = analysis::run_report(dir);
  if (page.ran) std::cout << "report (one self-contained page, no network): " << dir << "/report.html\n";
  else log::warn("{}", page.message);
  std::cout.flush();
  return kExitOk;
}

}  // namespace

void add_analyze_command(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<AnalyzeArgs>();
  auto* cmd = app.add_subcommand(
      "analyze",
      "Pareto fronts (parameters vs metric), seed aggregates, per-axis tables and plots from a results file.\n"
      "Works on a file that is still being written or was left by a crashed run.");
  cmd->add_option("file", args->file, "Results file written by `kanscan run`")->required();
  cmd->add_option("--out", args->out, "Output directory for CSVs and plots (default: FILE_analysis next to FILE)");
  cmd->add_option("--metric", args->metric,
                  "Column of /trials to report (default: test_auc, else test_mae); choices are made on its val_ "
                  "counterpart when the file has it");
  cmd->add_option("--cost", args->cost,
                  "Cost of the Pareto fronts and matched budgets: params (default), train_flops, infer_flops, "
                  "train_seconds");
  cmd->add_option("--data", args->data, "Data file with the events (for the spline-vs-LLR and importance plots; default: the scan's "
                  "own data file, looked up relative to the scan file, then beside FILE, or its generator cache)");
  cmd->add_option("--top", args->top, "Best configurations to list")->check(CLI::PositiveNumber);
  cmd->add_flag("--no-plots", args->no_plots, "Write the CSVs only, do not run matplotlib");
  cmd->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_analyze(ctx, *args); }; });
}

}  // namespace kanscan::cli
