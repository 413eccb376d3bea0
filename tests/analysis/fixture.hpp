#pragma once
// Writes small results files in the results-file layout (docs/scan-format.md) with any subset of
// the /trials columns, so that the analysis can be tested on partial and odd files independently
// of the scan engine's writer. The columns' types and string sizes come from io/trials_schema.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "types/model_state.hpp"
#include "types/trial.hpp"
#include "io/h5.hpp"
#include "io/model_file.hpp"
#include "io/results.hpp"
#include "io/trials_schema.hpp"

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
  m.task = Task::classification;
  m.output = OutputKind::sigmoid;
  m.input_mean.assign(f, 0.0);
  m.input_std.assign(f, 1.0);
  LayerState l;
  l.kind = LayerKind::kan;
  l.grid_size = g;
  l.spline_order = k;
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

inline void write_fixture_groups(h5::Group& root, const std::vector<FixtureColumn>& cols,
                                 const std::vector<FixtureTrial>& trials, const FixtureOptions& o) {
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
      io::write_model(mg, out->model);
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
      io::write_model(mg, fixture_kan(o.n_features));
    }
  }
}

// The stored type of a fixture column: vlen_strings writes strings as h5py does, otherwise
// with the schema's fixed size (24 bytes for a column the schema does not have).
inline h5::Column fixture_column_type(const FixtureColumn& c, bool vlen_strings) {
  switch (c.kind) {
    case FixtureColumn::int64: return {c.name, h5::ColumnType::int64, 0};
    case FixtureColumn::float64: return {c.name, h5::ColumnType::float64, 0};
    case FixtureColumn::boolean: return {c.name, h5::ColumnType::boolean, 0};
    case FixtureColumn::string: break;
  }
  if (vlen_strings) return {c.name, h5::ColumnType::vlen_string, 0};
  const io::TrialsSchema schema = io::trials_schema({});
  const std::size_t i = schema.index(c.name);
  const bool known = i < schema.columns.size() && schema.columns[i].type == h5::ColumnType::fixed_string;
  return {c.name, h5::ColumnType::fixed_string, known ? schema.columns[i].size : 24};
}

inline void write_fixture_table(h5::Group& root, const std::vector<FixtureColumn>& cols,
                                const std::vector<FixtureTrial>& trials, const FixtureOptions& o) {
  std::vector<h5::Column> types;
  for (const auto& c : cols) types.push_back(fixture_column_type(c, o.vlen_strings));
  h5::Table table = root.create_table(io::kTrialsTable, types, 8);
  std::vector<h5::Row> rows;
  for (const auto& t : trials) {
    h5::Row row(cols.size());
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const auto& v = t.values.at(i);
      switch (cols[i].kind) {
        case FixtureColumn::int64: row.set_int(i, v.i); break;
        case FixtureColumn::float64: row.set_real(i, v.d); break;
        case FixtureColumn::boolean: row.set_int(i, v.i ? 1 : 0); break;
        case FixtureColumn::string: row.set_text(i, v.s); break;
      }
    }
    rows.push_back(std::move(row));
  }
  // Empty tail rows (an extendible table grown but never written): every cell 0 / "".
  for (int r = 0; r < o.empty_tail_rows; ++r) rows.emplace_back(cols.size());
  table.append(rows);
}

inline void write_results_fixture(const std::string& path, const std::vector<FixtureColumn>& cols,
                                  const std::vector<FixtureTrial>& trials, const FixtureOptions& o = {}) {
  h5::File file(path, h5::File::Mode::create_truncate);
  {
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
    write_fixture_table(root, cols, trials, o);
    write_fixture_groups(root, cols, trials, o);
  }
  file.close();
}

// The columns most tests use: id, model, status, seed, n_params, depth, width, grid_size,
// optimizer, lr, epochs_run, train_seconds, test_auc, test_accuracy, typed as /trials has them.
inline std::vector<FixtureColumn> standard_columns() {
  const io::TrialsSchema schema = io::trials_schema(io::metric_columns(Task::classification, {}));
  std::vector<FixtureColumn> out;
  for (const char* name : {"trial_id", "model", "status", "seed", "n_params", "depth", "width", "grid_size", "optimizer",
                           "lr", "epochs_run", "train_seconds", "test_auc", "test_accuracy"}) {
    const h5::Column& c = schema.columns.at(schema.index(name));
    const FixtureColumn::Kind kind = c.type == h5::ColumnType::int64     ? FixtureColumn::int64
                                     : c.type == h5::ColumnType::float64 ? FixtureColumn::float64
                                     : c.type == h5::ColumnType::boolean ? FixtureColumn::boolean
                                                                         : FixtureColumn::string;
    out.push_back({kind, c.name});
  }
  return out;
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
