#include "rpc/connection_table.hpp"

#include <algorithm>

namespace bv::rpc {
namespace {

bool idle(ConnectionPhase phase) {
    return phase == ConnectionPhase::awaiting_request || phase == ConnectionPhase::reading_request;
}

}  // namespace

ServerLimits within_open_file_limit(ServerLimits limits, std::uint64_t open_file_limit) {
    limits.max_connections = static_cast<std::size_t>(
        std::min<std::uint64_t>(limits.max_connections, open_file_limit - open_file_limit / 4));
    return limits;
}

ConnectionTable::Handle ConnectionTable::add() {
    ++counted_;
    return entries_.emplace(entries_.end());
}

void ConnectionTable::remove(Handle connection) {
    if (connection->phase != ConnectionPhase::closing) --counted_;
    entries_.erase(connection);
}

void ConnectionTable::set_phase(Handle connection, ConnectionPhase phase) {
    if (connection->phase == ConnectionPhase::closing) return;
    if (phase == ConnectionPhase::closing) {
        mark_closing(*connection);
        return;
    }
    if (phase == ConnectionPhase::awaiting_request)
        entries_.splice(entries_.end(), entries_, connection);
    connection->phase = phase;
}

bool ConnectionTable::full() const {
    return counted_ >= limits_.max_connections;
}

ConnectionTable::Entry* ConnectionTable::close_oldest_idle() {
    for (auto& entry : entries_) {
        if (!idle(entry.phase)) continue;
        mark_closing(entry);
        return &entry;
    }
    return nullptr;
}

std::vector<ConnectionTable::Entry*> ConnectionTable::close_idle() {
    std::vector<Entry*> closed;
    for (auto& entry : entries_) {
        if (!idle(entry.phase)) continue;
        mark_closing(entry);
        closed.push_back(&entry);
    }
    return closed;
}

std::vector<ConnectionTable::Entry*> ConnectionTable::close_all() {
    std::vector<Entry*> closed;
    for (auto& entry : entries_) {
        if (entry.phase == ConnectionPhase::closing) continue;
        mark_closing(entry);
        closed.push_back(&entry);
    }
    return closed;
}

void ConnectionTable::mark_closing(Entry& entry) {
    entry.phase = ConnectionPhase::closing;
    --counted_;
}

std::chrono::milliseconds ConnectionTable::request_wait_limit(bool new_connection) const {
    const bool near_limit = counted_ * 100 >= limits_.max_connections * limits_.near_limit_percent;
    const auto idle = near_limit ? std::min(limits_.idle_timeout_near_limit, limits_.idle_timeout)
                                 : limits_.idle_timeout;
    return new_connection ? std::min(idle, limits_.header_timeout) : idle;
}

}  // namespace bv::rpc
