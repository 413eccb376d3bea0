// Hostile and careless input through the real binary (one test per finding of a campaign of
// hostile cases): bounded thread counts, outputs that never replace an input or a foreign file,
// resume on changed data, predict by column name, damaged models, huge declared sizes,
// meaningless splits, the removed clip_predictions key, and exit codes and messages.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <regex>

#include "io/h5.hpp"
#include "io/journal.hpp"
#include "tests/scans/scan_test_util.hpp"
#include "tests/support/support.hpp"

using namespace kanscan;
using namespace kanscan::test;
namespace fs = std::filesystem;

namespace {

// A classification data file: /features [n, names] (value of row i, column j: a smooth function),
// /feature_names unless `names` is empty, /labels (i % classes, or `labels`), /weights when given.
void write_data(const fs::path& path, std::size_t n, std::vector<std::string> names,
                const std::vector<std::int64_t>& labels = {}, const std::vector<float>& weights = {},
                const std::vector<std::size_t>& order = {}) {
  const std::size_t f = names.empty() ? 3 : names.size();
  std::vector<float> x(n * f);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < f; ++j) {
      const std::size_t col = order.empty() ? j : order[j];  // the column's identity
      x[i * f + j] = static_cast<float>(std::sin(0.37 * static_cast<double>(i) + 1.3 * static_cast<double>(col)) +
                                        (i % 2 ? 0.5 * static_cast<double>(col) : 0.0));
    }
  std::vector<std::int64_t> y = labels;
  if (y.empty())
    for (std::size_t i = 0; i < n; ++i) y.push_back(static_cast<std::int64_t>(i % 2));
  h5::File file(path.string(), h5::File::Mode::create_truncate);
  {
    h5::Group root = file.root();
    root.write("features", x, {n, f});
    if (!names.empty()) root.write_strings("feature_names", names);
    root.write("labels", y);
    if (!weights.empty()) root.write("weights", std::vector<float>(weights));
  }
  file.close();
}

std::string scan_on(const std::string& data, const std::string& extra_data = "", const std::string& train = "") {
  return "name: robust\ntask: classification\ndata: {path: " + data + extra_data + "}\ntrain: {epochs: 1" + train +
         "}\nmodels:\n  - type: mlp\n    depth: 1\n    width: 4\n";
}

std::string k() { return kanscan_binary(); }

// A trained results file r.h5 on data.h5 (features a, b, c), and the id of its trial.
struct Trained {
  TempDir dir;
  std::string results, data, id;
  Trained() : results((dir / "r.h5").string()), data((dir / "data.h5").string()) {
    write_data(data, 200, {"a", "b", "c"});
    write_file(dir / "scan.yaml", scan_on("data.h5"));
    const auto r = run_command(k() + " run " + (dir / "scan.yaml").string() + " --out " + results);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    id = journal_records(results).at(0).trial_id;
  }
  std::string predict(const std::string& on, const std::string& out, const std::string& extra = "") const {
    return k() + " predict " + results + " --trial " + id + " --data " + on + " --out " + out + " " + extra;
  }
};

std::vector<float> predictions(const std::string& path) {
  const h5::File f(path, h5::File::Mode::read_only);
  return f.root().read_float("predictions").data;
}

void expect_exit(const CommandResult& r, int code, const std::vector<std::string>& parts) {
  EXPECT_EQ(r.exit_code, code) << r.output;
  for (const auto& p : parts) EXPECT_NE(r.output.find(p), std::string::npos) << "missing '" << p << "' in:\n" << r.output;
}

}  // namespace

// Item 2: a huge --threads crashed libgomp in predict and generate; every command bounds it.
TEST(CliRobust, ThreadsAreBoundedEverywhere) {
  Trained t;
  expect_exit(run_command(t.predict(t.data, (t.dir / "p.h5").string(), "--threads 100000")), 2, {"--threads"});
  expect_exit(run_command(k() + " generate tth_thq -n 10 --threads 100000 --out " + (t.dir / "g.h5").string()), 2,
              {"--threads"});
  expect_exit(run_command(k() + " run " + (t.dir / "scan.yaml").string() + " --threads 100000"), 2, {"--threads"});
  write_file(t.dir / "t.yaml", scan_on("data.h5") + "threads_per_trial: 100000\n");
  expect_exit(run_command(k() + " validate " + (t.dir / "t.yaml").string()), 2, {"threads_per_trial"});
  EXPECT_FALSE(fs::exists(t.dir / "p.h5"));
  EXPECT_FALSE(fs::exists(t.dir / "g.h5"));
}

