// Journal and ResultStore: bit-exact record round trip, torn and corrupt tails, locking, the
// create/resume rules, rebuilding a destroyed results file from the journal.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "framework/error.hpp"
#include "io/config.hpp"
#include "io/h5.hpp"
#include "io/journal.hpp"
#include "io/results.hpp"
#include "tests/support/support.hpp"

using namespace kanscan;
using namespace kanscan::io;
using kanscan::test::TempDir;

namespace {

// A finished trial as the store receives it, and as the journal records it.
struct Finished : TrialRecord {
  TrialConfig config;
};

Finished make_record(int i, bool ok = true) {
  TrialConfig cfg;
  cfg.seed = static_cast<std::uint64_t>(i);
  cfg.model.width = 3 + i;
  DataConfig data;
  data.generator = "tth_thq";
  data.events = 100;
  Finished r;
  r.config_json = canonical_json(cfg, data);
  r.trial_id = fmt::format("{:016x}", 0x1000 + i);
  r.model_name = "kan";
  r.config = cfg;
  r.config.trial_id = r.trial_id;
  r.config.model_name = r.model_name;
  TrialOutcome& o = r.outcome;
  o.ok = ok;
  o.error = ok ? "" : "loss became NaN";
  o.epochs_run = 2;
  o.train_seconds = 0.125 * i;
  o.n_params = 100 + i;
  o.history.epoch = {1, 2};
  o.history.train_loss = {0.7, 0.1 + 1e-17 * i};
  o.history.val_loss = {0.8, 0.3};
  o.history.val_metric = {0.6, 0.7};
  o.history.val_metric_name = "val_auc";
  if (ok) {
    o.metrics = {{"test_auc", 0.75 + i * 1e-3}, {"test_accuracy", 0.7}, {"test_loss", 0.5}, {"extra_metric", 3.0}};
    o.roc_fpr = {0, 0.5, 1};
    o.roc_tpr = {0, 0.8, 1};
    o.test_predictions.resize(3, 1);
    o.test_predictions << 0.1f, 0.2f, 0.3f;
    o.test_index = {7, 8, 9};
    o.model.task = Task::classification;
    o.model.output = OutputKind::sigmoid;
    o.model.input_mean = {0.5, -0.25};
    o.model.input_std = {1.0, 2.0};
    LayerState l;
    l.kind = LayerKind::kan;
    l.tensors["base_weight"] = Tensor{{1, 2}, {0.1 * i, -0.3}};
    l.grid_size = 5;
    l.spline_order = 3;
    o.model.layers.push_back(l);
    LayerState d;
    d.kind = LayerKind::linear;
    d.tensors["weight"] = Tensor{{1, 1}, {2.0}};
    d.activation = Activation::leaky_relu;
    d.leaky_slope = 0.125;
    l = d;
    o.model.layers.push_back(l);
  }
  return r;
}

StoreSchema schema() {
  StoreSchema s;
  s.scan_name = "j";
  s.config_yaml = "name: j\n";
  s.metric_columns = metric_columns(Task::classification, {});
  s.trials_expected = 5;
  return s;
}

void append(ResultStore& s, const Finished& f) { s.append(f.config, f.config_json, f.outcome); }

// The plan of make_record(0..n-1).
struct Plan {
  std::map<std::string, Finished> trials;
  explicit Plan(int n) {
    for (int i = 0; i < n; ++i) {
      Finished f = make_record(i);
      trials[f.trial_id] = f;
    }
  }
  PlannedLookup lookup() const {
    return [this](const std::string& id) -> const TrialConfig* {
      const auto it = trials.find(id);
      return it == trials.end() ? nullptr : &it->second.config;
    };
  }
};

std::size_t count_records(const std::string& journal) {
  std::size_t n = 0;
  Journal::read(journal, [&](JournalRecordType t, const std::string&) { n += t == JournalRecordType::trial; });
  return n;
}

}  // namespace

TEST(Journal, RecordRoundTripIsBitExact) {
  const TrialRecord r = make_record(3);
  const std::string bytes = serialize(r);
  const TrialRecord back = deserialize_record(bytes);
  EXPECT_EQ(serialize(back), bytes);
  EXPECT_EQ(back.outcome.history.train_loss[1], r.outcome.history.train_loss[1]);
  ASSERT_EQ(back.outcome.model.layers.size(), 2u);
  EXPECT_EQ(back.outcome.model.layers[0].kind, LayerKind::kan);
  EXPECT_EQ(back.outcome.model.layers[0].grid_size, 5);
  EXPECT_EQ(back.outcome.model.layers[1].activation, Activation::leaky_relu);
  EXPECT_EQ(back.outcome.model.layers[1].leaky_slope, 0.125);
  EXPECT_THROW(deserialize_record(bytes.substr(0, bytes.size() - 3)), InputError);
}

