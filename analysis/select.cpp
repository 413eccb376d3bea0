#include "analysis/select.hpp"

#include <fmt/format.h>

#include <cmath>
#include <vector>

#include "framework/error.hpp"

namespace kanscan::analysis {
namespace {

struct Criterion {
  const char* column;
  bool higher_is_better;
};

// Validation columns first; the test columns only as the fallback for version-1 files.
std::vector<Criterion> criteria(const std::string& task, bool validation) {
  if (task == "regression")
    return validation ? std::vector<Criterion>{{"val_mae", false}, {"val_loss", false}}
                      : std::vector<Criterion>{{"test_mae", false}, {"test_loss", false}};
  return validation ? std::vector<Criterion>{{"val_auc", true}, {"val_loss", false}}
                    : std::vector<Criterion>{{"test_auc", true}, {"test_loss", false}};
}

}  // namespace

ChosenTrial best_trial(const ResultsFile& file) {
  const TrialsTable& t = file.trials();
  std::string task = file.attribute("task");
  if (task.empty()) task = t.has("test_mae") ? "regression" : "classification";
  for (const bool validation : {true, false}) {
    for (const Criterion& c : criteria(task, validation)) {
      if (!t.has(c.column)) continue;
      ChosenTrial best;
      for (std::size_t r = 0; r < t.rows; ++r) {
        const std::string id = t.string("trial_id", r);
        const double v = t.number(c.column, r);
        if (t.string("status", r) != "ok" || !std::isfinite(v) || !file.has_model(id)) continue;
        const bool better = best.id.empty() || (c.higher_is_better ? v > best.value : v < best.value) ||
                            (v == best.value && id < best.id);
        if (better) best = ChosenTrial{id, c.column, v, c.higher_is_better, ""};
      }
      if (best.id.empty()) continue;
      if (!validation)
        best.note = fmt::format("this results file has no validation metric column (it was written before kanscan "
                                "recorded them, e.g. schema_version 1); chose by {}, the test metric, so that "
                                "trial's test numbers are optimistic",
                                c.column);
      return best;
    }
  }
  throw InputError(Location{file.path(), -1, -1, "--trial best"},
                   "no finished trial with a stored model and a finite metric to choose from");
}

}  // namespace kanscan::analysis
