#pragma once

namespace bv::cli {

// bv: the command line client of bvd.
int run_cli(int argc, const char* const* argv);

}  // namespace bv::cli
