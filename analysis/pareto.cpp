#include "analysis/pareto.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace kanscan::analysis {

std::vector<std::size_t> pareto_front(std::span<const ParetoPoint> points) {
  std::vector<std::size_t> order;
  order.reserve(points.size());
  for (std::size_t i = 0; i < points.size(); ++i)
    if (!std::isnan(points[i].cost) && !std::isnan(points[i].value)) order.push_back(i);
  // Cost ascending, value descending within a cost, index for a stable tie order.
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (points[a].cost != points[b].cost) return points[a].cost < points[b].cost;
    if (points[a].value != points[b].value) return points[a].value > points[b].value;
    return a < b;
  });
  std::vector<std::size_t> front;
  double best_cheaper = -std::numeric_limits<double>::infinity();  // best value at strictly lower cost
  for (std::size_t k = 0; k < order.size();) {
    // One group of equal cost: only its top value can survive, and only if it beats every
    // cheaper point strictly.
    const double cost = points[order[k]].cost;
    const double top = points[order[k]].value;
    std::size_t end = k;
    while (end < order.size() && points[order[end]].cost == cost) ++end;
    if (top > best_cheaper) {
      for (std::size_t j = k; j < end && points[order[j]].value == top; ++j) front.push_back(order[j]);
      best_cheaper = top;
    }
    k = end;
  }
  return front;
}

}  // namespace kanscan::analysis
