// CCurl: exposes libcurl (OpenSSL flavour, libcurl4-openssl-dev) to exactly one Swift module,
// InterforceTransport, whose Client/ code is the only caller.
//
// curl_easy_setopt and curl_easy_getinfo are C variadic functions, which Swift cannot call. Each helper
// below fixes the type of the one variadic argument, so the Swift side has a typed mirror per argument
// kind and libcurl reads exactly the type it expects (a `long`, never an `int`; a `curl_off_t`, never a
// `long`). https://curl.se/libcurl/c/curl_easy_setopt.html  https://curl.se/libcurl/c/curl_easy_getinfo.html
#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H

#include <curl/curl.h>

// Options documented as taking a `long` (timeouts, booleans, enums such as CURLOPT_SSLVERSION).
static inline CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

// Options taking a `char *` (URL, file names); libcurl copies the string before returning (since 7.17.0).
static inline CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

// Options taking an opaque pointer libcurl keeps and does not copy (CURLOPT_WRITEDATA, HTTPHEADER, ERRORBUFFER).
static inline CURLcode ccurl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION, which share the curl_write_callback signature.
static inline CURLcode ccurl_easy_setopt_callback(CURL *handle, CURLoption option, curl_write_callback value) {
    return curl_easy_setopt(handle, option, value);
}

// Options with a _LARGE suffix take a curl_off_t, which must not be passed as a `long` through varargs.
static inline CURLcode ccurl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

// CURLINFO_* values of type CURLINFO_LONG (response code, connection count) are written through a `long *`.
static inline CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

#endif
