# sluice_add_plugin(<name> KIND source|sink|transform SOURCES <files...> [LIBRARIES <targets...>])
#
# Builds sluice_<kind>_<name>.so exactly as the worker expects it: a MODULE library with
# hidden visibility (only sluice_plugin_manifest is exported), no "lib" prefix, into
# SLUICE_PLUGIN_OUTPUT_DIR when set. Used in-tree and by third-party plugins alike.
function(sluice_add_plugin name)
  cmake_parse_arguments(ARG "" "KIND" "SOURCES;LIBRARIES" ${ARGN})
  # transform: a library of transforms and/or predicates (kinds 3 and 4 in its manifest).
  if(NOT ARG_KIND MATCHES "^(source|sink|transform)$")
    message(FATAL_ERROR "sluice_add_plugin(${name}): KIND must be source, sink or transform")
  endif()
  set(target sluice_${ARG_KIND}_${name})
  # The sources are compiled once, into <target>_objects: the .so links them, and so do the
  # plugin's unit tests and benchmarks (sluice_plugin_unit_test), instead of compiling them
  # again each.
  add_library(${target}_objects OBJECT ${ARG_SOURCES})
  target_link_libraries(${target}_objects PUBLIC sluice::sdk ${ARG_LIBRARIES})
  target_include_directories(${target}_objects PUBLIC ${CMAKE_CURRENT_SOURCE_DIR})
  if(TARGET sluice_warnings)
    target_link_libraries(${target}_objects PRIVATE sluice_warnings)
  endif()
  set_target_properties(${target}_objects PROPERTIES
    POSITION_INDEPENDENT_CODE ON
    CXX_STANDARD 20
    CXX_STANDARD_REQUIRED ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  add_library(${target} MODULE)
  target_link_libraries(${target} PRIVATE ${target}_objects)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    CXX_STANDARD 20
    CXX_STANDARD_REQUIRED ON
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE -Wl,--no-undefined -Wl,-z,defs)
  if(SLUICE_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${SLUICE_PLUGIN_OUTPUT_DIR})
  endif()
  if(DEFINED SLUICE_PLUGIN_INSTALL_DIR)
    install(TARGETS ${target} LIBRARY DESTINATION ${SLUICE_PLUGIN_INSTALL_DIR})
  endif()
endfunction()
