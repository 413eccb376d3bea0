// kanscan entry point: owns MPI init/finalize (through World), catches everything, and maps
// errors to the exit codes of docs/building.md "Files, errors and exit codes" (LightGBM
// src/main.cpp style).
#include <exception>
#include <iostream>

#include "framework/error.hpp"
#include "framework/log.hpp"
#include "framework/mpi/world.hpp"
#include "scans/cli.hpp"

int main(int argc, char** argv) {
  using namespace kanscan;
  int code = cli::kExitFailure;
  try {
    World world(argc, argv);
    log::set_rank(world.comm().rank(), world.comm().size());
    cli::Context ctx;
    ctx.comm = &world.comm();
    ctx.mpi = world.is_mpi();
    // With a collective exit only rank 0 reports: one message per job, not one per rank.
    try {
      code = cli::run(argc, argv, ctx);
    } catch (const InputError& e) {
      if (!ctx.collective_exit || world.comm().rank() == 0) std::cerr << "kanscan: error: " << cap_message(e.what()) << "\n";
      code = cli::kExitBadInput;
    } catch (const std::exception& e) {
      if (!ctx.collective_exit || world.comm().rank() == 0) std::cerr << "kanscan: error: " << cap_message(e.what()) << "\n";
      code = cli::kExitFailure;
    }
    // A rank that fails while others wait would hang the job: take the whole job down, unless
    // the subcommand made every rank agree on the exit code.
    if (code != cli::kExitOk && world.comm().size() > 1 && !ctx.collective_exit) {
      std::cerr.flush();
      world.comm().abort(code);
    }
  } catch (const std::exception& e) {
    std::cerr << "kanscan: fatal: " << e.what() << "\n";
    return cli::kExitFailure;
  } catch (...) {
    std::cerr << "kanscan: fatal: unknown error\n";
    return cli::kExitFailure;
  }
  return code;
}
