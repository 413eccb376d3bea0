#include "io/results.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>

#include "framework/error.hpp"
#include "framework/log.hpp"
#include "io/atomic_file.hpp"
#include "io/config.hpp"
#include "io/h5.hpp"
#include "io/model_file.hpp"
#include "io/trials_schema.hpp"
#include "kanscan_version.hpp"

namespace kanscan::io {
namespace fs = std::filesystem;

namespace {

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

std::vector<std::string> metric_columns(Task task, const std::vector<std::string>& target_names) {
  // The first release's columns first, in their order; the second contract's after them.
  const std::vector<std::string> cost{"best_epoch", "infer_flops", "train_flops"};
  if (task == Task::classification) {
    std::vector<std::string> out{"test_loss", "test_auc", "test_accuracy", "val_loss", "val_auc", "val_accuracy",
                                 "test_auc_err", "test_accuracy_err"};
    out.insert(out.end(), cost.begin(), cost.end());
    return out;
  }
  std::vector<std::string> out{"test_loss", "test_mae", "test_rmse"};
  for (const auto& t : target_names) out.push_back("test_mae_" + t);
  for (const auto& t : target_names) out.push_back("test_mae_gev_" + t);
  out.insert(out.end(), {"val_loss", "val_mae"});
  for (const auto& t : target_names) out.push_back("val_mae_" + t);
  out.push_back("test_mae_err");
  for (const auto& t : target_names) out.push_back("test_mae_err_" + t);
  out.insert(out.end(), cost.begin(), cost.end());
  return out;
}

bool extends_metric_columns(const std::vector<std::string>& recorded, const std::vector<std::string>& now) {
  for (const auto& c : recorded)
    if (std::find(now.begin(), now.end(), c) == now.end()) return false;
  return true;
}

std::string header_json(const StoreSchema& s) {
  nlohmann::json j;
  j["kanscan_version"] = kVersion;
  j["schema_version"] = kSchemaVersion;
  j["scan_name"] = s.scan_name;
  j["task"] = s.task == Task::regression ? "regression" : "classification";
  j["config_yaml"] = s.config_yaml;
  j["overrides"] = s.overrides;
  j["scan_file"] = s.scan_file;
  j["metric_columns"] = s.metric_columns;
  j["trials_expected"] = s.trials_expected;
  j["created_utc"] = s.created_utc;
  if (!s.data_fingerprint.empty()) j["data_fingerprint"] = s.data_fingerprint;
  return j.dump();
}

StoreSchema parse_header_json(const std::string& text) {
  StoreSchema s;
  try {
    const auto j = nlohmann::json::parse(text);
    s.scan_name = j.at("scan_name").get<std::string>();
    s.task = j.at("task").get<std::string>() == "regression" ? Task::regression : Task::classification;
    s.config_yaml = j.at("config_yaml").get<std::string>();
    s.overrides = j.value("overrides", std::vector<std::string>{});
    s.scan_file = j.value("scan_file", std::string());
    s.metric_columns = j.at("metric_columns").get<std::vector<std::string>>();
    s.trials_expected = j.value("trials_expected", std::int64_t{0});
    s.created_utc = j.value("created_utc", std::string());
    s.data_fingerprint = j.value("data_fingerprint", std::string());  // journals before the fingerprint have none
  } catch (const std::exception& e) {
    throw InputError(std::string("journal header is malformed: ") + e.what());
  }
  return s;
}

// The working HDF5 file and its /trials table.
struct ResultStore::Writer {
  h5::File file;
  TrialsSchema schema;
  std::optional<h5::Table> table;

  Writer(const std::string& path, const StoreSchema& s)
      : file(path, h5::File::Mode::create_truncate), schema(trials_schema(s.metric_columns)) {
    h5::Group root = file.root();
    root.set_attr("kanscan_version", std::string(kVersion));
    root.set_attr("schema_version", kSchemaVersion);
    root.set_attr("scan_name", s.scan_name);
    root.set_attr("created_utc", s.created_utc);
    root.set_attr("task", std::string(s.task == Task::regression ? "regression" : "classification"));
    root.set_attr("n_trials_expected", s.trials_expected);
    write_definition(s);
    if (!s.data_fingerprint.empty()) file.root().require_group("scan").set_attr("data_fingerprint", s.data_fingerprint);
    root.create_group("trial");
    table.emplace(root.create_table(kTrialsTable, schema.columns, 64));
  }

  // /scan: the YAML as given, the --set overrides on top of it, and where the YAML was.
  void write_definition(const StoreSchema& s) {
    h5::Group scan = file.root().require_group("scan");
    scan.write_string("config_yaml", s.config_yaml);
    scan.remove("overrides");
    if (!s.overrides.empty()) scan.write_strings("overrides", s.overrides);
    if (!s.scan_file.empty()) scan.set_attr("scan_file", s.scan_file);
  }

