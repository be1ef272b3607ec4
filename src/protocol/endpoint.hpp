#pragma once

#include "common/bytes.hpp"
#include "common/ids.hpp"
#include "protocol/messages.hpp"

#include <boost/mpi/communicator.hpp>
#include <mpi.h>

#include <functional>
#include <list>
#include <optional>
#include <utility>
#include <vector>

namespace kdsched::protocol {

// A message taken off the wire, decoded on demand with as<T>().
struct Envelope {
  Rank source = 0;
  Tag tag = Tag::request;
  Bytes body;

  template <typename Message>
  Message as() const {
    return from_bytes<Message>(body);
  }

  // Decodes into `message`, reusing its buffers: for the messages of the dispatch loop.
  template <typename Message>
  void decode(Message& message) const {
    read_bytes(body.data(), body.size(), message);
  }
};

// One rank's connection to the others over one job's communicator. Each message is one MPI
// message of bytes, sent without blocking (a large steal reply can therefore never deadlock two
// workers sending to each other) and received by polling, so the caller decides how to wait.
class Endpoint {
 public:
  explicit Endpoint(boost::mpi::communicator world) : world_(std::move(world)) {}
  ~Endpoint();
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  Rank rank() const { return world_.rank(); }
  int size() const { return world_.size(); }
  const boost::mpi::communicator& world() const { return world_; }

  template <typename Message>
  void send(Rank destination, const Message& message) {
    outgoing_.clear();
    append_bytes(outgoing_, message);
    post(destination, Message::tag, false);
  }

  // As send(), but never blocking, however small the message: for a peer that may be stopped,
  // to which even a small blocking send can hang (seen over shared memory on a fresh
  // communicator).
  template <typename Message>
  void send_nonblocking(Rank destination, const Message& message) {
    outgoing_.clear();
    append_bytes(outgoing_, message);
    post(destination, Message::tag, true);
  }

  // The next message that has arrived, if any, valid until the next poll; also completes
  // finished sends. The buffers are reused: the dispatch path allocates nothing per message.
  const Envelope* poll();

  // Blocks until every send this endpoint started has completed.
  void flush();

  // The buffer of an abandoned broadcast: MPI may write into it (or read it) until the process
  // ends, so it moves (its block unchanged) to storage that is never freed.
  static const Bytes& keep_until_exit(Bytes&& data);

  // Once a peer is lost: a send to it may never complete, so neither flush() nor the destructor
  // waits for the sends in flight. Their buffers stay MPI's until the process ends.
  void abandon_sends();

  // A collective over every rank of the communicator: `data` (already sized on every rank) is
  // overwritten with the root's. Point-to-point messages keep flowing meanwhile, and
  // `keep_waiting` runs between two looks at the broadcast: when it returns false (or throws) the
  // broadcast is abandoned, which leaves `data` in use by MPI until the process ends. Returns
  // whether the broadcast completed.
  bool broadcast(Bytes& data, Rank root, const std::function<bool()>& keep_waiting);

  // The next message with this tag, if one has arrived, leaving the others in their order.
  const Envelope* poll(Tag tag);

  // Messages sent so far, and the most bytes ever waiting in unfinished sends, for statistics.
  std::uint64_t messages_sent() const { return messages_sent_; }
  std::uint64_t peak_bytes_in_flight() const { return peak_bytes_in_flight_; }

 private:
  // Open MPI sends messages up to 4 KiB eagerly over shared memory and 64 KiB over TCP.
  static constexpr std::size_t eager_limit = 1024;

  void post(Rank destination, Tag tag, bool nonblocking);  // sends outgoing_
  const Envelope* receive(int tag);      // MPI_ANY_TAG or one tag
  void reap();

  boost::mpi::communicator world_;
  Bytes outgoing_;
  Envelope incoming_;
  std::list<std::pair<MPI_Request, Bytes>> in_flight_;
  std::uint64_t bytes_in_flight_ = 0;
  std::uint64_t peak_bytes_in_flight_ = 0;
  static constexpr std::size_t max_spare_buffers = 8;
  std::vector<Bytes> spare_buffers_;
  std::uint64_t messages_sent_ = 0;
};

}  // namespace kdsched::protocol
