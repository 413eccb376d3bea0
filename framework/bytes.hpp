#pragma once
// A little binary writer and reader for kanscan's own byte formats (the journal's records, the
// wire form of a trial): plain values bit for bit in native byte order -- these bytes are read
// back on the machine kind that wrote them -- strings and vectors with a 64-bit length. A short
// or malformed input throws InputError naming what was being read.
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "framework/error.hpp"

namespace kanscan {

class ByteWriter {
 public:
  template <typename T>
  void pod(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void str(const std::string& s) {
    pod<std::uint64_t>(s.size());
    out_.append(s);
  }
  template <typename T>
  void vec(const std::vector<T>& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    pod<std::uint64_t>(v.size());
    if (!v.empty()) out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class ByteReader {
 public:
  // `what` names the bytes in messages ("journal record", "trial message").
  ByteReader(const std::string& bytes, std::string what) : s_(bytes), what_(std::move(what)) {}
  template <typename T>
  T pod() {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof(T));
    T v;
    std::memcpy(&v, s_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string str() {
    const auto n = pod<std::uint64_t>();
    need(n);
    std::string out = s_.substr(pos_, n);
    pos_ += n;
    return out;
  }
  template <typename T>
  std::vector<T> vec() {
    const auto n = pod<std::uint64_t>();
    if (n > s_.size()) throw InputError(what_ + ": corrupt vector length");
    need(n * sizeof(T));
    std::vector<T> v(n);
    if (n) std::memcpy(v.data(), s_.data() + pos_, n * sizeof(T));
    pos_ += n * sizeof(T);
    return v;
  }
  bool done() const { return pos_ == s_.size(); }
  // Throws unless every byte was read.
  void expect_done(const char* after) const {
    if (!done()) throw InputError(what_ + ": trailing bytes after the " + after);
  }

 private:
  void need(std::uint64_t n) const {
    if (n > s_.size() - pos_) throw InputError(what_ + ": truncated or malformed record");
  }
  const std::string& s_;
  std::string what_;
  std::size_t pos_ = 0;
};

}  // namespace kanscan
