// User data readers: the good paths and every kind of bad file named in issue 5.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>

#include "framework/error.hpp"
#include "io/h5.hpp"
#include "io/readers.hpp"
#include "tests/support/support.hpp"

using namespace kanscan;

namespace {

// Expects an InputError whose message contains every one of `parts`.
void expect_input_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no InputError thrown";
  } catch (const InputError& e) {
    const std::string m = e.what();
    for (const auto& p : parts) EXPECT_NE(m.find(p), std::string::npos) << "'" << p << "' not in: " << m;
  }
}

struct DataFileWriter {
  explicit DataFileWriter(std::string p) : path(std::move(p)) {}
  std::string path;
  std::size_t n = 6, f = 2;
  std::function<void(h5::Group&)> extra;
  bool features = true, labels = true;
  std::vector<float> x() const {
    std::vector<float> v(n * f);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
    return v;
  }
  void write() const {
    h5::File file(path, h5::File::Mode::create_truncate);
    auto root = file.root();
    if (features) root.write("features", x(), {n, f});
    if (labels) {
      std::vector<std::int32_t> y(n);
      for (std::size_t i = 0; i < n; ++i) y[i] = static_cast<std::int32_t>(i % 2);
      root.write("labels", y);
    }
    if (extra) extra(root);
  }
};

DataConfig csv_cls(const std::string& label = "label") {
  DataConfig c;
  c.label_column = label;
  return c;
}

}  // namespace

// ---------- HDF5 ----------

TEST(ReadHdf5, GoodFileWithNamesWeightsAndSelection) {
  test::TempDir dir;
  DataFileWriter w{(dir / "ok.h5").string()};
  w.extra = [](h5::Group& g) {
    g.write_strings("feature_names", {"a", "b"});
    g.write("weights", std::vector<float>{1, 2, 3, 4, 5, 6});
    g.write_strings("class_names", {"bkg", "sig"});
  };
  w.write();
  DataConfig cfg;
  Dataset d = io::read_hdf5_data(w.path, Task::classification, cfg);
  EXPECT_EQ(d.size(), 6u);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.features(2, 1), 5.0f);
  EXPECT_EQ(d.labels, (std::vector<std::int32_t>{0, 1, 0, 1, 0, 1}));
  EXPECT_EQ(d.weights[5], 6.0f);
  EXPECT_EQ(d.n_classes, 2);
  EXPECT_EQ(d.index, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5}));
  cfg.features = {"b"};
  cfg.events = 4;
  d = io::read_hdf5_data(w.path, Task::classification, cfg);
  EXPECT_EQ(d.size(), 4u);
  EXPECT_EQ(d.n_features(), 1u);
  EXPECT_EQ(d.features(3, 0), 7.0f);
  cfg.features = {"c"};
  expect_input_error([&] { io::read_hdf5_data(w.path, Task::classification, cfg); }, {"unknown feature 'c'", "a, b"});
  cfg.features = {};
  cfg.events = 7;
  expect_input_error([&] { io::read_hdf5_data(w.path, Task::classification, cfg); }, {"only 6"});
}

TEST(ReadHdf5, RegressionTargets1dAnd2d) {
  test::TempDir dir;
  DataFileWriter w{(dir / "reg.h5").string()};
  w.labels = false;
  w.extra = [](h5::Group& g) { g.write("targets", std::vector<double>(12, 1.5), {6, 2}); };
  w.write();
  const Dataset d = io::read_hdf5_data(w.path, Task::regression, {});
  EXPECT_EQ(d.n_targets(), 2u);
  EXPECT_EQ(d.target_names, (std::vector<std::string>{"t0", "t1"}));
  EXPECT_EQ(d.targets(5, 1), 1.5f);
  DataFileWriter w1{(dir / "reg1.h5").string()};
  w1.labels = false;
  w1.extra = [](h5::Group& g) { g.write("targets", std::vector<float>(6, 2.0f)); };
  w1.write();
  EXPECT_EQ(io::read_hdf5_data(w1.path, Task::regression, {}).n_targets(), 1u);
}

