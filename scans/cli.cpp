#include "scans/cli.hpp"

#include <fmt/format.h>

#include <iostream>

#include "framework/error.hpp"
#include "kanscan_version.hpp"

namespace kanscan::cli {

int run(int argc, char** argv, Context& ctx) {
  CLI::App app{"kanscan: KAN-vs-MLP hyperparameter scans for high-energy physics.\n"
               "Runs as a plain process or under mpirun; one HDF5 results file per scan.",
               "kanscan"};
  app.set_version_flag("--version", std::string("kanscan ") + kVersion);
  app.require_subcommand(1);
  app.fallthrough(false);

  add_info_command(app, ctx);
  add_run_command(app, ctx);
  add_validate_command(app, ctx);
  add_generate_command(app, ctx);
  add_analyze_command(app, ctx);
  add_predict_command(app, ctx);

  // Every rank parses the same argv, so every rank reaches the same verdict: rank 0 alone
  // prints it, and the exit is collective (one message per job, no MPI_Abort).
  const bool printer = !ctx.comm || ctx.comm->rank() == 0;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    ctx.collective_exit = true;
    const bool info = dynamic_cast<const CLI::CallForHelp*>(&e) || dynamic_cast<const CLI::CallForAllHelp*>(&e) ||
                      dynamic_cast<const CLI::CallForVersion*>(&e);
    if (printer) {
      const int code = app.exit(e);  // prints the help, version, or message and usage hint
      return info ? code : kExitBadInput;
    }
    return info ? kExitOk : kExitBadInput;
  }
  if (!ctx.action) return kExitBadInput;
  return ctx.action();
}

}  // namespace kanscan::cli
