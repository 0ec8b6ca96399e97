// A test double of Firecracker, run as `firecracker_binary` in tests (no Firecracker binary can
// be had here). Written from Firecracker's API specification (src/firecracker/swagger/
// firecracker.yaml) and its documented behaviour, not from its code:
//
// - serves the API on --api-sock, HTTP/1.1 over a Unix socket;
// - checks every request as strictly as Firecracker: unknown fields, missing required fields,
//   wrong types, enum values, ids, pre-boot-only calls after InstanceStart, InstanceStart twice,
//   SendCtrlAltDel before it, unknown paths; each answered 400 {"fault_message": ...} with
//   Firecracker's wording (serde's for the body errors, without its line and column);
// - records every request it got, one JSON object a line, in $BV_FIRECRACKER_DOUBLE_RECORD
//   (default: firecracker-requests.jsonl beside the API socket);
// - on InstanceStart boots what was configured under QEMU (-M microvm, TCG here) and serves the
//   vsock device's Unix socket with Firecracker's CONNECT/OK handshake. There is no vsock in
//   this kernel: the guest gets a private user-mode link instead (QEMU's slirp, restrict=on),
//   told to it by a `bv.channel=` the double adds to the kernel command line, and each CONNECT
//   <port> is forwarded to that port of the guest over it (docs/vm.md);
// - SendCtrlAltDel presses Ctrl+Alt+Del on an i8042 (QMP send-key), which Linux cannot use on
//   QEMU's microvm (its hardware-reduced ACPI leaves the i8042 no IRQ: "probe of i8042 failed
//   with error -22"), so the guest does not see it; the double exits when the guest's QEMU
//   does, as Firecracker exits when its guest shuts down;
// - with BV_FIRECRACKER_DOUBLE_GUEST=silent, InstanceStart boots nothing and every CONNECT on
//   the vsock socket stays unanswered: a guest that hangs before babelsup listens.
//
// Each recorded line: method, path, body, status, fault_message, state ("Not started" or
// "Running" when it came), at_us and took_us (when it came and how long the double took, wall
// clock), started_at_us and listening_at_us (when the double started, and when its API socket
// listened): scripts/bench reads bvd's share of a
// start from them.

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/async_mutex.hpp"
#include "machine/qemu_command.hpp"
#include "machine/qmp_client.hpp"

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using bv::machine::QmpClient;
using unix_socket = asio::local::stream_protocol;

// ---- the specification's schemas ------------------------------------------------------------

enum class Type { string, boolean, u8, u32, usize, object };

struct Field {
    std::string name;
    Type type;
    std::vector<std::string> variants;  // an enum's values
};

struct Schema {
    std::vector<Field> fields;
    std::vector<std::string> required;
};

const Schema kMachineConfig{{{"cpu_template", Type::string, {"C3", "T2", "T2S", "T2CL", "T2A", "V1N1", "None"}},
                             {"smt", Type::boolean, {}},
                             {"mem_size_mib", Type::usize, {}},
                             {"track_dirty_pages", Type::boolean, {}},
                             {"vcpu_count", Type::u8, {}},
                             {"huge_pages", Type::string, {"None", "Transparent", "2M"}}},
                            {"vcpu_count", "mem_size_mib"}};
const Schema kBootSource{{{"boot_args", Type::string, {}}, {"initrd_path", Type::string, {}}, {"kernel_image_path", Type::string, {}}},
                         {"kernel_image_path"}};
const Schema kDrive{{{"drive_id", Type::string, {}},
                     {"partuuid", Type::string, {}},
                     {"is_root_device", Type::boolean, {}},
                     {"cache_type", Type::string, {"Unsafe", "Writeback"}},
                     {"is_read_only", Type::boolean, {}},
                     {"path_on_host", Type::string, {}},
                     {"rate_limiter", Type::object, {}},
                     {"io_engine", Type::string, {"Sync", "Async"}},
                     {"socket", Type::string, {}}},
                    {"drive_id", "is_root_device"}};
const Schema kNetworkInterface{{{"guest_mac", Type::string, {}},
                                {"host_dev_name", Type::string, {}},
                                {"iface_id", Type::string, {}},
                                {"mtu", Type::u32, {}},
                                {"rx_rate_limiter", Type::object, {}},
                                {"tx_rate_limiter", Type::object, {}}},
                               {"iface_id", "host_dev_name"}};
