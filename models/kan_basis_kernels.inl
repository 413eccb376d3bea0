// Basis evaluation of the KAN layers other than B-splines (BasisKanLayer), included after
// kan_kernels.inl into one namespace per instruction set (kan_kernels_{generic,avx2,avx512}.cpp),
// so it shares exp_ieee and the vector types. Self-contained for the same reason as that file.
//
// Every kernel works on rows [0, rows) of a block whose inputs z are [rows, in], one row at a
// time with the inputs as vector lanes (the last chunk of a row zero-padded): all operations are
// elementwise IEEE operations in a fixed order, no FMA, no libm, so the vector width does not
// change a bit and the three copies agree. Function m of input i of row r goes to
// a[r*lda + m*in + i], its derivative to da[r*functions*in + m*in + i] (da may be null: an
// inference forward needs none).

template <typename T>
using KanVec = typename KanIeee<T>::V;

template <typename T>
static constexpr int kan_lanes() {
  return KANSCAN_KAN_VEC_BYTES / static_cast<int>(sizeof(T));
}

// `lanes` values from src into a vector, the other lanes zero.
template <typename T>
static inline KanVec<T> load_lanes(const T* src, int lanes) {
  KanVec<T> v;
  if (lanes == kan_lanes<T>()) {
    __builtin_memcpy(&v, src, sizeof(v));
    return v;
  }
  T tmp[kan_lanes<T>()] = {};
  for (int l = 0; l < lanes; ++l) tmp[l] = src[l];
  __builtin_memcpy(&v, tmp, sizeof(v));
  return v;
}

template <typename T>
static inline void store_lanes(T* dst, const KanVec<T>& v, int lanes) {
  if (lanes == kan_lanes<T>()) {
    __builtin_memcpy(dst, &v, sizeof(v));
    return;
  }
  T tmp[kan_lanes<T>()];
  __builtin_memcpy(tmp, &v, sizeof(v));
  for (int l = 0; l < lanes; ++l) dst[l] = tmp[l];
}

template <typename T>
static inline KanVec<T> abs_vec(KanVec<T> x) {
  return x < T(0) ? -x : x;
}

// tanh from exp_ieee: 1 - 2 / (exp(2x) + 1); absolute error a few ulp of 1, exact -1 and 1 in
// the tails (exp_ieee clamps its argument), NaN propagates.
template <typename T>
static inline KanVec<T> tanh_ieee(KanVec<T> x) {
  return T(1) - T(2) / (exp_ieee<T>(x + x) + T(1));
}

// sin and cos from IEEE operations: v = q pi/2 + r with q = round(2v/pi) (the 1.5*2^mantissa
// trick), Cody-Waite reduction with pi/2 in three parts, Taylor polynomials on |r| <= pi/4, the
// quadrant q mod 4 picks and signs them. |v| is clamped to 1e5 (float) or 1e6 (double), where the
// first part times q is still exact; NaN propagates.
template <typename T>
static inline void sincos_ieee(KanVec<T> v, KanVec<T>& s, KanVec<T>& c) {
  using V = KanVec<T>;
  using U = typename KanIeee<T>::U;
  constexpr bool f = sizeof(T) == 4;
  const T lim = T(f ? 1e5 : 1e6);
  v = v > lim ? V{} + lim : v;
  v = v < -lim ? V{} - lim : v;
  const T magic = __builtin_bit_cast(T, KanIeee<T>::kMagicBits);
  const V t = v * T(0.63661977236758134308) + magic;
  const V n = t - magic;
  V r;
  if constexpr (f)
    r = ((v - n * T(1.5703125)) - n * T(4.837512969970703125e-4)) - n * T(7.54978995489188216e-8);
  else
    r = ((v - n * T(1.57079632673412561417e+00)) - n * T(6.07710050630396597660e-11)) -
        n * T(2.02226624871116645580e-21);
  const V r2 = r * r;
  // Taylor coefficients, highest first: sin r = r + r r2 S(r2), cos r = 1 + r2 C(r2); the first
  // term left out is below 2^-24 (float) / 2^-53 (double) relative at |r| = pi/4.
  constexpr int ns = f ? 4 : 9, nc = f ? 5 : 10;
  double fs[ns], fc[nc];
  double fact = 1.0;
  for (int j = 1; j <= 2 * nc; ++j) {
    fact *= j;
    const double term = ((j / 2) % 2 ? -1.0 : 1.0) / fact;  // j = 2, 3: negative; 4, 5: positive; ...
    if (j % 2 == 1 && j >= 3 && (j - 3) / 2 < ns) fs[ns - 1 - (j - 3) / 2] = term;
    if (j % 2 == 0 && (j - 2) / 2 < nc) fc[nc - 1 - (j - 2) / 2] = term;
  }
  V ps = V{} + T(fs[0]);
  for (int j = 1; j < ns; ++j) ps = ps * r2 + T(fs[j]);
  V pc = V{} + T(fc[0]);
  for (int j = 1; j < nc; ++j) pc = pc * r2 + T(fc[j]);
  const V sr = r + r * (r2 * ps);
  const V cr = T(1) + r2 * pc;
  const U q = __builtin_bit_cast(U, t) - KanIeee<T>::kMagicBits;
  const auto swap = (q & 1) != 0;
  const V s0 = swap ? cr : sr;
  const V c0 = swap ? sr : cr;
  s = (q & 2) != 0 ? -s0 : s0;
  c = ((q + 1) & 2) != 0 ? -c0 : c0;
}

