#include "io/h5.hpp"

#include <filesystem>
#include <mutex>

#include "framework/error.hpp"

namespace kanscan::h5 {
namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw InputError(Location{where, -1, -1, ""}, what);
}

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

std::vector<hsize_t> dims_of(const std::vector<std::size_t>& shape) {
  return std::vector<hsize_t>(shape.begin(), shape.end());
}

}  // namespace

void silence_errors() {
  static std::once_flag once;
  std::call_once(once, [] { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); });
}

File::File(const std::string& path, Mode mode) : path_(path) {
  silence_errors();
  hid_t id = H5I_INVALID_HID;
  switch (mode) {
    case Mode::read_only:
    case Mode::read_write:
      if (!std::filesystem::exists(path)) fail(path, "file does not exist");
      if (H5Fis_hdf5(path.c_str()) <= 0) fail(path, "not an HDF5 file (or unreadable)");
      id = H5Fopen(path.c_str(), mode == Mode::read_only ? H5F_ACC_RDONLY : H5F_ACC_RDWR, H5P_DEFAULT);
      if (id < 0) fail(path, "cannot open HDF5 file (corrupt, locked by a writer, or no permission)");
      break;
    case Mode::create_truncate:
    case Mode::create_exclusive:
      id = H5Fcreate(path.c_str(), mode == Mode::create_truncate ? H5F_ACC_TRUNC : H5F_ACC_EXCL, H5P_DEFAULT,
                     H5P_DEFAULT);
      if (id < 0) fail(path, "cannot create HDF5 file (exists, or directory not writable)");
      break;
  }
  h_ = Handle(id, H5Fclose);
}

Group File::root() const {
  hid_t g = H5Gopen2(h_.id(), "/", H5P_DEFAULT);
  if (g < 0) fail(path_, "cannot open root group");
  return Group(g, path_, "");
}

void File::flush() { H5Fflush(h_.id(), H5F_SCOPE_GLOBAL); }

std::string Group::where(const std::string& name) const {
  return file_ + ":" + path_ + "/" + name;
}

