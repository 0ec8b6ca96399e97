#pragma once

// toml++, as this project includes it (never <toml++/toml.h> directly). The library checks
// its own parser's state with TOML_ASSERT_ASSUME, an assert() in debug builds and an
// optimiser assumption (__builtin_assume) with NDEBUG. A table header whose key starts with
// a character that cannot start a key ("[}", found by babel_config_fuzz) breaks one of those
// assumptions: an abort in a debug build, undefined behaviour in a release build. With the
// check made nothing, the parser goes on to its own error ("expected bare key starting
// character or string delimiter"), the same in every build.
#include <toml++/impl/preprocessor.h>
#undef TOML_ASSERT_ASSUME
#define TOML_ASSERT_ASSUME(expr) static_assert(true)
#include <toml++/toml.h>
