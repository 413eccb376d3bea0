// `kanscan generate` through the real binary: output file, determinism across threads, and
// exit code 2 with a clear message for every kind of bad argument.
#include <gtest/gtest.h>

#include <filesystem>

#include "io/h5.hpp"
#include "tests/support/support.hpp"

using namespace kanscan;
using namespace kanscan::test;

namespace {

std::string gen_cmd(const std::string& args) { return kanscan_binary() + " generate " + args; }

}  // namespace

TEST(CliGenerate, WritesAFileIdenticalForAnyThreadCount) {
  TempDir dir;
  const auto a = (dir / "a.h5").string(), b = (dir / "b.h5").string();
  auto r = run_command(gen_cmd("tth_thq --events 400 --seed 3 --out " + a + " --threads 1"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("selection efficiency"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("tried events/s"), std::string::npos) << r.output;
  r = run_command(gen_cmd("tth_thq -n 400 -s 3 -o " + b + " -t 2"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  h5::File fa(a, h5::File::Mode::read_only), fb(b, h5::File::Mode::read_only);
  EXPECT_EQ(fa.root().read_float("features").data, fb.root().read_float("features").data);
  EXPECT_EQ(fa.root().read_int64("labels").data, fb.root().read_int64("labels").data);
  EXPECT_EQ(fa.root().attr_int("seed"), 3);
  EXPECT_EQ(fa.root().attr_string("generator"), "tth_thq");
  for (const auto& e : std::filesystem::directory_iterator(dir.path()))
    EXPECT_EQ(e.path().extension(), ".h5") << "left a temporary file: " << e.path();
}

TEST(CliGenerate, KnobsBySet) {
  TempDir dir;
  const auto a = (dir / "dm.h5").string();
  auto r = run_command(gen_cmd("dm_met --events 200 --out " + a + " --set m_phi=700 --set SM_FRACTION=0.5"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  h5::File f(a, h5::File::Mode::read_only);
  EXPECT_EQ(f.root().attr_double("knob_m_phi"), 700.0);
  EXPECT_EQ(f.root().attr_double("knob_sm_fraction"), 0.5);
  EXPECT_EQ(f.root().shape_of("targets"), (std::vector<std::size_t>{200, 6}));
  // --set takes one value per occurrence, so it may precede the positional task.
  r = run_command(gen_cmd("--set p_fsr=0.3 --set pu_jets=1 dm_met -n 50 -o " + a));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = run_command(gen_cmd("qcd_singletop --list-knobs"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("fnu_max"), std::string::npos) << r.output;
}

TEST(CliGenerate, BadArgumentsExitTwo) {
  TempDir dir;
  const auto out = (dir / "x.h5").string();
  struct Case {
    std::string args, expect;
  };
  const std::vector<Case> cases = {
      {"ttbar --events 10 --out " + out, "ttbar"},
      {"tth_thq --events 0 --out " + out, "events"},
      {"tth_thq --out " + out, "--events"},
      {"tth_thq --events 10", "--out"},
      {"tth_thq --events 10 --out " + out + " --set bogus=1", "valid knobs: p_fsr"},
      {"tth_thq --events 10 --out " + out + " --set p_fsr=abc", "knob=value"},
      {"tth_thq --events 10 --out " + out + " --set p_fsr", "knob=value"},
      {"tth_thq --events 10 --out " + out + " --set p_fsr=2", "[0, 1]"},
      {"qcd_singletop --events 10 --out " + out + " --set fnu_min=0.9", "fnu_max"},
      {"tth_thq --events 10 --out " + (dir / "no/such/dir/x.h5").string(), "does not exist"},
      {"tth_thq --events 10 --out " + out + " --threads -1", "threads"},
  };
  for (const auto& c : cases) {
    const auto r = run_command(gen_cmd(c.args));
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.output;
    EXPECT_NE(r.output.find(c.expect), std::string::npos) << c.args << "\n" << r.output;
    EXPECT_FALSE(std::filesystem::exists(out)) << c.args;
  }
}

TEST(CliGenerate, ListedInHelp) {
  const auto r = run_command(kanscan_binary() + " --help");
  EXPECT_NE(r.output.find("generate"), std::string::npos) << r.output;
}

// A folder where no file can be created is a bad argument, found before generating (exit 2);
// a write that fails later is exit 1 (tests/scans/slow_fault_writes.cpp).
TEST(CliGenerate, AnUnwritableOutputExitsTwoBeforeGenerating) {
  const auto r = run_command(gen_cmd("tth_thq --events 10 --out /proc/kanscan_generate_test.h5"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("/proc/kanscan_generate_test.h5"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("cannot create files"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("simulated"), std::string::npos) << r.output;
}
