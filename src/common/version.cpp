#include "common/version.hpp"

#ifndef BV_VERSION
#error "BV_VERSION is set by CMakeLists.txt for this file"
#endif

namespace bv {
const char* const kVersion = BV_VERSION;
}  // namespace bv
