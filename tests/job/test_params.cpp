#include "common/error.hpp"
#include "job/job_spec.hpp"

#include <gtest/gtest.h>

#include <array>

namespace kdsched::job {
namespace {

// The kernel parameters of a job whose [kernel] body starts on line 8.
Params kernel_params(const std::string& body) {
  const std::string text = "[job]\nname = \"demo\"\noutput = \"out.h5\"\n[input]\nfile = \"in.h5\"\n"
                           "[kernel]\nname = \"itemsets\"\n" + body;
  return parse_job_text(text, "jobs/demo.toml").kernel_params;
}

template <typename Call>
std::string usage_error(Call call) {
  try {
    call();
  } catch (const UsageError& error) {
    return error.what();
  }
  ADD_FAILURE() << "no UsageError";
  return {};
}

TEST(Params, DefaultIsEmpty) {
  const Params params;
  EXPECT_FALSE(params.contains("k"));
  EXPECT_FALSE(params.find_int("k").has_value());
  EXPECT_EQ(params.get_int("k", 3, 1, 10), 3);
  EXPECT_EQ(params.get_string("init", "random"), "random");
  params.require_only({});
}

TEST(Params, GettersReturnTypedValues) {
  const Params params = kernel_params(
      "k = 8\ntolerance = 1\nratio = 0.5\ninit = \"random\"\nverbose = true\nrange = [0, 2.5]\n"
      "argv = [\"prog\", \"{file}\"]\n");
  EXPECT_FALSE(params.contains("name"));
  EXPECT_EQ(params.find_int("k"), 8);
  EXPECT_EQ(params.find_double("tolerance"), 1.0);
  EXPECT_EQ(params.get_double("ratio", 0.0), 0.5);
  EXPECT_EQ(params.get_double("missing", 0.25), 0.25);
  EXPECT_EQ(params.find_string("init"), "random");
  EXPECT_EQ(params.find_bool("verbose"), true);
  EXPECT_EQ(params.find_double_array("range"), (std::vector<double>{0.0, 2.5}));
  EXPECT_EQ(params.find_string_array("argv"), (std::vector<std::string>{"prog", "{file}"}));
  EXPECT_EQ(params.get_int("k", 1, 1, 100), 8);
}

TEST(Params, WrongTypeIsLocatedAtTheValue) {
  const Params params = kernel_params("k = 8\ntolerance = \"small\"\nrange = [0, \"x\"]\n");
  EXPECT_EQ(usage_error([&] { params.find_double("tolerance"); }),
            "jobs/demo.toml:9:13: [kernel] tolerance must be a number");
  EXPECT_EQ(usage_error([&] { params.find_string("k"); }), "jobs/demo.toml:8:5: [kernel] k must be a string");
  EXPECT_EQ(usage_error([&] { params.find_double_array("range"); }),
            "jobs/demo.toml:10:13: [kernel] range must be an array of numbers");
  EXPECT_EQ(usage_error([&] { params.find_int("tolerance"); }),
            "jobs/demo.toml:9:13: [kernel] tolerance must be an integer");
}

TEST(Params, GetIntChecksItsRange) {
  const Params params = kernel_params("k = 0\n");
  EXPECT_EQ(usage_error([&] { params.get_int("k", 8, 1, 100); }),
            "jobs/demo.toml:8:5: [kernel] k must be between 1 and 100");
}

TEST(Params, RequireOnlyNamesTheUnknownKey) {
  const Params params = kernel_params("k = 3\nmax_iteration = 10\n");
  constexpr std::array<std::string_view, 2> known{"k", "max_iterations"};
  EXPECT_EQ(usage_error([&] { params.require_only(known); }),
            "jobs/demo.toml:9:1: unknown key 'max_iteration' in [kernel]; did you mean 'max_iterations'?");
  constexpr std::array<std::string_view, 3> all{"k", "max_iteration", "seed"};
  params.require_only(all);
}

TEST(Params, FailIsLocatedAtTheKeyOrTheTable) {
  const Params params = kernel_params("k = 3\n");
  EXPECT_EQ(usage_error([&] { params.fail("k", "k exceeds the number of rows"); }),
            "jobs/demo.toml:8:5: [kernel] k exceeds the number of rows");
  EXPECT_EQ(usage_error([&] { params.fail("init_dataset", "init = \"dataset\" needs init_dataset"); }),
            "jobs/demo.toml:6:1: [kernel] init = \"dataset\" needs init_dataset");
}

TEST(Params, CopiesOutliveTheJob) {
  const Params params = kernel_params("seed = 42\n");
  const Params copy = params;
  EXPECT_EQ(copy.find_int("seed"), 42);
}

}  // namespace
}  // namespace kdsched::job
