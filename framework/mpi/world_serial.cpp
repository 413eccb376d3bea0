// World without MPI: one process, one rank.
#include "framework/mpi/world.hpp"

namespace kanscan {

World::World(int&, char**&) : comm_(std::make_unique<SerialCommunicator>()) {}
World::~World() = default;
bool World::built_with_mpi() { return false; }

}  // namespace kanscan
