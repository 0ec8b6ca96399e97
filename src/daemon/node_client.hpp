#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>

#include "babel/node_contract.hpp"
#include "common/async.hpp"
#include "machine/machine.hpp"
#include "rpc/connect_client.hpp"
#include "rpc/error.hpp"

namespace bv::daemon {

// bvd's client of one node: babelsup and babel, through the node contract's procedures.
class NodeClient {
public:
    NodeClient(asio::any_io_executor executor, const machine::Machine& machine)
        : babelsup_(executor, machine.channel(babel::kBabelSupPort)), babel_(executor, machine.channel(babel::kBabelPort)) {}

    template <class Request, class Response>
    asio::awaitable<Response> call(const babel::NodeProcedure<Request, Response>& procedure, Request request,
                                   std::chrono::milliseconds timeout) {
        co_return co_await client(procedure.port).call(procedure, std::move(request), timeout);
    }

    template <class Request, class Response>
    asio::awaitable<rpc::MessageStream<Response>> open_stream(const babel::NodeProcedure<Request, Response, true>& procedure,
                                                              Request request) {
        co_return co_await client(procedure.port).open_stream(procedure, std::move(request));
    }

    // Calls until the process behind it answers (it may still be starting) or `machine`
    // stops (then nothing will answer: waiting out the caller's bound would only hide that);
    // the caller bounds the whole wait. Only for idempotent calls: a try that timed out is
    // tried again, since a VM's channel drops connection attempts silently until the guest has
    // its address (no refusal comes), and a fresh attempt is what gets through once it has.
    template <class Request, class Response>
    asio::awaitable<Response> call_when_up(const babel::NodeProcedure<Request, Response>& procedure, Request request,
                                           const machine::Machine& machine) {
        for (;;) {
            try {
                co_return co_await client(procedure.port).call(procedure, request, kWhenUpCallTimeout, kWhenUpConnectTimeout);
            } catch (const rpc::Error& error) {
                if (error.code() != rpc::Code::unavailable && error.code() != rpc::Code::deadline_exceeded) throw;
                if (!machine.running()) {
                    throw rpc::Error(rpc::Code::unavailable,
                                     std::string("the node's machine stopped (last try: ") + error.what() + ")");
                }
            }
            co_await sleep_for(std::chrono::milliseconds(10));
        }
    }

private:
    // A try that got no connection within kWhenUpConnectTimeout is made again at once: the
    // kernel would send its next SYN a second later (measured: a QEMU guest's first answer
    // came ~0.5 s after it listened with one 500 ms bound for the whole try). A booting guest
    // drops SYNs until it has its address: the bound is how late bvd may see it listen (a
    // SYN to a tap every 50 ms costs nothing).
    static constexpr std::chrono::milliseconds kWhenUpConnectTimeout{50};
    static constexpr std::chrono::milliseconds kWhenUpCallTimeout{500};

    rpc::ConnectClient& client(std::uint32_t port) { return port == babel::kBabelSupPort ? babelsup_ : babel_; }

    rpc::ConnectClient babelsup_;
    rpc::ConnectClient babel_;
};

}  // namespace bv::daemon
