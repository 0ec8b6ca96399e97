#include "api/admin_commands.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "api/admin_views.hpp"
#include "api/messages.hpp"
#include "cli/node_arguments.hpp"
#include "cli/output.hpp"

namespace bv::api {
namespace {

const std::string kService = "blockvisor.api.admin.v1.AdminService/";

struct Arguments {
    std::string host;
    std::string node;
    std::string image;
    std::string name;
    std::string directory;
    std::string file;
    std::vector<std::string> properties;  // k=v
    std::string network_mode = "host";
    std::string ip;
    std::string gateway;
    bool force = false;
    bool all = false;
    std::uint32_t ttl_seconds = 0;
};

template <class Response, class Request>
asio::awaitable<Response> admin_call(const AdminContext& context, rpc::ConnectClient& client, const std::string& method,
                                     Request request, bool slow = false) {
    co_return co_await client.call<Response>(kService + method, std::move(request),
                                             slow ? context.long_timeout : context.timeout);
}

// Calls `method` and prints its answer: with --json as JSON, else with `print_text`.
template <class Response, class Request, class PrintText>
asio::awaitable<void> show(const AdminContext& context, rpc::ConnectClient& client, const std::string& method,
                           Request request, PrintText print_text, bool slow = false) {
    const auto response = co_await admin_call<Response>(context, client, method, std::move(request), slow);
    cli::print_message(context.json, response, print_text);
}

// Adds a subcommand that runs `command` against the server; `check` runs while the command line
// is parsed, so that what it rejects is a usage error (exit code 2).
CLI::App* add_command(CLI::App& parent, const std::string& name, const std::string& description,
                      AdminContext& context, Action& action, AdminCommand command,
                      std::function<void()> check = {}) {
    auto* subcommand = parent.add_subcommand(name, description);
    subcommand->callback([&context, &action, command = std::move(command), check = std::move(check)] {
        if (check) check();
        action = [&context, command] { return run_admin_command(context, command); };
    });
    return subcommand;
}

asio::awaitable<void> create_otp(const AdminContext& context, rpc::ConnectClient& client, const Arguments& arguments) {
    admin::CreateOtpRequest request;
    request.set_ttl_seconds(arguments.ttl_seconds);
    const auto response = co_await admin_call<admin::CreateOtpResponse>(context, client, "CreateOtp", request);
    if (context.json) {
        cli::print_json(response);
        co_return;
    }
    // The password alone on stdout, for scripts: otp=$(bv-api otp).
    fmt::print("{}\n", response.otp());
    fmt::print(stderr, "single use, valid until {}: bv init {} --api URL --ca CA_FILE\n",
               cli::format_timestamp_ms(response.expires_at_ms()), response.otp());
}

asio::awaitable<void> list_hosts(const AdminContext& context, rpc::ConnectClient& client, const Arguments&) {
    co_await show<admin::ListHostsResponse>(context, client, "ListHosts", admin::ListHostsRequest(), print_hosts);
}

asio::awaitable<void> revoke_host(const AdminContext& context, rpc::ConnectClient& client, const Arguments& arguments) {
    admin::RevokeHostRequest request;
    request.set_host(arguments.host);
    co_await show<admin::RevokeHostResponse>(context, client, "RevokeHost", request,
                                             [](const admin::RevokeHostResponse& revoked) {
                                                 fmt::print("host {} ({}) revoked: its tokens no longer work\n",
                                                            revoked.host().id(), revoked.host().info().name());
                                             });
}

asio::awaitable<void> list_nodes(const AdminContext& context, rpc::ConnectClient& client, const Arguments& arguments) {
    admin::ListNodesRequest request;
    request.set_host(arguments.host);
    request.set_include_deleted(arguments.all);
    const auto response = co_await admin_call<admin::ListNodesResponse>(context, client, "ListNodes", request);
    if (context.json) {
        cli::print_json(response);
        co_return;
    }
    const auto hosts = co_await admin_call<admin::ListHostsResponse>(context, client, "ListHosts",
                                                                     admin::ListHostsRequest());
    print_nodes(response, hosts);
}

asio::awaitable<void> add_image(const AdminContext& context, rpc::ConnectClient& client, const Arguments& arguments) {
    admin::AddImageRequest request;
    request.set_directory(std::filesystem::absolute(arguments.directory).lexically_normal().string());
    co_await show<admin::AddImageResponse>(
        context, client, "AddImage", request, [](const admin::AddImageResponse& added) { print_image(added.image()); },
        true);
}

asio::awaitable<void> list_images(const AdminContext& context, rpc::ConnectClient& client, const Arguments&) {
    co_await show<admin::ListImagesResponse>(context, client, "ListImages", admin::ListImagesRequest(), print_images);
}

asio::awaitable<void> publish_bundle(const AdminContext& context, rpc::ConnectClient& client,
                                     const Arguments& arguments) {
    admin::PublishBundleRequest request;
    request.set_file(std::filesystem::absolute(arguments.file).lexically_normal().string());
    co_await show<admin::PublishBundleResponse>(context, client, "PublishBundle", request, print_published, true);
}

asio::awaitable<void> list_bundles(const AdminContext& context, rpc::ConnectClient& client, const Arguments&) {
    co_await show<admin::ListBundlesResponse>(context, client, "ListBundles", admin::ListBundlesRequest(),
                                              print_bundles);
}

asio::awaitable<void> list_keys(const AdminContext& context, rpc::ConnectClient& client, const Arguments& arguments) {
    admin::ListKeysRequest request;
    request.set_node(arguments.node);
    co_await show<admin::ListKeysResponse>(context, client, "ListKeys", request, print_keys);
}

asio::awaitable<void> list_commands(const AdminContext& context, rpc::ConnectClient& client,
                                    const Arguments& arguments) {
    admin::ListCommandsRequest request;
    request.set_host(arguments.host);
    co_await show<admin::ListCommandsResponse>(context, client, "ListCommands", request, print_commands);
}

asio::awaitable<void> create_node(const AdminContext& context, rpc::ConnectClient& client, const Arguments& arguments) {
    admin::CreateNodeRequest request;
    request.set_host(arguments.host);
    request.set_image(arguments.image);
    request.set_name(arguments.name);
    const auto properties = cli::parse_key_values("--property", arguments.properties);
    request.mutable_properties()->insert(properties.begin(), properties.end());
    auto& network = *request.mutable_network();
    network.set_mode(arguments.network_mode == "bridge" ? v1::NETWORK_MODE_BRIDGE : v1::NETWORK_MODE_HOST);
    network.set_ip(arguments.ip);
    network.set_gateway(arguments.gateway);
    co_await show<admin::ChangeNodeResponse>(context, client, "CreateNode", request, print_issued);
}

asio::awaitable<void> change_node(const AdminContext& context, rpc::ConnectClient& client, const Arguments& arguments,
                                  admin::NodeAction action) {
    admin::ChangeNodeRequest request;
    request.set_node(arguments.node);
    request.set_action(action);
    request.set_force(arguments.force);
    request.set_image(arguments.image);
    co_await show<admin::ChangeNodeResponse>(context, client, "ChangeNode", request, print_issued);
}

// The command that runs `run` with the subcommand's parsed arguments.
template <class Run>
AdminCommand with(std::shared_ptr<Arguments> arguments, Run run) {
    return [arguments, run](const AdminContext& context, rpc::ConnectClient& client) {
        return run(context, client, *arguments);
    };
}

void add_node_commands(CLI::App& app, AdminContext& context, Action& action) {
    auto* node = app.add_subcommand("node", "Issue a command for a node to its host");
    node->require_subcommand(1);
    auto arguments = std::make_shared<Arguments>();

    const auto check_create = [arguments] {
        cli::parse_key_values("--property", arguments->properties);
        cli::node_network_of_options(arguments->network_mode, arguments->ip, arguments->gateway);
    };
    auto* create = add_command(*node, "create",
                               "Create a node on a host from an image added to bv-api (prints the node id and "
                               "the command id)",
                               context, action, with(arguments, create_node), check_create);
    create->add_option("HOST", arguments->host, "Id or name of the host (see 'bv-api hosts')")->required();
    create->add_option("IMAGE", arguments->image, "Image as protocol/node_type/version (see 'bv-api images')")
        ->required();
    create->add_option("--name", arguments->name, "Name of the node: a-z, 0-9 and '-', unique in bv-api")->required();
    create->add_option("--property", arguments->properties, "A property of the node (repeatable)")
        ->type_name("KEY=VALUE");
    create->add_option("--network", arguments->network_mode, "host: the host's network; bridge: an address of its own")
        ->check(CLI::IsMember({"host", "bridge"}))
        ->capture_default_str();
    create->add_option("--ip", arguments->ip, "IP address of the node (only with --network bridge)");
    create->add_option("--gateway", arguments->gateway, "Gateway of the node (only with --network bridge)");

    struct Change {
        const char* name;
        const char* description;
        admin::NodeAction action;
    };
    for (const auto& change : {Change{"start", "Start a node", admin::NODE_ACTION_START},
                               Change{"stop", "Stop a node", admin::NODE_ACTION_STOP},
                               Change{"restart", "Restart a node", admin::NODE_ACTION_RESTART},
                               Change{"delete", "Delete a node and its data", admin::NODE_ACTION_DELETE},
                               Change{"upgrade", "Move a node to another version of its image (data kept)",
                                      admin::NODE_ACTION_UPGRADE}}) {
        const auto node_action = change.action;
        auto* command = add_command(*node, change.name, change.description, context, action,
                                    with(arguments, [node_action](const AdminContext& c, rpc::ConnectClient& client,
                                                                  const Arguments& a) {
                                        return change_node(c, client, a, node_action);
                                    }));
        command->add_option("NODE", arguments->node, "Id or name of the node (see 'bv-api nodes')")->required();
        if (node_action == admin::NODE_ACTION_STOP || node_action == admin::NODE_ACTION_RESTART) {
            command->add_flag("--force", arguments->force, "Kill the node's processes instead of stopping gracefully");
        }
        if (node_action == admin::NODE_ACTION_UPGRADE) {
            command->add_option("IMAGE", arguments->image, "The new image, as protocol/node_type/version")->required();
        }
    }
}

}  // namespace

void add_admin_commands(CLI::App& app, AdminContext& context, Action& action) {
    auto arguments = std::make_shared<Arguments>();
    add_command(app, "otp", "Print a new one-time password for 'bv init' (single use, valid 1 h)", context, action,
                with(arguments, create_otp))
        ->add_option("--ttl-seconds", arguments->ttl_seconds, "How long it is valid (default: 3600)")
        ->check(CLI::Range(1u, 30u * 24 * 3600));
    add_command(app, "hosts", "List the hosts: status, stream, version, nodes, metrics", context, action,
                with(arguments, list_hosts));
    auto* host = app.add_subcommand("host", "Change a host");
    host->require_subcommand(1);
    add_command(*host, "revoke", "Revoke every token of a host (it must be provisioned again)", context, action,
                with(arguments, revoke_host))
        ->add_option("HOST", arguments->host, "Id or name of the host")
        ->required();
    auto* nodes = add_command(app, "nodes", "List the nodes: host, image, status as reported, height", context,
                              action, with(arguments, list_nodes));
    nodes->add_option("--host", arguments->host, "Only the nodes of this host (id or name)");
    nodes->add_flag("--all", arguments->all, "Deleted nodes too");
    add_node_commands(app, context, action);
    auto* image = app.add_subcommand("image", "Add images for hosts to download");
    image->require_subcommand(1);
    add_command(*image, "add",
                "Pack an image directory (babel.toml and rootfs/, from scripts/build-image) and serve it to hosts",
                context, action, with(arguments, add_image))
        ->add_option("IMAGE_DIR", arguments->directory, "The image directory, on this machine")
        ->required()
        ->check(CLI::ExistingDirectory);
    add_command(app, "images", "List the images bv-api serves", context, action, with(arguments, list_images));
    auto* bundle = app.add_subcommand("bundle", "Publish BlockVisor bundles for hosts to update to");
    bundle->require_subcommand(1);
    add_command(*bundle, "publish",
                "Serve a bundle (blockvisor-VERSION.tar.gz from scripts/bundle) and send every host a "
                "HostUpdateNotice",
                context, action, with(arguments, publish_bundle))
        ->add_option("FILE", arguments->file, "The bundle file, on this machine")
        ->required()
        ->check(CLI::ExistingFile);
    add_command(app, "bundles", "List the bundles bv-api serves, newest first", context, action,
                with(arguments, list_bundles));
    add_command(app, "keys", "List the keys bv-api keeps for a node", context, action, with(arguments, list_keys))
        ->add_option("NODE", arguments->node, "Id or name of the node")
        ->required();
    add_command(app, "commands", "List the commands: kind, node, state (pending, acked, completed), result", context,
                action, with(arguments, list_commands))
        ->add_option("--host", arguments->host, "Only the commands of this host (id or name)");
}

}  // namespace bv::api
