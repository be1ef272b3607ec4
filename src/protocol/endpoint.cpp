#include "protocol/endpoint.hpp"

#include "common/error.hpp"

#include <fmt/format.h>
#include <mpi.h>

#include <chrono>
#include <thread>

namespace kdsched::protocol {
namespace {

void check(int result, const char* call) {
  if (result != MPI_SUCCESS) throw RuntimeError(fmt::format("{} failed with MPI error {}", call, result));
}

}  // namespace

Endpoint::~Endpoint() {
  // Buffers of sends still in flight must outlive them; cancelling is not portable for sends.
  try {
    flush();
  } catch (...) {
  }
}

void Endpoint::post(Rank destination, Tag tag, bool nonblocking) {
  ++messages_sent_;
  // Small messages go out eagerly: a blocking send returns at once without waiting for the
  // receiver, and costs no request object. Only larger ones could block, so they go non-blocking.
  // MPI is called directly: Boost.MPI's send binds a reference to the first element, which an
  // empty message (Stop) does not have.
  if (outgoing_.size() <= eager_limit && !nonblocking) {
    check(MPI_Send(outgoing_.data(), static_cast<int>(outgoing_.size()), MPI_BYTE, destination, static_cast<int>(tag),
                   world_),
          "MPI_Send");
    return;
  }
  // The buffer travels with the request; a finished one's buffer comes back for the next send,
  // so a stream of large messages (batches of results) allocates nothing.
  Bytes next;
  if (!spare_buffers_.empty()) {
    next = std::move(spare_buffers_.back());
    spare_buffers_.pop_back();
  }
  in_flight_.emplace_back(MPI_REQUEST_NULL, std::exchange(outgoing_, std::move(next)));
  auto& [request, bytes] = in_flight_.back();
  check(MPI_Isend(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, destination, static_cast<int>(tag), world_,
                  &request),
        "MPI_Isend");
  bytes_in_flight_ += bytes.size();
  peak_bytes_in_flight_ = std::max(peak_bytes_in_flight_, bytes_in_flight_);
}

void Endpoint::reap() {
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    int done = 0;
    check(MPI_Test(&it->first, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (!done) {
      ++it;
      continue;
    }
    bytes_in_flight_ -= it->second.size();
    if (spare_buffers_.size() < max_spare_buffers) spare_buffers_.push_back(std::move(it->second));
    it = in_flight_.erase(it);
  }
}

const Envelope* Endpoint::poll() { return receive(MPI_ANY_TAG); }

const Envelope* Endpoint::poll(Tag tag) { return receive(static_cast<int>(tag)); }

const Envelope* Endpoint::receive(int tag) {
  if (!in_flight_.empty()) reap();
  // A matched probe: the receive takes exactly the probed message without matching again, which
  // is measurably cheaper than probe-then-receive at millions of messages per second.
  int found = 0;
  MPI_Message message;
  MPI_Status status;
  check(MPI_Improbe(MPI_ANY_SOURCE, tag, world_, &found, &message, &status), "MPI_Improbe");
  if (!found) return nullptr;
  int count = 0;
  check(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
  incoming_.source = status.MPI_SOURCE;
  incoming_.tag = static_cast<Tag>(status.MPI_TAG);
  incoming_.body.resize(static_cast<std::size_t>(count));
  check(MPI_Mrecv(incoming_.body.data(), count, MPI_BYTE, &message, MPI_STATUS_IGNORE), "MPI_Mrecv");
  return &incoming_;
}

void Endpoint::flush() {
  for (auto& entry : in_flight_) check(MPI_Wait(&entry.first, MPI_STATUS_IGNORE), "MPI_Wait");
  in_flight_.clear();
  bytes_in_flight_ = 0;
}

const Bytes& Endpoint::keep_until_exit(Bytes&& data) {
  static auto* const kept = new std::list<Bytes>;
  return kept->emplace_back(std::move(data));
}

void Endpoint::abandon_sends() {
  // Never freed: MPI may still read these buffers.
  static auto* const kept = new std::list<std::pair<MPI_Request, Bytes>>;
  kept->splice(kept->end(), in_flight_);
  bytes_in_flight_ = 0;
}

bool Endpoint::broadcast(Bytes& data, Rank root, const std::function<bool()>& keep_waiting) {
  MPI_Request request = MPI_REQUEST_NULL;
  check(MPI_Ibcast(data.data(), static_cast<int>(data.size()), MPI_BYTE, root, world_, &request), "MPI_Ibcast");
  auto pause = std::chrono::microseconds(10);
  for (int done = 0;;) {
    check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    if (done) return true;
    if (!keep_waiting()) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(1000));
  }
}

}  // namespace kdsched::protocol