const Schema kVsock{{{"guest_cid", Type::u32, {}}, {"uds_path", Type::string, {}}, {"vsock_id", Type::string, {}}},
                    {"guest_cid", "uds_path"}};
const Schema kAction{{{"action_type", Type::string, {"FlushMetrics", "InstanceStart", "SendCtrlAltDel"}}}, {"action_type"}};

// A request Firecracker refuses: 400 and its fault_message.
struct Refusal {
    std::string message;
};

std::string quoted_list(const std::vector<std::string>& names) {
    // serde: "`a`", "`a` or `b`", "one of `a`, `b`, `c`"
    if (names.size() == 1) return "`" + names[0] + "`";
    if (names.size() == 2) return "`" + names[0] + "` or `" + names[1] + "`";
    std::string text = "one of ";
    for (std::size_t i = 0; i < names.size(); ++i) text += (i ? ", `" : "`") + names[i] + "`";
    return text;
}

std::string describe_value(const json::value& value) {
    switch (value.kind()) {
        case json::kind::string: return "string " + json::serialize(value);
        case json::kind::bool_: return std::string("boolean `") + (value.as_bool() ? "true" : "false") + "`";
        case json::kind::int64:
        case json::kind::uint64: return "integer `" + json::serialize(value) + "`";
        case json::kind::double_: return "floating point `" + json::serialize(value) + "`";
        case json::kind::null: return "null";
        case json::kind::array: return "sequence";
        case json::kind::object: return "map";
    }
    return "value";
}

[[noreturn]] void serde_error(const std::string& message) {
    throw Refusal{"An error occurred when deserializing the json body of a request: " + message + "."};
}

// Deserialises `body` as serde would into a struct with deny_unknown_fields.
json::object deserialize(const std::string& body, const Schema& schema) {
    json::value parsed;
    try {
        parsed = json::parse(body);
    } catch (const std::exception& error) {
        serde_error(std::string(error.what()));
    }
    if (!parsed.is_object()) serde_error("invalid type: " + describe_value(parsed) + ", expected a struct");
    const auto& object = parsed.as_object();
    std::vector<std::string> names;
    for (const auto& field : schema.fields) names.push_back(field.name);
    for (const auto& member : object) {
        const auto key = member.key();
        const auto& value = member.value();
        const auto field = std::find_if(schema.fields.begin(), schema.fields.end(), [&](const Field& f) { return f.name == key; });
        if (field == schema.fields.end()) serde_error("unknown field `" + std::string(key) + "`, expected " + quoted_list(names));
        const auto mismatch = [&](const std::string& expected) {
            serde_error("invalid type: " + describe_value(value) + ", expected " + expected);
        };
        switch (field->type) {
            case Type::string:
                if (!value.is_string()) mismatch(field->variants.empty() ? "a string" : "variant identifier");
                if (!field->variants.empty() &&
                    std::find(field->variants.begin(), field->variants.end(), value.as_string()) == field->variants.end()) {
                    serde_error("unknown variant `" + std::string(value.as_string()) + "`, expected " + quoted_list(field->variants));
                }
                break;
            case Type::boolean:
                if (!value.is_bool()) mismatch("a boolean");
                break;
            case Type::object:
                if (!value.is_object()) mismatch("struct RateLimiterConfig");
                break;
            default: {
                const char* type_name = field->type == Type::u8 ? "u8" : field->type == Type::u32 ? "u32" : "usize";
                const auto limit = field->type == Type::u8 ? 0xffull : field->type == Type::u32 ? 0xffffffffull : ~0ull;
                if (value.is_int64() && value.as_int64() < 0) {
                    serde_error("invalid value: integer `" + json::serialize(value) + "`, expected " + type_name);
                }
                if (!value.is_int64() && !value.is_uint64()) mismatch(type_name);
                if (value.to_number<std::uint64_t>() > limit) {
                    serde_error("invalid value: integer `" + json::serialize(value) + "`, expected " + type_name);
                }
            }
        }
    }
    for (const auto& name : schema.required) {
        if (!object.contains(name)) serde_error("missing field `" + name + "`");
    }
    return object;
}

