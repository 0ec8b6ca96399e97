#pragma once

#include <chrono>
#include <memory>

#include "rpc/endpoint.hpp"

namespace bv::rpc {

// What a socket's passed deadline does to it.
enum class OnExpiry {
    // Cancels the operations pending then (they fail with operation_aborted); the caller
    // looks again and may go on. For a single read, whose wait the cancel always finds.
    cancel,
    // Also shuts the socket down, so that nothing after succeeds either: a composed read or
    // write (Beast's) may sit between two of its reads when the deadline passes, where a
    // cancel alone finds nothing and its next read would wait for good.
    end_connection,
};

// A deadline for the operations on one socket, as Beast's basic_stream keeps one. One timer
// per socket, moved only when a deadline comes earlier than the one it waits for: a deadline
// per request costs neither a system call nor a coroutine, where racing each read and write
// against a timer of its own (with_timeout) cost 3.6 us and two timer system calls each
// (babel's overhead over a direct call was 150 us, 80 us without them).
class SocketDeadline {
public:
    explicit SocketDeadline(StreamSocket& socket);
    ~SocketDeadline();
    SocketDeadline(const SocketDeadline&) = delete;
    SocketDeadline& operator=(const SocketDeadline&) = delete;

    // For the socket's operations from now on.
    void expires_at(std::chrono::steady_clock::time_point deadline, OnExpiry on_expiry = OnExpiry::end_connection);
    // No deadline; the timer's wait (pending until the deadline set before) stays, harmless.
    void expires_never();
    // No deadline and no wait left: for a socket that rests (a kept-alive client connection),
    // whose timer must not keep its io_context from finishing (a `bv` command's, say).
    void stop();
    // Whether the deadline set last has passed (what failed then failed for that).
    bool expired() const;

    struct State;

private:
    std::shared_ptr<State> state_;
};

}  // namespace bv::rpc
