#include "babel/config.hpp"

#include <fmt/core.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

#include "babel/check_config.hpp"
#include "support/process.hpp"

namespace bv::babel {
namespace {

// The smallest valid tables. Tests put the part under test first, so its line numbers are the
// ones in the test's own text.
constexpr std::string_view kConfigTable = R"([config]
protocol = "eth"
node_type = "validator"
node_version = "1.13.0"
babel_version = "0.1.0"
api_host = "http://127.0.0.1:8545/"
ports = [8545]
data_directory_mount_point = "/blockjoy/data"
)";

constexpr std::string_view kSupervisorTable = R"([supervisor]
[[supervisor.entry_point]]
command = "/usr/bin/geth"
args = []
)";

std::string then_config(std::string_view first) {
    return std::string(first) + "\n" + std::string(kConfigTable);
}

std::string then_supervisor(std::string_view first) {
    return std::string(first) + "\n" + std::string(kSupervisorTable);
}

std::string then_config_and_supervisor(std::string_view first) {
    return then_supervisor(then_config(first));
}

std::string joined(const std::vector<ConfigProblem>& problems) {
    std::string text;
    for (const auto& problem : problems) text += problem.to_string() + "\n";
    return text;
}

std::vector<ConfigProblem> problems_of(const std::string& toml) {
    try {
        parse_babel_config(toml, "test.toml");
    } catch (const ConfigError& error) {
        return error.problems();
    }
    ADD_FAILURE() << "the config was accepted:\n" << toml;
    return {};
}

// The one problem of a config that has exactly one.
ConfigProblem only_problem_of(const std::string& toml) {
    const auto problems = problems_of(toml);
    EXPECT_EQ(problems.size(), 1u) << joined(problems);
    return problems.empty() ? ConfigProblem{} : problems.front();
}

void expect_problem(const ConfigProblem& problem, std::string_view key, std::uint32_t line) {
    EXPECT_EQ(problem.key, key) << problem.to_string();
    EXPECT_EQ(problem.line, line) << problem.to_string();
    EXPECT_EQ(problem.file, "test.toml");
    EXPECT_GT(problem.column, 0u) << problem.to_string();
}

// Files in the format of the original system, written for these tests (tests/fixtures/babel/).
std::string original_fixture(std::string_view name) {
    return std::string(BV_SOURCE_DIR) + "/tests/fixtures/babel/" + std::string(name);
}

std::vector<std::string> keys_of(const std::vector<ConfigProblem>& problems) {
    std::vector<std::string> keys;
    for (const auto& problem : problems) keys.push_back(problem.key);
    return keys;
}

// ---- valid configs ---------------------------------------------------------------------------

TEST(BabelConfig, ReadsEveryTableOfAFullConfig) {
    const auto config = parse_babel_config(R"(
[config]
protocol = "ethereum"
node_type = "node"
node_version = "1.13.0"
babel_version = "0.2.1"
description = "an ethereum node"
api_host = "http://127.0.0.1:8545/"
ports = [8545, 30303]
data_directory_mount_point = "/blockjoy/data"

[requirements]
vcpu_count = 4
mem_size_mb = 8192
disk_size_gb = 500

[env]
path_append = "/blockjoy/bin"

[supervisor]
backoff_base_ms = 200
backoff_timeout_ms = 1000
backoff_max_ms = 5000
log_buffer_capacity_ln = 4096
stop_timeout_ms = 2000

[[supervisor.entry_point]]
command = "/usr/bin/geth"
args = ["--http", "--datadir", "/blockjoy/data"]
env = { GETH_NETWORK = "mainnet" }
user = "geth"

[[supervisor.entry_point]]
command = "/usr/bin/lighthouse"
args = []

[keys]
"validator.key" = "/opt/secrets/validator.key"
"*" = "/opt/secrets"

[[methods]]
name = "height"
transport = "jrpc"
method = "eth_blockNumber"
params = '["{{BLOCK}}"]'
[methods.response]
field = "result"
format = "json"

[[methods]]
name = "peers"
transport = "rest"
method = "eth/v1/node/peers"

[[methods]]
name = "init"
transport = "sh"
body = "geth init {{GENESIS}}"
)");
    EXPECT_EQ(config.config.protocol, "ethereum");
    EXPECT_EQ(config.config.node_type, "node");
    EXPECT_EQ(config.config.node_version, "1.13.0");
    EXPECT_EQ(config.config.babel_version, "0.2.1");
    EXPECT_EQ(config.config.description, "an ethereum node");
    EXPECT_EQ(config.config.api_host, "http://127.0.0.1:8545/");
    EXPECT_EQ(config.config.ports, (std::vector<std::uint16_t>{8545, 30303}));
    EXPECT_EQ(config.config.data_directory_mount_point, "/blockjoy/data");

    ASSERT_TRUE(config.requirements);
    EXPECT_EQ(config.requirements->vcpu_count, 4u);
    EXPECT_EQ(config.requirements->mem_size_mb, 8192u);
    EXPECT_EQ(config.requirements->disk_size_gb, 500u);
    EXPECT_EQ(config.path_append, "/blockjoy/bin");

    EXPECT_EQ(config.supervisor.backoff_base_ms, 200u);
    EXPECT_EQ(config.supervisor.backoff_timeout_ms, 1000u);
    EXPECT_EQ(config.supervisor.backoff_max_ms, 5000u);
    EXPECT_EQ(config.supervisor.log_buffer_capacity_ln, 4096u);
    EXPECT_EQ(config.supervisor.stop_timeout_ms, 2000u);
    ASSERT_EQ(config.supervisor.entry_points.size(), 2u);
    const auto& geth = config.supervisor.entry_points[0];
    EXPECT_EQ(geth.command, "/usr/bin/geth");
    EXPECT_EQ(geth.args, (std::vector<std::string>{"--http", "--datadir", "/blockjoy/data"}));
    EXPECT_EQ(geth.env, (std::map<std::string, std::string>{{"GETH_NETWORK", "mainnet"}}));
    EXPECT_EQ(geth.user, "geth");
    EXPECT_EQ(config.supervisor.entry_points[1].command, "/usr/bin/lighthouse");
    EXPECT_TRUE(config.supervisor.entry_points[1].args.empty());

    EXPECT_EQ(config.keys,
              (std::map<std::string, std::string>{{"validator.key", "/opt/secrets/validator.key"},
                                                  {"*", "/opt/secrets"}}));

    ASSERT_EQ(config.methods.size(), 3u);
    const auto& height = config.methods[0];
    EXPECT_EQ(height.name, "height");
    EXPECT_EQ(height.transport, Transport::jrpc);
    EXPECT_EQ(height.method, "eth_blockNumber");
    EXPECT_EQ(height.params, R"(["{{BLOCK}}"])");
    EXPECT_EQ(height.response_field, "result");
    EXPECT_EQ(height.response_format, ResponseFormat::json);
    EXPECT_EQ(config.methods[1].transport, Transport::rest);
    EXPECT_EQ(config.methods[1].method, "eth/v1/node/peers");
    EXPECT_EQ(config.methods[2].transport, Transport::sh);
    EXPECT_EQ(config.methods[2].body, "geth init {{GENESIS}}");
}

