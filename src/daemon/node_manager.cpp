#include "daemon/node_manager.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <regex>

#include "babel/node_channel.hpp"
#include "common/async.hpp"
#include "common/log.hpp"
#include "common/node_words.hpp"
#include "common/system_info.hpp"
#include "common/wall_clock.hpp"
#include "common/worker_pool.hpp"
#include "daemon/node_names.hpp"
#include "daemon/node_starter.hpp"
#include "rpc/error.hpp"

namespace bv::daemon {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A run this long counts as a recovery that worked: later failures start a new series.
constexpr auto kStableRun = 60s;
constexpr auto kMaxRecoveryDelay = std::chrono::milliseconds(60'000);


bool valid_property_name(const std::string& name) {
    static const std::regex pattern("[A-Za-z0-9_.-]{1,64}");
    return std::regex_match(name, pattern);
}

bool valid_ipv4(const std::string& address) {
    static const std::regex pattern(R"((\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(/\d{1,2})?)");
    std::smatch parts;
    if (!std::regex_match(address, parts, pattern)) return false;
    for (int i = 1; i <= 4; ++i) {
        if (std::stoi(parts[i].str()) > 255) return false;
    }
    return true;
}

// Whether something on this host listens on TCP `port` (a bind fails with EADDRINUSE).
bool port_in_use(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    const int yes = 1;
    // TIME_WAIT leftovers of the node's own earlier run do not count.
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    const bool in_use = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 && errno == EADDRINUSE;
    ::close(fd);
    return in_use;
}

// The image a node is made from, and the requirements it brings (kept when it has none).
void record_image(v1::NodeRecord& record, const Image& image) {
    record.mutable_image()->set_protocol(image.config.config.protocol);
    record.mutable_image()->set_node_type(image.config.config.node_type);
    record.mutable_image()->set_version(image.config.config.node_version);
    if (!image.config.requirements) return;
    record.mutable_requirements()->set_vcpu_count(image.config.requirements->vcpu_count);
    record.mutable_requirements()->set_mem_size_mb(image.config.requirements->mem_size_mb);
    record.mutable_requirements()->set_disk_size_gb(image.config.requirements->disk_size_gb);
}

}  // namespace

struct NodeManager::Node {
    v1::NodeRecord record;
    Image image;
    std::unique_ptr<machine::Machine> machine;
    v1::NodeStatus status = v1::NODE_STATUS_STOPPED;
    std::string failure;
    AsyncMutex operations;
    std::uint32_t recovery_attempts = 0;
    Clock::time_point next_recovery{};
    Clock::time_point running_since{};
    bool deleted = false;
    bool watched = false;
    std::string start_ended_by;  // set when a forced stop or a delete ends a start in progress
};

NodeManager::NodeManager(asio::any_io_executor executor, HostPaths paths, ImageStore& images,
                         machine::MachineBackend& backend, EventBus& events, OwnedTasks& tasks,
                         NodeManagerOptions options)
    : executor_(std::move(executor)),
      tasks_(tasks),
      paths_(std::move(paths)),
      images_(images),
      backend_(backend),
      events_(events),
      options_(std::move(options)),
      store_(paths_.nodes_dir) {}

NodeManager::~NodeManager() = default;

machine::MachineSpec NodeManager::machine_spec(const v1::NodeRecord& record, const Image& image) const {
    machine::MachineSpec spec;
    spec.node_id = record.id();
    spec.hostname = record.name();
    spec.node_dir = store_.node_dir(record.id());
    spec.image_rootfs = image.rootfs();
    spec.babelsup_binary = options_.babel_binary;
    spec.network_mode = record.network().mode().empty() ? "host" : record.network().mode();
    spec.ip = record.network().ip();
    spec.gateway = record.network().gateway();
    spec.bridge = options_.bridge;
    spec.vcpu_count = record.requirements().vcpu_count();
    spec.mem_size_mb = record.requirements().mem_size_mb();
    return spec;
}

asio::awaitable<void> NodeManager::load() {
    // A delete cut short leaves a whole node's data behind: minutes of work, not on the loop.
    co_await run_in_worker([this] { store_.remove_leftovers(); }, Work::bulk);
    auto loaded = store_.load_all();
    for (const auto& broken : loaded.broken) log::error("node directory skipped: {}", broken);
    for (auto& record : loaded.records) {
        auto node = std::make_shared<Node>();
        node->record = std::move(record);
        try {
            node->image = images_.find(bv::image_name(node->record.image()));
        } catch (const rpc::Error& error) {
            node->failure = error.what();
            node->status = v1::NODE_STATUS_FAILED;
        }
        node->machine = backend_.make(machine_spec(node->record, node->image));
        const machine::MachineLocation location{node->record.machine().pid(), node->record.machine().start_time()};
        if (node->machine->attach(location) && node->record.started_at_ms() == 0) {
            // An earlier bvd died in the middle of starting it: start over (recovery will).
            log::warn("node {}: its start was interrupted; stopping what was started", node->record.name());
            node->machine->kill();
            co_await node->machine->wait_stopped();
            co_await node->machine->clean_up();
            node->status = v1::NODE_STATUS_STOPPED;
        } else if (node->machine->running()) {
            node->status = v1::NODE_STATUS_RUNNING;
            node->running_since = Clock::now();
            log::info("node {} ({}) is still running (pid {}): attached", node->record.name(), node->record.id(), location.pid);
        } else {
            // It stopped while no bvd watched, or a crash came between starting it and
            // recording it: free what it held outside its directory, kill what is left.
            co_await node->machine->clean_up();
            if (node->failure.empty()) node->status = v1::NODE_STATUS_STOPPED;
        }
        nodes_[node->record.id()] = node;
        if (node->status == v1::NODE_STATUS_RUNNING) watch_machine(node);
    }
    log::info("{} nodes loaded", nodes_.size());
    co_return;
}

std::shared_ptr<NodeManager::Node> NodeManager::find(std::string_view reference) const {
    if (const auto found = nodes_.find(std::string(reference)); found != nodes_.end() && !found->second->deleted) {
        return found->second;
    }
    for (const auto& [id, node] : nodes_) {
        if (node->record.name() == reference && !node->deleted) return node;
    }
    if (!looks_like_node_id(reference) && !valid_node_name(reference)) {
        throw rpc::Error(rpc::Code::invalid_argument,
                         "'" + std::string(reference) + "' is neither a node id nor a valid node name");
    }
    throw rpc::Error(rpc::Code::not_found, "node '" + std::string(reference) + "' not found (see 'bv node list')");
}

void NodeManager::publish(const Node& node, std::string_view event, std::string message) {
    v1::NodeEvent published;
    published.set_node_id(node.record.id());
    published.set_node_name(node.record.name());
    published.set_event(std::string(event));
    published.set_message(std::move(message));
    published.set_at_ms(unix_time_ms());
    log::info("node {}: {}{}{}", node.record.name(), event, published.message().empty() ? "" : ": ", published.message());
    events_.publish(published);
}

void NodeManager::set_status(Node& node, v1::NodeStatus status, std::string failure) {
    node.status = status;
    node.failure = std::move(failure);
    publish(node, status_word(status), node.failure);
}

void NodeManager::save(Node& node) {
    node.record.set_updated_at_ms(unix_time_ms());
    store_.save(node.record);
}

v1::NodeInfo NodeManager::info_of(const Node& node) const {
    v1::NodeInfo info;
    const auto& record = node.record;
    info.set_id(record.id());
    info.set_name(record.name());
    *info.mutable_image() = record.image();
    info.set_status(node.status);
    info.set_desired(record.desired());
    *info.mutable_properties() = record.properties();
    *info.mutable_network() = record.network();
    *info.mutable_requirements() = record.requirements();
    info.set_created_at_ms(record.created_at_ms());
    info.set_failure(node.failure);
    info.set_recovery_attempts(node.recovery_attempts);
    if (node.status == v1::NODE_STATUS_RUNNING && node.machine) {
        info.set_pid(node.machine->location().pid);
        // From the record: a node found running by a restarted bvd keeps its uptime.
        info.set_uptime_seconds(static_cast<std::uint64_t>(std::max<std::int64_t>(0, unix_time_ms() - record.started_at_ms()) / 1000));
    }
    return info;
}

std::vector<v1::NodeInfo> NodeManager::list() const {
    std::vector<v1::NodeInfo> infos;
    for (const auto& [id, node] : nodes_) {
        if (!node->deleted) infos.push_back(info_of(*node));
    }
    std::ranges::sort(infos, {}, [](const v1::NodeInfo& info) { return info.name(); });
    return infos;
}

v1::NodeInfo NodeManager::info(std::string_view node) const { return info_of(*find(node)); }

Image NodeManager::image_of(std::string_view node) const { return find(node)->image; }

bool NodeManager::uses_image(const std::string& image) const {
    return std::ranges::any_of(nodes_, [&](const auto& entry) {
        const auto& node = *entry.second;
        return !node.deleted && node.image.name == image;
    });
}

std::vector<std::string> NodeManager::running_nodes() const {
    std::vector<std::string> ids;
    for (const auto& [id, node] : nodes_) {
        if (!node->deleted && node->status == v1::NODE_STATUS_RUNNING) ids.push_back(id);
    }
    return ids;
}

rpc::Endpoint NodeManager::channel_of_running(std::string_view reference, std::uint32_t port) const {
    const auto node = find(reference);
    if (node->status != v1::NODE_STATUS_RUNNING || !node->machine) {
        throw rpc::Error(rpc::Code::failed_precondition, "node '" + node->record.name() + "' is " +
                                                             status_word(node->status) +
                                                             ", not running (start it with 'bv node start " +
                                                             node->record.name() + "')");
    }
    return node->machine->channel(port);
}

rpc::Endpoint NodeManager::babel_endpoint(std::string_view reference) const {
    return channel_of_running(reference, babel::kBabelPort);
}

rpc::Endpoint NodeManager::babelsup_endpoint(std::string_view reference) const {
    return channel_of_running(reference, babel::kBabelSupPort);
}

void NodeManager::check_create_request(const v1::CreateNodeRequest& request, const Image& image) const {
    if (!request.name().empty() && !valid_node_name(request.name())) {
        throw rpc::Error(rpc::Code::invalid_argument, "invalid node name '" + request.name() +
                                                          "': use 1 to 63 of a-z, 0-9 and '-', not starting with '-' and not shaped like a node id");
    }
    for (const auto& [id, node] : nodes_) {
        if (!node->deleted && node->record.name() == request.name()) {
            throw rpc::Error(rpc::Code::already_exists, "a node named '" + request.name() + "' exists already (" + id + ")");
        }
    }
    for (const auto& [name, value] : request.properties()) {
        if (!valid_property_name(name)) {
            throw rpc::Error(rpc::Code::invalid_argument, "invalid property name '" + name +
                                                              "': use 1 to 64 of A-Z, a-z, 0-9, '_', '.' and '-'");
        }
        if (value.find('\0') != std::string::npos || value.size() > 4096) {
            throw rpc::Error(rpc::Code::invalid_argument, "invalid value of property '" + name + "': NUL or over 4096 bytes");
        }
    }
    const auto& network = request.network();
    if (network.mode() == "bridge") {
        if (!valid_ipv4(network.ip()) || !valid_ipv4(network.gateway())) {
            throw rpc::Error(rpc::Code::invalid_argument,
                             "bridge network needs --ip and --gateway as IPv4 addresses (got '" + network.ip() + "', '" +
                                 network.gateway() + "')");
        }
    } else if (!network.mode().empty() && network.mode() != "host") {
        throw rpc::Error(rpc::Code::invalid_argument, "unknown network mode '" + network.mode() + "': use host or bridge");
    }
    check_resources(image.config);
}

void NodeManager::check_resources(const babel::BabelConfig& config) const {
    if (!config.requirements) return;
    const auto& wanted = *config.requirements;
    std::uint64_t cpus = wanted.vcpu_count, memory_mb = wanted.mem_size_mb, disk_taken_gb = 0;
    for (const auto& [id, node] : nodes_) {
        if (node->deleted) continue;
        cpus += node->record.requirements().vcpu_count();
        memory_mb += node->record.requirements().mem_size_mb();
        disk_taken_gb += node->record.requirements().disk_size_gb();
    }
    const auto disk_gb = disk_taken_gb + wanted.disk_size_gb;
    const auto host = read_system_info(paths_.root);
    const auto host_memory_mb = host.memory_total_bytes >> 20;
    // The nodes' disks are partly still free space on the host: count what they reserved.
    const auto host_disk_gb = (host.disk_available_bytes >> 30) + disk_taken_gb;
    if (cpus > host.cpu_count || memory_mb > host_memory_mb || disk_gb > host_disk_gb) {
        throw rpc::Error(rpc::Code::resource_exhausted,
                         "the node needs " + std::to_string(wanted.vcpu_count) + " vCPU, " +
                             std::to_string(wanted.mem_size_mb) + " MB memory and " + std::to_string(wanted.disk_size_gb) +
                             " GB disk; with the nodes already here that makes " + std::to_string(cpus) + " vCPU, " +
                             std::to_string(memory_mb) + " MB, " + std::to_string(disk_gb) + " GB, but the host has " +
                             std::to_string(host.cpu_count) + " CPUs, " + std::to_string(host_memory_mb) + " MB and " +
                             std::to_string(host_disk_gb) + " GB");
    }
}

void NodeManager::check_host_ports(const Node& node) const {
    if (node.record.network().mode() == "bridge") return;
    for (const auto& [id, other] : nodes_) {
        // A node still starting holds its ports already: its client may not listen yet.
        const bool holds_ports = other->status == v1::NODE_STATUS_RUNNING || other->status == v1::NODE_STATUS_STARTING;
        if (other.get() == &node || other->deleted || other->record.network().mode() == "bridge" || !holds_ports) {
            continue;
        }
        for (const auto port : node.image.config.config.ports) {
            const auto& taken = other->image.config.config.ports;
            if (std::ranges::find(taken, port) != taken.end()) {
                throw rpc::Error(rpc::Code::failed_precondition,
                                 "node '" + node.record.name() + "' needs port " + std::to_string(port) +
                                     " of the host network, which node '" + other->record.name() +
                                     "' uses; stop it, or create this node with --network bridge");
            }
        }
    }
    // Something else may hold a port too: the node's client could not listen, and babel would
    // talk to whoever does.
    for (const auto port : node.image.config.config.ports) {
        if (port_in_use(port)) {
            throw rpc::Error(rpc::Code::failed_precondition,
                             "node '" + node.record.name() + "' needs port " + std::to_string(port) +
                                 " of the host network, but another program on this host listens on it; stop "
                                 "that program, or create this node with --network bridge");
        }
    }
}

asio::awaitable<v1::NodeInfo> NodeManager::create(v1::CreateNodeRequest request) {
    auto image = images_.find(request.image());
    check_create_request(request, image);
    auto node = std::make_shared<Node>();
    auto& record = node->record;
    record.set_id(new_node_id());
    record.set_name(request.name().empty() ? generate_node_name([this](const std::string& name) {
        return std::ranges::any_of(nodes_, [&](const auto& entry) { return entry.second->record.name() == name; });
    })
                                           : request.name());
    record_image(record, image);
    *record.mutable_properties() = request.properties();
    *record.mutable_network() = request.network();
    if (record.network().mode().empty()) record.mutable_network()->set_mode("host");
    record.set_desired(v1::NODE_STATUS_STOPPED);
    record.set_created_at_ms(unix_time_ms());
    record.set_updated_at_ms(record.created_at_ms());
    node->image = image;
    node->status = v1::NODE_STATUS_CREATING;
    // Reserve the name and the resources while the directory is being built.
    nodes_[record.id()] = node;
    auto guard = co_await node->operations.lock();
    publish(*node, "creating", bv::image_name(record.image()));

    const auto staging = store_.staging_dir(record.id());
    try {
        co_await run_in_worker([&] {
            const auto state = staging / "state/bin";
            fs::create_directories(state);
            fs::create_directories(staging / "data");
            // babel comes preinstalled: a first start needs no upload. A hard link when the
            // file system allows it, else a copy.
            std::error_code ec;
            fs::create_hard_link(options_.babel_binary, state / "babel", ec);
            if (ec) fs::copy_file(options_.babel_binary, state / "babel");
            NodeStore::write_record(staging, record);
            store_.publish(record.id());
        });
    } catch (const std::exception& error) {
        // Operations queued behind the create find it gone.
        node->deleted = true;
        nodes_.erase(record.id());
        std::error_code ignored;
        fs::remove_all(staging, ignored);
        throw rpc::Error(rpc::Code::internal, "creating node '" + record.name() + "' failed: " + error.what());
    }
    node->machine = backend_.make(machine_spec(record, image));
    set_status(*node, v1::NODE_STATUS_STOPPED);
    co_return info_of(*node);
}

asio::awaitable<void> NodeManager::start_locked(std::shared_ptr<Node> shared) {
    auto& node = *shared;
    if (node.status == v1::NODE_STATUS_RUNNING && node.machine->running()) co_return;
    if (node.image.name.empty()) {
        throw rpc::Error(rpc::Code::failed_precondition,
                         "node '" + node.record.name() + "': its image is not in the cache: " + node.failure);
    }
    check_host_ports(node);
    node.record.set_desired(v1::NODE_STATUS_RUNNING);
    node.record.set_started_at_ms(0);
    save(node);
    set_status(node, v1::NODE_STATUS_STARTING);
    const StartPlan plan{node.record, node.image, store_.node_dir(node.record.id()), options_.babel_binary,
                         options_.babel_sha256, [&] {
                             const auto location = node.machine->location();
                             node.record.mutable_machine()->set_pid(location.pid);
                             node.record.mutable_machine()->set_start_time(location.start_time);
                             save(node);
                         }};
    std::string failure;
    try {
        co_await run_start_sequence(*node.machine, plan);
    } catch (const std::exception& error) {
        // Not only the steps' own errors: a state file that cannot be written (full disk)
        // must not leave a sandbox running that no one watches.
        failure = node.start_ended_by.empty()
                      ? std::string(error.what())
                      : "node '" + node.record.name() + "': its start was ended by " + node.start_ended_by;
        node.machine->kill();
    }
    node.start_ended_by.clear();
    if (!failure.empty()) {
        co_await node.machine->wait_stopped();
        co_await node.machine->clean_up();
        set_status(node, v1::NODE_STATUS_FAILED, failure);
        throw rpc::Error(rpc::Code::failed_precondition, failure);
    }
    node.record.set_started_at_ms(unix_time_ms());
    save(node);
    node.running_since = Clock::now();
    set_status(node, v1::NODE_STATUS_RUNNING);
    watch_machine(shared);
}

asio::awaitable<void> NodeManager::stop_locked(Node& node, bool force) {
    set_desired(node, v1::NODE_STATUS_STOPPED);
    co_await stop_machine_locked(node, force);
}

void NodeManager::set_desired(Node& node, v1::NodeStatus desired) {
    if (node.record.desired() == desired) return;
    node.record.set_desired(desired);
    try {
        save(node);
    } catch (const std::exception& error) {
        // The operation goes on (a full disk must not keep a node from stopping); only a
        // bvd restarted before the next save would act on the old wish.
        log::error("node '{}': cannot save that it should be {}: {}", node.record.name(),
                   v1::NodeStatus_Name(desired), error.what());
    }
}

asio::awaitable<void> NodeManager::stop_machine_locked(Node& node, bool force) {
    if (node.machine->running()) {
        set_status(node, v1::NODE_STATUS_STOPPING, force ? "killing it" : "");
        co_await run_stop_sequence(*node.machine, force, node_stop_timeout(node.image));
    }
    // Also after a machine that died while an operation held the node (the watch leaves it
    // to the operation): what it held outside the node's directory goes.
    co_await node.machine->clean_up();
    if (node.record.has_machine()) {
        node.record.clear_machine();
        save(node);
    }
    if (node.status != v1::NODE_STATUS_STOPPED) set_status(node, v1::NODE_STATUS_STOPPED);
}

asio::awaitable<NodeManager::LockedNode> NodeManager::lock(const std::string& reference) {
    auto node = find(reference);
    auto guard = co_await node->operations.lock();
    // Deleted by the operation we waited for.
    if (node->deleted) throw rpc::Error(rpc::Code::not_found, "node '" + reference + "' was deleted");
    co_return LockedNode{std::move(node), std::move(guard)};
}

asio::awaitable<v1::NodeInfo> NodeManager::start(std::string reference) {
    auto [node, guard] = co_await lock(reference);
    node->recovery_attempts = 0;
    co_await start_locked(node);
    co_return info_of(*node);
}

// A start holds the node until it ends, init included (up to 30 min). A forced stop and a
// delete do not wait for that: they kill the machine, the start fails at once, and they go on.
void NodeManager::cut_start_short(Node& node, std::string_view by) {
    if (node.status != v1::NODE_STATUS_STARTING || !node.machine->running()) return;
    log::info("node {}: killing its machine to end the start in progress ({})", node.record.name(), by);
    node.start_ended_by = by;
    node.machine->kill();
}

asio::awaitable<v1::NodeInfo> NodeManager::stop(std::string reference, bool force) {
    if (force) cut_start_short(*find(reference), "a forced stop");
    auto [node, guard] = co_await lock(reference);
    co_await stop_locked(*node, force);
    co_return info_of(*node);
}

asio::awaitable<v1::NodeInfo> NodeManager::restart(std::string reference, bool force) {
    auto [node, guard] = co_await lock(reference);
    // Wanted running from here on: a bvd killed in the middle brings it back up.
    set_desired(*node, v1::NODE_STATUS_RUNNING);
    co_await stop_machine_locked(*node, force);
    node->recovery_attempts = 0;
    co_await start_locked(node);
    co_return info_of(*node);
}

asio::awaitable<v1::NodeInfo> NodeManager::upgrade(std::string reference, std::string image_name) {
    auto image = images_.find(image_name);
    auto [node, guard] = co_await lock(reference);
    const auto& current = node->record.image();
    if (image.config.config.protocol != current.protocol() || image.config.config.node_type != current.node_type()) {
        throw rpc::Error(rpc::Code::invalid_argument, "cannot upgrade node '" + node->record.name() + "' from " +
                                                          current.protocol() + "/" + current.node_type() + " to " +
                                                          image.name + ": the protocol and node type must stay the same");
    }
    if (image.config.config.node_version == current.version()) co_return info_of(*node);
    const bool was_running = node->record.desired() == v1::NODE_STATUS_RUNNING;
    publish(*node, "upgrading", "to " + image.name);
    // The desired state stays: a bvd killed in the middle brings the node back as it was.
    co_await stop_machine_locked(*node, false);
    const auto node_dir = store_.node_dir(node->record.id());
    // The root file system changes of the old version go; data and babel's state stay. Moved
    // aside before the record names the new image, so that no crash leaves the new image
    // over a half-removed layer of the old one.
    const auto old_layer = node_dir / "rootfs.replaced";
    co_await run_in_worker(
        [&] {
            fs::remove_all(old_layer);
            if (fs::exists(node_dir / "rootfs")) fs::rename(node_dir / "rootfs", old_layer);
        },
        Work::bulk);
    // Read again: it may have been replaced while this waited (from here on it is in use).
    image = images_.find(image_name);
    record_image(node->record, image);
    node->image = image;
    node->machine = backend_.make(machine_spec(node->record, image));
    save(*node);
    co_await run_in_worker([&] { fs::remove_all(old_layer); }, Work::bulk);
    publish(*node, "upgraded", "to " + image.name);
    if (was_running) {
        co_await start_locked(node);
    }
    co_return info_of(*node);
}

asio::awaitable<std::string> NodeManager::remove(std::string reference) {
    auto node = find(reference);
    cut_start_short(*node, "a delete");
    auto guard = co_await node->operations.lock();
    const auto id = node->record.id();
    if (node->deleted) co_return id;
    // A bvd killed in the middle of the delete must not start the node again.
    set_desired(*node, v1::NODE_STATUS_STOPPED);
    set_status(*node, v1::NODE_STATUS_DELETING);
    co_await run_stop_sequence(*node->machine, false, node_stop_timeout(node->image));
    co_await node->machine->clean_up();
    const auto retired = store_.retire(id);
    node->deleted = true;
    nodes_.erase(id);
    co_await run_in_worker([retired] { fs::remove_all(retired); }, Work::bulk);
    publish(*node, "deleted");
    co_return id;
}

void NodeManager::watch_machine(const std::shared_ptr<Node>& node) {
    if (node->watched || node->status != v1::NODE_STATUS_RUNNING) return;
    node->watched = true;
    tasks_.spawn(executor_, watch(node), log::LogFailure{"watching a node"});
}

asio::awaitable<void> NodeManager::watch(std::shared_ptr<Node> node) {
    co_await node->machine->wait_stopped();
    node->watched = false;
    // Stopped by an operation: that operation reports it.
    if (node->deleted || node->operations.locked() || node->status != v1::NODE_STATUS_RUNNING) co_return;
    set_status(*node, v1::NODE_STATUS_FAILED, "the node's machine stopped unexpectedly");
    {
        // Held while freeing what the machine had: a recovery must not start it meanwhile.
        auto guard = co_await node->operations.lock();
        co_await node->machine->clean_up();
    }
    recovery_wanted_.notify_all();
}

asio::awaitable<void> NodeManager::recover(std::shared_ptr<Node> node) {
    auto guard = co_await node->operations.lock();
    if (node->deleted) co_return;
    const bool running = node->machine->running();
    if (node->record.desired() == v1::NODE_STATUS_STOPPED) {
        if (running) co_await stop_locked(*node, false);
        co_return;
    }
    if (running && node->status == v1::NODE_STATUS_RUNNING) co_return;
    ++node->recovery_attempts;
    publish(*node, "recovering", "attempt " + std::to_string(node->recovery_attempts) + " of " +
                                     std::to_string(options_.max_recovery_attempts));
    try {
        if (running) co_await stop_machine_locked(*node, true);
        co_await start_locked(node);
    } catch (const std::exception&) {
        // start_locked reported the failure; the next attempt comes after the backoff.
    }
}

asio::awaitable<void> NodeManager::run_recovery() {
    for (;;) {
        const auto now = Clock::now();
        for (const auto& [id, node] : nodes_) {
            if (node->deleted || node->operations.locked()) continue;
            const bool running = node->machine && node->machine->running();
            const bool wants_running = node->record.desired() == v1::NODE_STATUS_RUNNING;
            if (running && node->status == v1::NODE_STATUS_RUNNING) {
                if (now - node->running_since > kStableRun) node->recovery_attempts = 0;
                if (wants_running) continue;
            }
            if (!wants_running && !running) continue;
            if (node->image.name.empty() || now < node->next_recovery) continue;
            if (wants_running && node->recovery_attempts >= options_.max_recovery_attempts) {
                if (node->status != v1::NODE_STATUS_FAILED || !node->failure.starts_with("gave up")) {
                    set_status(*node, v1::NODE_STATUS_FAILED,
                               "gave up after " + std::to_string(node->recovery_attempts) +
                                   " recovery attempts (last: " + node->failure + "); start it again with 'bv node start'");
                }
                continue;
            }
            const auto delay = std::min(kMaxRecoveryDelay, std::chrono::milliseconds(1000 << std::min(node->recovery_attempts, 6u)));
            node->next_recovery = now + delay;
            tasks_.spawn(executor_, recover(node), log::LogFailure{"recovering a node"});
        }
        co_await with_timeout(recovery_wanted_.wait(), options_.recovery_interval);
    }
}

}  // namespace bv::daemon
