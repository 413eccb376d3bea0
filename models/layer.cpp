#include "models/layer.hpp"

#include <stdexcept>

namespace kanscan::models {

// Built with append rather than a chain of operator+ (GCC 12 reports a false -Wrestrict there).
void throw_layer_contract(bool shape, const char* layer, int n_in, int n_out, const char* call,
                          const std::string& detail) {
  std::string msg = layer;
  msg.append(" [").append(std::to_string(n_in)).append(" -> ").append(std::to_string(n_out)).append("]: ");
  msg.append(call).append(": ").append(detail);
  if (shape) throw std::invalid_argument(msg);
  throw std::logic_error(msg);
}

std::string shape_text(Eigen::Index rows, Eigen::Index cols) {
  std::string s = "[";
  s.append(std::to_string(rows)).append(" x ").append(std::to_string(cols)).append("]");
  return s;
}

}  // namespace kanscan::models
