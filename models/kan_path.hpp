#pragma once
// Which kernels compute a KAN layer: decided here and nowhere else, from the layer's shape alone,
// so that results stay a function of the configuration. KanLayer, the benchmarks and the tests
// consult kan_kernel_path; docs/kernels.md has the table of the paths.
#include <cstddef>

#include "types/vocabulary.hpp"

namespace kanscan::models {

// What the choice depends on.
struct KanShape {
  int in = 1;
  int out = 1;
  int grid_size = 1;           // G
  int order = 3;               // k
  bool uniform_knots = true;   // every input on uniform knots (SplineKnots::all_uniform)
  // The bases other than B-splines (BasisKanLayer): every function is non-zero everywhere.
  Basis basis = Basis::bspline;
  int functions = 0;           // per input: rbf centres, Chebyshev degree + 1, 2 x frequencies, 1 (rational)
  bool base_branch = true;     // a SiLU column per input in the expansion
};

// How the sums over inputs and bases run.
enum class KanPath {
  gemm,    // out >= kKanNarrowOut and G+k+1 <= 3(k+2): one GEMM over a dense per-sample expansion
  narrow,  // out < kKanNarrowOut: local-support kernels specialised on out, samples interleaved
  wide,    // the other layers: local-support kernels over output chunks, eff padded to 8 columns
  // Bases other than B-splines: per sample block the dense expansion [rows, K] (every function of
  // every input, then the SiLU of every input) times the coefficients [K, out].
  expand_gemm,  // out >= kKanNarrowOut: register-tiled gemm_acc
  expand_dot,   // out < kKanNarrowOut: row dot products gemm_dot against the transposed coefficients
};

// How the k+1 active bases of each (sample, input) are evaluated.
enum class KanBasis {
  uniform_cubic,  // k = 3 on uniform knots: closed-form polynomials in one branch-free pass per block
  generic,        // anything else: SplineKnots::eval (de Boor's triangular scheme) per element
  rbf,            // exp(-((z - c_m) / h)^2), kan_rbf_rows
  chebyshev,      // T_0 .. T_d of tanh(x) or clamp(x) by the three-term recurrence, kan_chebyshev_rows
  fourier,        // cos(k x), sin(k x) for k = 1 .. F, kan_fourier_rows
  rational,       // P(x) / (1 + sum |b_k| |x|^k), kan_rational_rows
};

struct KanKernelPath {
  KanPath path = KanPath::narrow;
  KanBasis basis = KanBasis::generic;
  int out_stride = 1;   // row stride of eff and de, and of the dy the local kernels read
  bool pad_dy = false;  // wide path with out not a multiple of 8: dy is copied to out_stride columns
  int dense_width = 0;  // gemm path: entries per input of the expansion (G+k+1); else 0
  // expand paths: columns of the expansion, functions * in (+ in for the SiLU branch); the input
  // side gradient dy * E^T runs as row dot products when it has fewer than kKanNarrowOut columns.
  int expansion_width = 0;
  bool narrow_expansion = false;
};

KanKernelPath kan_kernel_path(const KanShape& shape);

// Values of the gemm path's expansion a training forward keeps for backward by default (16 MB in
// float); KanLayer::set_expansion_keep_limit changes it.
inline constexpr std::size_t kKanExpansionKeepLimit = std::size_t(4) << 20;

// Whether a forward of rows samples keeps the gemm path's expansion for backward: training
// forwards of at most limit values. Otherwise (inference, full-batch L-BFGS) each block is expanded
// into a per-thread scratch and backward expands it again, with the same bits.
// The expand paths keep theirs (and the derivatives) under the same rule, rows * expansion_width <= limit.
bool kan_keeps_expansion(const KanKernelPath& path, int in, std::size_t rows, bool training, std::size_t limit);

}  // namespace kanscan::models
