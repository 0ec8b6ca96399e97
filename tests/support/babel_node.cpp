#include "support/babel_node.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <fmt/format.h>

#include "common/files.hpp"
#include "common/sha256.hpp"
#include "support/host_under_test.hpp"
#include "support/rpc_call.hpp"

namespace bv::test {

using namespace std::chrono_literals;

BabelNode::BabelNode() { start_babelsup(); }

BabelNode::~BabelNode() {
    if (babelsup_ && babelsup_->running()) stop_babelsup();
}

rpc::Endpoint BabelNode::babelsup() const { return rpc::unix_endpoint((dir() / "channel/41.sock").string()); }
rpc::Endpoint BabelNode::babel() const { return rpc::unix_endpoint((dir() / "channel/42.sock").string()); }

void BabelNode::start_babelsup() {
    babelsup_ = std::make_unique<Process>(
        std::vector<std::string>{binary("babelsup"), "--state-dir", state_dir().string(), "--channel",
                                 "unix:" + (dir() / "channel").string()},
        dir());
    const bool up = eventually(
        [&] {
            if (!babelsup_->running()) return true;
            try {
                status();
                return true;
            } catch (const rpc::Error&) {
                return false;
            }
        },
        20s);
    ASSERT_TRUE(up && babelsup_->running()) << "babelsup did not start: " << babelsup_->err();
}

ProcessResult BabelNode::stop_babelsup() {
    babelsup_->signal(SIGTERM);
    auto result = babelsup_->wait(60s);
    if (!result) {
        babelsup_->signal(SIGKILL);
        result = babelsup_->wait(10s);
    }
    return result.value_or(ProcessResult{});
}

void BabelNode::install_babel(const std::filesystem::path& binary, const std::string& sha256,
                              std::chrono::milliseconds timeout) {
    const auto content = read_file(binary);
    constexpr std::size_t kChunk = 1 << 20;
    for (std::size_t offset = 0; offset < content.size(); offset += kChunk) {
        babel_v1::UploadBabelChunkRequest chunk;
        chunk.set_offset(offset);
        chunk.set_total_size(content.size());
        chunk.set_data(content.substr(offset, kChunk));
        call<babel_v1::UploadBabelChunkResponse>(babelsup(), "blockvisor.babel.v1.BabelSup/UploadBabelChunk", chunk);
    }
    babel_v1::InstallBabelRequest install;
    install.set_sha256(sha256.empty() ? sha256_hex(content) : sha256);
    call<babel_v1::InstallBabelResponse>(babelsup(), "blockvisor.babel.v1.BabelSup/InstallBabel", install, timeout);
}

void BabelNode::setup(const std::string& config_toml, const std::map<std::string, std::string>& properties) {
    babel_v1::SetupRequest request;
    request.set_config_toml(config_toml);
    request.set_node_id("test-node");
    for (const auto& [name, value] : properties) (*request.mutable_properties())[name] = value;
    call<babel_v1::SetupResponse>(babelsup(), "blockvisor.babel.v1.BabelSup/Setup", request, 60s);
}

babel_v1::GetStatusResponse BabelNode::status() const {
    return call<babel_v1::GetStatusResponse>(babelsup(), "blockvisor.babel.v1.BabelSup/GetStatus",
                                             babel_v1::GetStatusRequest(), 5s);
}

std::string BabelNode::run(const std::string& method, const std::map<std::string, std::string>& params,
                           std::uint32_t timeout_ms) const {
    babel_v1::RunRequest request;
    request.set_method(method);
    request.set_timeout_ms(timeout_ms);
    for (const auto& [name, value] : params) (*request.mutable_params())[name] = value;
    return call<babel_v1::RunResponse>(babel(), "blockvisor.babel.v1.Babel/Run", request, 60s).value();
}

int BabelNode::entry_point_pid(const std::string& name) const {
    const auto current = status();
    for (const auto& entry : current.entry_points()) {
        if (entry.name() == name) return entry.pid();
    }
    return 0;
}

std::string litecoin_babel_toml(const std::filesystem::path& data_dir, std::uint16_t rpc_port,
                                const std::filesystem::path& keys_dir) {
    return fmt::format(R"(
[config]
protocol = "litecoin"
node_type = "regtest"
node_version = "0.21.2.1"
babel_version = "0.1.0"
api_host = "http://babel:babel@127.0.0.1:{port}/"
ports = [{port}]
data_directory_mount_point = "{data}"

[supervisor]
backoff_base_ms = 100
backoff_timeout_ms = 60000
log_buffer_capacity_ln = 2000
stop_timeout_ms = 10000

[[supervisor.entry_point]]
command = "/usr/lib/litecoin/litecoind"
args = ["-regtest", "-vbparams=mweb:-2:0", "-datadir={data}", "-printtoconsole", "-nodebuglogfile",
        "-server=1", "-rpcbind=127.0.0.1", "-rpcallowip=127.0.0.1", "-rpcport={port}",
        "-rpcuser=babel", "-rpcpassword=babel", "-listen=0", "-connect=0", "-dnsseed=0", "-upnp=0",
        "-discover=0", "-listenonion=0", "-disablewallet"]

[keys]
"*" = "{keys}"

[[methods]]
name = "height"
transport = "jrpc"
method = "getblockcount"
    [methods.response]
    field = "result"

[[methods]]
name = "peers"
transport = "jrpc"
method = "getconnectioncount"
    [methods.response]
    field = "result"

[[methods]]
name = "block_hash"
transport = "jrpc"
method = "getblockhash"
params = "[{{{{HEIGHT}}}}]"
    [methods.response]
    field = "result"

[[methods]]
name = "generate_blocks"
transport = "sh"
body = "litecoin-cli -regtest -rpcconnect=127.0.0.1 -rpcport={port} -rpcuser=babel -rpcpassword=babel generatetoaddress {{{{COUNT}}}} rltc1qd5krkulsrp48rhxggwpfjyrkv67zdzj93f80h3 >/dev/null && echo generated {{{{COUNT}}}}"

[[methods]]
name = "flush"
transport = "jrpc"
method = "gettxoutsetinfo"
    [methods.response]
    field = "result.height"

[[methods]]
name = "init"
transport = "sh"
body = "echo init ran >> {dir}/init-runs"

[[methods]]
name = "echo"
transport = "sh"
body = "printf '%s' {{{{TEXT}}}}"

[[methods]]
name = "fail"
transport = "sh"
body = "echo something broke >&2; exit 1"

[[methods]]
name = "slow"
transport = "sh"
body = "sleep 30"

[[methods]]
name = "background"
transport = "sh"
body = "sleep 3 & echo started"

[[methods]]
name = "huge"
transport = "sh"
body = "head -c 10485760 /dev/zero | tr '\\0' a"
)",
                       fmt::arg("port", rpc_port), fmt::arg("data", data_dir.string()), fmt::arg("keys", keys_dir.string()),
                       fmt::arg("dir", data_dir.parent_path().string()));
}

}  // namespace bv::test
