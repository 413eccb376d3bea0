#include "io/trials_schema.hpp"

namespace kanscan::io {

std::size_t TrialsSchema::index(const std::string& name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == name) return i;
  return columns.size();
}

TrialsSchema trials_schema(const std::vector<std::string>& metric_columns) {
  using h5::ColumnType;
  TrialsSchema s;
  auto add = [&](const std::string& name, ColumnType type, std::size_t size = 0) {
    s.columns.push_back({name, type, size});
  };
  add(kTrialIdColumn, ColumnType::fixed_string, kTrialIdBytes);
  add("model", ColumnType::fixed_string, kModelBytes);
  add("status", ColumnType::fixed_string, kStatusBytes);
  add("seed", ColumnType::int64);
  add("split", ColumnType::int64);
  add("n_params", ColumnType::int64);
  s.config_begin = s.columns.size();
  s.config = config_columns();
  for (const auto& c : s.config) {
    switch (c.type) {
      case KeyType::boolean:
      case KeyType::integer: add(c.name, ColumnType::int64); break;
      case KeyType::real: add(c.name, ColumnType::float64); break;
      default: add(c.name, ColumnType::fixed_string, kChoiceBytes); break;
    }
  }
  add("epochs_run", ColumnType::int64);
  add("train_seconds", ColumnType::float64);
  s.metrics_begin = s.columns.size();
  for (const auto& m : metric_columns) add(m, ColumnType::float64);
  return s;
}

void set_not_applicable(h5::Row& row, std::size_t column, const h5::Column& type) {
  if (type.type == h5::ColumnType::int64) row.set_int(column, kNotApplicableInteger);
  else if (type.type == h5::ColumnType::float64) row.set_real(column, kNotApplicableReal);
}

}  // namespace kanscan::io
