#include "daemon/control/command_journal.hpp"

#include <algorithm>
#include <vector>

#include "blockvisor/v1/journal.pb.h"
#include "common/files.hpp"
#include "common/log.hpp"
#include "common/sha256.hpp"
#include "common/wall_clock.hpp"

namespace bv::daemon {

namespace fs = std::filesystem;

CommandJournal::CommandJournal(fs::path directory) : directory_(std::move(directory)) {
    fs::create_directories(directory_);
}

// Ids come from the control plane: hashed, any id makes a safe file name.
fs::path CommandJournal::file_of(const std::string& command_id) const {
    return directory_ / (sha256_hex(command_id) + ".pb");
}

std::optional<blockvisor::api::v1::CommandResult> CommandJournal::result_of(const std::string& command_id) const {
    const auto bytes = read_file_if_exists(file_of(command_id));
    if (!bytes) return std::nullopt;
    blockvisor::v1::CommandJournalEntry entry;
    if (!entry.ParseFromString(*bytes) || entry.command_id() != command_id) {
        // Written atomically, so only a damaged disk gets here: run the command again.
        log::warn("command journal: the entry of command {} is unreadable; the command runs again", command_id);
        return std::nullopt;
    }
    return entry.result();
}

void CommandJournal::record(const std::string& command_id, const blockvisor::api::v1::CommandResult& result) {
    blockvisor::v1::CommandJournalEntry entry;
    entry.set_command_id(command_id);
    entry.set_completed_at_ms(unix_time_ms());
    *entry.mutable_result() = result;
    write_file_atomically(file_of(command_id), entry.SerializeAsString(), 0600);
}

void CommandJournal::prune(std::size_t entries) {
    std::vector<std::pair<fs::file_time_type, fs::path>> files;
    std::error_code ec;
    for (const auto& file : fs::directory_iterator(directory_, ec)) {
        if (file.path().extension() == ".pb") files.emplace_back(file.last_write_time(ec), file.path());
    }
    if (files.size() <= entries) return;
    std::ranges::sort(files, std::greater<>());
    for (auto it = files.begin() + static_cast<std::ptrdiff_t>(entries); it != files.end(); ++it) fs::remove(it->second, ec);
}

}  // namespace bv::daemon
