// Hot loops of the KAN layer, included into one namespace per instruction set
// (kan_kernels_generic.cpp, kan_kernels_avx2.cpp, kan_kernels_avx512.cpp). Self-contained on purpose: no calls to inline
// functions of other headers, so no AVX2 or AVX-512 instance can leak into baseline code through
// the linker.
// All sums are written lane by lane (8 or W independent partial sums combined in a fixed order),
// never reassociated by the compiler (ISO mode: no FMA contraction), so every instruction set
// gives bitwise identical results.

// Four lanes of T (GCC vector type): elementwise IEEE operations, the same bits in every copy.
template <typename T>
struct KanV4 {
  typedef T V __attribute__((vector_size(4 * sizeof(T))));
};

// Each output's sum runs over inputs in order, SiLU term then the k+1 spline terms, in every
// kernel below; only the number of independent sums in flight differs.
template <typename T, int W>
static inline void forward_chunk(const T* eff, int in, int rows, int op, int out, int jc, int k1, const int* r0,
                                 const T* basis, std::size_t plane, const T* sx, T* y) {
  T acc[W] = {};
  const std::size_t stride_i = static_cast<std::size_t>(rows) * op;
  for (int i = 0; i < in; ++i) {
    const T* ei = eff + i * stride_i + jc;
    const T* w = ei + static_cast<std::size_t>(rows - 1) * op;
    const T s = sx[i];
    for (int l = 0; l < W; ++l) acc[l] += s * w[l];
    const int r = r0[i];
    if (r < 0) continue;
    for (int q = 0; q < k1; ++q) {
      const T nq = basis[q * plane + i];
      const T* row = ei + static_cast<std::size_t>(r + q) * op;
      for (int l = 0; l < W; ++l) acc[l] += nq * row[l];
    }
  }
  // Padding columns (out..op) are computed but never stored.
  const int nl = out - jc < W ? out - jc : W;
  for (int l = 0; l < nl; ++l) y[jc + l] = acc[l];
}

// Narrow layers: one sum per output is a dependent chain of in*(k+2) additions, so S samples are
// interleaved to keep S*OUT chains in flight; OUT (and K1 when 4) are compile-time so the
// accumulators live in registers.
template <typename T, int OUT, int S, int K1>
static inline void forward_narrow_group(const T* eff, int in, int rows, int k1_rt, const int* r0, const T* basis,
                                        std::size_t plane, const T* silu, T* y, std::size_t b, std::size_t b0) {
  const int k1 = K1 > 0 ? K1 : k1_rt;
  T acc[S][OUT] = {};
  const std::size_t stride_i = static_cast<std::size_t>(rows) * OUT;
  const std::size_t wrow = static_cast<std::size_t>(rows - 1) * OUT;
  for (int i = 0; i < in; ++i) {
    const T* ei = eff + i * stride_i;
    for (int s = 0; s < S; ++s) {
      const T sx = silu[(b + s) * in + i];
      for (int j = 0; j < OUT; ++j) acc[s][j] += sx * ei[wrow + j];
    }
    for (int s = 0; s < S; ++s) {
      const int r = r0[(b + s) * in + i];
      if (r < 0) continue;
      const T* nb = basis + (b + s - b0) * in + i;
      const T* e0 = ei + static_cast<std::size_t>(r) * OUT;
      for (int q = 0; q < k1; ++q) {
        const T nq = nb[q * plane];
        for (int j = 0; j < OUT; ++j) acc[s][j] += nq * e0[q * OUT + j];
      }
    }
  }
  for (int s = 0; s < S; ++s)
    for (int j = 0; j < OUT; ++j) y[(b + s) * OUT + j] = acc[s][j];
}

