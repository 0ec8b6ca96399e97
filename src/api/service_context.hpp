#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "api/command_feed.hpp"
#include "api/fleet.hpp"
#include "api/store.hpp"
#include "common/wall_clock.hpp"

namespace bv::api {

struct ServiceSettings {
    std::chrono::seconds access_token_ttl{3600};
    std::chrono::seconds default_otp_ttl{3600};
    std::chrono::milliseconds heartbeat{10'000};
    // https://HOST:PORT, without a trailing slash: the base of the image URLs hosts download.
    std::string public_url;
    std::string admin_token;
    // DATA_DIR/files, served at /files/.
    std::filesystem::path files_dir;
};

// What bv-api's services share. Everything runs on one io_context thread.
struct ServiceContext {
    Store& store;
    Fleet& fleet;
    CommandFeed& feed;
    ServiceSettings settings;
    std::function<std::int64_t()> now_ms = unix_time_ms;
};

// The URL path under which DATA_DIR/files is served.
inline constexpr std::string_view kFilesPrefix = "/files/";

}  // namespace bv::api
