#ifndef GAZETTE_CCURL_SHIM_H
#define GAZETTE_CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call.
// One typed wrapper per argument kind, as swift-corelibs-foundation does.

static inline CURLcode gazette_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode gazette_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode gazette_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode gazette_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

static inline CURLcode gazette_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

typedef size_t (*gazette_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);

static inline CURLcode gazette_curl_setopt_data_callback(CURL *handle, CURLoption option,
                                                         gazette_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

// CURLOPT_PREREQFUNCTION: called with the address of each connection before its request.
typedef int (*gazette_curl_prereq_callback)(void *clientp, char *primary_ip, char *local_ip, int primary_port,
                                            int local_port);

static inline CURLcode gazette_curl_setopt_prereq_callback(CURL *handle, gazette_curl_prereq_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_PREREQFUNCTION, callback);
}

static inline CURLcode gazette_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode gazette_curl_getinfo_string(CURL *handle, CURLINFO info, char **value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
