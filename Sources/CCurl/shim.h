#ifndef GAZETTE_CCURL_SHIM_H
#define GAZETTE_CCURL_SHIM_H

#include <curl/curl.h>
#include <dlfcn.h>
#include <stddef.h>

// libcurl is opened on first use (dlopen), not linked: the library and the 30-odd it needs (two
// TLS stacks, Kerberos, LDAP, SSH, IDN) took every `gazette` process 7 ms to load, relocate and
// initialize before main, a quarter of `gazette parse FILE`, and most commands never fetch or
// send. The functions Gazette calls are resolved once into this table, each typed as curl.h
// declares it, so every call is still checked against libcurl's own prototypes.
typedef struct {
    __typeof__(curl_global_init) *_Nonnull global_init;
    __typeof__(curl_easy_init) *_Nonnull easy_init;
    __typeof__(curl_easy_cleanup) *_Nonnull easy_cleanup;
    __typeof__(curl_easy_reset) *_Nonnull easy_reset;
    __typeof__(curl_easy_perform) *_Nonnull easy_perform;
    __typeof__(curl_easy_strerror) *_Nonnull easy_strerror;
    __typeof__(curl_easy_setopt) *_Nonnull easy_setopt;
    __typeof__(curl_easy_getinfo) *_Nonnull easy_getinfo;
    __typeof__(curl_slist_append) *_Nonnull slist_append;
    __typeof__(curl_slist_free_all) *_Nonnull slist_free_all;
} gazette_curl_library;

// The soname of libcurl 7.16 and later, from libcurl4 (OpenSSL) as from its GnuTLS and NSS builds.
#ifdef __APPLE__
#define GAZETTE_CURL_SONAME "libcurl.4.dylib"
#else
#define GAZETTE_CURL_SONAME "libcurl.so.4"
#endif

// Fills `library` from a libcurl opened with dlopen; returns the name of the first function the
// library lacks (the table is then unusable), or NULL when it has them all.
static inline const char *gazette_curl_resolve(void *opened, gazette_curl_library *library) {
#define GAZETTE_CURL_RESOLVE(field, function)                                                      \
    if (!(library->field = (__typeof__(function) *)dlsym(opened, #function))) return #function;
    GAZETTE_CURL_RESOLVE(global_init, curl_global_init)
    GAZETTE_CURL_RESOLVE(easy_init, curl_easy_init)
    GAZETTE_CURL_RESOLVE(easy_cleanup, curl_easy_cleanup)
    GAZETTE_CURL_RESOLVE(easy_reset, curl_easy_reset)
    GAZETTE_CURL_RESOLVE(easy_perform, curl_easy_perform)
    GAZETTE_CURL_RESOLVE(easy_strerror, curl_easy_strerror)
    GAZETTE_CURL_RESOLVE(easy_setopt, curl_easy_setopt)
    GAZETTE_CURL_RESOLVE(easy_getinfo, curl_easy_getinfo)
    GAZETTE_CURL_RESOLVE(slist_append, curl_slist_append)
    GAZETTE_CURL_RESOLVE(slist_free_all, curl_slist_free_all)
#undef GAZETTE_CURL_RESOLVE
    return NULL;
}

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call.
// One typed wrapper per argument kind, as swift-corelibs-foundation does.

static inline CURLcode gazette_curl_setopt_long(const gazette_curl_library *curl, CURL *handle, CURLoption option,
                                                long value) {
    return curl->easy_setopt(handle, option, value);
}

static inline CURLcode gazette_curl_setopt_string(const gazette_curl_library *curl, CURL *handle, CURLoption option,
                                                  const char *value) {
    return curl->easy_setopt(handle, option, value);
}

static inline CURLcode gazette_curl_setopt_pointer(const gazette_curl_library *curl, CURL *handle, CURLoption option,
                                                   void *value) {
    return curl->easy_setopt(handle, option, value);
}

static inline CURLcode gazette_curl_setopt_slist(const gazette_curl_library *curl, CURL *handle, CURLoption option,
                                                 struct curl_slist *value) {
    return curl->easy_setopt(handle, option, value);
}

typedef size_t (*gazette_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);

static inline CURLcode gazette_curl_setopt_data_callback(const gazette_curl_library *curl, CURL *handle,
                                                         CURLoption option, gazette_curl_data_callback callback) {
    return curl->easy_setopt(handle, option, callback);
}

// CURLOPT_PREREQFUNCTION: called with the address of each connection before its request.
typedef int (*gazette_curl_prereq_callback)(void *clientp, char *primary_ip, char *local_ip, int primary_port,
                                            int local_port);

static inline CURLcode gazette_curl_setopt_prereq_callback(const gazette_curl_library *curl, CURL *handle,
                                                           gazette_curl_prereq_callback callback) {
    return curl->easy_setopt(handle, CURLOPT_PREREQFUNCTION, callback);
}

static inline CURLcode gazette_curl_getinfo_long(const gazette_curl_library *curl, CURL *handle, CURLINFO info,
                                                 long *value) {
    return curl->easy_getinfo(handle, info, value);
}

static inline CURLcode gazette_curl_getinfo_string(const gazette_curl_library *curl, CURL *handle, CURLINFO info,
                                                   char **value) {
    return curl->easy_getinfo(handle, info, value);
}

#endif
