include(GoogleTest)

# lattice_add_unit_test(NAME SOURCES... LIBS ...): one GoogleTest binary whose
# tests are registered with CTest individually and labelled "unit".
function(lattice_add_unit_test name)
  cmake_parse_arguments(arg "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_LIBS} GTest::gtest GTest::gmock GTest::gtest_main lattice_warnings)
  gtest_discover_tests(${name} PROPERTIES LABELS unit DISCOVERY_TIMEOUT 60)
endfunction()