void check_id(const std::string& id) {
    if (id.empty()) throw Refusal{"The ID cannot be empty."};
    for (const char c : id) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
            throw Refusal{"API Resource IDs can only contain alphanumeric characters and underscores."};
        }
    }
}

std::string os_error(int error) { return std::string(std::strerror(error)) + " (os error " + std::to_string(error) + ")"; }

// Firecracker opens the files a call names when it gets the call.
void check_openable(const std::string& path, int flags, const std::string& prefix, const std::string& suffix = "") {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) throw Refusal{prefix + os_error(errno) + suffix};
    ::close(fd);
}

// ---- the VMM ----------------------------------------------------------------------------------

struct Config {
    json::object machine{{"vcpu_count", 1}, {"mem_size_mib", 128}};
    std::optional<json::object> boot_source;
    std::map<std::string, json::object> drives;
    std::map<std::string, json::object> interfaces;
    std::optional<json::object> vsock;
};

constexpr const char* kChannelMac = "06:02:00:00:00:02";
constexpr const char* kGuestAddress = "10.0.2.15";

std::string text_of(const json::object& object, const char* key) {
    const auto* value = object.if_contains(key);
    return value && value->is_string() ? std::string(value->as_string()) : "";
}

class Double {
public:
    Double(asio::io_context& io, fs::path api_socket, fs::path record)
        : io_(io), api_socket_(std::move(api_socket)), record_(record, std::ios::app) {}

    void serve() {
        unix_socket::acceptor acceptor(io_, unix_socket::endpoint(api_socket_.string()));
        listening_at_ = now_us();
        asio::co_spawn(io_, accept_api(std::move(acceptor)), asio::detached);
    }

private:
    asio::awaitable<void> accept_api(unix_socket::acceptor acceptor) {
        for (;;) {
            auto socket = co_await acceptor.async_accept(asio::use_awaitable);
            asio::co_spawn(io_, serve_connection(std::move(socket)), asio::detached);
        }
    }

    asio::awaitable<void> serve_connection(unix_socket::socket socket) {
        beast::flat_buffer buffer;
        for (;;) {
            http::request<http::string_body> request;
            auto [ec, bytes] = co_await http::async_read(socket, buffer, request, asio::as_tuple(asio::use_awaitable));
            if (ec) co_return;
            const auto answer = co_await handle(request);
            http::response<http::string_body> response(static_cast<http::status>(answer.first), request.version());
            response.keep_alive(request.keep_alive());
            if (!answer.second.empty()) {
                response.set(http::field::content_type, "application/json");
                response.body() = answer.second;
            }
            response.prepare_payload();
            auto [write_ec, written] = co_await http::async_write(socket, response, asio::as_tuple(asio::use_awaitable));
            if (write_ec || !request.keep_alive()) co_return;
        }
    }

    static std::int64_t now_us() {
        return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    }

    asio::awaitable<std::pair<int, std::string>> handle(const http::request<http::string_body>& request) {
        const auto received = now_us();
        const std::string method(request.method_string()), target(request.target());
        const std::string state = started_ ? "Running" : "Not started";
        std::pair<int, std::string> answer;
        try {
            answer = co_await route(method, target, request.body());
        } catch (const Refusal& refusal) {
            answer = {400, json::serialize(json::object{{"fault_message", refusal.message}})};
        }
        // Times (wall clock, µs) for scripts/bench: what of a start is the VMM's own.
        json::object line{{"method", method}, {"path", target}, {"state", state}, {"status", answer.first},
                          {"at_us", received}, {"took_us", now_us() - received}, {"listening_at_us", listening_at_},
                          {"started_at_us", started_at_}};
        if (!request.body().empty()) {
            json::error_code ec;
            auto body = json::parse(request.body(), ec);
            line["body"] = ec ? json::value(request.body()) : body;
        }
        if (answer.first >= 400) line["fault_message"] = json::parse(answer.second).as_object().at("fault_message");
        record_ << json::serialize(line) << std::endl;
        co_return answer;
    }

    void pre_boot_only() const {
        if (started_) throw Refusal{"The requested operation is not supported after starting the microVM."};
    }

