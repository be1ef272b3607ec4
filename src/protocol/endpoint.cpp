#include "protocol/endpoint.hpp"

namespace kdsched::protocol {

Endpoint::~Endpoint() {
  // Buffers of sends still in flight must outlive them; cancelling is not portable for sends.
  try {
    flush();
  } catch (...) {
  }
}

void Endpoint::post(Rank destination, Tag tag) {
  ++messages_sent_;
  // Small messages go out eagerly: a blocking send returns at once without waiting for the
  // receiver, and costs no request object. Only larger ones could block, so they go non-blocking.
  if (outgoing_.size() <= eager_limit) {
    world_.send(destination, static_cast<int>(tag), outgoing_.data(), static_cast<int>(outgoing_.size()));
    return;
  }
  in_flight_.emplace_back(boost::mpi::request(), std::exchange(outgoing_, {}));
  auto& [request, bytes] = in_flight_.back();
  request = world_.isend(destination, static_cast<int>(tag), bytes.data(), static_cast<int>(bytes.size()));
}

void Endpoint::reap() {
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    it = it->first.test() ? in_flight_.erase(it) : std::next(it);
  }
}

const Envelope* Endpoint::poll() {
  if (!in_flight_.empty()) reap();
  const auto status = world_.iprobe(boost::mpi::any_source, boost::mpi::any_tag);
  if (!status) return nullptr;
  incoming_.source = status->source();
  incoming_.tag = static_cast<Tag>(status->tag());
  const auto count = status->count<char>();
  incoming_.body.resize(count ? static_cast<std::size_t>(*count) : 0);
  world_.recv(incoming_.source, status->tag(), incoming_.body.data(), static_cast<int>(incoming_.body.size()));
  return &incoming_;
}

void Endpoint::flush() {
  for (auto& entry : in_flight_) entry.first.wait();
  in_flight_.clear();
}

}  // namespace kdsched::protocol
