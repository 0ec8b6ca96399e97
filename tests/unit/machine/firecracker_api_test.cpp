#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <set>

#include "babel/node_channel.hpp"
#include "machine/firecracker_api.hpp"
#include "support/example_vm_spec.hpp"

namespace bv::machine {
namespace {

namespace json = boost::json;

MachineSpec vm_spec() { return test::example_vm_spec(); }

// What Firecracker's specification (firecracker.yaml's definitions) allows and requires of
// each body bvd sends.
struct BodySchema {
    std::map<std::string, json::kind> fields;
    std::set<std::string> required;
};
const std::map<std::string, BodySchema> kSpecification{
    {"/machine-config",
     {{{"vcpu_count", json::kind::uint64}, {"mem_size_mib", json::kind::uint64}, {"smt", json::kind::bool_}},
      {"vcpu_count", "mem_size_mib"}}},
    {"/boot-source",
     {{{"kernel_image_path", json::kind::string}, {"initrd_path", json::kind::string}, {"boot_args", json::kind::string}},
      {"kernel_image_path"}}},
    {"/drives/",
     {{{"drive_id", json::kind::string}, {"path_on_host", json::kind::string}, {"is_root_device", json::kind::bool_},
       {"is_read_only", json::kind::bool_}},
      {"drive_id", "is_root_device"}}},
    {"/network-interfaces/",
     {{{"iface_id", json::kind::string}, {"host_dev_name", json::kind::string}, {"guest_mac", json::kind::string}},
      {"iface_id", "host_dev_name"}}},
    {"/vsock", {{{"guest_cid", json::kind::uint64}, {"uds_path", json::kind::string}}, {"guest_cid", "uds_path"}}},
    {"/actions", {{{"action_type", json::kind::string}}, {"action_type"}}},
};

const BodySchema& schema_of(const std::string& path) {
    for (const auto& [prefix, schema] : kSpecification) {
        if (path == prefix || (prefix.back() == '/' && path.starts_with(prefix))) return schema;
    }
    throw std::runtime_error("no such path in the specification: " + path);
}

void expect_valid(const FirecrackerCall& call) {
    EXPECT_EQ(call.method, "PUT");
    const auto& schema = schema_of(call.path);
    const auto body = json::parse(call.body).as_object();
    for (const auto& [name, value] : body) {
        const auto field = schema.fields.find(std::string(name));
        ASSERT_NE(field, schema.fields.end()) << call.describe() << ": unknown field " << name;
        const auto kind = value.kind() == json::kind::int64 ? json::kind::uint64 : value.kind();
        EXPECT_EQ(kind, field->second) << call.describe() << ": " << name;
    }
    for (const auto& name : schema.required) EXPECT_TRUE(body.contains(name)) << call.describe() << " lacks " << name;
}

json::object body_of(const std::vector<FirecrackerCall>& calls, const std::string& path) {
    for (const auto& call : calls) {
        if (call.path == path) return json::parse(call.body).as_object();
    }
    ADD_FAILURE() << "no call to " << path;
    return {};
}

TEST(FirecrackerApi, BootCallsAreEveryPreBootCallThenInstanceStartEachAsTheSpecificationWants) {
    const auto calls = firecracker_boot_calls(vm_spec());
    std::vector<std::string> paths;
    for (const auto& call : calls) {
        paths.push_back(call.path);
        expect_valid(call);
    }
    EXPECT_EQ(paths, (std::vector<std::string>{"/machine-config", "/boot-source", "/drives/os", "/drives/data", "/vsock", "/actions"}));
    EXPECT_EQ(calls.back().body, R"({"action_type":"InstanceStart"})");
    EXPECT_EQ(body_of(calls, "/machine-config"), (json::object{{"vcpu_count", 1}, {"mem_size_mib", 16 + 192}}));
    const auto boot = body_of(calls, "/boot-source");
    EXPECT_EQ(boot.at("kernel_image_path"), "/image/vm/vmlinux");
    EXPECT_EQ(boot.at("initrd_path"), "/nodes/3f2a9c1e/initramfs.img");
    const std::string args(boot.at("boot_args").as_string());
    EXPECT_NE(args.find("bv.hostname=calm-river-7"), std::string::npos) << args;
    EXPECT_EQ(args.find("bv.channel="), std::string::npos) << "a Firecracker guest's channel is vsock: " << args;
    EXPECT_NE(args.find("i8042.nopnp"), std::string::npos) << "SendCtrlAltDel needs the i8042: " << args;
    EXPECT_TRUE(args.ends_with(" -- babelsup --vm-init")) << args;
    EXPECT_EQ(body_of(calls, "/drives/os"), (json::object{{"drive_id", "os"}, {"path_on_host", "/image/vm/os.img"},
                                                           {"is_root_device", false}, {"is_read_only", true}}));
    EXPECT_EQ(body_of(calls, "/drives/data").at("is_read_only"), false);
    EXPECT_EQ(body_of(calls, "/vsock"), (json::object{{"guest_cid", 3}, {"uds_path", "/nodes/3f2a9c1e/vsock.sock"}}));
}

TEST(FirecrackerApi, BridgeModeAddsThePublicTapWithTheMacOfTheAddress) {
    auto spec = test::example_bridged_vm_spec();
    spec.vcpu_count = 2;
    const auto calls = firecracker_boot_calls(spec);
    for (const auto& call : calls) expect_valid(call);
    EXPECT_EQ(body_of(calls, "/network-interfaces/public"),
              (json::object{{"iface_id", "public"}, {"host_dev_name", "bvt3f2a9c1e1234"}, {"guest_mac", "06:00:0a:14:00:05"}}));
    EXPECT_EQ(body_of(calls, "/machine-config").at("vcpu_count"), 2);
    EXPECT_NE(std::string(body_of(calls, "/boot-source").at("boot_args").as_string()).find("bv.net=06:00:0a:14:00:05,10.20.0.5/24,10.20.0.1"),
              std::string::npos);
    EXPECT_EQ(calls.back().path, "/actions");
}

TEST(FirecrackerApi, GracefulStopIsSendCtrlAltDel) {
    const auto call = firecracker_action("SendCtrlAltDel");
    expect_valid(call);
    EXPECT_EQ(call.describe(), "PUT /actions");
    EXPECT_EQ(call.body, R"({"action_type":"SendCtrlAltDel"})");
}

TEST(FirecrackerApi, AFaultNamesTheCallAndFirecrackersMessage) {
    const FirecrackerCall call{"PUT", "/drives/data", "{}"};
    EXPECT_EQ(firecracker_fault(call, 400, R"js({"fault_message":"Drive config error: No such file or directory (os error 2)"})js"),
              "Firecracker refused PUT /drives/data (HTTP 400): Drive config error: No such file or directory (os error 2)");
    EXPECT_EQ(firecracker_fault(call, 500, "oops"), "Firecracker refused PUT /drives/data (HTTP 500): oops");
    EXPECT_EQ(firecracker_fault(call, 400, R"({"other":1})"), R"(Firecracker refused PUT /drives/data (HTTP 400): {"other":1})");
}

TEST(FirecrackerVsock, OnlyOkWithAPortAcceptsTheConnection) {
    EXPECT_TRUE(babel::vsock_connect_accepted("OK 1073741824"));
    for (const auto* refused : {"", "OK", "OK ", "OK x", "OK 12 ", "ERR 1", "ok 1"}) {
        EXPECT_FALSE(babel::vsock_connect_accepted(refused)) << refused;
    }
}

TEST(FirecrackerVsock, TheChannelSpecNamesTheSocketAndIsTheHostsSideOnly) {
    const auto channel = babel::make_node_channel(babel::firecracker_vsock_spec("/nodes/x/vsock.sock"));
    EXPECT_EQ(channel->spec(), "firecracker-vsock:/nodes/x/vsock.sock");
    EXPECT_EQ(channel->endpoint(42).description, "vsock /nodes/x/vsock.sock port 42");
    boost::asio::io_context io;
    EXPECT_THROW(channel->listen(io.get_executor(), 42), std::logic_error);
    EXPECT_THROW(babel::make_node_channel("firecracker-vsock:"), std::invalid_argument);
}

}  // namespace
}  // namespace bv::machine
