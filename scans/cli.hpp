#pragma once
// The kanscan command line. Each subcommand lives in scans/cmd_<name>.cpp and registers itself
// through add_<name>_command(); cli.cpp lists them. A subcommand is listed only when it works.
#include <CLI/CLI.hpp>

#include <functional>

#include "framework/communicator.hpp"

namespace kanscan::cli {

struct Context {
  Communicator* comm = nullptr;  // world communicator (Serial without mpirun)
  bool mpi = false;              // launched under mpirun
  std::function<int()> action;   // set by the chosen subcommand's callback
  // Set by subcommands whose ranks agree on the exit code (each rank returns it in an orderly
  // way, only rank 0 prints): main() then exits normally instead of aborting the MPI job.
  bool collective_exit = false;
};

// Exit codes (docs/building.md "Files, errors and exit codes"): 0 success, 2 bad usage/input,
// 1 anything else. Scripts and batch systems rely on these values: never renumber them.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitBadInput = 2;

// Parses argv, runs the subcommand, maps errors to exit codes and messages on stderr.
int run(int argc, char** argv, Context& ctx);

// A number in [lo, hi] that is finite (CLI::Range lets NaN through: every comparison with it
// is false).
CLI::Validator finite_range(double lo, double hi);
// `--threads`: 0 (all cores) .. kMaxThreads, for every command that takes it.
CLI::Validator thread_count();
// A seed: an integer in [0, 2^53], as the YAML's seeds (an unsigned option would turn -1 into 2^64 - 1).
CLI::Validator seed_range();

void add_info_command(CLI::App& app, Context& ctx);
void add_validate_command(CLI::App& app, Context& ctx);
void add_run_command(CLI::App& app, Context& ctx);
void add_generate_command(CLI::App& app, Context& ctx);
void add_analyze_command(CLI::App& app, Context& ctx);
void add_predict_command(CLI::App& app, Context& ctx);

}  // namespace kanscan::cli
