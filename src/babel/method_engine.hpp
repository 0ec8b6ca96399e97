#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "babel/node_setup.hpp"
#include "common/child_processes.hpp"
#include "rpc/http_client.hpp"

namespace bv::babel {

// Runs the methods of a babel config against the blockchain client: jrpc and rest over
// HTTP to api_host, sh as `sh -c` inside the node. Every call has a timeout; errors are
// rpc::Error naming the method, its transport and what the client answered.
class MethodEngine {
public:
    static constexpr std::size_t kMaxResultBytes = 8 << 20;
    // How long a connection to the chain's API is kept idle for the next call.
    static constexpr std::chrono::milliseconds kChainIdleTimeout{200};

    explicit MethodEngine(ChildProcesses& children);
    ~MethodEngine();

    // `params` fill the method's placeholders, on top of the node's properties.
    asio::awaitable<std::string> run(const NodeSetup& setup, const std::string& name,
                                     const std::map<std::string, std::string>& params, std::chrono::milliseconds timeout);

private:
    struct Client;
    asio::awaitable<std::string> run_http(const NodeSetup& setup, const Method& method,
                                          const std::map<std::string, std::string>& values,
                                          std::chrono::milliseconds timeout);
    asio::awaitable<std::string> run_shell(const NodeSetup& setup, const Method& method,
                                           const std::map<std::string, std::string>& values,
                                           std::chrono::milliseconds timeout);
    Client& client_for(const std::string& api_host);

    ChildProcesses& children_;
    std::map<std::string, std::unique_ptr<Client>> clients_;
    std::uint64_t next_request_id_ = 1;
};

}  // namespace bv::babel
