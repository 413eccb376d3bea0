#include "analysis/plots_runner.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace kanscan::analysis {
namespace fs = std::filesystem;

std::string find_plots_script() {
  if (const char* env = std::getenv("KANSCAN_PLOTS_SCRIPT"); env && *env) return fs::exists(env) ? env : "";
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "kanscan" / "plots.py";
    if (fs::exists(installed)) return installed.string();
  }
  const fs::path source = fs::path(KANSCAN_ANALYSIS_SOURCE_DIR) / "plots.py";
  return fs::exists(source) ? source.string() : "";
}

PlotsOutcome run_plots(const std::string& dir) {
  PlotsOutcome out;
  const char* env_py = std::getenv("KANSCAN_PYTHON");
  const std::string python = (env_py && *env_py) ? env_py : "/usr/bin/python3";
  if (!fs::exists(python)) {
    out.message = python + " not found: plots skipped (install python3-matplotlib, or use --no-plots)";
    return out;
  }
  const std::string script = find_plots_script();
  if (script.empty()) {
    out.message = "plotting script plots.py not found: plots skipped (set KANSCAN_PLOTS_SCRIPT)";
    return out;
  }
  // fork/exec rather than system(): no shell, so paths with spaces or quotes are safe.
  std::vector<std::string> args{python, script, dir};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    out.message = "cannot start python3 (fork failed): plots skipped";
    return out;
  }
  if (pid == 0) {
    execv(python.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (code == 0) {
    out.ran = true;
  } else if (code == 3) {
    out.message = "matplotlib is not installed for " + python + ": plots skipped (apt-get install python3-matplotlib)";
  } else {
    out.message = "plotting script " + script + " failed (exit " + std::to_string(code) +
                  "): plots incomplete; the CSV files are complete";
  }
  return out;
}

}  // namespace kanscan::analysis