// 2 <= OUT <= 4: the same sums with the outputs as lanes of one vector per sample. Rows are read
// as 4 values, so lanes >= OUT read the following values of eff (discarded; eff carries
// kKanEffTail readable values past its end for this).
template <typename T, int OUT, int S, int K1>
static inline void forward_narrow_group_vec(const T* eff, int in, int rows, int k1_rt, const int* r0,
                                            const T* basis, std::size_t plane, const T* silu, T* y, std::size_t b,
                                            std::size_t b0) {
  using V = typename KanV4<T>::V;
  const int k1 = K1 > 0 ? K1 : k1_rt;
  V acc[S] = {};
  const std::size_t stride_i = static_cast<std::size_t>(rows) * OUT;
  const std::size_t wrow = static_cast<std::size_t>(rows - 1) * OUT;
  for (int i = 0; i < in; ++i) {
    const T* ei = eff + i * stride_i;
    V w;
    __builtin_memcpy(&w, ei + wrow, sizeof(V));
    for (int s = 0; s < S; ++s) acc[s] += silu[(b + s) * in + i] * w;
    for (int s = 0; s < S; ++s) {
      const int r = r0[(b + s) * in + i];
      if (r < 0) continue;
      const T* nb = basis + (b + s - b0) * in + i;
      const T* e0 = ei + static_cast<std::size_t>(r) * OUT;
      for (int q = 0; q < k1; ++q) {
        V row;
        __builtin_memcpy(&row, e0 + q * OUT, sizeof(V));
        acc[s] += nb[q * plane] * row;
      }
    }
  }
  for (int s = 0; s < S; ++s) {
    T out[4];
    __builtin_memcpy(out, &acc[s], sizeof(V));
    for (int j = 0; j < OUT; ++j) y[(b + s) * OUT + j] = out[j];
  }
}

template <typename T, int OUT, int K1>
static void forward_narrow(const T* eff, int in, int rows, int k1, const int* r0, const T* basis, const T* silu, T* y,
                           std::size_t b0, std::size_t b1) {
  const std::size_t plane = (b1 - b0) * in;
  const T* bb = basis + b0 * in * k1;
  std::size_t b = b0;
  if constexpr (OUT >= 2 && OUT <= 4) {
    constexpr int S = 4;
    for (; b + S <= b1; b += S)
      forward_narrow_group_vec<T, OUT, S, K1>(eff, in, rows, k1, r0, bb, plane, silu, y, b, b0);
    for (; b < b1; ++b) forward_narrow_group_vec<T, OUT, 1, K1>(eff, in, rows, k1, r0, bb, plane, silu, y, b, b0);
  } else {
    constexpr int S = OUT == 1 ? 8 : 2;
    for (; b + S <= b1; b += S) forward_narrow_group<T, OUT, S, K1>(eff, in, rows, k1, r0, bb, plane, silu, y, b, b0);
    for (; b < b1; ++b) forward_narrow_group<T, OUT, 1, K1>(eff, in, rows, k1, r0, bb, plane, silu, y, b, b0);
  }
}

template <typename T, int OUT>
static void forward_narrow_k(const T* eff, int in, int rows, int k1, const int* r0, const T* basis, const T* silu,
                             T* y, std::size_t b0, std::size_t b1) {
  if (k1 == 4)
    forward_narrow<T, OUT, 4>(eff, in, rows, k1, r0, basis, silu, y, b0, b1);
  else
    forward_narrow<T, OUT, 0>(eff, in, rows, k1, r0, basis, silu, y, b0, b1);
}

static_assert(kKanNarrowOut == 8, "the narrow kernels below are instantiated for out = 1 .. 7");

template <typename T>
void kan_forward_narrow_rows(const T* eff, int in, int rows, int out, int k1, const int* r0, const T* basis,
                             const T* silu, T* y, std::size_t b0, std::size_t b1) {
  switch (out) {
    case 1: return forward_narrow_k<T, 1>(eff, in, rows, k1, r0, basis, silu, y, b0, b1);
    case 2: return forward_narrow_k<T, 2>(eff, in, rows, k1, r0, basis, silu, y, b0, b1);
    case 3: return forward_narrow_k<T, 3>(eff, in, rows, k1, r0, basis, silu, y, b0, b1);
    case 4: return forward_narrow_k<T, 4>(eff, in, rows, k1, r0, basis, silu, y, b0, b1);
    case 5: return forward_narrow_k<T, 5>(eff, in, rows, k1, r0, basis, silu, y, b0, b1);
    case 6: return forward_narrow_k<T, 6>(eff, in, rows, k1, r0, basis, silu, y, b0, b1);
    case 7: return forward_narrow_k<T, 7>(eff, in, rows, k1, r0, basis, silu, y, b0, b1);
    default: __builtin_trap();  // not a narrow layer: kan_kernel_path never sends it here
  }
}

