// babel.toml as an image or an operator may write it: anything toml++ accepts, and anything it
// does not. Every refusal is a ConfigError; nothing else may escape.

#include "babel/config.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const auto config = bv::babel::parse_babel_config(bv::fuzz::text_of(data, size), "fuzz.toml");
        for (const auto& method : config.methods) (void)config.find_method(method.name);
    } catch (const bv::babel::ConfigError&) {
    }
    return 0;
}
