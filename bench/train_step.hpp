#pragma once
// The unit the train-step benchmarks time (bench_train_step, bench_bases, bench_roofline): one
// Adam step of a model on a fixed batch with the BCE loss — forward, loss gradient, backward,
// update. Serial or OpenMP as the model's kernels are, with `threads` threads.
#include <memory>

#include "models/loss.hpp"
#include "models/model.hpp"
#include "models/optimizer.hpp"
#include "types/trial.hpp"

namespace kanscan::bench {

class TrainStep {
 public:
  TrainStep(models::Model<float>& model, const models::Mat<float>& x, const models::Mat<float>& y, int threads)
      : model_(model), x_(x), y_(y), threads_(threads),
        opt_(models::make_optimizer<float>(OptimizerConfig{}, model.n_params())) {}

  double operator()() {
    auto closure = [this] {
      const models::Mat<float>& z = model_.forward(x_, true, threads_);
      const double l = models::loss_and_grad<float>(loss_, z, y_, nullptr, &dz_, threads_);
      model_.backward(dz_, threads_);
      return l;
    };
    return opt_->step(closure, model_.params(), model_.grads(), 1e-3);
  }

 private:
  models::Model<float>& model_;
  const models::Mat<float>& x_;
  const models::Mat<float>& y_;
  int threads_;
  std::unique_ptr<models::Optimizer<float>> opt_;
  models::LossSpec loss_{Loss::bce, 1.0};
  models::Mat<float> dz_;
};

}  // namespace kanscan::bench