TEST(BabelConfig, AppliesDefaultsForOptionalValues) {
    const auto config = parse_babel_config(then_config_and_supervisor(""));
    EXPECT_FALSE(config.requirements);
    EXPECT_EQ(config.config.description, "");
    EXPECT_EQ(config.path_append, "");
    EXPECT_EQ(config.supervisor.backoff_base_ms, 100u);
    EXPECT_EQ(config.supervisor.backoff_timeout_ms, 60'000u);
    EXPECT_EQ(config.supervisor.backoff_max_ms, 300'000u);
    EXPECT_EQ(config.supervisor.log_buffer_capacity_ln, 1000u);
    EXPECT_EQ(config.supervisor.stop_timeout_ms, 30'000u);
    EXPECT_EQ(config.supervisor.entry_points[0].user, "");
    EXPECT_TRUE(config.supervisor.entry_points[0].env.empty());
    EXPECT_TRUE(config.keys.empty());
    EXPECT_TRUE(config.methods.empty());
}

TEST(BabelConfig, MethodResponseDefaultsToWholeRawBody) {
    const auto config = parse_babel_config(then_config_and_supervisor(R"([[methods]]
name = "version"
transport = "sh"
body = "geth version"
)"));
    ASSERT_EQ(config.methods.size(), 1u);
    EXPECT_EQ(config.methods[0].response_field, "");
    EXPECT_EQ(config.methods[0].response_format, ResponseFormat::raw);
    EXPECT_EQ(config.methods[0].params, "");
}

TEST(BabelConfig, ApiHostIsOptionalWithoutJrpcOrRestMethods) {
    const auto config = parse_babel_config(then_supervisor(R"([config]
protocol = "eth"
node_type = "validator"
node_version = "1.13.0"
babel_version = "0.1.0"
ports = []
data_directory_mount_point = "/blockjoy/data"

[[methods]]
name = "version"
transport = "sh"
body = "geth version"
)"));
    EXPECT_EQ(config.config.api_host, "");
}

TEST(BabelConfig, AcceptsOriginalRequirementAliasesAndConvertsRamToMegabytes) {
    const auto config = parse_babel_config(then_config_and_supervisor(R"([requirements]
vcpu = 8
ram = 16
disk = 200
)"));
    ASSERT_TRUE(config.requirements);
    EXPECT_EQ(config.requirements->vcpu_count, 8u);
    EXPECT_EQ(config.requirements->mem_size_mb, 16u * 1024u);
    EXPECT_EQ(config.requirements->disk_size_gb, 200u);
}

TEST(BabelConfig, RejectsRequirementGivenUnderBothNameAndAlias) {
    const auto problem = only_problem_of(then_config_and_supervisor(R"([requirements]
vcpu_count = 8
vcpu = 8
mem_size_mb = 1024
disk_size_gb = 10
)"));
    expect_problem(problem, "requirements.vcpu", 3);
}

TEST(BabelConfig, ConvertsJrpcParamsArrayToCompactJson) {
    const auto config = parse_babel_config(then_config_and_supervisor(R"([[methods]]
name = "block"
transport = "jrpc"
method = "eth_getBlockByNumber"
params = ["{{HEIGHT}}", false, 1]
)"));
    EXPECT_EQ(config.methods.at(0).params, R"(["{{HEIGHT}}",false,1])");
}

TEST(BabelConfig, ConvertsJrpcParamsTableToCompactJson) {
    const auto config = parse_babel_config(then_config_and_supervisor(R"([[methods]]
name = "balance"
transport = "jrpc"
method = "get_balance"
params = { address = "{{ADDRESS}}", options = { verbose = true } }
)"));
    EXPECT_EQ(config.methods.at(0).params,
              R"({"address":"{{ADDRESS}}","options":{"verbose":true}})");
}

TEST(BabelConfig, IgnoresUnknownTablesAndKeys) {
    const auto config = parse_babel_config(then_config_and_supervisor(R"(top_level = 1

[monitoring]
interval = "5s"

[env]
path_append = "/blockjoy/bin"
shell = "bash"

[[methods]]
name = "height"
transport = "rest"
method = "height"
timeout_ms = 100
[methods.response]
status = 200
code = 200
field = "height"
pretty = true
)"));
    EXPECT_EQ(config.path_append, "/blockjoy/bin");
    ASSERT_EQ(config.methods.size(), 1u);
    EXPECT_EQ(config.methods[0].response_field, "height");
}

TEST(BabelConfig, FindsMethodsByNameAndListsNamesSorted) {
    const auto config = parse_babel_config(then_config_and_supervisor(R"([[methods]]
name = "peers"
transport = "sh"
body = "echo 0"

[[methods]]
name = "height"
transport = "sh"
body = "echo 1"
)"));
    ASSERT_NE(config.find_method("height"), nullptr);
    EXPECT_EQ(config.find_method("height")->body, "echo 1");
    EXPECT_EQ(config.find_method("missing"), nullptr);
    EXPECT_EQ(config.method_names(), (std::vector<std::string>{"height", "peers"}));
}

// ---- the original system's files --------------------------------------------------------------

TEST(BabelConfig, LoadsOriginalCosmosConfigUnchanged) {
    const auto config = load_babel_config(original_fixture("cosmos-validator.toml"));
    EXPECT_EQ(config.config.protocol, "cosmos");
    EXPECT_EQ(config.config.node_version, "7.1.0");  // a comment after the value
    EXPECT_EQ(config.config.babel_version, "0.0.1");
    EXPECT_EQ(config.config.ports, (std::vector<std::uint16_t>{26656, 26657, 1317}));
    EXPECT_EQ(config.config.data_directory_mount_point, "/blockjoy/miner/data");
    EXPECT_EQ(config.path_append, "/blockjoy/bin/");
    ASSERT_TRUE(config.requirements);
    EXPECT_EQ(config.requirements->vcpu_count, 4u);
    EXPECT_EQ(config.requirements->mem_size_mb, 32u * 1024u);
    EXPECT_EQ(config.requirements->disk_size_gb, 1000u);
    EXPECT_EQ(config.supervisor.backoff_base_ms, 500u);
    EXPECT_EQ(config.supervisor.log_buffer_capacity_ln, 2000u);
    ASSERT_EQ(config.supervisor.entry_points.size(), 2u);
    EXPECT_EQ(config.supervisor.entry_points[0].args,
              (std::vector<std::string>{"start", "--home", "/blockjoy/miner/data/.gaia",
                                        "--x-crisis-skip-assert-invariants"}));
    EXPECT_EQ(config.supervisor.entry_points[1].command, "/usr/bin/cosmovisor");
    EXPECT_EQ(config.keys.size(), 3u);
    EXPECT_EQ(config.keys.at("*"), "/blockjoy/keys");
    EXPECT_EQ(config.method_names(),
              (std::vector<std::string>{"address", "consensus", "generate_keys", "height", "node_info",
                                        "peers", "version"}));

    const auto& height = *config.find_method("height");
    EXPECT_EQ(height.transport, Transport::rest);
    EXPECT_EQ(height.method, "status");
    EXPECT_EQ(height.response_field, "result.sync_info.latest_block_height");
    EXPECT_EQ(height.response_format, ResponseFormat::raw);
    EXPECT_TRUE(height.finished());
    const auto& peers = *config.find_method("peers");
    EXPECT_EQ(peers.transport, Transport::jrpc);
    EXPECT_EQ(peers.method, "net_info");
    EXPECT_EQ(peers.response_field, "result.n_peers");
    EXPECT_EQ(config.find_method("node_info")->response_format, ResponseFormat::json);
    EXPECT_EQ(config.find_method("version")->transport, Transport::sh);
    // A line-ending backslash in a """ string joins the lines, as the originals use it.
    EXPECT_EQ(config.find_method("generate_keys")->body,
              "mkdir -p /blockjoy/keys && gaiad init blockjoy --home /blockjoy/miner/data/.gaia "
              ">/dev/null 2>&1 && echo done\n");

    EXPECT_EQ(config.find_method("address")->missing,
              (std::vector<MissingPart>{MissingPart::rest_path, MissingPart::response_field}));
    EXPECT_EQ(config.find_method("consensus")->missing,
              (std::vector<MissingPart>{MissingPart::jrpc_method}));
    EXPECT_EQ(keys_of(config.warnings),
              (std::vector<std::string>{"methods[1].method", "methods[1].response.field",
                                        "methods[3].method"}));
}

TEST(BabelConfig, LoadsOriginalTezosConfigUnchanged) {
    const auto config = load_babel_config(original_fixture("tezos-node.toml"));
    EXPECT_EQ(config.config.protocol, "tezos");
    EXPECT_FALSE(config.requirements);
    EXPECT_TRUE(config.keys.empty());
    ASSERT_EQ(config.supervisor.entry_points.size(), 1u);
    EXPECT_EQ(config.supervisor.entry_points[0].command, "todo");
    EXPECT_TRUE(config.supervisor.entry_points[0].args.empty());
    const auto& name = *config.find_method("name");
    EXPECT_EQ(name.method, "chain_id");
    EXPECT_EQ(name.response_field, "result");
    EXPECT_TRUE(name.finished());
    EXPECT_EQ(config.find_method("height")->missing,
              (std::vector<MissingPart>{MissingPart::jrpc_method}));
    EXPECT_EQ(config.find_method("height")->response_field, "result.level");
    EXPECT_EQ(config.find_method("block_age")->what_is_missing(),
              "its jrpc method name is empty and its response field is empty");
    EXPECT_EQ(config.find_method("status")->response_field, "bootstrapped");
    EXPECT_EQ(config.warnings.size(), 3u);
}

TEST(BabelConfig, LoadsOriginalSolanaConfigUnchanged) {
    const auto config = load_babel_config(original_fixture("solana-rpc.toml"));
    EXPECT_EQ(config.config.babel_version, "0.0.1");                        // min_babel_version
    EXPECT_EQ(config.config.data_directory_mount_point, "/blockjoy/data");  // in [supervisor]
    EXPECT_EQ(config.path_append, "");
    EXPECT_EQ(config.supervisor.entry_points.at(0).args.size(), 6u);
    EXPECT_EQ(config.find_method("height")->body, "solana block-height --url http://localhost:8899");
    EXPECT_EQ(config.find_method("peers")->response_format, ResponseFormat::json);
    EXPECT_EQ(config.find_method("address")->missing, (std::vector<MissingPart>{MissingPart::sh_body}));
    EXPECT_EQ(config.find_method("init")->missing, (std::vector<MissingPart>{MissingPart::sh_body}));
    EXPECT_EQ(keys_of(config.warnings), (std::vector<std::string>{"methods[2].body", "methods[3].body"}));
}

// ---- methods left unfinished ------------------------------------------------------------------

// Each unfinished shape alone, beside a finished method, on the line of the test's text.
struct UnfinishedShape {
    std::string_view name;
    std::string_view methods;  // the unfinished method, first
    std::uint32_t line;
    std::string_view key;
    MissingPart part;
};

void PrintTo(const UnfinishedShape& shape, std::ostream* out) { *out << shape.name; }

class UnfinishedMethod : public ::testing::TestWithParam<UnfinishedShape> {};

TEST_P(UnfinishedMethod, LoadsWithAWarningAtTheEmptyValueAndOnlyThatMethodUnfinished) {
    const auto& shape = GetParam();
    const auto config = parse_babel_config(then_config_and_supervisor(std::string(shape.methods) + R"(
[[methods]]
name = "peers"
transport = "jrpc"
method = "net_peerCount"
[methods.response]
field = "result"
)"),
                                           "test.toml");
    const auto& height = *config.find_method("height");
    EXPECT_FALSE(height.finished());
    EXPECT_EQ(height.missing, (std::vector<MissingPart>{shape.part}));
    EXPECT_EQ(height.what_is_missing(), describe(shape.part));
    EXPECT_TRUE(config.find_method("peers")->finished());
    ASSERT_EQ(config.warnings.size(), 1u);
    const auto& warning = config.warnings[0];
    expect_problem(warning, shape.key, shape.line);
    EXPECT_NE(warning.message.find(R"(method "height" is not finished)"), std::string::npos) << warning.message;
    EXPECT_NE(warning.message.find(describe(shape.part)), std::string::npos) << warning.message;
    EXPECT_EQ(warning.to_warning_string().rfind(fmt::format("test.toml:{}:", shape.line), 0), 0u)
        << warning.to_warning_string();
    EXPECT_NE(warning.to_warning_string().find(": warning: "), std::string::npos) << warning.to_warning_string();
}

INSTANTIATE_TEST_SUITE_P(
    BabelConfig, UnfinishedMethod,
    ::testing::Values(
        UnfinishedShape{"JrpcMethodNameEmpty", R"([[methods]]
name = "height"
transport = "jrpc"
method = "" # find
)",
                        4, "methods[0].method", MissingPart::jrpc_method},
        UnfinishedShape{"RestPathEmpty", R"([[methods]]
name = "height"
transport = "rest"
method = ""
    [methods.response]
    status = 200
    format = "raw"
)",
                        4, "methods[0].method", MissingPart::rest_path},
        UnfinishedShape{"ShBodyEmpty", R"([[methods]]
name = "height"
transport = "sh"
body = ""
)",
                        4, "methods[0].body", MissingPart::sh_body},
        UnfinishedShape{"ShBodyOnlyWhiteSpace", R"([[methods]]
name = "height"
transport = "sh"
body = """
   
"""
)",
                        4, "methods[0].body", MissingPart::sh_body},
        UnfinishedShape{"JrpcResponseFieldEmpty", R"([[methods]]
name = "height"
transport = "jrpc"
method = "eth_blockNumber"
    [methods.response]
    code = 200
    field = "" # find
)",
                        7, "methods[0].response.field", MissingPart::response_field},
        UnfinishedShape{"RestResponseFieldEmpty", R"([[methods]]
name = "height"
transport = "rest"
method = "v2/status"
    [methods.response]
    status = 200
    field = ""
    format = "json"
)",
                        7, "methods[0].response.field", MissingPart::response_field}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(BabelConfig, MethodWithSeveralEmptyPartsNamesThemAllInFileOrder) {
    const auto config = parse_babel_config(then_config_and_supervisor(R"([[methods]]
name = "height"
transport = "rest"
method = "" # find
    [methods.response]
    field = "" # find
)"));
    EXPECT_EQ(config.methods.at(0).what_is_missing(), "its rest path is empty and its response field is empty");
    EXPECT_EQ(keys_of(config.warnings), (std::vector<std::string>{"methods[0].method", "methods[0].response.field"}));
}

TEST(BabelConfig, ResponseWithoutFieldIsFinishedAndGivesTheWholeBody) {
    const auto config = parse_babel_config(then_config_and_supervisor(R"([[methods]]
name = "status"
transport = "rest"
method = "/"
    [methods.response]
    status = 200
    format = "json"
)"));
    EXPECT_TRUE(config.methods.at(0).finished());
    EXPECT_EQ(config.methods.at(0).response_field, "");
    EXPECT_TRUE(config.warnings.empty());
}

TEST(BabelConfig, MissingMethodKeyIsStillAnError) {
    // The original refused such a file too: only a value given and left empty is a placeholder.
    expect_problem(only_problem_of(then_config_and_supervisor(R"([[methods]]
name = "height"
transport = "rest"
)")),
                   "methods[0].method", 1);
}

// ---- names and places of later originals -------------------------------------------------------

// A [config] table that ends with the test's lines, from line 5 on.
std::string config_table_ending_with(std::string_view lines) {
    return R"([config]
protocol = "eth"
node_type = "validator"
node_version = "1.13.0"
)" + std::string(lines);
}

const std::string kConfigWithoutMountPoint = config_table_ending_with("babel_version = \"0.1.0\"\n");

TEST(BabelConfig, AcceptsMinBabelVersionForBabelVersion) {
    const auto config = parse_babel_config(then_supervisor(config_table_ending_with(R"(min_babel_version = "0.2.0"
data_directory_mount_point = "/blockjoy/data"
)")));
    EXPECT_EQ(config.config.babel_version, "0.2.0");
}

TEST(BabelConfig, RejectsBabelVersionGivenUnderBothNames) {
    expect_problem(only_problem_of(then_supervisor(config_table_ending_with(R"(babel_version = "0.2.0"
min_babel_version = "0.2.0"
data_directory_mount_point = "/blockjoy/data"
)"))),
                   "config.min_babel_version", 6);
}

TEST(BabelConfig, ChecksMinBabelVersionIsAVersion) {
    expect_problem(only_problem_of(then_supervisor(config_table_ending_with(R"(min_babel_version = "latest"
data_directory_mount_point = "/blockjoy/data"
)"))),
                   "config.min_babel_version", 5);
}

TEST(BabelConfig, AcceptsDataMountPointInSupervisorTable) {
    const auto config = parse_babel_config(kConfigWithoutMountPoint + R"(
[supervisor]
data_directory_mount_point = "/blockjoy/data"
[[supervisor.entry_point]]
command = "/usr/bin/geth"
args = []
)");
    EXPECT_EQ(config.config.data_directory_mount_point, "/blockjoy/data");
}

TEST(BabelConfig, RejectsDataMountPointInBothTables) {
    expect_problem(only_problem_of(R"([supervisor]
data_directory_mount_point = "/elsewhere"
[[supervisor.entry_point]]
command = "/usr/bin/geth"
args = []
)" + std::string(kConfigTable)),
                   "supervisor.data_directory_mount_point", 2);
}

TEST(BabelConfig, RejectsEmptyDataMountPointInSupervisorTable) {
    const auto problem = only_problem_of(kConfigWithoutMountPoint + R"(
[supervisor]
data_directory_mount_point = ""
[[supervisor.entry_point]]
command = "/usr/bin/geth"
args = []
)");
    expect_problem(problem, "supervisor.data_directory_mount_point", 8);
}

TEST(BabelConfig, RejectsMissingDataMountPointNamingBothPlaces) {
    const auto problem = only_problem_of(then_supervisor(kConfigWithoutMountPoint));
    expect_problem(problem, "config.data_directory_mount_point", 1);
    EXPECT_NE(problem.message.find("[supervisor]"), std::string::npos) << problem.message;
}

// ---- invalid configs ---------------------------------------------------------------------------

TEST(BabelConfig, RejectsMissingConfigTable) {
    const auto problem = only_problem_of(then_supervisor("# no [config]"));
    expect_problem(problem, "config", 1);
    EXPECT_NE(problem.message.find("missing"), std::string::npos) << problem.message;
}

TEST(BabelConfig, RejectsMissingSupervisorTable) {
    expect_problem(only_problem_of(then_config("")), "supervisor", 1);
}

TEST(BabelConfig, RejectsSupervisorWithoutEntryPoint) {
    const auto problem = only_problem_of(then_config(R"(
[supervisor]
backoff_base_ms = 100
)"));
    expect_problem(problem, "supervisor.entry_point", 2);
    EXPECT_NE(problem.message.find("[[supervisor.entry_point]]"), std::string::npos)
        << problem.message;
}

TEST(BabelConfig, RejectsEmptyEntryPointArray) {
    expect_problem(only_problem_of(then_config(R"([supervisor]
entry_point = []
)")),
                   "supervisor.entry_point", 2);
}

TEST(BabelConfig, RejectsEntryPointWithoutCommand) {
    expect_problem(only_problem_of(then_config(R"([supervisor]
[[supervisor.entry_point]]
command = "/usr/bin/geth"
args = []

[[supervisor.entry_point]]
args = ["--help"]
)")),
                   "supervisor.entry_point[1].command", 6);
}

TEST(BabelConfig, RejectsEntryPointWithEmptyCommand) {
    expect_problem(only_problem_of(then_config(R"([supervisor]
[[supervisor.entry_point]]
command = ""
args = []
)")),
                   "supervisor.entry_point[0].command", 3);
}

TEST(BabelConfig, RejectsEntryPointArgsThatAreNotStrings) {
    expect_problem(only_problem_of(then_config(R"([supervisor]
[[supervisor.entry_point]]
command = "/usr/bin/geth"
args = ["--port",
        30303]
)")),
                   "supervisor.entry_point[0].args[1]", 5);
}

TEST(BabelConfig, RejectsLogBufferCapacityOfZero) {
    const auto problem = only_problem_of(then_config(R"([supervisor]
log_buffer_capacity_ln = 0
[[supervisor.entry_point]]
command = "/usr/bin/geth"
args = []
)"));
    expect_problem(problem, "supervisor.log_buffer_capacity_ln", 2);
    EXPECT_EQ(problem.message, "expected an integer from 1 to 4096, got 0");
}

TEST(BabelConfig, RejectsLogBufferCapacityAbove4096) {
    const auto problem = only_problem_of(then_config(R"([supervisor]
log_buffer_capacity_ln = 5000
[[supervisor.entry_point]]
command = "/usr/bin/geth"
args = []
)"));
    expect_problem(problem, "supervisor.log_buffer_capacity_ln", 2);
    EXPECT_EQ(problem.message, "expected an integer from 1 to 4096, got 5000");
}

TEST(BabelConfig, RejectsMethodWithUnknownTransport) {
    const auto problem = only_problem_of(then_config_and_supervisor(R"([[methods]]
name = "height"
transport = "grpc"
)"));
    expect_problem(problem, "methods[0].transport", 3);
    EXPECT_EQ(problem.message, R"(expected one of jrpc, rest, sh, got "grpc")");
}

TEST(BabelConfig, RejectsMethodWithoutName) {
    expect_problem(only_problem_of(then_config_and_supervisor(R"([[methods]]
transport = "sh"
body = "true"
)")),
                   "methods[0].name", 1);
}

TEST(BabelConfig, RejectsDuplicateMethodNames) {
    const auto problem = only_problem_of(then_config_and_supervisor(R"([[methods]]
name = "height"
transport = "sh"
body = "echo 1"

[[methods]]
name = "height"
transport = "sh"
body = "echo 2"
)"));
    expect_problem(problem, "methods[1].name", 7);
    EXPECT_NE(problem.message.find("first defined at line 1"), std::string::npos)
        << problem.message;
}

TEST(BabelConfig, RejectsJrpcMethodWithoutApiHost) {
    const auto problem = only_problem_of(then_supervisor(R"([config]
protocol = "eth"
node_type = "validator"
node_version = "1.13.0"
babel_version = "0.1.0"
ports = []
data_directory_mount_point = "/blockjoy/data"

[[methods]]
name = "height"
transport = "jrpc"
method = "eth_blockNumber"
)"));
    expect_problem(problem, "methods[0].transport", 11);
    EXPECT_NE(problem.message.find(R"(method "height")"), std::string::npos) << problem.message;
    EXPECT_NE(problem.message.find("config.api_host"), std::string::npos) << problem.message;
}

TEST(BabelConfig, RejectsRestMethodWithoutApiHost) {
    expect_problem(only_problem_of(then_supervisor(R"([config]
protocol = "eth"
node_type = "validator"
node_version = "1.13.0"
babel_version = "0.1.0"
ports = []
data_directory_mount_point = "/blockjoy/data"

[[methods]]
name = "peers"
transport = "rest"
method = "peers"
)")),
                   "methods[0].transport", 11);
}

TEST(BabelConfig, RejectsJrpcMethodWithoutMethod) {
    expect_problem(only_problem_of(then_config_and_supervisor(R"([[methods]]
name = "height"
transport = "jrpc"
)")),
                   "methods[0].method", 1);
}

TEST(BabelConfig, RejectsShMethodWithoutBody) {
    expect_problem(only_problem_of(then_config_and_supervisor(R"([[methods]]
name = "init"
transport = "sh"
)")),
                   "methods[0].body", 1);
}

TEST(BabelConfig, RejectsJrpcParamsThatAreNeitherTextNorArrayNorTable) {
    expect_problem(only_problem_of(then_config_and_supervisor(R"([[methods]]
name = "height"
transport = "jrpc"
method = "eth_blockNumber"
params = 5
)")),
                   "methods[0].params", 5);
}

TEST(BabelConfig, RejectsUnknownResponseFormat) {
    const auto problem = only_problem_of(then_config_and_supervisor(R"([[methods]]
name = "height"
transport = "sh"
body = "echo 1"
[methods.response]
format = "xml"
)"));
    expect_problem(problem, "methods[0].response.format", 6);
    EXPECT_EQ(problem.message, R"(expected one of raw, json, got "xml")");
}

TEST(BabelConfig, RejectsKeyNamesThatAreNotPlainFileNames) {
    for (const std::string name : {"../x", "a/b", "..", ".", ""}) {
        SCOPED_TRACE(name);
        const auto problem = only_problem_of(
            then_config_and_supervisor("[keys]\n\"" + name + "\" = \"/opt/secrets/x\"\n"));
        expect_problem(problem, "keys.\"" + name + "\"", 2);
        EXPECT_EQ(problem.column, 1u);
    }
}

TEST(BabelConfig, RejectsKeyNameWithNul) {
    const auto problem = only_problem_of(then_config_and_supervisor(R"([keys]
"a\u0000b" = "/opt/secrets/x"
)"));
    expect_problem(problem, R"(keys."a\u0000b")", 2);
}

TEST(BabelConfig, RejectsKeyPathThatIsNotAString) {
    expect_problem(only_problem_of(then_config_and_supervisor(R"([keys]
"validator.key" = 1
)")),
                   R"(keys."validator.key")", 2);
}

TEST(BabelConfig, RejectsPortsGivenAsString) {
    const auto problem = only_problem_of(then_supervisor(R"([config]
protocol = "eth"
node_type = "validator"
node_version = "1.13.0"
babel_version = "0.1.0"
api_host = "http://127.0.0.1:8545/"
ports = "8080"
data_directory_mount_point = "/blockjoy/data"
)"));
    expect_problem(problem, "config.ports", 7);
    EXPECT_EQ(problem.message, R"(expected an array of port numbers, got "8080")");
    EXPECT_EQ(problem.column, 9u);
}

TEST(BabelConfig, RejectsPortOutOfRange) {
    expect_problem(only_problem_of(then_supervisor(R"([config]
protocol = "eth"
node_type = "validator"
node_version = "1.13.0"
babel_version = "0.1.0"
api_host = "http://127.0.0.1:8545/"
ports = [8080, 70000]
data_directory_mount_point = "/blockjoy/data"
)")),
                   "config.ports[1]", 7);
}

TEST(BabelConfig, RejectsStringWhereIntegerIsExpected) {
    const auto problem = only_problem_of(then_config(R"([supervisor]
backoff_base_ms = "100"
[[supervisor.entry_point]]
command = "/usr/bin/geth"
args = []
)"));
    expect_problem(problem, "supervisor.backoff_base_ms", 2);
    EXPECT_EQ(problem.message, R"(expected a non-negative integer, got "100")");
}

TEST(BabelConfig, RejectsValueWhereTableIsExpected) {
    expect_problem(only_problem_of(then_config_and_supervisor(R"(env = "/blockjoy/bin"
)")),
                   "env", 1);
}

TEST(BabelConfig, RejectsBabelVersionThatIsNotAVersion) {
    const auto problem = only_problem_of(then_supervisor(R"([config]
protocol = "eth"
node_type = "validator"
node_version = "1.13.0"
babel_version = "latest"
api_host = "http://127.0.0.1:8545/"
ports = []
data_directory_mount_point = "/blockjoy/data"
)"));
    expect_problem(problem, "config.babel_version", 5);
    EXPECT_EQ(problem.message, R"(expected a version x.y.z, got "latest")");
}

TEST(BabelConfig, RejectsApiHostWithoutHttpScheme) {
    expect_problem(only_problem_of(then_supervisor(R"([config]
protocol = "eth"
node_type = "validator"
node_version = "1.13.0"
babel_version = "0.1.0"
api_host = "127.0.0.1:8545"
ports = []
data_directory_mount_point = "/blockjoy/data"
)")),
                   "config.api_host", 6);
}

TEST(BabelConfig, RejectsConfigTableMissingRequiredKeys) {
    const auto problems = problems_of(then_supervisor(R"([config]
protocol = "eth"
)"));
    std::vector<std::string> keys;
    for (const auto& problem : problems) keys.push_back(problem.key);
    // ports is optional: a chain client may listen on nothing.
    EXPECT_EQ(keys, (std::vector<std::string>{"config.node_type", "config.node_version",
                                              "config.babel_version", "config.data_directory_mount_point"}));
    for (const auto& problem : problems) EXPECT_EQ(problem.line, 1u) << problem.to_string();
}

TEST(BabelConfig, ReportsTomlSyntaxErrorWithLineAndColumn) {
    const auto problem = only_problem_of(R"([config]
protocol = "eth"
node_type =
)");
    EXPECT_EQ(problem.key, "");
    EXPECT_EQ(problem.line, 3u);
    EXPECT_GT(problem.column, 0u);
    EXPECT_FALSE(problem.message.empty());
}

TEST(BabelConfig, ReportsEveryProblemNotJustTheFirst) {
    const auto problems = problems_of(R"([config]
protocol = "eth"
node_type = "validator"
node_version = "1.13.0"
babel_version = "0.1.0"
ports = "8545"
data_directory_mount_point = "/blockjoy/data"

[supervisor]
log_buffer_capacity_ln = 0

[[methods]]
name = "height"
transport = "grpc"
)");
    std::vector<std::string> keys;
    for (const auto& problem : problems) keys.push_back(problem.key);
    EXPECT_EQ(keys, (std::vector<std::string>{"config.ports", "supervisor.log_buffer_capacity_ln",
                                              "supervisor.entry_point", "methods[0].transport"}))
        << joined(problems);
}

TEST(BabelConfig, ProblemTextNamesFileLineColumnKeyAndMessage) {
    EXPECT_EQ((ConfigProblem{"babel.toml", 3, 12, "config.ports", "expected an array"}).to_string(),
              "babel.toml:3:12: config.ports: expected an array");
    EXPECT_EQ((ConfigProblem{"babel.toml", 3, 0, "", "unexpected character"}).to_string(),
              "babel.toml:3: unexpected character");
    EXPECT_EQ((ConfigProblem{"babel.toml", 0, 0, "", "cannot read the file"}).to_string(),
              "babel.toml: cannot read the file");
}

TEST(BabelConfig, ConfigErrorMessageHasOneLinePerProblem) {
    const ConfigError error(
        {{"a.toml", 1, 1, "config", "missing"}, {"a.toml", 2, 1, "supervisor", "missing"}});
    EXPECT_STREQ(error.what(), "a.toml:1:1: config: missing\na.toml:2:1: supervisor: missing");
}

TEST(BabelConfig, ReportsUnreadableFile) {
    try {
        load_babel_config("/nonexistent/babel.toml");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& error) {
        ASSERT_EQ(error.problems().size(), 1u);
        EXPECT_EQ(error.problems()[0].file, "/nonexistent/babel.toml");
        EXPECT_NE(error.problems()[0].message.find("No such file or directory"), std::string::npos)
            << error.problems()[0].message;
    }
}

// ---- version_at_least ------------------------------------------------------------------------

TEST(BabelConfigVersionAtLeast, ComparesPartsAsNumbers) {
    EXPECT_TRUE(version_at_least("0.10.0", "0.9.0"));
    EXPECT_FALSE(version_at_least("0.9.0", "0.10.0"));
    EXPECT_TRUE(version_at_least("1.2.3", "1.2.3"));
    EXPECT_FALSE(version_at_least("1.2.3", "1.2.4"));
    EXPECT_TRUE(version_at_least("2.0.0", "1.99.99"));
}

TEST(BabelConfigVersionAtLeast, CountsMissingPartsAsZero) {
    EXPECT_TRUE(version_at_least("1.2", "1.2.0"));
    EXPECT_TRUE(version_at_least("1", "0.9"));
    EXPECT_FALSE(version_at_least("1.2", "1.2.1"));
}

TEST(BabelConfigVersionAtLeast, ThrowsForTextThatIsNotAVersion) {
    for (const char* text :
         {"", "latest", "1.2.3.4", "1..2", "1.2.", "v1.2.3", "-1.0.0", "1.2.3-beta"}) {
        SCOPED_TRACE(text);
        EXPECT_THROW(version_at_least(text, "0.1.0"), std::invalid_argument);
        EXPECT_THROW(version_at_least("0.1.0", text), std::invalid_argument);
    }
}

// ---- check_config_files ----------------------------------------------------------------------

class CheckConfigFiles : public ::testing::Test {
  protected:
    std::string write(const std::string& name, const std::string& toml) {
        const auto path = directory_.path() / name;
        std::ofstream(path) << toml;
        return path.string();
    }

    std::string valid_file() { return write("valid.toml", then_config_and_supervisor("")); }
    // Four problems: capacity 0 (line 2), no entry point, a method without name and with
    // an unknown transport (line 4).
    std::string invalid_file() {
        return write("invalid.toml", then_config(R"([supervisor]
log_buffer_capacity_ln = 0
[[methods]]
transport = "grpc"
)"));
    }

    test::TempDir directory_{"bv-check-config"};
};

TEST_F(CheckConfigFiles, PrintsOkAndReturnsZeroForValidFiles) {
    const auto file = valid_file();
    std::ostringstream out;
    EXPECT_EQ(check_config_files({file, file}, false, out), 0);
    EXPECT_EQ(out.str(), file + ": ok\n" + file + ": ok\n");
}

TEST_F(CheckConfigFiles, PrintsOneLinePerProblemAndReturnsOne) {
    const auto valid = valid_file();
    const auto invalid = invalid_file();
    std::ostringstream out;
    EXPECT_EQ(check_config_files({valid, invalid}, false, out), 1);
    std::vector<std::string> lines;
    std::istringstream text(out.str());
    for (std::string line; std::getline(text, line);) lines.push_back(line);
    // "ok" for the valid file, then one line per problem of the invalid one.
    ASSERT_EQ(lines.size(), 1u + 4u) << out.str();
    EXPECT_EQ(lines[0], valid + ": ok");
    for (std::size_t index = 1; index < lines.size(); ++index) {
        EXPECT_EQ(lines[index].rfind(invalid + ":", 0), 0u) << lines[index];
    }
    EXPECT_NE(out.str().find(invalid + ":2:26: supervisor.log_buffer_capacity_ln: "),
              std::string::npos)
        << out.str();
}

TEST_F(CheckConfigFiles, PrintsWarningsOfAValidFileThenOkAndReturnsZero) {
    const auto file = write("unfinished.toml", then_config_and_supervisor(R"([[methods]]
name = "height"
transport = "jrpc"
method = ""
)"));
    std::ostringstream out;
    EXPECT_EQ(check_config_files({file}, false, out), 0);
    EXPECT_EQ(out.str(), file + R"(:4:10: methods[0].method: warning: method "height" is not finished: its jrpc )"
                                "method name is empty; calling it fails until it is filled in\n" +
                             file + ": ok (1 warning)\n");
}

TEST_F(CheckConfigFiles, JsonHoldsTheWarningsOfAValidFile) {
    const auto file = write("unfinished.toml", then_config_and_supervisor(R"([[methods]]
name = "init"
transport = "sh"
body = ""
)"));
    std::ostringstream out;
    EXPECT_EQ(check_config_files({file}, true, out), 0);
    const auto document = boost::json::parse(out.str());
    const auto& checked = document.at("files").at(0);
    EXPECT_EQ(checked.at("valid").as_bool(), true);
    EXPECT_TRUE(checked.at("problems").as_array().empty());
    const auto& warnings = checked.at("warnings").as_array();
    ASSERT_EQ(warnings.size(), 1u) << out.str();
    EXPECT_EQ(warnings[0].at("line").to_number<int>(), 4);
    EXPECT_EQ(warnings[0].at("key").as_string(), "methods[0].body");
    EXPECT_NE(std::string_view(warnings[0].at("message").as_string()).find("its sh body is empty"),
              std::string_view::npos)
        << out.str();
}

TEST_F(CheckConfigFiles, ReportsMissingFileAsProblem) {
    std::ostringstream out;
    EXPECT_EQ(check_config_files({"/nonexistent/babel.toml"}, false, out), 1);
    EXPECT_EQ(out.str().rfind("/nonexistent/babel.toml: cannot read the file: ", 0), 0u)
        << out.str();
}

TEST_F(CheckConfigFiles, PrintsOneJsonDocumentWithEveryFileAndProblem) {
    const auto valid = valid_file();
    const auto invalid = invalid_file();
    std::ostringstream out;
    EXPECT_EQ(check_config_files({valid, invalid}, true, out), 1);
    const auto document = boost::json::parse(out.str());
    const auto& files = document.at("files").as_array();
    ASSERT_EQ(files.size(), 2u);
    EXPECT_EQ(files[0].at("file").as_string(), valid);
    EXPECT_EQ(files[0].at("valid").as_bool(), true);
    EXPECT_TRUE(files[0].at("problems").as_array().empty());
    EXPECT_EQ(files[1].at("file").as_string(), invalid);
    EXPECT_EQ(files[1].at("valid").as_bool(), false);
    const auto& problems = files[1].at("problems").as_array();
    ASSERT_EQ(problems.size(), 4u) << out.str();
    const auto& capacity = problems[0].as_object();
    EXPECT_EQ(capacity.at("line").to_number<int>(), 2);
    EXPECT_EQ(capacity.at("column").to_number<int>(), 26);
    EXPECT_EQ(capacity.at("key").as_string(), "supervisor.log_buffer_capacity_ln");
    EXPECT_EQ(capacity.at("message").as_string(), "expected an integer from 1 to 4096, got 0");
}

}  // namespace
}  // namespace bv::babel

namespace bv::babel {
namespace {

TEST(BabelConfigShell, RejectsPlaceholderInsideQuotesOfAnShBody) {
    const auto toml = R"([config]
protocol = "p"
node_type = "t"
node_version = "1"
babel_version = "0.1.0"
data_directory_mount_point = "/data"
[supervisor]
[[supervisor.entry_point]]
command = "sleep"
args = ["1"]
[[methods]]
name = "fetch"
transport = "sh"
body = "curl \"http://h/{{ID}}\""
)";
    try {
        parse_babel_config(toml);
        FAIL() << "accepted a quoted placeholder";
    } catch (const ConfigError& error) {
        ASSERT_EQ(error.problems().size(), 1u);
        EXPECT_EQ(error.problems()[0].key, "methods[0].body");
        EXPECT_NE(error.problems()[0].message.find("{{ID}}"), std::string::npos) << error.problems()[0].message;
    }
}

}  // namespace
}  // namespace bv::babel

namespace bv::babel {
namespace {

// Found by babel_config_fuzz: toml++'s debug build asserts on a NUL where a key starts.
TEST(BabelConfig, ANulByteIsRefusedWithItsPlace) {
    const std::string text = std::string("[config]\nprotocol = \"x\"\n ") + '\0' + "= 1\n";
    try {
        parse_babel_config(text, "nul.toml");
        ADD_FAILURE() << "a NUL byte was accepted";
    } catch (const ConfigError& error) {
        EXPECT_NE(std::string(error.what()).find("nul.toml:3:2: a NUL byte"), std::string::npos) << error.what();
    }
}

// toml++ assumed such a header cannot reach its key parser: an abort in a debug build and
// undefined behaviour in a release one (found by babel_config_fuzz; the input is a seed).
TEST(BabelConfig, ATableHeaderThatStartsWithNoKeyIsAnErrorWithItsPlace) {
    for (const std::string text : {"[}\n", "[config]\nprotocol = \"x\"\n[ }\n", "[[}]]\n"}) {
        try {
            parse_babel_config(text, "header.toml");
            ADD_FAILURE() << "accepted: " << text;
        } catch (const ConfigError& error) {
            EXPECT_NE(std::string(error.what()).find("expected bare key starting character or string delimiter, saw '}'"),
                      std::string::npos)
                << error.what();
        }
    }
}

// toml++ 3.3.0's Unicode whitespace test reaches a case it marks unreachable for some non-ASCII
// code points (found by babel_config_fuzz: "\xce\xa3"); upstream's fix answers "not
// whitespace". Outside strings such text is an error with its place; inside, it is text.
TEST(BabelConfig, NonAsciiTextWhereTomlPlusPlusMarkedACaseUnreachableIsAnErrorOrText) {
    const std::vector<std::pair<std::string, std::string>> errors{
        {"\xce\xa3\n", "1:1: Error while parsing root table"},
        {"a = 1 \xc3\xa9\n", "1:7: Error while parsing key-value pair: expected a comment or whitespace"},
        {"a = 1 \xe2\xb5\xb0\n", "1:7: Error while parsing key-value pair"},
        {"a = 1 \xef\xac\x90\n", "1:7: Error while parsing key-value pair"},
    };
    for (const auto& [text, says] : errors) {
        try {
            parse_babel_config(text, "text.toml");
            ADD_FAILURE() << "accepted: " << text;
        } catch (const ConfigError& error) {
            EXPECT_NE(std::string(error.what()).find("text.toml:" + says), std::string::npos) << error.what();
        }
    }
    const auto config = then_supervisor(std::string(kConfigTable) +
                                        "description = \"caf\xc3\xa9 \xe2\xb5\xb0 \xef\xac\x90\"\n");
    EXPECT_EQ(parse_babel_config(config, "text.toml").config.description, "caf\xc3\xa9 \xe2\xb5\xb0 \xef\xac\x90");
}

}  // namespace
}  // namespace bv::babel