  void append_row(const TrialConfig& cfg, const TrialOutcome& outcome, const std::vector<std::string>& metric_names) {
    h5::Row row(schema.columns.size());
    auto put_str = [&](std::size_t c, const std::string& s) { row.set_text(c, s); };
    auto put_i64 = [&](std::size_t c, std::int64_t v) { row.set_int(c, v); };
    auto put_f64 = [&](std::size_t c, double v) { row.set_real(c, v); };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::size_t i = 0;
    put_str(i++, cfg.trial_id);
    put_str(i++, cfg.model_name);
    put_str(i++, outcome.ok ? "ok" : "failed");
    put_i64(i++, static_cast<std::int64_t>(cfg.seed));
    put_i64(i++, cfg.split);
    put_i64(i++, outcome.n_params);
    for (const auto& cc : schema.config) {
      const std::size_t c = i++;
      const bool rel = cc.key->relevant(cfg);
      if (!rel) {
        set_not_applicable(row, c, schema.columns[c]);
        continue;
      }
      const Value v = cc.key->get(cfg);
      if (cc.range_part >= 0) {
        const Range rg = std::get<Range>(v);
        put_f64(c, cc.range_part == 0 ? rg.first : rg.second);
      } else if (auto* b = std::get_if<bool>(&v)) {
        put_i64(c, *b ? 1 : 0);
      } else if (auto* n = std::get_if<std::int64_t>(&v)) {
        put_i64(c, *n);
      } else if (auto* d = std::get_if<double>(&v)) {
        put_f64(c, *d);
      } else if (auto* s = std::get_if<std::string>(&v)) {
        put_str(c, *s);
      }
    }
    put_i64(i++, outcome.epochs_run);
    put_f64(i++, outcome.train_seconds);
    for (const auto& m : metric_names) {
      auto it = outcome.metrics.find(m);
      put_f64(i++, it == outcome.metrics.end() ? nan : it->second);
    }
    table->append(row);
  }

  // Closes the table before the file so that the file's close is the real one (checked).
  void close() {
    table.reset();
    file.close();
  }
  // A write failed: give the file up without closing it (h5::File::abandon).
  void abandon() noexcept {
    if (table) table->abandon();
    file.abandon();
  }

