#pragma once
// Serial reference of the dense layers' activations (models/dense_kernels.inl) and their
// derivatives, one element at a time, for the kernel tests.
#include "models/activation.hpp"
#include "types/vocabulary.hpp"

namespace kanscan::models {

template <typename T>
inline T activate(Activation a, T z, T slope) {
  switch (a) {
    case Activation::identity: return z;
    case Activation::relu: return z > T(0) ? z : T(0);
    case Activation::leaky_relu: return z > T(0) ? z : slope * z;
    case Activation::silu: return silu(z);
    case Activation::tanh: return std::tanh(z);
    case Activation::sigmoid: return sigmoid(z);
  }
  return z;
}

// d act / dz given the pre-activation z and the activation value y = act(z).
template <typename T>
inline T activate_grad(Activation a, T z, T y, T slope) {
  switch (a) {
    case Activation::identity: return T(1);
    case Activation::relu: return z > T(0) ? T(1) : T(0);
    case Activation::leaky_relu: return z > T(0) ? T(1) : slope;
    case Activation::silu: return silu_grad(z);
    case Activation::tanh: return T(1) - y * y;
    case Activation::sigmoid: return y * (T(1) - y);
  }
  return T(1);
}

}  // namespace kanscan::models
