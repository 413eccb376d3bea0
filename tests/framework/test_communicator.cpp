#include <gtest/gtest.h>

#include <fmt/format.h>

#include <string>
#include <vector>

#include "framework/communicator.hpp"
#include "framework/thread_communicator.hpp"

TEST(SerialCommunicator, LoopbackAndBroadcast) {
  kanscan::SerialCommunicator c;
  EXPECT_EQ(c.rank(), 0);
  EXPECT_EQ(c.size(), 1);
  c.send(0, 5, "hello");
  EXPECT_FALSE(c.recv_for(0, 6, std::chrono::milliseconds(0)).has_value());
  auto m = c.recv(0, 5);
  EXPECT_EQ(m.bytes, "hello");
  EXPECT_EQ(m.tag, 5);
  EXPECT_EQ(c.broadcast(0, "x", 1), "x");
  EXPECT_THROW(c.recv(0, 5), std::logic_error);
}

using namespace kanscan;

TEST(ThreadCommunicator, PointToPointMatchingAndBarrier) {
  for (int n = 1; n <= 4; ++n) {
    ThreadWorld world(n);
    std::vector<std::string> got(static_cast<std::size_t>(n));
    world.run([&](Communicator& c) {
      // Everyone sends to rank 0 with two tags; rank 0 receives tag 2 first, then tag 1, by source.
      if (c.rank() != 0) {
        c.send(0, 1, fmt::format("a{}", c.rank()));
        c.send(0, 2, fmt::format("b{}", c.rank()));
      }
      c.barrier();
      if (c.rank() == 0) {
        std::string s;
        for (int r = 1; r < c.size(); ++r) s += c.recv(r, 2).bytes;
        for (int r = 1; r < c.size(); ++r) s += c.recv(r, 1).bytes;
        EXPECT_FALSE(c.recv_for(kAnySource, kAnyTag, std::chrono::milliseconds(1)).has_value());
        got[0] = s;
      }
      got[static_cast<std::size_t>(c.rank())] += c.broadcast(0, "x", 9);
      c.barrier();
    });
    std::string want;
    for (int r = 1; r < n; ++r) want += fmt::format("b{}", r);
    for (int r = 1; r < n; ++r) want += fmt::format("a{}", r);
    EXPECT_EQ(got[0], want + "x");
    for (int r = 1; r < n; ++r) EXPECT_EQ(got[static_cast<std::size_t>(r)], "x");
  }
}
