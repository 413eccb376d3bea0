// Narrow KAN layers with one output and cubic splines, AVX-512 copy only (included by
// kan_kernels.inl when built with -mavx512f). The scalar kernels keep 8 samples' sums in flight and
// gather every coefficient row at a data-dependent offset; here the vector lanes run over samples
// (forward: 16 samples, the caches transposed in 16 x 16 tiles, one input's coefficient column
// of rows <= 32 values, i.e. G <= 22 for k = 3, in one or two registers, the rows r+q picked by
// register permutes) or over inputs (dx: the caches' own layout, the rows gathered). Each lane
// computes exactly the scalar kernels' operations in their order (the SiLU term, then the four
// spline terms, skipped under a mask outside the grid), so the bits are those of the other copies.
// The parameter gradient keeps de_narrow_cubic: a version with the lanes over one input's rows
// (masked adds of permuted products, in sample order) measured 1.8x slower on this CPU.

// Rows of a 16 x 16 tile of floats become columns (shuffles only: the bits move unchanged).
static inline void kan_transpose16(__m512 r[16]) {
  __m512 t[16];
  for (int k = 0; k < 8; ++k) {
    t[2 * k] = _mm512_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm512_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
  for (int k = 0; k < 4; ++k) {
    r[4 * k] = _mm512_shuffle_ps(t[4 * k], t[4 * k + 2], 0x44);
    r[4 * k + 1] = _mm512_shuffle_ps(t[4 * k], t[4 * k + 2], 0xEE);
    r[4 * k + 2] = _mm512_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0x44);
    r[4 * k + 3] = _mm512_shuffle_ps(t[4 * k + 1], t[4 * k + 3], 0xEE);
  }
  for (int k = 0; k < 4; ++k) {
    t[k] = _mm512_shuffle_f32x4(r[k], r[k + 4], 0x88);
    t[k + 4] = _mm512_shuffle_f32x4(r[k], r[k + 4], 0xDD);
    t[k + 8] = _mm512_shuffle_f32x4(r[k + 8], r[k + 12], 0x88);
    t[k + 12] = _mm512_shuffle_f32x4(r[k + 8], r[k + 12], 0xDD);
  }
  for (int k = 0; k < 8; ++k) {
    r[k] = _mm512_shuffle_f32x4(t[k], t[k + 8], 0x88);
    r[k + 8] = _mm512_shuffle_f32x4(t[k], t[k + 8], 0xDD);
  }
}

// out[c * 16 + s] = p[s * stride + c] for 16 rows s and the first nin columns c (mask lm).
static inline void kan_load_transposed(const void* p, std::size_t stride, __mmask16 lm, float* out) {
  const float* f = static_cast<const float*>(p);
  __m512 r[16];
  for (int s = 0; s < 16; ++s) r[s] = _mm512_maskz_loadu_ps(lm, f + s * stride);
  kan_transpose16(r);
  for (int c = 0; c < 16; ++c) _mm512_store_ps(out + c * 16, r[c]);
}

static inline __mmask16 kan_lane_mask(int n) { return n >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << n) - 1u); }

// One input's coefficient column (rows values) as NT registers.
template <int NT>
struct KanColumn {
  __m512 lo, hi;
  KanColumn(const float* col, int rows) {
    lo = _mm512_maskz_loadu_ps(kan_lane_mask(rows), col);
    hi = NT == 2 ? _mm512_maskz_loadu_ps(kan_lane_mask(rows - 16), col + 16) : lo;
  }
  __m512 at(__m512i idx) const { return NT == 1 ? _mm512_permutexvar_ps(idx, lo) : _mm512_permutex2var_ps(lo, idx, hi); }
};

// Forward, 16 * NS samples from b of the block [b0, b1): per sample y = 0 + SiLU*w, then + N_q e[r+q]
// when inside the grid, inputs in order (forward_narrow_group's order); NS independent sums in flight.
template <int NT, int NS>
static void narrow1_forward_tile(const float* eff, int in, int rows, const int* r0, const float* basis,
                                 std::size_t plane, const float* silu, float* y, std::size_t b, std::size_t b0) {
  alignas(64) float ts[NS][256], tr[NS][256], tn[NS][4][256];
  __m512 acc[NS];
  for (int t = 0; t < NS; ++t) acc[t] = _mm512_setzero_ps();
  const __m512i zero = _mm512_setzero_si512();
  for (int i0 = 0; i0 < in; i0 += 16) {
    const int nin = in - i0 < 16 ? in - i0 : 16;
    const __mmask16 lm = kan_lane_mask(nin);
    for (int t = 0; t < NS; ++t) {
      const std::size_t bt = b + 16 * t;
      kan_load_transposed(silu + bt * in + i0, in, lm, ts[t]);
      kan_load_transposed(r0 + bt * in + i0, in, lm, tr[t]);
      for (int q = 0; q < 4; ++q) kan_load_transposed(basis + q * plane + (bt - b0) * in + i0, in, lm, tn[t][q]);
    }
    for (int c = 0; c < nin; ++c) {
      const float* col = eff + static_cast<std::size_t>(i0 + c) * rows;
      const KanColumn<NT> e(col, rows);
      const __m512 w = _mm512_set1_ps(col[rows - 1]);
      for (int t = 0; t < NS; ++t) {
        acc[t] = _mm512_add_ps(acc[t], _mm512_mul_ps(_mm512_load_ps(ts[t] + 16 * c), w));
        const __m512i r = _mm512_load_si512(tr[t] + 16 * c);
        const __mmask16 inside = _mm512_cmpge_epi32_mask(r, zero);
        const __m512i rc = _mm512_max_epi32(r, zero);
        for (int q = 0; q < 4; ++q) {
          const __m512 p =
              _mm512_mul_ps(_mm512_load_ps(tn[t][q] + 16 * c), e.at(_mm512_add_epi32(rc, _mm512_set1_epi32(q))));
          acc[t] = _mm512_mask_add_ps(acc[t], inside, acc[t], p);
        }
      }
    }
  }
  for (int t = 0; t < NS; ++t) _mm512_storeu_ps(y + b + 16 * t, acc[t]);
}

