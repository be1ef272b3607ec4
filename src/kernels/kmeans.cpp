#include "kernels/kmeans.hpp"

#include "common/error.hpp"
#include "common/log.hpp"
#include "io/input_file.hpp"
#include "kernels/seeded_draw.hpp"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <set>
#include <string_view>

namespace kdsched::kernels {
namespace {

constexpr std::string_view known_keys[] = {"k",    "max_iterations", "tolerance", "seed",
                                           "init", "init_dataset",   "cache_mb",  "n_init"};

// Half of this node's memory, shared among the ranks the launcher put on it.
std::uint64_t default_cache_bytes() {
  const auto pages = static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES));
  const auto page = static_cast<std::uint64_t>(sysconf(_SC_PAGE_SIZE));
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  const std::uint64_t ranks = local ? std::max<std::uint64_t>(1, std::strtoull(local, nullptr, 10)) : 1;
  return pages * page / 2 / ranks;
}

// k-means|| (Bahmani et al. 2012): rounds of independent sampling with this oversampling factor
// per cluster, then a weighted k-means++ over the candidates.
constexpr std::uint32_t sampling_rounds = 5;
constexpr double oversampling = 2.0;
constexpr int candidate_lloyd_iterations = 30;

// k distinct row ids out of n, in the order drawn (Floyd's sampling, then a seeded shuffle).
std::vector<std::uint64_t> draw_rows(std::uint64_t k, std::uint64_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::set<std::uint64_t> chosen;
  for (std::uint64_t j = n - k; j < n; ++j) {
    const std::uint64_t t = rng() % (j + 1);
    chosen.insert(chosen.contains(t) ? j : t);
  }
  std::vector<std::uint64_t> ids(chosen.begin(), chosen.end());
  for (std::size_t i = ids.size(); i > 1; --i) std::swap(ids[i - 1], ids[rng() % i]);
  return ids;
}

// Greedy weighted k-means++ followed by weighted Lloyd iterations, over a small weighted point
// set (the candidates of k-means||).
class WeightedClustering {
 public:
  WeightedClustering(const std::vector<double>& points, const std::vector<double>& weight, std::uint64_t d)
      : points_(points), weight_(weight), d_(d), m_(weight.size()) {}

  // The seeds of lowest weighted cost out of `tries` independent greedy k-means++ + Lloyd runs.
  std::vector<double> best_of(std::uint64_t k, std::uint64_t tries, std::uint64_t seed) {
    seed_ = seed;
    std::vector<double> best;
    double best_cost = std::numeric_limits<double>::infinity();
    for (std::uint64_t t = 0; t < tries; ++t) {
      std::vector<double> seeds = greedy_kmeanspp(k);
      const double cost = lloyd(seeds, k);
      if (cost < best_cost) {
        best_cost = cost;
        best = std::move(seeds);
      }
    }
    return best;
  }

 private:
  const double* point(std::uint64_t c) const { return points_.data() + c * d_; }
  double distance2(const double* a, const double* b) const {
    double d2 = 0;
    for (std::uint64_t j = 0; j < d_; ++j) d2 += (a[j] - b[j]) * (a[j] - b[j]);
    return d2;
  }

  // Draws an index with probability proportional to `mass`.
  std::uint64_t pick(const std::vector<double>& mass) {
    double total = 0;
    for (const double w : mass) total += w;
    double target = seeded_draw(seed_, ++draws_, 0x6b6d2b2b) * total;
    for (std::uint64_t c = 0; c < m_; ++c) {
      if (target < mass[c]) return c;
      target -= mass[c];
    }
    return m_ - 1;
  }

