#include <gtest/gtest.h>

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
