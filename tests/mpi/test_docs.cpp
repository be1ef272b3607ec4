// Every ```toml block of the docs and the README, and every job of jobs/examples, is checked
// against the program, so that the docs cannot drift from it. A block is one of:
//   - a whole job (it has [job]): validated as it is, with demo inputs generated where its paths point;
//   - an error example (the next block is the "kdsched: error:" line it produces): spliced into a
//     minimal job so that its "# line N" marker lands on line N, and must give exactly that line;
//   - a fragment (tables without [job]): spliced into a minimal job, which must validate.
// Anything else fails the test: a block this test cannot check is a block that can drift.
#include "mpi/harness.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace kdsched::testing {
namespace {

namespace fs = std::filesystem;

struct Block {
  std::string where;  // "docs/job-file.md:259"
  std::string text;
  std::string expected_error;  // the first line of the following block, when it is an error line
};

std::vector<std::string> read_lines(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::vector<Block> toml_blocks(const fs::path& file, const std::string& name) {
  const auto lines = read_lines(file);
  std::vector<Block> blocks;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i] != "```toml") continue;
    Block block{fmt::format("{}:{}", name, i + 1), {}, {}};
    std::size_t end = i + 1;
    for (; end < lines.size() && !lines[end].starts_with("```"); ++end) block.text += lines[end] + "\n";
    // An error example is followed at once by a plain block holding its message.
    if (end + 2 < lines.size() && lines[end + 1] == "```" && lines[end + 2].starts_with("kdsched: error: ")) {
      block.expected_error = lines[end + 2];
    }
    blocks.push_back(std::move(block));
    i = end;
  }
  return blocks;
}

std::vector<Block> all_blocks() {
  const fs::path root = KDSCHED_SOURCE_DIR;
  std::vector<Block> blocks = toml_blocks(root / "README.md", "README.md");
  std::set<fs::path> pages;
  for (const auto& entry : fs::directory_iterator(root / "docs")) {
    if (entry.path().extension() == ".md") pages.insert(entry.path());
  }
  for (const auto& page : pages) {
    auto found = toml_blocks(page, "docs/" + page.filename().string());
    blocks.insert(blocks.end(), found.begin(), found.end());
  }
  // The examples the README points at are whole jobs too.
  std::set<fs::path> examples;
  for (const auto& entry : fs::directory_iterator(root / "jobs" / "examples")) {
    if (entry.path().extension() == ".toml") examples.insert(entry.path());
  }
  for (const auto& example : examples) {
    std::ifstream in(example);
    std::ostringstream text;
    text << in.rdbuf();
    blocks.push_back({"jobs/examples/" + example.filename().string(), text.str(), {}});
  }
  return blocks;
}

// The tables of a minimal job the fragments complete: 8 lines, a stats job over /points.
const std::vector<std::pair<std::string, std::string>> base_tables{
    {"job", "[job]\nname = \"doc\"\noutput = \"doc.h5\"\n"},
    {"input", "[input]\nfile = \"data.h5\"\ndataset = \"/points\"\n"},
    {"kernel", "[kernel]\nname = \"stats\"\n"},
};

// The tables a block declares, read from its headers (it may not parse: error examples need not).
std::set<std::string> declared_tables(const std::string& text) {
  static const std::regex header(R"(^\s*\[([A-Za-z_]+)\])");
  std::set<std::string> tables;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    std::smatch match;
    if (std::regex_search(line, match, header)) tables.insert(match[1]);
  }
  return tables;
}

// The minimal job's tables that the fragment leaves out, then the fragment, padded so that the
// line marked "# line N" is line N.
std::string splice(const std::string& fragment) {
  const std::set<std::string> declared = declared_tables(fragment);
  const bool range_job = fragment.find("range = [") != std::string::npos && declared.contains("partition") &&
                         !declared.contains("input");
  std::string text;
  for (const auto& [name, table] : base_tables) {
    if (declared.contains(name) || (name == "input" && range_job)) continue;
    if (name == "kernel" && range_job) {
      text += "[kernel]\nname = \"spin\"\ncost = \"const:0\"\n";
      continue;
    }
    text += table;
  }
  static const std::regex marker(R"(# line (\d+))");
  std::istringstream lines(fragment);
  std::size_t index = 0;
  for (std::string line; std::getline(lines, line); ++index) {
    std::smatch match;
    if (!std::regex_search(line, match, marker)) continue;
    const auto wanted = std::stoul(match[1]);
    const auto lines_before = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
    if (wanted < lines_before + index + 1) return {};  // the marker cannot be honoured
    text += std::string(wanted - lines_before - index - 1, '\n');
    break;
  }
  return text + fragment;
}

