// Row: one result row, copied out of SQLite.
//
// The values a `sqlite3_column_*` call returns are only valid "until the next call to
// sqlite3_step(), sqlite3_reset() or sqlite3_finalize()" (https://sqlite.org/c3ref/column_blob.html).
// A `Row` therefore copies every column into an `SQLValue` the moment the row is stepped to, which
// makes it an ordinary Sendable value that outlives its statement. Column names are shared by all
// rows of one statement execution (copy-on-write arrays), so copying them costs nothing per row.

/// One result row: values by position or by column name.
///
/// Asking for a column index or name the query does not produce is a programming error and
/// traps, like an out-of-range array index. Asking for the wrong type (`int` on a text column)
/// returns nil, exactly as it does for `NULL`; use the subscript to tell the two apart.
public struct Row: Sendable {
    /// The result column names, in order (`sqlite3_column_name`, https://sqlite.org/c3ref/column_name.html).
    public let columnNames: [String]
    /// The values, in column order.
    public let values: [SQLValue]

    init(columnNames: [String], values: [SQLValue]) {
        self.columnNames = columnNames
        self.values = values
    }

    /// The number of columns.
    public var count: Int { values.count }

    /// The value of the column at `index` (0-based).
    public subscript(_ index: Int) -> SQLValue {
        precondition(values.indices.contains(index), "Row has no column \(index); it has \(values.count)")
        return values[index]
    }

    /// The value of the column called `name`: the leftmost exact match, else the leftmost
    /// case-insensitive match (SQLite identifiers are case-insensitive).
    public subscript(_ name: String) -> SQLValue {
        guard let index = index(of: name) else {
            preconditionFailure("Row has no column named '\(name)'; columns: \(columnNames.joined(separator: ", "))")
        }
        return values[index]
    }

    /// True when the row has a column called `name` (compared as by the name subscript).
    public func hasColumn(_ name: String) -> Bool {
        index(of: name) != nil
    }

    /// The integer at `i`, or nil for `NULL` or a non-integer value.
    public func int(_ i: Int) -> Int64? { self[i].intValue }
    /// The text at `i`, or nil for `NULL` or a non-text value.
    public func text(_ i: Int) -> String? { self[i].textValue }
    /// The bytes at `i`, or nil for `NULL` or a non-blob value. An empty blob is `[]`.
    public func blob(_ i: Int) -> [UInt8]? { self[i].blobValue }

    /// The integer in column `name`, or nil for `NULL` or a non-integer value.
    public func int(_ name: String) -> Int64? { self[name].intValue }
    /// The text in column `name`, or nil for `NULL` or a non-text value.
    public func text(_ name: String) -> String? { self[name].textValue }
    /// The bytes in column `name`, or nil for `NULL` or a non-blob value. An empty blob is `[]`.
    public func blob(_ name: String) -> [UInt8]? { self[name].blobValue }

    private func index(of name: String) -> Int? {
        if let exact = columnNames.firstIndex(of: name) {
            return exact
        }
        let folded = name.lowercased()
        return columnNames.firstIndex { $0.lowercased() == folded }
    }
}
