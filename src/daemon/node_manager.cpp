#include "daemon/node_manager.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/this_coro.hpp>
#include <regex>
#include <tuple>

#include "babel/babel_identity.hpp"
#include "babel/node_channel.hpp"
#include "common/async.hpp"
#include "common/backoff_policy.hpp"
#include "common/files.hpp"
#include "common/log.hpp"
#include "host/node_words.hpp"
#include "common/system_info.hpp"
#include "common/version.hpp"
#include "common/wall_clock.hpp"
#include "common/worker_pool.hpp"
#include "daemon/admission.hpp"
#include "daemon/node_backend.hpp"
#include "daemon/node_names.hpp"
#include "daemon/recovery_policy.hpp"
#include "machine/vm_network.hpp"
#include "rpc/error.hpp"

namespace bv::daemon {
namespace {

// A record's machine (node.json, starting.json) and the backend's location of it.
machine::MachineLocation location_of(const v1::MachineRecord& machine) { return {machine.pid(), machine.start_time()}; }

v1::MachineRecord record_of(const machine::MachineLocation& location) {
    v1::MachineRecord machine;
    machine.set_pid(location.pid);
    machine.set_start_time(location.start_time);
    return machine;
}

bool same_machine(const v1::MachineRecord& left, const v1::MachineRecord& right) {
    return left.pid() == right.pid() && left.start_time() == right.start_time();
}

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Between recovery attempts: 1 s, 2 s, 4 s, ... up to 60 s.
BackoffPolicy recovery_backoff() { return BackoffPolicy(1s, 60s, kStableRun); }


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
    // Shared by the nodes of one image (NodeManager::shared_image).
    std::shared_ptr<const Image> image = std::make_shared<const Image>();
    std::unique_ptr<machine::Machine> machine;
    v1::NodeStatus status = v1::NODE_STATUS_STOPPED;
    std::string failure;
    AsyncMutex operations;
    std::uint32_t recovery_attempts = 0;
    bool recovery_gave_up = false;  // until an operator's start, stop or restart
    Clock::time_point next_recovery{};
    Clock::time_point running_since{};
    BackoffPolicy recovery_backoff = daemon::recovery_backoff();
    bool deleted = false;
    bool watched = false;
    std::uint64_t last_sequence = 0;  // of the last event published about it
    std::string start_ended_by;  // set when a forced stop or a delete ends a start in progress
    // The fields of its list row that change only with its record (id, name, image, ip), as
    // NodeRow's encoding; made at the first list after each save(). A list then reads one string
    // a node instead of six fields strewn over its record: at 1,000 nodes, chasing those was most
    // of bvd's part of `bv node list`.
    mutable std::string encoded_row;
};

NodeManager::NodeManager(asio::any_io_executor executor, HostPaths paths, ImageStore& images,
                         const machine::BackendRegistry& backends, EventBus& events, OwnedTasks& tasks,
                         NodeManagerOptions options)
    : executor_(std::move(executor)),
      tasks_(tasks),
      paths_(std::move(paths)),
      images_(images),
      backends_(backends),
      events_(events),
      options_(std::move(options)),
      store_(paths_.nodes_dir),
      // From the clock, so that sequences keep increasing across restarts of bvd.
      last_sequence_(static_cast<std::uint64_t>(unix_time_ms()) * 1000) {}

NodeManager::~NodeManager() = default;

// One copy per image, whatever the number of its nodes: a copy of the parsed babel.toml in each
// node was 3.5 KiB of the 16 KiB each node took in bvd's memory (measured, 1,000 dummy nodes).
std::shared_ptr<const Image> NodeManager::shared_image(Image image) {
    auto& cached = image_copies_[image.name];
    if (auto existing = cached.lock(); existing && existing->dir == image.dir && existing->config_toml == image.config_toml) {
        return existing;
    }
    auto made = std::make_shared<const Image>(std::move(image));
    cached = made;
    return made;
}

machine::MachineSpec NodeManager::machine_spec(const v1::NodeRecord& record, const Image& image) const {
    machine::MachineSpec spec;
    spec.node_id = record.id();
    spec.hostname = record.name();
    spec.node_dir = store_.node_dir(record.id());
    spec.image_rootfs = image.rootfs();
    spec.babelsup_binary = options_.node_binary;
    spec.network = network_mode_of(record.network());
    spec.ip = record.network().ip();
    spec.gateway = record.network().gateway();
    spec.bridge = options_.bridge;
    spec.vcpu_count = record.requirements().vcpu_count();
    spec.mem_size_mb = record.requirements().mem_size_mb();
    auto& vm = spec.vm;
    vm.kernel = image.kernel();
    vm.os_image = image.os_image();
    vm.image_name = image.name;
    vm.data_image = spec.node_dir / "data.img";
    // An image that states no disk gets 1 GiB: room for babel's state and a small chain.
    vm.data_disk_bytes = std::max<std::uint64_t>(record.requirements().disk_size_gb(), 1) << 30;
    vm.tap = machine::public_tap_name(record.id());
    vm.mac = machine::mac_of_ip(record.network().ip()).value_or("");
    vm.channel_link = record.channel_link();
    vm.accelerator = options_.accelerator;
    return spec;
}

std::unique_ptr<machine::Machine> NodeManager::make_machine(const v1::NodeRecord& record, const Image& image) const {
    return backends_.get(backend_of(record)).make(machine_spec(record, image));
}

std::uint32_t NodeManager::free_channel_link() const {
    for (auto link = machine::kFirstChannelLink; link < machine::kChannelLinkEnd; ++link) {
        const bool taken = std::ranges::any_of(nodes_, [&](const auto& entry) {
            return !entry.second->deleted && entry.second->record.channel_link() == link;
        });
        if (!taken) return link;
    }
    throw rpc::Error(rpc::Code::resource_exhausted, "no free node channel link left for another VM node on this host");
}

asio::awaitable<void> NodeManager::load() {
    // A delete cut short leaves a whole node's data behind: minutes of work, not on the loop.
    co_await run_in_worker([this] { store_.remove_leftovers(); }, Work::bulk);
    auto loaded = store_.load_all();
    for (const auto& broken : loaded.broken) log::error("node directory skipped: {}", broken);
    const auto loading = backends_.begin_load();
    for (auto& record : loaded.records) {
        if (const auto kind = backend_of(record); !backends_.has(kind)) {
            // Left as it is on disk: a bvd that has the backend takes it up again.
            log::error("node {} skipped: it runs on backend '{}', which this bvd lacks", record.name(),
                       machine::backend_name(kind));
            continue;
        }
        auto node = std::make_shared<Node>();
        node->record = std::move(record);
        try {
            node->image = shared_image(images_.find(bv::image_name(node->record.image())));
        } catch (const rpc::Error& error) {
            node->failure = error.what();
            node->status = v1::NODE_STATUS_FAILED;
        }
        node->machine = make_machine(node->record, *node->image);
        const auto& recorded = node->record.machine();
        // A start in progress whose end the record has not got (the record takes the machine
        // at the start's end).
        const auto started = store_.start_in_progress(node->record.id());
        if (started && !same_machine(*started, recorded)) {
            co_await undo_cut_start(*node, *started);
        } else if (node->machine->attach(location_of(recorded))) {
            node->status = v1::NODE_STATUS_RUNNING;
            node->running_since = Clock::now();
            node->recovery_backoff.started(node->running_since);
            log::info("node {} ({}) is still running (pid {}): attached", node->record.name(), node->record.id(), recorded.pid());
        } else {
            // It stopped while no bvd watched, or bvd died between starting a machine and
            // recording where it runs: free what it held outside its directory, kill what is
            // left. A machine left running was a start's, cut as undo_cut_start's was.
            const bool cut_start = co_await node->machine->clean_up();
            if (cut_start) record_cut_start(*node);
            if (node->failure.empty()) node->status = v1::NODE_STATUS_STOPPED;
        }
        store_.clear_start_in_progress(node->record.id());
        add_node(node);
        if (node->status == v1::NODE_STATUS_RUNNING) watch_machine(node);
    }
    log::info("{} nodes loaded", nodes_.size());
    co_return;
}

asio::awaitable<void> NodeManager::undo_cut_start(Node& node, const v1::MachineRecord& machine) {
    if (node.machine->attach(location_of(machine))) {
        log::warn("node {}: its start was interrupted; stopping what was started", node.record.name());
        node.machine->kill();
        co_await node.machine->wait_stopped();
        // (Without a machine, the host went down since, and the record from before the start
        // stands.)
        record_cut_start(node);
    }
    co_await node.machine->clean_up();
    if (node.failure.empty()) node.status = v1::NODE_STATUS_STOPPED;
}

// The start was asked for: recovery makes it again.
void NodeManager::record_cut_start(Node& node) {
    node.record.set_desired(v1::NODE_STATUS_RUNNING);
    save_or_log(node, "that it should run");
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

v1::NodeEvent NodeManager::event_of(const Node& node, v1::NodeEventKind kind, std::string message) const {
    v1::NodeEvent event;
    event.set_node_id(node.record.id());
    event.set_node_name(node.record.name());
    event.set_kind(kind);
    event.set_status(node.status);
    event.set_message(std::move(message));
    event.set_at_ms(unix_time_ms());
    event.set_sequence(node.last_sequence);
    return event;
}

void NodeManager::publish(Node& node, v1::NodeEventKind kind, std::string message) {
    node.last_sequence = ++last_sequence_;
    const auto event = event_of(node, kind, std::move(message));
    log::info("node {}: {}{}{}", node.record.name(), event_word(event), event.message().empty() ? "" : ": ", event.message());
    events_.publish(event);
}

void NodeManager::set_status(Node& node, v1::NodeStatus status, std::string failure) {
    node.status = status;
    node.failure = std::move(failure);
    publish(node, v1::NODE_EVENT_KIND_STATUS, node.failure);
}

std::vector<v1::NodeEvent> NodeManager::current_statuses() const {
    std::vector<v1::NodeEvent> events;
    for (const auto& [id, node] : nodes_) {
        if (!node->deleted) events.push_back(event_of(*node, v1::NODE_EVENT_KIND_STATUS, node->failure));
    }
    return events;
}

void NodeManager::save(Node& node) {
    node.record.set_updated_at_ms(unix_time_ms());
    node.encoded_row.clear();
    store_.save(node.record);
}

void NodeManager::save_or_log(Node& node, std::string_view what) {
    try {
        save(node);
    } catch (const std::exception& error) {
        log::error("node '{}': cannot save {}: {}", node.record.name(), what, error.what());
    }
}

v1::NodeInfo NodeManager::info_of(const Node& node) const {
    v1::NodeInfo info;
    fill_info(node, info);
    return info;
}

namespace {

std::uint64_t uptime_seconds(const v1::NodeRecord& record) {
    // From the record: a node found running by a restarted bvd keeps its uptime.
    return static_cast<std::uint64_t>(std::max<std::int64_t>(0, unix_time_ms() - record.started_at_ms()) / 1000);
}

}  // namespace

void NodeManager::fill_info(const Node& node, v1::NodeInfo& info) const {
    const auto& record = node.record;
    info.set_id(record.id());
    info.set_name(record.name());
    *info.mutable_image() = record.image();
    info.set_status(node.status);
    if (node.status == v1::NODE_STATUS_RUNNING && node.machine) {
        info.set_pid(node.machine->location().pid);
        info.set_uptime_seconds(uptime_seconds(record));
    }
    info.set_desired(record.desired());
    *info.mutable_properties() = record.properties();
    *info.mutable_network() = record.network();
    *info.mutable_requirements() = record.requirements();
    info.set_backend(backend_message(backend_of(record)));
    info.set_created_at_ms(record.created_at_ms());
    info.set_failure(node.failure);
    info.set_recovery_attempts(node.recovery_attempts);
}

std::vector<const NodeManager::Node*> NodeManager::nodes_by_name() const {
    std::vector<const Node*> live;
    live.reserve(nodes_by_name_.size());
    for (const auto* node : nodes_by_name_) {
        if (!node->deleted) live.push_back(node);
    }
    return live;
}

bool NodeManager::NameOrder::operator()(const Node* left, const Node* right) const {
    // A node's name and id never change.
    return std::tie(left->record.name(), left->record.id()) < std::tie(right->record.name(), right->record.id());
}

void NodeManager::add_node(const std::shared_ptr<Node>& node) {
    nodes_[node->record.id()] = node;
    nodes_by_name_.insert(node.get());
}

void NodeManager::drop_node(const Node& node) {
    nodes_by_name_.erase(&node);
    nodes_.erase(node.record.id());
}

std::vector<v1::NodeInfo> NodeManager::list() const {
    std::vector<v1::NodeInfo> infos;
    for (const auto* node : nodes_by_name()) infos.push_back(info_of(*node));
    return infos;
}

std::vector<const NodeManager::Node*> NodeManager::listed(const NodeListFilter& filter) const {
    auto nodes = nodes_by_name();
    std::erase_if(nodes, [&](const Node* node) {
        return (filter.running_only && node->status != v1::NODE_STATUS_RUNNING) ||
               (!filter.image_contains.empty() &&
                bv::image_name(node->record.image()).find(filter.image_contains) == std::string::npos);
    });
    return nodes;
}

void NodeManager::list_into(google::protobuf::RepeatedPtrField<v1::NodeInfo>& out, const NodeListFilter& filter) const {
    const auto nodes = listed(filter);
    out.Reserve(static_cast<int>(nodes.size()));
    for (const auto* node : nodes) fill_info(*node, *out.Add());
}

std::string NodeManager::encoded_rows(const NodeListFilter& filter) const {
    namespace wire = google::protobuf::internal;
    using google::protobuf::io::CodedOutputStream;
    const auto nodes = listed(filter);
    std::string out;
    for (const auto* node : nodes) {
        const auto& record = node->record;
        if (node->encoded_row.empty()) {
            v1::NodeRow lasting;
            lasting.set_id(record.id());
            lasting.set_name(record.name());
            lasting.set_image(bv::image_name(record.image()));
            lasting.set_ip(record.network().ip());
            node->encoded_row = lasting.SerializeAsString();
        }
        v1::NodeRow current;
        current.set_status(node->status);
        if (node->status == v1::NODE_STATUS_RUNNING) current.set_uptime_seconds(uptime_seconds(record));
        // One element of the repeated field: its tag, its length, then the row's two parts
        // (a message's fields may come in any order, and a parser merges them).
        const auto length = static_cast<std::uint32_t>(node->encoded_row.size() + current.ByteSizeLong());
        std::uint8_t head[10];  // two varints of 32 bits: five bytes at most each
        auto* end = CodedOutputStream::WriteTagToArray(
            wire::WireFormatLite::MakeTag(v1::ListNodesResponse::kRowsFieldNumber,
                                          wire::WireFormatLite::WIRETYPE_LENGTH_DELIMITED),
            head);
        end = CodedOutputStream::WriteVarint32ToArray(length, end);
        out.append(reinterpret_cast<const char*>(head), static_cast<std::size_t>(end - head));
        out += node->encoded_row;
        current.AppendToString(&out);
    }
    return out;
}

v1::NodeInfo NodeManager::info(std::string_view node) const { return info_of(*find(node)); }

Image NodeManager::image_of(std::string_view node) const { return *find(node)->image; }

bool NodeManager::uses_image(const std::string& image) const {
    return std::ranges::any_of(nodes_, [&](const auto& entry) {
        const auto& node = *entry.second;
        return !node.deleted && node.image->name == image;
    });
}

std::vector<std::string> NodeManager::running_nodes() const {
    std::vector<std::string> ids;
    for (const auto& [id, node] : nodes_) {
        if (!node->deleted && node->status == v1::NODE_STATUS_RUNNING) ids.push_back(id);
    }
    return ids;
}

NodeClient NodeManager::client_of_running(std::string_view reference) const {
    const auto node = find(reference);
    if (node->status != v1::NODE_STATUS_RUNNING || !node->machine) {
        throw rpc::Error(rpc::Code::failed_precondition, "node '" + node->record.name() + "' is " +
                                                             status_word(node->status) +
                                                             ", not running (start it with 'bv node start " +
                                                             node->record.name() + "')");
    }
    return NodeClient(executor_, *node->machine);
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
    std::vector<babel::Requirements> reserved;
    for (const auto& [id, node] : nodes_) {
        if (node->deleted) continue;
        const auto& requirements = node->record.requirements();
        reserved.push_back({requirements.vcpu_count(), requirements.mem_size_mb(), requirements.disk_size_gb()});
    }
    const auto host = read_system_info(paths_.root);
    if (const auto refusal = capacity_refusal(*config.requirements, reserved,
                                              {host.cpu_count, host.memory_total_bytes, host.disk_available_bytes})) {
        throw rpc::Error(rpc::Code::resource_exhausted, *refusal);
    }
}

void NodeManager::check_host_ports(const Node& node) const {
    const auto on_host_network = [](const Node& some) {
        return backend_of(some.record) == machine::BackendKind::sandbox &&
               network_mode_of(some.record.network()) == machine::NetworkMode::host;
    };
    const auto& wanted = node.image->config.config.ports;
    // Nothing to share: no look at every other node (at 1,000 nodes, on each start's path).
    if (!on_host_network(node) || wanted.empty()) return;
    std::vector<PortHolder> holders;
    for (const auto& [id, other] : nodes_) {
        const bool holds_ports = other->status == v1::NODE_STATUS_RUNNING || other->status == v1::NODE_STATUS_STARTING;
        if (other.get() != &node && !other->deleted && on_host_network(*other) && holds_ports) {
            holders.push_back({other->record.name(), other->image->config.config.ports});
        }
    }
    // Something else may hold a port too: the node's client could not listen, and babel would
    // talk to whoever does.
    std::vector<std::uint16_t> in_use;
    std::ranges::copy_if(wanted, std::back_inserter(in_use), port_in_use);
    if (const auto refusal = host_port_refusal(node.record.name(), wanted, holders, in_use)) {
        throw rpc::Error(rpc::Code::failed_precondition, *refusal);
    }
}

asio::awaitable<v1::NodeInfo> NodeManager::create(v1::CreateNodeRequest request) {
    const auto pass = gate_.enter("node create");
    auto timing = operation_metrics_.time(NodeOperation::create);
    if (!request.id().empty()) {
        if (!looks_like_node_id(request.id())) {
            throw rpc::Error(rpc::Code::invalid_argument, "invalid node id '" + request.id() + "': expected a UUID");
        }
        if (const auto existing = nodes_.find(request.id()); existing != nodes_.end() && !existing->second->deleted) {
            co_return timing.succeeded(co_await answer_repeated_create(existing->second, request));
        }
    }
    auto image = images_.find(request.image());
    check_create_request(request, image);
    const auto kind = requested_backend(request.backend()).value_or(backends_.default_kind());
    if (!backends_.has(kind)) {
        // Throws the error that names what is available.
        try {
            backends_.get(kind);
        } catch (const std::invalid_argument& error) {
            throw rpc::Error(rpc::Code::failed_precondition, error.what());
        }
    }
    auto node = std::make_shared<Node>();
    auto& record = node->record;
    record.set_id(request.id().empty() ? new_node_id() : request.id());
    record.set_name(request.name().empty() ? generate_node_name([this](const std::string& name) {
        return std::ranges::any_of(nodes_, [&](const auto& entry) { return entry.second->record.name() == name; });
    })
                                           : request.name());
    record_image(record, image);
    *record.mutable_properties() = request.properties();
    *record.mutable_network() = request.network();
    if (record.network().mode().empty()) record.mutable_network()->set_mode("host");
    record.set_backend(backend_message(kind));
    if (kind != machine::BackendKind::sandbox) record.set_channel_link(free_channel_link());
    auto& backend = backends_.get(kind);
    const auto spec = machine_spec(record, image);
    try {
        backend.check_node(spec);
    } catch (const std::invalid_argument& error) {
        throw rpc::Error(rpc::Code::failed_precondition, error.what());
    }
    record.set_desired(v1::NODE_STATUS_STOPPED);
    record.set_created_at_ms(unix_time_ms());
    record.set_updated_at_ms(record.created_at_ms());
    node->image = shared_image(image);
    node->status = v1::NODE_STATUS_CREATING;
    // Reserve the name and the resources while the directory is being built.
    add_node(node);
    auto guard = co_await node->operations.lock();
    publish(*node, v1::NODE_EVENT_KIND_STATUS, bv::image_name(record.image()));

    const auto staging = store_.staging_dir(record.id());
    try {
        co_await run_in_worker([&] {
            const auto state = staging / "state/bin";
            fs::create_directories(state);
            fs::create_directories(staging / "data");
            // babel comes preinstalled: a first start needs no upload. A hard link when the
            // file system allows it, else a copy.
            std::error_code ec;
            fs::create_hard_link(options_.node_binary, state / "babel", ec);
            if (ec) copy_file_exactly(options_.node_binary, state / "babel");
            // bv-node is built and shipped with this bvd: its version is ours.
            babel::record_identity(state / "babel", {options_.node_binary_sha256, kVersion});
        });
        co_await backend.prepare_node(spec, staging);
        co_await run_in_worker([&] {
            NodeStore::write_record(staging, record);
            store_.publish(record.id());
        });
    } catch (const std::exception& error) {
        // Operations queued behind the create find it gone.
        node->deleted = true;
        drop_node(*node);
        std::error_code ignored;
        fs::remove_all(staging, ignored);
        throw rpc::Error(rpc::Code::internal, "creating node '" + record.name() + "' failed: " + error.what());
    }
    node->machine = backend.make(spec);
    set_status(*node, v1::NODE_STATUS_STOPPED);
    co_return timing.succeeded(info_of(*node));
}

// Whether a create asks for what the node already is (a retry of the create that made it).
bool NodeManager::same_create(const Node& node, const v1::CreateNodeRequest& request) {
    const auto& record = node.record;
    const auto mode = [](const v1::NodeNetwork& network) { return network.mode().empty() ? "host" : network.mode(); };
    return bv::image_name(record.image()) == request.image() && (request.name().empty() || request.name() == record.name()) &&
           std::map(record.properties().begin(), record.properties().end()) ==
               std::map(request.properties().begin(), request.properties().end()) &&
           mode(record.network()) == mode(request.network()) && record.network().ip() == request.network().ip() &&
           record.network().gateway() == request.network().gateway() &&
           (request.backend() == v1::MACHINE_BACKEND_UNSPECIFIED || request.backend() == record.backend());
}

asio::awaitable<v1::NodeInfo> NodeManager::answer_repeated_create(std::shared_ptr<Node> node,
                                                                  const v1::CreateNodeRequest& request) {
    // After the first create has finished building it.
    auto guard = co_await node->operations.lock();
    if (node->deleted) {
        throw rpc::Error(rpc::Code::not_found, "node " + request.id() + " was deleted while it was created again");
    }
    if (!same_create(*node, request)) {
        throw rpc::Error(rpc::Code::already_exists, "node " + request.id() + " exists already ('" + node->record.name() +
                                                        "', " + bv::image_name(node->record.image()) +
                                                        ") and differs from this create request");
    }
    co_return info_of(*node);
}

asio::awaitable<void> NodeManager::start_locked(std::shared_ptr<Node> shared) {
    auto& node = *shared;
    if (node.status == v1::NODE_STATUS_RUNNING && node.machine->running()) co_return;
    if (node.image->name.empty()) {
        throw rpc::Error(rpc::Code::failed_precondition,
                         "node '" + node.record.name() + "': its image is not in the cache: " + node.failure);
    }
    check_host_ports(node);
    // Saved with the start's end (or its failure). Only that save must outlast a power loss:
    // until then the record from before the start is as good, and every fsync is on the start's
    // path. A bvd that dies in between finds the start in progress (starting.json).
    node.record.set_desired(v1::NODE_STATUS_RUNNING);
    set_status(node, v1::NODE_STATUS_STARTING);
    v1::MachineRecord started;
    const StartPlan plan{node.record,
                         *node.image,
                         store_.node_dir(node.record.id()),
                         options_.node_binary,
                         options_.node_binary_sha256,
                         [&] {
                             started = record_of(node.machine->location());
                             store_.save_start_in_progress(node.record.id(), started);
                         },
                         key_vault_,
                         [&] {
                             node.record.set_keys_exchanged(true);
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
        // Recovery tries again, also after a restart of bvd.
        node.record.clear_machine();
        save_or_log(node, "that it should run");
        store_.clear_start_in_progress(node.record.id());
        set_status(node, v1::NODE_STATUS_FAILED, failure);
        throw rpc::Error(rpc::Code::failed_precondition, failure);
    }
    *node.record.mutable_machine() = started;
    node.record.set_started_at_ms(unix_time_ms());
    save(node);
    store_.clear_start_in_progress(node.record.id());
    node.running_since = Clock::now();
    node.recovery_backoff.started(node.running_since);
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
    // The operation goes on (a full disk must not keep a node from stopping); only a bvd
    // restarted before the next save would act on the old wish.
    save_or_log(node, "that it should be " + v1::NodeStatus_Name(desired));
}

asio::awaitable<void> NodeManager::stop_machine_locked(Node& node, bool force) {
    if (node.machine->running()) {
        set_status(node, v1::NODE_STATUS_STOPPING, force ? "killing it" : "");
        co_await run_stop_sequence(*node.machine, force, node_stop_timeout(*node.image));
    }
    // Also after a machine that died while an operation held the node (the watch leaves it
    // to the operation): what it held outside the node's directory goes.
    co_await node.machine->clean_up();
    forget_machine(node);
    if (node.status != v1::NODE_STATUS_STOPPED) set_status(node, v1::NODE_STATUS_STOPPED);
}

void NodeManager::forget_machine(Node& node) {
    if (!node.record.has_machine()) return;
    node.record.clear_machine();
    // Harmless if it stays: a machine is found again only by its pid and start time.
    save_or_log(node, "that its machine is gone");
}

asio::awaitable<NodeManager::LockedNode> NodeManager::lock(const std::string& reference) {
    auto node = find(reference);
    auto guard = co_await node->operations.lock();
    // Deleted by the operation we waited for.
    if (node->deleted) throw rpc::Error(rpc::Code::not_found, "node '" + reference + "' was deleted");
    co_return LockedNode{std::move(node), std::move(guard)};
}

asio::awaitable<v1::NodeInfo> NodeManager::start(std::string reference) {
    const auto pass = gate_.enter("node start");
    auto timing = operation_metrics_.time(NodeOperation::start);
    auto [node, guard] = co_await lock(reference);
    node->recovery_attempts = 0;
    node->recovery_gave_up = false;
    co_await start_locked(node);
    co_return timing.succeeded(info_of(*node));
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
    const auto pass = gate_.enter("node stop");
    auto timing = operation_metrics_.time(NodeOperation::stop);
    if (force) cut_start_short(*find(reference), "a forced stop");
    auto [node, guard] = co_await lock(reference);
    co_await stop_locked(*node, force);
    co_return timing.succeeded(info_of(*node));
}

asio::awaitable<v1::NodeInfo> NodeManager::restart(std::string reference, bool force) {
    const auto pass = gate_.enter("node restart");
    auto timing = operation_metrics_.time(NodeOperation::restart);
    auto [node, guard] = co_await lock(reference);
    // Wanted running from here on: a bvd killed in the middle brings it back up.
    set_desired(*node, v1::NODE_STATUS_RUNNING);
    co_await stop_machine_locked(*node, force);
    node->recovery_attempts = 0;
    node->recovery_gave_up = false;
    co_await start_locked(node);
    co_return timing.succeeded(info_of(*node));
}

asio::awaitable<v1::NodeInfo> NodeManager::upgrade(std::string reference, std::string image_name) {
    const auto pass = gate_.enter("node upgrade");
    auto timing = operation_metrics_.time(NodeOperation::upgrade);
    auto image = images_.find(image_name);
    auto [node, guard] = co_await lock(reference);
    const auto& current = node->record.image();
    if (image.config.config.protocol != current.protocol() || image.config.config.node_type != current.node_type()) {
        throw rpc::Error(rpc::Code::invalid_argument, "cannot upgrade node '" + node->record.name() + "' from " +
                                                          current.protocol() + "/" + current.node_type() + " to " +
                                                          image.name + ": the protocol and node type must stay the same");
    }
    if (image.config.config.node_version == current.version()) co_return timing.succeeded(info_of(*node));
    const bool was_running = node->record.desired() == v1::NODE_STATUS_RUNNING;
    publish(*node, v1::NODE_EVENT_KIND_UPGRADING, "to " + image.name);
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
    node->image = shared_image(image);
    node->machine = make_machine(node->record, image);
    save(*node);
    co_await run_in_worker([&] { fs::remove_all(old_layer); }, Work::bulk);
    publish(*node, v1::NODE_EVENT_KIND_UPGRADED, "to " + image.name);
    if (was_running) {
        co_await start_locked(node);
    }
    co_return timing.succeeded(info_of(*node));
}

asio::awaitable<std::string> NodeManager::remove(std::string reference) {
    const auto pass = gate_.enter("node delete");
    auto timing = operation_metrics_.time(NodeOperation::remove);
    auto node = find(reference);
    cut_start_short(*node, "a delete");
    auto guard = co_await node->operations.lock();
    const auto id = node->record.id();
    if (node->deleted) co_return timing.succeeded(id);
    // A bvd killed in the middle of the delete must not start the node again.
    set_desired(*node, v1::NODE_STATUS_STOPPED);
    set_status(*node, v1::NODE_STATUS_DELETING);
    co_await run_stop_sequence(*node->machine, false, node_stop_timeout(*node->image));
    co_await node->machine->clean_up();
    const auto retired = store_.retire(id);
    node->deleted = true;
    drop_node(*node);
    co_await run_in_worker([retired] { fs::remove_all(retired); }, Work::bulk);
    node->status = v1::NODE_STATUS_DELETED;
    publish(*node, v1::NODE_EVENT_KIND_STATUS);
    co_return timing.succeeded(id);
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
    const auto pass = gate_.try_enter();
    if (!pass) co_return;
    auto guard = co_await node->operations.lock();
    if (node->deleted) co_return;
    const bool running = node->machine->running();
    if (node->record.desired() == v1::NODE_STATUS_STOPPED) {
        if (running) co_await stop_locked(*node, false);
        co_return;
    }
    if (running && node->status == v1::NODE_STATUS_RUNNING) co_return;
    ++node->recovery_attempts;
    publish(*node, v1::NODE_EVENT_KIND_RECOVERING, "attempt " + std::to_string(node->recovery_attempts) + " of " +
                                     std::to_string(options_.max_recovery_attempts));
    auto timing = operation_metrics_.time(NodeOperation::recover);
    try {
        if (running) co_await stop_machine_locked(*node, true);
        co_await start_locked(node);
        timing.succeeded();
    } catch (const std::exception&) {
        // start_locked reported the failure; the next attempt comes after the backoff.
    }
}

asio::awaitable<void> NodeManager::update_babel_in_running_nodes() {
    std::vector<std::shared_ptr<Node>> running;
    for (const auto& [id, node] : nodes_) {
        if (node->status == v1::NODE_STATUS_RUNNING && node->machine && node->machine->running())
            running.push_back(node);
    }
    for (const auto& node : running) {
        auto guard = co_await node->operations.lock();
        if (node->deleted || node->status != v1::NODE_STATUS_RUNNING || !node->machine->running())
            continue;
        std::string failure;
        bool updated = false;
        try {
            updated = co_await update_running_babel(*node->machine, options_.node_binary,
                                                    options_.node_binary_sha256);
        } catch (const std::exception& error) {
            failure = error.what();
        }
        if (!failure.empty()) {
            log::warn("node {}: babel not updated to this bvd's version (it keeps its own): {}",
                      node->record.name(), failure);
        } else if (updated) {
            log::info("node {}: babel updated to this bvd's version", node->record.name());
        }
    }
}

asio::awaitable<void> NodeManager::run_recovery() {
    for (;;) {
        const auto now = Clock::now();
        for (const auto& [id, node] : nodes_) {
            const auto decision = decide_recovery({
                .busy = node->deleted || node->operations.locked(),
                .has_image = !node->image->name.empty(),
                .machine_running = node->machine && node->machine->running(),
                .reported_running = node->status == v1::NODE_STATUS_RUNNING,
                .wants_running = node->record.desired() == v1::NODE_STATUS_RUNNING,
                .gave_up = node->recovery_gave_up,
                .attempts = node->recovery_attempts,
                .max_attempts = options_.max_recovery_attempts,
                .now = now,
                .running_since = node->running_since,
                .next_attempt = node->next_recovery,
            });
            if (decision.reset_attempts) node->recovery_attempts = 0;
            if (decision.action == RecoveryAction::none) continue;
            // A self update is about to restart bvd: the next bvd recovers the node.
            if (gate_.closed()) continue;
            if (decision.action == RecoveryAction::give_up) {
                node->recovery_gave_up = true;
                set_status(*node, v1::NODE_STATUS_FAILED,
                           "gave up after " + std::to_string(node->recovery_attempts) + " recovery attempts (last: " +
                               node->failure + "); start it again with 'bv node start'");
                continue;
            }
            node->next_recovery = now + node->recovery_backoff.delay_after_exit(now);
            // This attempt starts now: failing before kStableRun doubles the next delay.
            node->recovery_backoff.started(now);
            tasks_.spawn(executor_, recover(node), log::LogFailure{"recovering a node"});
        }
        co_await with_timeout(recovery_wanted_.wait(), options_.recovery_interval);
    }
}

}  // namespace bv::daemon
