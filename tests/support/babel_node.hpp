#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "blockvisor/babel/v1/babel.pb.h"
#include "blockvisor/babel/v1/babelsup.pb.h"
#include "rpc/endpoint.hpp"
#include "support/process.hpp"

namespace bv::test {

namespace babel_v1 = blockvisor::babel::v1;

// babelsup and babel from the real binary, in a temporary directory, with the channel over
// Unix sockets: a node without isolation, as the tests drive it.
class BabelNode {
public:
    BabelNode();
    ~BabelNode();

    const std::filesystem::path& dir() const { return dir_.path(); }
    std::filesystem::path state_dir() const { return dir() / "state"; }
    rpc::Endpoint babelsup() const;
    rpc::Endpoint babel() const;

    void start_babelsup();
    Process& babelsup_process() { return *babelsup_; }
    // SIGTERM, and the exit status.
    ProcessResult stop_babelsup();

    // Uploads `binary` in chunks and installs it. Throws rpc::Error.
    void install_babel(const std::filesystem::path& binary, const std::string& sha256 = {},
                       std::chrono::milliseconds timeout = std::chrono::seconds(60));
    void setup(const std::string& config_toml, const std::map<std::string, std::string>& properties = {});
    babel_v1::GetStatusResponse status() const;
    // Runs a method through babel. Throws rpc::Error.
    std::string run(const std::string& method, const std::map<std::string, std::string>& params = {},
                    std::uint32_t timeout_ms = 0) const;
    // The PID of the entry point called `name` (0 when not running).
    int entry_point_pid(const std::string& name) const;

private:
    TempDir dir_{"bv-node"};
    std::unique_ptr<Process> babelsup_;
};

// A babel.toml for Debian's litecoind in regtest mode: RPC on 127.0.0.1:rpc_port only, no
// peers, data in `data_dir`, keys in `keys_dir`. Methods: height, peers, generate_blocks
// (COUNT), echo (TEXT), fail, slow, huge, init.
std::string litecoin_babel_toml(const std::filesystem::path& data_dir, std::uint16_t rpc_port,
                                const std::filesystem::path& keys_dir);

}  // namespace bv::test
