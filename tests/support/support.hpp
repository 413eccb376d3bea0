#pragma once
// Helpers for tests: a temporary directory removed at scope exit, running the kanscan binary.
#include <filesystem>
#include <string>

namespace kanscan::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr interleaved
};

// Runs a shell command line, capturing stdout+stderr.
CommandResult run_command(const std::string& command_line);
// Path to the built kanscan executable.
std::string kanscan_binary();
// mpiexec prefix for `ranks` ranks that works as root on 2 cores, or "" when MPI is off.
std::string mpiexec_prefix(int ranks);
std::string source_dir();
// Whether kanscan was built with MPI (tests that need mpiexec skip otherwise).
constexpr bool built_with_mpi() {
#ifdef KANSCAN_TEST_WITH_MPI
  return true;
#else
  return false;
#endif
}
// Writes text to a file.
void write_file(const std::filesystem::path& p, const std::string& text);
std::string read_file(const std::filesystem::path& p);

}  // namespace kanscan::test
