#pragma once
// The process's view of its ranks. With MPI built in and the process started by mpirun,
// this owns MPI_Init/MPI_Finalize (RAII) and hands out an MpiCommunicator; otherwise it is a
// single SerialCommunicator. This header does not include the MPI header: only world_mpi.cpp does.
#include <memory>

#include "framework/communicator.hpp"

namespace kanscan {

class World {
 public:
  World(int& argc, char**& argv);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  Communicator& comm() { return *comm_; }
  // True when more than one rank runs, or MPI was initialised by a launcher.
  bool is_mpi() const { return mpi_; }
  static bool built_with_mpi();

 private:
  std::unique_ptr<Communicator> comm_;
  bool mpi_ = false;
};

}  // namespace kanscan
