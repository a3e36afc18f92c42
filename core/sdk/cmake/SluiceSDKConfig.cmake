# CMake package for plugin authors: find_package(SluiceSDK) gives the sluice::sdk target
# (the two headers) and sluice_add_plugin().
set(_sluice_sdk_dir "${CMAKE_CURRENT_LIST_DIR}")
foreach(_i RANGE 5)
  get_filename_component(_sluice_sdk_dir "${_sluice_sdk_dir}" DIRECTORY)
  if(EXISTS "${_sluice_sdk_dir}/include/sluice/abi.h")
    break()
  endif()
endforeach()
if(NOT EXISTS "${_sluice_sdk_dir}/include/sluice/abi.h")
  message(FATAL_ERROR "SluiceSDK: include/sluice/abi.h not found above ${CMAKE_CURRENT_LIST_DIR}")
endif()
if(NOT TARGET sluice::sdk)
  add_library(sluice::sdk INTERFACE IMPORTED)
  set_target_properties(sluice::sdk PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${_sluice_sdk_dir}/include"
    INTERFACE_COMPILE_FEATURES cxx_std_20)
endif()
include("${CMAKE_CURRENT_LIST_DIR}/SluicePlugin.cmake")
unset(_sluice_sdk_dir)
unset(_i)