TEST(ReadHdf5, MissingDatasets) {
  test::TempDir dir;
  DataFileWriter w{(dir / "nofeat.h5").string()};
  w.features = false;
  w.write();
  expect_input_error([&] { io::read_hdf5_data(w.path, Task::classification, {}); },
                     {w.path, "/features", "missing dataset", "labels"});
  DataFileWriter l{(dir / "nolab.h5").string()};
  l.labels = false;
  l.write();
  expect_input_error([&] { io::read_hdf5_data(l.path, Task::classification, {}); }, {l.path, "/labels", "missing"});
  expect_input_error([&] { io::read_hdf5_data(l.path, Task::regression, {}); }, {"/targets", "missing"});
}

TEST(ReadHdf5, EmptyAndNonHdf5Files) {
  test::TempDir dir;
  const std::string empty = (dir / "empty.h5").string();
  { h5::File f(empty, h5::File::Mode::create_truncate); }
  expect_input_error([&] { io::read_hdf5_data(empty, Task::classification, {}); }, {empty, "/features", "missing"});
  const std::string zero = (dir / "zero.h5").string();
  test::write_file(zero, "");
  expect_input_error([&] { io::read_hdf5_data(zero, Task::classification, {}); }, {zero, "not an HDF5 file"});
  expect_input_error([&] { io::read_hdf5_data((dir / "nope.h5").string(), Task::classification, {}); },
                     {"does not exist"});
  DataFileWriter w{(dir / "norows.h5").string()};
  w.n = 0;
  w.write();
  expect_input_error([&] { io::read_hdf5_data(w.path, Task::classification, {}); }, {"/features", "empty"});
}

TEST(ReadHdf5, WrongShapes) {
  test::TempDir dir;
  DataFileWriter a{(dir / "a.h5").string()};
  a.features = false;
  a.extra = [](h5::Group& g) { g.write("features", std::vector<float>(6, 1.0f)); };
  a.write();
  expect_input_error([&] { io::read_hdf5_data(a.path, Task::classification, {}); }, {"/features", "2-D"});
  DataFileWriter b{(dir / "b.h5").string()};
  b.labels = false;
  b.extra = [](h5::Group& g) { g.write("labels", std::vector<std::int32_t>{0, 1, 0}); };
  b.write();
  expect_input_error([&] { io::read_hdf5_data(b.path, Task::classification, {}); }, {"/labels", "[3]", "6 rows"});
  DataFileWriter c{(dir / "c.h5").string()};
  c.extra = [](h5::Group& g) { g.write_strings("feature_names", {"only_one"}); };
  c.write();
  expect_input_error([&] { io::read_hdf5_data(c.path, Task::classification, {}); }, {"/feature_names", "expected 2"});
  DataFileWriter d{(dir / "d.h5").string()};
  d.extra = [](h5::Group& g) { g.write("weights", std::vector<float>{1, 2}); };
  d.write();
  expect_input_error([&] { io::read_hdf5_data(d.path, Task::classification, {}); }, {"/weights", "6 rows"});
}

TEST(ReadHdf5, WrongDtypes) {
  test::TempDir dir;
  DataFileWriter a{(dir / "a.h5").string()};
  a.labels = false;
  a.extra = [](h5::Group& g) { g.write("labels", std::vector<float>{0, 1, 0, 1, 0, 1}); };
  a.write();
  expect_input_error([&] { io::read_hdf5_data(a.path, Task::classification, {}); },
                     {"/labels", "wrong dtype", "integer", "float"});
  DataFileWriter b{(dir / "b.h5").string()};
  b.features = false;
  b.extra = [](h5::Group& g) { g.write_strings("features", {"x", "y"}); };
  b.write();
  expect_input_error([&] { io::read_hdf5_data(b.path, Task::classification, {}); }, {"/features", "wrong dtype", "string"});
  DataFileWriter c{(dir / "c.h5").string()};
  c.labels = false;
  c.extra = [](h5::Group& g) { g.write_strings("targets", {"1", "2", "3", "4", "5", "6"}); };
  c.write();
  expect_input_error([&] { io::read_hdf5_data(c.path, Task::regression, {}); }, {"/targets", "wrong dtype"});
}

