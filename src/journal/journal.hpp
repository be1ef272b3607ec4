#pragma once

#include "common/bytes.hpp"
#include "journal/database.hpp"
#include "journal/entry.hpp"

#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kdsched::journal {

// `<output>.journal`: what a run has merged, so that `run --resume` can continue it. An SQLite
// database in WAL mode: a batch is one row written in one transaction, so a crash at any moment
// leaves every earlier batch readable and the one being written absent, never half there. With
// synchronous = NORMAL a committed batch survives the process being killed; a power loss may
// also lose the batches committed since the last WAL checkpoint.
class Journal {
 public:
  // Opens the journal at `path`, creating it (empty, no job yet) if there is none.
  explicit Journal(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }

  // The job text the journal belongs to; none for a journal just created.
  std::optional<std::string> job_text();
  void set_job_text(std::string_view text);

  // Makes one batch of entries (see append_entry) durable, in one transaction.
  void append(std::span<const char> batch);

  // Every journaled entry, in the order the batches were appended.
  std::vector<Entry> entries();

  // The journal file of output `output`.
  static std::filesystem::path path_for(const std::filesystem::path& output);
  static bool exists(const std::filesystem::path& path) { return std::filesystem::exists(path); }
  // Removes the journal and its WAL and shared-memory files; throws IoError when it cannot.
  static void remove(const std::filesystem::path& path);

 private:
  std::filesystem::path path_;
  Database db_;
};

}  // namespace kdsched::journal
