#include "api/command_store.hpp"

#include "rpc/error.hpp"

namespace bv::api {
namespace {

constexpr std::string_view kRecordColumns = "command, host_id, node_id, acked_at_ms, completed_at_ms, result";

admin::CommandRecord record_row(const Statement& row) {
    admin::CommandRecord record;
    *record.mutable_command() = message_column<v1::Command>(row, 0);
    record.set_host_id(row.text(1));
    record.set_node_id(row.text(2));
    record.set_acked_at_ms(row.integer(3));
    record.set_completed_at_ms(row.integer(4));
    if (record.completed_at_ms() != 0) {
        record.set_state(admin::COMMAND_STATE_COMPLETED);
        *record.mutable_result() = message_column<v1::CommandResult>(row, 5);
    } else {
        record.set_state(record.acked_at_ms() != 0 ? admin::COMMAND_STATE_ACKED : admin::COMMAND_STATE_PENDING);
    }
    return record;
}

std::vector<admin::CommandRecord> records_where(Database& db, std::string_view condition, std::string_view value) {
    auto statement =
        db.prepare("SELECT " + std::string(kRecordColumns) + " FROM commands " + std::string(condition) + " ORDER BY sequence");
    if (!value.empty()) statement.bind(1, value);
    std::vector<admin::CommandRecord> records;
    while (statement.step()) records.push_back(record_row(statement));
    return records;
}

}  // namespace

admin::CommandRecord CommandStore::issue(const std::string& host_id, const std::string& node_id,
                                         const v1::Command& command) {
    db_.run("INSERT INTO commands (id, host_id, node_id, command, issued_at_ms) VALUES (?, ?, ?, ?, ?)", command.id(),
            host_id, node_id, Blob{command.SerializeAsString()}, command.issued_at_ms());
    return *find(command.id());
}

std::vector<UndeliveredCommand> CommandStore::undelivered(const std::string& host_id, std::int64_t after_sequence) {
    auto statement = db_.query(
        "SELECT sequence, command FROM commands WHERE host_id = ? AND completed_at_ms = 0 AND sequence > ? "
        "ORDER BY sequence",
        host_id, after_sequence);
    std::vector<UndeliveredCommand> commands;
    while (statement.step()) commands.push_back({statement.integer(0), message_column<v1::Command>(statement, 1)});
    return commands;
}

admin::CommandRecord CommandStore::of_host(const std::string& host_id, std::string_view command_id) {
    auto record = find(command_id);
    // Another host's command is answered as unknown: a host learns nothing of other hosts.
    if (!record || record->host_id() != host_id) {
        throw rpc::Error(rpc::Code::not_found, "no command " + std::string(command_id) + " for host " + host_id);
    }
    return std::move(*record);
}

admin::CommandRecord CommandStore::ack(const std::string& host_id, std::string_view command_id, std::int64_t now_ms) {
    Transaction transaction(db_);
    of_host(host_id, command_id);
    db_.run("UPDATE commands SET acked_at_ms = ? WHERE id = ? AND acked_at_ms = 0", now_ms, command_id);
    auto record = of_host(host_id, command_id);
    transaction.commit();
    return record;
}

Completion CommandStore::complete(const std::string& host_id, std::string_view command_id,
                                  const v1::CommandResult& result, std::int64_t now_ms) {
    Transaction transaction(db_);
    of_host(host_id, command_id);
    // A command completed without an ack was taken all the same.
    db_.run("UPDATE commands SET acked_at_ms = ? WHERE id = ? AND acked_at_ms = 0", now_ms, command_id);
    const bool completed_now = db_.run("UPDATE commands SET completed_at_ms = ?, result = ? WHERE id = ? AND completed_at_ms = 0",
                                       now_ms, Blob{result.SerializeAsString()}, command_id) > 0;
    Completion completion{of_host(host_id, command_id), completed_now};
    transaction.commit();
    return completion;
}

std::optional<admin::CommandRecord> CommandStore::find(std::string_view command_id) {
    auto records = records_where(db_, "WHERE id = ?", command_id);
    if (records.empty()) return std::nullopt;
    return std::move(records.front());
}

std::vector<admin::CommandRecord> CommandStore::list(std::string_view host_id) {
    return records_where(db_, host_id.empty() ? "" : "WHERE host_id = ?", host_id);
}

}  // namespace bv::api
