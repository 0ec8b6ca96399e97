#include "api/install_script.hpp"

#include <fmt/format.h>

namespace bv::api {
namespace {

// Everything after the values: the same for every request. POSIX sh only (dash runs it), curl
// (-C - resumes a download cut short), sha256sum and tar from the base system.
constexpr std::string_view kBody = R"sh(
say() { printf 'install.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
usage() { die "usage: curl -fsS --cacert CA URL/install.sh | sh -s -- OTP [--root DIR] [--yes]"; }

otp=""
root="/"
while [ $# -gt 0 ]; do
    case "$1" in
        --root) [ $# -ge 2 ] || usage; root="$2"; shift 2 ;;
        --root=*) root="${1#--root=}"; shift ;;
        --yes) shift ;;
        -h|--help) say "provisions this host with bv-api at $API_URL"; usage ;;
        -*) say "unknown option $1"; usage ;;
        *) [ -z "$otp" ] || usage; otp="$1"; shift ;;
    esac
done
[ -n "$otp" ] || usage
[ -n "$VERSION" ] || die "bv-api at $API_URL has no bundle to install: publish one first (bv-api bundle publish FILE)"
for tool in curl sha256sum tar; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: install it (apt-get install $tool) and run this again"
done

prefix="${root%/}"
config_dir="$prefix/etc/blockvisor"
downloads="$prefix/var/lib/blockvisor/downloads"
install_dir="$prefix/opt/blockvisor"
mkdir -p "$config_dir" "$downloads" "$install_dir"
ca="$config_dir/api-ca.pem"
printf '%s\n' "$CA_PEM" > "$ca"
# The release keys bv-api was given: the installer checks the bundle's signature against them.
config="$config_dir/config.json"
if [ ! -f "$config" ]; then
    (umask 077 && printf '{"release_public_keys": [%s]}\n' "$RELEASE_KEYS_JSON" > "$config")
elif [ -n "$RELEASE_KEYS_JSON" ]; then
    say "$config exists: its release_public_keys are kept as they are"
fi

archive="$downloads/blockvisor-$VERSION.tar.gz"
if [ ! -f "$archive" ]; then
    say "downloading BlockVisor $VERSION ($SIZE bytes) from $BUNDLE_URL"
    # -C -: resumes what an earlier run left in the .part file.
    curl -fsS --retry 3 --cacert "$ca" -H "Authorization: Bearer $otp" -C - -o "$archive.part" "$BUNDLE_URL" ||
        die "the download of $BUNDLE_URL failed (what came is kept in $archive.part: run this again to resume)"
    if ! printf '%s  %s\n' "$SHA256" "$archive.part" | sha256sum -c - >/dev/null 2>&1; then
        rm -f "$archive.part"
        die "the download of $BUNDLE_URL does not have the SHA-256 bv-api listed ($SHA256): deleted, nothing installed"
    fi
    mv "$archive.part" "$archive"
fi
say "checked: SHA-256 $SHA256"

destination="$install_dir/$VERSION"
if [ ! -x "$destination/bin/blockvisor" ]; then
    rm -rf "$destination.unpacking"
    mkdir -p "$destination.unpacking"
    tar -xzf "$archive" -C "$destination.unpacking" || die "cannot unpack $archive"
    [ -x "$destination.unpacking/bin/blockvisor" ] || die "$archive holds no bin/blockvisor: not a BlockVisor bundle"
    rm -rf "$destination"
    mv "$destination.unpacking" "$destination"
fi

say "installing BlockVisor $VERSION into $install_dir"
"$destination/bin/blockvisor" bv-installer --root "$root" "$VERSION" ||
    die "the installer of BlockVisor $VERSION failed (see its messages above)"

bv="$install_dir/current/bin/blockvisor"
[ -x "$bv" ] || bv="$destination/bin/blockvisor"
waited=0
until "$bv" bv --root "$root" host status >/dev/null 2>&1; do
    waited=$((waited + 1))
    [ "$waited" -le 60 ] || die "bvd did not answer within 30 s after the install (see its log)"
    sleep 0.5
done
say "provisioning this host with bv-api at $API_URL"
"$bv" bv --root "$root" init "$otp" --api "$API_URL" --ca "$ca" --yes ||
    die "provisioning failed (see above); BlockVisor $VERSION stays installed: run 'bv init OTP --api $API_URL --ca $ca' with a new password"
say "done: BlockVisor $VERSION runs and this host is provisioned"
)sh";

// ["k1","k2"] without the brackets, each key a JSON string (a PEM key's newlines escaped).
std::string keys_json(const std::vector<std::string>& keys) {
    std::string json;
    for (const auto& key : keys) {
        if (!json.empty()) json += ", ";
        json += '"';
        for (const char c : key) {
            if (c == '\n') {
                json += "\\n";
            } else if (c == '"' || c == '\\') {
                json += '\\';
                json += c;
            } else if (c != '\r') {
                json += c;
            }
        }
        json += '"';
    }
    return json;
}

}  // namespace

std::string sh_quote(const std::string& text) {
    std::string quoted = "'";
    for (const char c : text) {
        if (c == '\'') {
            quoted += "'\\''";
        } else {
            quoted.push_back(c);
        }
    }
    return quoted + "'";
}

std::string install_script(const InstallScriptInputs& inputs) {
    const auto bundle = inputs.newest.value_or(v1::Bundle());
    auto ca = inputs.ca_pem;
    while (!ca.empty() && ca.back() == '\n') ca.pop_back();
    return fmt::format(
               "#!/bin/sh\n"
               "# BlockVisor provisioning script, made by bv-api for its newest bundle.\n"
               "#   curl -fsS --cacert ca.pem {0}/install.sh | sh -s -- OTP [--root DIR]\n"
               "set -eu\n"
               "API_URL={1}\nVERSION={2}\nBUNDLE_URL={3}\nSHA256={4}\nSIZE={5}\nCA_PEM={6}\n"
               "RELEASE_KEYS_JSON={7}\n",
               inputs.api_url, sh_quote(inputs.api_url), sh_quote(bundle.version()), sh_quote(bundle.url()),
               sh_quote(bundle.sha256()), bundle.size(), sh_quote(ca), sh_quote(keys_json(inputs.release_public_keys))) +
           std::string(kBody);
}

}  // namespace bv::api
