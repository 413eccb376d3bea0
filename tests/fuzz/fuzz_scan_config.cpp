// The YAML scan parser (io::parse_scan_config): any text is a scan or an InputError naming the
// problem.
#include "io/config.hpp"
#include "tests/fuzz/fuzz_support.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  kanscan::fuzz::expect_input_errors_only([&] { (void)kanscan::io::parse_scan_config(text, "fuzz.yaml"); });
  return 0;
}
