// Dense-layer kernels, included into one namespace per instruction set (dense_kernels_generic.cpp,
// dense_kernels_avx2.cpp, dense_kernels_avx512.cpp). Self-contained on purpose: no calls to inline
// functions of other headers (only builtins), so no AVX2 or AVX-512 instance can leak into
// baseline code through the linker.
// Vectors are GCC vector extensions of KANSCAN_VEC_BYTES (set by the including file: 64 for
// AVX-512, 32 for AVX2, 16 for the SSE2 baseline, where wider ones would be split and spill). Lanes only ever
// do element-wise multiply and add, and every sum has an order fixed by the shapes — the GEMM sums
// each element sequentially, the dot products use 32 bytes of logical lanes in every copy — so
// all three copies give bitwise identical results.

template <typename T>
struct Simd {
  typedef T V __attribute__((vector_size(KANSCAN_VEC_BYTES)));
  static constexpr int W = KANSCAN_VEC_BYTES / sizeof(T);
};
// The dot products' lanes: 32 bytes of logical lanes in every copy, in vectors of at most 32 bytes.
constexpr int kDotVecBytes = KANSCAN_VEC_BYTES < 32 ? KANSCAN_VEC_BYTES : 32;
template <typename T>
struct DotSimd {
  typedef T V __attribute__((vector_size(kDotVecBytes)));
  static constexpr int W = kDotVecBytes / sizeof(T);
};

#define KANSCAN_INLINE __attribute__((always_inline)) inline

template <typename V, typename T>
static KANSCAN_INLINE V load_as(const T* p) {
  V v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
template <typename T>
static KANSCAN_INLINE typename Simd<T>::V load(const T* p) {
  return load_as<typename Simd<T>::V>(p);
}
template <typename T, typename V>
static KANSCAN_INLINE void store(T* p, V v) {
  __builtin_memcpy(p, &v, sizeof v);
}

// MR rows x NV vectors of C held in registers over the whole k loop.
template <typename T, int MR, int NV>
static KANSCAN_INLINE void tile(int k, const T* a, std::ptrdiff_t ars, std::ptrdiff_t acs, const T* b,
                                std::ptrdiff_t ldb, T* c, std::ptrdiff_t ldc) {
  using V = typename Simd<T>::V;
  constexpr int W = Simd<T>::W;
  V acc[MR][NV];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) acc[r][v] = load(c + r * ldc + v * W);
  for (int p = 0; p < k; ++p) {
    V bv[NV];
    for (int v = 0; v < NV; ++v) bv[v] = load(b + p * ldb + v * W);
    for (int r = 0; r < MR; ++r) {
      const T s = a[r * ars + p * acs];
      for (int v = 0; v < NV; ++v) acc[r][v] += s * bv[v];
    }
  }
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NV; ++v) store(c + r * ldc + v * W, acc[r][v]);
}

// The last nr < W columns: C's tail and a zero-padded copy of B's tail (bt, kc x W) run through the
// same vector tile, so each element sees the same operations in the same order as in a full tile.
template <typename T, int MR>
static KANSCAN_INLINE void tile_tail(int k, int nr, const T* a, std::ptrdiff_t ars, std::ptrdiff_t acs, const T* bt,
                                     T* c, std::ptrdiff_t ldc) {
  constexpr int W = Simd<T>::W;
  T cp[MR * W];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < W; ++j) cp[r * W + j] = j < nr ? c[r * ldc + j] : T(0);
  tile<T, MR, 1>(k, a, ars, acs, bt, W, cp, W);
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < nr; ++j) c[r * ldc + j] = cp[r * W + j];
}

template <typename T, int MR>
static void row_panel(int nfull, int nr, int k, const T* a, std::ptrdiff_t ars, std::ptrdiff_t acs, const T* b,
                      std::ptrdiff_t ldb, const T* bt, T* c, std::ptrdiff_t ldc) {
  constexpr int W = Simd<T>::W;
  int j = 0;
  for (; j + 2 * W <= nfull; j += 2 * W) tile<T, MR, 2>(k, a, ars, acs, b + j, ldb, c + j, ldc);
  if (j < nfull) tile<T, MR, 1>(k, a, ars, acs, b + j, ldb, c + j, ldc);
  if (nr > 0) tile_tail<T, MR>(k, nr, a, ars, acs, bt, c + nfull, ldc);
}

