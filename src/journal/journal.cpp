#include "journal/journal.hpp"

#include "common/error.hpp"

#include <fmt/format.h>

namespace kdsched::journal {
namespace {

// Bumped whenever the batch layout changes: a journal of another layout is not read.
constexpr std::int64_t layout_version = 2;

}  // namespace

Journal::Journal(const std::filesystem::path& path) : path_(path), db_(path) {
  db_.execute(
      "PRAGMA page_size = 65536;"
      "PRAGMA journal_mode = WAL;"
      "PRAGMA synchronous = NORMAL;"
      // A checkpoint (the WAL copied into the database) only past 1 GiB of WAL: a run's batches
      // are written once, not twice, and the journal of a run that completes, removed then, is
      // seldom checkpointed at all.
      "PRAGMA wal_autocheckpoint = 16384;"
      "CREATE TABLE IF NOT EXISTS job (layout INTEGER NOT NULL, text TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS batches (seq INTEGER PRIMARY KEY, entries BLOB NOT NULL);");
}

std::optional<std::string> Journal::job_text() {
  Statement select = db_.prepare("SELECT layout, text FROM job");
  if (!select.step()) return std::nullopt;
  if (select.integer(0) != layout_version) {
    throw IoError(fmt::format("{} was written by another version of kdsched (layout {}, this one reads {})",
                              path_.string(), select.integer(0), layout_version));
  }
  std::string text = select.text(1);
  while (select.step()) {
  }
  return text;
}

void Journal::set_job_text(std::string_view text) {
  db_.execute("BEGIN; DELETE FROM job; DELETE FROM batches;");
  db_.prepare("INSERT INTO job (layout, text) VALUES (?, ?)").bind(1, layout_version).bind(2, text).step();
  db_.execute("COMMIT;");
}

void Journal::append(std::span<const char> batch) {
  db_.prepare("INSERT INTO batches (entries) VALUES (?)").bind_blob(1, batch).step();
}

std::vector<Entry> Journal::entries() {
  std::vector<Entry> entries;
  Statement select = db_.prepare("SELECT entries FROM batches ORDER BY seq");
  while (select.step()) read_batch(select.blob(0), entries);
  return entries;
}

std::filesystem::path Journal::path_for(const std::filesystem::path& output) {
  std::filesystem::path path = output;
  path += ".journal";
  return path;
}

void Journal::remove(const std::filesystem::path& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::path file = path;
    file += suffix;
    std::error_code error;
    std::filesystem::remove(file, error);
    if (error) throw IoError(fmt::format("cannot remove {}: {}", file.string(), error.message()));
  }
}

}  // namespace kdsched::journal
