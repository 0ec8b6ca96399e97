#include "babel/log_stream.hpp"

namespace bv::babel {
namespace {

constexpr std::uint32_t kDefaultLines = 100;
constexpr std::size_t kLinesPerMessage = 500;

blockvisor::babel::v1::LogsResponse to_message(const std::vector<LogLine>& lines) {
    blockvisor::babel::v1::LogsResponse message;
    for (const auto& line : lines) {
        auto* added = message.add_lines();
        added->set_sequence(line.sequence);
        added->set_source(line.source);
        added->set_text(line.text);
    }
    return message;
}

}  // namespace

asio::awaitable<void> stream_logs(const LogBuffer& log, Notifier& appended, blockvisor::babel::v1::LogsRequest request,
                                  rpc::StreamWriter<blockvisor::babel::v1::LogsResponse>& out) {
    const auto wanted = request.lines() == 0 ? kDefaultLines : request.lines();
    auto lines = log.last_lines(wanted);
    std::uint64_t sent = lines.empty() ? log.last_sequence() : lines.back().sequence;
    co_await out.write(to_message(lines));
    while (request.follow()) {
        co_await appended.wait();
        for (auto batch = log.lines_after(sent, kLinesPerMessage); !batch.empty();
             batch = log.lines_after(sent, kLinesPerMessage)) {
            sent = batch.back().sequence;
            co_await out.write(to_message(batch));
        }
    }
}

}  // namespace bv::babel
