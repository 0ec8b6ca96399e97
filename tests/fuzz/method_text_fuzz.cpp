// The text work of a babel method call: placeholders filled from parameters, sh bodies made
// safe (here-documents, quotes), a field picked out of the client's JSON answer.

#include "babel/method_text.hpp"
#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parts = bv::fuzz::parts_of(bv::fuzz::text_of(data, size), 4);
    const std::map<std::string, std::string> values{{"COUNT", std::string(parts[3])}, {"TEXT", "a'b\"c$(x)`y`"}};
    try {
        (void)bv::babel::fill_placeholders(parts[0], values);
    } catch (const bv::babel::MethodTextError&) {
    }
    try {
        const auto command = bv::babel::shell_command(parts[0], values);
        // A value reaches the shell only through the environment, never as script text.
        for (const auto& [name, value] : command.environment) {
            bv::fuzz::require(name.starts_with("BV_PARAM_"), "parameters travel in BV_PARAM_ variables");
        }
    } catch (const bv::babel::MethodTextError&) {
    }
    (void)bv::babel::placeholder_inside_quotes(parts[0]);
    for (const auto format : {bv::babel::ResponseFormat::raw, bv::babel::ResponseFormat::json}) {
        try {
            (void)bv::babel::extract_and_format(parts[1], parts[2], format);
        } catch (const bv::babel::MethodTextError&) {
        }
        try {
            (void)bv::babel::format_text(parts[1], format);
        } catch (const bv::babel::MethodTextError&) {
        }
    }
    (void)bv::babel::is_plain_file_name(parts[2]);
    return 0;
}