  // Greedy as in scikit-learn: each seed after the first is the best of 2 + ln k draws, the one
  // that lowers the weighted cost most; a single draw too often puts two seeds in one cluster.
  std::vector<double> greedy_kmeanspp(std::uint64_t k) {
    const auto trials = static_cast<int>(2 + std::floor(std::log(static_cast<double>(k))));
    std::vector<double> seeds;
    std::vector<double> closest(m_, std::numeric_limits<double>::infinity());
    std::vector<double> mass = weight_;
    std::vector<double> trial_closest(m_), best_closest(m_);
    for (std::uint64_t s = 0; s < k; ++s) {
      std::uint64_t chosen = 0;
      double best_cost = std::numeric_limits<double>::infinity();
      for (int t = 0; t < (s == 0 ? 1 : trials); ++t) {
        const std::uint64_t candidate = pick(mass);
        double cost = 0;
        for (std::uint64_t c = 0; c < m_; ++c) {
          trial_closest[c] = std::min(closest[c], distance2(point(c), point(candidate)));
          cost += weight_[c] * trial_closest[c];
        }
        if (cost < best_cost) {
          best_cost = cost;
          chosen = candidate;
          std::swap(best_closest, trial_closest);
        }
      }
      seeds.insert(seeds.end(), point(chosen), point(chosen) + d_);
      closest = best_closest;
      for (std::uint64_t c = 0; c < m_; ++c) mass[c] = weight_[c] * closest[c];
      // Fewer distinct candidates than clusters: the rest repeat the first seed and stay empty.
      if (std::all_of(mass.begin(), mass.end(), [](double w) { return w == 0; })) {
        while (seeds.size() < k * d_) seeds.insert(seeds.end(), seeds.begin(), seeds.begin() + static_cast<std::ptrdiff_t>(d_));
        break;
      }
    }
    return seeds;
  }

  // Weighted Lloyd iterations on the points, from `seeds`; returns the weighted cost of the last
  // assignment.
  double lloyd(std::vector<double>& seeds, std::uint64_t k) const {
    double cost = 0;
    for (int iteration = 0; iteration < candidate_lloyd_iterations; ++iteration) {
      std::vector<double> sums(k * d_, 0.0);
      std::vector<double> totals(k, 0.0);
      cost = 0;
      for (std::uint64_t c = 0; c < m_; ++c) {
        std::uint64_t best = 0;
        double best_d2 = distance2(point(c), seeds.data());
        for (std::uint64_t s = 1; s < k; ++s) {
          const double d2 = distance2(point(c), &seeds[s * d_]);
          if (d2 < best_d2) {
            best_d2 = d2;
            best = s;
          }
        }
        cost += weight_[c] * best_d2;
        for (std::uint64_t j = 0; j < d_; ++j) sums[best * d_ + j] += weight_[c] * point(c)[j];
        totals[best] += weight_[c];
      }
      for (std::uint64_t s = 0; s < k; ++s) {
        for (std::uint64_t j = 0; j < d_ && totals[s] > 0; ++j) seeds[s * d_ + j] = sums[s * d_ + j] / totals[s];
      }
    }
    return cost;
  }

  const std::vector<double>& points_;
  const std::vector<double>& weight_;
  std::uint64_t d_, m_;
  std::uint64_t seed_ = 0;
  std::uint64_t draws_ = 0;
};

// Independent reclusterings of the candidates: each is cheap next to a pass over the data while
// m x k x d is small, and the best of several almost never merges two clusters; for large k and
// m one run keeps the master's share of the seeding bounded.
std::uint64_t reclusterings(std::uint64_t m, std::uint64_t k, std::uint64_t d) {
  constexpr double budget = 2e8;  // distance terms per reclustering budget, ~0.1 s
  const double per_run = static_cast<double>(m) * static_cast<double>(k) * static_cast<double>(d) *
                         (candidate_lloyd_iterations + 2 + std::log(static_cast<double>(k)));
  return static_cast<std::uint64_t>(std::clamp(budget / per_run, 1.0, 10.0));
}

}  // namespace

