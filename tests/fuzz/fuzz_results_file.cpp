// The results-file reader (analysis::ResultsFile, as `analyze` and `predict` use it): open,
// read /trials, every trial group and every stored model.
#include "analysis/results_file.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace kanscan;
  const std::string path = fuzz::input_file(data, size, ".h5");
  fuzz::expect_input_errors_only([&] {
    const analysis::ResultsFile f(path);
    (void)f.config_yaml();
    for (const auto& id : f.trial_groups()) {
      fuzz::expect_input_errors_only([&] { (void)f.read_trial(id); });
      fuzz::expect_input_errors_only([&] {
        if (f.has_model(id)) (void)f.read_model(id);
      });
    }
  });
  return 0;
}
