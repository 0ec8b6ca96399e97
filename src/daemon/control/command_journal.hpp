#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

#include "blockvisor/api/v1/command.pb.h"

namespace bv::daemon {

// The results of the control plane's commands that ran to their end, one file each, written
// atomically: a command delivered again after a crash or a reconnect is answered with its
// stored result and never run twice. A command that was interrupted has no entry and runs
// again (every node operation is idempotent).
class CommandJournal {
public:
    explicit CommandJournal(std::filesystem::path directory);

    std::optional<blockvisor::api::v1::CommandResult> result_of(const std::string& command_id) const;
    // Throws std::system_error when the disk refuses it.
    void record(const std::string& command_id, const blockvisor::api::v1::CommandResult& result);
    // Keeps the newest `entries` (a control plane never sends a command that old again).
    void prune(std::size_t entries);

private:
    std::filesystem::path file_of(const std::string& command_id) const;

    std::filesystem::path directory_;
};

}  // namespace bv::daemon