KMeansKernel::KMeansKernel(const JobPlan& plan)
    : d_(plan.input ? plan.input->cols() : 0), n_(plan.input ? plan.input->rows() : 0), moments_(d_) {
  const job::Params& params = plan.spec.kernel_params;
  params.require_only(known_keys);
  if (!plan.input) params.fail("name", "the kmeans kernel needs an [input] dataset");
  k_ = static_cast<std::uint64_t>(params.get_int("k", 0, 1, std::int64_t{1} << 24));
  if (!params.contains("k")) params.fail("k", "the kmeans kernel needs k, the number of clusters");
  if (k_ > n_) params.fail("k", fmt::format("k = {} is more than the {} rows of the input", k_, n_));
  max_iterations_ = static_cast<std::uint64_t>(params.get_int("max_iterations", 300, 1, std::int64_t{1} << 30));
  tolerance_ = params.get_double("tolerance", 1e-4);
  if (!(tolerance_ >= 0)) params.fail("tolerance", "tolerance must be >= 0");
  seed_ = static_cast<std::uint64_t>(params.get_int("seed", 0, 0, std::numeric_limits<std::int64_t>::max()));
  n_init_ = static_cast<std::uint64_t>(params.get_int("n_init", 1, 1, 1000));

  cache_bytes_ = params.contains("cache_mb")
                     ? static_cast<std::uint64_t>(params.get_int("cache_mb", 0, 0, std::int64_t{1} << 40)) << 20
                     : default_cache_bytes();
  const std::string init = params.get_string("init", "k-means||");
  if (init == "random") {
    random_init_ = true;
  } else if (init == "dataset") {
    if (n_init_ > 1) params.fail("n_init", "n_init > 1 needs a seeded init (\"k-means||\" or \"random\"): init = \"dataset\" starts every run from the same centroids");
    const auto name = params.find_string("init_dataset");
    if (!name) params.fail("init_dataset", "init = \"dataset\" needs init_dataset = \"/path\" (a k x d dataset)");
    const io::InputFile file(plan.spec.input->file);
    const io::DatasetInfo info = file.dataset_info(*name);
    if (info.rows() != k_ || info.cols() != d_) {
      params.fail("init_dataset", fmt::format("{} is {} x {}; k-means needs k x d = {} x {}", *name, info.rows(),
                                              info.cols(), k_, d_));
    }
    io::Block block;
    file.read_rows(*name, 0, k_, block);
    state_.centroids = std::move(block.values);
  } else if (init == "k-means||") {
    scalable_init_ = true;
  } else {
    params.fail("init", fmt::format("init '{}' must be \"k-means||\", \"random\" or \"dataset\"", init));
  }
  init_ids_ = initial_rows();
}

std::uint64_t KMeansKernel::run_seed() const { return seed_ + state_.run; }

std::vector<std::uint64_t> KMeansKernel::initial_rows() const {
  if (random_init_) return draw_rows(k_, n_, run_seed());
  if (scalable_init_) return draw_rows(1, n_, run_seed());  // the first candidate: one row chosen uniformly
  return {};
}

KMeansPartial KMeansKernel::map_partition(const Task& task, const io::Block& rows) {
  KMeansPartial partial;
  // A Lloyd iteration needs only the labels; the distances are for the seeding and the final inertia.
  if (state_.phase != Phase::statistics) {
    assigner_.assign(rows.values.data(), rows.rows, labels_scratch_,
                     state_.phase == Phase::lloyd ? nullptr : &distances_);
  }
  switch (state_.phase) {
    case Phase::statistics:
      partial.moments = Moments::of_rows(rows.values.data(), rows.rows, rows.cols);
      for (const auto id : init_ids_) {
        if (id < task.rows.begin || id >= task.rows.end) continue;
        partial.ids.push_back(id);
        const double* row = rows.row(id - task.rows.begin);
        partial.rows.insert(partial.rows.end(), row, row + d_);
      }
      break;
    case Phase::seeding: {
      // Each row joins the candidates with probability l * d^2 / phi, drawn from its own seeded
      // stream so that the choice does not depend on which worker reads it.
      const double l = oversampling * static_cast<double>(k_);
      for (std::uint64_t r = 0; r < rows.rows; ++r) {
        const double* row = rows.row(r);
        const double d2 = distances_[r];
        partial.inertia += d2;
        if (state_.phi > 0 && seeded_draw(run_seed(), task.rows.begin + r, state_.seeding_round) < l * d2 / state_.phi) {
          partial.ids.push_back(task.rows.begin + r);
          partial.rows.insert(partial.rows.end(), row, row + d_);
        }
      }
      break;
    }
    case Phase::weighting:
      partial.counts.assign(state_.centroids.size() / d_, 0);
      for (std::uint64_t r = 0; r < rows.rows; ++r) ++partial.counts[static_cast<std::size_t>(labels_scratch_[r])];
      break;
    case Phase::lloyd:
      partial.sums.assign(k_ * d_, 0.0);
      partial.counts.assign(k_, 0);
      for (std::uint64_t r = 0; r < rows.rows; ++r) {
        const double* row = rows.row(r);
        const auto label = static_cast<std::uint64_t>(labels_scratch_[r]);
        double* sum = partial.sums.data() + label * d_;
        for (std::uint64_t j = 0; j < d_; ++j) sum[j] += row[j];
        ++partial.counts[label];
      }
      break;
    case Phase::scoring:
      for (std::uint64_t r = 0; r < rows.rows; ++r) partial.inertia += distances_[r];
      break;
    case Phase::labels:
      partial.counts.assign(k_, 0);
      partial.labels = labels_scratch_;
      for (std::uint64_t r = 0; r < rows.rows; ++r) {
        ++partial.counts[static_cast<std::size_t>(labels_scratch_[r])];
        partial.inertia += distances_[r];
      }
      break;
  }
  return partial;
}

