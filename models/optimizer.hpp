#pragma once
// Optimisers over the model's flat parameter vector; their state is created per trial.
#include <atomic>
#include <functional>
#include <memory>

#include "types/trial.hpp"
#include "models/layer.hpp"

namespace kanscan::models {

template <typename T>
class Optimizer {
 public:
  // Evaluates the objective at the current parameters, writes its gradient into grads and
  // returns its value.
  using Closure = std::function<double()>;
  virtual ~Optimizer() = default;
  // One step (LBFGS: up to max_iter iterations with line search). Returns the objective value
  // at the parameters the step started from.
  virtual double step(const Closure& f, Vec<T>& params, Vec<T>& grads, double lr) = 0;
};

// sgd (momentum, optional Nesterov; weight_decay coupled as in torch), adam (weight_decay
// coupled), adamw (decoupled), lbfgs (history m, strong-Wolfe line search). cancel is polled
// between LBFGS iterations. Throws InputError for an unknown name or bad values.
template <typename T>
std::unique_ptr<Optimizer<T>> make_optimizer(const OptimizerConfig& cfg, std::size_t n_params,
                                             const std::atomic<bool>* cancel = nullptr);

// Learning rate of epoch (0-based) out of epochs: constant, cosine (to min_lr), step (gamma
// every step_size epochs).
double scheduled_lr(const OptimizerConfig& cfg, int epoch, int epochs);

}  // namespace kanscan::models
