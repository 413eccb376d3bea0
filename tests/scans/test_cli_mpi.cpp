#include <gtest/gtest.h>

#include <tuple>

#include "tests/scans/scan_test_util.hpp"
#include "tests/support/support.hpp"

using namespace kanscan::test;

TEST(CliMpi, InfoUnderMpiexecTwoAndThreeRanks) {
  if (!built_with_mpi()) GTEST_SKIP() << "built without MPI";
  for (int n : {2, 3}) {
    auto r = run_command(mpiexec_prefix(n) + kanscan_binary() + " info");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("all " + std::to_string(n) + " rank(s) answered"), std::string::npos) << r.output;
  }
}

// Under mpiexec a signal to the ranks (Ctrl-C of the process group, `scancel --signal`, `kill`
// of the kanscan processes) stops the scan with the signal's exit code, 130 or 143, which
// mpiexec passes on. A signal to mpiexec itself is turned into SIGTERM for the ranks and mpiexec
// exits 1 whatever they return (Open MPI's behaviour): the message says so.
TEST(CliMpi, SignalsUnderMpiexecStopTheScanWithTheirCodes) {
  if (!built_with_mpi()) GTEST_SKIP() << "built without MPI";
  TempDir dir;
  write_file(dir / "scan.yaml",
             "name: sig\ntask: classification\ndata: {generator: tth_thq, events: 4000}\n"
             "train: {epochs: 100000, batch_size: 64, early_stopping: {patience: 0}}\nseeds: [1, 2, 3]\n"
             "models:\n  - type: kan\n    depth: 1\n    width: 8\n");
  std::string log;
  auto start = [&](const std::string& out) {
    log = (dir / (out + ".log")).string();
    const pid_t pid = launch(mpiexec_prefix(2) + kanscan_binary() + " run " + (dir / "scan.yaml").string() + " --out " +
                             (dir / out).string() + " --cache-dir " + (dir / "cache").string() + " > " + log + " 2>&1");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (read_file(log).find("running 3 trials") == std::string::npos && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return pid;
  };
  for (const auto& [sig, code, name] : {std::tuple{SIGINT, 130, "SIGINT"}, std::tuple{SIGTERM, 143, "SIGTERM"}}) {
    const pid_t mpiexec = start(std::string(name) + ".h5");
    for (int rank : {0, 1}) {
      const pid_t p = rank_pid(mpiexec, rank);
      ASSERT_GT(p, 0);
      kill(p, sig);
    }
    EXPECT_EQ(wait_for(mpiexec, std::chrono::seconds(120)), code) << read_file(log);
    EXPECT_NE(read_file(log).find(std::string("stopped by ") + name), std::string::npos) << read_file(log);
  }
  // mpiexec signalled: it exits 1, and may stop relaying the ranks' output (or kill them)
  // before they finish; the results file opens whatever the moment, as after kill -9.
  const pid_t mpiexec = start("mpiexec.h5");
  kill(mpiexec, SIGINT);
  EXPECT_EQ(wait_for(mpiexec, std::chrono::seconds(120)), 1) << read_file(log);
  EXPECT_GE(trials_rows((dir / "mpiexec.h5").string()), 0) << read_file(log);
}
