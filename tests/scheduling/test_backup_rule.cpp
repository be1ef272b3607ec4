#include "scheduling/backup_rule.hpp"

#include <gtest/gtest.h>

namespace kdsched::scheduling {
namespace {

TEST(BackupRule, NothingIsCopiedBeforeItIsOverdue) {
  BackupRule rule(2, true);
  std::vector<bool> done(6, false);
  rule.granted(0, {0, 3}, 0, 0.0, done);  // worker 0: partitions 0, 1, 2 (0 ahead of the first)
  rule.granted(1, {3, 6}, 0, 0.0, done);
  for (int i = 0; i < 5; ++i) rule.finished(i % 2, 0.1);  // median 0.1 s, both workers at that pace
  done[0] = done[3] = done[4] = done[5] = true;
  // Partition 1 had one ahead of it: due by 2 x 0.1 s, overdue past 2 x that (0.4 s).
  EXPECT_TRUE(rule.backup_for(done, 0.3).empty());
  EXPECT_EQ(rule.backup_for(done, 0.5), (std::vector<IndexRange>{{1, 2}}));
  // Partition 2 had two ahead: overdue past 0.6 s. Each partition is copied once.
  EXPECT_TRUE(rule.backup_for(done, 0.55).empty());
  EXPECT_EQ(rule.backup_for(done, 0.7), (std::vector<IndexRange>{{2, 3}}));
  EXPECT_TRUE(rule.backup_for(done, 100.0).empty());
  EXPECT_EQ(rule.backups(), 2u);
}

TEST(BackupRule, ASlowWorkersPartitionIsCopiedAsSoonAsACopyWouldEndFirst) {
  BackupRule rule(2, true);
  std::vector<bool> done(4, false);
  for (int i = 0; i < 4; ++i) rule.finished(0, 1.0);  // worker 0: 1 s a partition
  rule.finished(1, 4.0);                              // worker 1: 4 s (median still 1 s)
  rule.granted(1, {0, 1}, 0, 10.0, done);
  rule.granted(0, {1, 2}, 0, 10.0, done);
  // Worker 1's partition should end at 14 s: more than 1.5 medians away until 12.5 s, so a copy
  // (1 s on a normal worker) ends first. Worker 0's, due at 11 s, is left alone.
  EXPECT_TRUE(rule.backup_for(done, 10.1).empty()) << "younger than the minimum age";
  EXPECT_EQ(rule.backup_for(done, 10.5), (std::vector<IndexRange>{{0, 1}}));
  EXPECT_TRUE(rule.backup_for(done, 10.6).empty());
}

TEST(BackupRule, ShortPartitionsAreNeverCopiedBeforeTheMinimumAge) {
  BackupRule rule(1, true);
  std::vector<bool> done(2, false);
  rule.granted(0, {0, 2}, 0, 0.0, done);
  rule.finished(0, 0.001);
  done[0] = true;
  EXPECT_TRUE(rule.backup_for(done, BackupRule::min_age_s * 0.9).empty());
  EXPECT_EQ(rule.backup_for(done, BackupRule::min_age_s * 1.1), (std::vector<IndexRange>{{1, 2}}));
}

TEST(BackupRule, WithoutSpeculationOnlyALossMakesCopiesOfWhatWasGrantedBeforeIt) {
  BackupRule rule(3, false);
  std::vector<bool> done(6, false);
  rule.granted(0, {0, 2}, 0, 0.0, done);
  rule.granted(1, {2, 4}, 0, 1.0, done);
  rule.granted(2, {4, 5}, 0, 1.0, done);
  rule.finished(0, 0.01);
  EXPECT_TRUE(rule.backup_for(done, 1000.0).empty());
  done[1] = true;
  EXPECT_EQ(rule.orphans_of(2, done), (std::vector<IndexRange>{{4, 5}}));
  rule.granted(0, {4, 5}, 0, 2.0, done);  // dealt again: where it is, not copied
  rule.granted(1, {5, 6}, 0, 2.0, done);
  // Everything without a result granted before the loss, oldest grant first, whatever its age.
  EXPECT_EQ(rule.backup_for(done, 2.0), (std::vector<IndexRange>{{0, 1}, {2, 4}}));
  EXPECT_TRUE(rule.backup_for(done, 1000.0).empty());
}

TEST(BackupRule, ALostWorkersOrphansAreWhatItWasGrantedWithoutAResult) {
  BackupRule rule(2, true);
  std::vector<bool> done(10, false);
  rule.granted(0, {0, 4}, 0, 0.0, done);
  rule.granted(0, {8, 10}, 0, 1.0, done);
  rule.granted(1, {4, 8}, 0, 0.0, done);
  done[1] = done[9] = true;
  EXPECT_EQ(rule.orphans_of(0, done), (std::vector<IndexRange>{{0, 1}, {2, 4}, {8, 9}}));
  EXPECT_TRUE(rule.orphans_of(0, done).empty()) << "forgotten once dealt again";
}

TEST(BackupRule, SettledGrantsAreDroppedSoMemoryFollowsTheWorkInFlight) {
  BackupRule rule(1, true);
  std::vector<bool> done(100000, false);
  for (PartitionId id = 0; id < done.size(); ++id) {
    rule.granted(0, {id, id + 1}, 0, 0.0, done);
    done[id] = true;
  }
  done.back() = false;
  EXPECT_EQ(rule.orphans_of(0, done), (std::vector<IndexRange>{{99999, 100000}}));
}

TEST(BackupRule, TheMedianFollowsTheSamples) {
  BackupRule rule(1, true);
  EXPECT_EQ(rule.median_seconds(), 0.0);
  for (const double s : {5.0, 1.0, 3.0}) rule.finished(0, s);
  EXPECT_EQ(rule.median_seconds(), 3.0);
}

}  // namespace
}  // namespace kdsched::scheduling
