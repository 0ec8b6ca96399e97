#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/messages.hpp"

namespace bv::api {

// What the provisioning script is made from when it is asked for.
struct InstallScriptInputs {
    // https://HOST:PORT of bv-api.
    std::string api_url;
    // bv-api's CA certificate (PEM): the script trusts it for the download, and hands it to
    // `bv init --ca`.
    std::string ca_pem;
    // The newest bundle (its URL set); none: the script says so and exits 1.
    std::optional<v1::Bundle> newest;
    // Written as release_public_keys into a host config the script creates (bv-api serve
    // --release-public-key): the installer checks the bundle's signature against them.
    std::vector<std::string> release_public_keys;
};

// GET /install.sh: a POSIX sh script for
//     curl -fsS --cacert ca.pem https://HOST:PORT/install.sh | sh -s -- OTP [--root R] [--yes]
// that downloads the newest bundle (resumable, authenticated with the one-time password),
// checks its SHA-256 against what bv-api listed (the only check possible before anything of the
// host exists: the release keys come with the bundle's installer), unpacks it into
// R/opt/blockvisor/<version>, runs its installer (a first install: nothing to back up; it
// starts bvd), waits for bvd and provisions the host with the password (`bv init`).
std::string install_script(const InstallScriptInputs& inputs);

// `text` in single quotes for sh ('it'\''s').
std::string sh_quote(const std::string& text);

}  // namespace bv::api
