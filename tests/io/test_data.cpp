// io::load_data: generate-and-cache, user files, the seeded split.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <set>

#include "framework/error.hpp"
#include "io/data.hpp"
#include "io/generators/registry.hpp"
#include "io/h5.hpp"
#include "io/readers.hpp"
#include "tests/support/support.hpp"

using namespace kanscan;
namespace fs = std::filesystem;

namespace {

DataConfig gen_config(const std::string& generator, std::int64_t events, std::uint64_t seed = 7) {
  DataConfig c;
  c.generator = generator;
  c.events = events;
  c.seed = seed;
  return c;
}

std::vector<fs::path> h5_files(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".h5") out.push_back(e.path());
  return out;
}

}  // namespace

TEST(LoadData, GeneratesOnceThenReadsTheCache) {
  test::TempDir dir;
  const DataConfig cfg = gen_config("tth_thq", 1000);
  const DataSplit a = io::load_data(cfg, Task::classification, dir.path().string());
  ASSERT_EQ(h5_files(dir.path()).size(), 1u);
  const fs::path file = h5_files(dir.path())[0];
  const auto mtime = fs::last_write_time(file);
  const DataSplit b = io::load_data(cfg, Task::classification, dir.path().string());
  EXPECT_EQ(h5_files(dir.path()).size(), 1u);
  EXPECT_EQ(fs::last_write_time(file), mtime) << "the cached file must be reused, not regenerated";
  EXPECT_EQ(a.train.features, b.train.features);
  EXPECT_EQ(a.test.index, b.test.index);
  EXPECT_FALSE(fs::exists(file.string() + ".lock"));
  // A different seed, event count or knob is a different dataset.
  DataConfig other = cfg;
  other.knobs["p_fsr"] = 0.3;
  io::load_data(other, Task::classification, dir.path().string());
  other.knobs.clear();
  other.seed = 8;
  io::load_data(other, Task::classification, dir.path().string());
  EXPECT_EQ(h5_files(dir.path()).size(), 3u);
  // Explicit default knobs are the same dataset as no knobs.
  DataConfig same = cfg;
  same.knobs["P_FSR"] = 0.25;
  io::load_data(same, Task::classification, dir.path().string());
  EXPECT_EQ(h5_files(dir.path()).size(), 3u);
}

TEST(LoadData, SplitIsDisjointCompleteAndSeeded) {
  test::TempDir dir;
  DataConfig cfg = gen_config("tth_thq", 1001);
  cfg.train = 0.5, cfg.val = 0.3, cfg.test = 0.2;
  const DataSplit s = io::load_data(cfg, Task::classification, dir.path().string());
  EXPECT_EQ(s.train.size(), 501u);  // round(500.5) = 501 (llround rounds half away from zero)
  EXPECT_EQ(s.val.size(), 300u);
  EXPECT_EQ(s.test.size(), 200u);
  std::set<std::int64_t> rows;
  for (const Dataset* d : {&s.train, &s.val, &s.test}) {
    EXPECT_EQ(d->index.size(), d->size());
    EXPECT_EQ(d->labels.size(), d->size());
    EXPECT_EQ(d->n_features(), 22u);
    EXPECT_EQ(d->n_classes, 2);
    rows.insert(d->index.begin(), d->index.end());
  }
  EXPECT_EQ(rows.size(), 1001u);
  EXPECT_EQ(*rows.begin(), 0);
  EXPECT_EQ(*rows.rbegin(), 1000);
  // The rows really are the file's rows.
  const auto file = h5_files(dir.path())[0];
  h5::File f(file.string(), h5::File::Mode::read_only);
  const auto feats = f.root().read_float("features");
  const auto r = static_cast<std::size_t>(s.test.index[3]);
  for (std::size_t j = 0; j < 22; ++j) EXPECT_EQ(s.test.features(3, static_cast<Eigen::Index>(j)), feats.data[r * 22 + j]);
  // Another split seed permutes differently; the same one reproduces.
  DataConfig c2 = cfg;
  c2.seed = 7;
  EXPECT_EQ(io::load_data(c2, Task::classification, dir.path().string()).train.index, s.train.index);
}

