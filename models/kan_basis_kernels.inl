// Basis evaluation of the KAN layers other than B-splines (BasisKanLayer), included after
// kan_kernels.inl into one namespace per instruction set (kan_kernels_{generic,avx2,avx512}.cpp),
// so it shares exp_ieee and the vector types. Self-contained for the same reason as that file.
//
// Every kernel works on rows [0, rows) of a block, one row at a time with the inputs as vector
// lanes, on arrays whose rows are padded to kKanBasisPad values (p.in_pad), so every load and
// store is a full vector: all operations are elementwise IEEE operations in a fixed order, no FMA,
// no libm, so the vector width does not change a bit and the three copies agree. Function m of
// input i of row r goes to phi[(r*functions + m)*in_pad + i], its derivative to dphi at the same
// place (dphi may be null: an inference forward needs none).

template <typename T>
using KanVec = typename KanIeee<T>::V;

template <typename T>
static constexpr int kan_lanes() {
  return KANSCAN_KAN_VEC_BYTES / static_cast<int>(sizeof(T));
}

template <typename T>
static inline KanVec<T> load_vec(const T* src) {
  KanVec<T> v;
  __builtin_memcpy(&v, src, sizeof(v));
  return v;
}

template <typename T>
static inline void store_vec(T* dst, const KanVec<T>& v) {
  __builtin_memcpy(dst, &v, sizeof(v));
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
void kan_rbf_rows(const KanBasisArgs<T>& p, const T* z, int rows, T* phi, T* dphi, T* /*q*/) {
  constexpr int W = kan_lanes<T>();
  const std::size_t ip = static_cast<std::size_t>(p.in_pad);
  const int M = p.functions;
  const T ih = p.inv_h, k2 = T(-2) * p.inv_h;
  for (int r = 0; r < rows; ++r) {
    const T* zr = z + r * ip;
    T* pr = phi + static_cast<std::size_t>(r) * M * ip;
    T* dr = dphi ? dphi + static_cast<std::size_t>(r) * M * ip : nullptr;
    for (std::size_t i0 = 0; i0 < ip; i0 += W) {
      const KanVec<T> v = load_vec(zr + i0);
      for (int m = 0; m < M; ++m) {
        const KanVec<T> u = (v - p.centers[m]) * ih;
        const KanVec<T> e = exp_ieee<T>(-(u * u));
        store_vec(pr + m * ip + i0, e);
        if (dr) store_vec(dr + m * ip + i0, (k2 * u) * e);
      }
    }
  }
}

// ChebyKAN's basis: T_0 .. T_d of t = tanh(x) (or clamp(x, -1, 1)) by T_n = 2t T_{n-1} - T_{n-2};
// dT_n/dx = n U_{n-1}(t) dt/dx with U_n = 2t U_{n-1} - U_{n-2}, finite for every x (ChebyKAN's
// cos(n acos(t)) has an infinite derivative where tanh rounds to +-1).
template <typename T>
void kan_chebyshev_rows(const KanBasisArgs<T>& p, const T* z, int rows, T* phi, T* dphi, T* /*q*/) {
  constexpr int W = kan_lanes<T>();
  const std::size_t ip = static_cast<std::size_t>(p.in_pad);
  const int D = p.functions;
  const KanVec<T> one = KanVec<T>{} + T(1), zero{};
  for (int r = 0; r < rows; ++r) {
    const T* zr = z + r * ip;
    T* pr = phi + static_cast<std::size_t>(r) * D * ip;
    T* dr = dphi ? dphi + static_cast<std::size_t>(r) * D * ip : nullptr;
    for (std::size_t i0 = 0; i0 < ip; i0 += W) {
      const KanVec<T> v = load_vec(zr + i0);
      KanVec<T> t, dt;
      if (p.clamp) {
        const KanVec<T> lo = v < T(-1) ? -one : v;
        t = lo > T(1) ? one : lo;
        dt = (v > T(-1)) & (v < T(1)) ? one : zero;
      } else {
        t = tanh_ieee<T>(v);
        dt = T(1) - t * t;
      }
      const KanVec<T> t2 = t + t;
      KanVec<T> tm2 = one, tm1 = t;  // T_{n-2}, T_{n-1}
      KanVec<T> um2 = one, um1 = t2;  // U_{n-2}, U_{n-1}
      store_vec(pr + i0, one);
      if (dr) store_vec(dr + i0, zero);
      if (D > 1) {
        store_vec(pr + ip + i0, t);
        if (dr) store_vec(dr + ip + i0, dt);
      }
      for (int n = 2; n < D; ++n) {
        const KanVec<T> tn = t2 * tm1 - tm2;
        store_vec(pr + n * ip + i0, tn);
        if (dr) store_vec(dr + n * ip + i0, (T(n) * um1) * dt);
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
void kan_fourier_rows(const KanBasisArgs<T>& p, const T* z, int rows, T* phi, T* dphi, T* /*q*/) {
  constexpr int W = kan_lanes<T>();
  const std::size_t ip = static_cast<std::size_t>(p.in_pad);
  const int F = p.functions / 2;
  for (int r = 0; r < rows; ++r) {
    const T* zr = z + r * ip;
    T* pr = phi + static_cast<std::size_t>(r) * 2 * F * ip;
    T* dr = dphi ? dphi + static_cast<std::size_t>(r) * 2 * F * ip : nullptr;
    for (std::size_t i0 = 0; i0 < ip; i0 += W) {
      const KanVec<T> v = load_vec(zr + i0);
      for (int k = 1; k <= F; ++k) {
        const T kk = static_cast<T>(k);
        KanVec<T> sn, cs;
        sincos_ieee<T>(kk * v, sn, cs);
        const std::size_t oc = (k - 1) * ip + i0, os = oc + F * ip;
        store_vec(pr + oc, cs);
        store_vec(pr + os, sn);
        if (dr) {
          store_vec(dr + oc, -(kk * sn));
          store_vec(dr + os, kk * cs);
        }
      }
    }
  }
}

// KAT's safe rational function: F(x) = P(x) / Q(x) (computed as P * (1/Q)), P = a_0 + ... + a_m x^m (shared by every
// input), Q = 1 + |b_1||x| + ... + |b_n||x|^n with the b of the input's group (p.den_abs[(k-1)*in_pad + i]
// holds |b_k|). dF/dx = (P' - F Q') / Q with Q' = sign(x) sum k |b_k| |x|^(k-1) (0 at x = 0).
// q receives 1/Q for the coefficient gradients.
template <typename T>
void kan_rational_rows(const KanBasisArgs<T>& p, const T* z, int rows, T* phi, T* dphi, T* q) {
  constexpr int W = kan_lanes<T>();
  const std::size_t ip = static_cast<std::size_t>(p.in_pad);
  using U = typename KanIeee<T>::U;
  constexpr auto kSign = static_cast<typename KanIeee<T>::UInt>(1) << (8 * sizeof(T) - 1);
  const int m = p.m, n = p.n;
  const T* num = p.numerator;
  for (int r = 0; r < rows; ++r) {
    for (std::size_t i0 = 0; i0 < ip; i0 += W) {
      const std::size_t e = r * ip + i0;
      const KanVec<T> x = load_vec(z + e);
      const KanVec<T> ax = abs_vec<T>(x);
      KanVec<T> P = KanVec<T>{} + num[m], dP = KanVec<T>{} + T(m) * num[m];
      for (int k = m - 1; k >= 0; --k) {
        P = P * x + num[k];
        if (k >= 1) dP = dP * x + T(k) * num[k];
      }
      const KanVec<T> bn = load_vec(p.den_abs + (n - 1) * ip + i0);
      KanVec<T> Q = bn, dQ = T(n) * bn;
      for (int k = n - 1; k >= 1; --k) {
        const KanVec<T> bk = load_vec(p.den_abs + (k - 1) * ip + i0);
        Q = Q * ax + bk;
        dQ = dQ * ax + T(k) * bk;
      }
      Q = Q * ax + T(1);
      // d|x|/dx = copysign(1, x), as KAT's kernel (+1 at +0).
      dQ = (__builtin_bit_cast(U, x) & kSign) != 0 ? -dQ : dQ;
      const KanVec<T> iq = T(1) / Q;
      const KanVec<T> F = P * iq;
      store_vec(phi + e, F);
      if (dphi) store_vec(dphi + e, (dP - F * dQ) * iq);
      if (q) store_vec(q + e, iq);
    }
  }
}

// Backward: dz[r*in_pad + i] = sum over m (in order) of g[r*ldg + m*in + i] * dphi[(r*functions + m)*in_pad + i],
// the gradient of the loss with respect to each input of the basis; elementwise over the inputs.
template <typename T>
void kan_basis_contract_rows(const KanBasisArgs<T>& p, const T* g, std::ptrdiff_t ldg, const T* dphi, int rows, T* dz) {
  constexpr int W = kan_lanes<T>();
  const std::size_t ip = static_cast<std::size_t>(p.in_pad), in = static_cast<std::size_t>(p.in);
  const int D = p.functions;
  for (int r = 0; r < rows; ++r) {
    const T* gr = g + r * ldg;
    const T* dr = dphi + static_cast<std::size_t>(r) * D * ip;
    for (std::size_t i0 = 0; i0 < ip; i0 += W) {
      KanVec<T> acc{};
      for (int m = 0; m < D; ++m) acc += load_vec(gr + m * in + i0) * load_vec(dr + m * ip + i0);
      store_vec(dz + r * ip + i0, acc);
    }
  }
}

// Backward of the rational coefficients, per input over the block's rows (in order):
// num[k*in_pad + i] += w x^k (k = 0 .. m) and den[(k-1)*in_pad + i] += -w F |x|^k (k = 1 .. n),
// with w = g[r*ldg + i] / Q (q holds 1/Q); the caller sums over the inputs of each group and applies sign(b_k).
template <typename T>
void kan_rational_grad_rows(const KanBasisArgs<T>& p, const T* g, std::ptrdiff_t ldg, const T* x, const T* f,
                            std::ptrdiff_t ldf, const T* q, int rows, T* num, T* den) {
  constexpr int W = kan_lanes<T>();
  const std::size_t ip = static_cast<std::size_t>(p.in_pad);
  const int m = p.m, n = p.n;
  for (std::size_t i0 = 0; i0 < ip; i0 += W) {
    KanVec<T> an[kKanRationalMaxDegree + 1] = {}, ad[kKanRationalMaxDegree] = {};
    for (int r = 0; r < rows; ++r) {
      const std::size_t e = r * ip + i0;
      const KanVec<T> xv = load_vec(x + e), ax = abs_vec<T>(xv);
      const KanVec<T> w = load_vec(g + r * ldg + i0) * load_vec(q + e);
      // Loops over the largest degree with guards: unrolled, so that the accumulators stay in registers.
      KanVec<T> pw = KanVec<T>{} + T(1);
#pragma GCC unroll 16
      for (int k = 0; k <= kKanRationalMaxDegree; ++k)
        if (k <= m) {
          an[k] += w * pw;
          pw = pw * xv;
        }
      const KanVec<T> wd = -(w * load_vec(f + r * ldf + i0));
      pw = ax;
#pragma GCC unroll 16
      for (int k = 0; k < kKanRationalMaxDegree; ++k)
        if (k < n) {
          ad[k] += wd * pw;
          pw = pw * ax;
        }
    }
    for (int k = 0; k <= m; ++k) store_vec(num + k * ip + i0, load_vec(num + k * ip + i0) + an[k]);
    for (int k = 0; k < n; ++k) store_vec(den + k * ip + i0, load_vec(den + k * ip + i0) + ad[k]);
  }
}

#define KANSCAN_KAN_BASIS_INSTANTIATE(T)                                                                       \
  template void kan_rbf_rows<T>(const KanBasisArgs<T>&, const T*, int, T*, T*, T*);                             \
  template void kan_chebyshev_rows<T>(const KanBasisArgs<T>&, const T*, int, T*, T*, T*);                       \
  template void kan_fourier_rows<T>(const KanBasisArgs<T>&, const T*, int, T*, T*, T*);                         \
  template void kan_rational_rows<T>(const KanBasisArgs<T>&, const T*, int, T*, T*, T*);                        \
  template void kan_basis_contract_rows<T>(const KanBasisArgs<T>&, const T*, std::ptrdiff_t, const T*, int, T*); \
  template void kan_rational_grad_rows<T>(const KanBasisArgs<T>&, const T*, std::ptrdiff_t, const T*, const T*,  \
                                          std::ptrdiff_t, const T*, int, T*, T*);
KANSCAN_KAN_BASIS_INSTANTIATE(float)
KANSCAN_KAN_BASIS_INSTANTIATE(double)
#undef KANSCAN_KAN_BASIS_INSTANTIATE
