#pragma once
// Writes small results files in the layout of ../shared/SPEC.md "Results file", so that the
// analysis can be tested before (and independently of) the scan engine's writer.
#include <hdf5.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <string>
#include <vector>

#include "types/model_state.hpp"
#include "types/trial.hpp"
#include "io/h5.hpp"

namespace kanscan::test {

struct FixtureColumn {
  enum Kind { int64, float64, string, boolean } kind;
  std::string name;
};
// One cell; which member is used follows the column's kind (a plain struct rather than a
// variant, which trips GCC 12's -Wmaybe-uninitialized).
struct FixtureValue {
  std::int64_t i = 0;
  double d = 0;
  std::string s;
  FixtureValue(int v) : i(v) {}
  FixtureValue(std::int64_t v) : i(v) {}
  FixtureValue(double v) : d(v) {}
  FixtureValue(std::string v) : s(std::move(v)) {}
  FixtureValue(const char* v) : s(v) {}
};

struct FixtureTrial {
  std::vector<FixtureValue> values;  // one per column
  bool write_group = true;
  bool with_model = false;
  std::vector<double> val_metric{0.7, 0.8, 0.85};
  std::vector<double> roc_fpr{0, 0.2, 1}, roc_tpr{0, 0.7, 1};
  std::vector<std::int64_t> test_index{0, 1, 2, 3};
  std::vector<float> test_predictions{0.1f, 0.9f, 0.4f, 0.6f};
  // A real trained trial: when set, its history, ROC, predictions, index and model are written
  // instead of the placeholders above.
  const TrialOutcome* outcome = nullptr;
  std::string config_json = "{\"model\":{\"type\":\"kan\"},\"seed\":1}";
};

struct FixtureOptions {
  bool vlen_strings = true;
  int empty_tail_rows = 0;         // extendible table grown but rows never written
  std::string data_file;           // root attribute data_file
  bool root_attrs = true;
  std::size_t n_features = 3;      // for the model
};

// A single-layer KAN [f, 1], G = 5, k = 3 on [-1, 1] with simple known coefficients.
inline ModelState fixture_kan(std::size_t f, double scale = 1.0) {
  const int g = 5, k = 3;
  ModelState m;
  m.task = "classification";
  m.output = "sigmoid";
  m.input_mean.assign(f, 0.0);
  m.input_std.assign(f, 1.0);
  LayerState l;
  l.kind = "kan";
  l.attrs["grid_size"] = std::int64_t{g};
  l.attrs["spline_order"] = std::int64_t{k};
  Tensor grid{{f, std::size_t(g + 2 * k + 1)}, {}};
  for (std::size_t i = 0; i < f; ++i)
    for (int j = -k; j <= g + k; ++j) grid.data.push_back(-1.0 + 2.0 * j / g);
  Tensor base{{1, f}, {}}, scaler{{1, f}, {}}, spline{{1, f, std::size_t(g + k)}, {}};
  for (std::size_t i = 0; i < f; ++i) {
    base.data.push_back(0.5 * scale * double(i + 1));
    scaler.data.push_back(1.0);
    for (int m2 = 0; m2 < g + k; ++m2) spline.data.push_back(scale * double(i + 1) * (m2 - 3.5) / 4.0);
  }
  l.tensors["grid"] = grid;
  l.tensors["base_weight"] = base;
  l.tensors["spline_scaler"] = scaler;
  l.tensors["spline_weight"] = spline;
  m.layers.push_back(l);
  return m;
}

inline void write_results_fixture(const std::string& path, const std::vector<FixtureColumn>& cols,
                                  const std::vector<FixtureTrial>& trials, const FixtureOptions& o = {}) {
  h5::File file(path, h5::File::Mode::create_truncate);
  h5::Group root = file.root();
  if (o.root_attrs) {
    root.set_attr("kanscan_version", std::string("0.1.0"));
    root.set_attr("schema_version", std::int64_t{1});
    root.set_attr("scan_name", std::string("fixture"));
    root.set_attr("created_utc", std::string("2026-01-01T00:00:00Z"));
  }
  if (!o.data_file.empty()) root.set_attr("data_file", o.data_file);
  h5::Group scan = root.create_group("scan");
  scan.write_strings("config_yaml", {"name: fixture\ntask: classification\n"});

  // Compound row layout: packed, one member per column.
  std::vector<std::size_t> offset;
  std::size_t size = 0;
  const std::size_t fixed_len = 24;
  hid_t str_type = H5Tcopy(H5T_C_S1);
  H5Tset_size(str_type, o.vlen_strings ? H5T_VARIABLE : fixed_len);
  hid_t bool_type = H5Tenum_create(H5T_NATIVE_INT8);
  {
    std::int8_t f = 0, t = 1;
    H5Tenum_insert(bool_type, "FALSE", &f);
    H5Tenum_insert(bool_type, "TRUE", &t);
  }
  auto member_size = [&](const FixtureColumn& c) -> std::size_t {
    switch (c.kind) {
      case FixtureColumn::int64: return 8;
      case FixtureColumn::float64: return 8;
      case FixtureColumn::boolean: return 1;
      case FixtureColumn::string: return o.vlen_strings ? sizeof(char*) : fixed_len;
    }
    return 0;
  };
  for (const auto& c : cols) offset.push_back(size), size += member_size(c);
  hid_t type = H5Tcreate(H5T_COMPOUND, size);
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const auto& c = cols[i];
    const hid_t mt = c.kind == FixtureColumn::int64     ? H5T_NATIVE_INT64
                     : c.kind == FixtureColumn::float64 ? H5T_NATIVE_DOUBLE
                     : c.kind == FixtureColumn::boolean ? bool_type
                                                        : str_type;
    H5Tinsert(type, c.name.c_str(), offset[i], mt);
  }
  const std::size_t rows = trials.size() + std::size_t(o.empty_tail_rows);
  std::vector<unsigned char> buf(rows * size, 0);
  std::vector<std::string> keep;  // backing store for vlen pointers
  keep.reserve(rows * cols.size());
  for (std::size_t r = 0; r < trials.size(); ++r)
    for (std::size_t i = 0; i < cols.size(); ++i) {
      unsigned char* p = buf.data() + r * size + offset[i];
      const auto& v = trials[r].values.at(i);
      switch (cols[i].kind) {
        case FixtureColumn::int64: {
          const std::int64_t x = v.i;
          std::memcpy(p, &x, 8);
          break;
        }
        case FixtureColumn::float64: {
          const double x = v.d;
          std::memcpy(p, &x, 8);
          break;
        }
        case FixtureColumn::boolean: {
          const std::int8_t x = v.i ? 1 : 0;
          std::memcpy(p, &x, 1);
          break;
        }
        case FixtureColumn::string: {
          keep.push_back(v.s);
          if (o.vlen_strings) {
            const char* s = keep.back().c_str();
            std::memcpy(p, &s, sizeof(char*));
          } else {
            std::memcpy(p, keep.back().data(), std::min(fixed_len, keep.back().size()));
          }
          break;
        }
      }
    }
  // Empty tail rows: vlen pointers stay null, which HDF5 writes as empty strings.
  hsize_t dims[1] = {rows}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {8};
  hid_t space = H5Screate_simple(1, dims, maxdims);
  hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(dcpl, 1, chunk);
  hid_t dset = H5Dcreate2(root.id(), "trials", type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
  if (rows) H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data());
  H5Dclose(dset);
  H5Pclose(dcpl);
  H5Sclose(space);
  H5Tclose(type);
  H5Tclose(bool_type);
  H5Tclose(str_type);

