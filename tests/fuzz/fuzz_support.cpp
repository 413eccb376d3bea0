#include "tests/fuzz/fuzz_support.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>

#include "framework/error.hpp"

namespace kanscan::fuzz {

std::string input_file(const std::uint8_t* data, std::size_t size, const std::string& extension) {
  static std::map<std::string, std::string> paths;
  auto& path = paths[extension];
  if (path.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    path = (std::filesystem::path(tmp && *tmp ? tmp : "/tmp") /
            ("kanscan-fuzz-" + std::to_string(::getpid()) + extension))
               .string();
  }
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  return path;
}

void expect_input_errors_only(const std::function<void()>& body) {
  try {
    body();
  } catch (const InputError&) {
    // The expected answer to bad input.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: unexpected exception (bad input must be an InputError): %s\n", e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "fuzz: unexpected non-standard exception\n");
    std::abort();
  }
}

}  // namespace kanscan::fuzz

// Before the first input: a hostile file may declare any shape; the readers refuse what does
// not fit this ceiling (framework/memory.hpp) instead of allocating gigabytes, which libFuzzer
// would report as running out of memory.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
  ::setenv("KANSCAN_MEMORY_LIMIT_MB", "256", 0);
  return 0;
}
