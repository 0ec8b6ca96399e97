// glibc's NSS lookups that libraries of the static host binary refer to but that must never
// run: in a static binary they load the host's NSS modules at run time (which may not match
// this glibc, or be missing in a chroot). The link redirects them here (-Wl,--wrap, set in
// CMakeLists.txt for static builds), so libc's versions are not even linked. Host names are
// resolved with c-ares (dns_resolver.hpp); the callers are OpenSSL's BIO_lookup (unused: asio
// connects its own sockets) and c-ares' service-name lookups (unused: it gets no service).

#include <netdb.h>

#include <cerrno>

extern "C" {

int __wrap_getaddrinfo(const char*, const char*, const addrinfo*, addrinfo** result) {
    if (result != nullptr) *result = nullptr;
    return EAI_FAIL;
}

// Nothing to free: the getaddrinfo above hands out no list.
void __wrap_freeaddrinfo(addrinfo*) {}

servent* __wrap_getservbyname(const char*, const char*) {
    return nullptr;
}

int __wrap_getservbyport_r(int, const char*, servent*, char*, size_t, servent** result) {
    if (result != nullptr) *result = nullptr;
    return ENOENT;
}

}  // extern "C"
