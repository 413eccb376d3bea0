#pragma once
// Losses on raw model outputs (logits for classification). Each returns the mean over the batch
// of w_b * l_b (w_b = 1 when no weights are given) and writes dL/doutput.
#include "models/layer.hpp"
#include "types/vocabulary.hpp"

namespace kanscan::models {

struct LossSpec {
  Loss kind = Loss::bce;
  double huber_delta = 1.0;
};

// z: outputs [n, C]; y: targets [n, C] (bce: 0/1 per output, cross_entropy: a probability
// distribution per row, usually one-hot; regression: the targets); w: n weights or null.
// Per-sample losses: bce sum_c softplus(z) - y z (stable for any |z|); cross_entropy
// -sum_c y_c log softmax(z)_c; mse/mae/huber the mean over the C outputs.
// dz (when not null) receives dL/dz. Per-sample terms are computed over fixed sample blocks on
// up to `threads` threads and summed serially in sample order: bitwise identical for any count.
template <typename T>
double loss_and_grad(const LossSpec& spec, const Mat<T>& z, const Mat<T>& y, const T* w, Mat<T>* dz,
                     int threads = 1);

}  // namespace kanscan::models
