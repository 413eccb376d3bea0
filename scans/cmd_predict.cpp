// `kanscan predict FILE.h5 --trial ID --data DATA.h5 --out PRED.h5`: applies a trained model
// from a results file to new events; /predictions is in the units of test_predictions.
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "analysis/results_file.hpp"
#include "analysis/select.hpp"
#include "framework/error.hpp"
#include "framework/parallel.hpp"
#include "io/atomic_file.hpp"
#include "io/h5.hpp"
#include "io/readers.hpp"
#include "models/trial_runner.hpp"
#include "scans/cli.hpp"

namespace kanscan::cli {
namespace {

struct PredictArgs {
  std::string file, trial, data, out;
  int threads = 0;
};

// The trial named by `id`, or the single trial whose id starts with it (ids are long hashes).
std::string resolve_trial(const analysis::ResultsFile& f, const std::string& id) {
  if (f.has_trial_group(id)) return id;
  std::vector<std::string> matches;
  for (const auto& g : f.trial_groups())
    if (g.rfind(id, 0) == 0) matches.push_back(g);
  if (matches.size() == 1) return matches.front();
  const std::string how = fmt::format("the ids are the trial_id column of `kanscan analyze {}` (trials.csv)", f.path());
  if (matches.empty())
    throw InputError(Location{f.path(), -1, -1, "--trial"},
                     fmt::format("no trial '{}' in this results file ({} trials stored); {}", id,
                                 f.trial_groups().size(), how));
  throw InputError(Location{f.path(), -1, -1, "--trial"},
                   fmt::format("'{}' matches {} trials ({}, {}, ...); give more of the id", id, matches.size(),
                               matches[0], matches[1]));
}

int run_predict(Context& ctx, const PredictArgs& a) {
  if (ctx.comm && ctx.comm->rank() != 0) return kExitOk;
  const analysis::ResultsFile results(a.file);
  std::string id;
  if (a.trial == "best") {
    const analysis::ChosenTrial best = analysis::best_trial(results);
    id = best.id;
    if (!best.note.empty()) std::cerr << "kanscan: note: " << best.note << "\n";
    std::cout << fmt::format("best trial by {} ({} is better): {} ({} = {:.6g})\n", best.column,
                             best.higher_is_better ? "higher" : "lower", id, best.column, best.value);
  } else {
    id = resolve_trial(results, a.trial);
  }
  if (!results.has_model(id))
    throw InputError(Location{a.file, -1, -1, "--trial"},
                     "trial " + id + " has no stored model (a failed or unfinished trial)");
  const ModelState model = results.read_model(id);

  // A CSV is read with the scan's own settings (label/weight columns are not features).
  const auto scan = io::is_csv_data_path(a.data) ? analysis::recorded_scan(results) : std::nullopt;
  const Dataset data = io::read_data_features(a.data, model.task, scan ? scan->data : DataConfig{});
  if (data.n_features() != model.input_mean.size())
    throw InputError(Location{a.data, -1, -1, "/features"},
                     fmt::format("{} features per event, but the model of trial {} was trained on {}",
                                 data.n_features(), id, model.input_mean.size()));
  const RowMatrixXf pred = models::predict(model, data.features, a.threads);

  // A missing folder is a bad argument, as for `run` and `generate`; a failing write is exit 1.
  const std::filesystem::path out = std::filesystem::absolute(a.out);
  if (std::filesystem::is_directory(out))
    throw InputError(Location{a.out, -1, -1, "--out"}, "is a directory; expected a file name");
  if (!std::filesystem::is_directory(out.parent_path()))
    throw InputError(Location{a.out, -1, -1, "--out"}, "the output file's folder does not exist");
  io::write_file_atomic(a.out, [&](const std::string& tmp) {
    h5::File f(tmp, h5::File::Mode::create_truncate);
    {
      h5::Group root = f.root();
      const std::vector<float> flat(pred.data(), pred.data() + pred.size());
      const bool vector = pred.cols() == 1;
      root.write("predictions", flat,
                 vector ? std::vector<std::size_t>{std::size_t(pred.rows())}
                        : std::vector<std::size_t>{std::size_t(pred.rows()), std::size_t(pred.cols())});
      root.set_attr("trial_id", id);
      root.set_attr("results_file", std::filesystem::absolute(a.file).string());
      root.set_attr("data_file", std::filesystem::absolute(a.data).string());
      root.set_attr("task", to_string(model.task));
      root.set_attr("units", std::string(model.task == Task::regression ? "physical (test_predictions units)"
                                                                    : "probabilities"));
    }
    f.close();
  });
  std::cout << fmt::format("wrote {} predictions ({} column{}) of trial {} to {}\n", pred.rows(), pred.cols(),
                           pred.cols() == 1 ? "" : "s", id, a.out);
  return kExitOk;
}

}  // namespace

void add_predict_command(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<PredictArgs>();
  auto* cmd = app.add_subcommand("predict", "Apply a trained model from a results file to new events");
  cmd->add_option("file", args->file, "Results file written by `kanscan run`")->required();
  cmd->add_option("--trial", args->trial, "Trial id (or a unique prefix of it), or `best`: the best by the validation metric")->required();
  cmd->add_option("--data", args->data, "Data file: HDF5 with /features [N, F], or a CSV like the scan's")->required();
  cmd->add_option("--out", args->out, "Output HDF5 file: /predictions [N] or [N, T]")->required();
  cmd->add_option("--threads", args->threads, "OpenMP threads (0 = all)")->check(CLI::NonNegativeNumber);
  cmd->callback([&ctx, args] { ctx.action = [&ctx, args] { return run_predict(ctx, *args); }; });
}

}  // namespace kanscan::cli