TEST(ReadHdf5, NanAndInfValues) {
  test::TempDir dir;
  DataFileWriter a{(dir / "a.h5").string()};
  a.features = false;
  a.extra = [](h5::Group& g) {
    std::vector<float> x(12, 1.0f);
    x[5] = std::numeric_limits<float>::quiet_NaN();  // row 2, column 1
    g.write("features", x, {6, 2});
    g.write_strings("feature_names", {"pt", "eta"});
  };
  a.write();
  expect_input_error([&] { io::read_hdf5_data(a.path, Task::classification, {}); },
                     {a.path, "/features", "row 2", "eta", "NaN"});
  DataFileWriter b{(dir / "b.h5").string()};
  b.labels = false;
  b.extra = [](h5::Group& g) {
    std::vector<double> t(6, 1.0);
    t[4] = std::numeric_limits<double>::infinity();
    g.write("targets", t);
  };
  b.write();
  expect_input_error([&] { io::read_hdf5_data(b.path, Task::regression, {}); }, {"/targets", "row 4", "inf"});
  DataFileWriter c{(dir / "c.h5").string()};
  c.extra = [](h5::Group& g) {
    g.write("weights", std::vector<double>{1, 1, std::nan(""), 1, 1, 1});
  };
  c.write();
  expect_input_error([&] { io::read_hdf5_data(c.path, Task::classification, {}); }, {"/weights", "row 2"});
}

TEST(ReadHdf5, LabelsOutsideTheClassRange) {
  test::TempDir dir;
  DataFileWriter a{(dir / "neg.h5").string()};
  a.labels = false;
  a.extra = [](h5::Group& g) { g.write("labels", std::vector<std::int32_t>{0, 1, -1, 1, 0, 1}); };
  a.write();
  expect_input_error([&] { io::read_hdf5_data(a.path, Task::classification, {}); },
                     {"/labels", "label -1", "row 2", "class range"});
  DataFileWriter b{(dir / "big.h5").string()};
  b.labels = false;
  b.extra = [](h5::Group& g) {
    g.write("labels", std::vector<std::int64_t>{0, 1, 2, 1, 0, 1});
    g.write_strings("class_names", {"bkg", "sig"});
  };
  b.write();
  expect_input_error([&] { io::read_hdf5_data(b.path, Task::classification, {}); }, {"label 2", "[0, 1]"});
  DataFileWriter c{(dir / "one.h5").string()};
  c.labels = false;
  c.extra = [](h5::Group& g) { g.write("labels", std::vector<std::int32_t>(6, 0)); };
  c.write();
  expect_input_error([&] { io::read_hdf5_data(c.path, Task::classification, {}); }, {"C >= 2"});
}

// ---------- CSV ----------

TEST(ReadCsv, GoodClassificationFile) {
  test::TempDir dir;
  const std::string p = (dir / "ok.csv").string();
  test::write_file(p, "# exported by my analysis\r\n pt , \"eta\",label,w\r\n10,0.5,1,2.0\r\n20,-1e-1,0,1\n\n30,+1.5,1.0,0.5\n");
  DataConfig cfg = csv_cls();
  cfg.weight_column = "w";
  const Dataset d = io::read_csv_data(p, Task::classification, cfg);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"pt", "eta"}));
  EXPECT_EQ(d.size(), 3u);
  EXPECT_EQ(d.features(1, 1), -0.1f);
  EXPECT_EQ(d.features(2, 1), 1.5f);
  EXPECT_EQ(d.labels, (std::vector<std::int32_t>{1, 0, 1}));
  EXPECT_EQ(d.weights, (std::vector<float>{2.0f, 1.0f, 0.5f}));
  EXPECT_EQ(d.n_classes, 2);
  cfg.features = {"eta"};
  EXPECT_EQ(io::read_data_file(p, Task::classification, cfg).n_features(), 1u);
  // Spreadsheet exports start with a UTF-8 byte-order mark.
  const std::string bom = (dir / "bom.csv").string();
  test::write_file(bom, "\xEF\xBB\xBFpt,label\n1,0\n2,1\n");
  EXPECT_EQ(io::read_csv_data(bom, Task::classification, csv_cls()).feature_names, (std::vector<std::string>{"pt"}));
}

