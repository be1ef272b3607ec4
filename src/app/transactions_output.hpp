#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kdsched::app {

// Writes transactions as CSR — /transactions/items (int64) and /transactions/offsets (int64,
// n + 1) — the layout the itemsets kernel reads.
void write_transactions(const std::string& out, bool force, const std::vector<std::int64_t>& items,
                        const std::vector<std::int64_t>& offsets, const std::string& source);

}  // namespace kdsched::app
