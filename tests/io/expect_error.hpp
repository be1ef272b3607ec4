#pragma once

#include "common/error.hpp"

#include <gtest/gtest.h>

#include <string>

namespace kdsched::io::testing {

// Runs `action`, which must throw an Error of type E whose message contains `expected`.
template <typename E, typename Action>
void expect_error(Action&& action, const std::string& expected) {
  try {
    action();
    ADD_FAILURE() << "no error; expected one containing: " << expected;
  } catch (const E& error) {
    EXPECT_NE(std::string(error.what()).find(expected), std::string::npos)
        << "message: " << error.what() << "\nexpected to contain: " << expected;
  }
}

template <typename Action>
void expect_io_error(Action&& action, const std::string& expected) {
  expect_error<IoError>(std::forward<Action>(action), expected);
}

}  // namespace kdsched::io::testing
