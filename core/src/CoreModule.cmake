# sluice_core_module(<module> SOURCES <files...> [PUBLIC <targets...>] [PRIVATE <targets...>])
#
# One static library per module of core/src, sluice_core_<module>. Sources include
# "<module>/file.hpp", and a module's headers are reachable only through the include root
# its own library exports: ${CMAKE_BINARY_DIR}/include/<module>/<module> is a link to this
# folder, and core/src itself is on no include path. A module therefore sees the headers of
# itself and of the modules it links (PUBLIC ones transitively), and nothing else: a lower
# module that includes a higher one's header does not compile ("No such file or directory").
# A header that includes another module's header needs that module PUBLIC; a .cpp, PRIVATE.
# The build.layering test holds the include graph against docs/architecture.md.
function(sluice_core_module module)
  cmake_parse_arguments(ARG "" "" "SOURCES;PUBLIC;PRIVATE" ${ARGN})
  set(target sluice_core_${module})
  add_library(${target} STATIC ${ARG_SOURCES})
  set(root ${CMAKE_BINARY_DIR}/include/${module})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR} ${root}/${module} SYMBOLIC)
  target_include_directories(${target} PUBLIC $<BUILD_INTERFACE:${root}>)
  target_link_libraries(${target} PUBLIC ${ARG_PUBLIC} PRIVATE sluice_warnings ${ARG_PRIVATE})
  set_property(GLOBAL APPEND PROPERTY SLUICE_CORE_MODULES ${module})
endfunction()
