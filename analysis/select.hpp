#pragma once
// Choosing one trial of a results file: `--trial best` (predict, and the commands that take a
// trial later). The choice uses the validation metric, never the test metric, when the file has
// one: choosing by the test set makes its numbers optimistic.
#include <string>

#include "analysis/results_file.hpp"

namespace kanscan::analysis {

struct ChosenTrial {
  std::string id;
  std::string column;  // the /trials column it was chosen by
  double value = 0;
  bool higher_is_better = true;
  std::string note;    // said to the user when the choice fell back to a test metric
};

// The best `ok` trial with a stored model: by val_auc (higher is better) for classification,
// val_mae then val_loss (lower is better) for regression; without validation columns (results
// files of schema_version 1) by test_auc / test_mae, with a note. Ties go to the smallest id.
// InputError when no trial qualifies.
ChosenTrial best_trial(const ResultsFile& file);

}  // namespace kanscan::analysis
