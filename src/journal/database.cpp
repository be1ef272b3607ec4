#include "journal/database.hpp"

#include "common/error.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

namespace kdsched::journal {
namespace {

[[noreturn]] void fail(sqlite3* db, std::string_view what) {
  const char* file = db != nullptr ? sqlite3_db_filename(db, "main") : nullptr;
  throw IoError(fmt::format("journal {}: {}: {}", file != nullptr ? file : "", what,
                            db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

}  // namespace

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &statement_, nullptr) != SQLITE_OK) {
    fail(db, "cannot prepare a statement");
  }
}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(statement_, index, value) != SQLITE_OK) fail(db_, "cannot bind a value");
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  if (sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK) {
    fail(db_, "cannot bind a value");
  }
  return *this;
}

// SQLITE_STATIC: the caller's bytes outlive the step that reads them.
Statement& Statement::bind_blob(int index, std::span<const char> bytes) {
  if (sqlite3_bind_blob64(statement_, index, bytes.data(), bytes.size(), SQLITE_STATIC) != SQLITE_OK) {
    fail(db_, "cannot bind a value");
  }
  return *this;
}

bool Statement::step() {
  const int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) {
    sqlite3_reset(statement_);
    return false;
  }
  fail(db_, "cannot read or write");
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(statement_, column); }

std::string Statement::text(int column) const {
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(statement_, column));
  return data != nullptr ? std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column))) : std::string();
}

std::span<const char> Statement::blob(int column) const {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(statement_, column));
  return {data, static_cast<std::size_t>(sqlite3_column_bytes(statement_, column))};
}

Database::Database(const std::filesystem::path& path) {
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
    sqlite3* db = db_;
    db_ = nullptr;
    const std::string message = fmt::format("journal {}: cannot open: {}", path.string(), db != nullptr ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    throw IoError(message);
  }
  // Closing does not checkpoint: the WAL holds the batches as well as the database would, and a
  // journal is closed either to be removed (its run is complete) or to be resumed, when the
  // next open reads the WAL.
  sqlite3_db_config(db_, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
}

Database::~Database() { sqlite3_close(db_); }

void Database::execute(std::string_view sql) {
  const std::string statements(sql);
  if (sqlite3_exec(db_, statements.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) fail(db_, "cannot execute");
}

}  // namespace kdsched::journal
