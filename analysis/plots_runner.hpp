#pragma once
// Runs analysis/plots.py (matplotlib from Debian's python3-matplotlib) on an analyze output
// directory. Plots are an extra: a missing python3 or matplotlib is a warning, never an error.
#include <string>

namespace kanscan::analysis {

// The plotting script: $KANSCAN_PLOTS_SCRIPT, else <kanscan binary>/../share/kanscan/plots.py
// (copied there by the build), else the source tree's analysis/plots.py. "" if none exists.
std::string find_plots_script();

struct PlotsOutcome {
  bool ran = false;      // the script ran to completion
  std::string message;   // warning text when !ran
};
// /usr/bin/python3 (or $KANSCAN_PYTHON) plots.py DIR: DIR holds analysis.json and the CSVs.
PlotsOutcome run_plots(const std::string& dir);
// report_html.py DIR: DIR/report.html, one self-contained page of the summary, the tables and
// the figures already in DIR (no network). Found beside plots.py.
PlotsOutcome run_report(const std::string& dir);

}  // namespace kanscan::analysis