    asio::awaitable<std::pair<int, std::string>> route(const std::string& method, const std::string& target,
                                                       const std::string& body) {
        std::vector<std::string> tokens;
        std::string path = target.substr(0, target.find('?'));
        for (std::size_t start = path.find_first_not_of('/'); start != std::string::npos;) {
            const auto end = path.find('/', start);
            tokens.push_back(path.substr(start, end == std::string::npos ? std::string::npos : end - start));
            start = end == std::string::npos ? end : end + 1;
        }
        const std::string first = tokens.empty() ? "" : tokens[0];
        const std::string id = tokens.size() > 1 ? tokens[1] : "";
        if (method == "GET") {
            if (!body.empty()) throw Refusal{"GET request cannot have a body."};
            if (first.empty()) {
                co_return std::pair{200, json::serialize(json::object{{"app_name", "Firecracker"}, {"id", "anonymous-instance"},
                                                                      {"state", started_ ? "Running" : "Not started"},
                                                                      {"vmm_version", "1.17.0-dev (bv test double)"}})};
            }
            if (first == "version") co_return std::pair{200, R"({"firecracker_version":"1.17.0-dev"})"};
            if (first == "machine-config") co_return std::pair{200, json::serialize(config_.machine)};
        }
        if (method == "PUT") {
            if (body.empty()) throw Refusal{"Empty PUT request."};
            if (first == "machine-config") {
                auto config = deserialize(body, kMachineConfig);
                pre_boot_only();
                const auto vcpus = config.at("vcpu_count").to_number<std::uint64_t>();
                const bool smt = config.contains("smt") && config.at("smt").as_bool();
                if (vcpus == 0 || vcpus > 32 || (smt && vcpus > 1 && vcpus % 2 != 0)) {
                    throw Refusal{"Machine config error: The number of vCPUs must be greater than 0, less than 32 and must be 1 "
                                  "or an even number if SMT is enabled."};
                }
                if (config.at("mem_size_mib").to_number<std::uint64_t>() == 0) {
                    throw Refusal{"Machine config error: The memory size (MiB) is either 0, or not a multiple of the "
                                  "configured page size."};
                }
                config_.machine = std::move(config);
                co_return std::pair{204, ""};
            }
            if (first == "boot-source") {
                auto config = deserialize(body, kBootSource);
                pre_boot_only();
                check_openable(text_of(config, "kernel_image_path"), O_RDONLY, "Boot source error: The kernel file cannot be opened: ");
                if (config.contains("initrd_path")) {
                    check_openable(text_of(config, "initrd_path"), O_RDONLY,
                                   "Boot source error: The initrd file cannot be opened due to invalid path or invalid "
                                   "permissions. ");
                }
                config_.boot_source = std::move(config);
                co_return std::pair{204, ""};
            }
            if (first == "drives") {
                auto config = deserialize(body, kDrive);
                check_id(id);
                if (text_of(config, "drive_id") != id) throw Refusal{"The id from the path does not match the id from the body!"};
                pre_boot_only();
                if (!config.contains("socket")) {
                    if (!config.contains("path_on_host") || !config.contains("is_read_only")) {
                        serde_error("missing field `" + std::string(config.contains("path_on_host") ? "is_read_only" : "path_on_host") + "`");
                    }
                    const bool read_only = config.at("is_read_only").as_bool();
                    check_openable(text_of(config, "path_on_host"), read_only ? O_RDONLY : O_RDWR,
                                   "Drive config error: Unable to create the virtio block device: Virtio backend error: Error "
                                   "manipulating the backing file: ",
                                   " " + text_of(config, "path_on_host"));
                }
                config_.drives[id] = std::move(config);
                co_return std::pair{204, ""};
            }
            if (first == "network-interfaces") {
                auto config = deserialize(body, kNetworkInterface);
                check_id(id);
                if (text_of(config, "iface_id") != id) {
                    throw Refusal{"The id from the path [" + id + "] does not match the id from the body [" +
                                  text_of(config, "iface_id") + "]!"};
                }
                pre_boot_only();
                config_.interfaces[id] = std::move(config);
                co_return std::pair{204, ""};
            }
            if (first == "vsock") {
                auto config = deserialize(body, kVsock);
                pre_boot_only();
                if (config.at("guest_cid").to_number<std::uint64_t>() < 3) {
                    throw Refusal{"Vsock config error: Cannot create backend for vsock device: guest_cid must be at least 3"};
                }
                config_.vsock = std::move(config);
                co_return std::pair{204, ""};
            }
            if (first == "actions") {
                const auto action = text_of(deserialize(body, kAction), "action_type");
                if (action == "InstanceStart") {
                    pre_boot_only();
                    co_await start_instance();
                } else if (action == "SendCtrlAltDel") {
                    if (!started_) throw Refusal{"The requested operation is not supported before starting the microVM."};
                    if (!qmp_) co_return std::pair{204, ""};  // a silent guest: nothing sees the keys
                    co_await qmp_execute("send-key", {{"keys", json::array{json::object{{"type", "qcode"}, {"data", "ctrl"}},
                                                                            json::object{{"type", "qcode"}, {"data", "alt"}},
                                                                            json::object{{"type", "qcode"}, {"data", "delete"}}}}});
                }
                co_return std::pair{204, ""};
            }
            for (const char* valid : {"balloon", "cpu-config", "pmem", "logger", "serial", "metrics", "mmds", "snapshot", "entropy", "hotplug"}) {
                if (first == valid) throw Refusal{"firecracker_double: PUT /" + first + " is valid but not implemented by this test double"};
            }
        }
        if (method == "PATCH" && body.empty()) throw Refusal{"Empty PATCH request."};
        throw Refusal{"Invalid request method and/or path: " + method + " " + first + "."};
    }

