// CSodium: exposes libsodium (Ed25519 signatures, SHA-256, secure memory) to exactly one Swift module,
// InterforceCore. libsodium has no variadic or macro-only API we need, so this shim adds nothing of its own.
#include <sodium.h>