  h5::Group tg = root.create_group("trial");
  std::size_t id_col = 0;
  for (std::size_t i = 0; i < cols.size(); ++i)
    if (cols[i].name == "trial_id") id_col = i;
  for (const auto& t : trials) {
    if (!t.write_group) continue;
    h5::Group g = tg.create_group(t.values.at(id_col).s);
    g.set_attr("config", t.config_json);
    if (const TrialOutcome* out = t.outcome) {
      h5::Group h = g.create_group("history");
      h.write("epoch", std::vector<std::int32_t>(out->history.epoch.begin(), out->history.epoch.end()));
      h.write("train_loss", out->history.train_loss);
      h.write("val_loss", out->history.val_loss);
      h.write("val_metric", out->history.val_metric);
      h.set_attr("val_metric_name", out->history.val_metric_name);
      if (!out->roc_fpr.empty()) {
        h5::Group roc = g.create_group("roc");
        roc.write("fpr", out->roc_fpr);
        roc.write("tpr", out->roc_tpr);
      }
      const auto& p = out->test_predictions;
      g.write("test_predictions", std::vector<float>(p.data(), p.data() + p.size()),
              p.cols() == 1 ? std::vector<std::size_t>{std::size_t(p.rows())}
                            : std::vector<std::size_t>{std::size_t(p.rows()), std::size_t(p.cols())});
      g.write("test_index", out->test_index);
      h5::Group mg = g.create_group("model");
      mg.write_model(out->model);
      continue;
    }
    h5::Group h = g.create_group("history");
    std::vector<std::int64_t> ep;
    std::vector<double> tl, vl;
    for (std::size_t e = 0; e < t.val_metric.size(); ++e) {
      ep.push_back(std::int64_t(e + 1));
      tl.push_back(1.0 / double(e + 1));
      vl.push_back(1.1 / double(e + 1));
    }
    h.write("epoch", ep);
    h.write("train_loss", tl);
    h.write("val_loss", vl);
    h.write("val_metric", t.val_metric);
    h.set_attr("val_metric_name", std::string("val_auc"));
    h5::Group roc = g.create_group("roc");
    roc.write("fpr", t.roc_fpr);
    roc.write("tpr", t.roc_tpr);
    g.write("test_predictions", t.test_predictions);
    g.write("test_index", t.test_index);
    if (t.with_model) {
      h5::Group mg = g.create_group("model");
      mg.write_model(fixture_kan(o.n_features));
    }
  }
}

// The columns most tests use: id, model, status, seed, n_params, depth, width, grid_size,
// optimizer, lr, epochs_run, train_seconds, test_auc, test_accuracy.
inline std::vector<FixtureColumn> standard_columns() {
  using C = FixtureColumn;
  return {{C::string, "trial_id"}, {C::string, "model"},      {C::string, "status"},     {C::int64, "seed"},
          {C::int64, "n_params"},  {C::int64, "depth"},       {C::int64, "width"},       {C::int64, "grid_size"},
          {C::string, "optimizer"}, {C::float64, "lr"},       {C::int64, "epochs_run"},  {C::float64, "train_seconds"},
          {C::float64, "test_auc"}, {C::float64, "test_accuracy"}};
}

inline FixtureTrial standard_trial(const std::string& id, const std::string& model, const std::string& status,
                                   std::int64_t seed, std::int64_t n_params, std::int64_t depth, std::int64_t width,
                                   std::int64_t grid, double auc) {
  FixtureTrial t;
  t.values = {id,    model, status, seed, n_params, depth, width, grid, std::string("adam"), 1e-3,
              std::int64_t{3}, 0.5, auc, auc - 0.1};
  return t;
}

}  // namespace kanscan::test