template <typename T>
void gemm_acc(int m, int n, int k, const T* a, std::ptrdiff_t ars, std::ptrdiff_t acs, const T* b,
              std::ptrdiff_t ldb, T* c, std::ptrdiff_t ldc) {
  constexpr int W = Simd<T>::W;
  constexpr int MR = KANSCAN_VEC_BYTES == 64 ? 8 : 4;  // AVX-512 has 32 vector registers
  // k in chunks of KC (C accumulates, so chunking keeps the order of every sum); B's ragged last
  // columns are copied once per chunk into a padded panel.
  constexpr int KC = 256;
  const int nr = n % W, nfull = n - nr;
  T bt[KC * W];
  for (int p0 = 0; p0 < k; p0 += KC) {
    const int kc = k - p0 < KC ? k - p0 : KC;
    if (nr > 0)
      for (int p = 0; p < kc; ++p)
        for (int j = 0; j < W; ++j) bt[p * W + j] = j < nr ? b[(p0 + p) * ldb + nfull + j] : T(0);
    const T* ak = a + p0 * acs;
    const T* bk = b + p0 * ldb;
    int i = 0;
    for (; i + MR <= m; i += MR) row_panel<T, MR>(nfull, nr, kc, ak + i * ars, ars, acs, bk, ldb, bt, c + i * ldc, ldc);
    if (MR == 8 && m - i >= 4) {
      row_panel<T, 4>(nfull, nr, kc, ak + i * ars, ars, acs, bk, ldb, bt, c + i * ldc, ldc);
      i += 4;
    }
    switch (m - i) {
      case 3: row_panel<T, 3>(nfull, nr, kc, ak + i * ars, ars, acs, bk, ldb, bt, c + i * ldc, ldc); break;
      case 2: row_panel<T, 2>(nfull, nr, kc, ak + i * ars, ars, acs, bk, ldb, bt, c + i * ldc, ldc); break;
      case 1: row_panel<T, 1>(nfull, nr, kc, ak + i * ars, ars, acs, bk, ldb, bt, c + i * ldc, ldc); break;
      default: break;
    }
  }
}

// MR dot products of length k against one row of Bt: L = 32 bytes of logical lane partial sums
// (NL vectors of W lanes), summed pairwise in a fixed tree, then the tail in order.
template <typename T, int MR>
static KANSCAN_INLINE void dot_rows(int k, const T* a, std::ptrdiff_t lda, const T* bt, T* c, std::ptrdiff_t ldc) {
  using V = typename DotSimd<T>::V;
  constexpr int W = DotSimd<T>::W;
  constexpr int L = 32 / static_cast<int>(sizeof(T)), NL = L / W;
  V acc[MR][NL];
  for (int r = 0; r < MR; ++r)
    for (int v = 0; v < NL; ++v) acc[r][v] = V{};
  int p = 0;
  for (; p + L <= k; p += L) {
    V bv[NL];
    for (int v = 0; v < NL; ++v) bv[v] = load_as<V>(bt + p + v * W);
    for (int r = 0; r < MR; ++r)
      for (int v = 0; v < NL; ++v) acc[r][v] += load_as<V>(a + r * lda + p + v * W) * bv[v];
  }
  for (int r = 0; r < MR; ++r) {
    T lane[L];
    for (int v = 0; v < NL; ++v) store(lane + v * W, acc[r][v]);
    for (int w = L; w > 1; w /= 2)
      for (int l = 0; l < w / 2; ++l) lane[l] = lane[l] + lane[l + w / 2];
    T s = lane[0];
    for (int q = p; q < k; ++q) s += a[r * lda + q] * bt[q];
    c[r * ldc] += s;
  }
}

template <typename T>
void gemm_dot(int m, int n, int k, const T* a, std::ptrdiff_t lda, const T* bt, std::ptrdiff_t ldbt, T* c,
              std::ptrdiff_t ldc) {
  constexpr int MR = 4;
  for (int j = 0; j < n; ++j) {
    const T* bj = bt + j * ldbt;
    int i = 0;
    for (; i + MR <= m; i += MR) dot_rows<T, MR>(k, a + i * lda, lda, bj, c + i * ldc + j, ldc);
    for (; i < m; ++i) dot_rows<T, 1>(k, a + i * lda, lda, bj, c + i * ldc + j, ldc);
  }
}

static KANSCAN_INLINE float exp_of(float x) { return __builtin_expf(x); }
static KANSCAN_INLINE double exp_of(double x) { return __builtin_exp(x); }
static KANSCAN_INLINE float tanh_of(float x) { return __builtin_tanhf(x); }
static KANSCAN_INLINE double tanh_of(double x) { return __builtin_tanh(x); }

