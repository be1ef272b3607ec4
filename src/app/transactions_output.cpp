#include "app/transactions_output.hpp"

#include "io/output_file.hpp"

namespace kdsched::app {
namespace {

void write_column(io::Group& group, const std::string& name, const std::vector<std::int64_t>& values) {
  group.write(name, std::span<const std::int64_t>(values));
}

}  // namespace

void write_transactions(const std::string& out, bool force, const std::vector<std::int64_t>& items,
                        const std::vector<std::int64_t>& offsets, const std::string& source) {
  io::OutputFile file(out, force);
  file.root().set_attribute("source", source);
  io::Group group = file.root().create_group("transactions");
  write_column(group, "items", items);
  write_column(group, "offsets", offsets);
  file.commit();
}

}  // namespace kdsched::app
