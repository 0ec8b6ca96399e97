#pragma once

// Client sockets by hand, for tests of servers against clients that behave as no client
// of ours would: idle, half-closed, slow.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace bv::test {

using SteadyTime = std::chrono::steady_clock::time_point;

// A connected Unix stream socket; -1 when nobody listens at `path`.
int connect_unix_socket(const std::filesystem::path& path);
// A connected TCP socket to 127.0.0.1:`port`; -1 when nobody listens there.
int connect_tcp_socket(std::uint16_t port);
// Writes all of `bytes`; false when the peer is gone (no SIGPIPE).
bool send_all(int fd, std::string_view bytes);

struct ReceivedUntilClose {
    std::string bytes;
    std::optional<SteadyTime> last_byte_at;
    std::optional<SteadyTime> closed_at;  // nullopt: the peer had not closed within the timeout
};
// Everything the peer sends until it closes (or resets) the connection, or `timeout` passes.
ReceivedUntilClose receive_until_closed(int fd, std::chrono::milliseconds timeout);
// What the peer sends until `marker` has come; shorter when the peer closes or `timeout` passes.
std::string receive_until(int fd, std::string_view marker, std::chrono::milliseconds timeout);
// Whether the peer closes (or reset) the connection within `wait`; bytes it sends meanwhile
// are left unread.
bool closed_by_peer(int fd, std::chrono::milliseconds wait = std::chrono::milliseconds(0));

}  // namespace bv::test
