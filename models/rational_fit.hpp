#pragma once
// The starting point of KAT's rational functions (Yang & Wang, arXiv:2409.10594): KAT initialises
// each GR-KAN rational from a fit to a known activation (identity before the first linear layer,
// GELU after it). kanscan fits its own coefficients for any degrees, in double, deterministically.
#include <vector>

namespace kanscan::models {

struct RationalCoefficients {
  std::vector<double> numerator;    // a_0 .. a_m
  std::vector<double> denominator;  // b_1 .. b_n (>= 0)
  double max_error = 0;             // largest |P/Q - f| over the fit points
};

// F(x) = x: a_1 = 1, every other coefficient 0 (Q = 1).
RationalCoefficients rational_identity(int m, int n);
// Least-squares fit of P(x) / (1 + sum_k |b_k| |x|^k) to GELU(x) = x Phi(x) on 241 points of
// [-3, 3] (KAT's fit range): Sanathanan-Koerner iterations (weights 1/Q^2 of the previous step)
// of the linearised problem, each solved with b_k >= 0 by Lawson-Hanson non-negative least
// squares (a free coefficient as the difference of two non-negative ones). Serial, double.
RationalCoefficients rational_gelu_fit(int m, int n);

}  // namespace kanscan::models
