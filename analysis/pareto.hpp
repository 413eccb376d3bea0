#pragma once
// Pareto fronts of model size against performance: fewer parameters and a better metric win.
#include <cstddef>
#include <span>
#include <vector>

namespace kanscan::analysis {

struct ParetoPoint {
  double cost = 0;   // e.g. parameter count: lower is better
  double value = 0;  // e.g. test AUC: higher is better (negate a loss to use it here)
};

// Indices of the non-dominated points, ordered by cost ascending. q dominates p when
// q.cost <= p.cost and q.value >= p.value with at least one strict: so identical points are
// all kept (neither dominates the other), while a point that only ties the value of a cheaper
// point, or only ties the cost of a better one, is dominated. Points with a NaN coordinate
// are ignored. O(n log n). Serial; deterministic (ties ordered by index).
std::vector<std::size_t> pareto_front(std::span<const ParetoPoint> points);

}  // namespace kanscan::analysis
