#include "scans/cli.hpp"

#include <fmt/format.h>

#include <cmath>
#include <iostream>

#include "framework/error.hpp"
#include "framework/parallel.hpp"
#include "io/config.hpp"
#include "kanscan_version.hpp"

namespace kanscan::cli {

CLI::Validator finite_range(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& input) {
        double v = 0;
        if (!CLI::detail::lexical_cast(input, v) || !std::isfinite(v) || v < lo || v > hi)
          return fmt::format("'{}' is not a finite number in [{:g}, {:g}]", input, lo, hi);
        return std::string();
      },
      fmt::format("FLOAT in [{:g}, {:g}]", lo, hi));
}

CLI::Validator thread_count() { return CLI::Range(0, kMaxThreads); }

CLI::Validator seed_range() { return CLI::Range(std::int64_t{0}, std::int64_t{9007199254740992}); }

namespace {

// `kanscan frobnicate`: CLI11 would only say that a subcommand is required.
bool unknown_command(const CLI::App& app, int argc, char** argv, bool printer) {
  if (argc < 2 || argv[1][0] == '-' || argv[1][0] == '\0') return false;
  const std::string word = argv[1];
  std::vector<std::string> names;
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_name() == word) return false;
    names.push_back(sub->get_name());
  }
  if (printer) {
    const std::string near = io::did_you_mean(word, names);
    std::cerr << fmt::format("kanscan: error: unknown command '{}'{}; the commands are {} (kanscan --help)\n", word,
                             near.empty() ? "" : fmt::format(" (did you mean '{}'?)", near), fmt::join(names, ", "));
  }
  return true;
}

}  // namespace

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
  if (unknown_command(app, argc, argv, printer)) {
    ctx.collective_exit = true;
    return kExitBadInput;
  }
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