    // ---- InstanceStart: the configured machine under QEMU --------------------------------------

    asio::awaitable<void> start_instance() {
        if (!config_.boot_source) throw Refusal{"Start microvm error: Cannot start microvm without kernel configuration."};
        if (silent_guest()) {
            if (config_.vsock) {
                const auto uds = text_of(*config_.vsock, "uds_path");
                fs::remove(uds);
                asio::co_spawn(io_, hold_vsock_unanswered(unix_socket::acceptor(io_, unix_socket::endpoint(uds))),
                               asio::detached);
            }
            started_ = true;
            co_return;
        }
        bv::machine::MicrovmConfig vm;
        vm.binary = qemu_binary();
        vm.name = "firecracker-double";
        vm.acceleration = {bv::machine::kvm_usable(), bv::machine::host_tsc_khz()};
        vm.vcpus = static_cast<std::uint32_t>(config_.machine.at("vcpu_count").to_number<std::uint64_t>());
        vm.memory_mb = config_.machine.at("mem_size_mib").to_number<std::uint64_t>();
        vm.console_chardev = "file,path=/proc/self/fd/1,append=on";  // Firecracker's serial console is its stdout
        vm.kernel = text_of(*config_.boot_source, "kernel_image_path");
        vm.initrd = text_of(*config_.boot_source, "initrd_path");
        // The private link stands in for vsock: the guest is told of it as a QEMU guest is.
        auto command_line = text_of(*config_.boot_source, "boot_args");
        const auto init_arguments = command_line.find(" -- ");
        command_line.insert(init_arguments == std::string::npos ? command_line.size() : init_arguments,
                            std::string(" bv.channel=") + kChannelMac + "," + kGuestAddress + "/24");
        vm.command_line = command_line;
        for (const auto& [id, drive] : config_.drives) {
            vm.disks.push_back({id, text_of(drive, "path_on_host"), drive.at("is_read_only").as_bool()});
        }
        int index = 0;
        for (const auto& [id, interface] : config_.interfaces) {
            auto mac = text_of(interface, "guest_mac");
            if (mac.empty()) mac = "06:03:00:00:00:0" + std::to_string(++index % 10);
            vm.nics.push_back({id, "tap,ifname=" + text_of(interface, "host_dev_name") + ",script=no,downscript=no", mac});
        }
        if (config_.vsock) vm.nics.push_back({"vsockproxy", "user,restrict=on,ipv6=off,net=10.0.2.0/24", kChannelMac});
        const auto qmp_path = api_socket_.string() + ".qmp";
        fs::remove(qmp_path);
        unix_socket::acceptor qmp_acceptor(io_, unix_socket::endpoint(qmp_path));
        vm.extra = {"-device", "i8042", "-chardev", "socket,id=qmp,path=" + qmp_path, "-mon", "chardev=qmp,mode=control"};
        launch(bv::machine::microvm_command(vm));
        auto monitor = co_await accept_within(qmp_acceptor, 30s);
        fs::remove(qmp_path);
        qmp_.emplace(co_await QmpClient::negotiate(std::move(monitor)));
        const auto status = co_await qmp_execute("query-status", {});
        if (status.as_object().at("status") != "running") throw Refusal{"Start microvm error: the guest is not running"};
        if (config_.vsock) {
            const auto uds = text_of(*config_.vsock, "uds_path");
            fs::remove(uds);
            asio::co_spawn(io_, accept_vsock(unix_socket::acceptor(io_, unix_socket::endpoint(uds))), asio::detached);
        }
        started_ = true;
    }

