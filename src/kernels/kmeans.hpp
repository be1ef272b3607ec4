#pragma once

#include "kernels/job_plan.hpp"
#include "kernels/kernel.hpp"
#include "kernels/moments.hpp"
#include "kernels/nearest_centroid.hpp"

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kdsched::kernels {

// What a partition reports in each phase of k-means (only the fields of that phase are set).
struct KMeansPartial {
  Moments moments;                  // statistics pass: per-column variance, for the tolerance
  std::vector<std::uint64_t> ids;   // statistics pass: rows picked for the initial centroids...
  std::vector<double> rows;         // ...and their values
  std::vector<double> sums;         // Lloyd: per-cluster coordinate sums (k x d)
  std::vector<std::uint64_t> counts;  // Lloyd and labels: points per cluster
  double inertia = 0;               // Lloyd and labels: sum of squared distances
  std::vector<std::int32_t> labels;  // labels pass: nearest final centroid of each row

  template <typename Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive & moments & ids & rows & sums & counts & inertia & labels;
  }
};

// Lloyd's algorithm. Each iteration is a round: the master broadcasts the centroids, workers
// return per-cluster sums for their partitions, and the master averages them in partition order
// (so the result does not depend on which worker ran what). A statistics pass comes first (the
// tolerance is relative to the data's variance) and a labels pass last. With n_init > 1 the
// statistics, seeding and Lloyd rounds repeat with a new seed for each run, each run ends with a
// scoring pass (its inertia), and the labels pass is made for the run of lowest inertia.
class KMeansKernel final : public TypedKernel<KMeansPartial> {
 public:
  explicit KMeansKernel(const JobPlan& plan);

  bool reads_input() const override { return true; }
  std::uint64_t cache_bytes() const override { return cache_bytes_; }
  void open_output(io::Group& result) override;
  std::optional<Bytes> next_round() override;
  std::uint64_t round_limit() const override;
  void begin_round(std::uint32_t round, const Bytes& state) override;
  void finish(io::Group& result) override;

 protected:
  KMeansPartial map_partition(const Task& task, const io::Block& rows) override;
  void merge_partial(const Task& task, const KMeansPartial& partial) override;

 private:
  // (statistics -> [k-means||: seeding x (1 + sampling rounds) -> weighting] -> lloyd x n
  //  -> [n_init > 1: scoring]) x n_init -> labels
  enum class Phase : std::uint8_t { statistics, seeding, weighting, lloyd, scoring, labels };
  struct State {
    Phase phase = Phase::statistics;
    std::vector<double> centroids;  // k x d; the candidate centers while seeding
    double phi = 0;                 // seeding: the cost of the previous candidates; 0 = measure only
    std::uint32_t seeding_round = 0;
    std::uint32_t run = 0;          // which of the n_init seedings

    template <typename Archive>
    void serialize(Archive& archive, unsigned /*version*/) {
      archive & phase & centroids & phi & seeding_round & run;
    }
  };

  // The seed of the current run: seed + run, so that run i is the run of n_init = 1 with that seed.
  std::uint64_t run_seed() const;
  // Rows the current run's seeding starts from ("random": k rows; k-means||: one).
  std::vector<std::uint64_t> initial_rows() const;

  std::vector<double> averaged_centroids() const;
  std::vector<double> seeds_from_candidates() const;

  std::uint64_t k_;
  std::uint64_t d_;
  std::uint64_t n_;
  std::uint64_t max_iterations_;
  double tolerance_;
  std::uint64_t seed_ = 0;
  std::uint64_t cache_bytes_ = 0;
  std::uint64_t n_init_ = 1;
  bool scalable_init_ = false;  // k-means||
  bool random_init_ = false;
  std::vector<std::uint64_t> init_ids_;  // rows the current run's seeding starts from, in draw order
  State state_;
  NearestCentroid assigner_;                  // built from state_.centroids for each round
  std::vector<std::int32_t> labels_scratch_;  // per partition, reused
  std::vector<double> distances_;
  // Master side.
  Moments moments_;
  std::map<PartitionId, KMeansPartial> partials_;  // the current round's, merged in id order
  std::uint64_t iterations_ = 0;
  bool converged_ = false;
  double inertia_ = 0;
  // The run of lowest inertia so far (n_init > 1).
  std::vector<double> best_centroids_;
  double best_inertia_ = std::numeric_limits<double>::infinity();
  std::uint64_t best_iterations_ = 0;
  bool best_converged_ = false;
  std::vector<std::uint64_t> cluster_sizes_;
  std::optional<io::DatasetWriter> labels_;  // /result/labels, written as partitions finish
};

}  // namespace kdsched::kernels
