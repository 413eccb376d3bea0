#pragma once
// The scalar sigmoid and SiLU (the KAN base branch) with its derivative. The dense layers' activations
// live in models/dense_kernels.inl; tests/models/reference_activation.hpp is their serial reference.
#include <cmath>

namespace kanscan::models {

template <typename T>
inline T sigmoid(T z) {
  // Two branches so that exp never overflows (|z| up to 1e4 and beyond).
  if (z >= T(0)) return T(1) / (T(1) + std::exp(-z));
  const T e = std::exp(z);
  return e / (T(1) + e);
}

template <typename T>
inline T silu(T x) {
  return x * sigmoid(x);
}
template <typename T>
inline T silu_grad(T x) {
  const T s = sigmoid(x);
  return s * (T(1) + x * (T(1) - s));
}

}  // namespace kanscan::models