bool Group::exists(const std::string& name) const {
  // Check each path component so that "a/b" with missing "a" is false, not an error.
  std::string partial;
  std::size_t start = 0;
  while (start <= name.size()) {
    const std::size_t slash = name.find('/', start);
    partial = name.substr(0, slash == std::string::npos ? name.size() : slash);
    if (H5Lexists(id(), partial.c_str(), H5P_DEFAULT) <= 0) return false;
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return true;
}

bool Group::is_dataset(const std::string& name) const {
  if (!exists(name)) return false;
  H5O_info_t info;
  if (H5Oget_info_by_name(id(), name.c_str(), &info, H5P_DEFAULT) < 0) return false;
  return info.type == H5O_TYPE_DATASET;
}

Group Group::create_group(const std::string& name) {
  hid_t g = H5Gcreate2(id(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) fail(where(name), "cannot create group");
  return Group(g, file_, path_ + "/" + name);
}

Group Group::open_group(const std::string& name) const {
  if (!exists(name)) fail(where(name), "missing group");
  hid_t g = H5Gopen2(id(), name.c_str(), H5P_DEFAULT);
  if (g < 0) fail(where(name), "not a group");
  return Group(g, file_, path_ + "/" + name);
}

Group Group::require_group(const std::string& name) {
  return exists(name) ? open_group(name) : create_group(name);
}

std::vector<std::string> Group::children() const {
  std::vector<std::string> names;
  H5Literate(id(), H5_INDEX_NAME, H5_ITER_INC, nullptr, collect_name, &names);
  return names;
}

template <typename T>
void Group::write_numeric(const std::string& name, const std::vector<T>& data, std::vector<std::size_t> shape,
                          hid_t mem_type, hid_t file_type) {
  if (shape.empty()) shape = {data.size()};
  std::size_t n = 1;
  for (auto s : shape) n *= s;
  if (n != data.size()) fail(where(name), "internal: data size does not match shape");
  const auto dims = dims_of(shape);
  Handle space(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose);
  if (exists(name)) H5Ldelete(id(), name.c_str(), H5P_DEFAULT);
  Handle dset(H5Dcreate2(id(), name.c_str(), file_type, space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              H5Dclose);
  if (!dset) fail(where(name), "cannot create dataset");
  if (!data.empty() && H5Dwrite(dset.id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()) < 0)
    fail(where(name), "cannot write dataset");
}

void Group::write(const std::string& name, const std::vector<double>& d, std::vector<std::size_t> s) {
  write_numeric(name, d, std::move(s), H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE);
}
void Group::write(const std::string& name, const std::vector<float>& d, std::vector<std::size_t> s) {
  write_numeric(name, d, std::move(s), H5T_NATIVE_FLOAT, H5T_IEEE_F32LE);
}
void Group::write(const std::string& name, const std::vector<std::int64_t>& d, std::vector<std::size_t> s) {
  write_numeric(name, d, std::move(s), H5T_NATIVE_INT64, H5T_STD_I64LE);
}
void Group::write(const std::string& name, const std::vector<std::int32_t>& d, std::vector<std::size_t> s) {
  write_numeric(name, d, std::move(s), H5T_NATIVE_INT32, H5T_STD_I32LE);
}

std::vector<std::size_t> Group::shape_of(const std::string& name) const {
  if (!is_dataset(name)) fail(where(name), "missing dataset");
  Handle dset(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dset) fail(where(name), "cannot open dataset");
  Handle space(H5Dget_space(dset.id()), H5Sclose);
  const int rank = H5Sget_simple_extent_ndims(space.id());
  if (rank < 0) fail(where(name), "cannot read dataset shape");
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  H5Sget_simple_extent_dims(space.id(), dims.data(), nullptr);
  return std::vector<std::size_t>(dims.begin(), dims.end());
}

template <typename T>
Array<T> Group::read_numeric(const std::string& name, hid_t mem_type) const {
  Array<T> out;
  out.shape = shape_of(name);
  Handle dset(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose);
  Handle type(H5Dget_type(dset.id()), H5Tclose);
  const H5T_class_t cls = H5Tget_class(type.id());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT)
    fail(where(name), "expected a numeric dataset (integer or float), got another type");
  std::size_t n = 1;
  for (auto s : out.shape) n *= s;
  out.data.resize(n);
  if (n > 0 && H5Dread(dset.id(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data.data()) < 0)
    fail(where(name), "cannot read dataset (corrupt or truncated)");
  return out;
}

Array<double> Group::read_double(const std::string& name) const { return read_numeric<double>(name, H5T_NATIVE_DOUBLE); }
Array<float> Group::read_float(const std::string& name) const { return read_numeric<float>(name, H5T_NATIVE_FLOAT); }
Array<std::int64_t> Group::read_int64(const std::string& name) const {
  return read_numeric<std::int64_t>(name, H5T_NATIVE_INT64);
}

void Group::write_strings(const std::string& name, const std::vector<std::string>& values) {
  std::vector<const char*> ptrs;
  ptrs.reserve(values.size());
  for (const auto& v : values) ptrs.push_back(v.c_str());
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id(), H5T_VARIABLE);
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  const hsize_t dims[1] = {values.size()};
  Handle space(H5Screate_simple(1, dims, nullptr), H5Sclose);
  if (exists(name)) H5Ldelete(id(), name.c_str(), H5P_DEFAULT);
  Handle dset(H5Dcreate2(id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              H5Dclose);
  if (!dset) fail(where(name), "cannot create string dataset");
  if (!values.empty() && H5Dwrite(dset.id(), type.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
    fail(where(name), "cannot write string dataset");
}

std::vector<std::string> Group::read_strings(const std::string& name) const {
  const auto shape = shape_of(name);
  if (shape.size() != 1) fail(where(name), "expected a 1-D array of strings");
  Handle dset(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), H5Dclose);
  Handle ftype(H5Dget_type(dset.id()), H5Tclose);
  if (H5Tget_class(ftype.id()) != H5T_STRING) fail(where(name), "expected strings");
  const std::size_t n = shape[0];
  std::vector<std::string> out;
  out.reserve(n);
  if (H5Tis_variable_str(ftype.id()) > 0) {
    std::vector<char*> ptrs(n, nullptr);
    Handle mtype(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mtype.id(), H5T_VARIABLE);
    H5Tset_cset(mtype.id(), H5Tget_cset(ftype.id()));
    if (n && H5Dread(dset.id(), mtype.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, ptrs.data()) < 0)
      fail(where(name), "cannot read strings");
    for (auto* p : ptrs) out.emplace_back(p ? p : "");
    Handle space(H5Dget_space(dset.id()), H5Sclose);
    H5Dvlen_reclaim(mtype.id(), space.id(), H5P_DEFAULT, ptrs.data());
  } else {
    const std::size_t len = H5Tget_size(ftype.id());
    std::vector<char> buf(n * len);
    Handle mtype(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mtype.id(), len);
    H5Tset_cset(mtype.id(), H5Tget_cset(ftype.id()));
    // Null-padded in memory: a string that uses every byte (as h5py/numpy write them) keeps its
    // last character; a null-terminated memory type would drop it in the conversion.
    H5Tset_strpad(mtype.id(), H5T_STR_NULLPAD);
    if (n && H5Dread(dset.id(), mtype.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) < 0)
      fail(where(name), "cannot read strings");
    for (std::size_t i = 0; i < n; ++i) {
      std::string s(buf.data() + i * len, len);
      s.erase(std::min(s.find('\0'), s.size()));
      out.push_back(s);
    }
  }
  return out;
}

namespace {
void delete_attr_if_exists(hid_t obj, const std::string& name) {
  if (H5Aexists(obj, name.c_str()) > 0) H5Adelete(obj, name.c_str());
}
}  // namespace

void Group::set_attr(const std::string& name, const std::string& value) {
  delete_attr_if_exists(id(), name);
  Handle type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.id(), H5T_VARIABLE);
  H5Tset_cset(type.id(), H5T_CSET_UTF8);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  const char* p = value.c_str();
  if (!attr || H5Awrite(attr.id(), type.id(), &p) < 0) fail(where(), "cannot write attribute " + name);
}

void Group::set_attr(const std::string& name, double value) {
  delete_attr_if_exists(id(), name);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(id(), name.c_str(), H5T_IEEE_F64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attr || H5Awrite(attr.id(), H5T_NATIVE_DOUBLE, &value) < 0) fail(where(), "cannot write attribute " + name);
}

void Group::set_attr(const std::string& name, std::int64_t value) {
  delete_attr_if_exists(id(), name);
  Handle space(H5Screate(H5S_SCALAR), H5Sclose);
  Handle attr(H5Acreate2(id(), name.c_str(), H5T_STD_I64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!attr || H5Awrite(attr.id(), H5T_NATIVE_INT64, &value) < 0) fail(where(), "cannot write attribute " + name);
}

bool Group::has_attr(const std::string& name) const { return H5Aexists(id(), name.c_str()) > 0; }

std::string Group::attr_string(const std::string& name) const {
  if (!has_attr(name)) fail(where(), "missing attribute " + name);
  Handle attr(H5Aopen(id(), name.c_str(), H5P_DEFAULT), H5Aclose);
  Handle ftype(H5Aget_type(attr.id()), H5Tclose);
  if (H5Tget_class(ftype.id()) != H5T_STRING) fail(where(), "attribute " + name + " is not a string");
  if (H5Tis_variable_str(ftype.id()) > 0) {
    char* p = nullptr;
    Handle mtype(H5Tcopy(H5T_C_S1), H5Tclose);
    H5Tset_size(mtype.id(), H5T_VARIABLE);
    H5Tset_cset(mtype.id(), H5Tget_cset(ftype.id()));
    if (H5Aread(attr.id(), mtype.id(), &p) < 0) fail(where(), "cannot read attribute " + name);
    std::string out = p ? p : "";
    H5free_memory(p);
    return out;
  }
  const std::size_t len = H5Tget_size(ftype.id());
  std::string out(len, '\0');
  Handle mtype(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(mtype.id(), len);
  H5Tset_cset(mtype.id(), H5Tget_cset(ftype.id()));
  H5Tset_strpad(mtype.id(), H5T_STR_NULLPAD);
  if (H5Aread(attr.id(), mtype.id(), out.data()) < 0) fail(where(), "cannot read attribute " + name);
  out.erase(std::min(out.find('\0'), out.size()));
  return out;
}

double Group::attr_double(const std::string& name) const {
  if (!has_attr(name)) fail(where(), "missing attribute " + name);
  Handle attr(H5Aopen(id(), name.c_str(), H5P_DEFAULT), H5Aclose);
  double v = 0;
  if (H5Aread(attr.id(), H5T_NATIVE_DOUBLE, &v) < 0) fail(where(), "attribute " + name + " is not numeric");
  return v;
}

std::int64_t Group::attr_int(const std::string& name) const {
  if (!has_attr(name)) fail(where(), "missing attribute " + name);
  Handle attr(H5Aopen(id(), name.c_str(), H5P_DEFAULT), H5Aclose);
  std::int64_t v = 0;
  if (H5Aread(attr.id(), H5T_NATIVE_INT64, &v) < 0) fail(where(), "attribute " + name + " is not numeric");
  return v;
}

void Group::write_model(const ModelState& model) {
  set_attr("task", model.task);
  set_attr("output", model.output);
  set_attr("n_layers", static_cast<std::int64_t>(model.layers.size()));
  write("input_mean", model.input_mean);
  write("input_std", model.input_std);
  if (!model.target_mean.empty()) {
    write("target_mean", model.target_mean);
    write("target_std", model.target_std);
  }
  for (std::size_t l = 0; l < model.layers.size(); ++l) {
    const LayerState& layer = model.layers[l];
    Group g = create_group("layer_" + std::to_string(l));
    g.set_attr("kind", layer.kind);
    for (const auto& [key, value] : layer.attrs) {
      if (auto* i = std::get_if<std::int64_t>(&value)) g.set_attr(key, *i);
      else if (auto* d = std::get_if<double>(&value)) g.set_attr(key, *d);
      else g.set_attr(key, std::get<std::string>(value));
    }
    for (const auto& [key, t] : layer.tensors) g.write(key, t.data, t.shape);
  }
}

ModelState Group::read_model() const {
  ModelState m;
  m.task = has_attr("task") ? attr_string("task") : "";
  m.output = has_attr("output") ? attr_string("output") : "";
  m.input_mean = read_double("input_mean").data;
  m.input_std = read_double("input_std").data;
  if (is_dataset("target_mean")) {
    m.target_mean = read_double("target_mean").data;
    m.target_std = read_double("target_std").data;
  }
  for (std::size_t l = 0;; ++l) {
    const std::string name = "layer_" + std::to_string(l);
    if (!exists(name)) break;
    Group g = open_group(name);
    LayerState layer;
    layer.kind = g.attr_string("kind");
    const int n_attrs = H5Aget_num_attrs(g.id());
    for (int a = 0; a < n_attrs; ++a) {
      Handle attr(H5Aopen_by_idx(g.id(), ".", H5_INDEX_NAME, H5_ITER_INC, static_cast<hsize_t>(a), H5P_DEFAULT,
                                 H5P_DEFAULT),
                  H5Aclose);
      char buf[256] = {0};
      H5Aget_name(attr.id(), sizeof(buf) - 1, buf);
      const std::string key = buf;
      if (key == "kind") continue;
      Handle type(H5Aget_type(attr.id()), H5Tclose);
      switch (H5Tget_class(type.id())) {
        case H5T_INTEGER: layer.attrs[key] = g.attr_int(key); break;
        case H5T_FLOAT: layer.attrs[key] = g.attr_double(key); break;
        default: layer.attrs[key] = g.attr_string(key); break;
      }
    }
    for (const auto& child : g.children()) {
      if (!g.is_dataset(child)) continue;
      auto arr = g.read_double(child);
      layer.tensors[child] = Tensor{arr.shape, std::move(arr.data)};
    }
    m.layers.push_back(std::move(layer));
  }
  return m;
}

}  // namespace kanscan::h5
