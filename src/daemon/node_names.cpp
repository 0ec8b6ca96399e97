#include "daemon/node_names.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstdio>
#include <random>

namespace bv::daemon {
namespace {

constexpr std::array<std::string_view, 24> kAdjectives{
    "calm",  "bold",  "brave", "bright", "clever", "cool",  "eager", "fair",  "gentle", "glad",  "happy", "keen",
    "kind",  "lucky", "merry", "noble",  "proud",  "quick", "quiet", "rapid", "sharp",  "steady", "swift", "wise"};
constexpr std::array<std::string_view, 24> kNouns{
    "river", "forest", "meadow", "harbor", "summit", "canyon", "island", "valley", "comet",  "falcon", "otter", "lynx",
    "cedar", "willow", "breeze", "ember",  "glacier", "delta", "prairie", "reef",  "ridge",  "spring", "tundra", "aurora"};

std::uint32_t random_number() {
    std::uint32_t value = 0;
    RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof value);
    return value;
}

}  // namespace

std::string new_node_id() {
    std::array<unsigned char, 16> bytes{};
    RAND_bytes(bytes.data(), static_cast<int>(bytes.size()));
    bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
    bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
    char text[37];
    std::snprintf(text, sizeof text, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", bytes[0],
                  bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7], bytes[8], bytes[9], bytes[10],
                  bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
    return text;
}

bool looks_like_node_id(std::string_view text) {
    if (text.size() != 36) return false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        const char c = text[i];
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

std::string generate_node_name(const std::function<bool(const std::string&)>& taken) {
    for (;;) {
        const auto value = random_number();
        auto name = std::string(kAdjectives[value % kAdjectives.size()]) + "-" +
                    std::string(kNouns[(value / kAdjectives.size()) % kNouns.size()]) + "-" +
                    std::to_string(value / (kAdjectives.size() * kNouns.size()) % 100);
        if (!taken(name)) return name;
    }
}

bool valid_node_name(std::string_view name) {
    // A name shaped like an id would make `bv node delete NAME` ambiguous.
    if (name.empty() || name.size() > 63 || name.front() == '-' || looks_like_node_id(name)) return false;
    for (const char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    return true;
}

}  // namespace bv::daemon