template <typename T>
void kan_forward_wide_rows(const T* eff, int in, int rows, int out, int op, int k1, const int* r0, const T* basis,
                           const T* silu, T* y, std::size_t b0, std::size_t b1) {
  const std::size_t plane = (b1 - b0) * in;
  for (std::size_t b = b0; b < b1; ++b) {
    const std::size_t base = b * in;
    const int* rb = r0 + base;
    const T* bs = basis + b0 * in * k1 + (b - b0) * in;  // this sample's bases, q-th at bs[q * plane]
    const T* sx = silu + base;
    T* yb = y + b * out;
    // Widest chunk that fits (8 AVX registers of accumulators for float): fewer passes over the
    // sample's bases per output.
    int jc = 0;
    if (sizeof(T) == 4) {
      for (; jc + 64 <= op; jc += 64) forward_chunk<T, 64>(eff, in, rows, op, out, jc, k1, rb, bs, plane, sx, yb);
      if (jc + 48 <= op) {
        forward_chunk<T, 48>(eff, in, rows, op, out, jc, k1, rb, bs, plane, sx, yb);
        jc += 48;
      }
    }
    for (; jc + 32 <= op; jc += 32) forward_chunk<T, 32>(eff, in, rows, op, out, jc, k1, rb, bs, plane, sx, yb);
    for (; jc < op; jc += 8) forward_chunk<T, 8>(eff, in, rows, op, out, jc, k1, rb, bs, plane, sx, yb);
  }
}

