#pragma once

// The open connections of one server and the decisions of its limits, without I/O: the
// server's coroutines say what each connection is doing, this says which one makes room for
// a new arrival and how long an idle one may stay.

#include <boost/asio/cancellation_signal.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <vector>

namespace bv::rpc {

struct ServerLimits {
    std::size_t max_header_bytes = 16 * 1024;
    std::size_t max_body_bytes = 16 << 20;
    // A new connection (TLS handshake included) must have sent a complete request header this
    // long after it was accepted, a kept-alive one this long after the first byte of its next
    // request. It bounds the whole header, not the gap between two bytes (slow loris).
    std::chrono::milliseconds header_timeout{10'000};
    // A request body must have arrived whole this long after its header.
    std::chrono::milliseconds body_timeout{30'000};
    // A kept-alive connection with no call and no byte of a next request is closed after this...
    std::chrono::milliseconds idle_timeout{60'000};
    // ...or after this once `near_limit_percent` of `max_connections` are open.
    std::chrono::milliseconds idle_timeout_near_limit{2'000};
    unsigned near_limit_percent = 80;
    // A client that reads nothing of an answer (or of a stream) for this long is dropped,
    // and its call with it.
    std::chrono::milliseconds write_timeout{30'000};
    // At this many, a new connection closes the one idle the longest to make room; only
    // when every connection is serving a call is the new one closed instead.
    std::size_t max_connections = 1024;
};

// `limits` with at most three quarters of `open_file_limit` connections: the rest of the
// process (files, pipes, other sockets, a new connection's accept) needs descriptors too.
ServerLimits within_open_file_limit(ServerLimits limits, std::uint64_t open_file_limit);

// What a connection is doing, for the limits that apply to it.
enum class ConnectionPhase {
    awaiting_request,  // a new connection, or one between requests: nothing of a request yet
    reading_request,   // part of a request has come
    serving,           // a call runs or a stream is open: no timeout of the connection's applies
    closing,           // told to close (to make room, or at shutdown); no longer counted
};

class ConnectionTable {
public:
    struct Entry {
        ConnectionPhase phase = ConnectionPhase::awaiting_request;
        // Emitted (terminal) to make the connection close.
        boost::asio::cancellation_signal cancel;
    };
    using Handle = std::list<Entry>::iterator;

    explicit ConnectionTable(const ServerLimits& limits) : limits_(limits) {}

    // A connection just accepted, awaiting its first request.
    Handle add();
    void remove(Handle connection);
    // A connection that goes back to awaiting a request starts over as the newest idle one.
    // A closing connection stays closing.
    void set_phase(Handle connection, ConnectionPhase phase);

    // Whether a new connection must first make room.
    bool full() const;
    // The connection idle the longest (not serving, not closing yet), now marked closing; the
    // caller closes it. Null when every connection is serving.
    Entry* close_oldest_idle();
    // At shutdown: marks closing and returns the connections that serve no call (they can go
    // at once) / every connection not closing yet (the grace for calls is over).
    std::vector<Entry*> close_idle();
    std::vector<Entry*> close_all();

    // How long a connection may wait now for the first byte of a request: the idle timeout,
    // shorter while the server is near its limit, and for a new connection no longer than
    // the header timeout.
    std::chrono::milliseconds request_wait_limit(bool new_connection) const;

    // Connections not closing (what the limit counts).
    std::size_t counted() const { return counted_; }
    // Every connection whose coroutine still runs, closing ones included.
    std::size_t size() const { return entries_.size(); }
    bool empty() const { return entries_.empty(); }

private:
    void mark_closing(Entry& entry);

    ServerLimits limits_;
    // Idle connections in the order they became idle (the oldest first); serving ones
    // wherever they were when their call started.
    std::list<Entry> entries_;
    std::size_t counted_ = 0;
};

}  // namespace bv::rpc