// Item 3: predict/generate --out overwrote inputs, results files, text files and /dev/null.
TEST(CliRobust, OutputsNeverReplaceAnInputOrAForeignFile) {
  Trained t;
  const std::string data_before = read_file(t.data), results_before = read_file(t.results);
  const auto p = (t.dir / "p.h5").string();
  expect_exit(run_command(t.predict(t.data, t.data)), 2, {"--out", "is an input"});
  expect_exit(run_command(t.predict(t.data, t.results, "--force")), 2, {"is an input"});
  fs::create_symlink(t.data, t.dir / "link.h5");
  expect_exit(run_command(t.predict(t.data, (t.dir / "link.h5").string())), 2, {"is an input"});
  EXPECT_TRUE(read_file(t.data) == data_before);
  EXPECT_TRUE(read_file(t.results) == results_before);
  write_file(t.dir / "notes.txt", "my notes\n");
  expect_exit(run_command(t.predict(t.data, (t.dir / "notes.txt").string())), 2, {"exists and is not", "--force"});
  EXPECT_EQ(read_file(t.dir / "notes.txt"), "my notes\n");
  expect_exit(run_command(t.predict(t.data, "/dev/null")), 2, {"not a regular file"});
  expect_exit(run_command(t.predict(t.data, "/dev/null", "--force")), 2, {"not a regular file"});
  const auto dir_r = run_command(t.predict(t.data, t.dir.path().string()));
  expect_exit(dir_r, 2, {"is a directory"});
  EXPECT_EQ(dir_r.output.find("Success"), std::string::npos) << dir_r.output;
  // Its own kind is replaced; another kind only with --force.
  expect_exit(run_command(t.predict(t.data, p)), 0, {"wrote 200 predictions"});
  expect_exit(run_command(t.predict(t.data, p)), 0, {"wrote 200 predictions"});
  expect_exit(run_command(t.predict(t.data, (t.dir / "notes.txt").string(), "--force")), 0, {"wrote"});
  EXPECT_EQ(predictions((t.dir / "notes.txt").string()).size(), 200u);

  const auto g = (t.dir / "g.h5").string();
  auto gen = [&](const std::string& out, const std::string& extra = "") {
    return run_command(k() + " generate tth_thq -n 20 --out " + out + " " + extra);
  };
  write_file(t.dir / "other.txt", "text\n");
  const auto refused = gen((t.dir / "other.txt").string());
  expect_exit(refused, 2, {"exists and is not", "--force"});
  EXPECT_EQ(refused.output.find("simulated"), std::string::npos) << "refused only after generating:\n" << refused.output;
  EXPECT_EQ(read_file(t.dir / "other.txt"), "text\n");
  expect_exit(gen(t.results), 2, {"exists and is not"});
  EXPECT_TRUE(read_file(t.results) == results_before);
  expect_exit(gen("/dev/null", "--force"), 2, {"not a regular file"});
  expect_exit(gen(t.dir.path().string()), 2, {"is a directory"});
  expect_exit(gen(g), 0, {"wrote"});
  expect_exit(gen(g, "--seed 2"), 0, {"wrote"});
  expect_exit(gen((t.dir / "other.txt").string(), "--force"), 0, {"wrote"});
}

