#include "api/api_server.hpp"

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <optional>
#include <set>

#include "api/admin_service.hpp"
#include "api/auth_service.hpp"
#include "api/bundle_service.hpp"
#include "api/command_service.hpp"
#include "api/data_dir.hpp"
#include "api/host_service.hpp"
#include "api/image_files.hpp"
#include "api/image_service.hpp"
#include "api/install_script.hpp"
#include "api/key_service.hpp"
#include "api/metrics_service.hpp"
#include "api/node_service.hpp"
#include "api/server_address.hpp"
#include "api/tls_material.hpp"
#include "common/files.hpp"
#include "common/lock_file.hpp"
#include "common/log.hpp"
#include "common/version.hpp"
#include "rpc/server.hpp"
#include "rpc/tls.hpp"

namespace bv::api {
namespace {

namespace fs = std::filesystem;

std::string machine_hostname() {
    char name[256] = "";
    if (::gethostname(name, sizeof name - 1) != 0) return "";
    return name;
}

std::set<std::string> recorded_files(Store& store) {
    std::set<std::string> files;
    for (const auto& image : store.images.list()) files.insert(image.file());
    return files;
}

std::set<std::string> recorded_bundles(Store& store) {
    std::set<std::string> files;
    for (const auto& bundle : store.bundles.list()) files.insert("bundles/" + bundle.file());
    return files;
}

// Everything the server needs before it can answer, made or checked at start.
struct Startup {
    std::optional<LockFile> lock;
    std::optional<Store> store;
    std::optional<rpc::Acceptor> acceptor;
    ServerInfo info;
    std::shared_ptr<const rpc::TlsServer> tls;
    TlsFiles tls_files;
    std::string admin_token;
};

void start(const ServeOptions& options, const DataDir& dir, asio::io_context& io, Startup& startup) {
    fs::create_directories(dir.root);
    fs::permissions(dir.root, fs::perms::owner_all);
    fs::create_directories(dir.images());
    fs::create_directories(dir.bundles());
    std::string holder;
    startup.lock = LockFile::try_acquire(dir.lock_file(), &holder);
    if (!startup.lock) {
        throw std::runtime_error("another bv-api (pid " + (holder.empty() ? std::string("unknown") : holder) +
                                 ") serves " + dir.root.string() + "; stop it first, or use another --data");
    }
    startup.store.emplace(dir.database());
    remove_unrecorded_archives(dir.files(), recorded_files(*startup.store));
    remove_unrecorded_archives(dir.root, dir.bundles().filename().string(), recorded_bundles(*startup.store));

    const auto requested = parse_listen_address(options.listen);
    try {
        startup.acceptor.emplace(rpc::listen_tcp(io.get_executor(), requested.host, requested.port));
    } catch (const std::exception& error) {
        throw std::runtime_error("cannot listen on " + options.listen + ": " + error.what());
    }
    startup.info.listening = {requested.host, rpc::bound_port(*startup.acceptor)};
    const auto hostname = machine_hostname();
    startup.info.public_url = options.public_url.empty() ? default_public_url(startup.info.listening, hostname)
                                                         : options.public_url;
    while (startup.info.public_url.ends_with('/')) startup.info.public_url.pop_back();
    const auto public_url = rpc::parse_http_url(startup.info.public_url);
    if (!public_url.https) {
        throw std::invalid_argument("--public-url " + startup.info.public_url + " is not an https URL");
    }
    startup.info.pid = static_cast<int>(::getpid());

    startup.tls_files = ensure_tls_material(
        dir.tls_dir(), server_names(requested.host, public_url.endpoint.host, hostname));
    startup.tls = rpc::make_tls_server(startup.tls_files.server_certificate.string(), startup.tls_files.server_key.string());
    startup.admin_token = ensure_admin_token(dir.admin_token());
}

}  // namespace

int run_api_server(const ServeOptions& options) {
    log::init("bv-api", log::parse_level(options.log_level));
    const DataDir dir{options.data_dir};
    asio::io_context io;
    Startup startup;
    try {
        start(options, dir, io, startup);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "bv-api: cannot start: %s\n", error.what());
        return 1;
    }
    auto& store = *startup.store;

    Fleet fleet(store);
    CommandFeed feed;
    ServiceSettings settings;
    settings.access_token_ttl = options.access_token_ttl;
    settings.heartbeat = options.heartbeat;
    settings.public_url = startup.info.public_url;
    settings.admin_token = startup.admin_token;
    settings.files_dir = dir.files();
    ServiceContext context{store, fleet, feed, settings};

    rpc::Router router;
    HostService hosts(context);
    hosts.register_with(router);
    AuthService auth(context);
    auth.register_with(router);
    CommandService commands(context);
    commands.register_with(router);
    NodeService nodes(context);
    nodes.register_with(router);
    KeyService keys(context);
    keys.register_with(router);
    MetricsService metrics(context);
    metrics.register_with(router);
    ImageService images(context);
    images.register_with(router);
    BundleService bundles(context);
    bundles.register_with(router, dir.bundles());
    AdminService admin_service(context, dir.bundles());
    admin_service.register_with(router);
    router.files(std::string(kFilesPrefix), dir.files());
    // The provisioning script, made at each request for the newest bundle.
    const auto ca_pem = read_file(startup.tls_files.ca_certificate);
    router.page("/install.sh", [&store, &settings, ca_pem, keys = options.release_public_keys] {
        InstallScriptInputs inputs{settings.public_url, ca_pem, std::nullopt, keys};
        const auto published = store.bundles.list();
        if (!published.empty()) inputs.newest = bundle_view(settings, published.front());
        return rpc::Page{200, "text/x-shellscript; charset=utf-8", install_script(inputs)};
    });
    rpc::Server server(router, "bv-api");

    asio::signal_set stop_signals(io, SIGTERM, SIGINT);
    stop_signals.async_wait([&](const boost::system::error_code& ec, int signal) {
        if (ec) return;
        log::info("received {}, shutting down", signal == SIGTERM ? "SIGTERM" : "SIGINT");
        // Command streams end at once (hosts reconnect to the next bv-api); calls in flight finish.
        feed.close();
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
                co_await server.shutdown(std::chrono::seconds(5));
                io.stop();
            },
            log::LogFailure{"shutting down"});
    });

    try {
        write_server_info(dir.server_info(), startup.info);
    } catch (const std::exception& error) {
        std::fprintf(stderr, "bv-api: cannot start: %s\n", error.what());
        return 1;
    }
    asio::co_spawn(io, server.serve_tls(std::move(*startup.acceptor), startup.tls), log::LogFailure{"serving"});
    const auto url = default_public_url(startup.info.listening, machine_hostname());
    std::printf("bv-api %s serving on %s (data %s, public URL %s)\n", kVersion, url.c_str(), dir.root.c_str(),
                startup.info.public_url.c_str());
    std::printf("hosts trust it with: bv init OTP --api %s --ca %s\n", startup.info.public_url.c_str(),
                startup.tls_files.ca_certificate.c_str());
    std::fflush(stdout);
    io.run();
    std::error_code ignored;
    fs::remove(dir.server_info(), ignored);
    log::info("stopped");
    return 0;
}

}  // namespace bv::api
