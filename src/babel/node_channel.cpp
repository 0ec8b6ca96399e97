#include "babel/node_channel.hpp"

#include <linux/vm_sockets.h>
#include <sys/socket.h>

#include <boost/asio/use_awaitable.hpp>
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

}  // namespace

std::unique_ptr<NodeChannel> make_node_channel(std::string_view spec) {
    if (spec.starts_with("unix:") && spec.size() > 5) return std::make_unique<UnixDirectoryChannel>(std::string(spec.substr(5)));
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
                                "': expected unix:DIRECTORY, vsock or vsock:CID");
}

}  // namespace bv::babel
