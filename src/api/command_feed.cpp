#include "api/command_feed.hpp"

namespace bv::api {

CommandFeed::Subscription::Subscription(CommandFeed& feed, const std::string& host_id)
    : host_(feed.hosts_[host_id]) {
    ++host_.open_streams;
}

CommandFeed::Subscription::~Subscription() {
    // The entry stays: it is small, and its generation must not start again from 0 under a
    // stream of the same host that is opening right now.
    --host_.open_streams;
}

void CommandFeed::notify(const std::string& host_id) {
    const auto found = hosts_.find(host_id);
    if (found == hosts_.end()) return;
    ++found->second.generation;
    found->second.changed.notify_all();
}

void CommandFeed::close() {
    closed_ = true;
    for (auto& [host_id, host] : hosts_) {
        ++host.generation;
        host.changed.notify_all();
    }
}

std::uint32_t CommandFeed::open_streams(const std::string& host_id) const {
    const auto found = hosts_.find(host_id);
    return found == hosts_.end() ? 0 : found->second.open_streams;
}

}  // namespace bv::api
