// Attributes of a group (io/h5.hpp).
#include <algorithm>

#include "io/h5.hpp"
#include "io/h5_internal.hpp"

namespace kanscan::h5 {
namespace {

void delete_attr_if_exists(const Group& g, hid_t obj, const std::string& name) {
  if (check_tri(H5Aexists(obj, name.c_str()), Op::write, g.where(), "cannot look up attribute " + name))
    check(H5Adelete(obj, name.c_str()), Op::write, g.where(), "cannot replace attribute " + name);
}

void write_attr(const Group& g, hid_t obj, const std::string& name, hid_t file_type, hid_t mem_type,
                const void* value) {
  delete_attr_if_exists(g, obj, name);
  const std::string what = "cannot write attribute " + name;
  const Handle space = own(H5Screate(H5S_SCALAR), Op::write, g.where(), what);
  const Handle attr = own(H5Acreate2(obj, name.c_str(), file_type, space.id(), H5P_DEFAULT, H5P_DEFAULT), Op::write,
                          g.where(), what);
  check(H5Awrite(attr.id(), mem_type, value), Op::write, g.where(), what);
}

// Opens a single-valued attribute (reading an array into one value would overrun it).
Handle open_attr(const Group& g, hid_t obj, const std::string& name) {
  if (!g.has_attr(name)) fail(Op::read, g.where(), "missing attribute " + name);
  Handle attr = own(H5Aopen(obj, name.c_str(), H5P_DEFAULT), Op::read, g.where(), "cannot open attribute " + name);
  const Handle space = own(H5Aget_space(attr.id()), Op::read, g.where(), "cannot read attribute " + name);
  const hssize_t n = H5Sget_simple_extent_npoints(space.id());
  if (n < 0) fail(Op::read, g.where(), "cannot read attribute " + name);
  if (n != 1) fail(Op::read, g.where(), "attribute " + name + " holds " + std::to_string(n) + " values, expected one");
  return attr;
}

}  // namespace

void Group::set_attr(const std::string& name, const std::string& value) {
  const Handle type = string_type(0, H5T_CSET_UTF8, H5T_STR_NULLTERM, Op::write, where());
  const char* p = value.c_str();
  write_attr(*this, id(), name, type.id(), type.id(), &p);
}

void Group::set_attr(const std::string& name, const std::string& value, std::size_t fixed_size) {
  const Handle type = string_type(fixed_size, H5T_CSET_ASCII, H5T_STR_NULLPAD, Op::write, where());
  std::string bytes(fixed_size, '\0');
  std::copy_n(value.data(), std::min(value.size(), fixed_size), bytes.data());
  write_attr(*this, id(), name, type.id(), type.id(), bytes.data());
}

void Group::set_attr(const std::string& name, double value) {
  write_attr(*this, id(), name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

void Group::set_attr(const std::string& name, std::int64_t value) {
  write_attr(*this, id(), name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

void Group::set_attr_strings(const std::string& name, const std::vector<std::string>& values) {
  delete_attr_if_exists(*this, id(), name);
  const std::string what = "cannot write attribute " + name;
  const Handle type = string_type(0, H5T_CSET_UTF8, H5T_STR_NULLTERM, Op::write, where());
  const hsize_t dims[1] = {values.size()};
  const Handle space = own(H5Screate_simple(1, dims, nullptr), Op::write, where(), what);
  const Handle attr = own(H5Acreate2(id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT), Op::write,
                          where(), what);
  std::vector<const char*> ptrs;
  for (const auto& v : values) ptrs.push_back(v.c_str());
  if (!values.empty()) check(H5Awrite(attr.id(), type.id(), ptrs.data()), Op::write, where(), what);
}

std::vector<std::string> Group::attr_strings(const std::string& name) const {
  if (!has_attr(name)) fail(Op::read, where(), "missing attribute " + name);
  const std::string what = "cannot read attribute " + name;
  const Handle attr = own(H5Aopen(id(), name.c_str(), H5P_DEFAULT), Op::read, where(), what);
  const Handle ftype = own(H5Aget_type(attr.id()), Op::read, where(), what);
  if (H5Tget_class(ftype.id()) != H5T_STRING) fail(Op::read, where(), "attribute " + name + " is not a string");
  const Handle space = own(H5Aget_space(attr.id()), Op::read, where(), what);
  const hssize_t n = H5Sget_simple_extent_npoints(space.id());
  if (n < 0) fail(Op::read, where(), what);
  // Attributes are small metadata: a count beyond this is a damaged or hostile file.
  if (n > (1 << 20)) fail(Op::read, where(), "attribute " + name + " declares " + std::to_string(n) + " strings");
  return read_string_data(ftype.id(), space.id(), static_cast<std::size_t>(n), where() + " attribute " + name,
                          [&](hid_t mtype, void* buf) { return H5Aread(attr.id(), mtype, buf); });
}

bool Group::has_attr(const std::string& name) const {
  return check_tri(H5Aexists(id(), name.c_str()), Op::read, where(), "cannot look up attribute " + name);
}

void Group::remove_attr(const std::string& name) {
  if (has_attr(name)) check(H5Adelete(id(), name.c_str()), Op::write, where(), "cannot delete attribute " + name);
}

std::string Group::attr_string(const std::string& name) const {
  const Handle attr = open_attr(*this, id(), name);
  const std::string what = "cannot read attribute " + name;
  const Handle ftype = own(H5Aget_type(attr.id()), Op::read, where(), what);
  if (H5Tget_class(ftype.id()) != H5T_STRING) fail(Op::read, where(), "attribute " + name + " is not a string");
  const Handle space = own(H5Aget_space(attr.id()), Op::read, where(), what);
  const auto v = read_string_data(ftype.id(), space.id(), 1, where() + " attribute " + name,
                                  [&](hid_t mtype, void* buf) { return H5Aread(attr.id(), mtype, buf); });
  return v.front();
}

double Group::attr_double(const std::string& name) const {
  const Handle attr = open_attr(*this, id(), name);
  double v = 0;
  check(H5Aread(attr.id(), H5T_NATIVE_DOUBLE, &v), Op::read, where(), "attribute " + name + " is not numeric");
  return v;
}

std::int64_t Group::attr_int(const std::string& name) const {
  const Handle attr = open_attr(*this, id(), name);
  std::int64_t v = 0;
  check(H5Aread(attr.id(), H5T_NATIVE_INT64, &v), Op::read, where(), "attribute " + name + " is not numeric");
  return v;
}

std::vector<AttributeInfo> Group::attributes() const {
  const std::string w = where();
  H5O_info_t info;
  check(H5Oget_info2(id(), &info, H5O_INFO_NUM_ATTRS), Op::read, w, "cannot list attributes");
  std::vector<AttributeInfo> out;
  for (hsize_t a = 0; a < info.num_attrs; ++a) {
    const Handle attr = own(H5Aopen_by_idx(id(), ".", H5_INDEX_NAME, H5_ITER_INC, a, H5P_DEFAULT, H5P_DEFAULT),
                            Op::read, w, "cannot open an attribute");
    const ssize_t len = H5Aget_name(attr.id(), 0, nullptr);
    if (len < 0) fail(Op::read, w, "cannot read an attribute's name");
    std::string name(static_cast<std::size_t>(len) + 1, '\0');
    if (H5Aget_name(attr.id(), name.size(), name.data()) < 0) fail(Op::read, w, "cannot read an attribute's name");
    name.resize(static_cast<std::size_t>(len));
    const Handle type = own(H5Aget_type(attr.id()), Op::read, w, "cannot read attribute " + name);
    const H5T_class_t c = H5Tget_class(type.id());
    if (c == H5T_NO_CLASS) fail(Op::read, w, "cannot read attribute " + name);
    out.push_back({std::move(name), to_type_class(c)});
  }
  return out;
}

}  // namespace kanscan::h5
