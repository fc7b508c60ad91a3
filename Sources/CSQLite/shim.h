// CSQLite: exposes SQLite 3 to exactly one Swift module, InterforceStore.
#include <sqlite3.h>

// SQLITE_TRANSIENT is a macro casting -1 to a function pointer; it does not import into Swift.
// Binding with it makes SQLite copy the bytes before the call returns.
static inline int csqlite_bind_text_transient(sqlite3_stmt *stmt, int index, const char *text, int length) {
    return sqlite3_bind_text(stmt, index, text, length, SQLITE_TRANSIENT);
}

// Same for blobs.
static inline int csqlite_bind_blob_transient(sqlite3_stmt *stmt, int index, const void *bytes, int length) {
    return sqlite3_bind_blob(stmt, index, bytes, length, SQLITE_TRANSIENT);
}
