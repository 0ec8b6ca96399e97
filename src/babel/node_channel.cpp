#include "babel/node_channel.hpp"

#include <linux/vm_sockets.h>
#include <sys/socket.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <charconv>
#include <filesystem>
#include <stdexcept>

namespace bv::babel {
namespace {

class UnixDirectoryChannel : public NodeChannel {
public:
    explicit UnixDirectoryChannel(std::filesystem::path directory) : directory_(std::move(directory)) {}

    rpc::Acceptor listen(asio::any_io_executor executor, std::uint32_t port) const override {
        std::filesystem::create_directories(directory_);
        return rpc::listen_unix(executor, socket_path(port), 0600);
    }

    rpc::Endpoint endpoint(std::uint32_t port) const override { return rpc::unix_endpoint(socket_path(port)); }

    std::string spec() const override { return "unix:" + directory_.string(); }

private:
    std::string socket_path(std::uint32_t port) const { return (directory_ / (std::to_string(port) + ".sock")).string(); }

    std::filesystem::path directory_;
};

// A VM's private point-to-point link (see docs/vm.md): TCP on the guest's link-local
// address, which only the host's end of that link can reach.
class TcpChannel : public NodeChannel {
public:
    explicit TcpChannel(std::string address) : address_(std::move(address)) {}

    rpc::Acceptor listen(asio::any_io_executor executor, std::uint32_t port) const override {
        return rpc::listen_tcp(executor, address_, static_cast<std::uint16_t>(port));
    }

    rpc::Endpoint endpoint(std::uint32_t port) const override {
        return rpc::tcp_endpoint(address_, static_cast<std::uint16_t>(port));
    }

    std::string spec() const override { return "tcp:" + address_; }

private:
    std::string address_;
};

sockaddr_vm vsock_address(std::uint32_t cid, std::uint32_t port) {
    sockaddr_vm address{};
    address.svm_family = AF_VSOCK;
    address.svm_cid = cid;
    address.svm_port = port;
    return address;
}

class VsockChannel : public NodeChannel {
public:
    explicit VsockChannel(std::uint32_t cid) : cid_(cid) {}

    rpc::Acceptor listen(asio::any_io_executor executor, std::uint32_t port) const override {
        const auto address = vsock_address(VMADDR_CID_ANY, port);
        return rpc::Acceptor(executor, asio::generic::stream_protocol::endpoint(&address, sizeof address));
    }

    rpc::Endpoint endpoint(std::uint32_t port) const override {
        const auto cid = cid_;
        return rpc::custom_endpoint(
            [cid, port](asio::any_io_executor executor) -> asio::awaitable<rpc::StreamSocket> {
                const auto address = vsock_address(cid, port);
                rpc::StreamSocket socket(executor);
                co_await socket.async_connect(asio::generic::stream_protocol::endpoint(&address, sizeof address),
                                              asio::use_awaitable);
                co_return socket;
            },
            "vsock " + std::to_string(cid) + ":" + std::to_string(port));
    }

    std::string spec() const override { return cid_ == VMADDR_CID_ANY ? "vsock" : "vsock:" + std::to_string(cid_); }

private:
    std::uint32_t cid_;
};

bool is_ip_address(std::string_view text) {
    boost::system::error_code error;
    asio::ip::make_address(text, error);
    return !error;
}

// Firecracker's vsock device seen from the host: its Unix socket, and per connection the
// CONNECT handshake that picks the guest's port.
class FirecrackerVsockChannel : public NodeChannel {
public:
    explicit FirecrackerVsockChannel(std::string uds_path) : uds_path_(std::move(uds_path)) {}

    rpc::Acceptor listen(asio::any_io_executor, std::uint32_t) const override {
        throw std::logic_error("a firecracker-vsock channel is the host's side: the guest listens on vsock");
    }

    rpc::Endpoint endpoint(std::uint32_t port) const override {
        const auto path = uds_path_;
        return rpc::custom_endpoint(
            [path, port](asio::any_io_executor executor) -> asio::awaitable<rpc::StreamSocket> {
                rpc::StreamSocket socket(executor);
                co_await socket.async_connect(asio::generic::stream_protocol::endpoint(asio::local::stream_protocol::endpoint(path)),
                                              asio::use_awaitable);
                const auto request = "CONNECT " + std::to_string(port) + "\n";
                co_await asio::async_write(socket, asio::buffer(request), asio::use_awaitable);
                // Byte by byte: what follows the line is the guest's.
                std::string line;
                char byte = 0;
                while (line.size() < 64) {
                    co_await asio::async_read(socket, asio::buffer(&byte, 1), asio::use_awaitable);
                    if (byte == '\n') break;
                    line += byte;
                }
                if (!vsock_connect_accepted(line)) {
                    throw boost::system::system_error(boost::system::error_code(asio::error::connection_refused),
                                                      "vsock " + path + " answered CONNECT " + std::to_string(port) +
                                                          " with '" + line + "'");
                }
                co_return socket;
            },
            "vsock " + path + " port " + std::to_string(port));
    }

    std::string spec() const override { return firecracker_vsock_spec(uds_path_); }

private:
    std::string uds_path_;
};

}  // namespace

std::string firecracker_vsock_spec(const std::string& uds_path) { return "firecracker-vsock:" + uds_path; }

bool vsock_connect_accepted(std::string_view line) {
    if (!line.starts_with("OK ") || line.size() == 3) return false;
    std::uint32_t port = 0;
    const auto digits = line.substr(3);
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
    return error == std::errc() && end == digits.data() + digits.size();
}

std::unique_ptr<NodeChannel> make_node_channel(std::string_view spec) {
    if (spec.starts_with("unix:") && spec.size() > 5) return std::make_unique<UnixDirectoryChannel>(std::string(spec.substr(5)));
    if (spec.starts_with("tcp:") && is_ip_address(spec.substr(4))) {
        return std::make_unique<TcpChannel>(std::string(spec.substr(4)));
    }
    if (spec.starts_with("firecracker-vsock:") && spec.size() > 18) {
        return std::make_unique<FirecrackerVsockChannel>(std::string(spec.substr(18)));
    }
    if (spec == "vsock") return std::make_unique<VsockChannel>(VMADDR_CID_ANY);
    if (spec.starts_with("vsock:")) {
        std::uint32_t cid = 0;
        const auto digits = spec.substr(6);
        const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), cid);
        if (error == std::errc() && end == digits.data() + digits.size() && !digits.empty()) {
            return std::make_unique<VsockChannel>(cid);
        }
    }
    throw std::invalid_argument("invalid node channel '" + std::string(spec) +
                                "': expected unix:DIRECTORY, tcp:IP_ADDRESS, vsock, vsock:CID or firecracker-vsock:PATH");
}

}  // namespace bv::babel