TEST(ReadCsv, GoodRegressionFile) {
  test::TempDir dir;
  const std::string p = (dir / "reg.csv").string();
  test::write_file(p, "a,t1,b,t2\n1,2,3,4\n5,6,7,8\n");
  DataConfig cfg;
  cfg.target_columns = {"t2", "t1"};
  const Dataset d = io::read_csv_data(p, Task::regression, cfg);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.target_names, (std::vector<std::string>{"t2", "t1"}));
  EXPECT_EQ(d.targets(1, 0), 8.0f);
  EXPECT_EQ(d.targets(1, 1), 6.0f);
  EXPECT_EQ(d.features(1, 1), 7.0f);
}

TEST(ReadCsv, RaggedRowNamesTheLine) {
  test::TempDir dir;
  const std::string p = (dir / "ragged.csv").string();
  test::write_file(p, "a,b,label\n1,2,0\n3,4,1\n5,6\n");
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls()); },
                     {p + ":4", "ragged", "2 fields", "expected 3"});
}

TEST(ReadCsv, EmptyAndHeaderOnlyFiles) {
  test::TempDir dir;
  const std::string e = (dir / "empty.csv").string();
  test::write_file(e, "");
  expect_input_error([&] { io::read_csv_data(e, Task::classification, csv_cls()); }, {e, "empty file"});
  const std::string h = (dir / "header.csv").string();
  test::write_file(h, "a,b,label\n\n");
  expect_input_error([&] { io::read_csv_data(h, Task::classification, csv_cls()); }, {h, "no data rows"});
  expect_input_error([&] { io::read_csv_data((dir / "missing.csv").string(), Task::classification, csv_cls()); },
                     {"does not exist"});
}

TEST(ReadCsv, BadValues) {
  test::TempDir dir;
  const std::string p = (dir / "bad.csv").string();
  test::write_file(p, "a,b,label\n1,2,0\n1,abc,1\n");
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls()); }, {p + ":3", "column 'b'", "'abc'"});
  test::write_file(p, "a,b,label\n1,nan,0\n1,2,1\n");
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls()); }, {p + ":2", "column 'b'", "non-finite"});
  test::write_file(p, "a,b,label\n1,2,0\n1,inf,1\n");
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls()); }, {p + ":3", "non-finite"});
  test::write_file(p, "a,b,label\n1,,0\n");
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls()); }, {p + ":2", "column 'b'", "data row 0", "empty cell"});
}

TEST(ReadCsv, LabelsOutsideTheClassRange) {
  test::TempDir dir;
  const std::string p = (dir / "lab.csv").string();
  test::write_file(p, "a,label\n1,0\n2,-1\n");
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls()); }, {p + ":3", "label -1"});
  test::write_file(p, "a,label\n1,0\n2,0.5\n");
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls()); }, {p + ":3", "not a class index"});
  test::write_file(p, "a,label\n1,1\n2,1\n");
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls()); }, {"C >= 2"});
}

