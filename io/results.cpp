#include "io/results.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

#include "framework/error.hpp"
#include "framework/log.hpp"
#include "io/config.hpp"
#include "io/h5.hpp"
#include "kanscan_version.hpp"

namespace kanscan::io {
namespace fs = std::filesystem;

namespace {

enum class ColKind { i64, f64, str };
struct Col {
  std::string name;
  ColKind kind;
  std::size_t size;    // bytes
  std::size_t offset;  // in the row
};

constexpr std::size_t kIdLen = 16, kModelLen = 64, kStatusLen = 8, kChoiceLen = 16;

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

void fsync_path(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

std::string parent_dir(const std::string& path) {
  const fs::path p = fs::absolute(path).parent_path();
  return p.empty() ? "." : p.string();
}

}  // namespace

std::vector<std::string> metric_columns(Task task, const std::vector<std::string>& target_names) {
  if (task == Task::classification) return {"test_loss", "test_auc", "test_accuracy"};
  std::vector<std::string> out{"test_loss", "test_mae", "test_rmse"};
  for (const auto& t : target_names) out.push_back("test_mae_" + t);
  for (const auto& t : target_names) out.push_back("test_mae_gev_" + t);
  return out;
}

std::string header_json(const StoreSchema& s) {
  nlohmann::json j;
  j["kanscan_version"] = kVersion;
  j["schema_version"] = kSchemaVersion;
  j["scan_name"] = s.scan_name;
  j["task"] = s.task == Task::regression ? "regression" : "classification";
  j["config_yaml"] = s.config_yaml;
  j["metric_columns"] = s.metric_columns;
  j["trials_expected"] = s.trials_expected;
  j["created_utc"] = s.created_utc;
  return j.dump();
}

StoreSchema parse_header_json(const std::string& text) {
  StoreSchema s;
  try {
    const auto j = nlohmann::json::parse(text);
    s.scan_name = j.at("scan_name").get<std::string>();
    s.task = j.at("task").get<std::string>() == "regression" ? Task::regression : Task::classification;
    s.config_yaml = j.at("config_yaml").get<std::string>();
    s.metric_columns = j.at("metric_columns").get<std::vector<std::string>>();
    s.trials_expected = j.value("trials_expected", std::int64_t{0});
    s.created_utc = j.value("created_utc", std::string());
  } catch (const std::exception& e) {
    throw InputError(std::string("journal header is malformed: ") + e.what());
  }
  return s;
}

// The working HDF5 file and its /trials table.
struct ResultStore::Writer {
  h5::File file;
  std::vector<Col> cols;
  std::vector<ConfigColumn> config_cols;
  std::size_t row_size = 0;
  h5::Handle row_type;
  h5::Handle table;
  hsize_t nrows = 0;

