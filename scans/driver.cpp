#include "scans/driver.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <set>

#include "framework/error.hpp"
#include "framework/log.hpp"
#include "io/config.hpp"
#include "io/results.hpp"
#include "scans/expand.hpp"
#include "scans/scheduler.hpp"
#include "scans/trial_time_model.hpp"

namespace kanscan::scans {
namespace fs = std::filesystem;

namespace {

std::atomic<int> g_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "signal flag must be lock-free");

extern "C" void on_signal(int sig) { g_signal.store(sig); }

constexpr int kTagSetup = 7201;

std::string hms(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(seconds + 0.5);
  return fmt::format("{}:{:02}:{:02}", s / 3600, (s / 60) % 60, s % 60);
}

nlohmann::json data_to_json(const DataConfig& d) {
  return {{"generator", d.generator}, {"path", d.path}, {"events", d.events}, {"seed", d.seed}, {"knobs", d.knobs},
          {"train", d.train}, {"val", d.val}, {"test", d.test}, {"features", d.features}, {"label", d.label_column},
          {"targets", d.target_columns}, {"weights", d.weight_column}, {"source_file", d.source_file}};
}

DataConfig data_from_json(const nlohmann::json& j) {
  DataConfig d;
  d.generator = j.at("generator");
  d.path = j.at("path");
  d.events = j.at("events");
  d.seed = j.at("seed");
  d.knobs = j.at("knobs").get<std::map<std::string, double>>();
  d.train = j.at("train");
  d.val = j.at("val");
  d.test = j.at("test");
  d.features = j.at("features").get<std::vector<std::string>>();
  d.label_column = j.at("label");
  d.target_columns = j.at("targets").get<std::vector<std::string>>();
  d.weight_column = j.at("weights");
  d.source_file = j.at("source_file");
  return d;
}

// One progress line at most every `interval` seconds (and always the last one), on stderr.
class Progress {
 public:
  Progress(std::size_t total, std::size_t done_before, double cost_todo, double passes_todo, int slots, Task task,
           double interval)
      : total_(total), done_(done_before), cost_todo_(cost_todo), passes_todo_(passes_todo),
        slots_(std::max(1, slots)), interval_(interval),
        metric_(task == Task::classification ? "test_auc" : "test_mae"), maximize_(task == Task::classification),
        start_(std::chrono::steady_clock::now()), last_(start_) {}

  // A trial recorded by an earlier run of a resumed scan: counts for failures and the best metric.
  void add_previous(const std::string& label, const std::string& status, const std::map<std::string, double>& metrics) {
    if (status != "ok") ++failed_;
    consider(label, status == "ok", metrics);
  }

  void add(const TrialConfig& cfg, const TrialOutcome& o, double cost, double passes) {
    ++done_;
    ++session_done_;
    cost_done_ += cost;
    passes_done_ += passes;
    if (o.ok && o.train_seconds > 0) {
      const double ran = o.epochs_run > 0 && cfg.train.epochs > 0
                             ? std::min(1.0, static_cast<double>(o.epochs_run) / cfg.train.epochs)
                             : 1.0;
      time_model_.add(cost, passes, o.train_seconds, ran);
    }
    if (!o.ok) ++failed_;
    consider(fmt::format("{} {}", cfg.model_name, cfg.trial_id), o.ok, o.metrics);
    const auto now = std::chrono::steady_clock::now();
    if (std::chrono::duration<double>(now - last_).count() >= interval_ || done_ == total_) print(now);
  }

  void consider(const std::string& label, bool ok, const std::map<std::string, double>& metrics) {
    if (!ok) return;
    auto it = metrics.find(metric_);
    if (it != metrics.end() && std::isfinite(it->second) && (!best_ || (maximize_ ? it->second > *best_ : it->second < *best_))) {
      best_ = it->second;
      best_trial_ = label;
    }
  }

