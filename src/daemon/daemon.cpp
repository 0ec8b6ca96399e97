#include "daemon/daemon.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <csignal>
#include <cstdio>
#include <optional>
#include <sys/prctl.h>

#include "common/host_config.hpp"
#include "common/lock_file.hpp"
#include "common/log.hpp"
#include "common/owned_tasks.hpp"
#include "common/paths.hpp"
#include "common/version.hpp"
#include "common/worker_pool.hpp"
#include "common/child_processes.hpp"
#include "common/sha256.hpp"
#include "daemon/event_bus.hpp"
#include "daemon/host_service.hpp"
#include "daemon/image_service.hpp"
#include "daemon/image_store.hpp"
#include "daemon/metrics_collector.hpp"
#include "daemon/metrics_service.hpp"
#include "daemon/node_manager.hpp"
#include "daemon/node_service.hpp"
#include "machine/sandbox_machine.hpp"
#include "rpc/server.hpp"

namespace bv::daemon {

namespace asio = boost::asio;
namespace v1 = blockvisor::v1;

namespace {

void create_directories(const HostPaths& paths) {
    for (const auto& directory : {paths.config_dir, paths.nodes_dir, paths.images_dir, paths.run_dir}) {
        std::filesystem::create_directories(directory);
    }
}

// Removes leftovers and loads the nodes (a shutdown may come meanwhile: this is a task too),
// then starts recovery and metrics and serves the local API.
asio::awaitable<void> serve_api(ImageStore& images, NodeManager& nodes, MetricsCollector& metrics, rpc::Server& server,
                                OwnedTasks& tasks, rpc::Acceptor acceptor) {
    co_await run_in_worker([&images] { images.remove_leftovers(); }, Work::bulk);
    co_await nodes.load();
    const auto executor = co_await asio::this_coro::executor;
    tasks.spawn(executor, nodes.run_recovery(), log::LogFailure{"the recovery loop"});
    tasks.spawn(executor, metrics.run(), log::LogFailure{"the metrics collector"});
    co_await server.serve(std::move(acceptor));
}

}  // namespace

int run_daemon(const DaemonOptions& options) {
    const auto paths = host_paths(options.root);
    std::optional<LockFile> lock;
    v1::HostConfig config;
    try {
        create_directories(paths);
        std::string holder;
        lock = LockFile::try_acquire(paths.lock_file, &holder);
        if (!lock) {
            std::fprintf(stderr,
                         "bvd: another bvd (pid %s) is already running on root %s; stop it first, or use "
                         "another --root\n",
                         holder.empty() ? "unknown" : holder.c_str(), paths.root.c_str());
            return 1;
        }
        config = load_host_config(paths.config_file);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "bvd: cannot start: %s\n", error.what());
        return 1;
    }
    log::init("bvd", log::parse_level(options.log_level.empty() ? config.log_level() : options.log_level));

    if (config.backend() != "sandbox") {
        log::error("backend '{}' is not available in this version: set \"backend\": \"sandbox\" in {}", config.backend(),
                   paths.config_file.string());
        return 1;
    }
    // Sandboxes are not bvd's children (they outlive it), but while bvd runs their PID 1s are
    // re-parented to it, so their exits are reaped here instead of piling up as zombies.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);

    asio::io_context io;
    ChildProcesses children(io.get_executor(), true);
    ImageStore images(paths.images_dir);
    EventBus events;
    machine::SandboxBackend backend(children);
    NodeManagerOptions node_options;
    node_options.babel_binary = std::filesystem::read_symlink("/proc/self/exe");
    node_options.babel_sha256 = sha256_file(node_options.babel_binary);
    node_options.bridge = config.bridge();
    // Node operations that outlive their callers, recoveries, machine watches and the
    // background loops: all finished before what they use goes away.
    OwnedTasks tasks;
    NodeManager nodes(io.get_executor(), paths, images, backend, events, tasks, node_options);
    MetricsCollector metrics(nodes, paths.root, options.metrics_interval);

    rpc::Router router;
    HostService host_service(paths, config);
    host_service.register_with(router);
    NodeService node_service(nodes, events, metrics, tasks);
    node_service.register_with(router);
    ImageService image_service(images, [&](const std::string& image) { return nodes.uses_image(image); }, tasks);
    image_service.register_with(router);
    MetricsService metrics_service(metrics);
    metrics_service.register_with(router);
    rpc::Server server(router, "bvd");

    // Caught from before the socket exists: whoever sees the socket may already stop bvd.
    asio::signal_set stop_signals(io, SIGTERM, SIGINT);
    stop_signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        log::info("received {}, shutting down (nodes keep running)", signal == SIGTERM ? "SIGTERM" : "SIGINT");
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                co_await server.shutdown(options.shutdown_grace);
                // Operations whose callers went away get a moment more, then are cut: the
                // next bvd finds their nodes as after a crash, and recovers them.
                co_await tasks.finish(std::chrono::seconds(2));
                io.stop();
            },
            log::LogFailure{"shutting down"});
    });

    try {
        tasks.spawn(io.get_executor(),
                    serve_api(images, nodes, metrics, server, tasks, rpc::listen_unix(io.get_executor(), paths.socket.string(), 0660)),
                    log::LogFailure{"serving the local API"});
    } catch (const std::exception& error) {
        log::error("cannot listen on {}: {}", paths.socket.string(), error.what());
        return 1;
    }

    log::info("blockvisor {} serving on {} (root {}, backend {})", kVersion, paths.socket.string(),
              paths.root.string(), config.backend());
    io.run();
    std::filesystem::remove(paths.socket);
    log::info("stopped");
    return 0;
}

}  // namespace bv::daemon