    // BV_FIRECRACKER_DOUBLE_GUEST=silent: a guest that boots and never answers (it hangs before
    // babelsup listens), so that tests see bvd's start deadline; no QEMU is started.
    static bool silent_guest() {
        const char* guest = std::getenv("BV_FIRECRACKER_DOUBLE_GUEST");
        return guest && std::string_view(guest) == "silent";
    }

    // Every CONNECT waits for a guest that never takes it: the connections stay open, unanswered.
    asio::awaitable<void> hold_vsock_unanswered(unix_socket::acceptor acceptor) {
        for (;;) unanswered_.push_back(co_await acceptor.async_accept(asio::use_awaitable));
    }

    static std::string qemu_binary() {
        const char* qemu = std::getenv("BV_FIRECRACKER_DOUBLE_QEMU");
        return qemu && *qemu ? qemu : "qemu-system-x86_64";
    }

    // QEMU as the double's child, killed with it (bvd kills the VMM with SIGKILL).
    void launch(const std::vector<std::string>& arguments) {
        std::vector<char*> argv;
        auto strings = arguments;
        for (auto& text : strings) argv.push_back(text.data());
        argv.push_back(nullptr);
        const pid_t parent = ::getpid();
        qemu_ = ::fork();
        if (qemu_ == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != parent) ::_exit(1);
            sigset_t none;
            sigemptyset(&none);
            ::sigprocmask(SIG_SETMASK, &none, nullptr);
            ::execvp(argv[0], argv.data());
            std::perror(argv[0]);
            ::_exit(127);
        }
        if (qemu_ < 0) throw Refusal{"Start microvm error: cannot fork: " + os_error(errno)};
        watch_qemu();
    }

    void watch_qemu() {
        child_signal_.async_wait([this](const boost::system::error_code& ec, int) {
            if (ec) return;
            int status = 0;
            if (::waitpid(qemu_, &status, WNOHANG) == qemu_) {
                // The guest is gone (powered off, rebooted, crashed): so is the VMM.
                std::cerr << "firecracker_double: the guest's QEMU exited (status " << status << ")" << std::endl;
                std::exit(started_ ? 0 : 1);
            }
            watch_qemu();
        });
    }

    asio::awaitable<unix_socket::socket> accept_within(unix_socket::acceptor& acceptor, std::chrono::seconds timeout) {
        asio::steady_timer timer(io_, timeout);
        timer.async_wait([&acceptor](const boost::system::error_code& ec) {
            if (!ec) acceptor.cancel();
        });
        auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
        timer.cancel();
        if (ec) throw Refusal{"Start microvm error: QEMU did not open its monitor"};
        co_return std::move(socket);
    }

    asio::awaitable<json::value> qmp_execute(std::string command, json::object arguments) {
        auto guard = co_await qmp_lock_.lock();
        co_return co_await qmp_->execute(std::move(command), std::move(arguments));
    }

    // ---- the vsock device's Unix socket --------------------------------------------------------

    asio::awaitable<void> accept_vsock(unix_socket::acceptor acceptor) {
        for (;;) {
            auto socket = co_await acceptor.async_accept(asio::use_awaitable);
            asio::co_spawn(io_, forward(std::move(socket)), asio::detached);
        }
    }

    // A host port of this machine forwarded to `port` of the guest, made on first use.
    asio::awaitable<std::uint16_t> forwarded_port(std::uint32_t port) {
        if (const auto found = forwards_.find(port); found != forwards_.end()) co_return found->second;
        asio::ip::tcp::acceptor probe(io_, {asio::ip::make_address("127.0.0.1"), 0});
        const auto host_port = probe.local_endpoint().port();
        probe.close();
        const auto rule = "hostfwd_add vsockproxy tcp:127.0.0.1:" + std::to_string(host_port) + "-" + kGuestAddress + ":" +
                          std::to_string(port);
        const auto reply = co_await qmp_execute("human-monitor-command", {{"command-line", rule}});
        if (reply.is_string() && !reply.as_string().empty()) {
            std::cerr << "firecracker_double: " << rule << ": " << reply.as_string().c_str() << std::endl;
        }
        forwards_[port] = host_port;
        co_return host_port;
    }

    asio::awaitable<void> forward(unix_socket::socket host) {
        try {
            // "CONNECT <port>\n"; anything else closes the connection, as Firecracker does.
            std::string line;
            char byte = 0;
            while (line.size() < 32) {
                co_await asio::async_read(host, asio::buffer(&byte, 1), asio::use_awaitable);
                if (byte == '\n') break;
                line += byte;
            }
            std::uint32_t port = 0;
            if (!line.starts_with("CONNECT ") || std::sscanf(line.c_str() + 8, "%u", &port) != 1) co_return;
            const auto host_port = co_await forwarded_port(port);
            asio::ip::tcp::socket guest(io_);
            co_await guest.async_connect({asio::ip::make_address("127.0.0.1"), host_port}, asio::use_awaitable);
            const auto ack = "OK " + std::to_string(next_host_port_++) + "\n";
            co_await asio::async_write(host, asio::buffer(ack), asio::use_awaitable);
            using namespace asio::experimental::awaitable_operators;
            co_await (pump(host, guest) && pump(guest, host));
        } catch (const std::exception&) {
            // The connection ends; as Firecracker, the double carries on.
        }
    }

    template <class From, class To>
    static asio::awaitable<void> pump(From& from, To& to) {
        std::array<char, 16384> buffer;
        for (;;) {
            auto [ec, size] = co_await from.async_read_some(asio::buffer(buffer), asio::as_tuple(asio::use_awaitable));
            if (ec) break;
            auto [write_ec, written] = co_await asio::async_write(to, asio::buffer(buffer.data(), size), asio::as_tuple(asio::use_awaitable));
            if (write_ec) break;
        }
        boost::system::error_code ignored;
        to.shutdown(asio::socket_base::shutdown_send, ignored);
    }

    asio::io_context& io_;
    fs::path api_socket_;
    std::ofstream record_;
    Config config_;
    bool started_ = false;
    std::int64_t started_at_ = now_us();  // as the process starts (Double is made first thing)
    std::int64_t listening_at_ = 0;
    pid_t qemu_ = -1;
    asio::signal_set child_signal_{io_, SIGCHLD};
    std::optional<QmpClient> qmp_;
    bv::AsyncMutex qmp_lock_;
    std::map<std::uint32_t, std::uint16_t> forwards_;
    std::vector<unix_socket::socket> unanswered_;  // a silent guest's vsock connections
    std::uint32_t next_host_port_ = 1u << 30;  // where Firecracker numbers host ends from
};

}  // namespace

int main(int argc, char** argv) {
    std::string api_socket;
    for (int i = 1; i < argc; ++i) {
        const std::string argument = argv[i];
        if (argument == "--api-sock" && i + 1 < argc) {
            api_socket = argv[++i];
        } else if (argument == "--id" && i + 1 < argc) {
            ++i;
        } else {
            std::cerr << "Arguments parsing error: Found argument '" << argument << "' which wasn't expected, or isn't valid in this context.\n";
            return 153;
        }
    }
    if (api_socket.empty()) api_socket = "/run/firecracker.socket";
    const char* record = std::getenv("BV_FIRECRACKER_DOUBLE_RECORD");
    const fs::path record_path =
        record && *record ? fs::path(record) : fs::path(api_socket).parent_path() / "firecracker-requests.jsonl";
    try {
        asio::io_context io;
        Double vmm(io, api_socket, record_path);
        vmm.serve();
        io.run();
    } catch (const std::exception& error) {
        std::cerr << "firecracker_double: " << error.what() << std::endl;
        return 1;
    }
    return 0;
}