TEST(ReadCsv, ColumnsMustExistAndBeNamed) {
  test::TempDir dir;
  const std::string p = (dir / "cols.csv").string();
  test::write_file(p, "a,b,y\n1,2,0\n3,4,1\n");
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls("label")); },
                     {"data.label", "'label'", "a, b, y"});
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls("")); }, {"data.label"});
  expect_input_error([&] { io::read_csv_data(p, Task::regression, {}); }, {"data.targets"});
  DataConfig w = csv_cls("y");
  w.weight_column = "weight";
  expect_input_error([&] { io::read_csv_data(p, Task::classification, w); }, {"data.weights"});
  test::write_file(p, "a,a,y\n1,2,0\n");
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls("y")); }, {p + ":1", "duplicate"});
}

TEST(ReadData, DispatchByExtension) {
  test::TempDir dir;
  const std::string p = (dir / "x.parquet").string();
  test::write_file(p, "PAR1");
  expect_input_error([&] { io::read_data_file(p, Task::classification, {}); }, {"unknown file type"});
}

TEST(ReadData, FeaturesAloneWithTheChecksOfRun) {
  test::TempDir dir;
  DataFileWriter w{(dir / "f.h5").string()};
  w.labels = false;
  w.extra = [](h5::Group& g) { g.write_strings("feature_names", {"a", "b"}); };
  w.write();
  const Dataset d = io::read_hdf5_features(w.path);
  EXPECT_EQ(d.size(), 6u);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(d.labels.empty());
  EXPECT_TRUE(io::read_hdf5_features(w.path, true).labels.empty());  // labels are optional here
  DataFileWriter l{(dir / "l.h5").string()};
  l.extra = [](h5::Group& g) { g.write("weights", std::vector<float>{1, 2, 3, 4, 5, 6}); };
  l.write();
  const Dataset e = io::read_hdf5_features(l.path, true);
  EXPECT_EQ(e.labels, (std::vector<std::int32_t>{0, 1, 0, 1, 0, 1}));
  EXPECT_EQ(e.weights.size(), 6u);
  EXPECT_TRUE(io::read_hdf5_features(l.path).labels.empty());
  DataFileWriter bad{(dir / "bad.h5").string()};
  bad.extra = [](h5::Group& g) {
    std::vector<float> x(12, 1.0f);
    x[3] = std::nanf("");
    g.write("features", x, {6, 2});
  };
  bad.write();
  expect_input_error([&] { io::read_hdf5_features(bad.path); }, {bad.path, "/features", "non-finite", "row 1"});
  DataFileWriter nofeat{(dir / "nofeat.h5").string()};
  nofeat.features = false;
  nofeat.write();
  expect_input_error([&] { io::read_hdf5_features(nofeat.path); }, {nofeat.path, "/features", "missing", "labels"});
}

TEST(ReadData, ProbeReadsShapesOnly) {
  test::TempDir dir;
  DataFileWriter w{(dir / "reg.h5").string()};
  w.labels = false;
  w.extra = [](h5::Group& g) {
    g.write("targets", std::vector<double>(18, 1.5), {6, 3});
    g.write_strings("target_names", {"x", "y", "z"});
  };
  w.write();
  auto s = io::probe_data_file(w.path, Task::regression, {});
  EXPECT_EQ(s.rows, 6u);
  EXPECT_EQ(s.features, 2u);
  EXPECT_EQ(s.targets, 3u);
  EXPECT_EQ(s.feature_names, (std::vector<std::string>{"f0", "f1"}));
  EXPECT_EQ(s.target_names, (std::vector<std::string>{"x", "y", "z"}));
  EXPECT_EQ(io::probe_data_file(w.path, Task::classification, {}).targets, 0u);
  const std::string csv = (dir / "c.csv").string();
  test::write_file(csv, "# comment\npt,eta,label,w\n1,2,0,1\n\n# more\n3,4,1,1\n5,6,0,1\n");
  DataConfig cfg = csv_cls();
  cfg.weight_column = "w";
  s = io::probe_data_file(csv, Task::classification, cfg);
  EXPECT_EQ(s.rows, 3u);
  EXPECT_EQ(s.feature_names, (std::vector<std::string>{"pt", "eta"}));
  EXPECT_EQ(s.features, 2u);
  DataConfig reg;
  reg.target_columns = {"eta", "label"};
  s = io::probe_data_file(csv, Task::regression, reg);
  EXPECT_EQ(s.feature_names, (std::vector<std::string>{"pt", "w"}));
  EXPECT_EQ(s.targets, 2u);
  expect_input_error([&] { io::probe_data_file((dir / "none.h5").string(), Task::classification, {}); },
                     {"does not exist"});
}

