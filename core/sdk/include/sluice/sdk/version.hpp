// sluice/sdk/version.hpp: the SDK's version, reported in every plugin's manifest. Its major
// follows the ABI major (core/CMakeLists.txt reads it for the CMake package version).
#pragma once

#define SLUICE_SDK_VERSION "1.2.0"
