#include "analysis/plots_runner.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <vector>

namespace kanscan::analysis {
namespace fs = std::filesystem;

namespace {

// <kanscan binary>/../share/kanscan/NAME (the build tree and an installed prefix alike), else
// the source tree's analysis/NAME.
std::string find_share_script(const std::string& name) {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path().parent_path() / "share" / "kanscan" / name;
    if (fs::exists(installed)) return installed.string();
  }
  const fs::path source = fs::path(KANSCAN_ANALYSIS_SOURCE_DIR) / name;
  return fs::exists(source) ? source.string() : "";
}

PlotsOutcome run_python(const std::string& script, const std::string& dir, const std::string& what);

}  // namespace

std::string find_plots_script() {
  if (const char* env = std::getenv("KANSCAN_PLOTS_SCRIPT"); env && *env) return fs::exists(env) ? env : "";
  return find_share_script("plots.py");
}

PlotsOutcome run_plots(const std::string& dir) {
  const std::string script = find_plots_script();
  if (script.empty()) return {false, "plotting script plots.py not found: plots skipped (set KANSCAN_PLOTS_SCRIPT)"};
  return run_python(script, dir, "plots");
}

PlotsOutcome run_report(const std::string& dir) {
  const std::string script = find_share_script("report_html.py");
  if (script.empty()) return {false, "report_html.py not found: report.html not written"};
  return run_python(script, dir, "report.html");
}

namespace {

PlotsOutcome run_python(const std::string& script, const std::string& dir, const std::string& what) {
  PlotsOutcome out;
  const char* env_py = std::getenv("KANSCAN_PYTHON");
  const std::string python = (env_py && *env_py) ? env_py : "/usr/bin/python3";
  if (!fs::exists(python)) {
    out.message = python + " not found: " + what + " skipped (install python3-matplotlib, or use --no-plots)";
    return out;
  }
  // fork/exec rather than system(): no shell, so paths with spaces or quotes are safe.
  std::vector<std::string> args{python, script, dir};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid < 0) {
    out.message = "cannot start python3 (fork failed): " + what + " skipped";
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
    out.message = "matplotlib is not installed for " + python + ": " + what + " skipped (apt-get install python3-matplotlib)";
  } else {
    out.message = script + " failed (exit " + std::to_string(code) + "): " + what +
                  " incomplete; the CSV files are complete";
  }
  return out;
}

}  // namespace

}  // namespace kanscan::analysis
