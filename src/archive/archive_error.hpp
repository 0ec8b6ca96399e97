#pragma once

#include <stdexcept>

namespace bv::archives {

// An archive refused (or one that cannot be written), with the entry it is about.
class ArchiveError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

}  // namespace bv::archives
