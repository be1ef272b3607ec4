#include "protocol/endpoint.hpp"

namespace kdsched::protocol {

Endpoint::~Endpoint() {
  // Buffers of sends still in flight must outlive them; cancelling is not portable for sends.
  try {
    flush();
  } catch (...) {
  }
}

void Endpoint::post(Rank destination, Tag tag, Bytes body) {
  ++messages_sent_;
  // Small messages go out eagerly: a blocking send returns at once without waiting for the
  // receiver, and costs no request object. Only larger ones could block, so they go non-blocking.
  if (body.size() <= eager_limit) {
    world_.send(destination, static_cast<int>(tag), body.data(), static_cast<int>(body.size()));
    return;
  }
  in_flight_.emplace_back(boost::mpi::request(), std::move(body));
  auto& [request, bytes] = in_flight_.back();
  request = world_.isend(destination, static_cast<int>(tag), bytes.data(), static_cast<int>(bytes.size()));
}

void Endpoint::reap() {
  for (auto it = in_flight_.begin(); it != in_flight_.end();) {
    it = it->first.test() ? in_flight_.erase(it) : std::next(it);
  }
}

std::optional<Envelope> Endpoint::poll() {
  if (!in_flight_.empty()) reap();
  const auto status = world_.iprobe(boost::mpi::any_source, boost::mpi::any_tag);
  if (!status) return std::nullopt;
  Envelope envelope;
  envelope.source = status->source();
  envelope.tag = static_cast<Tag>(status->tag());
  const auto count = status->count<char>();
  envelope.body.resize(count ? static_cast<std::size_t>(*count) : 0);
  world_.recv(envelope.source, status->tag(), envelope.body.data(), static_cast<int>(envelope.body.size()));
  return envelope;
}

void Endpoint::flush() {
  for (auto& entry : in_flight_) entry.first.wait();
  in_flight_.clear();
}

}  // namespace kdsched::protocol