TEST(Journal, TornTailIsCutAndAppendsContinueAfterTheLastGoodRecord) {
  TempDir dir;
  const std::string path = (dir / "x.journal").string();
  {
    Journal j(path, nullptr);
    for (int i = 0; i < 3; ++i) j.append(JournalRecordType::trial, serialize(make_record(i)));
  }
  const auto full = std::filesystem::file_size(path);
  std::filesystem::resize_file(path, full - 10);  // a crash in the middle of the last record
  std::uint64_t torn = 0;
  std::size_t seen = 0;
  Journal::read(path, [&](JournalRecordType, const std::string&) { ++seen; }, &torn);
  EXPECT_EQ(seen, 2u);
  EXPECT_GT(torn, 0u);
  {
    Journal j(path, nullptr);
    EXPECT_EQ(j.records(), 2u);
    EXPECT_EQ(j.torn_bytes(), torn);
    j.append(JournalRecordType::trial, serialize(make_record(7)));
  }
  std::vector<std::string> ids;
  Journal::read(path, [&](JournalRecordType, const std::string& p) { ids.push_back(deserialize_record(p).trial_id); });
  EXPECT_EQ(ids, (std::vector<std::string>{"0000000000001000", "0000000000001001", "0000000000001007"}));
}

TEST(Journal, CorruptPayloadFailsItsChecksum) {
  TempDir dir;
  const std::string path = (dir / "x.journal").string();
  {
    Journal j(path, nullptr);
    for (int i = 0; i < 2; ++i) j.append(JournalRecordType::trial, serialize(make_record(i)));
  }
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(-20, std::ios::end);
    f.put('\x5a');  // flip a byte inside the last payload
  }
  EXPECT_EQ(count_records(path), 1u);
}

TEST(Journal, ForeignFileIsRejectedAndSecondWriterIsLockedOut) {
  TempDir dir;
  kanscan::test::write_file(dir / "foreign", "this is not a kanscan journal at all");
  try {
    Journal j((dir / "foreign").string(), nullptr);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("not a kanscan journal"), std::string::npos) << e.what();
  }
  Journal first((dir / "y.journal").string(), nullptr);
  try {
    Journal second((dir / "y.journal").string(), nullptr);
    FAIL() << "second writer not refused";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("another kanscan process"), std::string::npos) << e.what();
  }
}

