#include "io/journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <type_traits>

#include "framework/bytes.hpp"
#include "framework/error.hpp"
#include "io/model_file.hpp"

namespace kanscan::io {
namespace {

constexpr char kFileMagic[16] = {'K', 'A', 'N', 'S', 'C', 'A', 'N', '-', 'J', 'O', 'U', 'R', 'N', 'A', 'L', '1'};
constexpr std::uint32_t kRecordMagic = 0x4B53524A;  // "KSRJ"
constexpr std::size_t kFrame = 4 + 4 + 8 + 8;
constexpr std::uint64_t kMaxRecord = 1ULL << 36;  // 64 GiB: anything larger is a corrupt length

using Writer = ByteWriter;
using Reader = ByteReader;

// Parts added to the record after the first journals: tagged sections at its end, which a
// record of an older journal simply does not have.
enum Section : std::uint8_t { kModelNames = 'N' };

void put_strings(Writer& w, const std::vector<std::string>& v) {
  w.pod<std::uint64_t>(v.size());
  for (const auto& s : v) w.str(s);
}

std::vector<std::string> get_strings(Reader& r) {
  const auto n = r.pod<std::uint64_t>();
  if (n > (1u << 24)) throw InputError("journal record: corrupt name count");
  std::vector<std::string> v;
  for (std::uint64_t i = 0; i < n; ++i) v.push_back(r.str());
  return v;
}

void put_outcome(Writer& w, const TrialOutcome& o) {
  w.pod<std::uint8_t>(o.ok);
  w.pod<std::uint8_t>(o.cancelled);
  w.str(o.error);
  w.pod<std::int64_t>(o.epochs_run);
  w.pod<double>(o.train_seconds);
  w.pod<std::int64_t>(o.n_params);
  w.vec(o.history.epoch);
  w.vec(o.history.train_loss);
  w.vec(o.history.val_loss);
  w.vec(o.history.val_metric);
  w.str(o.history.val_metric_name);
  w.pod<std::uint64_t>(o.metrics.size());
  for (const auto& [k, v] : o.metrics) {
    w.str(k);
    w.pod<double>(v);
  }
  w.vec(o.roc_fpr);
  w.vec(o.roc_tpr);
  w.pod<std::int64_t>(o.test_predictions.rows());
  w.pod<std::int64_t>(o.test_predictions.cols());
  std::vector<float> preds(o.test_predictions.data(), o.test_predictions.data() + o.test_predictions.size());
  w.vec(preds);
  w.vec(o.test_index);
  const ModelState& m = o.model;
  // A trial without a model (failed) records empty names, as journals always have.
  w.str(m.layers.empty() ? std::string() : to_string(m.task));
  w.str(m.layers.empty() ? std::string() : to_string(m.output));
  w.vec(m.input_mean);
  w.vec(m.input_std);
  w.vec(m.target_mean);
  w.vec(m.target_std);
  w.pod<std::uint64_t>(m.layers.size());
  for (const auto& l : m.layers) {
    w.str(to_string(l.kind));
    w.pod<std::uint64_t>(l.tensors.size());
    for (const auto& [name, t] : l.tensors) {
      w.str(name);
      w.vec(t.shape);
      w.vec(t.data);
    }
    const auto attrs = layer_attributes(l);
    w.pod<std::uint64_t>(attrs.size());
    for (const auto& [name, a] : attrs) {
      w.str(name);
      w.pod<std::uint8_t>(static_cast<std::uint8_t>(a.index()));
      if (auto* i = std::get_if<std::int64_t>(&a)) w.pod(*i);
      else if (auto* d = std::get_if<double>(&a)) w.pod(*d);
      else w.str(std::get<std::string>(a));
    }
  }
  if (!m.feature_names.empty() || !m.target_names.empty()) {
    w.pod<std::uint8_t>(kModelNames);
    put_strings(w, m.feature_names);
    put_strings(w, m.target_names);
  }
}

TrialOutcome get_outcome(Reader& r) {
  TrialOutcome o;
  o.ok = r.pod<std::uint8_t>() != 0;
  o.cancelled = r.pod<std::uint8_t>() != 0;
  o.error = r.str();
  o.epochs_run = static_cast<int>(r.pod<std::int64_t>());
  o.train_seconds = r.pod<double>();
  o.n_params = r.pod<std::int64_t>();
  o.history.epoch = r.vec<int>();
  o.history.train_loss = r.vec<double>();
  o.history.val_loss = r.vec<double>();
  o.history.val_metric = r.vec<double>();
  o.history.val_metric_name = r.str();
  const auto nm = r.pod<std::uint64_t>();
  for (std::uint64_t i = 0; i < nm; ++i) {
    std::string k = r.str();
    o.metrics[k] = r.pod<double>();
  }
  o.roc_fpr = r.vec<double>();
  o.roc_tpr = r.vec<double>();
  const auto rows = r.pod<std::int64_t>();
  const auto cols = r.pod<std::int64_t>();
  const auto preds = r.vec<float>();
  if (rows < 0 || cols < 0 || static_cast<std::uint64_t>(rows) * static_cast<std::uint64_t>(cols) != preds.size())
    throw InputError("journal record: prediction shape does not match its data");
  o.test_predictions.resize(rows, cols);
  if (!preds.empty()) std::memcpy(o.test_predictions.data(), preds.data(), preds.size() * sizeof(float));
  o.test_index = r.vec<std::int64_t>();
  ModelState& m = o.model;
  const std::string task = r.str(), output = r.str();
  m.input_mean = r.vec<double>();
  m.input_std = r.vec<double>();
  m.target_mean = r.vec<double>();
  m.target_std = r.vec<double>();
  const auto nl = r.pod<std::uint64_t>();
  if (nl > 1000000) throw InputError("journal record: corrupt layer count");
  for (std::uint64_t i = 0; i < nl; ++i) {
    LayerState l;
    const auto kind = parse_name<LayerKind>(r.str());
    if (!kind) throw InputError("journal record: unknown layer kind");
    l.kind = *kind;
    const auto nt = r.pod<std::uint64_t>();
    for (std::uint64_t t = 0; t < nt; ++t) {
      std::string name = r.str();
      Tensor ten;
      ten.shape = r.vec<std::size_t>();
      ten.data = r.vec<double>();
      l.tensors[name] = std::move(ten);
    }
    const auto na = r.pod<std::uint64_t>();
    for (std::uint64_t a = 0; a < na; ++a) {
      std::string name = r.str();
      const auto type = r.pod<std::uint8_t>();
      LayerAttribute value;
      if (type == 0) value = r.pod<std::int64_t>();
      else if (type == 1) value = r.pod<double>();
      else value = r.str();
      set_layer_attribute(l, name, value, "journal record");
    }
    m.layers.push_back(std::move(l));
  }
  if (!task.empty()) {
    const auto t = parse_name<Task>(task);
    if (!t) throw InputError("journal record: unknown task '" + task + "'");
    m.task = *t;
  }
  if (!output.empty()) {
    const auto k = parse_name<OutputKind>(output);
    if (!k) throw InputError("journal record: unknown model output '" + output + "'");
    m.output = *k;
  } else {
    m.output = default_output(m);
  }
  while (!r.done()) {
    const auto section = r.pod<std::uint8_t>();
    if (section != kModelNames) throw InputError("journal record: unknown section " + std::to_string(section));
    m.feature_names = get_strings(r);
    m.target_names = get_strings(r);
  }
  return o;
}

std::uint64_t checksum(JournalRecordType type, const std::string& payload) {
  return XXH64(payload.data(), payload.size(), 0x6B616E7363616E00ULL ^ static_cast<std::uint64_t>(type));
}

void write_all(int fd, const char* p, std::size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw IoError(Location{path, -1, -1, ""}, std::string("cannot write the journal: ") + std::strerror(errno));
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

// Scans records; returns the offset just past the last good one.
std::uint64_t scan_records(const std::string& path, const Journal::Visitor& visit, std::uint64_t* torn,
                           std::size_t* count) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(Location{path, -1, -1, ""}, "cannot read the journal");
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::uint64_t>(in.tellg());
  in.seekg(0);
  char magic[16];
  if (size < sizeof(magic)) {
    if (torn) *torn = size;
    return 0;  // torn before the magic was complete
  }
  in.read(magic, sizeof(magic));
  if (std::memcmp(magic, kFileMagic, sizeof(magic)) != 0)
    throw InputError(Location{path, -1, -1, ""}, "not a kanscan journal (bad magic)");
  std::uint64_t good = sizeof(magic);
  std::size_t n = 0;
  while (good + kFrame <= size) {
    char frame[kFrame];
    in.seekg(static_cast<std::streamoff>(good));
    in.read(frame, kFrame);
    std::uint32_t m, type;
    std::uint64_t len, sum;
    std::memcpy(&m, frame, 4);
    std::memcpy(&type, frame + 4, 4);
    std::memcpy(&len, frame + 8, 8);
    std::memcpy(&sum, frame + 16, 8);
    if (m != kRecordMagic || len > kMaxRecord || good + kFrame + len > size) break;
    std::string payload(len, '\0');
    in.read(payload.data(), static_cast<std::streamsize>(len));
    if (!in || checksum(static_cast<JournalRecordType>(type), payload) != sum) break;
    if (visit) visit(static_cast<JournalRecordType>(type), payload);
    good += kFrame + len;
    ++n;
  }
  if (torn) *torn = size - good;
  if (count) *count = n;
  return good;
}

}  // namespace

std::string serialize(const TrialOutcome& o) {
  Writer w;
  put_outcome(w, o);
  return w.take();
}

TrialOutcome deserialize_outcome(const std::string& bytes) {
  Reader r(bytes, "journal record");
  TrialOutcome o = get_outcome(r);
  if (!r.done()) throw InputError("journal record: trailing bytes after the outcome");
  return o;
}

std::string serialize_trial(const std::string& trial_id, const std::string& model_name, const std::string& config_json,
                            const TrialOutcome& outcome) {
  Writer w;
  w.str(trial_id);
  w.str(model_name);
  w.str(config_json);
  put_outcome(w, outcome);
  return w.take();
}

std::string serialize(const TrialRecord& rec) {
  return serialize_trial(rec.trial_id, rec.model_name, rec.config_json, rec.outcome);
}

TrialRecord deserialize_record(const std::string& bytes) {
  Reader r(bytes, "journal record");
  TrialRecord rec;
  rec.trial_id = r.str();
  rec.model_name = r.str();
  rec.config_json = r.str();
  rec.outcome = get_outcome(r);
  if (!r.done()) throw InputError("journal record: trailing bytes after the record");
  return rec;
}

Journal::Journal(const std::string& path, const Visitor& visit) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  // Opening creates the journal of a new scan: a failure is the folder's, not the input's.
  if (fd_ < 0) throw IoError(Location{path, -1, -1, ""}, std::string("cannot open the journal: ") + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    throw InputError(Location{path, -1, -1, ""}, "another kanscan process is writing this scan (the journal is locked)");
  }
  struct stat st;
  ::fstat(fd_, &st);
  std::uint64_t good = 0;
  try {
    if (st.st_size > 0) good = scan_records(path, visit, &torn_bytes_, &records_);
  } catch (...) {
    ::close(fd_);
    fd_ = -1;
    throw;
  }
  try {
    if (good == 0) {
      // New (or torn before its magic was complete): start over with the magic.
      if (::ftruncate(fd_, 0) != 0) throw IoError(Location{path, -1, -1, ""}, "cannot truncate the journal");
      ::lseek(fd_, 0, SEEK_SET);
      write_all(fd_, kFileMagic, sizeof(kFileMagic), path);
      if (::fsync(fd_) != 0)
        throw IoError(Location{path, -1, -1, ""}, std::string("cannot sync the journal to disk: ") + std::strerror(errno));
    } else if (torn_bytes_ > 0) {
      // Cut the torn tail so new records follow the last good one.
      if (::ftruncate(fd_, static_cast<off_t>(good)) != 0)
        throw IoError(Location{path, -1, -1, ""}, "cannot truncate the journal");
      ::fsync(fd_);
    }
  } catch (...) {
    ::close(fd_);
    fd_ = -1;
    throw;
  }
  ::lseek(fd_, 0, SEEK_END);
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

void Journal::append(JournalRecordType type, const std::string& payload) {
  if (broken_)
    throw IoError(Location{path_, -1, -1, ""}, "the journal could not be repaired after a failed write; nothing more is recorded");
  std::string buf(kFrame, '\0');
  const std::uint32_t m = kRecordMagic, t = static_cast<std::uint32_t>(type);
  const std::uint64_t len = payload.size(), sum = checksum(type, payload);
  std::memcpy(buf.data(), &m, 4);
  std::memcpy(buf.data() + 4, &t, 4);
  std::memcpy(buf.data() + 8, &len, 8);
  std::memcpy(buf.data() + 16, &sum, 8);
  buf += payload;
  const off_t end = ::lseek(fd_, 0, SEEK_END);
  try {
    write_all(fd_, buf.data(), buf.size(), path_);
    if (::fsync(fd_) != 0)
      throw IoError(Location{path_, -1, -1, ""}, std::string("cannot sync the journal to disk: ") + std::strerror(errno));
  } catch (const IoError&) {
    // Cut the partial record, so that a later record (after space is freed) is not hidden
    // behind a torn one; if even that fails, the next open cuts it, and nothing more is appended.
    if (end < 0 || ::ftruncate(fd_, end) != 0 || ::lseek(fd_, end, SEEK_SET) != end) broken_ = true;
    throw;
  }
  ++records_;
}

void Journal::read(const std::string& path, const Visitor& visit, std::uint64_t* torn_bytes) {
  scan_records(path, visit, torn_bytes, nullptr);
}

}  // namespace kanscan::io
