#include "common/error.hpp"
#include "io/temp_dir.hpp"
#include "journal/appender.hpp"
#include "journal/journal.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cmath>
#include <fstream>

namespace kdsched::journal {
namespace {

using io::testing::TempDir;

Fields fields_of(std::uint32_t round, PartitionId id) {
  Fields fields;
  fields.round = round;
  fields.id = id;
  fields.rank = static_cast<std::int32_t>(id % 3) + 1;
  fields.ok = id != 2;
  fields.stolen = id % 2 == 1;
  fields.cache_hit = round > 0;
  fields.start_s = 0.25 * static_cast<double>(id);
  fields.end_s = 0.25 * static_cast<double>(id) + 0.125;
  fields.bytes_read = 1000 + id;
  return fields;
}

TEST(JournalBatch, EveryFieldErrorAndPartialComeBack) {
  Batch batch;
  const Bytes partial{'a', '\0', 'b'};
  append_entry(batch, fields_of(0, 1), "", partial);
  append_entry(batch, fields_of(1, 2), "exit code 3", {});
  std::vector<Entry> entries;
  read_batch(batch, entries);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].fields.round, 0u);
  EXPECT_EQ(entries[0].fields.id, 1u);
  EXPECT_EQ(entries[0].fields.rank, 2);
  EXPECT_TRUE(entries[0].fields.ok);
  EXPECT_TRUE(entries[0].fields.stolen);
  EXPECT_FALSE(entries[0].fields.cache_hit);
  EXPECT_EQ(entries[0].fields.start_s, 0.25);
  EXPECT_EQ(entries[0].fields.end_s, 0.375);
  EXPECT_EQ(entries[0].fields.bytes_read, 1001u);
  EXPECT_EQ(entries[0].partial, partial);
  EXPECT_EQ(entries[0].error, "");
  EXPECT_EQ(entries[1].fields.round, 1u);
  EXPECT_FALSE(entries[1].fields.ok);
  EXPECT_TRUE(entries[1].fields.cache_hit);
  EXPECT_EQ(entries[1].error, "exit code 3");
  EXPECT_TRUE(entries[1].partial.empty());
}

TEST(JournalBatch, ExtremeIntegersComeBackExactly) {
  Fields fields;
  fields.round = 0xffffffffu;
  fields.id = ~PartitionId{0};
  fields.rank = 0;
  fields.attempts = 0xffff;
  fields.start_s = 3600.123456789;
  fields.end_s = 3600.123456789 + 86400.5;
  fields.bytes_read = std::uint64_t{1} << 63;
  Batch batch;
  append_entry(batch, fields, "", {});
  std::vector<Entry> entries;
  read_batch(batch, entries);
  ASSERT_EQ(entries.size(), 1u);
  const Fields& back = entries[0].fields;
  EXPECT_EQ(back.round, fields.round);
  EXPECT_EQ(back.id, fields.id);
  EXPECT_EQ(back.rank, 0);
  EXPECT_EQ(back.attempts, fields.attempts);
  // Times come back to the nanosecond.
  EXPECT_NEAR(back.start_s, fields.start_s, 1e-9);
  EXPECT_NEAR(back.end_s, fields.end_s, 1e-9);
  EXPECT_EQ(back.bytes_read, fields.bytes_read);
}

TEST(JournalBatch, AnEmptyPartitionTakesFewBytes) {
  Fields fields;
  fields.id = 123456;
  fields.rank = 3;
  fields.start_s = 12.5;  // a few seconds into the job, 100 ns long
  fields.end_s = 12.5000001;
  Batch batch;
  append_entry(batch, fields, "", {});
  EXPECT_LE(batch.size(), 16u);
}

TEST(JournalBatch, TimesOutOfRangeAreClampedNotUndefined) {
  Fields fields;
  fields.start_s = -1.0;
  fields.end_s = 1e300;
  Batch batch;
  append_entry(batch, fields, "", {});
  std::vector<Entry> entries;
  read_batch(batch, entries);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].fields.start_s, 0.0);
  EXPECT_GT(entries[0].fields.end_s, 5e8) << "hundreds of years, not garbage";
}

TEST(JournalBatch, TruncatedBatchIsAnIoError) {
  Batch batch;
  append_entry(batch, fields_of(0, 1), "why", Bytes(10, 'x'));
  batch.pop_back();
  std::vector<Entry> entries;
  EXPECT_THROW(read_batch(batch, entries), IoError);
}

