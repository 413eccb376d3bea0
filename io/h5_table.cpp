// Compound tables (io/h5.hpp): extendible 1-D compound datasets written row by row, and a
// generic field-by-field reader of any compound dataset.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "io/h5.hpp"
#include "io/h5_internal.hpp"

namespace kanscan::h5 {

// ---------- rows ----------

Row::Cell& Row::at(std::size_t column) {
  if (column >= cells_.size()) throw std::logic_error("h5::Row: column " + std::to_string(column) + " out of range");
  return cells_[column];
}

void Row::set_int(std::size_t column, std::int64_t v) {
  Cell& c = at(column);
  c.kind = Cell::integer;
  c.i = v;
}

void Row::set_real(std::size_t column, double v) {
  Cell& c = at(column);
  c.kind = Cell::real;
  c.d = v;
}

void Row::set_text(std::size_t column, std::string v) {
  Cell& c = at(column);
  c.kind = Cell::text;
  c.s = std::move(v);
}

// ---------- writing ----------

namespace {

std::size_t column_bytes(const Column& c, const std::string& where) {
  switch (c.type) {
    case ColumnType::int64:
    case ColumnType::float64: return 8;
    case ColumnType::vlen_string: return sizeof(char*);
    case ColumnType::boolean: return 1;
    case ColumnType::fixed_string:
      if (c.size == 0) throw std::logic_error(where + ": fixed-length column " + c.name + " of 0 bytes");
      return c.size;
  }
  return 0;
}

// h5py's boolean: an int8 enum FALSE = 0, TRUE = 1.
Handle bool_type(const std::string& where) {
  Handle t = own(H5Tenum_create(H5T_NATIVE_INT8), Op::write, where, "cannot create the boolean type");
  const std::int8_t f = 0, tr = 1;
  check(H5Tenum_insert(t.id(), "FALSE", &f), Op::write, where, "cannot create the boolean type");
  check(H5Tenum_insert(t.id(), "TRUE", &tr), Op::write, where, "cannot create the boolean type");
  return t;
}

// Memory and file types of one column (the same type where no conversion is wanted).
std::pair<Handle, Handle> column_types(const Column& c, const std::string& where) {
  auto copy = [&](hid_t t) { return own(H5Tcopy(t), Op::write, where, "cannot create the type of column " + c.name); };
  switch (c.type) {
    case ColumnType::int64: return {copy(H5T_NATIVE_INT64), copy(H5T_STD_I64LE)};
    case ColumnType::float64: return {copy(H5T_NATIVE_DOUBLE), copy(H5T_IEEE_F64LE)};
    case ColumnType::fixed_string:
      return {string_type(c.size, H5T_CSET_ASCII, H5T_STR_NULLPAD, Op::write, where),
              string_type(c.size, H5T_CSET_ASCII, H5T_STR_NULLPAD, Op::write, where)};
    case ColumnType::vlen_string:
      return {string_type(0, H5T_CSET_UTF8, H5T_STR_NULLTERM, Op::write, where),
              string_type(0, H5T_CSET_UTF8, H5T_STR_NULLTERM, Op::write, where)};
    case ColumnType::boolean: return {bool_type(where), bool_type(where)};
  }
  throw std::logic_error(where + ": unknown column type");
}

}  // namespace

Table::Table(Handle dataset, Handle mem_type, std::vector<Column> columns, std::vector<std::size_t> offsets,
             std::size_t row_size, std::string where)
    : dataset_(std::move(dataset)),
      mem_type_(std::move(mem_type)),
      columns_(std::move(columns)),
      offsets_(std::move(offsets)),
      row_size_(row_size),
      where_(std::move(where)) {}

void Table::abandon() noexcept {
  (void)dataset_.release();
  (void)mem_type_.release();
}

Table Group::create_table(const std::string& name, const std::vector<Column>& columns, std::size_t chunk_rows) {
  const std::string w = where(name);
  std::vector<std::size_t> offsets;
  std::size_t row_size = 0;
  for (const auto& c : columns) {
    offsets.push_back(row_size);  // packed, in column order
    row_size += column_bytes(c, w);
  }
  if (row_size == 0) throw std::logic_error(w + ": a table needs at least one column");
  Handle mem = own(H5Tcreate(H5T_COMPOUND, row_size), Op::write, w, "cannot create the table's row type");
  const Handle file_type = own(H5Tcreate(H5T_COMPOUND, row_size), Op::write, w, "cannot create the table's row type");
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const auto [mt, ft] = column_types(columns[i], w);
    const std::string what = "cannot add column " + columns[i].name;
    check(H5Tinsert(mem.id(), columns[i].name.c_str(), offsets[i], mt.id()), Op::write, w, what);
    check(H5Tinsert(file_type.id(), columns[i].name.c_str(), offsets[i], ft.id()), Op::write, w, what);
  }
  const hsize_t dims[1] = {0}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {chunk_rows};
  const Handle space = own(H5Screate_simple(1, dims, maxdims), Op::write, w, "cannot create a dataspace");
  const Handle dcpl = own(H5Pcreate(H5P_DATASET_CREATE), Op::write, w, "cannot create dataset properties");
  check(H5Pset_chunk(dcpl.id(), 1, chunk), Op::write, w, "cannot set the table's chunk size");
  remove(name);
  Handle dset = own(H5Dcreate2(id(), name.c_str(), file_type.id(), space.id(), H5P_DEFAULT, dcpl.id(), H5P_DEFAULT),
                    Op::write, w, "cannot create the table");
  return Table(std::move(dset), std::move(mem), columns, std::move(offsets), row_size, w);
}