  // The fitted time model spread over the trial slots once three trials have finished; before
  // that (or when trials report no training time) elapsed time scaled by the cost left.
  double eta(double elapsed) const {
    const double work = time_model_.predict(cost_todo_ - cost_done_, passes_todo_ - passes_done_);
    if (std::isfinite(work)) return work / slots_;
    return cost_done_ > 0 ? elapsed * (cost_todo_ - cost_done_) / cost_done_ : NAN;
  }

  void print(std::chrono::steady_clock::time_point now) {
    last_ = now;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    std::string best = best_ ? fmt::format("best {} {:.4f} ({})", metric_, *best_, best_trial_) : "best -";
    log::info("progress {}/{} done ({:.0f}%), {} failed, elapsed {}, ETA {}, {}", done_, total_,
              total_ ? 100.0 * static_cast<double>(done_) / static_cast<double>(total_) : 100.0, failed_, hms(elapsed),
              done_ == total_ ? hms(0) : hms(eta(elapsed)), best);
  }
  std::size_t done() const { return done_; }
  std::size_t failed() const { return failed_; }
  double elapsed() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }

 private:
  std::size_t total_, done_, session_done_ = 0, failed_ = 0;
  double cost_todo_, passes_todo_, cost_done_ = 0, passes_done_ = 0;
  int slots_;
  double interval_;
  TrialTimeModel time_model_;
  std::string metric_;
  bool maximize_;
  std::optional<double> best_;
  std::string best_trial_;
  std::chrono::steady_clock::time_point start_, last_;
};

struct Setup {
  int code = 0;
  std::string message;
  Task task = Task::classification;
  DataConfig data;  // paths resolved
  std::string cache_dir;
  nlohmann::json to_json() const {
    return {{"code", code}, {"task", task == Task::regression ? "regression" : "classification"},
            {"data", data_to_json(data)}, {"cache_dir", cache_dir}};
  }
  static Setup from_json(const nlohmann::json& j) {
    Setup s;
    s.code = j.at("code");
    if (s.code != 0) return s;
    s.task = j.at("task") == "regression" ? Task::regression : Task::classification;
    s.data = data_from_json(j.at("data"));
    s.cache_dir = j.at("cache_dir");
    return s;
  }
};

std::string resolve(const std::string& dir, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute() || dir.empty()) return p;
  return (fs::path(dir) / p).lexically_normal().string();
}

}  // namespace

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

int pending_signal() { return g_signal.load(); }
void reset_signal_for_tests() { g_signal.store(0); }

