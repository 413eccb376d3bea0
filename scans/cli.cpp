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

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and usage hint
    return kExitBadInput;
  }
  if (!ctx.action) return kExitBadInput;
  return ctx.action();
}

}  // namespace kanscan::cli