void Table::append(const std::vector<Row>& rows) {
  if (rows.empty()) return;
  static const char* const kEmpty = "";
  std::vector<unsigned char> buf(rows.size() * row_size_, 0);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].cells_.size() != columns_.size()) throw std::logic_error(where_ + ": row of the wrong width");
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      const Column& c = columns_[i];
      const Row::Cell& cell = rows[r].cells_[i];
      unsigned char* p = buf.data() + r * row_size_ + offsets_[i];
      const bool is_int = c.type == ColumnType::int64 || c.type == ColumnType::boolean;
      const bool is_text = c.type == ColumnType::fixed_string || c.type == ColumnType::vlen_string;
      const bool ok = cell.kind == Row::Cell::unset || (is_int && cell.kind == Row::Cell::integer) ||
                      (c.type == ColumnType::float64 && cell.kind == Row::Cell::real) ||
                      (is_text && cell.kind == Row::Cell::text);
      if (!ok) throw std::logic_error(where_ + ": value of the wrong type for column " + c.name);
      if (c.type == ColumnType::int64) std::memcpy(p, &cell.i, 8);
      else if (c.type == ColumnType::boolean) *p = cell.i ? 1 : 0;
      else if (c.type == ColumnType::float64) std::memcpy(p, &cell.d, 8);
      else if (c.type == ColumnType::fixed_string) std::memcpy(p, cell.s.data(), std::min(cell.s.size(), c.size));
      else {
        const char* s = cell.kind == Row::Cell::unset ? kEmpty : cell.s.c_str();
        std::memcpy(p, &s, sizeof(char*));
      }
    }
  }
  const hsize_t start[1] = {rows_}, count[1] = {rows.size()}, size[1] = {rows_ + rows.size()};
  check(H5Dset_extent(dataset_.id(), size), Op::write, where_, "cannot extend the table");
  const Handle fspace = own(H5Dget_space(dataset_.id()), Op::write, where_, "cannot extend the table");
  check(H5Sselect_hyperslab(fspace.id(), H5S_SELECT_SET, start, nullptr, count, nullptr), Op::write, where_,
        "cannot select the new rows");
  const Handle mspace = own(H5Screate_simple(1, count, nullptr), Op::write, where_, "cannot create a dataspace");
  check(H5Dwrite(dataset_.id(), mem_type_.id(), mspace.id(), fspace.id(), H5P_DEFAULT, buf.data()), Op::write,
        where_, "cannot write table rows");
  rows_ += rows.size();
}

// ---------- reading ----------