// ---------- split ----------

TEST(Split, FractionsAndDeterminism) {
  Dataset d;
  d.features = RowMatrixXf::Zero(100, 1);
  for (int i = 0; i < 100; ++i) {
    d.features(i, 0) = static_cast<float>(i);
    d.labels.push_back(i % 2);
    d.index.push_back(1000 + i);
  }
  DataConfig cfg;
  cfg.train = 0.7, cfg.val = 0.1, cfg.test = 0.2;
  const DataSplit a = io::split_dataset(d, Task::classification, cfg);
  EXPECT_EQ(a.train.size(), 70u);
  EXPECT_EQ(a.val.size(), 10u);
  EXPECT_EQ(a.test.size(), 20u);
  for (std::size_t i = 0; i < a.test.size(); ++i)
    EXPECT_EQ(a.test.index[i], 1000 + static_cast<std::int64_t>(a.test.features(static_cast<Eigen::Index>(i), 0)));
  EXPECT_EQ(io::split_dataset(d, Task::classification, cfg).train.index, a.train.index);
  cfg.seed = 2;
  EXPECT_NE(io::split_dataset(d, Task::classification, cfg).train.index, a.train.index);
  cfg.test = 0.2 + 1e-12;  // within 1e-9 is fine
  EXPECT_NO_THROW(io::split_dataset(d, Task::classification, cfg));
  cfg.test = 0.3;
  expect_input_error([&] { io::split_dataset(d, Task::classification, cfg); }, {"data.split", "sum to 1"});
  cfg.train = -0.1, cfg.val = 0.9, cfg.test = 0.2;
  expect_input_error([&] { io::split_dataset(d, Task::classification, cfg); }, {"[0, 1]"});
  cfg.train = 0.0, cfg.val = 0.5, cfg.test = 0.5;
  expect_input_error([&] { io::split_dataset(d, Task::classification, cfg); }, {"training split is empty"});
}

// ---------- CSV as pandas and spreadsheets write it (RFC 4180, issue 16) ----------

TEST(ReadCsv, QuotedFieldsDelimitersAndLineBreaksInside) {
  test::TempDir dir;
  const std::string p = (dir / "q.csv").string();
  test::write_file(p, "\"p_T, \"\"GeV\"\"\",\"eta\nraw\",label\n\"1.5\",2,0\n3,\"4\",1\n");
  const Dataset d = io::read_csv_data(p, Task::classification, csv_cls());
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"p_T, \"GeV\"", "eta\nraw"}));
  EXPECT_EQ(d.features(0, 0), 1.5f);
  EXPECT_EQ(d.features(1, 1), 4.0f);
  test::write_file(p, "a,label\n1,0\n\"2,1\n3,0\n");  // an unterminated quote
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls()); }, {p, "quoting"});
  test::write_file(p, "a,label\n1,0\n2\"x\",1\n");  // a quote inside an unquoted field
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls()); }, {p + ":3", "quoting"});
}

TEST(ReadCsv, DelimiterKey) {
  test::TempDir dir;
  const std::string p = (dir / "t.csv").string();
  test::write_file(p, "a\tb\tlabel\n1\t2\t0\n3\t4\t1\n");
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls()); }, {p + ":1", "data.delimiter"});
  DataConfig cfg = csv_cls();
  cfg.delimiter = "\t";
  const Dataset d = io::read_csv_data(p, Task::classification, cfg);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(d.features(1, 1), 4.0f);
}

