#pragma once
// Append-only, checksummed journal of finished trials: the source of truth of a scan. Each
// record is framed as [magic u32][type u32][length u64][XXH64 u64][payload] and fsync'ed before
// the HDF5 file is touched, so a kill -9 at any moment loses at most the record being written
// (a torn tail, detected by length/checksum and cut off on the next open). The results file
// can always be rebuilt from it.
#include <cstdint>
#include <functional>
#include <string>

#include "types/trial.hpp"

namespace kanscan::io {

// One finished trial as the journal and the results file see it.
struct TrialRecord {
  std::string trial_id;
  std::string model_name;
  std::string config_json;  // canonical JSON (io::canonical_json)
  TrialOutcome outcome;
};

// Binary (de)serialisation of a record; doubles are stored bit for bit. serialize(outcome) is
// also the wire form of a result sent from a worker rank to the coordinator.
std::string serialize(const TrialRecord& r);
// The same bytes as serialize(TrialRecord), from the parts (no copy of the outcome).
std::string serialize_trial(const std::string& trial_id, const std::string& model_name, const std::string& config_json,
                            const TrialOutcome& outcome);
TrialRecord deserialize_record(const std::string& bytes);  // throws InputError if malformed
std::string serialize(const TrialOutcome& o);
TrialOutcome deserialize_outcome(const std::string& bytes);

enum class JournalRecordType : std::uint32_t { header = 1, trial = 2 };

class Journal {
 public:
  // Opens `path` for appending, creating it when missing, and takes an exclusive lock on it
  // (a second kanscan writing the same scan is refused). Existing records are passed to
  // `visit` in order; a torn or corrupt tail is cut off (its size is in torn_bytes()).
  using Visitor = std::function<void(JournalRecordType, const std::string& payload)>;
  Journal(const std::string& path, const Visitor& visit);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Writes one record and fsyncs it: when append returns, the record survives a crash. A failed
  // write (IoError) is cut off again, so the journal ends with its last complete record.
  void append(JournalRecordType type, const std::string& payload);
  std::uint64_t torn_bytes() const { return torn_bytes_; }
  std::size_t records() const { return records_; }
  const std::string& path() const { return path_; }

  // Reads a journal without locking or repairing it (for tests and tools).
  static void read(const std::string& path, const Visitor& visit, std::uint64_t* torn_bytes = nullptr);

 private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t torn_bytes_ = 0;
  std::size_t records_ = 0;
  bool broken_ = false;  // a failed write could not be cut off again
};

}  // namespace kanscan::io