namespace {

// One numeric member as double: HDF5 converts integer and float members by name; an enum
// (h5py stores bool as an int8 enum) is read as its base integer.
std::vector<double> read_numeric_member(hid_t dset, hid_t member_type, bool is_enum, const std::string& name,
                                        std::size_t n, const std::string& where) {
  std::vector<double> out(n, std::nan(""));
  if (n == 0) return out;
  const std::string what = "cannot read field " + name + " (corrupt or truncated)";
  if (!is_enum) {
    const Handle mem = own(H5Tcreate(H5T_COMPOUND, sizeof(double)), Op::read, where, what);
    check(H5Tinsert(mem.id(), name.c_str(), 0, H5T_NATIVE_DOUBLE), Op::read, where, what);
    check(H5Dread(dset, mem.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), Op::read, where, what);
    return out;
  }
  const Handle base = own(H5Tget_super(member_type), Op::read, where, what);
  const Handle native = own(H5Tget_native_type(member_type, H5T_DIR_ASCEND), Op::read, where, what);
  const std::size_t size = check_size(H5Tget_size(native.id()), Op::read, where, what);
  const H5T_sign_t sign = H5Tget_sign(base.id());
  if (sign == H5T_SGN_ERROR) fail(Op::read, where, what);
  const bool is_signed = sign == H5T_SGN_2;
  const Handle mem = own(H5Tcreate(H5T_COMPOUND, size), Op::read, where, what);
  check(H5Tinsert(mem.id(), name.c_str(), 0, native.id()), Op::read, where, what);
  std::vector<unsigned char> raw(n * size);
  check(H5Dread(dset, mem.id(), H5S_ALL, H5S_ALL, H5P_DEFAULT, raw.data()), Op::read, where, what);
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

// One string member: the member alone in a one-field compound memory type.
std::vector<std::string> read_string_member(hid_t dset, hid_t space, hid_t member_type, const std::string& name,
                                            std::size_t n, const std::string& where) {
  const std::string what = "cannot read field " + name + " (corrupt or truncated)";
  std::vector<std::string> out =
      read_string_data(member_type, space, n, where + " field " + name, [&](hid_t str, void* buf) -> herr_t {
        // A variable-length string member is a char*; a fixed one its bytes.
        const htri_t vlen = H5Tis_variable_str(str);
        if (vlen < 0) return -1;
        const std::size_t size = vlen > 0 ? sizeof(char*) : H5Tget_size(str);
        if (size == 0) return -1;
        const hid_t mem = H5Tcreate(H5T_COMPOUND, size);
        if (mem < 0) return -1;
        const Handle owned(mem);
        if (H5Tinsert(mem, name.c_str(), 0, str) < 0) return -1;
        return H5Dread(dset, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
      });
  for (auto& s : out)
    while (!s.empty() && s.back() == ' ') s.pop_back();  // space-padded Fortran-style strings
  return out;
}

}  // namespace

TableContents Group::read_table(const std::string& name) const {
  const std::string w = where(name);
  if (!is_dataset(name)) fail(Op::read, w, "missing dataset (expected a compound table)");
  const Handle dset = own(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), Op::read, w, "cannot open dataset");
  const Handle ftype = own(H5Dget_type(dset.id()), Op::read, w, "cannot read the dataset's type");
  if (H5Tget_class(ftype.id()) != H5T_COMPOUND)
    fail(Op::read, w, "expected a compound table (one field per column), got another type");
  const Handle space = own(H5Dget_space(dset.id()), Op::read, w, "cannot read dataset shape");
  if (H5Sget_simple_extent_ndims(space.id()) != 1) fail(Op::read, w, "expected a 1-D table");
  hsize_t dims[1] = {0};
  check_count(H5Sget_simple_extent_dims(space.id(), dims, nullptr), Op::read, w, "cannot read dataset shape");
  TableContents t;
  t.rows = dims[0];
  const int members = check_count(H5Tget_nmembers(ftype.id()), Op::read, w, "cannot read the table's fields");
  // Every field becomes a column of doubles or strings in memory.
  check_fits(w, t.rows, static_cast<std::size_t>(std::max(members, 1)) * sizeof(std::string), {t.rows});
  for (int m = 0; m < members; ++m) {
    char* raw_name = H5Tget_member_name(ftype.id(), static_cast<unsigned>(m));
    if (!raw_name) fail(Op::read, w, "cannot read the name of field " + std::to_string(m));
    Field f;
    f.name = raw_name;
    check(H5free_memory(raw_name), Op::read, w, "cannot free a field name");
    const Handle mtype = own(H5Tget_member_type(ftype.id(), static_cast<unsigned>(m)), Op::read, w,
                             "cannot read the type of field " + f.name);
    const H5T_class_t cls = H5Tget_class(mtype.id());
    if (cls == H5T_NO_CLASS) fail(Op::read, w, "cannot read the type of field " + f.name);
    f.type = to_type_class(cls);
    switch (f.type) {
      case TypeClass::integer:
      case TypeClass::floating:
      case TypeClass::enumeration:
        f.numbers = read_numeric_member(dset.id(), mtype.id(), cls == H5T_ENUM, f.name, t.rows, w);
        break;
      case TypeClass::string:
        f.strings = read_string_member(dset.id(), space.id(), mtype.id(), f.name, t.rows, w);
        break;
      default:
        t.skipped.push_back(f.name);
        continue;
    }
    t.fields.push_back(std::move(f));
  }
  return t;
}

}  // namespace kanscan::h5
