// VM nodes end to end: the real bvd, the bv CLI, the QEMU backend booting the litecoin image's
// kernel and os.img under TCG, babelsup as the guest's init, and a real litecoind inside.
//
// Lean on purpose (QEMU under TCG costs ~240 MB and a core while it boots): one VM at a time.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "common/files.hpp"
#include "machine/machine.hpp"
#include "support/host_under_test.hpp"
#include "support/process.hpp"
#include "support/test_images.hpp"

namespace bv::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;
namespace fs = std::filesystem;

std::string trimmed(std::string text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    return text;
}

// A stopped VM node's data disk, read and written from the host with e2fsprogs' debugfs.
std::string debugfs(const std::string& disk, const std::string& request) {
    const auto result = run({"debugfs", "-R", request, disk}, 30s);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
}
// The guest powers off without unmounting (after a sync): its journal is replayed first, or
// the guest's next mount replays it over what debugfs wrote.
void debugfs_write(const std::string& disk, const std::string& request) {
    const auto checked = run({"e2fsck", "-fy", disk}, 60s);
    EXPECT_LE(checked.exit_code, 1) << checked.out << checked.err;  // 1: fixed (the journal replayed)
    const auto result = run({"debugfs", "-w", "-R", request, disk}, 30s);
    EXPECT_EQ(result.exit_code, 0) << result.err;
}

bool link_exists(const std::string& name) { return run({"ip", "link", "show", name}, 10s).exit_code == 0; }

std::string compact(const std::string& id) {
    std::string text;
    for (const char c : id) {
        if (c != '-') text += c;
    }
    return text.substr(0, 12);
}

class VmNode : public ::testing::Test {
protected:
    std::string bv(std::vector<std::string> args) { return host_.bv_ok(std::move(args)); }

    json::object node_info(const std::string& node) { return json::parse(bv({"node", "info", node, "--json"})).as_object(); }
    int pid_of(const std::string& node) { return static_cast<int>(node_info(node).at("pid").to_number<int>()); }
    std::string status_of(const std::string& node) { return std::string(node_info(node).at("status").as_string()); }

    std::string import_litecoin_vm_image() {
        bv({"image", "import", test_vm_image("litecoin").string(), "--replace"});
        return std::string(json::parse(bv({"image", "list", "--json"})).at("images").as_array().at(0).at("name").as_string());
    }

    // The node's height once babel answers (litecoind's RPC comes up after the start returns).
    std::string height_of(const std::string& node) {
        std::string height;
        eventually([&] {
            const auto result = host_.bv({"node", "run", node, "height"});
            height = trimmed(result.out);
            return result.exit_code == 0;
        }, 60s);
        return height;
    }

    fs::path node_dir(const std::string& id) const { return host_.root() / "var/lib/blockvisor/nodes" / id; }
    static std::string tail(const std::string& text) { return text.substr(text.size() > 4000 ? text.size() - 4000 : 0); }
    std::string console_tail(const std::string& id) const { return tail(read_file(node_dir(id) / "console.log")); }
    std::string daemon_log_tail() { return tail(host_.daemon().err()); }

    // The stopped node's console log grown past what bvd keeps; the next start rotates it.
    void overfill_console_log(const std::string& id) const {
        std::ofstream(node_dir(id) / "console.log", std::ios::app) << std::string(machine::kConsoleLogLimit, 'x');
    }
    void expect_console_log_rotated(const std::string& id) const {
        const auto log = node_dir(id) / "console.log";
        EXPECT_GT(fs::file_size(log.string() + ".1"), machine::kConsoleLogLimit) << "the full log was not kept as console.log.1";
        EXPECT_LT(fs::file_size(log), machine::kConsoleLogLimit) << "the start did not rotate the console log";
    }

    // bvd again, with the Firecracker double as its firecracker_binary, recording what it is sent.
    fs::path use_firecracker_double() {
        const auto record = host_.root() / "firecracker-requests.jsonl";
        ::setenv("BV_FIRECRACKER_DOUBLE_RECORD", record.c_str(), 1);
        host_.daemon().signal(SIGTERM);
        host_.daemon().wait(15s);
        write_file_atomically(host_.root() / "etc/blockvisor/config.json",
                              std::string(R"({"firecracker_binary": ")") + BV_FIRECRACKER_DOUBLE + "\"}");
        host_.start_daemon();
        return record;
    }