// Same branches as models::sigmoid (exp never overflows).
template <typename T>
static KANSCAN_INLINE T sigmoid_of(T z) {
  if (z >= T(0)) return T(1) / (T(1) + exp_of(-z));
  const T e = exp_of(z);
  return e / (T(1) + e);
}

// One loop per activation (the switch outside), so that the cheap ones vectorise.
template <typename T>
void activation_rows(Activation act, T slope, const T* z, const T* mask, T* y, T* act_out, std::size_t n) {
  auto run = [&](auto f) {
    if (act_out) {
      for (std::size_t i = 0; i < n; ++i) act_out[i] = f(z[i]);
      if (mask) {
        for (std::size_t i = 0; i < n; ++i) y[i] = act_out[i] * mask[i];
      } else {
        for (std::size_t i = 0; i < n; ++i) y[i] = act_out[i];
      }
    } else if (mask) {
      for (std::size_t i = 0; i < n; ++i) y[i] = f(z[i]) * mask[i];
    } else {
      for (std::size_t i = 0; i < n; ++i) y[i] = f(z[i]);
    }
  };
  switch (act) {
    case Activation::identity: run([](T v) { return v; }); break;
    case Activation::relu: run([](T v) { return v > T(0) ? v : T(0); }); break;
    case Activation::leaky_relu: run([slope](T v) { return v > T(0) ? v : slope * v; }); break;
    case Activation::silu: run([](T v) { return v * sigmoid_of(v); }); break;
    case Activation::tanh: run([](T v) { return tanh_of(v); }); break;
    case Activation::sigmoid: run([](T v) { return sigmoid_of(v); }); break;
  }
}

template <typename T>
void activation_grad_rows(Activation act, T slope, const T* z, const T* a, const T* mask, const T* dy, T* dz,
                          std::size_t n) {
  auto run = [&](auto grad) {
    if (mask) {
      for (std::size_t i = 0; i < n; ++i) dz[i] = (dy[i] * mask[i]) * grad(i);
    } else {
      for (std::size_t i = 0; i < n; ++i) dz[i] = dy[i] * grad(i);
    }
  };
  switch (act) {
    case Activation::identity: run([](std::size_t) { return T(1); }); break;
    case Activation::relu: run([z](std::size_t i) { return z[i] > T(0) ? T(1) : T(0); }); break;
    case Activation::leaky_relu: run([z, slope](std::size_t i) { return z[i] > T(0) ? T(1) : slope; }); break;
    case Activation::silu:
      run([z](std::size_t i) {
        const T s = sigmoid_of(z[i]);
        return s * (T(1) + z[i] * (T(1) - s));
      });
      break;
    case Activation::tanh: run([a](std::size_t i) { return T(1) - a[i] * a[i]; }); break;
    case Activation::sigmoid: run([a](std::size_t i) { return a[i] * (T(1) - a[i]); }); break;
  }
}

template <typename T>
void column_sums(int rows, int n, const T* x, std::ptrdiff_t ld, T* colsum) {
  for (int r = 0; r < rows; ++r) {
    const T* xr = x + r * ld;
    for (int j = 0; j < n; ++j) colsum[j] += xr[j];
  }
}

#undef KANSCAN_INLINE

template void gemm_acc<float>(int, int, int, const float*, std::ptrdiff_t, std::ptrdiff_t, const float*,
                              std::ptrdiff_t, float*, std::ptrdiff_t);
template void gemm_acc<double>(int, int, int, const double*, std::ptrdiff_t, std::ptrdiff_t, const double*,
                               std::ptrdiff_t, double*, std::ptrdiff_t);
template void gemm_dot<float>(int, int, int, const float*, std::ptrdiff_t, const float*, std::ptrdiff_t, float*,
                              std::ptrdiff_t);
template void gemm_dot<double>(int, int, int, const double*, std::ptrdiff_t, const double*, std::ptrdiff_t, double*,
                               std::ptrdiff_t);
template void activation_rows<float>(Activation, float, const float*, const float*, float*, float*, std::size_t);
template void activation_rows<double>(Activation, double, const double*, const double*, double*, double*,
                                      std::size_t);
template void activation_grad_rows<float>(Activation, float, const float*, const float*, const float*, const float*,
                                          float*, std::size_t);
template void activation_grad_rows<double>(Activation, double, const double*, const double*, const double*,
                                           const double*, double*, std::size_t);
template void column_sums<float>(int, int, const float*, std::ptrdiff_t, float*);
template void column_sums<double>(int, int, const double*, std::ptrdiff_t, double*);
