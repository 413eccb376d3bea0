#pragma once
// Shared by the HDF5 and CSV halves of io/readers (readers.cpp, readers_csv.cpp); not an API.
#include <string>
#include <vector>

#include "io/readers.hpp"

namespace kanscan::io::detail {

// Labels in [0, declared) (or >= 0 when declared is 0) with at least two classes present;
// sets n_classes. `lines` (CSV) names the line of each label in messages.
void check_labels(const std::vector<std::int32_t>& labels, int n_classes_declared, const std::string& file,
                  const std::string& key, const std::vector<int>& lines, int& n_classes);
// The first cfg.events rows and the cfg.features columns.
Dataset finish(Dataset d, const DataConfig& cfg, const std::string& file);
// CSV by extension (.csv, .txt, .tsv), as read_data_file dispatches.
bool is_csv_path(const std::string& path);
DataFileShape probe_csv(const std::string& path, Task task, const DataConfig& cfg);

}  // namespace kanscan::io::detail