// Item 4: --resume with other data at the same path mixed trials of two datasets.
TEST(CliRobust, ResumeRefusesChangedDataNamingBothFingerprints) {
  Trained t;
  std::string recorded;
  {
    const h5::File f(t.results, h5::File::Mode::read_only);
    recorded = f.root().open_group("scan").attr_string("data_fingerprint");
    EXPECT_EQ(f.root().open_group("trial").open_group(t.id).attr_string("data_fingerprint"), recorded);
  }
  EXPECT_EQ(recorded.rfind("xxh3:", 0), 0u) << recorded;
  std::string header;
  io::Journal::read(t.results + ".journal", [&](io::JournalRecordType type, const std::string& payload) {
    if (type == io::JournalRecordType::header) header = payload;
  });
  EXPECT_NE(header.find(recorded), std::string::npos) << header;
  const std::string run = k() + " run " + (t.dir / "scan.yaml").string() + " --out " + t.results + " --resume";
  expect_exit(run_command(run), 0, {"already recorded"});  // the same data: fine
  const std::string before = read_file(t.results);
  write_data(t.data, 200, {"a", "b", "c"}, {}, {}, {2, 0, 1});  // the same shape, other values
  const auto r = run_command(run);
  expect_exit(r, 2, {"cannot resume: the data changed", recorded});
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.output, m, std::regex("now has fingerprint (xxh3:[0-9a-f]{16})"))) << r.output;
  EXPECT_NE(m[1].str(), recorded);
  EXPECT_TRUE(read_file(t.results) == before) << "the results file changed";
  EXPECT_FALSE(fs::exists(t.results + ".work"));
}

// Item 5: predict took columns by position (another order gave finite, wrong predictions).
TEST(CliRobust, PredictMatchesColumnsByName) {
  Trained t;
  {
    const h5::File f(t.results, h5::File::Mode::read_only);
    EXPECT_EQ(f.root().open_group("trial").open_group(t.id).open_group("model").attr_strings("feature_names"),
              (std::vector<std::string>{"a", "b", "c"}));
  }
  const auto p1 = (t.dir / "p1.h5").string(), p2 = (t.dir / "p2.h5").string();
  expect_exit(run_command(t.predict(t.data, p1)), 0, {"wrote"});
  const auto shuffled = (t.dir / "shuffled.h5").string();
  write_data(shuffled, 200, {"c", "a", "b"}, {}, {}, {2, 0, 1});  // the same columns, another order
  expect_exit(run_command(t.predict(shuffled, p2)), 0, {"wrote"});
  EXPECT_EQ(predictions(p1), predictions(p2));
  const auto missing = (t.dir / "missing.h5").string(), extra = (t.dir / "extra.h5").string(),
             unnamed = (t.dir / "unnamed.h5").string();
  write_data(missing, 10, {"a", "c"});
  expect_exit(run_command(t.predict(missing, p2)), 2, {"/feature_names", "missing b", "The model takes: a, b, c"});
  write_data(extra, 10, {"a", "b", "c", "d"});
  expect_exit(run_command(t.predict(extra, p2)), 2, {"not used by the model d"});
  write_data(unnamed, 10, {});
  expect_exit(run_command(t.predict(unnamed, p2)), 2, {"f0, f1, f2", "without /feature_names"});
  // A results file from before the names: by position, with a note.
  {
    h5::File f(t.results, h5::File::Mode::read_write);
    f.root().open_group("trial").open_group(t.id).open_group("model").remove_attr("feature_names");
    f.close();
  }
  expect_exit(run_command(t.predict(unnamed, p2)), 0, {"records no feature names", "taken in their order"});
  // NaN and inf are refused as `run` refuses them.
  {
    h5::File f((t.dir / "nan.h5").string(), h5::File::Mode::create_truncate);
    f.root().write("features", std::vector<double>{0.1, std::nan(""), 0.3, 1.0, INFINITY, 2.0}, {2, 3});
    f.close();
  }
  expect_exit(run_command(t.predict((t.dir / "nan.h5").string(), p2)), 2, {"non-finite"});
}