class Docs : public EndToEnd {
 protected:
  // Demo inputs at the paths a job names, relative to `folder` (the job file's).
  // Returns "" when done, or why the job's inputs cannot be made.
  std::string make_inputs(const toml::table& job, const fs::path& folder) const {
    const toml::table* input = job["input"].as_table();
    const toml::table* kernel = job["kernel"].as_table();
    if (job["schedule"]["costs_from"]) return "costs_from needs an earlier run";
    if (kernel && (*kernel)["init_dataset"]) return "init_dataset needs a k x d dataset";
    if (!input) return {};
    const auto place = [&](const std::string& path) {
      const fs::path file = fs::path(path).is_absolute() ? fs::path(path) : folder / path;
      fs::create_directories(file.parent_path());
      return file.lexically_normal();
    };
    if (const toml::array* files = (*input)["files"].as_array()) {
      for (const auto& pattern : *files) make_file(place(*pattern.value<std::string>()));
      return {};
    }
    if (const auto files = (*input)["files"].value<std::string>()) {
      make_file(place(*files));
      return {};
    }
    const auto file = (*input)["file"].value<std::string>();
    if (!file) return "[input] without file or files";
    if (fs::path(*file).is_absolute()) return "an absolute input path";
    const std::string dataset = (*input)["dataset"].value_or(std::string());
    const std::string costs = kernel ? (*kernel)["costs_dataset"].value_or(std::string()) : std::string();
    if (!costs.empty() && costs != dataset) return "costs_dataset other than [input] dataset";
    if ((*input)["items"]) {
      if ((*input)["items"].value_or(std::string()) != "/transactions/items" ||
          (*input)["offsets"].value_or(std::string()) != "/transactions/offsets") {
        return "transactions outside /transactions";
      }
      return generate({"gen", "transactions", "--transactions", "1000", "--items", "50", "--avg-length", "5",
                       "--out", place(*file).string()});
    }
    if (dataset.empty()) {
      make_file(place(*file));
      return {};
    }
    // Spin's costs are one column of seconds, which must not be negative; everything else gets the
    // 20000 x 3 dataset the examples describe.
    if (!costs.empty()) {
      fs::create_directories(place(*file).parent_path());
      write_dataset(place(*file), dataset, io::ElementType::f64, 20000, 0, 1000, std::vector<double>(20000, 1e-4));
      return {};
    }
    return generate({"gen", "blobs", "--rows", "20000", "--cols", "3", "--centers", "3", "--chunk-rows", "1000",
                     "--dataset", dataset, "--out", place(*file).string()});
  }

  static void make_file(const fs::path& pattern) {
    std::string name = pattern.string();
    std::replace(name.begin(), name.end(), '*', 'x');
    std::replace(name.begin(), name.end(), '?', 'x');
    fs::create_directories(fs::path(name).parent_path());
    std::ofstream(name) << "demo\n";
  }

  std::string generate(const std::vector<std::string>& args) const {
    if (fs::exists(args.back())) return {};
    const Completed made = run(0, args);
    return made.exit_code == 0 ? std::string() : "cannot generate the input: " + made.err;
  }

  // Validates the job text written as project/jobs/job.toml, its inputs made first.
  void expect_valid(const Block& block, const std::string& text, const fs::path& folder) const {
    toml::table job;
    try {
      job = toml::parse(text);
    } catch (const toml::parse_error& error) {
      ADD_FAILURE() << block.where << ": not TOML: " << error.description() << "\n" << text;
      return;
    }
    const fs::path jobs = folder / "project" / "jobs";
    fs::create_directories(jobs);
    if (const std::string why = make_inputs(job, jobs); !why.empty()) {
      ADD_FAILURE() << block.where << ": cannot check this block (" << why << ")\n" << text;
      return;
    }
    std::ofstream(jobs / "job.toml") << text;
    const Completed checked = run(0, {"validate", (jobs / "job.toml").string()});
    EXPECT_EQ(checked.exit_code, 0) << block.where << ": kdsched validate says\n" << checked.err << "\nfor\n" << text;
  }
};

TEST_F(Docs, EveryTomlBlockMatchesTheProgram) {
  const std::vector<Block> blocks = all_blocks();
  ASSERT_GE(blocks.size(), 8u) << "the docs hold job examples";
  std::size_t jobs = 0, fragments = 0, errors = 0;
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    const Block& block = blocks[i];
    SCOPED_TRACE(block.where);
    const fs::path folder = dir_ / fmt::format("block-{}", i);
    fs::create_directories(folder);
    const std::set<std::string> tables = declared_tables(block.text);
    if (!block.expected_error.empty()) {
      ++errors;
      const std::string text = splice(block.text);
      ASSERT_FALSE(text.empty()) << block.where << ": its '# line N' marker cannot be placed";
      ASSERT_EQ(generate({"gen", "blobs", "--rows", "20000", "--cols", "3", "--centers", "3", "--dataset", "/points",
                          "--out", (folder / "data.h5").string()}),
                "");
      std::ofstream(folder / "job.toml") << text;
      const Completed refused = run(0, {"validate", fs::relative(folder / "job.toml", dir_).string()});
      ASSERT_EQ(refused.error_lines().size(), 1u) << block.where << ":\n" << refused.err;
      const std::string expected = block.expected_error;
      const std::string got = refused.error_lines()[0];
      const std::string shown_path = fs::relative(folder / "job.toml", dir_).string();
      EXPECT_EQ(got, std::regex_replace(expected, std::regex("kdsched: error: job\\.toml"),
                                        "kdsched: error: " + shown_path))
          << block.where << ": the documented message differs from the program's, for\n" << text;
    } else if (tables.contains("job")) {
      ++jobs;
      expect_valid(block, block.text, folder);
    } else if (!tables.empty()) {
      ++fragments;
      expect_valid(block, splice(block.text), folder);
    } else {
      ADD_FAILURE() << block.where << ": a TOML block that is neither a job, a fragment of one nor an error "
                                      "example followed by its message\n"
                    << block.text;
    }
  }
  EXPECT_GT(jobs, 0u);
  EXPECT_GT(fragments, 0u);
  EXPECT_GT(errors, 0u);
}

}  // namespace
}  // namespace kdsched::testing