    // Processes whose command line has `text`.
    static std::vector<int> processes_with(const std::string& text) {
        std::vector<int> found;
        for (const auto& entry : fs::directory_iterator("/proc")) {
            const auto name = entry.path().filename().string();
            if (name.find_first_not_of("0123456789") != std::string::npos) continue;
            try {
                if (read_file(entry.path() / "cmdline").find(text) != std::string::npos) found.push_back(std::stoi(name));
            } catch (const std::exception&) {
                // Gone meanwhile.
            }
        }
        return found;
    }

    HostUnderTest host_;
};

TEST_F(VmNode, LitecoinInAQemuVmLivesThroughStopsCrashesAndRestartsOfBvd) {
    const auto image = import_litecoin_vm_image();
    const auto created = json::parse(bv({"node", "create", image, "--name", "vm", "--backend", "qemu", "--json"})).as_object();
    const std::string id(created.at("id").as_string());
    EXPECT_EQ(created.at("backend").as_string(), "MACHINE_BACKEND_QEMU");
    // data.img: the image's 1 GB reserved, barely any of it written.
    struct stat disk{};
    ASSERT_EQ(::stat((node_dir(id) / "data.img").c_str(), &disk), 0);
    EXPECT_EQ(disk.st_size, 1LL << 30);
    EXPECT_LT(disk.st_blocks * 512, 200LL << 20);

    bv({"node", "start", "vm"});
    const int qemu = pid_of("vm");
    ASSERT_GT(qemu, 0);
    EXPECT_NE(read_file("/proc/" + std::to_string(qemu) + "/cmdline").find("microvm"), std::string::npos);
    EXPECT_EQ(height_of("vm"), "1");  // init mined the first block
    bv({"node", "run", "vm", "generate_blocks", "--param", "COUNT=5"});
    EXPECT_EQ(height_of("vm"), "6");
    EXPECT_NE(bv({"node", "logs", "vm"}).find("UpdateTip"), std::string::npos);

    // Graceful: babelsup stops the chain and babel, then powers the VM off.
    bv({"node", "stop", "vm"});
    EXPECT_FALSE(::kill(qemu, 0) == 0 && read_file("/proc/" + std::to_string(qemu) + "/cmdline").find(id) != std::string::npos);
    EXPECT_NE(read_file(node_dir(id) / "console.log").find("stopping the entry points and babel"), std::string::npos);
    EXPECT_FALSE(link_exists("bvc" + compact(id)));

    overfill_console_log(id);
    bv({"node", "start", "vm"});
    EXPECT_EQ(height_of("vm"), "6") << "the chain's data did not survive on data.img";
    expect_console_log_rotated(id);

    // bvd killed: the VM runs on, and the next bvd attaches to the same QEMU.
    const int running_qemu = pid_of("vm");
    host_.daemon().signal(SIGKILL);
    host_.daemon().wait(10s);
    EXPECT_EQ(::kill(running_qemu, 0), 0) << "the VM died with bvd";
    host_.start_daemon();
    EXPECT_EQ(status_of("vm"), "NODE_STATUS_RUNNING");
    EXPECT_EQ(pid_of("vm"), running_qemu);
    EXPECT_EQ(height_of("vm"), "6");

    // QEMU killed: the node fails and recovery boots it again.
    ::kill(running_qemu, SIGKILL);
    ASSERT_TRUE(eventually([&] { return status_of("vm") == "NODE_STATUS_RUNNING" && pid_of("vm") != running_qemu; }, 90s))
        << bv({"node", "info", "vm"});
    EXPECT_EQ(height_of("vm"), "6");

    // Upgraded: the node's changes to its root (on data.img, over the old os.img) go, the
    // chain's data stays.
    bv({"node", "stop", "vm"});
    const auto data_disk = (node_dir(id) / "data.img").string();
    EXPECT_EQ(debugfs(data_disk, "cat /root/image"), image);
    const auto marker = host_.root() / "marker";
    write_file_atomically(marker, "made over the old image");
    debugfs_write(data_disk, "write " + marker.string() + " /root/upper/marker");
    ASSERT_NE(debugfs(data_disk, "ls -l /root/upper").find("marker"), std::string::npos);
    bv({"image", "import", test_vm_image("litecoin", "0.21.2.98").string(), "--replace"});
    bv({"node", "upgrade", "vm", "litecoin/regtest/0.21.2.98"});
    EXPECT_EQ(json::value_to<std::string>(node_info("vm").at("image").at("version")), "0.21.2.98");
    const auto upgraded_start = host_.bv({"node", "start", "vm"});
    ASSERT_EQ(upgraded_start.exit_code, 0) << upgraded_start.err << console_tail(id) << daemon_log_tail();
    EXPECT_EQ(height_of("vm"), "6") << "the chain's data did not survive the upgrade";
    const int last_qemu = pid_of("vm");
    bv({"node", "stop", "vm"});
    EXPECT_EQ(debugfs(data_disk, "cat /root/image"), "litecoin/regtest/0.21.2.98");
    EXPECT_EQ(debugfs(data_disk, "ls -l /root/upper").find("marker"), std::string::npos) << "the old root layer stayed";

    bv({"node", "delete", "vm"});
    EXPECT_TRUE(eventually([&] { return ::kill(last_qemu, 0) != 0; }, 10s));
    EXPECT_FALSE(fs::exists(node_dir(id)));
    EXPECT_FALSE(link_exists("bvc" + compact(id)));
}

