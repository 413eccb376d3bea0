// kanscan_scan_harness SCAN.yaml --out FILE [--resume] [--sleep-ms N]: the `kanscan run` driver
// with the synthetic trial instead of the trainer (a trial sleeps, so CPU contention does not
// blur the measurement). Used to measure the scheduling overhead alone under mpirun.
#include <CLI/CLI.hpp>

#include "framework/log.hpp"
#include "framework/mpi/world.hpp"
#include "tests/scans/scan_test_util.hpp"

int main(int argc, char** argv) {
  kanscan::World world(argc, argv);
  kanscan::log::set_rank(world.comm().rank(), world.comm().size());
  kanscan::scans::RunOptions opts;
  int sleep_ms = 20;
  CLI::App app{"scan harness"};
  app.add_option("scan", opts.scan_path)->required();
  app.add_option("--out", opts.out)->required();
  app.add_flag("--resume", opts.resume);
  app.add_option("--sleep-ms", sleep_ms);
  app.add_option("--progress-seconds", opts.progress_seconds);
  CLI11_PARSE(app, argc, argv);
  kanscan::scans::install_signal_handlers();
  return kanscan::scans::run_scan(world.comm(), opts, kanscan::test::synthetic_hooks(sleep_ms));
}
