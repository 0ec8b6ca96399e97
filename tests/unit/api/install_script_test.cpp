#include "api/install_script.hpp"

#include <gtest/gtest.h>

#include "common/files.hpp"
#include "support/process.hpp"

namespace bv::api {
namespace {

TEST(InstallScript, ShQuoteSurvivesQuotesAndShellCharacters) {
    EXPECT_EQ(sh_quote("plain"), "'plain'");
    EXPECT_EQ(sh_quote("it's"), "'it'\\''s'");
    test::TempDir dir("bv-install-script");
    const std::string tricky = "a'b \"c\" $HOME `id` \\ \n-----END";
    const auto script = dir.path() / "echo.sh";
    write_file_atomically(script, "printf '%s' " + sh_quote(tricky) + "\n");
    EXPECT_EQ(test::run({"sh", script.string()}).out, tricky);
}

TEST(InstallScript, CarriesTheNewestBundleAndTheCaAndIsValidSh) {
    v1::Bundle bundle;
    bundle.set_version("1.2.3");
    bundle.set_url("https://127.0.0.1:8443/bundles/blockvisor-1.2.3.tar.gz");
    bundle.set_sha256(std::string(64, 'a'));
    bundle.set_size(1234);
    const auto script = install_script({"https://127.0.0.1:8443", "-----BEGIN CERTIFICATE-----\nMII\n-----END CERTIFICATE-----\n",
                                        bundle, {"a2V5", "-----BEGIN PUBLIC KEY-----\nMCo=\n-----END PUBLIC KEY-----\n"}});
    EXPECT_TRUE(script.starts_with("#!/bin/sh\n"));
    EXPECT_NE(script.find("VERSION='1.2.3'"), std::string::npos);
    EXPECT_NE(script.find("SHA256='" + std::string(64, 'a') + "'"), std::string::npos);
    EXPECT_NE(script.find("SIZE=1234"), std::string::npos);
    // JSON strings for the host config, a PEM key's newlines escaped.
    EXPECT_NE(script.find(R"(RELEASE_KEYS_JSON='"a2V5", "-----BEGIN PUBLIC KEY-----\nMCo=\n-----END PUBLIC KEY-----\n"')"),
              std::string::npos)
        << script.substr(0, 600);
    test::TempDir dir("bv-install-script");
    write_file_atomically(dir.path() / "install.sh", script);
    EXPECT_EQ(test::run({"sh", "-n", (dir.path() / "install.sh").string()}).exit_code, 0) << "sh -n: syntax";
    // Without a password it only says how to use it.
    const auto usage = test::run({"sh", (dir.path() / "install.sh").string()});
    EXPECT_EQ(usage.exit_code, 1);
    EXPECT_NE(usage.err.find("usage: curl -fsS --cacert CA URL/install.sh | sh -s -- OTP"), std::string::npos)
        << usage.err;
}

TEST(InstallScript, WithoutABundleItSaysSoAndInstallsNothing) {
    const auto script = install_script({"https://h:1", "PEM", std::nullopt, {}});
    test::TempDir dir("bv-install-script");
    write_file_atomically(dir.path() / "install.sh", script);
    const auto result =
        test::run({"sh", (dir.path() / "install.sh").string(), "otp", "--root", (dir.path() / "root").string()});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("has no bundle to install: publish one first"), std::string::npos) << result.err;
    EXPECT_FALSE(std::filesystem::exists(dir.path() / "root"));
}

}  // namespace
}  // namespace bv::api