void KMeansKernel::merge_partial(const Task& task, const KMeansPartial& partial) {
  switch (state_.phase) {
    case Phase::statistics:
      for (std::uint64_t j = 0; j < d_; ++j) {
        const Moments& m = partial.moments;
        if (m.nan_count[j] == 0 && m.finite_count(j) == m.count[j]) continue;
        throw IoError(fmt::format("partition {} (rows {}..{}) holds {} NaN and {} infinite values in column {}; "
                                  "k-means needs finite data",
                                  task.id, task.rows.begin, task.rows.end, m.nan_count[j],
                                  m.count[j] - m.finite_count(j), j));
      }
      if (state_.run == 0) moments_.merge(partial.moments);
      partials_.emplace(task.id, partial);
      break;
    case Phase::seeding:
    case Phase::weighting:
    case Phase::lloyd:
    case Phase::scoring:
      partials_.emplace(task.id, partial);
      break;
    case Phase::labels:
      // Straight to the file: labels never pile up in the master's memory.
      if (labels_) labels_->write_rows(task.rows.begin, partial.labels);
      for (std::uint64_t c = 0; c < k_; ++c) cluster_sizes_[c] += partial.counts[c];
      inertia_ += partial.inertia;
      break;
  }
}

std::vector<double> KMeansKernel::averaged_centroids() const {
  std::vector<double> sums(k_ * d_, 0.0);
  std::vector<std::uint64_t> counts(k_, 0);
  for (const auto& [id, partial] : partials_) {  // in partition order: reproducible sums
    for (std::size_t i = 0; i < sums.size(); ++i) sums[i] += partial.sums[i];
    for (std::size_t c = 0; c < k_; ++c) counts[c] += partial.counts[c];
  }
  std::vector<double> centroids = state_.centroids;
  for (std::uint64_t c = 0; c < k_; ++c) {
    if (counts[c] == 0) continue;  // an empty cluster keeps its centroid
    for (std::uint64_t j = 0; j < d_; ++j) centroids[c * d_ + j] = sums[c * d_ + j] / static_cast<double>(counts[c]);
  }
  return centroids;
}

// One round of statistics; k-means|| samples sampling_rounds + 1 times, then weighs its
// candidates; the Lloyd iterations; one round of labels.
std::uint64_t KMeansKernel::round_limit() const {
  // Each of the n_init runs: statistics, the k-means|| rounds, Lloyd, and scoring when there are
  // several runs to compare; then one labels pass.
  const std::uint64_t run = 1 + (scalable_init_ ? sampling_rounds + 2 : 0) + max_iterations_ + (n_init_ > 1 ? 1 : 0);
  return static_cast<std::uint64_t>(n_init_) * run + 1;
}

