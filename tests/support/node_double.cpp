#include "support/node_double.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "babel/node_contract.hpp"
#include "rpc/error.hpp"

namespace bv::test {

namespace babel_v1 = blockvisor::babel::v1;
namespace procedures = babel::procedures;
using namespace std::chrono_literals;

std::string double_image_config(const std::string& version) {
    return R"(
[config]
protocol = "double"
node_type = "node"
node_version = ")" + version + R"("
babel_version = "0.1.0"
data_directory_mount_point = "/data"

[supervisor]
stop_timeout_ms = 10

[[supervisor.entry_point]]
command = "/bin/true"
args = []

# bvd calls Init only for an image that has one.
[[methods]]
name = "init"
transport = "sh"
body = "true"
)";
}

asio::awaitable<void> forever() {
    asio::steady_timer timer(co_await asio::this_coro::executor, 1h);
    co_await timer.async_wait(asio::use_awaitable);
}

namespace {

// Serves `procedure` on `router`: records the call, applies its fault, then answers.
template <class Request, class Response>
void answer_with(rpc::Router& router, const rpc::Procedure<Request, Response>& procedure, std::string name,
                 std::function<asio::awaitable<Response>(std::string)> answer) {
    router.unary<Request, Response>(procedure.name,
                                    [answer = std::move(answer), name = std::move(name)](Request, rpc::CallContext&) {
                                        return answer(name);
                                    });
}

}  // namespace

NodeDouble::NodeDouble(std::filesystem::path dir) : dir_(std::move(dir)) {
    const auto plain = [this]<class Response>(Response) {
        return std::function<asio::awaitable<Response>(std::string)>(
            [this](std::string name) -> asio::awaitable<Response> {
                co_await answer(name);
                co_return Response();
            });
    };
    answer_with(babelsup_router_, procedures::get_status, "GetStatus",
                std::function<asio::awaitable<babel_v1::GetStatusResponse>(std::string)>(
                    [this](std::string name) -> asio::awaitable<babel_v1::GetStatusResponse> {
                        co_await answer(name);
                        babel_v1::GetStatusResponse response;
                        response.set_babel_sha256(babel_sha256);
                        co_return response;
                    }));
    answer_with(babelsup_router_, procedures::setup, "Setup", plain(babel_v1::SetupResponse()));
    answer_with(babelsup_router_, procedures::upload_babel_chunk, "UploadBabelChunk",
                plain(babel_v1::UploadBabelChunkResponse()));
    answer_with(babelsup_router_, procedures::install_babel, "InstallBabel", plain(babel_v1::InstallBabelResponse()));
    answer_with(babelsup_router_, procedures::shutdown, "Shutdown", plain(babel_v1::ShutdownResponse()));
    answer_with(babel_router_, procedures::ping, "Ping", plain(babel_v1::PingResponse()));
    answer_with(babel_router_, procedures::upload_keys, "UploadKeys", plain(babel_v1::UploadKeysResponse()));
    answer_with(babel_router_, procedures::init, "Init", plain(babel_v1::InitResponse()));
}

NodeDouble::~NodeDouble() = default;

void NodeDouble::serve(asio::any_io_executor executor) {
    if (serving_) return;
    serving_ = true;
    babelsup_ = std::make_unique<rpc::Server>(babelsup_router_, "babelsup double");
    babel_ = std::make_unique<rpc::Server>(babel_router_, "babel double");
    asio::co_spawn(executor, babelsup_->serve(rpc::listen_unix(executor, socket(babel::kBabelSupPort).string(), 0600)),
                   asio::detached);
    asio::co_spawn(executor, babel_->serve(rpc::listen_unix(executor, socket(babel::kBabelPort).string(), 0600)),
                   asio::detached);
}

asio::awaitable<void> NodeDouble::answer(const std::string& name) {
    calls.push_back(name);
    const auto fault = faults.contains(name) ? faults.at(name) : Fault::none;
    if (fault == Fault::error) throw rpc::Error(rpc::Code::internal, name + " broke (injected)");
    if (fault == Fault::hang) {
        co_await stopped_.wait();
        throw rpc::Error(rpc::Code::unavailable, "the connection was lost: the machine stopped during " + name);
    }
    if (fault == Fault::machine_dies) {
        on_machine_stops();
        throw rpc::Error(rpc::Code::unavailable, "the connection was lost: the machine died during " + name + " (injected)");
    }
    if (name == "Shutdown") on_machine_stops();
}

FakeMachine::FakeMachine(NodeDouble& node, const Fault& start_fault) : node_(node), start_fault_(start_fault) {}

asio::awaitable<void> FakeMachine::start() {
    if (start_fault_ == Fault::error || start_fault_ == Fault::machine_dies) {
        throw std::runtime_error("the sandbox launcher exited with status 1 (injected)");
    }
    if (start_fault_ == Fault::hang) co_await forever();
    node_.serve(co_await asio::this_coro::executor);
    node_.on_machine_stops = [this] { stop(); };
    running_ = true;
}

void FakeMachine::stop() {
    running_ = false;
    stopped_.notify_all();
    node_.machine_stopped();
}

asio::awaitable<void> FakeMachine::wait_stopped() {
    while (running_) co_await stopped_.wait();
}

asio::awaitable<bool> FakeMachine::clean_up() {
    ++clean_ups;
    co_return false;
}

rpc::Endpoint FakeMachine::channel(std::uint32_t port) const { return rpc::unix_endpoint(node_.socket(port).string()); }

std::unique_ptr<machine::Machine> FakeBackend::make(const machine::MachineSpec&) {
    auto machine = std::make_unique<FakeMachine>(node_, start_fault);
    last_machine = machine.get();
    return machine;
}

asio::awaitable<void> FakeBackend::prepare_node(const machine::MachineSpec&, std::filesystem::path) { co_return; }

}  // namespace bv::test
