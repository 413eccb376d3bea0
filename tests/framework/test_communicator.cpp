#include <gtest/gtest.h>

#include "framework/communicator.hpp"

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
