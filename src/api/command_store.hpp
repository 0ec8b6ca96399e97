#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/database.hpp"
#include "api/messages.hpp"

namespace bv::api {

// A command not completed yet, with its place in the order the host gets commands in.
struct UndeliveredCommand {
    std::int64_t sequence = 0;
    v1::Command command;
};

// What Complete did: the command's record after it, and whether this call completed it (false
// for a second Complete, which keeps the first result).
struct Completion {
    admin::CommandRecord record;
    bool completed_now = false;
};

// The commands issued to hosts, in issue order, with their acks and results.
class CommandStore {
public:
    explicit CommandStore(Database& db) : db_(db) {}

    // Records a command (its id and issued_at_ms set) for `host_id`, about `node_id` (empty for
    // host commands).
    admin::CommandRecord issue(const std::string& host_id, const std::string& node_id, const v1::Command& command);
    // The host's commands not completed, issued after `after_sequence` (0: all), oldest first.
    std::vector<UndeliveredCommand> undelivered(const std::string& host_id, std::int64_t after_sequence);
    // Idempotent. Throws rpc::Error(not_found) for a command that is unknown or of another host.
    admin::CommandRecord ack(const std::string& host_id, std::string_view command_id, std::int64_t now_ms);
    Completion complete(const std::string& host_id, std::string_view command_id, const v1::CommandResult& result,
                        std::int64_t now_ms);
    std::optional<admin::CommandRecord> find(std::string_view command_id);
    // Of one host (every host's when empty), oldest first.
    std::vector<admin::CommandRecord> list(std::string_view host_id);

private:
    admin::CommandRecord of_host(const std::string& host_id, std::string_view command_id);

    Database& db_;
};

}  // namespace bv::api
