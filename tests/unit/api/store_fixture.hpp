#pragma once

// A fresh store in a temporary directory, with helpers that make the records most tests need.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "api/store.hpp"
#include "rpc/error.hpp"
#include "support/process.hpp"
#include "support/rpc_call.hpp"

namespace bv::api::test {

inline constexpr std::int64_t kNow = 1'700'000'000'000;

class StoreTest : public ::testing::Test {
protected:
    StoreTest() : store_(std::make_unique<Store>(dir_.path() / "api.db")) {}

    Store& store() { return *store_; }
    // Closes and opens the database again, as a restarted bv-api would.
    void reopen() {
        store_.reset();
        store_ = std::make_unique<Store>(dir_.path() / "api.db");
    }
    const std::filesystem::path& dir() const { return dir_.path(); }

    // A provisioned host named `name`, with access token "access-<name>" valid for an hour.
    std::string add_host(const std::string& name, const std::string& id = {}) {
        const auto otp = "otp-" + name + id;
        store().hosts.add_otp(otp, kNow, kNow + 3'600'000);
        v1::HostInfo info;
        info.set_name(name);
        const auto host_id = id.empty() ? "host-" + name : id;
        store().hosts.provision(otp, host_id, info, {"access-" + name + id, kNow + 3'600'000, "refresh-" + name + id},
                                kNow);
        return host_id;
    }

    admin::Node add_node(const std::string& host_id, const std::string& id, const std::string& name) {
        v1::NodeCreate spec;
        spec.set_node_id(id);
        spec.set_name(name);
        spec.set_image("dummy/sleeper/1.0.0");
        return store().nodes.add(host_id, spec, kNow);
    }

    v1::Command command(const std::string& id, std::int64_t issued_at_ms = kNow) {
        v1::Command command;
        command.set_id(id);
        command.set_issued_at_ms(issued_at_ms);
        command.mutable_node_start()->set_node_id("node-1");
        return command;
    }

private:
    bv::test::TempDir dir_{"bv-api-store"};
    std::unique_ptr<Store> store_;
};

using bv::test::error_of;

// Whether `text` holds every one of `parts` (the test's message shows the text).
inline ::testing::AssertionResult mentions(const std::string& text, std::initializer_list<std::string_view> parts) {
    for (const auto part : parts) {
        if (text.find(part) == std::string::npos) {
            return ::testing::AssertionFailure() << "'" << text << "' does not mention '" << part << "'";
        }
    }
    return ::testing::AssertionSuccess();
}

}  // namespace bv::api::test
