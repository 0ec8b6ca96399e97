#pragma once

// A node as bvd sees it, in the test's own process: babelsup's and babel's procedures served
// on Unix sockets (each call recorded, each procedure answering, failing, hanging or taking
// its machine down as the test says), and a fake machine and backend around them. For the
// daemon's logic (start sequence, node manager) in milliseconds, without root.

#include <boost/asio/awaitable.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/notifier.hpp"
#include "machine/machine.hpp"
#include "rpc/router.hpp"
#include "rpc/server.hpp"

namespace bv::test {

namespace asio = boost::asio;

// What a procedure (or the machine's start) does when called.
enum class Fault {
    none,
    error,         // answers with an error
    hang,          // answers only when its machine stops, as a lost connection
    machine_dies,  // the machine stops, and the call fails as a lost connection would
};

// The babel.toml of an image "double/node/VERSION" whose entry point does nothing.
std::string double_image_config(const std::string& version = "1.0.0");

// Waits an hour: a call or a start that hangs.
asio::awaitable<void> forever();

class NodeDouble {
public:
    explicit NodeDouble(std::filesystem::path dir);
    ~NodeDouble();

    std::filesystem::path socket(std::uint32_t port) const { return dir_ / (std::to_string(port) + ".sock"); }
    // Serves babelsup's and babel's sockets from now on (once: later calls do nothing).
    void serve(asio::any_io_executor executor);

    std::map<std::string, Fault> faults;  // by procedure name, e.g. "Setup"
    std::vector<std::string> calls;       // every procedure called, in order
    std::string babel_sha256 = "the same";
    // Called when a Shutdown is answered or a machine_dies fault strikes.
    std::function<void()> on_machine_stops = [] {};
    // The machine stopped: calls that hang fail now, as their connections would.
    void machine_stopped() { stopped_.notify_all(); }

private:
    asio::awaitable<void> answer(const std::string& name);

    std::filesystem::path dir_;
    rpc::Router babelsup_router_;
    rpc::Router babel_router_;
    std::unique_ptr<rpc::Server> babelsup_;
    std::unique_ptr<rpc::Server> babel_;
    bool serving_ = false;
    Notifier stopped_;
};

// A machine that starts (or fails, hangs, dies) and whose channel is the double's sockets. A
// Shutdown answered by the double stops it, as babelsup powering off would.
class FakeMachine : public machine::Machine {
public:
    // `start_fault` is read at each start (a test may change it between starts).
    FakeMachine(NodeDouble& node, const Fault& start_fault);

    asio::awaitable<void> start() override;
    bool attach(const machine::MachineLocation&) override { return false; }
    bool running() const override { return running_; }
    void kill() override { stop(); }
    asio::awaitable<void> wait_stopped() override;
    asio::awaitable<bool> clean_up() override;  // never finds a machine left unrecorded
    machine::MachineLocation location() const override { return {.pid = running_ ? 4242 : 0}; }
    rpc::Endpoint channel(std::uint32_t port) const override;

    // The machine stops on its own (a crash).
    void stop();
    int clean_ups = 0;

private:
    NodeDouble& node_;
    const Fault& start_fault_;
    bool running_ = false;
    Notifier stopped_;
};

// Makes FakeMachines around one NodeDouble (every node of the backend shares it), standing in
// for the sandbox.
class FakeBackend : public machine::MachineBackend {
public:
    explicit FakeBackend(NodeDouble& node) : node_(node) {}

    std::unique_ptr<machine::Machine> make(const machine::MachineSpec& spec) override;
    machine::BackendKind kind() const override { return machine::BackendKind::sandbox; }
    void check_node(const machine::MachineSpec&) const override {}
    asio::awaitable<void> prepare_node(const machine::MachineSpec&, std::filesystem::path) override;

    Fault start_fault = Fault::none;  // what its machines' next start does
    FakeMachine* last_machine = nullptr;

private:
    NodeDouble& node_;
};

}  // namespace bv::test
