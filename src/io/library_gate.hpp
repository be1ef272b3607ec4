#pragma once

#include <mutex>

namespace kdsched::io {

// The parallel build of HDF5 shuts itself down inside MPI_Finalize, which would pull the library
// from under a thread still reading (a worker's executor, when a run is aborted mid-partition).
// Reads hold this gate; a process that ends while another thread may be reading takes it first
// and never gives it back, so no read starts or runs while MPI_Finalize closes HDF5.
std::mutex& library_gate();

}  // namespace kdsched::io
