#include "babel/config.hpp"

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

std::string original_fixture(std::string_view name) {
    return std::string(BV_SHARED_DIR) + "/fixtures/babel-original/" + std::string(name);
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

TEST(BabelConfig, AcceptsRestMethodWithEmptyPath) {
    const auto config = parse_babel_config(then_config_and_supervisor(R"([[methods]]
name = "height"
transport = "rest"
method = ""
)"));
    EXPECT_EQ(config.methods.at(0).method, "");
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

TEST(BabelConfig, LoadsOriginalAlgoConfigUnchanged) {
    const auto config = load_babel_config(original_fixture("algo.toml"));
    EXPECT_EQ(config.config.protocol, "algo");
    EXPECT_EQ(config.config.api_host, "https://localhost:8443/");
    EXPECT_EQ(config.path_append, "/blockjoy/bin/");
    ASSERT_EQ(config.supervisor.entry_points.size(), 1u);
    EXPECT_EQ(config.supervisor.entry_points[0].command, "todo");
    EXPECT_EQ(config.method_names(),
              (std::vector<std::string>{"address", "genesis_info", "height", "status"}));
    EXPECT_EQ(config.find_method("height")->method, "");
    EXPECT_EQ(config.find_method("status")->response_format, ResponseFormat::json);
}

TEST(BabelConfig, LoadsOriginalEthConfigUnchanged) {
    const auto config = load_babel_config(original_fixture("eth.toml"));
    EXPECT_EQ(config.config.protocol, "eth");
    EXPECT_EQ(config.config.ports, (std::vector<std::uint16_t>{8000}));
    ASSERT_EQ(config.supervisor.entry_points.size(), 2u);
    EXPECT_EQ(config.supervisor.entry_points[1].command, "/usr/bin/lighthouse");
    EXPECT_EQ(config.keys, (std::map<std::string, std::string>{{"*", "/opt/secrets"}}));
    EXPECT_EQ(config.find_method("address")->response_field, "data.peer_id");
}

TEST(BabelConfig, LoadsOriginalHeliumConfigUnchanged) {
    const auto config = load_babel_config(original_fixture("helium-validator.toml"));
    ASSERT_TRUE(config.requirements);
    EXPECT_EQ(config.requirements->vcpu_count, 8u);
    EXPECT_EQ(config.requirements->mem_size_mb, 16u * 1024u);
    EXPECT_EQ(config.requirements->disk_size_gb, 200u);
    EXPECT_EQ(config.supervisor.backoff_base_ms, 10'000u);
    EXPECT_EQ(config.keys.size(), 3u);
    EXPECT_EQ(config.methods.size(), 9u);
    const auto* height = config.find_method("height");
    ASSERT_NE(height, nullptr);
    EXPECT_EQ(height->transport, Transport::jrpc);
    EXPECT_EQ(height->method, "info_height");
    EXPECT_EQ(height->response_field, "result.height");
    EXPECT_EQ(config.find_method("generate_keys")->transport, Transport::sh);
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
