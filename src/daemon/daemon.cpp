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

#include "host/host_config.hpp"
#include "common/lock_file.hpp"
#include "common/open_file_limit.hpp"
#include "common/log.hpp"
#include "common/owned_tasks.hpp"
#include "host/listen_address.hpp"
#include "host/paths.hpp"
#include "host/socket_group.hpp"
#include "common/version.hpp"
#include "common/worker_pool.hpp"
#include "common/child_processes.hpp"
#include "common/async.hpp"
#include "common/sha256.hpp"
#include "daemon/control/control_plane.hpp"
#include "daemon/event_bus.hpp"
#include "daemon/host_service.hpp"
#include "daemon/image_downloader.hpp"
#include "daemon/image_service.hpp"
#include "daemon/image_store.hpp"
#include "daemon/metrics_collector.hpp"
#include "daemon/metrics_endpoint.hpp"
#include "daemon/metrics_service.hpp"
#include "daemon/node_manager.hpp"
#include "daemon/node_service.hpp"
#include "daemon/sd_notify.hpp"
#include "daemon/update/update_checker.hpp"
#include "machine/cgroup_moves.hpp"
#include "machine/firecracker_machine.hpp"
#include "machine/qemu_machine.hpp"
#include "machine/sandbox_machine.hpp"
#include "rpc/server.hpp"
#include "rpc/tls.hpp"

