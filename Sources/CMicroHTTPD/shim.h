// CMicroHTTPD: exposes libmicrohttpd (the HTTPS server) and GnuTLS (to read and verify the client certificate of a
// connection) to exactly one Swift module, InterforceTransport, with glibc's <malloc.h> (mallopt), which Swift's Glibc
// module leaves out and the server needs to keep its memory bound. Helpers exist only where the C API is
// variadic or a macro; everything else is called directly from Swift.
#include <microhttpd.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <malloc.h>

// MHD_start_daemon is variadic; every option goes through one MHD_OPTION_ARRAY built in Swift.
static inline struct MHD_Daemon *cmhd_start_daemon(unsigned int flags, uint16_t port,
                                                   MHD_AcceptPolicyCallback accept_policy, void *accept_policy_cls,
                                                   MHD_AccessHandlerCallback handler, void *handler_cls,
                                                   const struct MHD_OptionItem *options) {
    return MHD_start_daemon(flags, port, accept_policy, accept_policy_cls, handler, handler_cls,
                            MHD_OPTION_ARRAY, options, MHD_OPTION_END);
}

// MHD_get_connection_info is variadic; the kinds we ask for (TLS session, client address, socket descriptor, socket
// context) take no extra argument.
static inline const union MHD_ConnectionInfo *cmhd_connection_info(struct MHD_Connection *connection,
                                                                   enum MHD_ConnectionInfoType kind) {
    return MHD_get_connection_info(connection, kind);
}

// MHD_get_daemon_info is variadic; the kind we ask for (bound port) takes no extra argument.
static inline const union MHD_DaemonInfo *cmhd_daemon_info(struct MHD_Daemon *daemon, enum MHD_DaemonInfoType kind) {
    return MHD_get_daemon_info(daemon, kind);
}

// gnutls_free is a function-like macro over a mutable function-pointer global; the macro does not import into Swift.
static inline void cmhd_gnutls_free(void *pointer) {
    gnutls_free(pointer);
}