int run_scan(Communicator& comm, const RunOptions& opts, const Hooks& hooks) {
  const bool root = comm.rank() == 0;
  const StopFn stop = [&opts] {
    return g_signal.load() != 0 || (opts.external_stop && opts.external_stop->load());
  };

  if (!root) {
    const auto setup = Setup::from_json(nlohmann::json::parse(comm.recv(0, kTagSetup).bytes));
    if (setup.code != 0) return setup.code;
    const DataSplit split = hooks.load_data(setup.data, setup.task, setup.cache_dir);
    const TrialFn fn = [&](const TrialConfig& cfg, const std::atomic<bool>& cancel) {
      return hooks.run_trial(cfg, split, &cancel);
    };
    return work(comm, fn, stop);
  }

  // ---- rank 0: everything that can fail on bad input happens before the workers start ----
  auto broadcast_failure = [&](int code, const std::string& what) {
    std::cerr << "kanscan: error: " << what << "\n";
    Setup s;
    s.code = code;
    const std::string bytes = s.to_json().dump();
    for (int r = 1; r < comm.size(); ++r) comm.send(r, kTagSetup, bytes);
    return code;
  };

  io::ScanConfig scan;
  Expansion ex;
  Setup setup;
  std::string out;
  DataSplit split;
  std::unique_ptr<io::ResultStore> store;
  std::vector<std::size_t> todo;
  std::vector<double> cost, passes;  // per trial: trial_cost, trial_passes
  std::size_t done_before = 0;
  DataShape shape;
  try {
    scan = io::load_scan_config(opts.scan_path);
    const int threads = opts.threads >= 0 ? opts.threads : scan.threads_per_trial;
    ex = expand(scan, threads);
    if (!opts.out.empty()) out = opts.out;
    else if (!scan.output.empty()) out = resolve(scan.source_dir, scan.output);
    else out = scan.name + ".h5";
    if (fs::exists(out) && fs::is_directory(out))
      throw InputError(Location{out, -1, -1, ""}, "the results path is a directory; expected a file name");
    const std::string out_dir = fs::absolute(out).parent_path().string();
    if (!fs::is_directory(out_dir))
      throw InputError(Location{out, -1, -1, ""}, "the results file's folder does not exist");
    setup.cache_dir = !opts.cache_dir.empty() ? opts.cache_dir
                      : !scan.cache_dir.empty() ? resolve(scan.source_dir, scan.cache_dir)
                                                : (fs::path(out_dir) / "kanscan-cache").string();
    setup.task = scan.task;
    setup.data = scan.data;
    setup.data.path = resolve(scan.source_dir, scan.data.path);
    // Refuse a fresh run over existing results before spending time on the data.
    if (!opts.resume && (fs::exists(out) || fs::exists(out + ".journal")))
      throw InputError(Location{out, -1, -1, ""},
                       "the results file (or its journal) exists; pass --resume to continue that scan, or choose another --out");

    log::info("scan '{}': {} trials ({} duplicate configurations run once); loading data", scan.name, ex.trials.size(),
              ex.duplicates);
    fs::create_directories(setup.cache_dir);
    split = hooks.load_data(setup.data, scan.task, setup.cache_dir);
    shape.n_in = static_cast<int>(split.train.n_features());
    shape.n_out = scan.task == Task::regression ? static_cast<int>(split.train.n_targets())
                                                : (split.train.n_classes > 2 ? split.train.n_classes : 1);
    shape.n_train = static_cast<std::int64_t>(split.train.size());

    io::StoreSchema schema;
    schema.scan_name = scan.name;
    schema.task = scan.task;
    schema.config_yaml = scan.yaml_text;
    schema.metric_columns = io::metric_columns(scan.task, split.train.target_names);
    schema.trials_expected = static_cast<std::int64_t>(ex.trials.size());
    store = std::make_unique<io::ResultStore>(out, schema, opts.resume ? io::ResultStore::Mode::resume
                                                                       : io::ResultStore::Mode::create);
    store->set_publish_interval(opts.publish_seconds);
    const auto& rs = store->resume_state();
    if (opts.resume && !rs.found) {
      log::info("resume: no earlier run of this scan at {}; starting it", out);
    } else if (opts.resume) {
      std::set<std::string> ids;
      for (const auto& t : ex.trials) ids.insert(t.config.trial_id);
      std::vector<std::string> missing;
      for (const auto& [id, status] : rs.completed)
        if (!ids.count(id)) missing.push_back(id);
      if (!missing.empty())
        throw InputError(Location{opts.scan_path, -1, -1, ""},
                         fmt::format("cannot resume: {} holds {} finished trial(s) that this scan definition no longer "
                                     "defines (e.g. {}). Resume may only add trials (more seeds, axis values or "
                                     "blocks); to run a different scan, choose another --out",
                                     out, missing.size(), missing.front()));
      if (rs.previous_yaml != scan.yaml_text) {
        store->record_config(scan.yaml_text, static_cast<std::int64_t>(ex.trials.size()));
        log::info("resume: the scan definition changed and only adds trials; recorded the new definition");
      }
      if (rs.torn_bytes > 0) log::warn("resume: cut {} bytes of an unfinished record from the journal", rs.torn_bytes);
      log::info("resume: {} of {} trials already recorded", rs.completed.size(), ex.trials.size());
    }
    cost.resize(ex.trials.size());
    passes.resize(ex.trials.size());
    for (std::size_t i = 0; i < ex.trials.size(); ++i) {
      cost[i] = trial_cost(ex.trials[i].config, shape);
      passes[i] = trial_passes(ex.trials[i].config, shape);
      if (rs.completed.count(ex.trials[i].config.trial_id)) ++done_before;
      else todo.push_back(i);
    }
    // Most expensive first; ties in expansion order (stable).
    std::stable_sort(todo.begin(), todo.end(), [&](std::size_t a, std::size_t b) { return cost[a] > cost[b]; });
  } catch (const InputError& e) {
    store.reset();
    return broadcast_failure(2, e.what());
  } catch (const std::exception& e) {
    store.reset();
    return broadcast_failure(1, e.what());
  }

  // Workers load the cached data now that rank 0 has written it.
  {
    const std::string bytes = setup.to_json().dump();
    for (int r = 1; r < comm.size(); ++r) comm.send(r, kTagSetup, bytes);
  }
  std::vector<std::string> jobs(ex.trials.size());
  for (std::size_t i = 0; i < ex.trials.size(); ++i) jobs[i] = encode_trial(ex.trials[i].config, ex.trials[i].canonical);

  double cost_todo = 0, passes_todo = 0;
  for (auto i : todo) cost_todo += cost[i], passes_todo += passes[i];
  const int slots = comm.size() > 1 && !opts.coordinator_runs_trials ? comm.size() - 1 : comm.size();
  Progress progress(ex.trials.size(), done_before, cost_todo, passes_todo, slots, scan.task, opts.progress_seconds);
  {
    const auto& rs = store->resume_state();
    for (const auto& t : ex.trials) {
      auto it = rs.completed.find(t.config.trial_id);
      if (it != rs.completed.end())
        progress.add_previous(fmt::format("{} {}", t.config.model_name, t.config.trial_id), it->second,
                              rs.metrics.at(t.config.trial_id));
    }
  }
  log::info("running {} trials on {} rank(s) x {} thread(s) per trial{}", todo.size(), comm.size(),
            ex.trials.empty() ? 1 : ex.trials.front().config.threads,
            comm.size() > 1 && opts.coordinator_runs_trials ? " (rank 0 coordinates and runs trials)" : "");

  const TrialFn fn = [&](const TrialConfig& cfg, const std::atomic<bool>& cancel) {
    return hooks.run_trial(cfg, split, &cancel);
  };
  const ResultFn on_result = [&](std::size_t index, TrialOutcome&& outcome, int) {
    const PlannedTrial& p = ex.trials[index];
    if (outcome.n_params == 0) outcome.n_params = parameter_count(p.config, shape);
    io::TrialRecord rec{p.config.trial_id, p.config.model_name, p.canonical, std::move(outcome)};
    store->append(rec);
    progress.add(p.config, rec.outcome, cost[index], passes[index]);
  };
  SchedulerOptions sopts;
  sopts.coordinator_runs_trials = opts.coordinator_runs_trials;
  sopts.stop_grace = std::chrono::milliseconds(static_cast<long long>(opts.stop_grace_seconds * 1000));
  const ScheduleStats stats = coordinate(comm, jobs, todo, fn, on_result, stop, sopts);

  int code = 0;
  if (stats.stopped || stats.abandoned) {
    store->finish();  // everything recorded so far becomes the results file; the journal stays
    const int sig = g_signal.load();
    code = sig > 0 ? 128 + sig : kExitInterrupted;
    std::cerr << fmt::format(
        "kanscan: stopped{}: {}/{} trials recorded, {} in-flight trial(s) abandoned (they rerun on resume).\n"
        "kanscan: results so far are in {}; continue with: kanscan run {} --resume --out {}\n",
        sig == SIGTERM ? " by SIGTERM" : sig == SIGINT ? " by SIGINT" : "", progress.done(), ex.trials.size(),
        stats.cancelled, out, opts.scan_path, out);
  } else {
    store->finish();
    std::cerr << fmt::format("kanscan: scan '{}' complete: {} trials ({} failed) in {}; results in {}\n",
                             scan.name, ex.trials.size(), progress.failed(), hms(progress.elapsed()), out);
  }
  store.reset();
  if (stats.abandoned) {
    // Some rank did not hand back its cancelled trial in time: end the job the hard way. The
    // results file and the journal are consistent already.
    std::cerr.flush();
    comm.abort(code);
  }
  finish_workers(comm, code);
  return code;
}

}  // namespace kanscan::scans