TEST(LoadData, BadSplitAndTaskMismatchAreInputErrors) {
  test::TempDir dir;
  DataConfig cfg = gen_config("tth_thq", 200);
  cfg.train = 0.6, cfg.val = 0.3, cfg.test = 0.2;
  EXPECT_THROW(io::load_data(cfg, Task::classification, dir.path().string()), InputError);
  cfg.test = 0.1;
  EXPECT_THROW(io::load_data(cfg, Task::regression, dir.path().string()), InputError);
  cfg.knobs["no_such_knob"] = 1;
  try {
    io::load_data(cfg, Task::classification, dir.path().string());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("p_fsr"), std::string::npos) << "lists the valid knobs: " << e.what();
  }
  DataConfig both = gen_config("dm_met", 10);
  both.path = "x.h5";
  EXPECT_THROW(io::load_data(both, Task::regression, dir.path().string()), InputError);
  EXPECT_THROW(io::load_data(gen_config("nope", 10), Task::regression, dir.path().string()), InputError);
  EXPECT_THROW(io::load_data(gen_config("dm_met", 0), Task::regression, dir.path().string()), InputError);
}

TEST(LoadData, FeatureSelectionByName) {
  test::TempDir dir;
  DataConfig cfg = gen_config("dm_met", 300);
  cfg.features = {"met", "pt_l"};
  const DataSplit s = io::load_data(cfg, Task::regression, dir.path().string());
  EXPECT_EQ(s.train.feature_names, (std::vector<std::string>{"met", "pt_l"}));
  EXPECT_EQ(s.train.n_features(), 2u);
  EXPECT_EQ(s.train.n_targets(), 6u);
  EXPECT_TRUE(s.train.labels.empty());
  for (Eigen::Index i = 0; i < s.train.features.rows(); ++i) EXPECT_GE(s.train.features(i, 1), 25.0f);
  cfg.features = {"met", "bogus"};
  try {
    io::load_data(cfg, Task::regression, dir.path().string());
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bogus"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("mt_w"), std::string::npos) << "lists available names: " << e.what();
  }
}

TEST(LoadData, UserHdf5FileThroughLoadData) {
  test::TempDir dir;
  const std::string path = (dir / "user.h5").string();
  {
    h5::File f(path, h5::File::Mode::create_truncate);
    auto root = f.root();
    std::vector<float> x(40 * 3);
    std::vector<std::int32_t> y(40);
    for (std::size_t i = 0; i < 40; ++i) {
      y[i] = static_cast<std::int32_t>(i % 2);
      for (std::size_t j = 0; j < 3; ++j) x[i * 3 + j] = static_cast<float>(i * 10 + j);
    }
    root.write("features", x, {40, 3});
    root.write("labels", y);
    root.write("weights", std::vector<float>(40, 2.0f));
  }
  DataConfig cfg;
  cfg.path = path;
  cfg.train = 0.5, cfg.val = 0.25, cfg.test = 0.25;
  const DataSplit s = io::load_data(cfg, Task::classification, "");
  EXPECT_EQ(s.train.size() + s.val.size() + s.test.size(), 40u);
  EXPECT_EQ(s.train.feature_names, (std::vector<std::string>{"f0", "f1", "f2"}));
  for (std::size_t i = 0; i < s.test.size(); ++i) {
    const auto r = s.test.index[i];
    EXPECT_EQ(s.test.features(static_cast<Eigen::Index>(i), 0), static_cast<float>(r * 10));
    EXPECT_EQ(s.test.labels[i], r % 2);
    EXPECT_EQ(s.test.weights[i], 2.0f);
  }
}