// FastKAN's Gaussian radial basis: phi_m(z) = exp(-u^2), u = (z - c_m) / h; d phi_m/dz = -2 u phi_m / h.
template <typename T>
void kan_rbf_rows(const KanBasisArgs<T>& p, const T* z, int rows, T* a, std::ptrdiff_t lda, T* da, T* /*q*/) {
  constexpr int W = kan_lanes<T>();
  const int in = p.in, M = p.functions;
  const T ih = p.inv_h, k2 = T(-2) * p.inv_h;
  for (int r = 0; r < rows; ++r) {
    const T* zr = z + static_cast<std::size_t>(r) * in;
    T* ar = a + r * lda;
    T* dr = da ? da + static_cast<std::size_t>(r) * M * in : nullptr;
    for (int i0 = 0; i0 < in; i0 += W) {
      const int lanes = in - i0 < W ? in - i0 : W;
      const KanVec<T> v = load_lanes(zr + i0, lanes);
      for (int m = 0; m < M; ++m) {
        const KanVec<T> u = (v - p.centers[m]) * ih;
        const KanVec<T> phi = exp_ieee<T>(-(u * u));
        store_lanes(ar + static_cast<std::size_t>(m) * in + i0, phi, lanes);
        if (dr) store_lanes(dr + static_cast<std::size_t>(m) * in + i0, (k2 * u) * phi, lanes);
      }
    }
  }
}

// ChebyKAN's basis: T_0 .. T_d of t = tanh(x) (or clamp(x, -1, 1)) by T_n = 2t T_{n-1} - T_{n-2};
// dT_n/dx = n U_{n-1}(t) dt/dx with U_n = 2t U_{n-1} - U_{n-2}, finite for every x (ChebyKAN's
// cos(n acos(t)) has an infinite derivative where tanh rounds to +-1).
template <typename T>
void kan_chebyshev_rows(const KanBasisArgs<T>& p, const T* z, int rows, T* a, std::ptrdiff_t lda, T* da, T* /*q*/) {
  constexpr int W = kan_lanes<T>();
  const int in = p.in, D = p.functions;
  for (int r = 0; r < rows; ++r) {
    const T* zr = z + static_cast<std::size_t>(r) * in;
    T* ar = a + r * lda;
    T* dr = da ? da + static_cast<std::size_t>(r) * D * in : nullptr;
    for (int i0 = 0; i0 < in; i0 += W) {
      const int lanes = in - i0 < W ? in - i0 : W;
      const KanVec<T> v = load_lanes(zr + i0, lanes);
      KanVec<T> t, dt;
      if (p.clamp) {
        const KanVec<T> lo = v < T(-1) ? KanVec<T>{} - T(1) : v;
        t = lo > T(1) ? KanVec<T>{} + T(1) : lo;
        dt = (v > T(-1)) & (v < T(1)) ? KanVec<T>{} + T(1) : KanVec<T>{};
      } else {
        t = tanh_ieee<T>(v);
        dt = T(1) - t * t;
      }
      const KanVec<T> t2 = t + t;
      KanVec<T> tm2 = KanVec<T>{} + T(1), tm1 = t;  // T_{n-2}, T_{n-1}
      KanVec<T> um2 = KanVec<T>{} + T(1), um1 = t2;  // U_{n-2}, U_{n-1}
      store_lanes(ar + i0, tm2, lanes);
      if (dr) store_lanes(dr + i0, KanVec<T>{}, lanes);
      if (D > 1) {
        store_lanes(ar + static_cast<std::size_t>(in) + i0, tm1, lanes);
        if (dr) store_lanes(dr + static_cast<std::size_t>(in) + i0, dt, lanes);
      }
      for (int n = 2; n < D; ++n) {
        const KanVec<T> tn = t2 * tm1 - tm2;
        store_lanes(ar + static_cast<std::size_t>(n) * in + i0, tn, lanes);
        if (dr) store_lanes(dr + static_cast<std::size_t>(n) * in + i0, (T(n) * um1) * dt, lanes);
        tm2 = tm1;
        tm1 = tn;
        const KanVec<T> un = t2 * um1 - um2;
        um2 = um1;
        um1 = un;
      }
    }
  }
}

