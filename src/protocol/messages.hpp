#pragma once

#include "common/bytes.hpp"
#include "common/ids.hpp"
#include "partition/index_range.hpp"

#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>

#include <cstdint>
#include <string>
#include <vector>

// Every message exchanged between the master and the workers, and its tag. Nothing else in
// kdsched defines what travels over MPI.
namespace kdsched::protocol {

enum class Tag : int {
  request = 1,        // worker -> master: finished partitions, and whether it wants more work
  grant = 2,          // master -> worker: partitions to add to the worker's queue
  steal_request = 3,  // worker -> worker
  steal_reply = 4,    // worker -> worker: the back half of the victim's queue (maybe nothing)
  stop = 5,           // master -> worker: every partition is complete
  abort = 6,          // master -> worker: the run failed; exit with the code given
  fatal = 7,          // worker -> master: this worker cannot go on
  round_start = 8,    // master -> worker: a new round begins; its state follows by broadcast, then its grants
  heartbeat = 9,      // both ways: still alive, after a while with nothing else to send
  hello = 10,         // worker -> master, once: who and where this worker is
  lost = 11,          // master -> worker: a worker is lost; steal from it no more
  round_state = 12,   // master -> worker: the round's state, sent directly once a worker is lost
  worker_record = 13, // worker -> master, after Stop: its /workers row
  finished = 14,      // master -> worker: the job's exit code, once its result is written; and back: received
  job = 15,           // master -> worker: the next job of the batch, or the end of the batch
};

// What became of one partition on a worker.
struct Outcome {
  PartitionId id = 0;
  bool ok = true;
  bool stolen = false;
  double start_s = 0;  // seconds since the job started, on the worker's clock
  double end_s = 0;
  std::string error;  // why it failed, when !ok
  Bytes partial;      // the kernel's partial result, when ok
  std::uint64_t bytes_read = 0;  // input read for it (0 when its rows were kept in memory)
  bool cache_hit = false;

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & id & ok & stolen & start_s & end_s & error & partial & bytes_read & cache_hit;
  }
};

struct Request {
  static constexpr Tag tag = Tag::request;
  std::vector<Outcome> outcomes;
  bool wants_work = false;   // a grant, please; once the master has run dry under stealing = "master",
                             // the master passes the request on to a victim as a steal
  std::uint64_t queued = 0;  // partitions in the worker's queue, for the master's choice of victims
  bool idle = false;         // nothing queued and nothing running: a copy would start at once
  std::uint32_t round = 0;   // the worker's round: a request sent before it saw a new round is stale
  // The worker can run no more partitions in this job: its executor is inside a kernel that did
  // not stop at its deadline. The master deals what it holds again and grants it nothing more.
  bool retiring = false;

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & outcomes & wants_work & queued & idle & round & retiring;
  }
};

struct GrantMessage {
  static constexpr Tag tag = Tag::grant;
  std::vector<IndexRange> ranges;
  bool master_exhausted = false;  // nothing more will come from the master: time to steal
  // Sent unasked, not an answer to a request: a retry, or work of a lost worker dealt again.
  bool pushed = false;
  bool pinned = false;  // never to be stolen (a retry, sent where it has not failed)

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & ranges & master_exhausted & pushed & pinned;
  }
};

// Sent by the thief itself (stealing = "random") or by the master on its behalf ("master");
// the victim replies to the thief either way. Steals carry the round: a victim in another round
// gives nothing, so work never crosses from one round into another.
struct StealRequest {
  static constexpr Tag tag = Tag::steal_request;
  std::uint32_t round = 0;
  Rank thief = 0;

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & round & thief;
  }
};

struct StealReply {
  static constexpr Tag tag = Tag::steal_reply;
  std::uint32_t round = 0;  // the request's
  std::vector<IndexRange> ranges;

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & round & ranges;
  }
};

// The round's state itself follows as one broadcast of `state_bytes` bytes (Endpoint::broadcast),
// so the master holds it once, not once per worker.
struct RoundStart {
  static constexpr Tag tag = Tag::round_start;
  std::uint32_t round = 0;
  std::uint64_t state_bytes = 0;
  bool direct = false;  // the state comes as a RoundState message (a worker is lost), not by broadcast

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & round & state_bytes & direct;
  }
};

struct Stop {
  static constexpr Tag tag = Tag::stop;

  template <typename Archive>
  void serialize(Archive& /*archive*/, unsigned /*version*/) {}
};

// From a worker it also says which partition its executor is inside, if any: should the worker
// die, that partition is the one suspected of killing it (see RetryRule::lost_with). From the
// master it carries the median partition time, against which a worker finds itself slow (see
// scheduling::WorkerRules).
struct Heartbeat {
  static constexpr Tag tag = Tag::heartbeat;
  bool busy = false;
  PartitionId running = 0;
  double median_s = 0;

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & busy & running & median_s;
  }
};

struct Abort {
  static constexpr Tag tag = Tag::abort;
  int exit_code = 4;

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & exit_code;
  }
};

struct Fatal {
  static constexpr Tag tag = Tag::fatal;
  int exit_code = 4;
  std::string message;

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & exit_code & message;
  }
};

// Once a worker is lost no collective can complete, so what a broadcast or a gather carried
// before travels in these, one message per live worker.
struct Hello {
  static constexpr Tag tag = Tag::hello;
  std::int64_t pid = 0;
  std::uint64_t start_ticks = 0;  // see process_stat: a reused pid is not this worker
  std::string host;

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & pid & start_ticks & host;
  }
};

struct Lost {
  static constexpr Tag tag = Tag::lost;
  Rank rank = 0;

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & rank;
  }
};

// A worker may get it twice for one round (by broadcast, then directly once a worker is lost,
// since a lost worker inside the broadcast tree holds up the ranks below it): the round tells.
struct RoundState {
  static constexpr Tag tag = Tag::round_state;
  std::uint32_t round = 0;
  Bytes state;

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & round & state;
  }
};

struct Finished {
  static constexpr Tag tag = Tag::finished;
  int exit_code = 0;
  // In the acknowledgement: this worker's executor is still inside a kernel (abandoned at its
  // deadline, or a copy whose original came first), so it can run no further job of the batch.
  bool leaving = false;

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & exit_code & leaving;
  }
};

// The job every rank runs, sent by the master to each worker once it has validated it: point to
// point, not broadcast, since a worker lost after the previous job would hold a collective forever.
struct JobAnnouncement {
  static constexpr Tag tag = Tag::job;
  // Non-zero: the batch ends here, with this exit code (the master rejected the job, or a rank of
  // the previous job was lost or cannot go on).
  int exit_code = 0;
  std::string job_text;
  std::string job_path;
  // The master's temporary output, absolute: whichever rank a signal reaches first removes it,
  // since the master itself may be killed (SIGKILL, or mpirun's escalation) before its handler runs.
  std::string temporary;

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & exit_code & job_text & job_path & temporary;
  }
};

}  // namespace kdsched::protocol