TEST(LoadData, StaleLockIsTakenOverAndAValidCacheNeedsNoLock) {
  test::TempDir dir;
  const DataConfig cfg = gen_config("dm_met", 200);
  // Learn the cache file name, then remove it and leave a stale lock from a "dead" process.
  io::load_data(cfg, Task::regression, dir.path().string());
  const fs::path file = h5_files(dir.path())[0];
  fs::remove(file);
  const fs::path lock = file.string() + ".lock";
  test::write_file(lock, "99999999");
  fs::last_write_time(lock, fs::file_time_type::clock::now() - std::chrono::hours(13));
  const DataSplit s = io::load_data(cfg, Task::regression, dir.path().string());
  EXPECT_EQ(s.train.size() + s.val.size() + s.test.size(), 200u);
  EXPECT_TRUE(fs::exists(file));
  EXPECT_FALSE(fs::exists(lock));
  // A fresh lock held by another writer does not block reading an already valid file.
  test::write_file(lock, "1");
  EXPECT_EQ(io::load_data(cfg, Task::regression, dir.path().string()).train.index, s.train.index);
  fs::remove(lock);
  // A corrupt cache file (wrong key) is regenerated, not used.
  test::write_file(file, "garbage");
  EXPECT_EQ(io::load_data(cfg, Task::regression, dir.path().string()).train.features, s.train.features);
}

// The fingerprint follows every array a scan trains on, and nothing else.
TEST(DataFingerprint, ChangesWithEveryArrayAndOnlyWithThem) {
  Dataset d;
  d.features = RowMatrixXf::Zero(4, 2);
  for (int i = 0; i < 4; ++i) d.features(i, 0) = static_cast<float>(i), d.features(i, 1) = static_cast<float>(-i);
  d.labels = {0, 1, 0, 1};
  d.n_classes = 2;
  d.feature_names = {"a", "b"};
  d.index = {0, 1, 2, 3};
  const std::string fp = io::data_fingerprint(d);
  EXPECT_EQ(fp.size(), 5u + 16u);
  EXPECT_EQ(fp.rfind("xxh3:", 0), 0u);
  EXPECT_EQ(io::data_fingerprint(d), fp);
  Dataset e = d;
  e.index = {7, 8, 9, 10};  // where the rows came from is not what is trained on
  EXPECT_EQ(io::data_fingerprint(e), fp);
  auto differs = [&](const std::function<void(Dataset&)>& change) {
    Dataset x = d;
    change(x);
    return io::data_fingerprint(x) != fp;
  };
  EXPECT_TRUE(differs([](Dataset& x) { x.features(2, 1) = 0.5f; }));
  EXPECT_TRUE(differs([](Dataset& x) { x.labels[3] = 0; }));
  EXPECT_TRUE(differs([](Dataset& x) { x.feature_names = {"b", "a"}; }));
  EXPECT_TRUE(differs([](Dataset& x) { x.weights = {1, 1, 1, 1}; }));
  EXPECT_TRUE(differs([](Dataset& x) { x.n_classes = 3; }));
  EXPECT_TRUE(differs([](Dataset& x) {  // the same numbers in another shape
    x.features.resize(2, 4);
    x.features.setZero();
  }));
}

// load_data fingerprints what it returns: the same file gives the same fingerprint, another
// row selection another one.
TEST(DataFingerprint, LoadDataRecordsIt) {
  test::TempDir dir;
  const auto path = (dir / "d.h5").string();
  {
    h5::File f(path, h5::File::Mode::create_truncate);
    std::vector<float> x(40);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i % 7);
    std::vector<std::int64_t> y;
    for (int i = 0; i < 20; ++i) y.push_back(i % 2);
    f.root().write("features", x, {20, 2});
    f.root().write("labels", y);
    f.close();
  }
  DataConfig cfg;
  cfg.path = path;
  const DataSplit a = io::load_data(cfg, Task::classification, "");
  EXPECT_EQ(a.fingerprint, io::load_data(cfg, Task::classification, "").fingerprint);
  cfg.events = 18;
  EXPECT_NE(io::load_data(cfg, Task::classification, "").fingerprint, a.fingerprint);
}
