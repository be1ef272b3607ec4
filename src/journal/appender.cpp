#include "journal/appender.hpp"

#include <utility>

namespace kdsched::journal {

Appender::Appender(Journal& journal) : journal_(journal), writer_([this] { write_loop(); }) {}

Appender::~Appender() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  writer_.join();
}

void Appender::rethrow_error() {
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

void Appender::submit(Batch& batch) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return !has_pending_ || error_; });
  rethrow_error();
  pending_.swap(batch);
  has_pending_ = true;
  // The buffer going back to the caller is one already written, with its capacity.
  batch.swap(spare_);
  batch.clear();
  lock.unlock();
  changed_.notify_all();
}

void Appender::wait() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return (!has_pending_ && !writing_) || error_; });
  rethrow_error();
}

void Appender::write_loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return has_pending_ || stopping_; });
    if (stopping_) return;
    Batch batch;
    batch.swap(pending_);
    has_pending_ = false;
    writing_ = true;
    lock.unlock();
    changed_.notify_all();
    std::exception_ptr error;
    try {
      journal_.append(batch);
    } catch (...) {
      error = std::current_exception();
    }
    lock.lock();
    writing_ = false;
    if (error) error_ = error;
    if (spare_.capacity() < batch.capacity()) spare_.swap(batch);
    changed_.notify_all();
  }
}

}  // namespace kdsched::journal
