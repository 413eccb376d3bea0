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
#include "io/atomic_file.hpp"
#include "io/config.hpp"
#include "io/data.hpp"
#include "io/journal.hpp"
#include "io/results.hpp"
#include "scans/expand.hpp"
#include "scans/scheduler.hpp"
#include "scans/trial_codec.hpp"
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
          {"targets", d.target_columns}, {"weights", d.weight_column}, {"delimiter", d.delimiter}, {"classes", d.classes},
          {"source_file", d.source_file}, {"folds", d.folds}, {"split_seeds", d.split_seeds}};
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
  d.delimiter = j.at("delimiter");
  d.classes = j.at("classes").get<std::vector<std::string>>();
  d.source_file = j.at("source_file");
  d.folds = j.at("folds");
  d.split_seeds = j.at("split_seeds").get<std::vector<std::uint64_t>>();
  return d;
}

// The data of every split the scan asks for (one unless data.split has folds or seeds); a
// trial runs on the one its `split` names.
struct Splits {
  std::vector<std::int64_t> values;
  std::vector<DataSplit> data;
  const DataSplit& of(const TrialConfig& cfg) const {
    for (std::size_t i = 0; i < values.size(); ++i)
      if (values[i] == cfg.split) return data[i];
    throw InputError(fmt::format("trial {}: no data split {}", cfg.trial_id, cfg.split));
  }
  // Every split is cut from the same events, so they share the fingerprint of those events.
  const std::string& fingerprint() const { return data.front().fingerprint; }
};

template <class Hooks>
Splits load_splits(const Hooks& hooks, const DataConfig& data, Task task, const std::string& cache_dir) {
  Splits s;
  s.values = io::split_values(data);
  for (auto v : s.values) {
    DataConfig d = data;
    d.split = v;
    s.data.push_back(hooks.load_data(d, task, cache_dir));
  }
  return s;
}

// One progress line at most every `interval` seconds (and always the last one), on stderr.
class Progress {
 public:
  Progress(std::size_t total, std::size_t done_before, double cost_todo, double passes_todo, int slots, Task task,
           double interval)
      : total_(total), done_(done_before), cost_todo_(cost_todo), passes_todo_(passes_todo),
        slots_(std::max(1, slots)), interval_(interval),
        select_(task == Task::classification ? "val_auc" : "val_mae"),
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