// FourierKAN's basis: cos(k x) for k = 1 .. F (functions 0 .. F-1), then sin(k x) (F .. 2F-1),
// each from its own argument k*x as FourierKAN computes it; d/dx: -k sin(k x), k cos(k x).
template <typename T>
void kan_fourier_rows(const KanBasisArgs<T>& p, const T* z, int rows, T* a, std::ptrdiff_t lda, T* da, T* /*q*/) {
  constexpr int W = kan_lanes<T>();
  const int in = p.in, F = p.functions / 2;
  for (int r = 0; r < rows; ++r) {
    const T* zr = z + static_cast<std::size_t>(r) * in;
    T* ar = a + r * lda;
    T* dr = da ? da + static_cast<std::size_t>(r) * 2 * F * in : nullptr;
    for (int i0 = 0; i0 < in; i0 += W) {
      const int lanes = in - i0 < W ? in - i0 : W;
      const KanVec<T> v = load_lanes(zr + i0, lanes);
      for (int k = 1; k <= F; ++k) {
        const T kk = static_cast<T>(k);
        KanVec<T> s, c;
        sincos_ieee<T>(kk * v, s, c);
        const std::size_t oc = static_cast<std::size_t>(k - 1) * in + i0, os = oc + static_cast<std::size_t>(F) * in;
        store_lanes(ar + oc, c, lanes);
        store_lanes(ar + os, s, lanes);
        if (dr) {
          store_lanes(dr + oc, -(kk * s), lanes);
          store_lanes(dr + os, kk * c, lanes);
        }
      }
    }
  }
}

// KAT's safe rational function: F(x) = P(x) / Q(x), P = a_0 + ... + a_m x^m (shared by every
// input), Q = 1 + |b_1||x| + ... + |b_n||x|^n with the b of the input's group (p.den_abs[(k-1)*in + i]
// holds |b_k|). dF/dx = (P' - F Q') / Q with Q' = sign(x) sum k |b_k| |x|^(k-1) (0 at x = 0).
// q[r*in + i] receives Q for the coefficient gradients.
template <typename T>
void kan_rational_rows(const KanBasisArgs<T>& p, const T* z, int rows, T* a, std::ptrdiff_t lda, T* da, T* q) {
  constexpr int W = kan_lanes<T>();
  const int in = p.in, m = p.m, n = p.n;
  const T* num = p.numerator;
  for (int r = 0; r < rows; ++r) {
    const T* zr = z + static_cast<std::size_t>(r) * in;
    T* ar = a + r * lda;
    for (int i0 = 0; i0 < in; i0 += W) {
      const int lanes = in - i0 < W ? in - i0 : W;
      const KanVec<T> x = load_lanes(zr + i0, lanes);
      const KanVec<T> ax = abs_vec<T>(x);
      KanVec<T> P = KanVec<T>{} + num[m], dP = KanVec<T>{} + T(m) * num[m];
      for (int k = m - 1; k >= 0; --k) {
        P = P * x + num[k];
        if (k >= 1) dP = dP * x + T(k) * num[k];
      }
      KanVec<T> Q = KanVec<T>{} + T(1), dQ = KanVec<T>{};
      if (n > 0) {
        const KanVec<T> bn = load_lanes(p.den_abs + static_cast<std::size_t>(n - 1) * in + i0, lanes);
        Q = bn;
        dQ = T(n) * bn;
        for (int k = n - 1; k >= 1; --k) {
          const KanVec<T> bk = load_lanes(p.den_abs + static_cast<std::size_t>(k - 1) * in + i0, lanes);
          Q = Q * ax + bk;
          dQ = dQ * ax + T(k) * bk;
        }
        Q = Q * ax + T(1);
        dQ = x > T(0) ? dQ : (x < T(0) ? -dQ : KanVec<T>{});
      }
      const KanVec<T> F = P / Q;
      store_lanes(ar + i0, F, lanes);
      if (da) store_lanes(da + static_cast<std::size_t>(r) * in + i0, (dP - F * dQ) / Q, lanes);
      if (q) store_lanes(q + static_cast<std::size_t>(r) * in + i0, Q, lanes);
    }
  }
}

#define KANSCAN_KAN_BASIS_INSTANTIATE(T)                                                                       \
  template void kan_rbf_rows<T>(const KanBasisArgs<T>&, const T*, int, T*, std::ptrdiff_t, T*, T*);           \
  template void kan_chebyshev_rows<T>(const KanBasisArgs<T>&, const T*, int, T*, std::ptrdiff_t, T*, T*);     \
  template void kan_fourier_rows<T>(const KanBasisArgs<T>&, const T*, int, T*, std::ptrdiff_t, T*, T*);       \
  template void kan_rational_rows<T>(const KanBasisArgs<T>&, const T*, int, T*, std::ptrdiff_t, T*, T*);
KANSCAN_KAN_BASIS_INSTANTIATE(float)
KANSCAN_KAN_BASIS_INSTANTIATE(double)
#undef KANSCAN_KAN_BASIS_INSTANTIATE
