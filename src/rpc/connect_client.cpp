#include "rpc/connect_client.hpp"

#include "common/async.hpp"
#include "rpc/error.hpp"
#include "rpc/protocol.hpp"

namespace bv::rpc {

ConnectClient::ConnectClient(asio::any_io_executor executor, Endpoint endpoint, ConnectClientOptions options)
    : http_(std::move(executor), std::move(endpoint), HttpClientOptions{.max_response_body = options.max_message_size}),
      options_(std::move(options)) {}

HttpRequest ConnectClient::make_request(const std::string& procedure, std::string body, bool streaming,
                                        std::chrono::milliseconds timeout) const {
    HttpRequest request;
    request.target = options_.path_prefix + "/" + procedure;
    request.headers = options_.headers;
    request.headers.push_back({"Content-Type", std::string(content_type_name({Codec::proto, streaming}))});
    request.headers.push_back({std::string(kProtocolVersionHeader), "1"});
    if (timeout != kNoTimeout) request.headers.push_back({std::string(kTimeoutHeader), std::to_string(timeout.count())});
    request.body = streaming ? encode_envelope(0, body) : std::move(body);
    return request;
}

asio::awaitable<std::string> ConnectClient::call_raw(std::string procedure, std::string body,
                                                     std::chrono::milliseconds timeout,
                                                     std::chrono::milliseconds connect_timeout) {
    auto request = make_request(procedure, std::move(body), false, timeout);
    request.connect_timeout = connect_timeout;
    auto response = co_await http_.request(std::move(request), timeout);
    if (response.status != 200) {
        throw error_of_response(response.status, response.header("content-type"), response.body);
    }
    co_return std::move(response.body);
}

asio::awaitable<RawMessageStream> ConnectClient::open_stream_raw(std::string procedure, std::string body,
                                                                 std::chrono::milliseconds timeout) {
    auto response = co_await http_.open(make_request(procedure, std::move(body), true, timeout), timeout);
    if (response.status() != 200) {
        const auto content_type = std::string(response.header("content-type"));
        const auto status = response.status();
        throw error_of_response(status, content_type, co_await response.read_all());
    }
    co_return RawMessageStream(std::move(response), options_.max_message_size, std::move(procedure));
}

RawMessageStream::RawMessageStream(HttpResponseStream response, std::size_t max_message_size, std::string procedure)
    : response_(std::move(response)), reader_(max_message_size), procedure_(std::move(procedure)) {}

asio::awaitable<std::optional<std::string>> RawMessageStream::next() {
    while (!ended_) {
        if (auto envelope = reader_.next()) {
            if (!envelope->end_of_stream()) co_return std::move(envelope->payload);
            ended_ = true;
            // Read the body's end so that the connection can be reused. A server that sends
            // more, or never ends the body, costs the connection only (it is not reused).
            co_await with_timeout(read_to_the_end(), std::chrono::seconds(1));
            if (auto error = error_of_end_of_stream(envelope->payload)) throw *error;
            break;
        }
        auto bytes = co_await response_.read_some();
        if (!bytes) {
            throw Error(Code::unavailable, "stream of " + procedure_ + " ended without an end-of-stream message");
        }
        reader_.feed(*bytes);
    }
    co_return std::nullopt;
}

asio::awaitable<void> RawMessageStream::read_to_the_end() {
    constexpr std::size_t kMaxTrailingBytes = 64 * 1024;
    std::size_t trailing = 0;
    // Unfinished, the connection is closed with the stream instead of reused.
    while (trailing <= kMaxTrailingBytes) {
        const auto rest = co_await response_.read_some();
        if (!rest) co_return;
        trailing += rest->size();
    }
}

}  // namespace bv::rpc
