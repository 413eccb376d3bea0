#include "analysis/results_file.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "framework/error.hpp"

namespace kanscan::analysis {
namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw InputError(Location{where, -1, -1, ""}, what);
}

std::string format_number(double v) {
  if (std::isnan(v)) return "";
  if (v == std::floor(v) && std::abs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

// Reads one numeric member of a compound dataset as double. HDF5 converts integer and float
// members by name; enums (h5py stores bool as an int8 enum) are read as their base integer.
std::vector<double> read_numeric_member(hid_t dset, hid_t member_type, const std::string& name, std::size_t n,
                                        const std::string& where) {
  std::vector<double> out(n, std::nan(""));
  if (n == 0) return out;
  const H5T_class_t cls = H5Tget_class(member_type);
  if (cls == H5T_ENUM) {
    h5::Handle base(H5Tget_super(member_type), H5Tclose);
    h5::Handle native(H5Tget_native_type(member_type, H5T_DIR_ASCEND), H5Tclose);
    const std::size_t size = H5Tget_size(native.id());
    const bool is_signed = H5Tget_sign(base.id()) == H5T_SGN_2;
    h5::Handle mem(H5Tcreate(H5T_COMPOUND, size), H5Tclose);
    H5Tinsert(mem.id(), name.c_str(), 0, native.id());
    std::vector<unsigned char> raw(n * size);
    if (H5Dread(dset, mem.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()) < 0)
      fail(where, "cannot read field " + name + " (corrupt or truncated)");
    for (std::size_t i = 0; i < n; ++i) {
      const unsigned char* p = raw.data() + i * size;
      long long v = 0;
      switch (size) {
        case 1: v = is_signed ? static_cast<long long>(static_cast<std::int8_t>(p[0])) : p[0]; break;
        case 2: { std::int16_t x; std::memcpy(&x, p, 2); v = is_signed ? x : static_cast<std::uint16_t>(x); break; }
        case 4: { std::int32_t x; std::memcpy(&x, p, 4); v = is_signed ? x : static_cast<std::uint32_t>(x); break; }
        default: { std::int64_t x; std::memcpy(&x, p, 8); v = x; break; }
      }
      out[i] = static_cast<double>(v);
    }
    return out;
  }
  h5::Handle mem(H5Tcreate(H5T_COMPOUND, sizeof(double)), H5Tclose);
  H5Tinsert(mem.id(), name.c_str(), 0, H5T_NATIVE_DOUBLE);
  if (H5Dread(dset, mem.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0)
    fail(where, "cannot read field " + name + " (corrupt or truncated)");
  return out;
}

std::vector<std::string> read_string_member(hid_t dset, hid_t space, hid_t member_type, const std::string& name,
                                            std::size_t n, const std::string& where) {
  std::vector<std::string> out;
  out.reserve(n);
  if (n == 0) return out;
  if (H5Tis_variable_str(member_type) > 0) {
    h5::Handle str(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(str.id(), H5T_VARIABLE);
    H5Tset_cset(str.id(), H5Tget_cset(member_type));
    h5::Handle mem(H5Tcreate(H5T_COMPOUND, sizeof(char*)), H5Tclose);
    H5Tinsert(mem.id(), name.c_str(), 0, str.id());
    std::vector<char*> ptrs(n, nullptr);
    if (H5Dread(dset, mem.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
      fail(where, "cannot read field " + name + " (corrupt or truncated)");
    for (auto* p : ptrs) out.emplace_back(p ? p : "");
    H5Dvlen_reclaim(mem.id(), space, H5P_DEFAULT, ptrs.data());
    return out;
  }
  const std::size_t len = H5Tget_size(member_type);
  h5::Handle str(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(str.id(), len);
  H5Tset_strpad(str.id(), H5T_STR_NULLPAD);
  H5Tset_cset(str.id(), H5Tget_cset(member_type));
  h5::Handle mem(H5Tcreate(H5T_COMPOUND, len), H5Tclose);
  H5Tinsert(mem.id(), name.c_str(), 0, str.id());
  std::vector<char> buf(n * len, '\0');
  if (H5Dread(dset, mem.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
    fail(where, "cannot read field " + name + " (corrupt or truncated)");
  for (std::size_t i = 0; i < n; ++i) {
    std::string s(buf.data() + i * len, len);
    s.erase(std::min(s.find('\0'), s.size()));
    while (!s.empty() && s.back() == ' ') s.pop_back();  // space-padded Fortran-style strings
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<double> read_optional(const h5::Group& g, const std::string& name) {
  if (!g.is_dataset(name)) return {};
  try {
    return g.read_double(name).data;
  } catch (const InputError&) {
    return {};  // a dataset being written right now, or of a foreign type: treat as missing
  }
}

}  // namespace

std::string Column::text(std::size_t row) const {
  if (is_string) return row < str.size() ? str[row] : "";
  return row < num.size() ? format_number(num[row]) : "";
}

const Column* TrialsTable::find(const std::string& name) const {
  for (const auto& c : columns)
    if (c.name == name) return &c;
  return nullptr;
}

double TrialsTable::number(const std::string& name, std::size_t row) const {
  const Column* c = find(name);
  if (!c || row >= rows) return std::nan("");
  if (!c->is_string) return c->num[row];
  // Numbers stored as text (e.g. lr as "1e-3"): parse, else NaN.
  const std::string& s = c->str[row];
  double v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return (r.ec == std::errc() && r.ptr == s.data() + s.size() && !s.empty()) ? v : std::nan("");
}

std::string TrialsTable::string(const std::string& name, std::size_t row) const {
  const Column* c = find(name);
  return c ? c->text(row) : "";
}

TrialsTable read_compound_table(const h5::Group& parent, const std::string& name) {
  const std::string where = parent.where(name);
  if (!parent.is_dataset(name)) fail(where, "missing dataset (expected the compound trials table)");
  h5::Handle dset(H5Dopen2(parent.id(), name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dset) fail(where, "cannot open dataset");
  h5::Handle ftype(H5Dget_type(dset.id()), H5Tclose);
  if (H5Tget_class(ftype.id()) != H5T_COMPOUND)
    fail(where, "expected a compound table (one field per column), got another type");
  h5::Handle space(H5Dget_space(dset.id()), H5Sclose);
  if (H5Sget_simple_extent_ndims(space.id()) != 1) fail(where, "expected a 1-D table");
  hsize_t dims[1] = {0};
  H5Sget_simple_extent_dims(space.id(), dims, nullptr);
  const std::size_t n = dims[0];

  TrialsTable t;
  t.rows = n;
  const int members = H5Tget_nmembers(ftype.id());
  for (int m = 0; m < members; ++m) {
    char* raw_name = H5Tget_member_name(ftype.id(), static_cast<unsigned>(m));
    const std::string field = raw_name ? raw_name : "";
    H5free_memory(raw_name);
    h5::Handle mtype(H5Tget_member_type(ftype.id(), static_cast<unsigned>(m)), H5Tclose);
    Column c;
    c.name = field;
    switch (H5Tget_class(mtype.id())) {
      case H5T_INTEGER:
        c.num = read_numeric_member(dset.id(), mtype.id(), field, n, where);
        c.is_integer = true;
        for (auto& v : c.num)
          if (v == -1.0) v = std::nan("");
        break;
      case H5T_FLOAT:
      case H5T_ENUM:
        c.num = read_numeric_member(dset.id(), mtype.id(), field, n, where);
        break;
      case H5T_STRING:
        c.is_string = true;
        c.str = read_string_member(dset.id(), space.id(), mtype.id(), field, n, where);
        break;
      default:
        t.skipped.push_back(field);
        continue;
    }
    t.columns.push_back(std::move(c));
  }

  // An extendible table may be longer than what was written (crash between extend and write):
  // rows without a trial id are not trials.
  const Column* id = t.find("trial_id");
  if (!id) fail(where, "the trials table has no trial_id field");
  std::vector<std::size_t> keep;
  for (std::size_t r = 0; r < n; ++r)
    if (!id->text(r).empty()) keep.push_back(r);
  if (keep.size() != n) {
    for (auto& c : t.columns) {
      if (c.is_string) {
        std::vector<std::string> v;
        for (auto r : keep) v.push_back(std::move(c.str[r]));
        c.str = std::move(v);
      } else {
        std::vector<double> v;
        for (auto r : keep) v.push_back(c.num[r]);
        c.num = std::move(v);
      }
    }
    t.rows = keep.size();
  }
  return t;
}

ResultsFile::ResultsFile(const std::string& path) : path_(path) {
  h5::silence_errors();
  if (!std::filesystem::exists(path)) fail(path, "results file does not exist");
  if (std::filesystem::is_directory(path)) fail(path, "is a directory, expected a results file (.h5)");
  if (H5Fis_hdf5(path.c_str()) <= 0)
    fail(path, "not an HDF5 file; expected a kanscan results file written by `kanscan run`");
  // A running scan keeps the file open for writing: without disabling locking HDF5 refuses.
  h5::Handle fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_file_locking(fapl.id(), false, true);
  hid_t id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.id());
  if (id < 0) id = H5Fopen(path.c_str(), H5F_ACC_RDONLY | H5F_ACC_SWMR_READ, fapl.id());
  if (id < 0) fail(path, "cannot open HDF5 file for reading (corrupt, truncated, or no permission)");
  file_ = h5::Handle(id, H5Fclose);

  const h5::Group r = root();
  for (const char* a : {"kanscan_version", "schema_version", "scan_name", "created_utc", "task", "data_file"}) {
    if (!r.has_attr(a)) continue;
    try {
      attrs_[a] = r.attr_string(a);
    } catch (const InputError&) {
      attrs_[a] = format_number(r.attr_double(a));
    }
  }
  const bool looks_like_results = attrs_.count("schema_version") || attrs_.count("kanscan_version") ||
                                  r.exists("trials") || r.exists("scan");
  if (!looks_like_results)
    fail(path,
         "not a kanscan results file: no schema_version/kanscan_version attribute, /trials table or /scan group "
         "(a data file? analyze takes the file written by `kanscan run`)");
  if (r.exists("trials")) trials_ = read_compound_table(r, "trials");
  if (r.exists("trial")) {
    const h5::Group g = r.open_group("trial");
    groups_ = g.children();
    std::sort(groups_.begin(), groups_.end());
  }
}

h5::Group ResultsFile::root() const {
  hid_t g = H5Gopen2(file_.id(), "/", H5P_DEFAULT);
  if (g < 0) fail(path_, "cannot open root group");
  return h5::Group(g, path_, "");
}

std::string ResultsFile::attribute(const std::string& name) const {
  const auto it = attrs_.find(name);
  return it == attrs_.end() ? "" : it->second;
}

std::string ResultsFile::config_yaml() const {
  const h5::Group r = root();
  if (!r.exists("scan")) return "";
  const h5::Group s = r.open_group("scan");
  try {
    if (s.is_dataset("config_yaml")) {
      // Stored as a scalar string dataset or a 1-element string array.
      h5::Handle dset(H5Dopen2(s.id(), "config_yaml", H5P_DEFAULT), H5Dclose);
      h5::Handle ftype(H5Dget_type(dset.id()), H5Tclose);
      h5::Handle space(H5Dget_space(dset.id()), H5Sclose);
      if (H5Tget_class(ftype.id()) != H5T_STRING) return "";
      if (H5Sget_simple_extent_ndims(space.id()) == 1) {
        const auto v = s.read_strings("config_yaml");
        return v.empty() ? "" : v.front();
      }
      if (H5Tis_variable_str(ftype.id()) > 0) {
        h5::Handle mtype(H5Tcopy(H5T_C_S1), H5Tclose);
        H5Tset_size(mtype.id(), H5T_VARIABLE);
        char* p = nullptr;
        if (H5Dread(dset.id(), mtype.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &p) < 0) return "";
        std::string out = p ? p : "";
        H5free_memory(p);
        return out;
      }
      const std::size_t len = H5Tget_size(ftype.id());
      std::string out(len, '\0');
      h5::Handle mtype(H5Tcopy(H5T_C_S1), H5Tclose);
      H5Tset_size(mtype.id(), len);
      if (H5Dread(dset.id(), mtype.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()) < 0) return "";
      out.erase(std::min(out.find('\0'), out.size()));
      return out;
    }
    if (s.has_attr("config_yaml")) return s.attr_string("config_yaml");
  } catch (const InputError&) {
    return "";
  }
  return "";
}

bool ResultsFile::has_trial_group(const std::string& id) const {
  return std::binary_search(groups_.begin(), groups_.end(), id);
}

TrialData ResultsFile::read_trial(const std::string& id, bool with_predictions) const {
  if (!has_trial_group(id)) fail(path_ + ":/trial/" + id, "no such trial group (the trial ids are in /trials)");
  const h5::Group g = root().open_group("trial").open_group(id);
  TrialData t;
  t.id = id;
  try {
    if (g.has_attr("config")) t.config_json = g.attr_string("config");
    if (g.has_attr("error")) t.error = g.attr_string("error");
  } catch (const InputError&) {
  }
  if (g.exists("history")) {
    const h5::Group h = g.open_group("history");
    t.epoch = read_optional(h, "epoch");
    t.train_loss = read_optional(h, "train_loss");
    t.val_loss = read_optional(h, "val_loss");
    t.val_metric = read_optional(h, "val_metric");
    try {
      for (const char* attr : {"val_metric_name", "val_metric", "metric"})
        if (t.val_metric_name.empty() && h.has_attr(attr)) t.val_metric_name = h.attr_string(attr);
    } catch (const InputError&) {
    }
  }
  if (g.exists("roc")) {
    const h5::Group r = g.open_group("roc");
    t.roc_fpr = read_optional(r, "fpr");
    t.roc_tpr = read_optional(r, "tpr");
    if (t.roc_fpr.size() != t.roc_tpr.size()) t.roc_fpr.clear(), t.roc_tpr.clear();
  }
  if (with_predictions && g.is_dataset("test_predictions")) {
    try {
      auto a = g.read_double("test_predictions");
      t.prediction_cols = a.shape.size() >= 2 ? a.shape[1] : 1;
      t.test_predictions = std::move(a.data);
      if (g.is_dataset("test_index")) t.test_index = g.read_int64("test_index").data;
    } catch (const InputError&) {
      t.test_predictions.clear();
      t.prediction_cols = 0;
    }
  }
  return t;
}

bool ResultsFile::has_model(const std::string& id) const {
  if (!has_trial_group(id)) return false;
  const h5::Group g = root().open_group("trial").open_group(id);
  return g.exists("model") && g.open_group("model").is_dataset("input_mean");
}

ModelState ResultsFile::read_model(const std::string& id) const {
  if (!has_trial_group(id))
    fail(path_ + ":/trial/" + id, "no such trial (run `kanscan analyze " + path_ + "` to list trial ids)");
  const h5::Group g = root().open_group("trial").open_group(id);
  if (!g.exists("model")) fail(g.where("model"), "this trial has no stored model (a failed or unfinished trial?)");
  return g.open_group("model").read_model();
}

}  // namespace kanscan::analysis
