#include "models/loss.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "framework/error.hpp"

namespace kanscan::models {

template <typename T>
double loss_and_grad(const LossSpec& spec, const Mat<T>& z, const Mat<T>& y, const T* w, Mat<T>* dz, int threads) {
  const Eigen::Index n = z.rows(), c = z.cols();
  if (y.rows() != n || y.cols() != c) throw InputError("loss: outputs and targets differ in shape");
  if (dz) dz->resize(n, c);
  if (n == 0) return 0.0;
  const double inv_n = 1.0 / static_cast<double>(n);
  const double inv_c = 1.0 / static_cast<double>(c);
  // w_b * l_b per sample, written by the block that owns the sample, summed in order below. Reused
  // per calling thread: the validation set's terms would otherwise be fresh pages every epoch.
  // (A reference: inside the block lambda the name of a thread_local would mean the worker's copy.)
  thread_local std::vector<double> reused;
  std::vector<double>& terms = reused;
  terms.resize(static_cast<std::size_t>(n));
  const auto per_sample = [&](Eigen::Index b) {
    const double wb = w ? static_cast<double>(w[b]) : 1.0;
    double lb = 0.0;
    switch (spec.kind) {
      case Loss::bce:
        for (Eigen::Index j = 0; j < c; ++j) {
          const double zz = static_cast<double>(z(b, j)), yy = static_cast<double>(y(b, j));
          // softplus(z) - y z = max(z,0) - y z + log1p(exp(-|z|)): no overflow for any |z|. The same
          // exp(-|z|) gives sigmoid(z) by models::sigmoid's two branches (same bits).
          const double e = std::exp(-std::abs(zz));
          lb += std::max(zz, 0.0) - yy * zz + std::log1p(e);
          const double sg = zz >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
          if (dz) (*dz)(b, j) = static_cast<T>(wb * inv_n * (sg - yy));
        }
        break;
      case Loss::cross_entropy: {
        double mx = -INFINITY;
        for (Eigen::Index j = 0; j < c; ++j) mx = std::max(mx, static_cast<double>(z(b, j)));
        double se = 0.0, ysum = 0.0;
        for (Eigen::Index j = 0; j < c; ++j) {
          se += std::exp(static_cast<double>(z(b, j)) - mx);
          ysum += static_cast<double>(y(b, j));
        }
        const double lse = mx + std::log(se);
        for (Eigen::Index j = 0; j < c; ++j) {
          const double yy = static_cast<double>(y(b, j));
          lb -= yy * (static_cast<double>(z(b, j)) - lse);
          const double p = std::exp(static_cast<double>(z(b, j)) - lse);
          if (dz) (*dz)(b, j) = static_cast<T>(wb * inv_n * (ysum * p - yy));
        }
        break;
      }
      case Loss::mse:
        for (Eigen::Index j = 0; j < c; ++j) {
          const double r = static_cast<double>(z(b, j)) - static_cast<double>(y(b, j));
          lb += r * r * inv_c;
          if (dz) (*dz)(b, j) = static_cast<T>(wb * inv_n * inv_c * 2.0 * r);
        }
        break;
      case Loss::mae:
        for (Eigen::Index j = 0; j < c; ++j) {
          const double r = static_cast<double>(z(b, j)) - static_cast<double>(y(b, j));
          lb += std::abs(r) * inv_c;
          const double s = r > 0 ? 1.0 : (r < 0 ? -1.0 : 0.0);
          if (dz) (*dz)(b, j) = static_cast<T>(wb * inv_n * inv_c * s);
        }
        break;
      case Loss::huber: {
        const double d = spec.huber_delta;
        for (Eigen::Index j = 0; j < c; ++j) {
          const double r = static_cast<double>(z(b, j)) - static_cast<double>(y(b, j));
          const double a = std::abs(r);
          lb += (a <= d ? 0.5 * r * r : d * (a - 0.5 * d)) * inv_c;
          const double g = a <= d ? r : d * (r > 0 ? 1.0 : -1.0);
          if (dz) (*dz)(b, j) = static_cast<T>(wb * inv_n * inv_c * g);
        }
        break;
      }
    }
    terms[static_cast<std::size_t>(b)] = wb * lb;
  };
  const std::size_t nb = num_blocks(static_cast<std::size_t>(n), kSampleBlock);
  for_blocks(nb, threads, [&](std::size_t blk) {
    const BlockRange br = block_range(blk, static_cast<std::size_t>(n), kSampleBlock);
    for (std::size_t b = br.begin; b < br.end; ++b) per_sample(static_cast<Eigen::Index>(b));
  });
  double total = 0.0;
  for (Eigen::Index b = 0; b < n; ++b) total += terms[static_cast<std::size_t>(b)];
  return total * inv_n;
}

template double loss_and_grad<float>(const LossSpec&, const Mat<float>&, const Mat<float>&, const float*, Mat<float>*,
                                     int);
template double loss_and_grad<double>(const LossSpec&, const Mat<double>&, const Mat<double>&, const double*,
                                      Mat<double>*, int);

}  // namespace kanscan::models