TEST(Journal, KeepsJobTextAndBatchesInOrderAcrossReopening) {
  TempDir dir;
  const auto path = Journal::path_for(dir.path() / "out.h5");
  EXPECT_EQ(path.filename(), "out.h5.journal");
  {
    Journal journal(path);
    EXPECT_FALSE(journal.job_text());
    journal.set_job_text("[job]\nname = \"j\"\n");
    for (std::uint32_t b = 0; b < 3; ++b) {
      Batch batch;
      for (PartitionId id = 0; id < 4; ++id) append_entry(batch, fields_of(b, id), "", Bytes(id, static_cast<char>('0' + b)));
      journal.append(batch);
    }
  }
  ASSERT_TRUE(Journal::exists(path));
  Journal journal(path);
  EXPECT_EQ(journal.job_text(), "[job]\nname = \"j\"\n");
  const auto entries = journal.entries();
  ASSERT_EQ(entries.size(), 12u);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    EXPECT_EQ(entries[i].fields.round, i / 4);
    EXPECT_EQ(entries[i].fields.id, i % 4);
    EXPECT_EQ(entries[i].partial, Bytes(i % 4, static_cast<char>('0' + i / 4)));
  }
}

// The appender writes on its own thread: every batch submitted before wait() is there, in order,
// and the buffer handed back is empty for the next outcomes.
TEST(JournalAppender, WritesEverySubmittedBatchInOrder) {
  TempDir dir;
  const auto path = dir.path() / "a.journal";
  Journal journal(path);
  journal.set_job_text("j");
  {
    Appender appender(journal);
    Batch batch;
    for (std::uint32_t b = 0; b < 50; ++b) {
      for (PartitionId id = 0; id < 100; ++id) append_entry(batch, fields_of(b, id), "", Bytes(1, static_cast<char>(b)));
      appender.submit(batch);
      EXPECT_TRUE(batch.empty());
    }
    appender.wait();
  }
  const auto entries = journal.entries();
  ASSERT_EQ(entries.size(), 5000u);
  for (std::size_t i = 0; i < entries.size(); ++i) {
    ASSERT_EQ(entries[i].fields.round, i / 100);
    ASSERT_EQ(entries[i].fields.id, i % 100);
  }
}

TEST(Journal, IsInWalModeAndOneRowPerBatch) {
  TempDir dir;
  const auto path = dir.path() / "x.journal";
  {
    Journal journal(path);
    journal.set_job_text("t");
    Batch batch;
    for (PartitionId id = 0; id < 1000; ++id) append_entry(batch, fields_of(0, id), "", {});
    journal.append(batch);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const auto scalar = [db](const char* sql) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &statement, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_step(statement), SQLITE_ROW);
    std::string value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    return value;
  };
  EXPECT_EQ(scalar("PRAGMA journal_mode"), "wal");
  EXPECT_EQ(scalar("SELECT count(*) FROM batches"), "1");
  sqlite3_close(db);
}

TEST(Journal, NewJobTextForgetsEarlierBatches) {
  TempDir dir;
  Journal journal(dir.path() / "x.journal");
  journal.set_job_text("a");
  Batch batch;
  append_entry(batch, fields_of(0, 0), "", {});
  journal.append(batch);
  journal.set_job_text("b");
  EXPECT_EQ(journal.job_text(), "b");
  EXPECT_TRUE(journal.entries().empty());
}

TEST(Journal, RemoveTakesTheWalAndSharedMemoryFilesToo) {
  TempDir dir;
  const auto path = dir.path() / "x.journal";
  auto journal = std::make_unique<Journal>(path);
  journal->set_job_text("t");
  // While open in WAL mode, SQLite keeps its -wal and -shm files beside the journal.
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "x.journal-wal"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "x.journal-shm"));
  journal.reset();
  std::ofstream(dir.path() / "x.journal-wal") << "left by a crash";
  Journal::remove(path);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
  EXPECT_NO_THROW(Journal::remove(path));  // nothing left to remove is not an error
}

TEST(Journal, UnopenablePathIsAnIoError) {
  TempDir dir;
  EXPECT_THROW(Journal(dir.path() / "missing" / "x.journal"), IoError);
}

}  // namespace
}  // namespace kdsched::journal