  // The best is chosen on the validation metric, as `kanscan analyze` does; its test value is shown.
  void consider(const std::string& label, bool ok, const std::map<std::string, double>& metrics) {
    if (!ok) return;
    auto it = metrics.find(select_);
    if (it != metrics.end() && std::isfinite(it->second) && (!best_ || (maximize_ ? it->second > *best_ : it->second < *best_))) {
      best_ = it->second;
      best_trial_ = label;
      const auto t = metrics.find(metric_);
      best_test_ = t == metrics.end() ? NAN : t->second;
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
    std::string best = best_ ? fmt::format("best {} {:.4f} ({}; {} {:.4f})", select_, *best_, best_trial_, metric_, best_test_)
                             : "best -";
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
  std::string select_, metric_;  // chosen by, shown
  bool maximize_;
  std::optional<double> best_;
  double best_test_ = NAN;
  std::string best_trial_;
  std::chrono::steady_clock::time_point start_, last_;
};

struct Setup {
  int code = 0;
  std::string message;
  Task task = Task::classification;
  DataConfig data;  // paths resolved
  std::string cache_dir;
  std::string fingerprint;  // of the data rank 0 loaded: every worker must load the same
  nlohmann::json to_json() const {
    return {{"code", code}, {"task", task == Task::regression ? "regression" : "classification"},
            {"data", data_to_json(data)}, {"cache_dir", cache_dir}, {"fingerprint", fingerprint}};
  }
  static Setup from_json(const nlohmann::json& j) {
    Setup s;
    s.code = j.at("code");
    if (s.code != 0) return s;
    s.task = j.at("task") == "regression" ? Task::regression : Task::classification;
    s.data = data_from_json(j.at("data"));
    s.cache_dir = j.at("cache_dir");
    s.fingerprint = j.value("fingerprint", std::string());
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

namespace {

// Everything rank 0 settles before the workers start: all bad input fails while building it.
struct ScanPlan {
  io::ScanConfig scan;
  Expansion ex;
  std::string out;  // results file
  Setup setup;      // what the workers need to load the data
  Splits splits;
  DataShape shape;
  std::unique_ptr<io::ResultStore> store;
  std::vector<std::size_t> todo;     // indices into ex.trials, in hand-out order
  std::vector<double> cost, passes;  // per trial: trial_cost, trial_passes
  std::size_t done_before = 0;       // recorded by an earlier run (resume)
};

// The results file: --out, else the YAML's `output` (relative to the YAML), else <name>.h5.
std::string results_path(const RunOptions& opts, const io::ScanConfig& scan) {
  std::string out = !opts.out.empty() ? opts.out : !scan.output.empty() ? resolve(scan.source_dir, scan.output)
                                                                        : scan.name + ".h5";
  if (fs::exists(out) && fs::is_directory(out))
    throw InputError(Location{out, -1, -1, ""}, "the results path is a directory; expected a file name");
  if (!fs::is_directory(fs::absolute(out).parent_path()))
    throw InputError(Location{out, -1, -1, ""}, "the results file's folder does not exist");
  // Refuse a fresh run over existing results before spending time on the data.
  if (!opts.resume && (fs::exists(out) || fs::exists(out + ".journal")))
    throw InputError(Location{out, -1, -1, ""},
                     "the results file (or its journal) exists; pass --resume to continue that scan, or choose another --out");
  if (fs::exists(out) && !fs::is_regular_file(out))
    throw InputError(Location{out, -1, -1, ""}, "is not a regular file (a device, pipe or socket); expected a results file");
  io::check_writable_folder(fs::absolute(out).parent_path().string(), opts.out.empty() ? "output" : "--out", out);
  return out;
}

Setup make_setup(const RunOptions& opts, const io::ScanConfig& scan, const std::string& out) {
  Setup setup;
  setup.cache_dir = !opts.cache_dir.empty() ? opts.cache_dir
                    : !scan.cache_dir.empty() ? resolve(scan.source_dir, scan.cache_dir)
                                              : (fs::absolute(out).parent_path() / "kanscan-cache").string();
  setup.task = scan.task;
  setup.data = scan.data;
  setup.data.path = resolve(scan.source_dir, scan.data.path);
  return setup;
}

DataShape shape_of(const DataSplit& split, Task task) {
  DataShape shape;
  shape.n_in = static_cast<int>(split.train.n_features());
  shape.n_out = task == Task::regression ? static_cast<int>(split.train.n_targets())
                                         : (split.train.n_classes > 2 ? split.train.n_classes : 1);
  shape.n_train = static_cast<std::int64_t>(split.train.size());
  return shape;
}

// Creates the results store, or reopens it from its journal when resuming (the store refuses a
// journal with trials the scan no longer defines).
void open_store(ScanPlan& p, const RunOptions& opts) {
  io::StoreSchema schema;
  schema.scan_name = p.scan.name;
  schema.task = p.scan.task;
  schema.config_yaml = p.scan.yaml_text;
  schema.overrides = p.scan.overrides;
  schema.scan_file = fs::absolute(p.scan.source_file).lexically_normal().string();
  schema.metric_columns = io::metric_columns(p.scan.task, p.splits.data.front().train.target_names);
  schema.trials_expected = static_cast<std::int64_t>(p.ex.trials.size());
  schema.data_fingerprint = p.splits.fingerprint();
  std::map<std::string, const TrialConfig*> planned;
  for (const auto& t : p.ex.trials) planned[t.config.trial_id] = &t.config;
  const io::PlannedLookup lookup = [&planned](const std::string& id) -> const TrialConfig* {
    const auto it = planned.find(id);
    return it == planned.end() ? nullptr : it->second;
  };
  p.store = std::make_unique<io::ResultStore>(
      p.out, schema, opts.resume ? io::ResultStore::Mode::resume : io::ResultStore::Mode::create, lookup);
  p.store->set_publish_interval(opts.publish_seconds);
  const auto& rs = p.store->resume_state();
  if (!opts.resume) return;
  if (!rs.found) {
    log::info("resume: no earlier run of this scan at {}; starting it", p.out);
    return;
  }
  if (rs.previous_yaml != p.scan.yaml_text || rs.previous_overrides != p.scan.overrides) {
    p.store->record_config(p.scan.yaml_text, p.scan.overrides, static_cast<std::int64_t>(p.ex.trials.size()));
    log::info("resume: the scan definition changed and only adds trials; recorded the new definition");
  }
  if (rs.torn_bytes > 0) log::warn("resume: cut {} bytes of an unfinished record from the journal", rs.torn_bytes);
  log::info("resume: {} of {} trials already recorded", rs.completed.size(), p.ex.trials.size());
}

// The trials still to run, most expensive first (ties in expansion order), and their costs.
void order_trials(ScanPlan& p) {
  const auto& done = p.store->resume_state().completed;
  p.cost.resize(p.ex.trials.size());
  p.passes.resize(p.ex.trials.size());
  for (std::size_t i = 0; i < p.ex.trials.size(); ++i) {
    p.cost[i] = trial_cost(p.ex.trials[i].config, p.shape);
    p.passes[i] = trial_passes(p.ex.trials[i].config, p.shape);
    if (done.count(p.ex.trials[i].config.trial_id)) ++p.done_before;
    else p.todo.push_back(i);
  }
  std::stable_sort(p.todo.begin(), p.todo.end(), [&](std::size_t a, std::size_t b) { return p.cost[a] > p.cost[b]; });
}

ScanPlan plan_scan(const RunOptions& opts, const Hooks& hooks) {
  ScanPlan p;
  p.scan = io::load_scan_config(opts.scan_path, opts.overrides);
  p.ex = expand(p.scan, opts.threads >= 0 ? opts.threads : p.scan.threads_per_trial);
  p.out = results_path(opts, p.scan);
  p.setup = make_setup(opts, p.scan, p.out);
  log::info("scan '{}': {} trials ({} duplicate configurations run once); loading data", p.scan.name,
            p.ex.trials.size(), p.ex.duplicates);
  const char* cache_option = !opts.cache_dir.empty() ? "--cache-dir" : "cache_dir";
  io::require_folder(p.setup.cache_dir, cache_option);
  io::check_writable_folder(p.setup.cache_dir, cache_option);
  p.splits = load_splits(hooks, p.setup.data, p.scan.task, p.setup.cache_dir);
  for (const auto& note : p.splits.data.front().train.notes) log::info("data: {}", note);
  p.shape = shape_of(p.splits.data.front(), p.scan.task);
  open_store(p, opts);
  order_trials(p);
  return p;
}

// A trial as a scheduler task: decode, train on this rank's data, encode the outcome.
TaskFn trial_task(const Hooks& hooks, const Splits& splits) {
  return [&hooks, &splits](const std::string& bytes, const std::atomic<bool>& cancel) {
    const TrialConfig cfg = decode_trial(bytes);
    TrialOutcome outcome = hooks.run_trial(cfg, splits.of(cfg), &cancel);
    TaskResult r;
    if (outcome.cancelled) r.cancelled = true;
    else r.bytes = io::serialize(outcome);
    return r;
  };
}

int run_worker(Communicator& comm, const Hooks& hooks, const StopFn& stop) {
  const auto setup = Setup::from_json(nlohmann::json::parse(comm.recv(0, kTagSetup).bytes));
  if (setup.code != 0) return setup.code;
  const Splits splits = load_splits(hooks, setup.data, setup.task, setup.cache_dir);
  // Ranks on other nodes read their own copy of the file: a different copy would mix datasets.
  if (splits.fingerprint() != setup.fingerprint)
    throw InputError(Location{setup.data.path, -1, -1, "data"},
                     fmt::format("rank {} loaded data with fingerprint {}, rank 0 data with fingerprint {} (another "
                                 "copy of the file on this node?)",
                                 comm.rank(), splits.fingerprint().empty() ? "(none)" : splits.fingerprint(),
                                 setup.fingerprint.empty() ? "(none)" : setup.fingerprint));
  return work(comm, trial_task(hooks, splits), stop);
}

// The finished trials of an earlier run count for the progress line's failures and best metric.
Progress make_progress(const ScanPlan& p, const RunOptions& opts, int slots) {
  double cost_todo = 0, passes_todo = 0;
  for (auto i : p.todo) cost_todo += p.cost[i], passes_todo += p.passes[i];
  Progress progress(p.ex.trials.size(), p.done_before, cost_todo, passes_todo, slots, p.scan.task,
                    opts.progress_seconds);
  const auto& rs = p.store->resume_state();
  for (const auto& t : p.ex.trials) {
    auto it = rs.completed.find(t.config.trial_id);
    if (it != rs.completed.end())
      progress.add_previous(fmt::format("{} {}", t.config.model_name, t.config.trial_id), it->second,
                            rs.metrics.at(t.config.trial_id));
  }
  return progress;
}

int execute_scan(Communicator& comm, ScanPlan& p, const RunOptions& opts, const Hooks& hooks, const StopFn& stop) {
  std::vector<std::string> tasks(p.ex.trials.size());
  for (std::size_t i = 0; i < p.ex.trials.size(); ++i) tasks[i] = encode_trial(p.ex.trials[i].config);
  const int slots = comm.size() > 1 && !opts.coordinator_runs_trials ? comm.size() - 1 : comm.size();
  Progress progress = make_progress(p, opts, slots);
  log::info("running {} trials on {} rank(s) x {} thread(s) per trial{}", p.todo.size(), comm.size(),
            p.ex.trials.empty() ? 1 : p.ex.trials.front().config.threads,
            comm.size() > 1 && opts.coordinator_runs_trials ? " (rank 0 coordinates and runs trials)" : "");

  // A failed write (disk full) stops the scan like a signal: in-flight trials are cancelled and
  // rerun on resume, every rank exits 1 in order.
  std::string store_error;
  const ResultFn on_result = [&](std::size_t index, TaskResult&& result, int) {
    if (!store_error.empty()) return;  // not recorded: it reruns on resume
    const PlannedTrial& t = p.ex.trials[index];
    TrialOutcome outcome;
    if (result.error.empty()) outcome = io::deserialize_outcome(result.bytes);
    else outcome.error = result.error;
    if (outcome.n_params == 0) outcome.n_params = parameter_count(t.config, p.shape);
    try {
      p.store->append(t.config, t.canonical, outcome);
    } catch (const IoError& e) {
      store_error = e.what();
      return;
    }
    progress.add(t.config, outcome, p.cost[index], p.passes[index]);
  };
  const StopFn stop_or_failed = [&] { return !store_error.empty() || stop(); };
  SchedulerOptions sopts;
  sopts.coordinator_runs_tasks = opts.coordinator_runs_trials;
  sopts.stop_grace = std::chrono::milliseconds(static_cast<long long>(opts.stop_grace_seconds * 1000));
  const ScheduleStats stats =
      coordinate(comm, tasks, p.todo, trial_task(hooks, p.splits), on_result, stop_or_failed, sopts);

  // Everything recorded so far becomes the results file; after a stop the journal stays.
  try {
    p.store->finish();
  } catch (const IoError& e) {
    if (store_error.empty()) store_error = e.what();
  }
  const bool complete = !p.store->broken() && store_error.empty();
  const std::size_t journaled = p.store->journaled();
  p.store.reset();
  int code = 0;
  if (!store_error.empty()) {
    code = kExitWriteFailed;
    std::cerr << fmt::format(
        "kanscan: error: {}\n"
        "kanscan: the scan stopped: {}/{} trials are in the journal {}.journal; {} holds {} (the last complete copy). "
        "Free space (or fix the location) and continue with: kanscan run {} --resume --out {}\n",
        store_error, journaled, p.ex.trials.size(), p.out, p.out,
        complete ? "all of them" : "those published before the failure", opts.scan_path, p.out);
  } else if (stats.stopped || stats.abandoned) {
    const int sig = g_signal.load();
    code = sig > 0 ? 128 + sig : kExitInterrupted;
    std::cerr << fmt::format(
        "kanscan: stopped{}: {}/{} trials recorded, {} in-flight trial(s) abandoned (they rerun on resume).\n"
        "kanscan: results so far are in {}; continue with: kanscan run {} --resume --out {}\n",
        sig == SIGTERM ? (opts.under_mpirun ? " by SIGTERM (mpirun passes SIGINT and SIGTERM on as SIGTERM; a signalled "
                                              "mpirun exits 1, the ranks exit 143)"
                                            : " by SIGTERM")
        : sig == SIGINT ? " by SIGINT"
                        : "",
        progress.done(), p.ex.trials.size(), stats.cancelled, p.out, opts.scan_path, p.out);
  } else {
    std::cerr << fmt::format("kanscan: scan '{}' complete: {} trials ({} failed) in {}; results in {}\n", p.scan.name,
                             p.ex.trials.size(), progress.failed(), hms(progress.elapsed()), p.out);
  }
  if (stats.abandoned) {
    // Some rank did not hand back its cancelled trial in time: end the job the hard way. The
    // results file and the journal are consistent already.
    std::cerr.flush();
    comm.abort(code);
  }
  finish_workers(comm, code);
  return code;
}

}  // namespace

int run_scan(Communicator& comm, const RunOptions& opts, const Hooks& hooks) {
  const StopFn stop = [&opts] {
    return g_signal.load() != 0 || (opts.external_stop && opts.external_stop->load());
  };
  if (comm.rank() != 0) return run_worker(comm, hooks, stop);

  // Rank 0: everything that can fail on bad input happens before the workers start; a failure
  // is told to every worker so that all ranks exit with the same code.
  auto broadcast_setup = [&comm](const Setup& s) {
    const std::string bytes = s.to_json().dump();
    for (int r = 1; r < comm.size(); ++r) comm.send(r, kTagSetup, bytes);
  };
  auto fail = [&](int code, const std::string& what) {
    std::cerr << "kanscan: error: " << cap_message(what) << "\n";
    Setup s;
    s.code = code;
    broadcast_setup(s);
    return code;
  };
  ScanPlan plan;
  try {
    plan = plan_scan(opts, hooks);
  } catch (const InputError& e) {
    return fail(2, e.what());
  } catch (const IoError& e) {
    const std::string out = !opts.out.empty() ? opts.out : "the results file";
    const bool journal = !opts.out.empty() && fs::exists(opts.out + ".journal");
    return fail(kExitWriteFailed,
                std::string(e.what()) +
                    (journal ? fmt::format("\nkanscan: free space (or fix the location) and continue with: kanscan run {} "
                                           "--resume --out {}",
                                           opts.scan_path, out)
                             : ""));
  } catch (const std::exception& e) {
    return fail(1, e.what());
  }
  plan.setup.fingerprint = plan.splits.fingerprint();
  broadcast_setup(plan.setup);  // the workers load the cached data now that rank 0 has written it
  return execute_scan(comm, plan, opts, hooks, stop);
}

}  // namespace kanscan::scans
