#pragma once

namespace bv {
// The version this binary reports: CMake's BV_VERSION (default project(VERSION)), compiled
// into version.cpp only, so that a build at another version relinks instead of rebuilding.
extern const char* const kVersion;
}  // namespace bv
