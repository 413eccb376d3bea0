#pragma once
// In-memory event data passed from io/ (readers, generators) to models/ (trainer).
// Plain data, no HDF5/YAML. Features are float32, row-major [N, F].
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "types/vocabulary.hpp"

namespace kanscan {

using RowMatrixXf = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using RowMatrixXd = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

struct Dataset {
  RowMatrixXf features;               // [N, F]
  std::vector<std::int32_t> labels;   // [N] class index (classification), else empty
  RowMatrixXf targets;                // [N, T] (regression), else 0x0
  std::vector<float> weights;         // [N] event weights, empty = all 1
  std::vector<std::int64_t> index;    // [N] row of each event in the source file
  std::vector<std::string> feature_names;
  std::vector<std::string> target_names;
  int n_classes = 0;                  // classification only
  std::vector<std::string> class_names;  // when the file names them (CSV `classes`, HDF5 /class_names)
  std::vector<std::string> notes;     // what the reader decided on its own (e.g. a pandas index column left out)

  std::size_t size() const { return static_cast<std::size_t>(features.rows()); }
  std::size_t n_features() const { return static_cast<std::size_t>(features.cols()); }
  std::size_t n_targets() const { return static_cast<std::size_t>(targets.cols()); }
};

// Train / validation / test partition of one dataset (disjoint rows).
struct DataSplit {
  Task task = Task::classification;
  Dataset train;
  Dataset val;
  Dataset test;
};

}  // namespace kanscan
