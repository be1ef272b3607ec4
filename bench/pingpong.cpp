// MPI ping-pong between ranks 0 and 1: the round-trip rate of the MPI library on this machine,
// the physical limit against which kdsched's dispatch rate is measured. Prints one JSON line.
#include <boost/mpi/communicator.hpp>
#include <boost/mpi/environment.hpp>
#include <fmt/format.h>
#include <mpi.h>

#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  boost::mpi::environment environment(argc, argv, boost::mpi::threading::funneled);
  boost::mpi::communicator world;
  const long rounds = argc > 1 ? std::atol(argv[1]) : 200000;
  const int bytes = argc > 2 ? std::atoi(argv[2]) : 32;
  if (world.size() < 2) {
    if (world.rank() == 0) fmt::print(stderr, "pingpong needs two ranks: mpiexec -n 2 pingpong [ROUNDS] [BYTES]\n");
    return 2;
  }
  std::vector<char> buffer(static_cast<std::size_t>(bytes), 'k');
  auto exchange = [&](long n) {
    for (long i = 0; i < n; ++i) {
      if (world.rank() == 0) {
        MPI_Send(buffer.data(), bytes, MPI_BYTE, 1, 0, world);
        MPI_Recv(buffer.data(), bytes, MPI_BYTE, 1, 0, world, MPI_STATUS_IGNORE);
      } else if (world.rank() == 1) {
        MPI_Recv(buffer.data(), bytes, MPI_BYTE, 0, 0, world, MPI_STATUS_IGNORE);
        MPI_Send(buffer.data(), bytes, MPI_BYTE, 0, 0, world);
      }
    }
  };
  exchange(rounds / 10);  // warm-up
  world.barrier();
  const double start = MPI_Wtime();
  exchange(rounds);
  const double seconds = MPI_Wtime() - start;
  if (world.rank() == 0) {
    fmt::print("{{\"rounds\": {}, \"bytes\": {}, \"seconds\": {:.6f}, \"round_trips_per_s\": {:.0f}, "
               "\"round_trip_us\": {:.3f}}}\n",
               rounds, bytes, seconds, static_cast<double>(rounds) / seconds, seconds / static_cast<double>(rounds) * 1e6);
  }
  return 0;
}