// dx, lanes over 16 inputs of one sample (the caches' own layout); the coefficient rows r+q of each
// input are gathered. dx_narrow's expression per element: 0 + g w, times SiLU', then + N'_q (0 + g e).
static void narrow1_dx_rows(const float* eff, int in, int rows, const int* r0, const float* dbasis,
                            std::size_t plane, const float* dsilu, const float* dy, float* dx, std::size_t b_from,
                            std::size_t b1, std::size_t b0) {
  const __m512i zero = _mm512_setzero_si512();
  const __m512 fzero = _mm512_setzero_ps();
  const __m512i lane_rows = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                               _mm512_set1_epi32(rows));
  for (int i0 = 0; i0 < in; i0 += 16) {
    const int nin = in - i0 < 16 ? in - i0 : 16;
    const __mmask16 lm = kan_lane_mask(nin);
    const float* e0 = eff + static_cast<std::size_t>(i0) * rows;
    const __m512 w = _mm512_mask_i32gather_ps(fzero, lm, _mm512_add_epi32(lane_rows, _mm512_set1_epi32(rows - 1)), e0, 4);
    for (std::size_t b = b_from; b < b1; ++b) {
      const __m512 g = _mm512_set1_ps(dy[b]);
      const __m512 s = _mm512_add_ps(fzero, _mm512_mul_ps(g, w));
      const __m512 d = _mm512_mul_ps(_mm512_maskz_loadu_ps(lm, dsilu + b * in + i0), s);
      const __m512i r = _mm512_maskz_loadu_epi32(lm, r0 + b * in + i0);
      const __m512i base = _mm512_add_epi32(lane_rows, _mm512_max_epi32(r, zero));
      const float* dq = dbasis + (b - b0) * in + i0;
      __m512 ds = d;
      for (int q = 0; q < 4; ++q) {
        const __m512 e = _mm512_mask_i32gather_ps(fzero, lm, _mm512_add_epi32(base, _mm512_set1_epi32(q)), e0, 4);
        const __m512 sq = _mm512_add_ps(fzero, _mm512_mul_ps(g, e));
        ds = _mm512_add_ps(ds, _mm512_mul_ps(_mm512_maskz_loadu_ps(lm, dq + q * plane), sq));
      }
      _mm512_mask_storeu_ps(dx + b * in + i0, lm, _mm512_mask_blend_ps(_mm512_cmpge_epi32_mask(r, zero), d, ds));
    }
  }
}

// Entry points: true when they handled the call (float; the forward for rows <= 32).
template <typename T>
static bool narrow1_forward_avx512(const T* eff, int in, int rows, const int* r0, const T* basis, const T* silu, T* y,
                                   std::size_t b0, std::size_t b1) {
  if constexpr (!std::is_same_v<T, float>) {
    return false;
  } else {
    if (rows > 32) return false;
    const std::size_t plane = (b1 - b0) * in;
    const float* bb = basis + b0 * in * 4;
    std::size_t b = b0;
    for (; b + 16 <= b1; b += 16)
      (rows <= 16 ? narrow1_forward_tile<1, 1> : narrow1_forward_tile<2, 1>)(eff, in, rows, r0, bb, plane, silu, y, b, b0);
    for (; b < b1; ++b) forward_narrow_group<T, 1, 1, 4>(eff, in, rows, 4, r0, bb, plane, silu, y, b, b0);
    return true;
  }
}

template <typename T>
static bool narrow1_dx_avx512(const T* eff, int in, int rows, const int* r0, const T* dbasis, const T* dsilu,
                              const T* dy, T* dx, std::size_t b0, std::size_t b1) {
  if constexpr (!std::is_same_v<T, float>) {
    return false;
  } else {
    narrow1_dx_rows(eff, in, rows, r0, dbasis + b0 * in * 4, (b1 - b0) * in, dsilu, dy, dx, b0, b1, b0);
    return true;
  }
}