TEST(ReadCsv, StringLabelsThroughClasses) {
  test::TempDir dir;
  const std::string p = (dir / "s.csv").string();
  test::write_file(p, "a,label\n1,sig\n2,bkg\n3,sig\n");
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls()); }, {p + ":2", "'sig'", "data.classes"});
  DataConfig cfg = csv_cls();
  cfg.classes = {"bkg", "sig"};
  const Dataset d = io::read_csv_data(p, Task::classification, cfg);
  EXPECT_EQ(d.labels, (std::vector<std::int32_t>{1, 0, 1}));
  EXPECT_EQ(d.n_classes, 2);
  EXPECT_EQ(d.class_names, cfg.classes);
  test::write_file(p, "a,label\n1,sig\n2,qcd\n");
  expect_input_error([&] { io::read_csv_data(p, Task::classification, cfg); }, {p + ":3", "'qcd'", "bkg, sig"});
}

TEST(ReadCsv, PandasIndexColumn) {
  test::TempDir dir;
  const std::string p = (dir / "i.csv").string();
  test::write_file(p, ",a,label\n0,1.5,0\n1,2.5,1\n2,3.5,0\n");
  Dataset d = io::read_csv_data(p, Task::classification, csv_cls());
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a"}));
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_NE(d.notes[0].find("index"), std::string::npos);
  test::write_file(p, "Unnamed: 0,a,label\n0,1.5,0\n1,2.5,1\n2,3.5,0\n");
  d = io::read_csv_data(p, Task::classification, csv_cls());
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a"}));
  EXPECT_EQ(d.features(2, 0), 3.5f);
  test::write_file(p, "Unnamed: 0,a,label\n5,1.5,0\n9,2.5,1\n");  // filtered, then written back: not 0..N-1
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls()); }, {"Unnamed: 0", "data.features"});
  DataConfig cfg = csv_cls();
  cfg.features = {"a"};
  EXPECT_EQ(io::read_csv_data(p, Task::classification, cfg).feature_names, (std::vector<std::string>{"a"}));
  test::write_file(p, "a,,label\n1,2,0\n");  // an unnamed column elsewhere is not an index
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls()); }, {p + ":1", "column 2 has no name"});
}

TEST(ReadCsv, NumericOverflowIsNamed) {
  test::TempDir dir;
  const std::string p = (dir / "o.csv").string();
  test::write_file(p, "a,label\n1e400,0\n2,1\n");
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls()); },
                     {p + ":2", "column 'a'", "numeric overflow", "'1e400'", "64-bit"});
  test::write_file(p, "a,label\n1,0\n-4e38,1\n");
  expect_input_error([&] { io::read_csv_data(p, Task::classification, csv_cls()); }, {p + ":3", "float32"});
  test::write_file(p, "a,label\n1e-400,0\n2,1\n");  // underflow is a (tiny) number
  EXPECT_EQ(io::read_csv_data(p, Task::classification, csv_cls()).features(0, 0), 0.0f);
}

TEST(ReadCsv, LongCellsAreCutInMessages) {
  test::TempDir dir;
  const std::string p = (dir / "l.csv").string();
  test::write_file(p, "a,label\n" + std::string(10000, 'x') + ",0\n");
  try {
    io::read_csv_data(p, Task::classification, csv_cls());
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_LT(std::string(e.what()).size(), 400u) << e.what();
    EXPECT_NE(std::string(e.what()).find("…"), std::string::npos);
  }
}

TEST(ReadCsv, FeaturesForPredictMayLackTheLabel) {
  test::TempDir dir;
  const std::string p = (dir / "n.csv").string();
  test::write_file(p, ",a,w,b\n0,1,9,2\n1,3,9,4\n");
  DataConfig cfg = csv_cls();
  cfg.weight_column = "w";
  const Dataset d = io::read_data_features(p, Task::classification, cfg);
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(d.labels.empty());
  EXPECT_EQ(d.weights, (std::vector<float>{9.0f, 9.0f}));
}
