#pragma once
// Significance of a difference between two models on the same test events (docs/analysis.md,
// "Uncertainties and tests"): the paired DeLong test for AUCs (DeLong, DeLong, Clarke-Pearson
// 1988), its linearised analogue for accuracies, and a paired bootstrap over test events for
// MAEs (Efron & Tibshirani 1993), each with the spread of the training seeds added.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "framework/metrics.hpp"

namespace kanscan::analysis {

// Two-sided p-value of a standard-normal statistic z: erfc(|z| / sqrt 2).
double normal_p_value(double z);
// Two-sided p-value of Student's t with `dof` degrees of freedom: I_{dof/(dof+t^2)}(dof/2, 1/2),
// the regularised incomplete beta function by its continued fraction.
double student_t_p_value(double t, double dof);

struct Comparison {
  double delta = 0;      // mean over a's seeds - mean over b's seeds, in the metric's units
  double delta_err = 0;  // sqrt(test_err^2 + seed_err^2)
  double test_err = 0;   // test-sample part (paired: events shared by both sides cancel)
  double seed_err = 0;   // training-seed part: sqrt(s_a^2/n_a + s_b^2/n_b), 0 with one seed a side
  double p_value = 1;    // two-sided, normal approximation of delta / delta_err
  std::size_t n_a = 0, n_b = 0;  // seeds used on each side
  std::string method;    // "paired DeLong", "paired linearised", "paired bootstrap (B=...)"
};

// Paired test from the influences of each seed's metric on the same test events (same events,
// same order, on both sides: framework/metrics.hpp Influence). The test-sample variance of the
// difference of the seed means is sum_e (mean_s a_s[e] - mean_s b_s[e])^2: for AUCs this is
// DeLong's paired variance, with the seeds averaged inside the structural components. Throws
// InputError if the sides are empty or their events differ in number.
Comparison paired_influence_test(const std::vector<metrics::Influence>& a, const std::vector<metrics::Influence>& b,
                                 const std::string& method = "paired DeLong");

// Repeated splits: the difference of two configurations per split (each side's mean over its
// seeds on that split), combined with the corrected resampled t test of Nadeau & Bengio
// (Machine Learning 52 (2003) 239): Var = (1/K + n_test/n_train) s^2 of the K differences,
// t with K - 1 degrees of freedom; the correction accounts for the splits' overlapping
// training sets. a[k], b[k]: the seeds' values on split k (same splits on both sides, K >= 2).
Comparison corrected_split_test(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b,
                                double test_over_train);

// Standard deviation of the mean of d over `replicas` resamples of its events with
// replacement, drawn from Rng(seed). O(replicas * n); serial, deterministic for the seed.
double bootstrap_mean_se(std::span<const double> d, std::uint64_t seed, int replicas = 1000);

// Paired bootstrap for per-event losses (MAE: |residual| averaged over targets): a[s][e] is
// the loss of a's seed s on event e; each side's metric is the mean over events. The test
// part is bootstrap_mean_se of d_e = mean_s a[s][e] - mean_s b[s][e].
Comparison paired_bootstrap_test(const std::vector<std::vector<double>>& a, const std::vector<std::vector<double>>& b,
                                 std::uint64_t seed, int replicas = 1000);

// Two-sample Kolmogorov-Smirnov test (the overtraining check of a classifier's outputs):
// the largest distance between the empirical distribution functions of a and b, and its
// asymptotic p-value Q_KS(sqrt(n_e) + 0.12 + 0.11 / sqrt(n_e)) D), n_e = n_a n_b / (n_a + n_b)
// (Press et al., Numerical Recipes, 14.3). Sorts copies of a and b.
struct KsResult {
  double statistic = 0, p_value = 1;
};
KsResult ks_test(std::vector<double> a, std::vector<double> b);

}  // namespace kanscan::analysis
