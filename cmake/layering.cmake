# The machinery behind cmake/layers.cmake: lattice_layer() records a layer,
# lattice_apply_layers() (called once every target exists) gives each layer
# target its include root and links the layers it uses.

set(LATTICE_LAYERS "" CACHE INTERNAL "")

function(lattice_layer name)
  cmake_parse_arguments(arg "" "TARGET" "PATHS;USES" ${ARGN})
  set(layers ${LATTICE_LAYERS})
  list(APPEND layers ${name})
  set(LATTICE_LAYERS ${layers} CACHE INTERNAL "")
  set(LATTICE_LAYER_${name}_TARGET ${arg_TARGET} CACHE INTERNAL "")
  set(LATTICE_LAYER_${name}_PATHS ${arg_PATHS} CACHE INTERNAL "")
  set(LATTICE_LAYER_${name}_USES ${arg_USES} CACHE INTERNAL "")
endfunction()

# <build>/include-roots/<name>/<path> -> <source>/<path> for each path, so
# `#include "<path>/x.hpp"` finds exactly the layer's own files.
function(lattice_include_root name out)
  set(root ${PROJECT_BINARY_DIR}/include-roots/${name})
  foreach(path IN LISTS ARGN)
    get_filename_component(parent ${root}/${path} DIRECTORY)
    file(MAKE_DIRECTORY ${parent})
    if(NOT IS_SYMLINK ${root}/${path})
      file(CREATE_LINK ${PROJECT_SOURCE_DIR}/${path} ${root}/${path} SYMBOLIC)
    endif()
  endforeach()
  set(${out} ${root} PARENT_SCOPE)
endfunction()

function(lattice_apply_layers)
  foreach(layer IN LISTS LATTICE_LAYERS)
    set(target ${LATTICE_LAYER_${layer}_TARGET})
    lattice_include_root(${layer} root ${LATTICE_LAYER_${layer}_PATHS})
    get_target_property(type ${target} TYPE)
    set(scope PUBLIC)
    if(type STREQUAL "EXECUTABLE")
      set(scope PRIVATE)
    endif()
    target_include_directories(${target} ${scope} ${root})
    foreach(used IN LISTS LATTICE_LAYER_${layer}_USES)
      target_link_libraries(${target} ${scope} ${LATTICE_LAYER_${used}_TARGET})
    endforeach()
  endforeach()
endfunction()