std::optional<Bytes> KMeansKernel::next_round() {
  State next = state_;
  if (state_.phase == Phase::statistics) {
    if (!init_ids_.empty()) {
      next.centroids.assign(init_ids_.size() * d_, 0.0);
      for (const auto& [id, partial] : partials_) {
        for (std::size_t i = 0; i < partial.ids.size(); ++i) {
          const auto slot = static_cast<std::uint64_t>(std::find(init_ids_.begin(), init_ids_.end(), partial.ids[i]) - init_ids_.begin());
          std::copy_n(partial.rows.begin() + static_cast<std::ptrdiff_t>(i * d_), d_, next.centroids.begin() + static_cast<std::ptrdiff_t>(slot * d_));
        }
      }
    }
    next.phase = scalable_init_ ? Phase::seeding : Phase::lloyd;
  } else if (state_.phase == Phase::seeding) {
    double phi = 0;
    for (const auto& [id, partial] : partials_) {
      phi += partial.inertia;
      next.centroids.insert(next.centroids.end(), partial.rows.begin(), partial.rows.end());
    }
    next.phi = phi;
    ++next.seeding_round;
    if (next.seeding_round > sampling_rounds || phi == 0) next.phase = Phase::weighting;
  } else if (state_.phase == Phase::weighting) {
    next.centroids = seeds_from_candidates();
    next.phase = Phase::lloyd;
  } else if (state_.phase == Phase::lloyd) {
    next.centroids = averaged_centroids();
    ++iterations_;
    double shift = 0;
    for (std::size_t i = 0; i < next.centroids.size(); ++i) {
      shift += (next.centroids[i] - state_.centroids[i]) * (next.centroids[i] - state_.centroids[i]);
    }
    // scikit-learn's rule: the tolerance is relative to the mean of the columns' variances.
    double mean_variance = 0;
    for (std::uint64_t j = 0; j < d_; ++j) mean_variance += moments_.variance_of(j);
    mean_variance /= static_cast<double>(std::max<std::uint64_t>(d_, 1));
    converged_ = shift == 0 || shift <= tolerance_ * mean_variance;
    log::debug("k-means iteration {}: centroids moved {} (squared; converged below {})", iterations_, shift,
               tolerance_ * mean_variance);
    if (converged_ || iterations_ >= max_iterations_) next.phase = n_init_ > 1 ? Phase::scoring : Phase::labels;
  } else if (state_.phase == Phase::scoring) {
    double inertia = 0;
    for (const auto& [id, partial] : partials_) inertia += partial.inertia;
    // Ties keep the earlier run, as scikit-learn does.
    if (inertia < best_inertia_) {
      best_inertia_ = inertia;
      best_centroids_ = state_.centroids;
      best_iterations_ = iterations_;
      best_converged_ = converged_;
    }
    if (state_.run + 1 < n_init_) {
      next = State{};
      next.run = state_.run + 1;
      iterations_ = 0;
      converged_ = false;
    } else {
      next.centroids = best_centroids_;
      next.phase = Phase::labels;
      iterations_ = best_iterations_;
      converged_ = best_converged_;
    }
  } else {
    return std::nullopt;
  }
  partials_.clear();
  return to_bytes(next);
}

// The reclustering step of k-means||, small enough for the master: the candidates, weighted by
// the rows nearest to each, clustered into k seeds.
std::vector<double> KMeansKernel::seeds_from_candidates() const {
  const std::uint64_t m = state_.centroids.size() / d_;
  std::vector<double> weight(m, 0.0);
  for (const auto& [id, partial] : partials_) {
    for (std::uint64_t c = 0; c < m; ++c) weight[c] += static_cast<double>(partial.counts[c]);
  }
  return WeightedClustering(state_.centroids, weight, d_).best_of(k_, reclusterings(m, k_, d_), run_seed());
}

void KMeansKernel::begin_round(std::uint32_t /*round*/, const Bytes& state) {
  state_ = from_bytes<State>(state);
  assigner_ = NearestCentroid(state_.centroids, d_);
  if (state_.phase == Phase::statistics) init_ids_ = initial_rows();
  if (state_.phase == Phase::labels) {
    cluster_sizes_.assign(k_, 0);
    inertia_ = 0;
  }
}

void KMeansKernel::open_output(io::Group& result) {
  // Chunks of 1 MiB of labels. Rows of a partition that failed in the labels pass read as 0;
  // /partitions says which.
  labels_.emplace(result.create_dataset("labels", io::ElementType::i32, n_, 0, std::min<std::uint64_t>(n_, 1 << 18)));
}

void KMeansKernel::finish(io::Group& result) {
  labels_.reset();
  // A round with a failed partition stops the rounds (the run is partial): before the seeding
  // ends there are no centroids to report, and an unfinished labels pass has no inertia.
  if (cluster_sizes_.empty()) cluster_sizes_.assign(k_, 0);
  const bool labelled = state_.phase == Phase::labels &&
                        std::accumulate(cluster_sizes_.begin(), cluster_sizes_.end(), std::uint64_t{0}) == n_;
  if (state_.phase < Phase::lloyd) {
    state_.centroids.assign(k_ * d_, std::numeric_limits<double>::quiet_NaN());
  }
  result.write("centroids", std::span<const double>(state_.centroids), {k_, d_});
  result.write("cluster_sizes", std::span<const std::uint64_t>(cluster_sizes_));
  result.set_attribute("inertia", labelled ? inertia_ : std::numeric_limits<double>::quiet_NaN());
  result.set_attribute("iterations", iterations_);
  result.set_attribute("converged", std::int64_t{converged_ ? 1 : 0});
}

}  // namespace kdsched::kernels