  Writer(const std::string& path, const StoreSchema& s) : file(path, h5::File::Mode::create_truncate) {
    auto add = [&](const std::string& name, ColKind kind, std::size_t size) {
      cols.push_back({name, kind, size, row_size});
      row_size += size;
    };
    add("trial_id", ColKind::str, kIdLen);
    add("model", ColKind::str, kModelLen);
    add("status", ColKind::str, kStatusLen);
    add("seed", ColKind::i64, 8);
    add("n_params", ColKind::i64, 8);
    config_cols = config_columns();
    for (const auto& c : config_cols) {
      switch (c.type) {
        case KeyType::boolean:
        case KeyType::integer: add(c.name, ColKind::i64, 8); break;
        case KeyType::real: add(c.name, ColKind::f64, 8); break;
        default: add(c.name, ColKind::str, kChoiceLen); break;
      }
    }
    add("epochs_run", ColKind::i64, 8);
    add("train_seconds", ColKind::f64, 8);
    for (const auto& m : s.metric_columns) add(m, ColKind::f64, 8);

    row_type = h5::Handle(H5Tcreate(H5T_COMPOUND, row_size), H5Tclose);
    h5::Handle file_type(H5Tcreate(H5T_COMPOUND, row_size), H5Tclose);
    for (const auto& c : cols) {
      if (c.kind == ColKind::str) {
        h5::Handle st(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(st.id(), c.size);
        H5Tset_strpad(st.id(), H5T_STR_NULLPAD);
        H5Tinsert(row_type.id(), c.name.c_str(), c.offset, st.id());
        H5Tinsert(file_type.id(), c.name.c_str(), c.offset, st.id());
      } else {
        H5Tinsert(row_type.id(), c.name.c_str(), c.offset, c.kind == ColKind::i64 ? H5T_NATIVE_INT64 : H5T_NATIVE_DOUBLE);
        H5Tinsert(file_type.id(), c.name.c_str(), c.offset, c.kind == ColKind::i64 ? H5T_STD_I64LE : H5T_IEEE_F64LE);
      }
    }
    h5::Group root = file.root();
    root.set_attr("kanscan_version", std::string(kVersion));
    root.set_attr("schema_version", kSchemaVersion);
    root.set_attr("scan_name", s.scan_name);
    root.set_attr("created_utc", s.created_utc);
    root.set_attr("task", std::string(s.task == Task::regression ? "regression" : "classification"));
    root.set_attr("n_trials_expected", s.trials_expected);
    write_yaml(s.config_yaml);
    root.create_group("trial");

    const hsize_t dims[1] = {0}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {64};
    h5::Handle space(H5Screate_simple(1, dims, maxdims), H5Sclose);
    h5::Handle dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_chunk(dcpl.id(), 1, chunk);
    table = h5::Handle(H5Dcreate2(file.id(), "trials", file_type.id(), space.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT),
                       H5Dclose);
    if (!table) throw std::runtime_error("cannot create /trials in " + path);
  }

  void write_yaml(const std::string& yaml) {
    h5::Group root = file.root();
    h5::Group scan = root.require_group("scan");
    if (scan.exists("config_yaml")) H5Ldelete(scan.id(), "config_yaml", H5P_DEFAULT);
    h5::Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(type.id(), H5T_VARIABLE);
    H5Tset_cset(type.id(), H5T_CSET_UTF8);
    h5::Handle space(H5Screate(H5S_SCALAR), H5Sclose);
    h5::Handle d(H5Dcreate2(scan.id(), "config_yaml", type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                 H5Dclose);
    const char* p = yaml.c_str();
    if (!d || H5Dwrite(d.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &p) < 0)
      throw std::runtime_error("cannot write /scan/config_yaml");
  }

  void append_row(const TrialConfig& cfg, const TrialOutcome& outcome, const std::vector<std::string>& metric_names) {
    std::vector<char> row(row_size, 0);
    auto put_str = [&](const Col& c, const std::string& s) { std::memcpy(row.data() + c.offset, s.data(), std::min(s.size(), c.size)); };
    auto put_i64 = [&](const Col& c, std::int64_t v) { std::memcpy(row.data() + c.offset, &v, 8); };
    auto put_f64 = [&](const Col& c, double v) { std::memcpy(row.data() + c.offset, &v, 8); };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::size_t i = 0;
    put_str(cols[i++], cfg.trial_id);
    put_str(cols[i++], cfg.model_name);
    put_str(cols[i++], outcome.ok ? "ok" : "failed");
    put_i64(cols[i++], static_cast<std::int64_t>(cfg.seed));
    put_i64(cols[i++], outcome.n_params);
    for (const auto& cc : config_cols) {
      const Col& c = cols[i++];
      const bool rel = cc.key->relevant(cfg);
      if (!rel) {
        if (c.kind == ColKind::i64) put_i64(c, -1);
        else if (c.kind == ColKind::f64) put_f64(c, nan);
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
    put_i64(cols[i++], outcome.epochs_run);
    put_f64(cols[i++], outcome.train_seconds);
    for (const auto& m : metric_names) {
      auto it = outcome.metrics.find(m);
      put_f64(cols[i++], it == outcome.metrics.end() ? nan : it->second);
    }
    const hsize_t newsize[1] = {nrows + 1};
    if (H5Dset_extent(table.id(), newsize) < 0) throw std::runtime_error("cannot extend /trials");
    h5::Handle fspace(H5Dget_space(table.id()), H5Sclose);
    const hsize_t start[1] = {nrows}, count[1] = {1};
    H5Sselect_hyperslab(fspace.id(), H5S_SELECT_SET, start, nullptr, count, nullptr);
    h5::Handle mspace(H5Screate_simple(1, count, nullptr), H5Sclose);
    if (H5Dwrite(table.id(), row_type.id(), mspace.id(), fspace.id(), H5P_DEFAULT, row.data()) < 0)
      throw std::runtime_error("cannot write a /trials row");
    ++nrows;
  }

  void write_trial_group(const TrialConfig& cfg, const std::string& config_json, const TrialOutcome& o) {
    h5::Group trials = file.root().open_group("trial");
    h5::Group g = trials.create_group(cfg.trial_id);
    g.set_attr("config", config_json);
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
    if (!o.model.layers.empty()) g.create_group("model").write_model(o.model);
  }
};

ResultStore::ResultStore(const std::string& out_path, StoreSchema schema, Mode mode, const PlannedLookup& planned)
    : out_(out_path), schema_(std::move(schema)) {
  h5::silence_errors();
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
      if (old.task != schema_.task)
        throw InputError(Location{journal_path(), -1, -1, "task"}, "cannot resume: the scan's task changed");
      if (old.metric_columns != schema_.metric_columns)
        throw InputError(Location{journal_path(), -1, -1, ""},
                         "cannot resume: the data's targets changed (metric columns differ from the recorded scan)");
      if (!have_header) schema_.created_utc = old.created_utc;
      resume_.previous_yaml = old.config_yaml;
      if (!writer_) {
        StoreSchema s = schema_;
        s.config_yaml = old.config_yaml;
        s.trials_expected = old.trials_expected;
        writer_ = std::make_unique<Writer>(work_path(), s);
      } else {
        writer_->write_yaml(old.config_yaml);
      }
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
    write_record(*cfg, rec.config_json, rec.outcome);
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
    open_work();
  }
  writer_->file.flush();
}

ResultStore::~ResultStore() {
  if (!finished_ && writer_) {
    try {
      finish();  // the working file holds everything recorded: make it the results file
    } catch (...) {
      // Destructors must not throw; the journal still holds everything.
    }
  }
}

void ResultStore::open_work() {
  writer_ = std::make_unique<Writer>(work_path(), schema_);
  writer_->file.flush();
}

void ResultStore::record_config(const std::string& config_yaml, std::int64_t trials_expected) {
  schema_.config_yaml = config_yaml;
  schema_.trials_expected = trials_expected;
  journal_->append(JournalRecordType::header, header_json(schema_));
  writer_->write_yaml(config_yaml);
  writer_->file.root().set_attr("n_trials_expected", trials_expected);
  writer_->file.flush();
}

void ResultStore::write_record(const TrialConfig& cfg, const std::string& config_json, const TrialOutcome& outcome) {
  writer_->write_trial_group(cfg, config_json, outcome);
  writer_->append_row(cfg, outcome, schema_.metric_columns);
  written_.insert(cfg.trial_id);
  ++rows_;
}

void ResultStore::append(const TrialConfig& cfg, const std::string& config_json, const TrialOutcome& outcome) {
  if (written_.count(cfg.trial_id)) return;  // exactly once, even if a trial were reported twice
  journal_->append(JournalRecordType::trial, serialize_trial(cfg.trial_id, cfg.model_name, config_json, outcome));
  write_record(cfg, config_json, outcome);
  writer_->file.flush();
  const double since = std::chrono::duration<double>(std::chrono::steady_clock::now() - last_publish_).count();
  if (since >= std::max(min_publish_interval_, 20.0 * last_publish_cost_)) publish();
}

void ResultStore::publish() {
  const auto t0 = std::chrono::steady_clock::now();
  writer_->file.flush();
  const std::string tmp = out_ + ".tmp";
  fs::copy_file(work_path(), tmp, fs::copy_options::overwrite_existing);
  fsync_path(tmp, false);
  fs::rename(tmp, out_);
  fsync_path(parent_dir(out_), true);
  last_publish_ = std::chrono::steady_clock::now();
  last_publish_cost_ = std::chrono::duration<double>(last_publish_ - t0).count();
}

void ResultStore::finish() {
  writer_->file.flush();
  writer_.reset();  // closes the working file
  fsync_path(work_path(), false);
  fs::rename(work_path(), out_);
  fsync_path(parent_dir(out_), true);
  finished_ = true;
}

}  // namespace kanscan::io