// A VM in bridge mode gets its address and MAC on the host bridge; babelsup and babel stay on
// the private channel link: the guest's kernel refuses their ports on the public address.
TEST_F(VmNode, ABridgedVmHasItsAddressOnTheBridgeAndTheChannelIsNotOnIt) {
    bv({"image", "import", test_vm_image("dummy").string(), "--replace"});
    const auto created = json::parse(bv({"node", "create", "dummy/sleeper/1.0.0", "--name", "bridged", "--backend", "qemu",
                                         "--network", "bridge", "--ip", "10.77.0.9", "--gateway", "10.77.0.1", "--json"}))
                             .as_object();
    const std::string id(created.at("id").as_string());
    const auto started = host_.bv({"node", "start", "bridged"});
    ASSERT_EQ(started.exit_code, 0) << started.err << console_tail(id);
    const auto tap = "bvt" + compact(id);
    EXPECT_NE(run({"ip", "link", "show", tap}, 10s).out.find("master bvbr0"), std::string::npos);
    EXPECT_EQ(bv({"node", "run", "bridged", "echo", "--param", "TEXT=up"}), "up");
    for (const int port : {41, 42}) {
        // Refused (not timed out): the guest answers on 10.77.0.9, and nothing listens there.
        const auto reached = run({"timeout", "10", "bash", "-c", "exec 3<>/dev/tcp/10.77.0.9/" + std::to_string(port)}, 15s);
        EXPECT_NE(reached.exit_code, 0);
        EXPECT_NE(reached.err.find("Connection refused"), std::string::npos) << "port " << port << ": " << reached.err;
    }
    // The guest's MAC is the one made from its address.
    EXPECT_NE(run({"ip", "neigh", "show", "10.77.0.9"}, 10s).out.find("06:00:0a:4d:00:09"), std::string::npos)
        << run({"ip", "neigh", "show"}, 10s).out;
    bv({"node", "delete", "bridged"});
    EXPECT_FALSE(link_exists(tap));
    EXPECT_FALSE(link_exists("bvc" + compact(id)));
}

