#include "app/commands.hpp"
#include "app/transactions_output.hpp"
#include "common/error.hpp"
#include "common/log.hpp"
#include "io/output_file.hpp"

#include <fmt/format.h>

#include <charconv>
#include <fstream>

namespace kdsched::app {

// FIMI text: one transaction per line, item ids separated by spaces.
int import_fimi_command(const ImportOptions& options) {
  io::check_output_path(options.out, std::vector<io::SourceFile>{{"input", options.input}});
  std::ifstream in(options.input);
  if (!in) throw IoError(fmt::format("cannot read '{}'", options.input));
  std::vector<std::int64_t> items;
  std::vector<std::int64_t> offsets{0};
  std::string line;
  for (std::uint64_t number = 1; std::getline(in, line); ++number) {
    std::size_t at = 0;
    while (true) {
      at = line.find_first_not_of(" \t\r", at);
      if (at == std::string::npos) break;
      const std::size_t end = std::min(line.find_first_of(" \t\r", at), line.size());
      std::int64_t item = 0;
      const auto [stop, error] = std::from_chars(line.data() + at, line.data() + end, item);
      if (error != std::errc() || stop != line.data() + end || item < 0) {
        throw IoError(fmt::format("{}:{}: '{}' is not an item id (a non-negative integer)", options.input, number,
                                  line.substr(at, end - at)));
      }
      items.push_back(item);
      at = end;
    }
    offsets.push_back(static_cast<std::int64_t>(items.size()));
  }
  write_transactions(options.out, options.force, items, offsets, "kdsched import fimi " + options.input);
  log::info("imported {} transactions ({} items) from {} to {}", offsets.size() - 1, items.size(), options.input,
            options.out);
  return 0;
}

}  // namespace kdsched::app
