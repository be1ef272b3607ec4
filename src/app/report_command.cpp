#include "app/commands.hpp"
#include "common/text.hpp"
#include "io/result_file.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <string>

namespace kdsched::app {
namespace {

constexpr std::size_t preview_values = 8;

// The start of one result dataset.
struct Preview {
  std::string name;  // relative to /result: "centroids", "rules/lift"
  std::vector<std::uint64_t> shape;
  std::vector<double> values;  // the first preview_values, row-major
  bool cut = false;            // the dataset holds more than `values`
};

// What a report says about a run, computed once for both text and JSON.
struct Summary {
  std::map<std::string, io::AttributeValue> attributes;
  std::vector<io::WorkerRecord> workers;
  std::uint64_t partitions = 0;
  std::uint64_t failed = 0;
  std::uint64_t stolen = 0;
  double makespan_s = 0;
  double busy_s = 0;
  std::uint64_t working_ranks = 0;
  double efficiency = 0;
  std::uint64_t steal_attempts = 0;
  std::uint64_t steals = 0;  // attempts that brought work
  double steal_wait_s = 0;
  std::vector<std::pair<std::string, io::AttributeValue>> result_attributes;  // "inertia", "itemsets/count"
  std::vector<Preview> preview;
};

std::string value_text(const io::AttributeValue& value) {
  return std::visit([](const auto& v) { return fmt::format("{}", v); }, value);
}

std::string attribute_text(const Summary& s, const std::string& name) {
  const auto it = s.attributes.find(name);
  return it == s.attributes.end() ? "" : value_text(it->second);
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<int>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string json_number(double value) { return std::isfinite(value) ? fmt::format("{}", value) : "null"; }

std::string json_value(const io::AttributeValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return json_string(*text);
  if (const auto* real = std::get_if<double>(&value)) return json_number(*real);
  return value_text(value);
}

// The attributes (k-means inertia, itemset counts) and the first values and shape of every
// dataset under `group`, nested groups included ("rules/lift").
void add_result(const io::ResultFile& file, const std::string& group, const std::string& prefix, Summary& s) {
  for (auto& [name, value] : file.attributes(group)) s.result_attributes.emplace_back(prefix + name, std::move(value));
  for (const auto& name : file.members(group)) {
    const std::string path = group + "/" + name;
    if (file.is_group(path)) {
      add_result(file, path, prefix + name + "/", s);
      continue;
    }
    Preview preview;
    preview.name = prefix + name;
    preview.values = file.read_f64_start(path, preview_values + 1, &preview.shape);
    preview.cut = preview.values.size() > preview_values;
    preview.values.resize(std::min(preview.values.size(), preview_values));
    s.preview.push_back(std::move(preview));
  }
}

// "6 x 2" for a 6-row, 2-column dataset; "1" for a single value.
std::string shape_text(const std::vector<std::uint64_t>& shape) {
  return shape.empty() ? "1" : fmt::format("{}", fmt::join(shape, " x "));
}

Summary summarize(const io::ResultFile& file) {
  Summary s;
  s.attributes = file.attributes("/");
  const auto partitions = file.read_partitions();
  s.workers = file.read_workers();
  s.partitions = partitions.size();
  double first = partitions.empty() ? 0.0 : partitions.front().start_s;
  double last = 0;
  for (const auto& p : partitions) {
    s.failed += p.status != 0;
    s.stolen += p.stolen;
    first = std::min(first, p.start_s);
    last = std::max(last, p.end_s);
  }
  s.makespan_s = std::max(0.0, last - first);
  const auto mpi_ranks = s.workers.size();
  for (const auto& w : s.workers) {
    s.busy_s += w.busy_s;
    s.steal_attempts += w.steal_attempts;
    s.steals += w.steals_received;
    s.steal_wait_s += w.steal_wait_s;
    // With workers the master only schedules; alone it is the one worker.
    if (mpi_ranks == 1 || w.rank != 0) ++s.working_ranks;
  }
  if (s.makespan_s > 0 && s.working_ranks > 0) s.efficiency = s.busy_s / (static_cast<double>(s.working_ranks) * s.makespan_s);
  add_result(file, "/result", "", s);
  return s;
}

void print_text(const std::string& path, const Summary& s) {
  std::string out;
  out += fmt::format("result      {}\n", path);
  out += fmt::format("job         {} (kernel {}), status {}\n", attribute_text(s, "job_name"), attribute_text(s, "kernel"),
                     attribute_text(s, "status"));
  const auto wall = s.attributes.find("wall_seconds");
  const double wall_s = wall != s.attributes.end() && std::holds_alternative<double>(wall->second)
                            ? std::get<double>(wall->second)
                            : 0.0;
  out += fmt::format("run         {} -> {}, {} wall, {} MPI ranks, {} workers\n", attribute_text(s, "created_utc"),
                     attribute_text(s, "finished_utc"), format_seconds(wall_s), attribute_text(s, "mpi_ranks"),
                     attribute_text(s, "workers"));
  const auto cpu = s.attributes.find("master_cpu_seconds");
  if (cpu != s.attributes.end() && std::holds_alternative<double>(cpu->second) && wall_s > 0) {
    out += fmt::format("master      {} CPU ({:.1f} % of one core)\n", format_seconds(std::get<double>(cpu->second)),
                       100.0 * std::get<double>(cpu->second) / wall_s);
  }
  const std::string input = attribute_text(s, "input_file");
  if (!input.empty()) out += fmt::format("input       {}:{}\n", input, attribute_text(s, "input_dataset"));
  out += fmt::format("partitions  {} ({} failed, {} stolen)\n", s.partitions, s.failed, s.stolen);
  out += fmt::format("balance     efficiency {:.1f} % = busy {} / ({} workers x makespan {})\n", 100.0 * s.efficiency,
                     format_seconds(s.busy_s), s.working_ranks, format_seconds(s.makespan_s));
  out += fmt::format("steals      {} attempts, {} brought work, mean answer {}\n", s.steal_attempts, s.steals,
                     format_seconds(s.steal_attempts ? s.steal_wait_s / static_cast<double>(s.steal_attempts) : 0.0));
  out += fmt::format("workers     {:>5} {:<16} {:>10} {:>10} {:>10} {:>8} {:>8} {:>10}\n", "rank", "host", "partitions",
                     "busy", "idle", "stl-sent", "stl-recv", "read");
  for (const auto& w : s.workers) {
    if (w.lost) {
      out += fmt::format("            {:>5} {:<16} lost during the run\n", w.rank, w.hostname.substr(0, 16));
      continue;
    }
    out += fmt::format("            {:>5} {:<16} {:>10} {:>10} {:>10} {:>8} {:>8} {:>10}\n", w.rank, w.hostname.substr(0, 16),
                       w.partitions, format_seconds(w.busy_s), format_seconds(w.idle_s), w.steals_sent,
                       w.steals_received, format_bytes(static_cast<double>(w.bytes_read)));
  }
  out += "result\n";
  for (const auto& [name, value] : s.result_attributes) out += fmt::format("  {:<16} {}\n", name, value_text(value));
  for (const auto& p : s.preview) {
    out += fmt::format("  {:<16} {:<10} [{}{}]\n", p.name, shape_text(p.shape), fmt::join(p.values, ", "),
                       p.cut ? ", …" : "");
  }
  std::fputs(out.c_str(), stdout);
}

void print_json(const std::string& path, const Summary& s) {
  std::string out = "{\n";
  out += fmt::format("  \"file\": {},\n", json_string(path));
  for (const auto& [name, value] : s.attributes) {
    if (name == "job_toml") continue;
    out += fmt::format("  {}: {},\n", json_string(name), json_value(value));
  }
  out += fmt::format("  \"partitions\": {},\n  \"failed_partitions\": {},\n  \"stolen_partitions\": {},\n", s.partitions,
                     s.failed, s.stolen);
  out += fmt::format("  \"makespan_s\": {},\n  \"busy_s\": {},\n  \"efficiency\": {},\n", json_number(s.makespan_s),
                     json_number(s.busy_s), json_number(s.efficiency));
  out += fmt::format("  \"steal_attempts\": {},\n  \"steals\": {},\n  \"steal_wait_s\": {},\n", s.steal_attempts,
                     s.steals, json_number(s.steal_wait_s));
  out += "  \"worker_table\": [";
  for (std::size_t i = 0; i < s.workers.size(); ++i) {
    const auto& w = s.workers[i];
    out += fmt::format(
        "{}\n    {{\"rank\": {}, \"hostname\": {}, \"partitions\": {}, \"busy_s\": {}, \"idle_s\": {}, "
        "\"steals_sent\": {}, \"steals_received\": {}, \"steal_attempts\": {}, \"steal_wait_s\": {}, "
        "\"bytes_read\": {}, \"lost\": {}}}",
        i ? "," : "", w.rank, json_string(w.hostname), w.partitions, json_number(w.busy_s), json_number(w.idle_s),
        w.steals_sent, w.steals_received, w.steal_attempts, json_number(w.steal_wait_s), w.bytes_read,
        w.lost ? "true" : "false");
  }
  out += "\n  ],\n  \"result_attributes\": {";
  for (std::size_t i = 0; i < s.result_attributes.size(); ++i) {
    const auto& [name, value] = s.result_attributes[i];
    out += fmt::format("{}\n    {}: {}", i ? "," : "", json_string(name), json_value(value));
  }
  out += "\n  },\n  \"result_preview\": {";
  for (std::size_t i = 0; i < s.preview.size(); ++i) {
    const Preview& p = s.preview[i];
    std::vector<std::string> numbers;
    for (const double v : p.values) numbers.push_back(json_number(v));
    out += fmt::format("{}\n    {}: {{\"shape\": [{}], \"values\": [{}], \"cut\": {}}}", i ? "," : "",
                       json_string(p.name), fmt::join(p.shape, ", "), fmt::join(numbers, ", "), p.cut);
  }
  out += "\n  }\n}\n";
  std::fputs(out.c_str(), stdout);
}

}  // namespace

int report_command(const std::string& path, bool json) {
  const io::ResultFile file(path);
  const Summary summary = summarize(file);
  if (json) {
    print_json(path, summary);
  } else {
    print_text(path, summary);
  }
  return 0;
}

}  // namespace kdsched::app
