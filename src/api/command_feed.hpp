#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/notifier.hpp"

namespace bv::api {

// Wakes a host's open command streams at once when something is issued to it (or it is revoked),
// and counts them. One io_context: no locks.
class CommandFeed {
public:
    struct HostFeed {
        Notifier changed;
        // Bumped by every notify: a stream that wrote meanwhile (and so was not waiting) sees
        // that it must look again before it waits.
        std::uint64_t generation = 0;
        std::uint32_t open_streams = 0;
    };

    // Counts one open stream of a host for as long as it lives.
    class Subscription {
    public:
        Subscription(CommandFeed& feed, const std::string& host_id);
        ~Subscription();
        Subscription(const Subscription&) = delete;
        Subscription& operator=(const Subscription&) = delete;
        HostFeed& host() { return host_; }

    private:
        HostFeed& host_;
    };

    void notify(const std::string& host_id);
    // Ends every stream (they see closed() when woken): the server is shutting down.
    void close();
    bool closed() const { return closed_; }
    std::uint32_t open_streams(const std::string& host_id) const;

private:
    std::map<std::string, HostFeed, std::less<>> hosts_;
    bool closed_ = false;
};

}  // namespace bv::api
