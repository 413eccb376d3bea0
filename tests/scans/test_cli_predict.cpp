// `kanscan predict` through the built binary: the output, and the exit codes that tell a bad
// input (2) from a write that failed (1).
#include <gtest/gtest.h>

#include <filesystem>

#include "io/h5.hpp"
#include "tests/analysis/fixture.hpp"
#include "tests/support/support.hpp"

using namespace kanscan;
using namespace kanscan::test;

namespace {

struct PredictSetup {
  TempDir dir;
  std::string results, data;
  PredictSetup() : results((dir / "r.h5").string()), data((dir / "d.h5").string()) {
    std::vector<FixtureTrial> trials{standard_trial("aaa", "kan", "ok", 1, 100, 0, 1, 5, 0.8)};
    trials[0].with_model = true;
    write_results_fixture(results, standard_columns(), trials);  // a KAN on 3 features
    h5::File f(data, h5::File::Mode::create_truncate);
    f.root().write("features", std::vector<float>{0.1f, 0.2f, 0.3f, -0.5f, 0.0f, 0.5f}, {2, 3});
  }
  std::string cmd(const std::string& data_file, const std::string& out) const {
    return kanscan_binary() + " predict " + results + " --trial aaa --data " + data_file + " --out " + out;
  }
};

}  // namespace

TEST(CliPredict, WritesPredictionsAndNoTemporary) {
  PredictSetup s;
  const auto out = (s.dir / "p.h5").string();
  const auto r = run_command(s.cmd(s.data, out));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  h5::File f(out, h5::File::Mode::read_only);
  EXPECT_EQ(f.root().shape_of("predictions"), (std::vector<std::size_t>{2}));
  EXPECT_EQ(f.root().attr_string("trial_id"), "aaa");
  for (const auto& e : std::filesystem::directory_iterator(s.dir.path()))
    EXPECT_EQ(e.path().extension(), ".h5") << "left a temporary file: " << e.path();
}

TEST(CliPredict, AnUnwritableOutputExitsTwo) {
  // A folder where no file can be created is a bad argument, found first (exit 2); a write that
  // fails later is exit 1 (tests/scans/slow_fault_writes.cpp).
  PredictSetup s;
  const auto r = run_command(s.cmd(s.data, "/proc/kanscan_predict_test.h5"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("cannot create files"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("/proc/kanscan_predict_test.h5"), std::string::npos) << r.output;
  // A folder that does not exist is a bad argument, as for `run` and `generate`.
  const auto m = run_command(s.cmd(s.data, (s.dir / "no/such/p.h5").string()));
  EXPECT_EQ(m.exit_code, 2) << m.output;
  EXPECT_NE(m.output.find("folder does not exist"), std::string::npos) << m.output;
}

TEST(CliPredict, ABadDataFileExitsTwo) {
  PredictSetup s;
  const auto out = (s.dir / "p.h5").string();
  write_file(s.dir / "text.h5", "not hdf5");
  auto r = run_command(s.cmd((s.dir / "text.h5").string(), out));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("not an HDF5 file"), std::string::npos) << r.output;
  r = run_command(s.cmd((s.dir / "missing.h5").string(), out));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("does not exist"), std::string::npos) << r.output;
  {
    h5::File f((s.dir / "nan.h5").string(), h5::File::Mode::create_truncate);
    f.root().write("features", std::vector<float>{0.1f, std::nanf(""), 0.3f}, {1, 3});
  }
  r = run_command(s.cmd((s.dir / "nan.h5").string(), out));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("non-finite"), std::string::npos) << r.output;
  {
    h5::File f((s.dir / "names.h5").string(), h5::File::Mode::create_truncate);
    f.root().write("x", std::vector<float>{1});
  }
  r = run_command(s.cmd((s.dir / "names.h5").string(), out));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("/features"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(out));
}