  void write_trial_group(const TrialConfig& cfg, const std::string& config_json, const TrialOutcome& o,
                         const std::string& fingerprint) {
    h5::Group trials = file.root().open_group("trial");
    h5::Group g = trials.create_group(cfg.trial_id);
    g.set_attr("config", config_json);
    if (!fingerprint.empty()) g.set_attr("data_fingerprint", fingerprint);
    g.set_attr("model", cfg.model_name);
    g.set_attr("status", std::string(o.ok ? "ok" : "failed"));
    if (!o.ok) g.set_attr("error", o.error.empty() ? std::string("unknown error") : o.error);
    nlohmann::json metrics = nlohmann::json::object();
    for (const auto& [k, v] : o.metrics) metrics[k] = std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
    g.set_attr("metrics", metrics.dump());
    if (!o.history.epoch.empty()) {
      h5::Group h = g.create_group("history");
      std::vector<std::int64_t> ep(o.history.epoch.begin(), o.history.epoch.end());
      h.write("epoch", ep);
      h.write("train_loss", o.history.train_loss);
      h.write("val_loss", o.history.val_loss);
      h.write("val_metric", o.history.val_metric);
      h.set_attr("val_metric_name", o.history.val_metric_name);
    }
    if (!o.roc_fpr.empty()) {
      h5::Group roc = g.create_group("roc");
      roc.write("fpr", o.roc_fpr);
      roc.write("tpr", o.roc_tpr);
    }
    if (o.test_predictions.size() > 0) {
      std::vector<float> p(o.test_predictions.data(), o.test_predictions.data() + o.test_predictions.size());
      g.write("test_predictions", p,
              {static_cast<std::size_t>(o.test_predictions.rows()), static_cast<std::size_t>(o.test_predictions.cols())});
    }
    if (!o.test_index.empty()) g.write("test_index", o.test_index);
    if (!o.model.layers.empty()) {
      h5::Group model = g.create_group("model");
      write_model(model, o.model);
    }
  }
};

ResultStore::ResultStore(const std::string& out_path, StoreSchema schema, Mode mode, const PlannedLookup& planned)
    : out_(out_path), schema_(std::move(schema)) {
  try {
    open(mode, planned);
  } catch (const IoError&) {
    abandon_work();  // the published file and the journal stay as they were
    throw;
  } catch (const InputError&) {
    // Refused (another scan's journal, changed data): nothing is published, nothing left behind.
    writer_.reset();
    std::error_code ec;
    fs::remove(work_path(), ec);
    throw;
  }
}

void ResultStore::open(Mode mode, const PlannedLookup& planned) {
  const bool have_journal = fs::exists(journal_path());
  if (mode == Mode::create || !have_journal) {
    if (fs::exists(out_))
      throw InputError(Location{out_, -1, -1, ""},
                       mode == Mode::resume
                           ? "cannot resume: the results file has no journal " + journal_path() +
                                 " next to it (deleted?); choose another --out"
                           : "the results file exists; pass --resume to continue that scan, or choose another --out");
    if (have_journal)
      throw InputError(Location{journal_path(), -1, -1, ""},
                       "a journal of an earlier run exists; pass --resume to continue it, or remove it");
    fs::remove(work_path());
    resume_.previous_yaml = schema_.config_yaml;
    resume_.previous_overrides = schema_.overrides;
    if (schema_.created_utc.empty()) schema_.created_utc = utc_now();
    journal_ = std::make_unique<Journal>(journal_path(), nullptr);
    journal_->append(JournalRecordType::header, header_json(schema_));
    open_work();
    publish();
    return;
  }
  resume_.found = true;
  replay(planned);
  publish();
}

// Replays the journal into a fresh working file, taking each trial's config from the plan.
void ResultStore::replay(const PlannedLookup& planned) {
  bool have_header = false;
  std::vector<std::string> unknown;
  journal_ = std::make_unique<Journal>(journal_path(), [&](JournalRecordType type, const std::string& payload) {
    if (type == JournalRecordType::header) {
      const StoreSchema old = parse_header_json(payload);
      check_fingerprint(old.data_fingerprint);
      record_fingerprint_ = old.data_fingerprint;
      if (old.task != schema_.task)
        throw InputError(Location{journal_path(), -1, -1, "task"}, "cannot resume: the scan's task changed");
      // A journal of an older build has fewer columns: its trials get NaN in the new ones.
      if (!extends_metric_columns(old.metric_columns, schema_.metric_columns))
        throw InputError(Location{journal_path(), -1, -1, ""},
                         "cannot resume: the data's targets changed (metric columns differ from the recorded scan)");
      if (!have_header) schema_.created_utc = old.created_utc;
      resume_.previous_yaml = old.config_yaml;
      resume_.previous_overrides = old.overrides;
      StoreSchema s = schema_;
      s.config_yaml = old.config_yaml;
      s.overrides = old.overrides;
      if (!old.scan_file.empty()) s.scan_file = old.scan_file;
      s.trials_expected = old.trials_expected;
      if (!writer_) writer_ = std::make_unique<Writer>(work_path(), s);
      else writer_->write_definition(s);
      have_header = true;
      return;
    }
    if (!writer_) throw InputError(Location{journal_path(), -1, -1, ""}, "journal has a trial before its header");
    const TrialRecord rec = deserialize_record(payload);
    if (written_.count(rec.trial_id)) {
      ++resume_.duplicates_dropped;
      return;
    }
    const TrialConfig* cfg = planned ? planned(rec.trial_id) : nullptr;
    if (!cfg) {
      unknown.push_back(rec.trial_id);
      return;
    }
    ++journaled_;
    write_record(*cfg, rec.config_json, rec.outcome, record_fingerprint_);
    resume_.completed[rec.trial_id] = rec.outcome.ok ? "ok" : "failed";
    resume_.metrics[rec.trial_id] = rec.outcome.metrics;
  });
  resume_.torn_bytes = journal_->torn_bytes();
  if (!unknown.empty()) {
    // Nothing is published: the results file and the journal stay as the earlier run left them.
    writer_.reset();
    journal_.reset();
    std::error_code ec;
    fs::remove(work_path(), ec);
    throw InputError(Location{journal_path(), -1, -1, ""},
                     fmt::format("cannot resume: the journal holds {} finished trial(s) that this scan definition no "
                                 "longer defines (e.g. {}). Resume may only add trials (more seeds, axis values or "
                                 "blocks); to run a different scan, choose another --out",
                                 unknown.size(), unknown.front()));
  }
  if (!have_header) {
    // Torn before the header was complete: a new scan.
    if (schema_.created_utc.empty()) schema_.created_utc = utc_now();
    journal_->append(JournalRecordType::header, header_json(schema_));
    resume_.previous_yaml = schema_.config_yaml;
    resume_.previous_overrides = schema_.overrides;
    open_work();
  } else if (record_fingerprint_.empty() && !schema_.data_fingerprint.empty()) {
    // A journal from before the fingerprint: its trials cannot be checked against this data.
    log::warn("resume: the earlier run recorded no data fingerprint; cannot check that the data is unchanged "
              "(now {}); recording it from here on", schema_.data_fingerprint);
    StoreSchema s = schema_;
    s.config_yaml = resume_.previous_yaml;
    journal_->append(JournalRecordType::header, header_json(s));
    guard([&] { writer_->file.root().require_group("scan").set_attr("data_fingerprint", schema_.data_fingerprint); });
  }
  guard([&] { writer_->file.flush(); });
}

void ResultStore::check_fingerprint(const std::string& recorded) const {
  if (recorded.empty() || schema_.data_fingerprint.empty() || recorded == schema_.data_fingerprint) return;
  throw InputError(Location{journal_path(), -1, -1, "data"},
                   fmt::format("cannot resume: the data changed. The scan's trials were trained on data with "
                               "fingerprint {}, the data now has fingerprint {} (a different file at the same path, "
                               "or other events or features); resuming would mix trials of two datasets in one "
                               "results file. Run the new data into another --out",
                               recorded, schema_.data_fingerprint));
}

ResultStore::~ResultStore() {
  if (!finished_ && (writer_ || broken_)) {
    try {
      finish();  // the working file holds everything recorded: make it the results file
    } catch (...) {
      // Destructors must not throw; the journal still holds everything.
    }
  }
}

void ResultStore::abandon_work() noexcept {
  broken_ = true;
  if (writer_) writer_->abandon();
  writer_.reset();
  std::error_code ec;
  fs::remove(work_path(), ec);
}

void ResultStore::open_work() {
  writer_ = std::make_unique<Writer>(work_path(), schema_);
  writer_->file.flush();
}

void ResultStore::guard(const std::function<void()>& step) {
  if (broken_) throw IoError(Location{work_path(), -1, -1, ""}, "the working file was given up after a failed write");
  try {
    step();
  } catch (...) {
    abandon_work();
    throw;
  }
}

void ResultStore::record_config(const std::string& config_yaml, const std::vector<std::string>& overrides,
                                std::int64_t trials_expected) {
  schema_.config_yaml = config_yaml;
  schema_.overrides = overrides;
  schema_.trials_expected = trials_expected;
  journal_->append(JournalRecordType::header, header_json(schema_));
  guard([&] {
    writer_->write_definition(schema_);
    writer_->file.root().set_attr("n_trials_expected", trials_expected);
    writer_->file.flush();
  });
}

void ResultStore::write_record(const TrialConfig& cfg, const std::string& config_json, const TrialOutcome& outcome,
                               const std::string& fingerprint) {
  guard([&] {
    writer_->write_trial_group(cfg, config_json, outcome, fingerprint);
    writer_->append_row(cfg, outcome, schema_.metric_columns);
  });
  written_.insert(cfg.trial_id);
  ++rows_;
}

void ResultStore::append(const TrialConfig& cfg, const std::string& config_json, const TrialOutcome& outcome) {
  if (written_.count(cfg.trial_id)) return;  // exactly once, even if a trial were reported twice
  if (broken_) throw IoError(Location{work_path(), -1, -1, ""}, "the working file was given up after a failed write");
  // The journal first: once it holds the trial, a failure below loses nothing (resume rebuilds).
  journal_->append(JournalRecordType::trial, serialize_trial(cfg.trial_id, cfg.model_name, config_json, outcome));
  ++journaled_;
  write_record(cfg, config_json, outcome, schema_.data_fingerprint);
  guard([&] { writer_->file.flush(); });
  const double since = std::chrono::duration<double>(std::chrono::steady_clock::now() - last_publish_).count();
  if (since >= std::max(min_publish_interval_, 20.0 * last_publish_cost_)) publish();
}

void ResultStore::publish() {
  const auto t0 = std::chrono::steady_clock::now();
  guard([&] { writer_->file.flush(); });
  // A failed copy leaves the published file as it was (write_file_atomic); the working file is fine.
  write_file_atomic(out_, [&](const std::string& tmp) {
    std::error_code ec;
    fs::copy_file(work_path(), tmp, fs::copy_options::overwrite_existing, ec);
    if (ec) throw IoError(Location{tmp, -1, -1, ""}, "cannot copy the working file " + work_path() + ": " + ec.message());
  });
  last_publish_ = std::chrono::steady_clock::now();
  last_publish_cost_ = std::chrono::duration<double>(last_publish_ - t0).count();
}

void ResultStore::finish() {
  if (finished_) return;
  finished_ = true;
  // After a failed write the working file is garbage: the published file (the last complete
  // copy) stays, and the journal holds every trial that finished.
  if (broken_) return;
  guard([&] { writer_->close(); });
  writer_.reset();
  replace_file(work_path(), out_);  // on failure the working file stays next to the results
}

}  // namespace kanscan::io