// Item 6: a results file whose model group was damaged was predicted from with exit 0.
TEST(CliRobust, ADamagedModelIsRefused) {
  Trained t;
  const std::string good = read_file(t.results);
  const auto p = (t.dir / "p.h5").string();
  auto damage = [&](const std::function<void(h5::Group&)>& how) {
    write_file(t.results, good);
    h5::File f(t.results, h5::File::Mode::read_write);
    {
      h5::Group model = f.root().open_group("trial").open_group(t.id).open_group("model");
      how(model);
    }
    f.close();
    return run_command(t.predict(t.data, p));
  };
  expect_exit(damage([](h5::Group& m) { m.remove("layer_1"); }), 2, {"damaged model", "n_layers says 2"});
  expect_exit(damage([](h5::Group& m) { m.set_attr("n_layers", std::int64_t{1}); m.remove("layer_1"); }), 2,
              {"damaged model", "cannot have 4 outputs"});
  expect_exit(damage([](h5::Group& m) {
                h5::Group l = m.open_group("layer_0");
                auto w = l.read_double("weight");
                w.data[1] = std::nan("");
                l.write("weight", w.data, w.shape);
              }),
              2, {"damaged model", "layer_0", "weight[1]"});
  expect_exit(damage([](h5::Group& m) { m.write("input_std", std::vector<double>{1.0, 0.0, 1.0}); }), 2,
              {"input_std[1]"});
  EXPECT_FALSE(fs::exists(p));
}

// Item 7: huge declared shapes ended in bad_alloc (exit 1, nothing named) or ran for minutes.
TEST(CliRobust, HugeDeclaredSizesAreRefusedNamingTheDataset) {
  TempDir dir;
  write_file(dir / "make.py",
             "import sys, h5py, numpy as np\n"
             "with h5py.File(sys.argv[1], 'w') as f:\n"
             "    f.create_dataset('features', shape=(int(sys.argv[2]), int(sys.argv[3])), dtype='f4')\n"
             "    f.create_dataset('labels', shape=(int(sys.argv[2]),), dtype='i8')\n");
  for (const auto& [name, rows, cols] : {std::tuple{"tall", "1000000000000", "4"}, std::tuple{"wide", "10", "100000000000"}}) {
    const auto path = (dir / (std::string(name) + ".h5")).string();
    ASSERT_EQ(run_command(fmt::format("/usr/bin/python3 {} {} {} {}", (dir / "make.py").string(), path, rows, cols)).exit_code, 0);
    write_file(dir / "scan.yaml", scan_on(std::string(name) + ".h5"));
    const auto v = run_command(k() + " validate " + (dir / "scan.yaml").string());
    expect_exit(v, 2, {path, "/features", "declares"});
    EXPECT_EQ(v.output.find("1215752192"), std::string::npos) << "1e11 truncated to 32 bits:\n" << v.output;
    expect_exit(run_command(k() + " run " + (dir / "scan.yaml").string() + " --out " + (dir / "r.h5").string()), 2,
                {"/features", "declares"});
    EXPECT_FALSE(fs::exists(dir / "r.h5"));
  }
  Trained t;
  expect_exit(run_command(t.predict((dir / "tall.h5").string(), (t.dir / "p.h5").string())), 2, {"/features", "declares"});
}

// Item 8: an empty split, zero weights and a stray label gave meaningless trials with exit 0.
TEST(CliRobust, MeaninglessSplitsAreRefusedByRunAndValidate) {
  TempDir dir;
  auto both = [&](const std::string& yaml, const std::vector<std::string>& parts) {
    write_file(dir / "scan.yaml", yaml);
    expect_exit(run_command(k() + " validate " + (dir / "scan.yaml").string()), 2, parts);
    expect_exit(run_command(k() + " run " + (dir / "scan.yaml").string() + " --out " + (dir / "r.h5").string()), 2, parts);
    EXPECT_FALSE(fs::exists(dir / "r.h5"));
  };
  write_data(dir / "d.h5", 20, {"a", "b", "c"});
  both(scan_on("d.h5", ", split: {train: 0.78, val: 0.2, test: 0.02}"), {"data.split", "test split is empty"});
  both(scan_on("d.h5", ", split: {train: 0.97, val: 0.02, test: 0.01}"), {"split is empty"});
  both("name: g\ntask: classification\ndata: {generator: tth_thq, events: 10, split: {train: 0.9, val: 0.06, test: 0.04}}\n"
       "models:\n  - type: mlp\n", {"test split is empty"});
  write_data(dir / "w.h5", 200, {"a", "b", "c"}, {}, std::vector<float>(200, 0.0f));
  both(scan_on("w.h5"), {"event weights", "sum to 0"});
  std::vector<std::int64_t> stray;
  for (int i = 0; i < 200; ++i) stray.push_back(i % 2);
  stray[17] = 2;
  write_data(dir / "s.h5", 200, {"a", "b", "c"}, stray);
  both(scan_on("s.h5"), {"no event of class 2", "class 2: 1"});
}

