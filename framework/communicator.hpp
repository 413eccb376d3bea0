#pragma once
// Point-to-point messaging between ranks, behind one small interface (XGBoost collective style).
// Scheduling code talks only to Communicator; it runs unchanged on SerialCommunicator (one
// process), ThreadCommunicator (ranks as threads in one process, for tests) and
// MpiCommunicator (framework/mpi, the only code that includes the MPI header).
#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace kanscan {

inline constexpr int kAnySource = -1;
inline constexpr int kAnyTag = -1;

struct Message {
  int source = 0;
  int tag = 0;
  std::string bytes;
};

class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Buffered send: returns once `bytes` may be reused; never waits for the receiver.
  virtual void send(int dest, int tag, const std::string& bytes) = 0;
  // Blocking receive of the next matching message (source/tag may be kAnySource/kAnyTag).
  virtual Message recv(int source, int tag) = 0;
  // Receive if a matching message arrives within `timeout`; otherwise nullopt.
  virtual std::optional<Message> recv_for(int source, int tag, std::chrono::milliseconds timeout) = 0;
  virtual void barrier() = 0;
  // Ends every rank immediately (MPI_Abort); used only when recovery is impossible.
  [[noreturn]] virtual void abort(int exit_code) = 0;
  // Broadcast from `root` built on send/recv; returns the root's bytes on every rank.
  std::string broadcast(int root, const std::string& bytes, int tag);
};

// One process, one rank. send() to itself queues locally so loopback logic still works.
class SerialCommunicator final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void send(int dest, int tag, const std::string& bytes) override;
  Message recv(int source, int tag) override;
  std::optional<Message> recv_for(int source, int tag, std::chrono::milliseconds timeout) override;
  void barrier() override {}
  [[noreturn]] void abort(int exit_code) override;

 private:
  std::optional<Message> pending_;
};

}  // namespace kanscan
