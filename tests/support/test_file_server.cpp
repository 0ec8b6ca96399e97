#include "support/test_file_server.hpp"

#include <strings.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <memory>

#include "rpc/any_stream.hpp"
#include "rpc/server.hpp"
#include "rpc/tls.hpp"

namespace bv::test {

namespace asio = boost::asio;

namespace {

struct Request {
    std::string path;
    std::string range;  // the value of the Range header
};

Request parse_request(const std::string& head) {
    Request request;
    const auto first_space = head.find(' ');
    const auto second_space = head.find(' ', first_space + 1);
    request.path = head.substr(first_space + 1, second_space - first_space - 1);
    for (std::size_t line = head.find("\r\n"); line != std::string::npos;
         line = head.find("\r\n", line + 2)) {
        if (strncasecmp(head.c_str() + line + 2, "range:", 6) == 0) {
            const auto end = head.find("\r\n", line + 2);
            request.range = head.substr(line + 8, end - line - 8);
            if (!request.range.empty() && request.range.front() == ' ') request.range.erase(0, 1);
        }
    }
    return request;
}

}  // namespace

struct TestFileServer::Impl {
    static asio::awaitable<void> answer(TestFileServer& server, rpc::AnyStream stream) {
        std::string head;
        co_await asio::async_read_until(stream, asio::dynamic_buffer(head), "\r\n\r\n",
                                        asio::use_awaitable);
        const auto request = parse_request(head);
        server.ranges.push_back(request.range);
        const bool first = server.ranges.size() == 1;
        const auto file = server.files_.find(request.path);
        if (file == server.files_.end()) {
            co_await asio::async_write(
                stream,
                asio::buffer(std::string("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n"
                                         "Connection: close\r\n\r\n")),
                asio::use_awaitable);
            co_return;
        }
        const auto& content = file->second;
        std::uint64_t start = 0;
        if (request.range.starts_with("bytes=") && !server.faults.ignore_range)
            start = std::stoull(request.range.substr(6));
        std::string answer;
        if (start >= content.size() && start > 0) {
            answer = "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\n";
        } else if (start > 0) {
            answer = "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " +
                     std::to_string(start) + "-" + std::to_string(content.size() - 1) + "/" +
                     std::to_string(content.size()) + "\r\n";
        } else {
            answer = "HTTP/1.1 200 OK\r\n";
        }
        const auto body = start < content.size() ? content.substr(start) : std::string();
        answer +=
            "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
        co_await asio::async_write(stream, asio::buffer(answer), asio::use_awaitable);
        auto limit = body.size();
        if (first && server.faults.cut_first_after)
            limit = std::min<std::size_t>(limit, *server.faults.cut_first_after);
        if (server.faults.stall_after)
            limit = std::min<std::size_t>(limit, *server.faults.stall_after);
        co_await asio::async_write(stream, asio::buffer(body.data(), limit), asio::use_awaitable);
        if (limit < body.size() && server.faults.stall_after) {
            // Open and silent until the test ends.
            asio::steady_timer forever(stream.get_executor(), std::chrono::hours(1));
            co_await forever.async_wait(asio::use_awaitable);
        }
        // Closed without TLS's close_notify when cut short: the connection just breaks.
        boost::system::error_code ignored;
        stream.next_layer().close(ignored);
    }

    static asio::awaitable<void> accept(TestFileServer& server, rpc::Acceptor acceptor,
                                        std::shared_ptr<const rpc::TlsServer> tls) {
        for (;;) {
            auto socket = co_await acceptor.async_accept(asio::use_awaitable);
            asio::co_spawn(
                acceptor.get_executor(),
                [&server, tls, socket = std::move(socket)]() mutable -> asio::awaitable<void> {
                    co_await answer(server, co_await tls->handshake(std::move(socket)));
                },
                asio::detached);
        }
    }
};

TestFileServer::TestFileServer(asio::io_context& io, const TestCertificate& certificate) {
    auto acceptor = rpc::listen_tcp(io.get_executor(), "127.0.0.1", 0);
    port_ = rpc::bound_port(acceptor);
    auto tls = rpc::make_tls_server(certificate.certificate.string(), certificate.key.string());
    asio::co_spawn(io, Impl::accept(*this, std::move(acceptor), std::move(tls)), asio::detached);
}

std::string TestFileServer::url(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(port_) + path;
}

}  // namespace bv::test
