#include <gtest/gtest.h>

#include "tests/support/support.hpp"

using namespace kanscan::test;

TEST(Cli, HelpListsOnlyWorkingCommands) {
  auto r = run_command(kanscan_binary() + " --help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("info"), std::string::npos);
}

TEST(Cli, VersionCarriesVersionString) {
  auto r = run_command(kanscan_binary() + " --version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("kanscan 0."), std::string::npos) << r.output;
}

TEST(Cli, UnknownCommandAndOptionExitTwo) {
  EXPECT_EQ(run_command(kanscan_binary() + " frobnicate").exit_code, 2);
  EXPECT_EQ(run_command(kanscan_binary() + " info --bogus").exit_code, 2);
  EXPECT_EQ(run_command(kanscan_binary()).exit_code, 2);
}

TEST(Cli, InfoRunsSerially) {
  auto r = run_command(kanscan_binary() + " info");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("all 1 rank(s) answered"), std::string::npos) << r.output;
}
