// main() for MPI tests: World owns MPI_Init/Finalize; only rank 0 prints gtest output.
#include <gtest/gtest.h>

#include "framework/mpi/world.hpp"

namespace kanscan::test {
Communicator* g_world = nullptr;
}

int main(int argc, char** argv) {
  kanscan::World world(argc, argv);
  kanscan::test::g_world = &world.comm();
  ::testing::InitGoogleTest(&argc, argv);
  if (world.comm().rank() != 0) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int rc = RUN_ALL_TESTS();
  // Any rank failing fails the test: rank 0 learns every rank's result.
  const std::string mine = rc == 0 ? "0" : "1";
  int any = rc;
  if (world.comm().rank() == 0) {
    for (int r = 1; r < world.comm().size(); ++r)
      if (world.comm().recv(r, 77).bytes != "0") any = 1;
  } else {
    world.comm().send(0, 77, mine);
  }
  world.comm().barrier();
  return any;
}
