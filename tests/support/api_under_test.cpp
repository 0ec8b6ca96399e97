#include "support/api_under_test.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <boost/asio/this_coro.hpp>
#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "common/files.hpp"
#include "rpc/tls.hpp"
#include "support/host_under_test.hpp"

namespace bv::test {
namespace {

// The port in server.json, once the server `pid` wrote it (a file left by a killed server names
// another pid).
std::optional<std::uint16_t> port_written_by(const std::filesystem::path& file, pid_t pid) {
    try {
        const auto text = read_file_if_exists(file);
        if (!text) return std::nullopt;
        const auto object = boost::json::parse(*text).as_object();
        if (object.at("pid").as_int64() != pid) return std::nullopt;
        return static_cast<std::uint16_t>(object.at("port").as_int64());
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace

ApiUnderTest::ApiUnderTest(std::vector<std::string> serve_args) { start(std::move(serve_args)); }

ApiUnderTest::~ApiUnderTest() {
    if (server_ && server_->running()) stop();
}

void ApiUnderTest::start(std::vector<std::string> serve_args) {
    serve_args_ = std::move(serve_args);
    std::vector<std::string> argv{binary("bv-api"), "serve", "--data", data().string(), "--listen",
                                  "127.0.0.1:" + std::to_string(port_)};
    argv.insert(argv.end(), serve_args_.begin(), serve_args_.end());
    server_ = std::make_unique<Process>(argv, logs_.path());
    std::optional<std::uint16_t> port;
    const bool up = eventually(
        [&] {
            port = port_written_by(data() / "server.json", server_->pid());
            return port || !server_->running();
        },
        std::chrono::seconds(20));
    ASSERT_TRUE(up && port && server_->running()) << "bv-api did not start: " << server_->err();
    port_ = *port;
}

void ApiUnderTest::kill_hard() {
    server_->signal(SIGKILL);
    ASSERT_TRUE(server_->wait(std::chrono::seconds(10)));
}

void ApiUnderTest::stop() {
    server_->signal(SIGTERM);
    const auto result = server_->wait(std::chrono::seconds(15));
    ASSERT_TRUE(result) << "bv-api did not stop on SIGTERM";
    EXPECT_EQ(result->exit_code, 0) << server_->err();
}

rpc::Endpoint ApiUnderTest::endpoint(const std::filesystem::path& ca_file) const {
    auto endpoint = rpc::tcp_endpoint("127.0.0.1", port_);
    endpoint.tls = rpc::make_tls_client((ca_file.empty() ? ca() : ca_file).string());
    return endpoint;
}

ProcessResult ApiUnderTest::admin(std::vector<std::string> args) const {
    args.insert(args.begin(), {binary("bv-api"), "--data", data().string()});
    return run(std::move(args));
}

std::string ApiUnderTest::otp(std::uint32_t ttl_seconds) const {
    std::vector<std::string> args{"otp"};
    if (ttl_seconds > 0) args.insert(args.end(), {"--ttl-seconds", std::to_string(ttl_seconds)});
    const auto result = admin(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    auto otp = result.out;
    while (!otp.empty() && otp.back() == '\n') otp.pop_back();
    return otp;
}

ProvisionedHost provision(const ApiUnderTest& api, const std::string& name) {
    api_v1::ProvisionRequest request;
    request.set_otp(api.otp());
    request.mutable_info()->set_name(name);
    request.mutable_info()->set_version("0.1.0");
    request.mutable_info()->set_cpu_count(2);
    request.mutable_info()->set_ip("10.0.0.2");
    const auto response = api.call<api_v1::ProvisionResponse>("blockvisor.api.v1.HostService/Provision", request);
    return {response.host_id(), response.tokens()};
}

CommandStream::CommandStream(const ApiUnderTest& api, const ProvisionedHost& host) {
    // Everything the stream uses lives in its coroutine's frame: when the test ends it mid-read,
    // the frame (and the client in it) goes with the io_context.
    auto read = [this, endpoint = api.endpoint(), token = host.tokens.access_token(),
                 host_id = host.id]() -> boost::asio::awaitable<void> {
        rpc::ConnectClientOptions options;
        options.headers.push_back({"Authorization", "Bearer " + token});
        rpc::ConnectClient client(co_await boost::asio::this_coro::executor, endpoint, options);
        api_v1::SubscribeRequest request;
        request.set_host_id(host_id);
        auto stream = co_await client.open_stream<api_v1::SubscribeResponse>("blockvisor.api.v1.CommandService/Subscribe",
                                                                            request);
        for (;;) {
            auto message = co_await stream.next();
            if (!message) break;
            std::lock_guard lock(mutex_);
            messages_.push_back(std::move(*message));
            changed_.notify_all();
        }
    };
    boost::asio::co_spawn(io_, std::move(read), [this](std::exception_ptr error) {
        std::string end = "ended";
        try {
            if (error) std::rethrow_exception(error);
        } catch (const rpc::Error& failure) {
            end = std::string(rpc::code_name(failure.code())) + ": " + failure.what();
        } catch (const std::exception& failure) {
            end = failure.what();
        }
        std::lock_guard lock(mutex_);
        end_ = end;
        changed_.notify_all();
    });
    thread_ = std::thread([this] { io_.run(); });
}

CommandStream::~CommandStream() {
    io_.stop();
    thread_.join();
}

std::optional<api_v1::SubscribeResponse> CommandStream::next(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return !messages_.empty() || end_; });
    if (messages_.empty()) return std::nullopt;
    auto message = std::move(messages_.front());
    messages_.pop_front();
    return message;
}

std::optional<api_v1::Command> CommandStream::next_command(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        auto message = next(left);
        if (!message) return std::nullopt;
        if (message->has_command()) return message->command();
    }
}

std::optional<std::string> CommandStream::ended(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [&] { return end_.has_value(); });
    return end_;
}

std::string json_field(const std::string& json, const std::string& dotted_path) {
    boost::json::value value;
    try {
        value = boost::json::parse(json);
    } catch (const std::exception& error) {
        ADD_FAILURE() << "not JSON (" << error.what() << "): " << json;
        return {};
    }
    const boost::json::value* current = &value;
    std::stringstream path(dotted_path);
    std::string part;
    while (std::getline(path, part, '.')) {
        if (current->is_array()) {
            const auto index = std::stoul(part);
            if (index >= current->as_array().size()) return "<missing>";
            current = &current->as_array()[index];
        } else if (current->is_object() && current->as_object().contains(part)) {
            current = &current->as_object().at(part);
        } else {
            return "<missing>";
        }
    }
    if (current->is_string()) return std::string(current->as_string());
    return boost::json::serialize(*current);
}

}  // namespace bv::test
