// kan_kernel_path, the one place that picks a KAN layer's kernels: its boundaries (out = 7/8, the
// gemm path's grid limit G+k+1 <= 3(k+2), cubic and uniform knots for the closed-form bases, the
// expansion keep-limit), and that a layer runs what it says.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "models/kan_kernels.hpp"
#include "models/kan_layer.hpp"
#include "models/kan_path.hpp"

using namespace kanscan;
using namespace kanscan::models;

namespace {

KanKernelPath path_of(int out, int G, int k = 3, bool uniform = true, int in = 22) {
  return kan_kernel_path(KanShape{in, out, G, k, uniform});
}

}  // namespace

TEST(KanPath, NarrowBelowEightOutputsWhateverTheGrid) {
  EXPECT_EQ(kKanNarrowOut, 8);
  for (int out = 1; out < 8; ++out)
    for (int G : {1, 5, 11, 12, 50}) {
      const KanKernelPath p = path_of(out, G);
      EXPECT_EQ(p.path, KanPath::narrow) << out << " " << G;
      EXPECT_EQ(p.out_stride, out);
      EXPECT_FALSE(p.pad_dy);
      EXPECT_EQ(p.dense_width, 0);
    }
  EXPECT_EQ(path_of(7, 5).path, KanPath::narrow);
  EXPECT_EQ(path_of(8, 5).path, KanPath::gemm);
  EXPECT_EQ(path_of(7, 20).path, KanPath::narrow);
  EXPECT_EQ(path_of(8, 20).path, KanPath::wide);
}

TEST(KanPath, GemmWhileTheExpansionIsAtMostThreeTimesTheLocalWork) {
  // G+k+1 <= 3(k+2), i.e. G <= 2k+5: G <= 7, 9, 11 for k = 1, 2, 3.
  EXPECT_EQ(path_of(64, 11).path, KanPath::gemm);
  EXPECT_EQ(path_of(64, 12).path, KanPath::wide);
  EXPECT_EQ(path_of(8, 7, 1).path, KanPath::gemm);
  EXPECT_EQ(path_of(8, 8, 1).path, KanPath::wide);
  EXPECT_EQ(path_of(8, 9, 2).path, KanPath::gemm);
  EXPECT_EQ(path_of(8, 10, 2).path, KanPath::wide);
  for (int k = 1; k <= kMaxSplineOrder; ++k) {
    SCOPED_TRACE("k = " + std::to_string(k));
    const KanKernelPath last = path_of(45, 2 * k + 5, k);
    EXPECT_EQ(last.path, KanPath::gemm);
    EXPECT_EQ(last.dense_width, 3 * (k + 2));
    EXPECT_EQ(last.out_stride, 45);  // the compact coefficients are not padded
    EXPECT_FALSE(last.pad_dy);
    EXPECT_EQ(path_of(45, 2 * k + 6, k).path, KanPath::wide);
    // Non-uniform knots change the bases, never the path.
    EXPECT_EQ(path_of(45, 2 * k + 5, k, false).path, KanPath::gemm);
    EXPECT_EQ(path_of(45, 2 * k + 6, k, false).path, KanPath::wide);
  }
}

TEST(KanPath, WideLayersArePaddedToEightColumns) {
  for (int out : {8, 9, 15, 16, 45, 64}) {
    const KanKernelPath p = path_of(out, 20);
    EXPECT_EQ(p.path, KanPath::wide);
    EXPECT_EQ(p.out_stride, (out + 7) / 8 * 8);
    EXPECT_EQ(p.out_stride, kan_out_stride(out));
    EXPECT_EQ(p.pad_dy, out % 8 != 0);
    EXPECT_EQ(p.dense_width, 0);
  }
}

TEST(KanPath, ClosedFormBasesOnlyForCubicSplinesOnUniformKnots) {
  for (int out : {1, 8, 64})
    for (int G : {3, 20}) {
      EXPECT_EQ(path_of(out, G, 3, true).basis, KanBasis::uniform_cubic);
      EXPECT_EQ(path_of(out, G, 3, false).basis, KanBasis::generic);
      for (int k : {1, 2, 4, 15}) {
        EXPECT_EQ(path_of(out, G, k, true).basis, KanBasis::generic);
        EXPECT_EQ(path_of(out, G, k, false).basis, KanBasis::generic);
      }
    }
}

TEST(KanPath, ExpansionKeptByTrainingForwardsUpToTheLimit) {
  const KanKernelPath p = path_of(64, 5);  // D = 9
  ASSERT_EQ(p.path, KanPath::gemm);
  EXPECT_TRUE(kan_keeps_expansion(p, 22, 4096, true, kKanExpansionKeepLimit));
  EXPECT_FALSE(kan_keeps_expansion(p, 22, 4096, false, kKanExpansionKeepLimit));
  EXPECT_TRUE(kan_keeps_expansion(p, 22, 100, true, 100 * 22 * 9));
  EXPECT_FALSE(kan_keeps_expansion(p, 22, 101, true, 100 * 22 * 9));
  EXPECT_FALSE(kan_keeps_expansion(p, 22, 1, true, 0));
  // Only the gemm path has an expansion.
  EXPECT_FALSE(kan_keeps_expansion(path_of(3, 5), 22, 10, true, kKanExpansionKeepLimit));
  EXPECT_FALSE(kan_keeps_expansion(path_of(64, 20), 22, 10, true, kKanExpansionKeepLimit));
  // 4M values: full-batch L-BFGS on [22,64,1] (D = 9) expands again from 21,184 events on.
  EXPECT_TRUE(kan_keeps_expansion(p, 22, 21183, true, kKanExpansionKeepLimit));
  EXPECT_FALSE(kan_keeps_expansion(p, 22, 21184, true, kKanExpansionKeepLimit));
}

TEST(KanPath, LayersRunTheirShapesPath) {
  for (int out : {3, 8, 45})
    for (int G : {5, 11, 12}) {
      KanLayer<float> layer(6, out, SplineKnots<float>::uniform(6, G, 3, -1.0, 1.0));
      const KanKernelPath want = kan_kernel_path({6, out, G, 3, true});
      EXPECT_EQ(layer.kernel_path().path, want.path);
      EXPECT_EQ(layer.kernel_path().basis, KanBasis::uniform_cubic);
      EXPECT_EQ(layer.kernel_path().out_stride, want.out_stride);
    }
  // A grid update adapts the knots to the data: the same path, generic bases from then on.
  KanLayer<double> layer(2, 8, SplineKnots<double>::uniform(2, 5, 3, -1.0, 1.0));
  std::vector<double> p(layer.n_params()), g(layer.n_params());
  layer.bind(p.data(), g.data());
  Mat<double> x(50, 2);
  for (Eigen::Index b = 0; b < 50; ++b) {
    x(b, 0) = std::pow(static_cast<double>(b) / 49.0, 3.0);
    x(b, 1) = std::sin(static_cast<double>(b));
  }
  layer.update_grid(x, 0.02);
  EXPECT_FALSE(layer.knots().all_uniform());
  EXPECT_EQ(layer.kernel_path().path, KanPath::gemm);
  EXPECT_EQ(layer.kernel_path().basis, KanBasis::generic);
}
