#pragma once

#include "journal/entry.hpp"
#include "journal/journal.hpp"

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>

namespace kdsched::journal {

// Writes a journal's batches on a thread of its own, so that the master goes on dealing and
// merging while SQLite copies a batch (megabytes, at millions of partitions a second) into its
// WAL. One batch is written at a time; a second submitted meanwhile waits for the first. Nothing
// else may use the journal while an Appender lives.
class Appender {
 public:
  explicit Appender(Journal& journal);
  // Waits for the batch being written; one submitted but not yet taken is dropped (wait() first
  // to make it durable), as is an error.
  ~Appender();
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;

  // Hands `batch` over to be written (leaving `batch` empty, with the capacity of a buffer
  // written before, for the next outcomes). Rethrows an error of an earlier write.
  void submit(Batch& batch);

  // Returns once every submitted batch is durable; rethrows an error of a write.
  void wait();

 private:
  void write_loop();
  void rethrow_error();  // under mutex_

  Journal& journal_;
  std::mutex mutex_;
  std::condition_variable changed_;
  Batch pending_;     // submitted, not yet taken by the writer
  bool has_pending_ = false;
  bool writing_ = false;
  bool stopping_ = false;
  Batch spare_;       // written, its capacity kept for the next swap
  std::exception_ptr error_;
  std::thread writer_;
};

}  // namespace kdsched::journal
