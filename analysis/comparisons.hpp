#pragma once
// The paired comparisons of `kanscan analyze` (docs/analysis.md, "Uncertainties and tests"): at
// each matched budget and between the families' best configurations, the difference of the
// reported test metric on the same test events, with its uncertainty and p-value.
#include <string>
#include <vector>

#include "analysis/events.hpp"
#include "analysis/report.hpp"

namespace kanscan::analysis {

// The family every other family is compared with: "mlp" when present, else the first.
std::string reference_family(const std::vector<std::string>& families);

// Every comparison the report's budgets and families allow ("budget": the families' best per
// bin; "best": the families' best; "vs_reference": every other configuration against the
// reference family's best), each tested on the trials' stored
// test predictions and the events' labels (or targets): paired DeLong for test_auc, its
// linearised analogue for test_accuracy, a paired bootstrap (seeded by the trial ids) for
// test_mae / test_mae_<t> / test_mae_gev_<t>. A comparison that cannot be made (another
// metric, events that do not reproduce the stored values, different test events) has
// ok = false and a note. Deterministic.
std::vector<PairedRow> compare_families(const ResultsFile& file, const Report& r, const Events& events,
                                        const AnalyzeOptions& o);

// "p = 0.013", "p < 0.001", with ", not significant" when p > 0.05.
std::string format_p(double p);

}  // namespace kanscan::analysis
