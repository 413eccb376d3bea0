#include <gtest/gtest.h>

#include <cmath>

#include "io/config.hpp"
#include "io/results.hpp"
#include "io/trials_schema.hpp"
#include "tests/support/support.hpp"

using namespace kanscan;

TEST(TrialsSchema, ColumnsAsTheResultsFileStoresThem) {
  const auto metrics = io::metric_columns(Task::regression, {"nu_px"});
  const io::TrialsSchema s = io::trials_schema(metrics);
  const auto cfg = io::config_columns();
  ASSERT_EQ(s.columns.size(), 6 + cfg.size() + 2 + metrics.size());
  using T = h5::ColumnType;
  auto expect = [&](std::size_t i, const std::string& name, T type, std::size_t size) {
    EXPECT_EQ(s.columns[i].name, name) << i;
    EXPECT_EQ(s.columns[i].type, type) << name;
    EXPECT_EQ(s.columns[i].size, size) << name;
  };
  expect(0, "trial_id", T::fixed_string, 16);
  expect(1, "model", T::fixed_string, 64);
  expect(2, "status", T::fixed_string, 8);
  expect(3, "seed", T::int64, 0);
  expect(4, "split", T::int64, 0);
  expect(5, "n_params", T::int64, 0);
  EXPECT_EQ(s.config_begin, 6u);
  for (std::size_t k = 0; k < cfg.size(); ++k) {
    const bool integer = cfg[k].type == io::KeyType::boolean || cfg[k].type == io::KeyType::integer;
    const bool real = cfg[k].type == io::KeyType::real;
    expect(6 + k, cfg[k].name, integer ? T::int64 : real ? T::float64 : T::fixed_string, integer || real ? 0 : 16);
  }
  expect(6 + cfg.size(), "epochs_run", T::int64, 0);
  expect(7 + cfg.size(), "train_seconds", T::float64, 0);
  EXPECT_EQ(s.metrics_begin, 8 + cfg.size());
  for (std::size_t m = 0; m < metrics.size(); ++m) expect(s.metrics_begin + m, metrics[m], T::float64, 0);
  EXPECT_EQ(s.index("grid_size"), 6 + [&] {
    for (std::size_t k = 0; k < cfg.size(); ++k)
      if (cfg[k].name == "grid_size") return k;
    return cfg.size();
  }());
  EXPECT_EQ(s.index("no_such_column"), s.columns.size());
}

TEST(TrialsSchema, NotApplicableConvention) {
  const std::vector<h5::Column> cols{
      {"a", h5::ColumnType::int64, 0}, {"b", h5::ColumnType::float64, 0}, {"c", h5::ColumnType::fixed_string, 16}};
  h5::Row row(cols.size());
  for (std::size_t i = 0; i < cols.size(); ++i) io::set_not_applicable(row, i, cols[i]);
  test::TempDir dir;
  {
    h5::File f((dir / "t.h5").string(), h5::File::Mode::create_truncate);
    f.root().create_table("t", cols).append(row);
  }
  h5::File f((dir / "t.h5").string(), h5::File::Mode::read_only);
  const auto t = f.root().read_table("t");
  ASSERT_EQ(t.fields.size(), 3u);
  EXPECT_EQ(t.fields[0].numbers, (std::vector<double>{-1}));
  EXPECT_TRUE(std::isnan(t.fields[1].numbers[0]));
  EXPECT_EQ(t.fields[2].strings, (std::vector<std::string>{""}));
  EXPECT_TRUE(std::isnan(io::integer_value(static_cast<double>(io::kNotApplicableInteger))));
  EXPECT_EQ(io::integer_value(0.0), 0.0);
  EXPECT_EQ(io::integer_value(5.0), 5.0);
}
