include(GoogleTest)

# Tests include shared helpers as "test/support/..." (and each other's as
# "test/unit/..."): an include root of their own, so a test sees the layers
# it links and the tests' tree, nothing else.
add_library(lattice_test_support INTERFACE)
lattice_include_root(test lattice_test_root test)
target_include_directories(lattice_test_support INTERFACE ${lattice_test_root})

# lattice_add_unit_test(NAME SOURCES... LIBS ...): one GoogleTest binary whose
# tests are registered with CTest individually and labelled "unit".
function(lattice_add_unit_test name)
  cmake_parse_arguments(arg "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ${arg_LIBS} lattice_test_support GTest::gtest GTest::gmock GTest::gtest_main
    lattice_warnings)
  gtest_discover_tests(${name} PROPERTIES LABELS unit DISCOVERY_TIMEOUT 60)
endfunction()

# The local cluster (scripts/cluster) used by integration and end-to-end
# tests. test/cluster/ defines the CTest fixture "cluster": its setup test
# starts the cluster or reuses a running one. Tests that need it declare
# FIXTURES_REQUIRED cluster and read KUBECONFIG from their environment.
set(LATTICE_CACHE "$ENV{HOME}/.cache/lattice" CACHE PATH "Cache for cluster binaries and state")
# A second cluster beside the default one: configure with LATTICE_CLUSTER_DIR
# (and LATTICE_CLUSTER_PORT_OFFSET, read by scripts/cluster) in the environment.
if(DEFINED ENV{LATTICE_CLUSTER_DIR})
  set(lattice_default_cluster_dir "$ENV{LATTICE_CLUSTER_DIR}")
else()
  set(lattice_default_cluster_dir "${LATTICE_CACHE}/cluster")
endif()
set(LATTICE_CLUSTER_DIR "${lattice_default_cluster_dir}" CACHE PATH "State of the local test cluster")
set(LATTICE_KUBECONFIG "${LATTICE_CLUSTER_DIR}/kubeconfig")
set(LATTICE_CLUSTER_BIN "${LATTICE_CACHE}/bin/current")

# lattice_add_integration_test(NAME COMMAND cmd args... [LABELS l...] [TIMEOUT s])
# Runs COMMAND against the local cluster with KUBECONFIG set and the cluster's
# kubectl/helm first on PATH. Labelled "integration" (plus LABELS).
function(lattice_add_integration_test name)
  cmake_parse_arguments(arg "" "TIMEOUT" "COMMAND;LABELS" ${ARGN})
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 600)
  endif()
  add_test(NAME ${name} COMMAND ${arg_COMMAND})
  set_tests_properties(${name} PROPERTIES
    FIXTURES_REQUIRED cluster
    LABELS "integration;${arg_LABELS}"
    TIMEOUT ${arg_TIMEOUT}
    ENVIRONMENT "KUBECONFIG=${LATTICE_KUBECONFIG};LATTICE_SOURCE_DIR=${PROJECT_SOURCE_DIR};LATTICE_BUILD_DIR=${PROJECT_BINARY_DIR};PATH=${LATTICE_CLUSTER_BIN}:$ENV{PATH}")
endfunction()
