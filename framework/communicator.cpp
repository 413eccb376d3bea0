#include "framework/communicator.hpp"

#include <cstdlib>
#include <stdexcept>

namespace kanscan {

std::string Communicator::broadcast(int root, const std::string& bytes, int tag) {
  if (size() == 1) return bytes;
  if (rank() == root) {
    for (int r = 0; r < size(); ++r)
      if (r != root) send(r, tag, bytes);
    return bytes;
  }
  return recv(root, tag).bytes;
}

void SerialCommunicator::send(int dest, int tag, const std::string& bytes) {
  if (dest != 0) throw std::logic_error("SerialCommunicator: send to rank " + std::to_string(dest));
  if (pending_) throw std::logic_error("SerialCommunicator: only one message may be in flight");
  pending_ = Message{0, tag, bytes};
}

Message SerialCommunicator::recv(int source, int tag) {
  auto m = recv_for(source, tag, std::chrono::milliseconds(0));
  if (!m) throw std::logic_error("SerialCommunicator: recv would block forever");
  return *m;
}

std::optional<Message> SerialCommunicator::recv_for(int /*source*/, int tag, std::chrono::milliseconds) {
  if (pending_ && (tag == kAnyTag || pending_->tag == tag)) {
    Message m = std::move(*pending_);
    pending_.reset();
    return m;
  }
  return std::nullopt;
}

void SerialCommunicator::abort(int exit_code) { std::_Exit(exit_code); }

}  // namespace kanscan