TEST(ResultStore, CreateRefusesExistingResultsAndResumeRebuildsFromTheJournal) {
  TempDir dir;
  const std::string out = (dir / "r.h5").string();
  {
    ResultStore s(out, schema(), ResultStore::Mode::create);
    append(s, make_record(0));
    append(s, make_record(1, false));
    append(s, make_record(1, false));  // reported twice: recorded once
    s.finish();
  }
  EXPECT_EQ(count_records(out + ".journal"), 2u);
  EXPECT_THROW(ResultStore(out, schema(), ResultStore::Mode::create), InputError);
  // Destroy the results file: resume rebuilds it from the journal.
  kanscan::test::write_file(out, "garbage, not HDF5");
  const Plan plan(3);
  {
    ResultStore s(out, schema(), ResultStore::Mode::resume, plan.lookup());
    EXPECT_EQ(s.resume_state().completed.size(), 2u);
    EXPECT_EQ(s.resume_state().completed.at("0000000000001001"), "failed");
    EXPECT_EQ(s.rows(), 2u);
    append(s, make_record(2));
    s.finish();
  }
  EXPECT_EQ(count_records(out + ".journal"), 3u);
  const auto r = kanscan::test::run_command(
      "/usr/bin/python3 -c \"import h5py, pandas as pd, math; f = h5py.File('" + out +
      "', 'r'); df = pd.DataFrame(f['trials'][:]); "
      "assert len(df) == 3 and df.trial_id.nunique() == 3; "
      "row = df[df.trial_id == b'0000000000001001'].iloc[0]; "
      "assert row.status == b'failed' and math.isnan(row.test_auc); "
      "assert f['trial/0000000000001001'].attrs['error'] == 'loss became NaN'; "
      "g = f['trial/0000000000001000']; assert g['model/layer_0'].attrs['kind'] == 'kan'; "
      "assert list(g['test_index'][:]) == [7, 8, 9]; print('ok')\"");
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

// A journal with a trial the plan does not define is refused before anything is published.
TEST(ResultStore, ResumeRefusesTrialsTheScanNoLongerDefines) {
  TempDir dir;
  const std::string out = (dir / "u.h5").string();
  {
    ResultStore s(out, schema(), ResultStore::Mode::create);
    for (int i = 0; i < 3; ++i) append(s, make_record(i));
    s.finish();
  }
  const std::string before = kanscan::test::read_file(out);
  const Plan plan(1);  // trials 1 and 2 are gone
  try {
    ResultStore s(out, schema(), ResultStore::Mode::resume, plan.lookup());
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("holds 2 finished trial(s) that this scan definition no longer defines"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(kanscan::test::read_file(out), before);
  EXPECT_FALSE(std::filesystem::exists(out + ".work"));
  EXPECT_EQ(count_records(out + ".journal"), 3u);
}

TEST(ResultStore, ResumeRefusesAJournalOfADifferentTask) {
  TempDir dir;
  const std::string out = (dir / "t.h5").string();
  {
    ResultStore s(out, schema(), ResultStore::Mode::create);
    s.finish();
  }
  StoreSchema other = schema();
  other.task = Task::regression;
  other.metric_columns = metric_columns(Task::regression, {"px"});
  try {
    ResultStore s(out, other, ResultStore::Mode::resume);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("task changed"), std::string::npos) << e.what();
  }
}

TEST(ResultStore, ResumeWithoutJournalButWithResultsIsRefused) {
  TempDir dir;
  const std::string out = (dir / "n.h5").string();
  kanscan::test::write_file(out, "x");
  try {
    ResultStore s(out, schema(), ResultStore::Mode::resume);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("has no journal"), std::string::npos) << e.what();
  }
}

// The data fingerprint: recorded in the header and per trial; a resume on other data is refused
// naming both; a journal from before fingerprints is resumed and records it from then on.
TEST(ResultStore, DataFingerprintIsRecordedAndAChangedOneRefused) {
  TempDir dir;
  const std::string out = (dir / "f.h5").string();
  const Plan plan(3);
  {
    ResultStore s(out, schema(), ResultStore::Mode::create);  // no fingerprint, as older journals
    append(s, make_record(0));
    s.finish();
  }
  StoreSchema with = schema();
  with.data_fingerprint = "xxh3:00000000000000aa";
  {
    ResultStore s(out, with, ResultStore::Mode::resume, plan.lookup());
    EXPECT_EQ(s.resume_state().completed.size(), 1u);
    append(s, make_record(1));
    s.finish();
  }
  {
    const h5::File f(out, h5::File::Mode::read_only);
    EXPECT_EQ(f.root().open_group("scan").attr_string("data_fingerprint"), with.data_fingerprint);
    EXPECT_FALSE(f.root().open_group("trial").open_group("0000000000001000").has_attr("data_fingerprint"));
    EXPECT_EQ(f.root().open_group("trial").open_group("0000000000001001").attr_string("data_fingerprint"),
              with.data_fingerprint);
  }
  const std::string before = kanscan::test::read_file(out);
  StoreSchema other = schema();
  other.data_fingerprint = "xxh3:00000000000000bb";
  try {
    ResultStore s(out, other, ResultStore::Mode::resume, plan.lookup());
    FAIL() << "no error";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("data changed"), std::string::npos) << m;
    EXPECT_NE(m.find("xxh3:00000000000000aa"), std::string::npos) << m;
    EXPECT_NE(m.find("xxh3:00000000000000bb"), std::string::npos) << m;
  }
  EXPECT_EQ(kanscan::test::read_file(out), before);
  EXPECT_FALSE(std::filesystem::exists(out + ".work"));
  ResultStore again(out, with, ResultStore::Mode::resume, plan.lookup());  // the same data: fine
  EXPECT_EQ(again.resume_state().completed.size(), 2u);
}

// A write that fails half way (a full disk; here a file-size limit) is cut off again: the
// journal ends with its last complete record, and a record appended once space is back is not
// hidden behind a torn one (which the next open would cut, with everything after it).
TEST(Journal, AFailedAppendIsCutSoTheNextRecordIsNotHidden) {
  TempDir dir;
  const std::string path = (dir / "j.journal").string();
  Journal j(path, nullptr);
  j.append(JournalRecordType::header, "header");
  const auto size = std::filesystem::file_size(path);
  struct rlimit old {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  const auto previous = signal(SIGXFSZ, SIG_IGN);  // writes past the limit fail with EFBIG instead
  struct rlimit small = old;
  small.rlim_cur = size + 100;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  EXPECT_THROW(j.append(JournalRecordType::trial, std::string(1000, 'x')), IoError);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
  signal(SIGXFSZ, previous);
  EXPECT_EQ(std::filesystem::file_size(path), size);
  j.append(JournalRecordType::trial, "after");
  std::vector<std::string> payloads;
  std::uint64_t torn = 1;
  Journal::read(path, [&](JournalRecordType, const std::string& p) { payloads.push_back(p); }, &torn);
  EXPECT_EQ(payloads, (std::vector<std::string>{"header", "after"}));
  EXPECT_EQ(torn, 0u);
}
