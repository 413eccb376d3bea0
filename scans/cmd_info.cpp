// `kanscan info`: build and runtime facts, and a real check that every rank answers.
#include <fmt/format.h>
#include <omp.h>

#include <Eigen/Core>
#include <iostream>

#include "framework/mpi/world.hpp"
#include "framework/parallel.hpp"
#include "io/h5.hpp"
#include "kanscan_version.hpp"
#include "scans/cli.hpp"

namespace kanscan::cli {
namespace {

constexpr int kTagPing = 9001;

int run_info(Context& ctx) {
  Communicator& comm = *ctx.comm;
  // Every rank reports its host-side facts to rank 0, which prints them in rank order.
  const std::string mine = fmt::format("rank {}/{}: {} OpenMP threads", comm.rank(), comm.size(), default_threads());
  if (comm.rank() != 0) {
    comm.send(0, kTagPing, mine);
    comm.barrier();
    return kExitOk;
  }
  std::cout << fmt::format("kanscan {}\n", kVersion);
  std::cout << fmt::format("  MPI:    {}{}\n", World::built_with_mpi() ? "built with Open MPI" : "built without MPI",
                           ctx.mpi ? ", running under mpirun" : ", single process");
  std::cout << fmt::format("  HDF5:   {}\n", h5::library_version());
  std::cout << fmt::format("  Eigen:  {}.{}.{}\n", EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION);
  std::cout << fmt::format("  OpenMP: {}\n", _OPENMP);
  std::cout << "  " << mine << "\n";
  for (int r = 1; r < comm.size(); ++r) {
    const Message m = comm.recv(r, kTagPing);
    std::cout << "  " << m.bytes << "\n";
  }
  std::cout << fmt::format("all {} rank(s) answered\n", comm.size());
  std::cout.flush();
  comm.barrier();
  return kExitOk;
}

}  // namespace

void add_info_command(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("info", "Print build facts and check that every MPI rank answers");
  cmd->callback([&ctx] { ctx.action = [&ctx] { return run_info(ctx); }; });
}

}  // namespace kanscan::cli