// An upgrade to an image that wants a larger disk grows data.img at the next start (fallocate,
// e2fsck, resize2fs: the guest sees the room); a data.img that is no file system any more fails
// the start, saying so, before any VM runs.
TEST_F(VmNode, ADataDiskTooSmallForItsImageGrowsAndACorruptOneIsNamed) {
    bv({"image", "import", test_vm_image("dummy").string(), "--replace"});
    const auto created = json::parse(bv({"node", "create", "dummy/sleeper/1.0.0", "--name", "grow", "--backend", "qemu", "--json"}))
                             .as_object();
    const std::string id(created.at("id").as_string());
    const auto disk = node_dir(id) / "data.img";
    EXPECT_EQ(fs::file_size(disk), 1ULL << 30);

    TempDir copies("bv-bigger-image");
    // The dummy image again as `version`, wanting `gigabytes` of disk.
    const auto import_wanting = [&](const std::string& version, int gigabytes) {
        const auto image = copies.path() / version;
        ASSERT_EQ(run({"cp", "-r", test_vm_image("dummy").string(), image.string()}, 60s).exit_code, 0);
        auto toml = read_file(image / "babel.toml");
        for (const auto& [from, to] : {std::pair<std::string, std::string>{"node_version = \"1.0.0\"", "node_version = \"" + version + "\""},
                                       {"disk_size_gb = 1", "disk_size_gb = " + std::to_string(gigabytes)}}) {
            ASSERT_NE(toml.find(from), std::string::npos) << from;
            toml.replace(toml.find(from), from.size(), to);
        }
        write_file_atomically(image / "babel.toml", toml);
        bv({"image", "import", image.string()});
    };
    import_wanting("1.0.1", 2);
    bv({"node", "upgrade", "grow", "dummy/sleeper/1.0.1"});
    const auto started = host_.bv({"node", "start", "grow"});
    ASSERT_EQ(started.exit_code, 0) << started.err << console_tail(id);
    EXPECT_EQ(bv({"node", "run", "grow", "echo", "--param", "TEXT=roomy"}), "roomy");
    bv({"node", "stop", "grow"});
    EXPECT_EQ(fs::file_size(disk), 2ULL << 30);
    const auto header = run({"dumpe2fs", "-h", disk.string()}, 30s).out;
    EXPECT_NE(header.find("Block count:              524288"), std::string::npos) << header;  // 2 GiB of 4 KiB blocks

    // A grow cut short after its fallocate (the file long enough, its file system not): the
    // next start finishes it.
    import_wanting("1.0.2", 3);
    bv({"node", "upgrade", "grow", "dummy/sleeper/1.0.2"});
    ASSERT_EQ(run({"truncate", "-s", "3G", disk.string()}, 10s).exit_code, 0);
    const auto finished = host_.bv({"node", "start", "grow"});
    ASSERT_EQ(finished.exit_code, 0) << finished.err << console_tail(id);
    bv({"node", "stop", "grow"});
    EXPECT_NE(run({"dumpe2fs", "-h", disk.string()}, 30s).out.find("Block count:              786432"), std::string::npos);

    // The superblock gone: the start says what is wrong with which file, and boots nothing.
    ASSERT_EQ(run({"dd", "if=/dev/zero", "of=" + disk.string(), "bs=4096", "count=1", "conv=notrunc"}, 10s).exit_code, 0);
    const auto refused = host_.bv({"node", "start", "grow"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("data disk " + disk.string() + " is no ext4 file system"), std::string::npos) << refused.err;
    EXPECT_TRUE(processes_with("bv-" + id).empty()) << "a VM was started";
    bv({"node", "delete", "grow"});
}

std::vector<json::object> recorded_requests(const fs::path& record) {
    std::vector<json::object> requests;
    std::istringstream lines(read_file(record));
    for (std::string line; std::getline(lines, line);) requests.push_back(json::parse(line).as_object());
    return requests;
}

// Every request the double got was valid by Firecracker's specification (the double answered
// 2xx: it refuses what Firecracker refuses), and in the order Firecracker requires: each boot's
// configuration before its InstanceStart, nothing but SendCtrlAltDel (and GETs) after it.
void expect_requests_in_firecrackers_order(const std::vector<json::object>& requests, int boots) {
    const std::set<std::string> boot_configuration{"/machine-config", "/boot-source", "/drives/os", "/drives/data", "/vsock"};
    std::set<std::string> configured;
    int started = 0, ctrl_alt_dels = 0;
    for (const auto& request : requests) {
        const auto text = json::serialize(request);
        EXPECT_LT(request.at("status").to_number<int>(), 300) << text;
        const std::string method(request.at("method").as_string()), path(request.at("path").as_string());
        const bool running = request.at("state") == "Running";
        if (method == "GET") continue;
        ASSERT_EQ(method, "PUT") << text;
        if (path == "/actions" && request.at("body").as_object().at("action_type") == "InstanceStart") {
            EXPECT_FALSE(running) << text;
            EXPECT_EQ(configured, boot_configuration) << "InstanceStart before the whole configuration: " << text;
            configured.clear();
            ++started;
        } else if (path == "/actions") {
            EXPECT_EQ(request.at("body").as_object().at("action_type"), "SendCtrlAltDel") << text;
            EXPECT_TRUE(running) << text;
            ++ctrl_alt_dels;
        } else {
            EXPECT_FALSE(running) << "a pre-boot call after InstanceStart: " << text;
            configured.insert(path);
        }
    }
    EXPECT_EQ(started, boots);
    EXPECT_GE(ctrl_alt_dels, 1);
}

TEST_F(VmNode, LitecoinInAFirecrackerMicroVmThroughItsApiAndVsock) {
    const auto record = use_firecracker_double();
    const auto image = import_litecoin_vm_image();
    const auto created = json::parse(bv({"node", "create", image, "--name", "fc", "--backend", "firecracker", "--json"})).as_object();
    const std::string id(created.at("id").as_string());
    EXPECT_EQ(created.at("backend").as_string(), "MACHINE_BACKEND_FIRECRACKER");

    const auto first_start = host_.bv({"node", "start", "fc"});
    ASSERT_EQ(first_start.exit_code, 0) << first_start.err << read_file(node_dir(id) / "console.log");
    const int vmm = pid_of("fc");
    ASSERT_GT(vmm, 0);
    EXPECT_NE(read_file("/proc/" + std::to_string(vmm) + "/cmdline").find("--api-sock"), std::string::npos);
    EXPECT_EQ(height_of("fc"), "1");  // every call over the vsock socket's CONNECT handshake
    bv({"node", "run", "fc", "generate_blocks", "--param", "COUNT=2"});
    EXPECT_EQ(height_of("fc"), "3");
    EXPECT_NE(bv({"node", "logs", "fc"}).find("UpdateTip"), std::string::npos);

    // Graceful: SendCtrlAltDel, the guest's init stops the chain and babel, and powers off.
    bv({"node", "stop", "fc"});
    EXPECT_TRUE(processes_with((node_dir(id) / "firecracker.sock").string()).empty());
    EXPECT_NE(read_file(node_dir(id) / "console.log").find("stopping the entry points and babel"), std::string::npos)
        << console_tail(id);

    overfill_console_log(id);
    bv({"node", "start", "fc"});
    EXPECT_EQ(height_of("fc"), "3") << "the chain's data did not survive on data.img";
    expect_console_log_rotated(id);

    // bvd killed: the microVM runs on, and the next bvd attaches to the same VMM.
    const int running_vmm = pid_of("fc");
    host_.daemon().signal(SIGKILL);
    host_.daemon().wait(10s);
    EXPECT_EQ(::kill(running_vmm, 0), 0) << "the VMM died with bvd";
    host_.start_daemon();
    EXPECT_EQ(status_of("fc"), "NODE_STATUS_RUNNING");
    EXPECT_EQ(pid_of("fc"), running_vmm);
    EXPECT_EQ(height_of("fc"), "3");

    expect_requests_in_firecrackers_order(recorded_requests(record), 2);

    // The VMM killed: the node fails and recovery boots it again.
    ::kill(running_vmm, SIGKILL);
    ASSERT_TRUE(eventually([&] { return status_of("fc") == "NODE_STATUS_RUNNING" && pid_of("fc") != running_vmm; }, 90s))
        << bv({"node", "info", "fc"});
    EXPECT_EQ(height_of("fc"), "3");

    // Upgraded while running: stopped through SendCtrlAltDel, booted on the new image, data kept.
    bv({"image", "import", test_vm_image("litecoin", "0.21.2.98").string(), "--replace"});
    bv({"node", "upgrade", "fc", "litecoin/regtest/0.21.2.98"});
    EXPECT_EQ(json::value_to<std::string>(node_info("fc").at("image").at("version")), "0.21.2.98");
    EXPECT_EQ(status_of("fc"), "NODE_STATUS_RUNNING");
    EXPECT_EQ(height_of("fc"), "3") << "the chain's data did not survive the upgrade";
    expect_requests_in_firecrackers_order(recorded_requests(record), 4);

    // What Firecracker refuses of a running microVM, the double refuses too.
    const auto api = [&](const std::string& path, const std::string& body) {
        return run({"curl", "-s", "--unix-socket", (node_dir(id) / "firecracker.sock").string(), "-X", "PUT", "-d", body,
                    "http://localhost" + path},
                   10s)
            .out;
    };
    const std::string post_boot = R"({"fault_message":"The requested operation is not supported after starting the microVM."})";
    EXPECT_EQ(api("/actions", R"({"action_type":"InstanceStart"})"), post_boot);
    EXPECT_EQ(api("/machine-config", R"({"vcpu_count":2,"mem_size_mib":256})"), post_boot);
    EXPECT_EQ(api("/drives/os", R"({"drive_id":"os","is_root_device":false,"path_on_host":"/dev/null","is_read_only":true})"),
              post_boot);
    EXPECT_EQ(api("/machine-config", R"({"vcpu_count":2,"mem_size_mib":256,"x":1})"),
              R"({"fault_message":"An error occurred when deserializing the json body of a request: unknown field `x`, expected one of `cpu_template`, `smt`, `mem_size_mib`, `track_dirty_pages`, `vcpu_count`, `huge_pages`."})");
    EXPECT_EQ(status_of("fc"), "NODE_STATUS_RUNNING");

    const int last_vmm = pid_of("fc");
    bv({"node", "delete", "fc"});
    EXPECT_TRUE(eventually([&] { return ::kill(last_vmm, 0) != 0; }, 20s));
    EXPECT_FALSE(fs::exists(node_dir(id)));
    EXPECT_TRUE(processes_with("firecracker-double").empty()) << "a guest's QEMU was left behind";
}

TEST_F(VmNode, AFirecrackerRefusalNamesTheCallAndLeavesNothingRunning) {
    const auto record = use_firecracker_double();
    const auto image = import_litecoin_vm_image();
    const auto created = json::parse(bv({"node", "create", image, "--name", "fc", "--backend", "firecracker", "--json"})).as_object();
    const std::string id(created.at("id").as_string());
    // Firecracker opens the kernel at its PUT /boot-source (bvd checks it at create only).
    fs::remove(host_.root() / "var/lib/blockvisor/images" / image / "vm/vmlinux");

    const auto started = host_.bv({"node", "start", "fc"});
    EXPECT_EQ(started.exit_code, 1);
    EXPECT_NE(started.err.find("Firecracker refused PUT /boot-source (HTTP 400)"), std::string::npos) << started.err;
    EXPECT_NE(started.err.find("The kernel file cannot be opened"), std::string::npos) << started.err;
    EXPECT_TRUE(eventually([&] { return processes_with((node_dir(id) / "firecracker.sock").string()).empty(); }, 10s))
        << "the VMM was left running";
    const auto requests = recorded_requests(record);
    ASSERT_FALSE(requests.empty());
    EXPECT_EQ(requests.back().at("path"), "/boot-source");
    EXPECT_EQ(requests.back().at("status"), 400);
    for (const auto& request : requests) EXPECT_NE(request.at("path"), "/actions") << "InstanceStart after a refusal";
    bv({"node", "delete", "fc"});
}

// A guest that never answers (it hangs before babelsup listens; the double boots nothing and
// leaves every vsock CONNECT unanswered): the start ends at its step's deadline, naming the
// step, and leaves nothing running; the node is failed and can be deleted.
TEST_F(VmNode, AVmThatNeverAnswersFailsItsStartAtTheDeadlineAndLeavesNothingRunning) {
    ::setenv("BV_FIRECRACKER_DOUBLE_GUEST", "silent", 1);
    use_firecracker_double();
    ::unsetenv("BV_FIRECRACKER_DOUBLE_GUEST");  // bvd and its VMMs have it
    const auto image = import_litecoin_vm_image();
    const auto created = json::parse(bv({"node", "create", image, "--name", "mute", "--backend", "firecracker", "--json"})).as_object();
    const std::string id(created.at("id").as_string());

    const auto began = std::chrono::steady_clock::now();
    const auto started = host_.bv({"node", "start", "mute"});
    const auto took = std::chrono::steady_clock::now() - began;
    EXPECT_EQ(started.exit_code, 1);
    EXPECT_NE(started.err.find("waiting for babelsup"), std::string::npos) << started.err;
    EXPECT_NE(started.err.find("no success within 15000 ms"), std::string::npos) << started.err;
    // The step's deadline is 15 s; more than twice that would be a hang that something else ended.
    EXPECT_LT(took, 35s) << started.err;
    EXPECT_TRUE(eventually([&] { return processes_with((node_dir(id) / "firecracker.sock").string()).empty(); }, 10s))
        << "the VMM was left running";
    EXPECT_EQ(status_of("mute"), "NODE_STATUS_FAILED");
    bv({"node", "delete", "mute"});
    EXPECT_FALSE(fs::exists(node_dir(id)));
}

// The double itself, before any boot: each request Firecracker refuses, with Firecracker's
// status and fault_message (its wording; serde's for body errors, without line and column).
TEST(FirecrackerDouble, RefusesWhatFirecrackerRefusesWithItsFaultMessage) {
    TempDir dir("bv-firecracker-double");
    const auto socket = (dir.path() / "api.sock").string();
    Process vmm({BV_FIRECRACKER_DOUBLE, "--api-sock", socket}, dir.path(),
                {{"BV_FIRECRACKER_DOUBLE_RECORD", (dir.path() / "requests.jsonl").string()}});
    ASSERT_TRUE(eventually([&] { return fs::exists(socket); }, 10s));
    struct Case {
        std::string method, path, body, answer;
    };
    const std::string serde = "An error occurred when deserializing the json body of a request: ";
    const std::vector<Case> cases{
        {"PUT", "/machine-config", R"({"vcpu_count":1,"mem_size_mib":128,"x":1})",
         serde + "unknown field `x`, expected one of `cpu_template`, `smt`, `mem_size_mib`, `track_dirty_pages`, `vcpu_count`, `huge_pages`."},
        {"PUT", "/machine-config", R"({"mem_size_mib":128})", serde + "missing field `vcpu_count`."},
        {"PUT", "/machine-config", R"({"vcpu_count":"1","mem_size_mib":128})", serde + R"(invalid type: string "1", expected u8.)"},
        {"PUT", "/machine-config", R"({"vcpu_count":0,"mem_size_mib":128})",
         "Machine config error: The number of vCPUs must be greater than 0, less than 32 and must be 1 or an even number if SMT is "
         "enabled."},
        {"PUT", "/boot-source", R"({"kernel_image_path":"/nonexistent/vmlinux"})",
         "Boot source error: The kernel file cannot be opened: No such file or directory (os error 2)"},
        {"PUT", "/boot-source", R"({"boot_args":"x"})", serde + "missing field `kernel_image_path`."},
        {"PUT", "/drives/os", R"({"drive_id":"data","is_root_device":false})", "The id from the path does not match the id from the body!"},
        {"PUT", "/drives/o-s", R"({"drive_id":"o-s","is_root_device":false})",
         "API Resource IDs can only contain alphanumeric characters and underscores."},
        {"PUT", "/drives/os", R"({"drive_id":"os","is_root_device":"no"})", serde + R"(invalid type: string "no", expected a boolean.)"},
        {"PUT", "/network-interfaces/eth0", R"({"iface_id":"eth1","host_dev_name":"tap0"})",
         "The id from the path [eth0] does not match the id from the body [eth1]!"},
        {"PUT", "/vsock", R"({"uds_path":"/tmp/v.sock"})", serde + "missing field `guest_cid`."},
        {"PUT", "/actions", R"({"action_type":"Reboot"})",
         serde + "unknown variant `Reboot`, expected one of `FlushMetrics`, `InstanceStart`, `SendCtrlAltDel`."},
        {"PUT", "/actions", R"({"action_type":"SendCtrlAltDel"})", "The requested operation is not supported before starting the microVM."},
        {"PUT", "/actions", R"({"action_type":"InstanceStart"})", "Start microvm error: Cannot start microvm without kernel configuration."},
        {"PUT", "/vsock", "", "Empty PUT request."},
        {"PUT", "/machine", "{}", "Invalid request method and/or path: PUT machine."},
    };
    for (const auto& test : cases) {
        std::vector<std::string> argv{"curl", "-s", "-w", "\n%{http_code}", "--unix-socket", socket, "-X", test.method,
                                      "http://localhost" + test.path};
        if (!test.body.empty()) argv.insert(argv.end(), {"-H", "Content-Type: application/json", "-d", test.body});
        const auto out = run(argv, 10s).out;
        const auto newline = out.rfind('\n');
        ASSERT_NE(newline, std::string::npos) << test.path << " " << test.body;
        EXPECT_EQ(out.substr(newline + 1), "400") << test.path << " " << test.body;
        EXPECT_EQ(out.substr(0, newline), json::serialize(json::object{{"fault_message", test.answer}})) << test.path << " " << test.body;
    }
    const auto requests = recorded_requests(dir.path() / "requests.jsonl");
    EXPECT_EQ(requests.size(), cases.size());
}

TEST_F(VmNode, CreateRefusesWhatCannotBootWithTheReason) {
    // An image built without --vm.
    bv({"image", "import", test_image("dummy").string(), "--replace"});
    const auto no_kernel = host_.bv({"node", "create", "dummy/sleeper/1.0.0", "--backend", "qemu"});
    EXPECT_EQ(no_kernel.exit_code, 1);
    EXPECT_NE(no_kernel.err.find("has no VM kernel"), std::string::npos) << no_kernel.err;
    EXPECT_NE(no_kernel.err.find("build-image --vm"), std::string::npos) << no_kernel.err;

    // An os.img that is no file system.
    TempDir copy("bv-corrupt-image");
    const auto image = copy.path() / "image";
    ASSERT_EQ(run({"cp", "-r", test_vm_image("litecoin").string(), image.string()}, 60s).exit_code, 0);
    write_file_atomically(image / "vm/os.img", std::string(1 << 16, 'x'));
    bv({"image", "import", image.string(), "--replace"});
    const auto name = std::string(json::parse(bv({"image", "list", "--json"})).at("images").as_array().at(1).at("name").as_string());
    const auto corrupt = host_.bv({"node", "create", name, "--backend", "qemu"});
    EXPECT_EQ(corrupt.exit_code, 1);
    EXPECT_NE(corrupt.err.find("is no ext4 file system"), std::string::npos) << corrupt.err;

    // No QEMU on this host.
    host_.daemon().signal(SIGTERM);
    host_.daemon().wait(15s);
    write_file_atomically(host_.root() / "etc/blockvisor/config.json", R"({"qemu_binary": "/nonexistent/qemu-system-x86_64"})");
    host_.start_daemon();
    const auto no_qemu = host_.bv({"node", "create", "dummy/sleeper/1.0.0", "--backend", "qemu"});
    EXPECT_EQ(no_qemu.exit_code, 1);
    EXPECT_NE(no_qemu.err.find("QEMU ('/nonexistent/qemu-system-x86_64') is not installed"), std::string::npos) << no_qemu.err;
    // Nor Firecracker (the default "firecracker" is in no PATH here).
    const auto no_firecracker = host_.bv({"node", "create", "dummy/sleeper/1.0.0", "--backend", "firecracker"});
    EXPECT_EQ(no_firecracker.exit_code, 1);
    EXPECT_NE(no_firecracker.err.find("Firecracker ('firecracker') is not installed"), std::string::npos) << no_firecracker.err;
    const auto listed = json::parse(bv({"node", "list", "--json"}));
    const auto* nodes = listed.as_object().if_contains("nodes");
    EXPECT_TRUE(nodes == nullptr || nodes->as_array().empty()) << "a node was made: " << listed;
}

}  // namespace
}  // namespace bv::test
