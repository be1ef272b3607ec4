#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace kdsched::scheduling {

// How long finished results wait on a worker for company before they travel to the master
// without a request (one message carries many). The master's load from such messages is about
// workers / max_delay per second, so the delay grows with the worker count: 20 ms up to 400
// workers, 205 ms at 4,096, never more than half a second, which keeps progress current.
struct ResultBatching {
  std::chrono::microseconds max_delay;
  std::size_t max_batch;

  static ResultBatching for_workers(std::uint32_t workers) {
    const auto delay = std::chrono::microseconds(50) * static_cast<std::int64_t>(workers);
    return {std::clamp<std::chrono::microseconds>(delay, std::chrono::milliseconds(20), std::chrono::milliseconds(500)),
            64};
  }
};

}  // namespace kdsched::scheduling
