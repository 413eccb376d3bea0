#pragma once
// Small synthetic datasets for the models tests (deterministic from a seed).
#include <cmath>

#include "types/dataset.hpp"
#include "framework/rng.hpp"

namespace kanscan::test {

// Binary classification: signal if x0 + x1^2 - 1 + 0.3 noise > 0 (F features, the rest noise).
inline Dataset make_classification(std::size_t n, int f, std::uint64_t seed, int classes = 2) {
  Rng rng(seed);
  Dataset d;
  d.features.resize(static_cast<Eigen::Index>(n), f);
  d.labels.resize(n);
  d.index.resize(n);
  d.n_classes = classes;
  for (std::size_t i = 0; i < n; ++i) {
    for (int j = 0; j < f; ++j) d.features(static_cast<Eigen::Index>(i), j) = static_cast<float>(rng.normal() * (1 + j) + j);
    const double x0 = (d.features(static_cast<Eigen::Index>(i), 0) - 0.0);
    const double x1 = (d.features(static_cast<Eigen::Index>(i), 1) - 1.0) / 2.0;
    const double s = x0 + x1 * x1 - 1.0 + 0.3 * rng.normal();
    if (classes == 2) d.labels[i] = s > 0 ? 1 : 0;
    else d.labels[i] = s < -0.7 ? 0 : (s < 0.7 ? 1 : 2);
    d.index[i] = static_cast<std::int64_t>(i);
  }
  for (int j = 0; j < f; ++j) {
    std::string name = "x";
    name += std::to_string(j);
    d.feature_names.push_back(name);
  }
  return d;
}

// Regression: two targets in "GeV" with offsets and scales.
inline Dataset make_regression(std::size_t n, int f, std::uint64_t seed) {
  Rng rng(seed);
  Dataset d;
  d.features.resize(static_cast<Eigen::Index>(n), f);
  d.targets.resize(static_cast<Eigen::Index>(n), 2);
  d.index.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto r = static_cast<Eigen::Index>(i);
    for (int j = 0; j < f; ++j) d.features(r, j) = static_cast<float>(rng.normal());
    const double a = d.features(r, 0), b = d.features(r, 1 % f);
    d.targets(r, 0) = static_cast<float>(100.0 + 40.0 * std::sin(a) + 10.0 * b + rng.normal());
    d.targets(r, 1) = static_cast<float>(-20.0 + 5.0 * a * b + 0.5 * rng.normal());
    d.index[i] = static_cast<std::int64_t>(i);
  }
  d.target_names = {"pt", "pz"};
  return d;
}

// Splits rows 60/20/20 in order (the data are already random).
inline DataSplit split(const Dataset& d, Task task) {
  DataSplit s;
  s.task = task;
  const std::size_t n = d.size(), a = n * 6 / 10, b = n * 8 / 10;
  auto take = [&](std::size_t lo, std::size_t hi) {
    Dataset o;
    o.features = d.features.middleRows(static_cast<Eigen::Index>(lo), static_cast<Eigen::Index>(hi - lo));
    if (!d.labels.empty()) o.labels.assign(d.labels.begin() + lo, d.labels.begin() + hi);
    if (d.targets.size()) o.targets = d.targets.middleRows(static_cast<Eigen::Index>(lo), static_cast<Eigen::Index>(hi - lo));
    if (!d.weights.empty()) o.weights.assign(d.weights.begin() + lo, d.weights.begin() + hi);
    o.index.assign(d.index.begin() + lo, d.index.begin() + hi);
    o.feature_names = d.feature_names;
    o.target_names = d.target_names;
    o.n_classes = d.n_classes;
    return o;
  };
  s.train = take(0, a);
  s.val = take(a, b);
  s.test = take(b, n);
  return s;
}

}  // namespace kanscan::test
