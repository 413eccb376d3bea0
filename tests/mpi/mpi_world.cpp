// Runs under mpiexec at 1, 2 and 3 ranks (tests/CMakeLists: MPI_PROCS 1 2 3).
#include <gtest/gtest.h>

#include <string>

#include "framework/communicator.hpp"

namespace kanscan::test {
extern Communicator* g_world;
}
using kanscan::test::g_world;

TEST(MpiWorld, RingPassesATokenThroughEveryRank) {
  auto& c = *g_world;
  const int n = c.size();
  if (n == 1) {
    SUCCEED();
    return;
  }
  if (c.rank() == 0) {
    c.send(1, 3, "0");
    const auto m = c.recv(n - 1, 3);
    std::string expect;
    for (int r = 0; r < n; ++r) expect += std::to_string(r);
    EXPECT_EQ(m.bytes, expect);
  } else {
    auto m = c.recv(c.rank() - 1, 3);
    c.send((c.rank() + 1) % n, 3, m.bytes + std::to_string(c.rank()));
  }
  c.barrier();
}

TEST(MpiWorld, AnySourceReceivesFromEveryWorkerAndBroadcastReachesAll) {
  auto& c = *g_world;
  const std::string b = c.broadcast(0, c.rank() == 0 ? std::string(100000, 'x') : std::string(), 4);
  EXPECT_EQ(b.size(), 100000u);
  if (c.rank() == 0) {
    std::vector<int> seen(c.size(), 0);
    for (int i = 1; i < c.size(); ++i) seen[c.recv(kanscan::kAnySource, 5).source]++;
    for (int r = 1; r < c.size(); ++r) EXPECT_EQ(seen[r], 1);
  } else {
    c.send(0, 5, "hi");
  }
  c.barrier();
}
