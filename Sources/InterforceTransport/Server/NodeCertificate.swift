// A node knows who it is (issue 13): before `init` records a certificate and before `serve` presents one, the
// certificate must be this force's and the federation CA's. Peers bind a connection to the force its certificate
// names (CN, and the DNS name `<force>.node.interforce` the client verifies), so a node serving with another
// force's certificate would be taken for that force and sent its data. This is the check, with GnuTLS, that the
// certificate file's leaf has CN = the force, lists `<force>.node.interforce` as a DNS subject alternative name (no
// wildcard), and chains to the CA file. Validity times are not checked here: peers report an expired certificate
// (`client certificate refused: expired`), and a clock that is off must not keep a node from starting.

import Foundation
internal import CMicroHTTPD

public enum NodeCertificate {
    /// Throws a ``ServerError`` naming the file and the problem unless `certificateFile` is `force`'s certificate
    /// (CN and DNS name `serverName`) issued by a certificate in `caFile`.
    public static func check(certificateFile: String, caFile: String, force: String, serverName: String) throws {
        let chain = try certificates(try TLSServerConfig.read(certificateFile, "certificate"), what: "certificate",
                                     file: certificateFile)
        defer { chain.forEach { gnutls_x509_crt_deinit($0) } }
        let authorities = try certificates(try TLSServerConfig.read(caFile, "trusted CA certificate"),
                                           what: "CA certificate", file: caFile)
        defer { authorities.forEach { gnutls_x509_crt_deinit($0) } }
        let leaf = chain[0]

        let commonName = attribute(leaf, oid: "2.5.4.3")
        guard commonName == force else {
            let named = commonName.map { "force '\($0)' (CN=\($0))" } ?? "no force (no CN)"
            throw ServerError("\(certificateFile) is a certificate for \(named), not for this node's force '\(force)': "
                              + "peers would take this node for \(commonName ?? "nobody"). Give this force's own "
                              + "certificate ('tlsCertificate' in config.json, --tls-cert of init)")
        }
        let exact = gnutls_x509_crt_check_hostname2(leaf, serverName, UInt32(GNUTLS_VERIFY_DO_NOT_ALLOW_WILDCARDS.rawValue))
        guard exact != 0, dnsNames(leaf).contains(serverName) else {
            let names = dnsNames(leaf)
            throw ServerError("\(certificateFile) does not name \(serverName) (its DNS names: "
                              + "\(names.isEmpty ? "none" : names.joined(separator: ", "))), the name peers verify "
                              + "for force '\(force)': issue it with Deploy/pki.sh node")
        }
        var status: UInt32 = 0
        let leaves: [gnutls_x509_crt_t?] = chain, cas: [gnutls_x509_crt_t?] = authorities
        let code = leaves.withUnsafeBufferPointer { c in
            cas.withUnsafeBufferPointer { a in
                gnutls_x509_crt_list_verify(c.baseAddress, UInt32(c.count), a.baseAddress, UInt32(a.count), nil, 0,
                                            UInt32(GNUTLS_VERIFY_DISABLE_TIME_CHECKS.rawValue), &status)
            }
        }
        if code < 0 { throw ServerError("\(certificateFile): cannot verify against \(caFile): \(GnuTLS.message(code))") }
        if status != 0 {
            let why = GnuTLS.reasons(status).filter { $0 != "not valid for TLS client authentication" }
            throw ServerError("\(certificateFile) does not chain to the federation CA in \(caFile) ('tlsCA'): "
                              + (why.isEmpty ? "invalid" : why.joined(separator: ", "))
                              + "; peers would refuse it")
        }
    }

    /// Every certificate of a PEM text, in order; at least one.
    private static func certificates(_ pem: String, what: String, file: String) throws -> [gnutls_x509_crt_t] {
        try GnuTLS.withDatum(pem) { datum in
            var list: UnsafeMutablePointer<gnutls_x509_crt_t?>?
            var count: UInt32 = 0
            let code = gnutls_x509_crt_list_import2(&list, &count, &datum, GNUTLS_X509_FMT_PEM, 0)
            if code < 0 { throw ServerError("\(file) is not a valid PEM \(what): \(GnuTLS.message(code))") }
            defer { cmhd_gnutls_free(list) }
            let out = (0..<Int(count)).compactMap { list?[$0] }
            if out.isEmpty { throw ServerError("\(file) contains no \(what)") }
            return out
        }
    }

    private static func attribute(_ certificate: gnutls_x509_crt_t, oid: String) -> String? {
        var size = 0
        guard gnutls_x509_crt_get_dn_by_oid(certificate, oid, 0, 0, nil, &size) == GNUTLS_E_SHORT_MEMORY_BUFFER,
              size > 0, size < 4096 else { return nil }
        var buffer = [UInt8](repeating: 0, count: size)
        guard gnutls_x509_crt_get_dn_by_oid(certificate, oid, 0, 0, &buffer, &size) >= 0 else { return nil }
        return String(decoding: buffer.prefix(while: { $0 != 0 }), as: UTF8.self)
    }

    /// The DNS subject alternative names (at most 64).
    private static func dnsNames(_ certificate: gnutls_x509_crt_t) -> [String] {
        var names: [String] = []
        for index: UInt32 in 0..<64 {
            var buffer = [UInt8](repeating: 0, count: 256)
            var size = buffer.count
            let type = gnutls_x509_crt_get_subject_alt_name(certificate, index, &buffer, &size, nil)
            if type < 0 { break }
            if type == Int32(GNUTLS_SAN_DNSNAME.rawValue) {
                names.append(String(decoding: buffer.prefix(min(size, buffer.count)), as: UTF8.self))
            }
        }
        return names
    }
}