// Item 9: clip_predictions changed nothing, under different trial ids.
TEST(CliRobust, ClipPredictionsIsRemovedWithoutMovingIds) {
  TempDir dir;
  const std::string base = "name: c\ntask: classification\ndata: {generator: tth_thq, events: 100}\n"
                           "models:\n  - type: mlp\n    loss: [bce, mse]\n";
  auto ids = [&](const std::string& yaml) {
    write_file(dir / "c.yaml", yaml);
    return run_command(k() + " validate --trials " + (dir / "c.yaml").string());
  };
  const auto plain = ids(base);
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  const auto with_false = ids(base + "train: {clip_predictions: false}\n");
  expect_exit(with_false, 0, {"has no effect"});
  std::regex id_re("    ([0-9a-f]{16}) ");
  auto list = [&](const std::string& out) {
    std::vector<std::string> v;
    for (std::sregex_iterator it(out.begin(), out.end(), id_re), end; it != end; ++it) v.push_back((*it)[1]);
    return v;
  };
  EXPECT_EQ(list(with_false.output), list(plain.output));
  EXPECT_EQ(list(plain.output).size(), 2u);
  expect_exit(ids(base + "train: {clip_predictions: true}\n"), 2, {"train.clip_predictions", "this key was removed"});
  expect_exit(ids(base + "    clip_predictions: [true, false]\n"), 2, {"clip_predictions"});
}

// Item 10: messages and exit codes.
TEST(CliRobust, MessagesAndExitCodes) {
  TempDir dir;
  expect_exit(run_command(k() + " frobnicate"), 2, {"unknown command 'frobnicate'", "run"});
  expect_exit(run_command(k() + " runn x.yaml"), 2, {"did you mean 'run'"});
  const auto g = (dir / "g.h5").string();
  expect_exit(run_command(k() + " generate tth_thq -n 10 --seed -1 --out " + g), 2, {"--seed"});
  EXPECT_FALSE(fs::exists(g));
  write_data(dir / "d.h5", 100, {"a", "b", "c"});
  write_file(dir / "scan.yaml", scan_on("d.h5"));
  const std::string run = k() + " run " + (dir / "scan.yaml").string();
  expect_exit(run_command(run + " --out " + (dir / "r.h5").string() + " --publish-seconds nan"), 2, {"--publish-seconds"});
  expect_exit(run_command(run + " --out " + (dir / "r.h5").string() + " --progress-seconds nan"), 2, {"--progress-seconds"});
  write_file(dir / "afile", "x");
  expect_exit(run_command(run + " --out " + (dir / "r.h5").string() + " --cache-dir " + (dir / "afile").string()), 2,
              {"--cache-dir", "is not a folder"});
  const auto proc = run_command(run + " --out /proc/kanscan_robust_test.h5");
  expect_exit(proc, 2, {"/proc/kanscan_robust_test.h5", "cannot create files in the folder /proc"});
  EXPECT_EQ(proc.output.find("filesystem error"), std::string::npos) << proc.output;
  EXPECT_FALSE(fs::exists(dir / "r.h5"));
  // A NUL byte in the input no longer cuts the message short.
  write_file(dir / "nul.yaml", std::string("name: n\ntask: classification\n\"ab\\0cd\": 1\n"));
  expect_exit(run_command(k() + " validate " + (dir / "nul.yaml").string()), 2, {"ab\\0cd"});
  // A device named like a data file is refused before reading.
  fs::create_symlink("/dev/zero", dir / "zero.csv");
  write_file(dir / "zero.yaml", "name: z\ntask: classification\ndata: {path: zero.csv, label: y}\nmodels:\n  - type: mlp\n");
  expect_exit(run_command(k() + " run " + (dir / "zero.yaml").string() + " --out " + (dir / "z.h5").string()), 2,
              {"zero.csv", "not a regular file"});
  expect_exit(run_command(k() + " validate " + (dir / "zero.yaml").string()), 2, {"not a regular file"});
}
