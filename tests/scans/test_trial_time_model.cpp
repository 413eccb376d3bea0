// The progress ETA's time model: seconds ~ a * cost + b * passes with a, b >= 0, fitted by least
// squares to finished trials.
#include <gtest/gtest.h>

#include <cmath>

#include "scans/trial_time_model.hpp"

using kanscan::scans::TrialTimeModel;

TEST(TrialTimeModel, NoEstimateBeforeThreeTrials) {
  TrialTimeModel m;
  m.add(1, 1, 1);
  m.add(2, 1, 2);
  EXPECT_TRUE(std::isnan(m.predict(10, 10)));
  m.add(3, 1, 3);
  EXPECT_NEAR(m.predict(10, 0), 10.0, 1e-9);
}

TEST(TrialTimeModel, RecoversArithmeticAndPerEventParts) {
  // Big trials dominated by arithmetic, small ones by per-event work: a cost-only model would
  // underestimate the small ones, which is what made the old ETA optimistic.
  TrialTimeModel m;
  const double a = 2e-9, b = 5e-7;
  const double trials[][2] = {{1e10, 1e6}, {4e9, 1e6}, {1e8, 1e6}, {5e7, 2e6}, {1e7, 1e6}};
  for (const auto& t : trials) m.add(t[0], t[1], a * t[0] + b * t[1]);
  EXPECT_NEAR(m.predict(3e7, 4e6), a * 3e7 + b * 4e6, 1e-9);
}

TEST(TrialTimeModel, NegativeCoefficientFallsBackToOneTerm) {
  // These times fit exactly with b = -0.5; the model keeps a, b >= 0 and takes the better of the
  // one-term fits, here cost only: a = sum(c y) / sum(c c) = 126 / 152.
  TrialTimeModel m;
  m.add(4, 2, 3);
  m.add(6, 4, 4);
  m.add(10, 2, 9);
  EXPECT_NEAR(m.predict(1, 0), 126.0 / 152.0, 1e-12);
  EXPECT_EQ(m.predict(0, 1), 0.0);
}

TEST(TrialTimeModel, EarlyStoppingScalesWorkDoneAndPredictions) {
  // Every trial ran half its planned epochs in seconds = 1e-9 * (cost + passes) / 2: the fit sees
  // the work actually done, and trials still to run are expected to stop as early.
  TrialTimeModel m;
  const double trials[][2] = {{4e9, 1e9}, {1e9, 1e9}, {2e9, 3e9}};
  for (const auto& t : trials) m.add(t[0], t[1], 1e-9 * (t[0] + t[1]) / 2, 0.5);
  EXPECT_NEAR(m.predict(6e9, 2e9), 4.0, 1e-9);
}
