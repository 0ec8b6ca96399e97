// bv completion bash|zsh|fish: the scripts, made from this very command line definition; and
// bv __complete nodes|images (hidden): what the scripts ask the running bvd for.

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "blockvisor/v1/image.pb.h"
#include "blockvisor/v1/node.pb.h"
#include "cli/commands.hpp"
#include "modes/command_spec.hpp"
#include "modes/completion_scripts.hpp"

namespace bv::cli {
namespace {

namespace v1 = blockvisor::v1;

// A shell waits for the candidates while the user waits for the shell.
constexpr std::chrono::milliseconds kCompletionTimeout{2'000};

asio::awaitable<void> print_node_words(rpc::ConnectClient& client) {
    const auto list = co_await client.call<v1::ListNodesResponse>("blockvisor.v1.NodeService/List",
                                                                  v1::ListNodesRequest(), kCompletionTimeout);
    for (const auto& node : list.nodes()) fmt::print("{}\n{}\n", node.name(), node.id());
}

asio::awaitable<void> print_image_words(rpc::ConnectClient& client) {
    const auto list = co_await client.call<v1::ListImagesResponse>("blockvisor.v1.ImageService/List",
                                                                   v1::ListImagesRequest(), kCompletionTimeout);
    for (const auto& image : list.images()) fmt::print("{}\n", image.name());
}

}  // namespace

void add_completion_commands(CLI::App& app, CliContext& context, Action& action) {
    auto shell = std::make_shared<std::string>();
    auto* completion = app.add_subcommand(
        "completion", "Print a shell completion script: subcommands, options, and the nodes and images of bvd");
    completion->footer(
        "bash: source <(bv completion bash)    zsh: source <(bv completion zsh)    fish: bv completion fish | source");
    completion->add_option("SHELL", *shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
    completion->callback([&app, &action, shell] {
        action = [&app, shell] {
            std::fputs(completion_script(command_spec(app), *parse_shell(*shell)).c_str(), stdout);
            return 0;
        };
    });

    // Hidden (no group): for the scripts, not for people. Quiet on failure: a shell prints
    // nothing rather than an error in the middle of the command line.
    auto what = std::make_shared<std::string>();
    auto* complete = app.add_subcommand("__complete", "Node names and ids, or image names, one per line");
    complete->group("");
    complete->add_option("WHAT", *what)->required()->check(CLI::IsMember({"nodes", "images"}));
    complete->callback([&context, &action, what] {
        action = [&context, what] {
            std::FILE* stderr_copy = std::freopen("/dev/null", "w", stderr);
            (void)stderr_copy;
            return run_against_daemon(context, [what](rpc::ConnectClient& client) {
                return *what == "nodes" ? print_node_words(client) : print_image_words(client);
            });
        };
    });
}

}  // namespace bv::cli
