#include "models/kan_path.hpp"

#include "models/kan_kernels.hpp"

namespace kanscan::models {

// The gemm path does G+k+1 multiply-adds per input where the local kernels do k+2, but runs on the
// register-tiled dense GEMM at several times their rate (the local kernels gather their rows at
// data-dependent offsets): worth it while G+k+1 <= 3(k+2), i.e. G <= 2k+5 (G <= 11 for cubic
// splines). Narrow layers keep their specialised kernels: the GEMM path was 1.3-1.5x slower on
// [22,64,1]'s output layer.
namespace {

KanBasis basis_kernel(Basis b) {
  switch (b) {
    case Basis::rbf: return KanBasis::rbf;
    case Basis::chebyshev: return KanBasis::chebyshev;
    case Basis::fourier: return KanBasis::fourier;
    case Basis::rational: return KanBasis::rational;
    case Basis::bspline: break;
  }
  return KanBasis::generic;
}

// Bases whose functions are all non-zero at every x: the expansion is dense anyway, so the layer
// is one GEMM per block, as the dense layer chooses it (kNarrow = 8 there too).
KanKernelPath dense_basis_path(const KanShape& s) {
  KanKernelPath p;
  p.basis = basis_kernel(s.basis);
  p.path = s.out < kKanNarrowOut ? KanPath::expand_dot : KanPath::expand_gemm;
  p.out_stride = s.out;
  p.dense_width = s.functions + (s.base_branch ? 1 : 0);
  p.expansion_width = s.in * p.dense_width;
  p.narrow_expansion = p.expansion_width < kKanNarrowOut;
  return p;
}

}  // namespace

KanKernelPath kan_kernel_path(const KanShape& s) {
  if (s.basis != Basis::bspline) return dense_basis_path(s);
  KanKernelPath p;
  const int d = s.grid_size + s.order + 1;
  if (s.out < kKanNarrowOut) p.path = KanPath::narrow;
  else if (d <= 3 * (s.order + 2)) p.path = KanPath::gemm;
  else p.path = KanPath::wide;
  // The closed-form polynomials exist for cubic splines only, and need one knot spacing per input.
  p.basis = s.order == 3 && s.uniform_knots ? KanBasis::uniform_cubic : KanBasis::generic;
  p.out_stride = p.path == KanPath::gemm ? s.out : kan_out_stride(s.out);
  p.pad_dy = p.path == KanPath::wide && p.out_stride != s.out;
  p.dense_width = p.path == KanPath::gemm ? d : 0;
  return p;
}

bool kan_keeps_expansion(const KanKernelPath& p, int in, std::size_t rows, bool training, std::size_t limit) {
  if (p.path == KanPath::expand_gemm || p.path == KanPath::expand_dot)
    return training && rows * static_cast<std::size_t>(p.expansion_width) <= limit;
  return p.path == KanPath::gemm && training && rows * static_cast<std::size_t>(in) * p.dense_width <= limit;
}

}  // namespace kanscan::models
