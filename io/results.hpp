#pragma once
// ResultStore: the single writer of a scan's results (rank 0 only).
//
// Crash safety: an HDF5 1.10 file is not crash-safe; a writer killed mid-write can leave it
// unreadable (only SWMR mode, single writer appending to pre-created datasets, avoids that). So
//  1. every finished trial is first appended to the checksummed journal `<out>.journal` (fsync);
//  2. then written into a working HDF5 file `<out>.work` that is flushed;
//  3. the file users see, `<out>`, is only ever replaced by rename(2) of a complete copy
//     ("publish": at start, at most every few seconds while running, and at the end).
// A kill -9 at any moment therefore leaves `<out>` a complete HDF5 file (possibly a few trials
// behind) and the journal with every finished trial; resume rebuilds the working file from the
// journal, so no trial is lost or duplicated.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "types/trial.hpp"
#include "io/journal.hpp"

namespace kanscan::io {

// 2: the additions of the second contract (validation metrics, test-sample errors, basis, pruned and
// symbolic results, data fingerprints, ...); readers accept 1 and 2.
inline constexpr std::int64_t kSchemaVersion = 2;

struct StoreSchema {
  std::string scan_name;
  Task task = Task::classification;
  std::string config_yaml;                  // the scan definition as given
  std::vector<std::string> overrides;       // `--set KEY=VALUE` on top of it (/scan/overrides)
  std::string scan_file;                    // absolute path of the YAML file (/scan attribute `scan_file`)
  std::vector<std::string> metric_columns;  // /trials metric columns, in order
  std::int64_t trials_expected = 0;         // size of the expansion (root attribute)
  std::string created_utc;                  // filled by the store (kept across resumes)
  // io::data_fingerprint of the scan's data ("" = unknown): the /scan attribute and each
  // /trial/<id> attribute `data_fingerprint`; a resume with another one is refused.
  std::string data_fingerprint;
};

// Metric columns of /trials for a task (docs/scan-format.md, "/trials"): test_loss, test_auc,
// test_accuracy (classification); test_loss, test_mae, test_rmse, then test_mae_<t>
// (standardised) and test_mae_gev_<t> (physical units) per target (regression). Then the second
// contract's: the validation metrics of the trained model (val_loss, val_auc, val_accuracy;
// val_loss, val_mae, val_mae_<t>), the test-sample standard errors (test_auc_err,
// test_accuracy_err; test_mae_err, test_mae_err_<t>), best_epoch, infer_flops, train_flops.
std::vector<std::string> metric_columns(Task task, const std::vector<std::string>& target_names);
// Whether every recorded column is still a column (a resume by a newer build adds columns).
bool extends_metric_columns(const std::vector<std::string>& recorded, const std::vector<std::string>& now);

// The planned configuration of a trial id, or null when the scan does not define it: how the
// store gets the typed config of a journal record on resume (it never re-parses JSON).
using PlannedLookup = std::function<const TrialConfig*(const std::string& trial_id)>;

struct ResumeState {
  bool found = false;                            // a journal of an earlier run was read
  std::map<std::string, std::string> completed;  // trial id -> status (ok | failed)
  std::map<std::string, std::map<std::string, double>> metrics;  // trial id -> its metrics
  std::string previous_yaml;                     // the scan definition the journal last recorded
  std::vector<std::string> previous_overrides;   // and its --set overrides
  std::uint64_t torn_bytes = 0;                  // cut from the journal's tail
  std::size_t duplicates_dropped = 0;
};

class ResultStore {
 public:
  enum class Mode { create, resume };
  // create: refuses when `<out>` or its journal exists. resume: reads the journal (creating a
  // new scan when there is none), rebuilds the working file from it with the planned configs
  // and publishes it; a journal holding a trial the scan no longer defines is refused
  // (InputError) before anything is published.
  ResultStore(const std::string& out_path, StoreSchema schema, Mode mode, const PlannedLookup& planned = nullptr);
  ~ResultStore();
  ResultStore(const ResultStore&) = delete;
  ResultStore& operator=(const ResultStore&) = delete;

  const ResumeState& resume_state() const { return resume_; }
  // Records a new scan definition in the journal (resume with a changed YAML that only adds trials).
  void record_config(const std::string& config_yaml, const std::vector<std::string>& overrides,
                     std::int64_t trials_expected);

  // A finished trial: journal first (fsync), then the working file; publishes when due.
  // `config` is the planned trial (trial_id and model_name included), `config_json` its
  // canonical JSON.
  void append(const TrialConfig& config, const std::string& config_json, const TrialOutcome& outcome);
  // Makes `<out>` reflect everything appended so far (atomic replace).
  void publish();
  // Final publish; the working file becomes `<out>`. After a failed write (broken()) the
  // published file stays the last complete copy and the working file is removed.
  void finish();
  // A write to the working file failed (disk full): nothing more is recorded; every trial the
  // journal holds is rebuilt by `--resume`.
  bool broken() const { return broken_; }

  // Seconds between publishes: at least min_interval, and at least 20x the last publish time
  // (so copying never costs more than ~5% of the scan).
  void set_publish_interval(double seconds) { min_publish_interval_ = seconds; }
  const std::string& path() const { return out_; }
  std::string journal_path() const { return out_ + ".journal"; }
  std::string work_path() const { return out_ + ".work"; }
  std::size_t rows() const { return rows_; }
  // Trials the journal holds (replayed and appended): what a resume finds.
  std::size_t journaled() const { return journaled_; }

 private:
  struct Writer;
  void open(Mode mode, const PlannedLookup& planned);
  void open_work();
  void write_record(const TrialConfig& config, const std::string& config_json, const TrialOutcome& outcome,
                    const std::string& fingerprint);
  void replay(const PlannedLookup& planned);
  void check_fingerprint(const std::string& recorded) const;
  // Runs a step that writes the working file; on any failure gives the file up (abandon_work).
  void guard(const std::function<void()>& step);
  void abandon_work() noexcept;

  std::string out_;
  StoreSchema schema_;
  ResumeState resume_;
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<Writer> writer_;
  std::set<std::string> written_;
  std::size_t rows_ = 0;
  std::size_t journaled_ = 0;
  double min_publish_interval_ = 2.0;
  double last_publish_cost_ = 0.0;
  std::chrono::steady_clock::time_point last_publish_;
  bool finished_ = false;
  bool broken_ = false;
  std::string record_fingerprint_;  // of the journal header being replayed
};

// Header record of the journal (JSON).
std::string header_json(const StoreSchema& s);
StoreSchema parse_header_json(const std::string& json);

}  // namespace kanscan::io