template <typename T>
static inline T hsum8(const T* acc) {
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

// Returns sum_j g[j] e[j] (8 lanes) and does de += a * g.
template <typename T>
static inline T dot_axpy(const T* g, const T* e, T* de, T a, int n) {
  T acc[8] = {};
  int j = 0;
  for (; j + 8 <= n; j += 8)
    for (int l = 0; l < 8; ++l) {
      acc[l] += g[j + l] * e[j + l];
      de[j + l] += a * g[j + l];
    }
  T s = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  for (; j < n; ++j) {
    s += g[j] * e[j];
    de[j] += a * g[j];
  }
  return s;
}

// SiLU with exp(x) from IEEE operations only (no libm call, no FMA, no float->int conversion):
// x = n ln2 + r with n = round(x / ln2) by the 1.5*2^mantissa trick, Cody-Waite split of ln2,
// Taylor polynomial on |r| <= ln2/2 (relative error below 2^-23 for float, 2^-52 for double),
// 2^n built in the exponent field; x is clamped to the normal range of 2^n, NaN propagates.
// Written with GCC vector types of the copy's native width (KANSCAN_KAN_VEC_BYTES): the scalar
// form's clamps were jump-threaded into three copies of the polynomial and not vectorised. All
// operations are elementwise, so the width does not change any bit and all three copies agree.
template <typename T>
struct KanIeee;
template <>
struct KanIeee<float> {
  typedef float V __attribute__((vector_size(KANSCAN_KAN_VEC_BYTES)));
  typedef unsigned U __attribute__((vector_size(KANSCAN_KAN_VEC_BYTES)));
  typedef unsigned UInt;
  static constexpr unsigned kMagicBits = 0x4b400000u;  // 1.5 * 2^23
  static constexpr unsigned kBias = 127u;
  static constexpr int kMantissa = 23;
};
template <>
struct KanIeee<double> {
  typedef double V __attribute__((vector_size(KANSCAN_KAN_VEC_BYTES)));
  typedef unsigned long long U __attribute__((vector_size(KANSCAN_KAN_VEC_BYTES)));
  typedef unsigned long long UInt;
  static constexpr unsigned long long kMagicBits = 0x4338000000000000ull;  // 1.5 * 2^52
  static constexpr unsigned long long kBias = 1023ull;
  static constexpr int kMantissa = 52;
};

template <typename T>
static inline typename KanIeee<T>::V exp_ieee(typename KanIeee<T>::V x) {
  using V = typename KanIeee<T>::V;
  using U = typename KanIeee<T>::U;
  constexpr bool f = sizeof(T) == 4;
  const V hi = V{} + T(f ? 88.0 : 709.0), lo = V{} + T(f ? -87.0 : -708.0);
  x = x > hi ? hi : x;
  x = x < lo ? lo : x;
  const T magic = __builtin_bit_cast(T, KanIeee<T>::kMagicBits);
  const V t = x * T(1.4426950408889634074) + magic;
  const V n = t - magic;
  V r, p;
  if constexpr (f) {
    r = (x - n * T(0.693359375)) - n * T(-2.12194440e-4);
    p = V{} + T(1.0 / 5040.0);
    p = p * r + T(1.0 / 720.0);
    p = p * r + T(1.0 / 120.0);
    p = p * r + T(1.0 / 24.0);
    p = p * r + T(1.0 / 6.0);
    p = p * r + T(0.5);
    p = p * r + T(1.0);
    p = p * r + T(1.0);
  } else {
    // fdlibm's split: ln2_hi has 32 trailing zero bits, so n * ln2_hi is exact.
    r = (x - n * T(6.93147180369123816490e-01)) - n * T(1.90821492927058770002e-10);
    p = V{} + T(1.0 / 6227020800.0);  // 1/13!
    p = p * r + T(1.0 / 479001600.0);
    p = p * r + T(1.0 / 39916800.0);
    p = p * r + T(1.0 / 3628800.0);
    p = p * r + T(1.0 / 362880.0);
    p = p * r + T(1.0 / 40320.0);
    p = p * r + T(1.0 / 5040.0);
    p = p * r + T(1.0 / 720.0);
    p = p * r + T(1.0 / 120.0);
    p = p * r + T(1.0 / 24.0);
    p = p * r + T(1.0 / 6.0);
    p = p * r + T(0.5);
    p = p * r + T(1.0);
    p = p * r + T(1.0);
  }
  const U ni = __builtin_bit_cast(U, t) - KanIeee<T>::kMagicBits;
  return p * __builtin_bit_cast(V, (ni + KanIeee<T>::kBias) << KanIeee<T>::kMantissa);
}

template <typename T, bool Deriv>
static inline void silu_vec(const T* x, T* silu, T* dsilu) {
  using V = typename KanIeee<T>::V;
  V v;
  __builtin_memcpy(&v, x, sizeof(V));
  const V sg = T(1) / (T(1) + exp_ieee<T>(-v));
  const V s = v * sg;
  __builtin_memcpy(silu, &s, sizeof(V));
  if (Deriv) {
    const V d = sg * (T(1) + v * (T(1) - sg));
    __builtin_memcpy(dsilu, &d, sizeof(V));
  }
}

template <typename T, bool Deriv>
static void silu_range(const T* x, T* silu, T* dsilu, std::size_t e0, std::size_t e1) {
  constexpr std::size_t W = KANSCAN_KAN_VEC_BYTES / sizeof(T);
  std::size_t e = e0;
  for (; e + W <= e1; e += W) silu_vec<T, Deriv>(x + e, silu + e, dsilu + e);
  if (e < e1) {
    // Tail through a zero-padded vector: the same elementwise operations, the same bits.
    T xt[W] = {}, st[W], dt[W];
    for (std::size_t l = 0; l < e1 - e; ++l) xt[l] = x[e + l];
    silu_vec<T, Deriv>(xt, st, dt);
    for (std::size_t l = 0; l < e1 - e; ++l) {
      silu[e + l] = st[l];
      if (Deriv) dsilu[e + l] = dt[l];
    }
  }
}

// SiLU and (when dsilu is not null) its derivative for elements [e0, e1), elementwise.
template <typename T>
void kan_silu_rows(const T* x, T* silu, T* dsilu, std::size_t e0, std::size_t e1) {
  if (dsilu)
    silu_range<T, true>(x, silu, dsilu, e0, e1);
  else
    silu_range<T, false>(x, silu, nullptr, e0, e1);
}

// SiLU and cubic bases on uniform knots in branch-free passes over the block's elements
// e = (b-b0)*in + i, which vectorises without a tail per sample; t0/inv_h are the per-input
// tables repeated for every sample of a block. The basis expressions are SplineKnots::eval's
// cubic path (bitwise equal results). Training=false skips the derivatives.
template <typename T, bool Training>
static void prepare_uniform_cubic(const T* x, int in, const T* t0, const T* inv_h, int n_knots, int* r0, T* basis,
                                  T* dbasis, T* silu, T* dsilu, std::size_t b0, std::size_t b1) {
  const T last = static_cast<T>(n_knots - 1);
  const int max_mu = n_knots - 2;
  const T sixth = T(1) / T(6);
  const std::size_t len = (b1 - b0) * in, off = b0 * in;
  const T* xb = x + off;
  int* rb = r0 + off;
  T* sb = silu + off;
  T* n0 = basis + off * 4;
  T* n1 = n0 + len;
  T* n2 = n1 + len;
  T* n3 = n2 + len;
  // Without derivatives the d pointers alias the bases (valid, never written).
  T* d0 = Training ? dbasis + off * 4 : n0;
  T* d1 = d0 + len;
  T* d2 = d1 + len;
  T* d3 = d2 + len;
  T* db = Training ? dsilu + off : sb;
  // Two loops rather than one: the exp polynomial is a long dependency chain, and with the basis
  // work in the same body too few iterations fit in the out-of-order window to hide it.
  if (Training)
    kan_silu_rows(xb, sb, db, 0, len);
  else
    kan_silu_rows<T>(xb, sb, nullptr, 0, len);
  // The output arrays never overlap the inputs or each other.
#pragma GCC ivdep
  for (std::size_t e = 0; e < len; ++e) {
    const T v = xb[e];
    const T ih = inv_h[e];
    const T u = (v - t0[e]) * ih;
    const bool inside = (u >= T(0)) & (u < last);  // false for NaN
    const T uc = inside ? u : T(0);
    int mu = static_cast<int>(uc);
    mu = mu > max_mu ? max_mu : mu;
    const T f = uc - static_cast<T>(mu);
    const T g = T(1) - f, f2 = f * f, f3 = f2 * f;
    const T z = inside ? T(1) : T(0);
    n0[e] = z * (g * g * g * sixth);
    n1[e] = z * ((T(3) * f3 - T(6) * f2 + T(4)) * sixth);
    n2[e] = z * ((T(-3) * f3 + T(3) * f2 + T(3) * f + T(1)) * sixth);
    n3[e] = z * (f3 * sixth);
    rb[e] = inside ? mu : -1;
    if (Training) {
      const T p0 = T(0.5) * g * g, p2 = T(0.5) * f2, p1 = T(1) - p0 - p2;
      d0[e] = z * (-p0 * ih);
      d1[e] = z * ((p0 - p1) * ih);
      d2[e] = z * ((p1 - p2) * ih);
      d3[e] = z * (p2 * ih);
    }
  }
}

template <typename T>
void kan_prepare_rows_uniform_cubic(const T* x, int in, const T* t0_rep, const T* inv_h_rep, int n_knots, int* r0,
                                    T* basis, T* dbasis, T* silu, T* dsilu, std::size_t b0, std::size_t b1) {
  if (dbasis)
    prepare_uniform_cubic<T, true>(x, in, t0_rep, inv_h_rep, n_knots, r0, basis, dbasis, silu, dsilu, b0, b1);
  else
    prepare_uniform_cubic<T, false>(x, in, t0_rep, inv_h_rep, n_knots, r0, basis, nullptr, silu, nullptr, b0, b1);
}

// Backward kernels are instantiated with and without input gradients: the first layer of a model
// needs none, and then neither the dot products with eff nor the derivative caches are read.

// Narrow layers (out < 8, e.g. the output layer): sample outer, walking the caches in order; OUT
// (and K1 when 4) compile-time so that the loops over outputs and bases unroll.
template <typename T, int OUT, int K1, bool DX>
static void backward_narrow(const T* eff, int in, int rows, int k1_rt, const int* r0, const T* basis, const T* dbasis,
                            const T* silu, const T* dsilu, const T* dy, T* de, T* dx, std::size_t b0, std::size_t b1) {
  const int k1 = K1 > 0 ? K1 : k1_rt;
  const std::size_t wrow = static_cast<std::size_t>(rows - 1) * OUT;
  const std::size_t plane = (b1 - b0) * in;
  for (std::size_t b = b0; b < b1; ++b) {
    T g[OUT];
    for (int j = 0; j < OUT; ++j) g[j] = dy[b * OUT + j];
    for (int i = 0; i < in; ++i) {
      const std::size_t off_i = static_cast<std::size_t>(i) * rows * OUT;
      const T* ei = eff + off_i;
      T* dei = de + off_i;
      const std::size_t idx = b * in + i;
      const int r = r0[idx];
      const T* nq = basis + b0 * in * k1 + (b - b0) * in + i;  // q-th basis at nq[q * plane]
      const T sw = silu[idx];
      T s = T(0);
      for (int j = 0; j < OUT; ++j) {
        if (DX) s += g[j] * ei[wrow + j];
        dei[wrow + j] += sw * g[j];
      }
      T d = DX ? dsilu[idx] * s : T(0);
      if (r >= 0) {
        const T* e0 = ei + static_cast<std::size_t>(r) * OUT;
        T* d0 = dei + static_cast<std::size_t>(r) * OUT;
        for (int q = 0; q < k1; ++q) {
          const T n = nq[q * plane];
          T sq = T(0);
          for (int j = 0; j < OUT; ++j) {
            if (DX) sq += g[j] * e0[q * OUT + j];
            d0[q * OUT + j] += n * g[j];
          }
          if (DX) d += dbasis[b0 * in * k1 + q * plane + (b - b0) * in + i] * sq;
        }
      }
      if (DX) dx[idx] = d;
    }
  }
}

// Parameter gradient of narrow cubic layers: the four active rows of one input are 4*OUT
// contiguous values (row stride OUT), updated as OUT vectors of 4 lanes, lane u = (q, j) with
// q = u / OUT, j = u % OUT. Every de element still receives one n_q * g_j per sample, in sample
// order, so the bits are those of the scalar loop.
template <typename T, int OUT, int C>
static inline void de_region_chunks(T* d0, const T* n, const typename KanV4<T>::V* gpat) {
  if constexpr (C < OUT) {
    using V = typename KanV4<T>::V;
    const V nq = {n[(4 * C) / OUT], n[(4 * C + 1) / OUT], n[(4 * C + 2) / OUT], n[(4 * C + 3) / OUT]};
    V row;
    __builtin_memcpy(&row, d0 + 4 * C, sizeof(V));
    row += nq * gpat[C];
    __builtin_memcpy(d0 + 4 * C, &row, sizeof(V));
    de_region_chunks<T, OUT, C + 1>(d0, n, gpat);
  }
}

template <typename T, int OUT>
static void de_narrow_cubic(int in, int rows, const int* r0, const T* basis, const T* silu, const T* dy, T* de,
                            std::size_t b0, std::size_t b1) {
  using V = typename KanV4<T>::V;
  const std::size_t wrow = static_cast<std::size_t>(rows - 1) * OUT;
  const std::size_t plane = (b1 - b0) * in;
  for (std::size_t b = b0; b < b1; ++b) {
    T g[OUT];
    for (int j = 0; j < OUT; ++j) g[j] = dy[b * OUT + j];
    T gl[4 * OUT];
    for (int u = 0; u < 4 * OUT; ++u) gl[u] = g[u % OUT];
    V gpat[OUT];
    __builtin_memcpy(gpat, gl, sizeof(gpat));
    const T* nb = basis + b0 * in * 4 + (b - b0) * in;
    for (int i = 0; i < in; ++i) {
      T* dei = de + static_cast<std::size_t>(i) * rows * OUT;
      const std::size_t idx = b * in + i;
      const T sw = silu[idx];
      for (int j = 0; j < OUT; ++j) dei[wrow + j] += sw * g[j];
      const int r = r0[idx];
      if (r < 0) continue;
      const T n[4] = {nb[i], nb[plane + i], nb[2 * plane + i], nb[3 * plane + i]};
      de_region_chunks<T, OUT, 0>(dei + static_cast<std::size_t>(r) * OUT, n, gpat);
    }
  }
}

// Input gradients of narrow layers in their own pass, inputs inner: every (sample, input) is
// independent and no de update sits in the loop (measured faster than the fused per-sample loop;
// GCC 12 does not vectorise it, gathers being off in its generic tuning). The same expression
// as backward_narrow's.
template <typename T, int OUT, int K1>
static void dx_narrow(const T* eff, int in, int rows, const int* r0, const T* dbasis, const T* dsilu, const T* dy,
                      T* dx, std::size_t b0, std::size_t b1) {
  const int wrow = (rows - 1) * OUT, stride_i = rows * OUT;
  const std::size_t plane = (b1 - b0) * in;
  for (std::size_t b = b0; b < b1; ++b) {
    T g[OUT];
    for (int j = 0; j < OUT; ++j) g[j] = dy[b * OUT + j];
    const T* dq = dbasis + b0 * in * K1 + (b - b0) * in;
    const int* rb = r0 + b * in;
    const T* dsb = dsilu + b * in;
    T* dxb = dx + b * in;
#pragma GCC ivdep
    for (int i = 0; i < in; ++i) {
      const int r = rb[i];
      const int rr = r < 0 ? 0 : r;  // a valid row to read; its terms are dropped below
      const int oi = i * stride_i;
      T s = T(0);
      for (int j = 0; j < OUT; ++j) s += g[j] * eff[oi + wrow + j];
      const T d = dsb[i] * s;
      T ds = d;
      for (int q = 0; q < K1; ++q) {
        T sq = T(0);
        for (int j = 0; j < OUT; ++j) sq += g[j] * eff[oi + (rr + q) * OUT + j];
        ds += dq[q * plane + i] * sq;
      }
      dxb[i] = r >= 0 ? ds : d;
    }
  }
}

// Out of line: inlined into the narrow entry point, GCC 12 laid out the out = 1 parameter-gradient
// loop 13 % slower (measured; the same instructions otherwise).
template <typename T, int OUT>
__attribute__((noinline)) static void backward_narrow_k(const T* eff, int in, int rows, int k1, const int* r0,
                                                        const T* basis, const T* dbasis, const T* silu,
                                                        const T* dsilu, const T* dy, T* de, T* dx, std::size_t b0,
                                                        std::size_t b1) {
  if (k1 == 4) {
    de_narrow_cubic<T, OUT>(in, rows, r0, basis, silu, dy, de, b0, b1);
    if (dx) dx_narrow<T, OUT, 4>(eff, in, rows, r0, dbasis, dsilu, dy, dx, b0, b1);
  } else {
    if (dx)
      backward_narrow<T, OUT, 0, true>(eff, in, rows, k1, r0, basis, dbasis, silu, dsilu, dy, de, dx, b0, b1);
    else
      backward_narrow<T, OUT, 0, false>(eff, in, rows, k1, r0, basis, dbasis, silu, dsilu, dy, de, dx, b0, b1);
  }
}

// Wide layers: input outer, sample inner, so the rows of de touched for one input stay in L1.
template <typename T, bool DX>
static void backward_wide(const T* eff, int in, int rows, int op, int k1, const int* r0, const T* basis,
                          const T* dbasis, const T* silu, const T* dsilu, const T* dy, T* de, T* dx, std::size_t b0,
                          std::size_t b1) {
  const std::size_t wrow = static_cast<std::size_t>(rows - 1) * op;
  const std::size_t plane = (b1 - b0) * in;
  for (int i = 0; i < in; ++i) {
    const std::size_t off_i = static_cast<std::size_t>(i) * rows * op;
    const T* ei = eff + off_i;
    T* dei = de + off_i;
    for (std::size_t b = b0; b < b1; ++b) {
      const T* g = dy + b * op;
      const std::size_t idx = b * in + i;
      const int r = r0[idx];
      const std::size_t e = b0 * in * k1 + (b - b0) * in + i;  // q-th basis of (b, i) at e + q * plane
      const T* nq = basis + e;
      if (k1 == 4 && r >= 0) {
        // Cubic splines: the SiLU row and the four active rows in one pass over g (one load of g
        // per chunk instead of five). Same lanes and the same final order as the generic path,
        // so the same bits.
        T aw[8] = {}, a0[8] = {}, a1[8] = {}, a2[8] = {}, a3[8] = {};
        const T* ew = ei + wrow;
        T* dw = dei + wrow;
        const T* e0 = ei + static_cast<std::size_t>(r) * op;
        T* d0 = dei + static_cast<std::size_t>(r) * op;
        const T sw = silu[idx], n0 = nq[0], n1 = nq[plane], n2 = nq[2 * plane], n3 = nq[3 * plane];
        const std::size_t o1 = static_cast<std::size_t>(op), o2 = 2 * o1, o3 = 3 * o1;
        for (int j = 0; j < op; j += 8) {
#pragma GCC ivdep
          for (int l = 0; l < 8; ++l) {
            const T gv = g[j + l];
            dw[j + l] += sw * gv;
            d0[j + l] += n0 * gv;
            d0[o1 + j + l] += n1 * gv;
            d0[o2 + j + l] += n2 * gv;
            d0[o3 + j + l] += n3 * gv;
            if (DX) {
              aw[l] += gv * ew[j + l];
              a0[l] += gv * e0[j + l];
              a1[l] += gv * e0[o1 + j + l];
              a2[l] += gv * e0[o2 + j + l];
              a3[l] += gv * e0[o3 + j + l];
            }
          }
        }
        if (DX) {
          const T* dq = dbasis + e;
          T d = dsilu[idx] * hsum8(aw);
          d += dq[0] * hsum8(a0);
          d += dq[plane] * hsum8(a1);
          d += dq[2 * plane] * hsum8(a2);
          d += dq[3 * plane] * hsum8(a3);
          dx[idx] = d;
        }
        continue;
      }
      if (!DX) {
        for (int j = 0; j < op; ++j) dei[wrow + j] += silu[idx] * g[j];
        if (r >= 0)
          for (int q = 0; q < k1; ++q) {
            T* dr = dei + static_cast<std::size_t>(r + q) * op;
            const T n = nq[q * plane];
            for (int j = 0; j < op; ++j) dr[j] += n * g[j];
          }
        continue;
      }
      const T* dq = dbasis + e;
      T d = dsilu[idx] * dot_axpy(g, ei + wrow, dei + wrow, silu[idx], op);
      if (r >= 0)
        for (int q = 0; q < k1; ++q) {
          const std::size_t ro = static_cast<std::size_t>(r + q) * op;
          d += dq[q * plane] * dot_axpy(g, ei + ro, dei + ro, nq[q * plane], op);
        }
      dx[idx] = d;
    }
  }
}

template <typename T>
void kan_backward_narrow_rows(const T* eff, int in, int rows, int out, int k1, const int* r0, const T* basis,
                              const T* dbasis, const T* silu, const T* dsilu, const T* dy, T* de, T* dx,
                              std::size_t b0, std::size_t b1) {
  switch (out) {
    case 1: return backward_narrow_k<T, 1>(eff, in, rows, k1, r0, basis, dbasis, silu, dsilu, dy, de, dx, b0, b1);
    case 2: return backward_narrow_k<T, 2>(eff, in, rows, k1, r0, basis, dbasis, silu, dsilu, dy, de, dx, b0, b1);
    case 3: return backward_narrow_k<T, 3>(eff, in, rows, k1, r0, basis, dbasis, silu, dsilu, dy, de, dx, b0, b1);
    case 4: return backward_narrow_k<T, 4>(eff, in, rows, k1, r0, basis, dbasis, silu, dsilu, dy, de, dx, b0, b1);
    case 5: return backward_narrow_k<T, 5>(eff, in, rows, k1, r0, basis, dbasis, silu, dsilu, dy, de, dx, b0, b1);
    case 6: return backward_narrow_k<T, 6>(eff, in, rows, k1, r0, basis, dbasis, silu, dsilu, dy, de, dx, b0, b1);
    case 7: return backward_narrow_k<T, 7>(eff, in, rows, k1, r0, basis, dbasis, silu, dsilu, dy, de, dx, b0, b1);
    default: __builtin_trap();  // not a narrow layer: kan_kernel_path never sends it here
  }
}

template <typename T>
void kan_backward_wide_rows(const T* eff, int in, int rows, int op, int k1, const int* r0, const T* basis,
                            const T* dbasis, const T* silu, const T* dsilu, const T* dy, T* de, T* dx, std::size_t b0,
                            std::size_t b1) {
  if (dx)
    backward_wide<T, true>(eff, in, rows, op, k1, r0, basis, dbasis, silu, dsilu, dy, de, dx, b0, b1);
  else
    backward_wide<T, false>(eff, in, rows, op, k1, r0, basis, dbasis, silu, dsilu, dy, de, dx, b0, b1);
}

#define KANSCAN_KAN_INSTANTIATE(T)                                                                            \
  template void kan_forward_narrow_rows<T>(const T*, int, int, int, int, const int*, const T*, const T*, T*,         \
                                           std::size_t, std::size_t);                                              \
  template void kan_forward_wide_rows<T>(const T*, int, int, int, int, int, const int*, const T*, const T*, T*,      \
                                         std::size_t, std::size_t);                                                \
  template void kan_backward_narrow_rows<T>(const T*, int, int, int, int, const int*, const T*, const T*, const T*,  \
                                            const T*, const T*, T*, T*, std::size_t, std::size_t);                 \
  template void kan_backward_wide_rows<T>(const T*, int, int, int, int, const int*, const T*, const T*, const T*,    \
                                          const T*, const T*, T*, T*, std::size_t, std::size_t);                   \
  template void kan_prepare_rows_uniform_cubic<T>(const T*, int, const T*, const T*, int, int*, T*, T*, T*, T*,      \
                                                  std::size_t, std::size_t);                                       \
  template void kan_silu_rows<T>(const T*, T*, T*, std::size_t, std::size_t);
KANSCAN_KAN_INSTANTIATE(float)
KANSCAN_KAN_INSTANTIATE(double)
#undef KANSCAN_KAN_INSTANTIATE
