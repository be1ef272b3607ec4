# kdsched_module(NAME SOURCES ... DEPS ...) declares the library kdsched::NAME built from
# src/NAME, with its public headers reachable as "NAME/header.hpp".
function(kdsched_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(kdsched_${name} STATIC ${ARG_SOURCES})
  add_library(kdsched::${name} ALIAS kdsched_${name})
  target_include_directories(kdsched_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(kdsched_${name} PUBLIC ${ARG_DEPS})
  target_compile_options(kdsched_${name} PRIVATE -Wall -Wextra -Wpedantic)
endfunction()