namespace bv::daemon {

namespace asio = boost::asio;
namespace v1 = blockvisor::v1;

namespace {

// An image the control plane located, fetched over TLS verified as the control plane's own
// connection is (with its CA file, when the host was provisioned with one).
asio::awaitable<void> download_located(ImageDownloader& downloads, const HostConfigStore& config, std::string image,
                                       api::v1::LocateImageResponse where) {
    LocatedImage located{where.url(), where.size(), where.sha256(), {}, rpc::make_tls_client(config.get().api_ca_file())};
    co_await downloads.fetch(std::move(image), std::move(located));
}

void create_directories(const HostPaths& paths) {
    for (const auto& directory : {paths.config_dir, paths.nodes_dir, paths.images_dir, paths.run_dir}) {
        std::filesystem::create_directories(directory);
    }
    // Tokens, node keys and records are bvd's alone, also on a root made by an older bvd. The
    // run directory stays open: the socket's group reaches the socket through it.
    for (const auto& directory : {paths.config_dir, paths.state_dir}) {
        std::filesystem::permissions(directory, std::filesystem::perms::owner_all);
    }
}

// `bvd --otp OTP --api URL`, as a provisioning script starts it: registers the host first. A
// host provisioned already keeps its registration; a refused password stops bvd (exit 1),
// so that the script sees it.
asio::awaitable<void> provision_at_start(ControlPlane& control_plane, const DaemonOptions& options,
                                         std::function<void(int)> stop) {
    if (control_plane.provisioned()) {
        log::warn("--otp ignored: this host is provisioned already (host {}); use 'bv init --force' to register it again",
                  control_plane.config().host_id());
        co_return;
    }
    try {
        co_await control_plane.provision(options.otp, options.api_url, options.api_ca_file, false);
    } catch (const rpc::Error& error) {
        log::error("provisioning with the one-time password failed: {}", error.what());
        stop(1);
    }
}

// Removes leftovers and loads the nodes (a shutdown may come meanwhile: this is a task too),
// then starts recovery, metrics and the control plane and serves the local API.
asio::awaitable<void> serve_api(ImageStore& images, NodeManager& nodes, MetricsCollector& metrics,
                                ControlPlane& control_plane, UpdateChecker& updates, rpc::Server& server,
                                OwnedTasks& tasks, rpc::Acceptor acceptor, const DaemonOptions& options,
                                std::function<void(int)> stop, MetricsEndpoint& endpoint, SystemdNotifier& systemd) {
    // The update check comes first: a release whose bvd fails later in its start (loading the
    // nodes, say) can still be replaced by a fixed one. Bounded: an unreachable control plane
    // delays the start by update_check_start_bound at most.
    co_await updates.first_check_decided(options.update_check_start_bound);
    co_await run_in_worker([&images] { images.remove_leftovers(); }, Work::bulk);
    systemd.status("loading nodes");
    co_await nodes.load();
    // Before the API answers: a bvd that answers Health has its nodes' babel in step with it
    // (bv-installer's health check after a self update waits for this).
    co_await nodes.update_babel_in_running_nodes();
    endpoint.set_ready(true);
    systemd.ready(fmt::format("serving {} nodes", nodes.list().size()));
    const auto executor = co_await asio::this_coro::executor;
    tasks.spawn(executor, nodes.run_recovery(), log::LogFailure{"the recovery loop"});
    tasks.spawn(executor, metrics.run(), log::LogFailure{"the metrics collector"});
    if (!options.otp.empty()) {
        tasks.spawn(executor, provision_at_start(control_plane, options, stop), log::LogFailure{"provisioning"});
    }
    control_plane.start();
    co_await server.serve(std::move(acceptor));
}

// WATCHDOG=1 at half of WatchdogSec, from the io_context's thread: a bvd whose event loop is
// stuck stops feeding it, and systemd restarts it.
asio::awaitable<void> feed_watchdog(SystemdNotifier& systemd, std::chrono::milliseconds interval) {
    for (;;) {
        systemd.watchdog();
        co_await sleep_for(interval);
    }
}

// Sandbox starts wait for an RCU grace period at their cgroup move unless the host's cgroup2
// mount favours dynamic moves (machine/cgroup_moves.hpp); a host where bvd cannot change it
// only starts slower.
void favor_cgroup_moves_for_sandboxes() {
    try {
        if (machine::favor_cgroup_moves() == machine::CgroupMoves::made_fast) {
            log::info("turned favordynmods on at the host's cgroup2 mount: sandbox starts move into their cgroups "
                      "without waiting (\"keepCgroupOptions\": true in the host config leaves the mount alone)");
        }
    } catch (const std::exception& error) {
        log::warn("sandbox starts stay slower (each cgroup move waits 5-22 ms): {}", error.what());
    }
}

// bv-node, which every node runs as babelsup and babel, is installed beside blockvisor.
std::filesystem::path find_node_binary() {
    const auto binary = std::filesystem::read_symlink("/proc/self/exe").parent_path() / "bv-node";
    if (!std::filesystem::is_regular_file(binary)) {
        throw std::runtime_error("the node binary " + binary.string() +
                                 " is missing: install bv-node beside blockvisor (nodes run it)");
    }
    return binary;
}

}  // namespace

int run_daemon(const DaemonOptions& options) {
    const auto paths = host_paths(options.root);
    std::optional<LockFile> lock;
    v1::HostConfig config;
    std::filesystem::path node_binary;
    std::string node_binary_sha256;
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
        node_binary = find_node_binary();
        node_binary_sha256 = sha256_file(node_binary);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "bvd: cannot start: %s\n", error.what());
        return 1;
    }
    log::init("bvd", log::parse_level(options.log_level.empty() ? config.log_level() : options.log_level));

    const auto default_backend = machine::parse_backend_name(config.backend());
    const auto accelerator = machine::parse_accelerator(config.accel());
    if (!default_backend || !accelerator) {
        log::error("{} is not valid: \"backend\" must be sandbox, qemu or firecracker (is '{}'), \"accel\" auto, kvm or "
                   "tcg (is '{}')",
                   paths.config_file.string(), config.backend(), config.accel());
        return 1;
    }
    // Sandboxes are not bvd's children (they outlive it), but while bvd runs their PID 1s are
    // re-parented to it, so their exits are reaped here instead of piling up as zombies.
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    // Room for the local API's connections (see ServerLimits) besides the nodes' files.
    raise_open_file_limit();
    if (!config.keep_cgroup_options()) favor_cgroup_moves_for_sandboxes();
    // Forked now, while bvd is small and has no threads (sandbox_spawner.hpp).
    machine::SandboxSpawner spawner;

    asio::io_context io;
    ChildProcesses children(io.get_executor(), true);
    ImageStore images(paths.images_dir);
    EventBus events;
    machine::BackendRegistry backends(*default_backend);
    backends.add(std::make_unique<machine::SandboxBackend>(children, spawner));
    backends.add(std::make_unique<machine::QemuBackend>(children, config.qemu_binary()));
    backends.add(std::make_unique<machine::FirecrackerBackend>(children, config.firecracker_binary()));
    if (!backends.has(*default_backend)) {
        log::error("backend '{}' is not available in this version: set \"backend\" in {} to one that is",
                   config.backend(), paths.config_file.string());
        return 1;
    }
    NodeManagerOptions node_options;
    node_options.node_binary = node_binary;
    node_options.node_binary_sha256 = node_binary_sha256;
    node_options.bridge = config.bridge();
    node_options.accelerator = *accelerator;
    // Node operations that outlive their callers, recoveries, machine watches and the
    // background loops: all finished before what they use goes away.
    OwnedTasks tasks;
    NodeManager nodes(io.get_executor(), paths, images, backends, events, tasks, node_options);
    MetricsCollector metrics(nodes, paths.root, options.metrics_interval);

    HostConfigStore config_store(paths.config_file, config);
    // Made once the control plane exists (it holds the authenticated client); notices before
    // that cannot come.
    std::optional<UpdateChecker> updates;
    ImageDownloader downloads(io.get_executor(), images, paths.images_dir / ".downloading", tasks);
    ControlPlaneOptions control_options;
    control_options.metrics_interval = options.control_plane_metrics_interval;
    control_options.download_image = [&](std::string image, api::v1::LocateImageResponse where) {
        return download_located(downloads, config_store, std::move(image), std::move(where));
    };
    control_options.check_for_update = [&updates](const std::string& why) {
        if (updates) updates->check_soon(why);
    };
    ControlPlane control_plane(io.get_executor(), paths, config_store, nodes, images, events, metrics, tasks,
                               control_options);
    UpdateCheckerOptions update_options;
    update_options.running_version = kVersion;
    updates.emplace(paths, config_store, control_plane.api(), children, update_options);

    rpc::Router router;
    HostService host_service(paths, config_store, control_plane, nodes.gate());
    host_service.register_with(router);
    if (options.test_hooks) register_test_hooks(router);
    NodeService node_service(nodes, events, metrics, tasks);
    node_service.register_with(router);
    ImageService image_service(images, downloads, [&](const std::string& image) { return nodes.uses_image(image); },
                               tasks);
    image_service.register_with(router);
    MetricsService metrics_service(metrics);
    metrics_service.register_with(router);
    rpc::Server server(router, "bvd");

    // Prometheus and health checks, when the host config (or --metrics-listen) asks for them:
    // plain HTTP on TCP, a server of its own so that a scraper never takes the local API's
    // connections.
    MetricsEndpoint endpoint(nodes, metrics, control_plane);
    rpc::Router metrics_router;
    endpoint.register_with(metrics_router);
    rpc::Server metrics_server(metrics_router, "bvd metrics");
    const auto metrics_listen = options.metrics_listen.value_or(config.metrics_listen());
    std::optional<rpc::Acceptor> metrics_acceptor;
    if (!metrics_listen.empty()) {
        try {
            const auto address = parse_listen_address(metrics_listen);
            metrics_acceptor.emplace(rpc::listen_tcp(io.get_executor(), address.host, address.port));
            log::info("serving metrics on http://{}:{}/metrics", metrics_listen.substr(0, metrics_listen.rfind(':')),
                      rpc::bound_port(*metrics_acceptor));
        } catch (const std::exception& error) {
            log::error("cannot serve metrics on '{}' (metrics_listen in {}): {}", metrics_listen,
                       paths.config_file.string(), error.what());
            return 1;
        }
    }

    // Under systemd (Type=notify): READY=1 once the nodes are loaded, its watchdog fed.
    auto systemd = SystemdNotifier::from_environment();
    systemd.status("checking for updates");

    int exit_code = 0;
    bool stopping = false;
    const auto stop = [&](int code) {
        if (std::exchange(stopping, true)) return;
        exit_code = code;
        systemd.stopping("stopping (nodes keep running)");
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                endpoint.set_ready(false);
                co_await metrics_server.shutdown(std::chrono::milliseconds(500));
                co_await server.shutdown(options.shutdown_grace);
                // Operations whose callers went away get a moment more, then are cut: the
                // next bvd finds their nodes as after a crash, and recovers them.
                co_await tasks.finish(std::chrono::seconds(2));
                io.stop();
            },
            log::LogFailure{"shutting down"});
    };
    // Caught from before the socket exists: whoever sees the socket may already stop bvd.
    asio::signal_set stop_signals(io, SIGTERM, SIGINT);
    stop_signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        log::info("received {}, shutting down (nodes keep running)", signal == SIGTERM ? "SIGTERM" : "SIGINT");
        stop(0);
    });

    try {
        auto acceptor = rpc::listen_unix(io.get_executor(), paths.socket.string(), 0660);
        // Before bvd accepts anyone: members of the group use bv without root.
        if (give_socket_to_group(paths.root, paths.socket)) {
            log::debug("{} belongs to group {}", paths.socket.string(), kSocketGroup);
        }
        tasks.spawn(io.get_executor(), updates->run(), log::LogFailure{"the update checker"});
        if (const auto interval = systemd.watchdog_interval()) {
            tasks.spawn(io.get_executor(), feed_watchdog(systemd, *interval), log::LogFailure{"the systemd watchdog"});
        }
        tasks.spawn(io.get_executor(),
                    serve_api(images, nodes, metrics, control_plane, *updates, server, tasks, std::move(acceptor),
                              options, stop, endpoint, systemd),
                    log::LogFailure{"serving the local API"});
        if (metrics_acceptor) {
            tasks.spawn(io.get_executor(), metrics_server.serve(std::move(*metrics_acceptor)),
                        log::LogFailure{"serving metrics"});
        }
    } catch (const std::exception& error) {
        log::error("cannot listen on {}: {}", paths.socket.string(), error.what());
        return 1;
    }

    log::info("blockvisor {} serving on {} (root {}, backend {})", kVersion, paths.socket.string(),
              paths.root.string(), config.backend());
    io.run();
    std::filesystem::remove(paths.socket);
    log::info("stopped");
    return exit_code;
}

}  // namespace bv::daemon
