// GnuTLS, used for two jobs MHD leaves to the application: checking the server's PEM material before
// MHD_start_daemon (which otherwise fails with no reason), and reading and verifying the client certificate of a
// connection. `GnuTLS.check` is the one place GnuTLS return codes become thrown errors; `X509Certificate` owns one
// `gnutls_x509_crt_t`. Manual: https://gnutls.org/manual/html_node/Core-TLS-API.html

import Foundation
internal import CMicroHTTPD

enum GnuTLS {
    /// GnuTLS functions return a negative code on failure and zero or a count on success.
    @discardableResult
    static func check(_ code: Int32, _ call: String, fileID: String = #fileID, line: Int = #line) throws -> Int32 {
        guard code < 0 else { return code }
        throw ServerError("\(call): \(message(code))", fileID: fileID, line: line)
    }

    static func message(_ code: Int32) -> String {
        guard let text = gnutls_strerror(code) else { return "GnuTLS error \(code)" }
        return String(cString: text) + " (\(code))"
    }

    /// Runs `body` with a datum over the UTF-8 bytes of `text`; the datum is valid only inside `body`.
    static func withDatum<R>(_ text: String, _ body: (inout gnutls_datum_t) throws -> R) rethrows -> R {
        var bytes = Array(text.utf8)
        return try bytes.withUnsafeMutableBufferPointer { buffer in
            var datum = gnutls_datum_t(data: buffer.baseAddress, size: UInt32(buffer.count))
            return try body(&datum)
        }
    }

    /// Checks the server's TLS material the way MHD will load it, so that a bad file is reported by name:
    /// a certificate chain that does not parse, a key that does not parse or does not match, a CA bundle without
    /// certificates, an invalid priority string.
    static func validate(_ tls: TLSServerConfig) throws {
        var credentials: gnutls_certificate_credentials_t?
        try check(gnutls_certificate_allocate_credentials(&credentials), "gnutls_certificate_allocate_credentials")
        defer { gnutls_certificate_free_credentials(credentials) }

        try withDatum(tls.certificatePEM) { certificate in
            var list: UnsafeMutablePointer<gnutls_x509_crt_t?>?
            var count: UInt32 = 0
            let code = gnutls_x509_crt_list_import2(&list, &count, &certificate, GNUTLS_X509_FMT_PEM, 0)
            if code < 0 { throw ServerError("server certificate is not a valid PEM certificate: \(message(code))") }
            for index in 0..<Int(count) { gnutls_x509_crt_deinit(list?[index]) }
            cmhd_gnutls_free(list)
            if count == 0 { throw ServerError("server certificate PEM contains no certificate") }
        }
        try withDatum(tls.privateKeyPEM) { key in
            var parsed: gnutls_x509_privkey_t?
            try check(gnutls_x509_privkey_init(&parsed), "gnutls_x509_privkey_init")
            defer { gnutls_x509_privkey_deinit(parsed) }
            let code = gnutls_x509_privkey_import2(parsed, &key, GNUTLS_X509_FMT_PEM, nil, 0)
            if code < 0 { throw ServerError("server private key is not a valid unencrypted PEM key: \(message(code))") }
        }
        try withDatum(tls.certificatePEM) { certificate in
            try withDatum(tls.privateKeyPEM) { key in
                let code = gnutls_certificate_set_x509_key_mem2(credentials, &certificate, &key, GNUTLS_X509_FMT_PEM,
                                                                nil, 0)
                if code == GNUTLS_E_CERTIFICATE_KEY_MISMATCH {
                    throw ServerError("server private key does not match the server certificate")
                }
                if code < 0 { throw ServerError("server certificate and key not usable: \(message(code))") }
            }
        }
        try withDatum(tls.trustedCAPEM) { ca in
            let code = gnutls_certificate_set_x509_trust_mem(credentials, &ca, GNUTLS_X509_FMT_PEM)
            if code < 0 { throw ServerError("trusted CA is not a valid PEM certificate: \(message(code))") }
            if code == 0 { throw ServerError("trusted CA PEM contains no certificate") }
        }
        // The error position points into the C string, so it is read while that string is alive.
        let (code, rest) = tls.priorities.withCString { text -> (Int32, String?) in
            var priority: gnutls_priority_t?
            var errorPosition: UnsafePointer<CChar>?
            let code = gnutls_priority_init(&priority, text, &errorPosition)
            if code >= 0 { gnutls_priority_deinit(priority) }
            return (code, errorPosition.map { String(cString: $0) })
        }
        if code < 0 {
            let at = rest.map { " at \"\($0)\"" } ?? ""
            throw ServerError("invalid GnuTLS priority string \"\(tls.priorities)\"\(at): \(message(code))")
        }
    }

    /// The TLS client-authentication key purpose (`GNUTLS_KP_TLS_WWW_CLIENT`, id-kp-clientAuth).
    static let clientAuthPurpose = "1.3.6.1.5.5.7.3.2"
    /// The smallest RSA modulus accepted in a client certificate (112-bit security, NIST SP 800-57).
    static let minimumRSABits: UInt32 = 2048
    /// The smallest elliptic curve accepted in a client certificate (P-256).
    static let minimumECBits: UInt32 = 256

    /// The client identity of a TLS session whose handshake has completed.
    ///
    /// Verification uses `gnutls_certificate_verify_peers` against the credentials MHD built from
    /// `.HTTPS_MEM_TRUST` (the federation CA only), at the current time, with the TLS client authentication key
    /// purpose. GnuTLS treats a certificate without an extended key usage extension as fit for every purpose; here
    /// the extension must be present and list client authentication. The key must be RSA of at least
    /// ``minimumRSABits`` bits, EC on a curve of at least ``minimumECBits`` bits, or Ed25519/Ed448.
    /// The subject must name one force: exactly one CN, and no OU other than one equal to it (pki.sh issues
    /// `O=Interforce, OU=FORCE, CN=FORCE`). A subject with two CNs would be one force here (GnuTLS reads the first)
    /// and the other to tools that take the last, so it is refused, as is an OU naming another force.
    /// https://gnutls.org/manual/html_node/Verifying-a-certificate-in-the-context-of-TLS-session.html
    static func clientIdentity(session: OpaquePointer) -> ClientIdentity {
        var count: UInt32 = 0
        guard let chain = gnutls_certificate_get_peers(session, &count), count > 0 else { return .missing }
        guard gnutls_certificate_type_get(session) == GNUTLS_CRT_X509 else {
            return .rejected("not an X.509 certificate")
        }
        let leaf = try? X509Certificate(der: chain[0])
        var status: UInt32 = 0
        let code = clientAuthPurpose.withCString { clientAuth in
            var purpose = gnutls_typed_vdata_st(type: GNUTLS_DT_KEY_PURPOSE_OID,
                                                data: UnsafeMutableRawPointer(mutating: clientAuth)
                                                    .assumingMemoryBound(to: UInt8.self),
                                                size: 0)
            return gnutls_certificate_verify_peers(session, &purpose, 1, &status)
        }
        // The subject of a certificate from anywhere is the client's text: only its start goes into the reason
        // (which is logged), however large the certificate.
        let subject = leaf.map { " (subject \($0.subject.count > 200 ? $0.subject.prefix(200) + "…" : $0.subject))" }
            ?? ""
        if code < 0 { return .rejected("verification failed: \(message(code))\(subject)") }
        if status != 0 { return .rejected(reasons(status).joined(separator: ", ") + subject) }
        guard let leaf, let peer = leaf.peerCertificate else { return .rejected("certificate cannot be read") }
        if let weakness = keyWeakness(leaf.publicKey) { return .rejected(weakness + subject) }
        if let ambiguity = subjectAmbiguity(leaf) { return .rejected(ambiguity + subject) }
        guard let purposes = leaf.keyPurposes else {
            return .rejected("no extended key usage: TLS client authentication (\(clientAuthPurpose)) must be listed"
                             + subject)
        }
        guard purposes.contains(clientAuthPurpose) else {
            return .rejected("not valid for TLS client authentication" + subject)
        }
        return .verified(peer)
    }

    /// Why a client certificate's key is not accepted, or nil when it is.
    static func keyWeakness(_ key: (algorithm: gnutls_pk_algorithm_t, bits: UInt32)) -> String? {
        switch key.algorithm {
        case GNUTLS_PK_RSA, GNUTLS_PK_RSA_PSS:
            return key.bits < minimumRSABits
                ? "RSA key of \(key.bits) bits; at least \(minimumRSABits) are required" : nil
        case GNUTLS_PK_ECDSA:
            return key.bits < minimumECBits
                ? "EC key of \(key.bits) bits; a curve of at least \(minimumECBits) bits is required" : nil
        case GNUTLS_PK_EDDSA_ED25519, GNUTLS_PK_EDDSA_ED448:
            return nil
        default:
            let name = gnutls_pk_algorithm_get_name(key.algorithm).map { String(cString: $0) } ?? "unknown"
            return "\(name) keys are not accepted (RSA, EC or EdDSA only)"
        }
    }

    static let commonNameOID = "2.5.4.3"
    static let organizationalUnitOID = "2.5.4.11"

    /// Why a client certificate's subject does not name exactly one force, or nil when it does.
    static func subjectAmbiguity(_ leaf: X509Certificate) -> String? {
        let names = leaf.subjectAttributes(oid: commonNameOID)
        let units = leaf.subjectAttributes(oid: organizationalUnitOID)
        guard names.count == 1 else {
            return names.isEmpty ? "the subject has no CN naming the force"
                : "the subject has \(names.count) CNs; exactly one must name the force"
        }
        guard units.count <= 1, units.allSatisfy({ $0 == names[0] }) else {
            return units.count > 1 ? "the subject has \(units.count) OUs; at most one, equal to the CN, is accepted"
                : "the subject's OU differs from its CN; they must name the same force"
        }
        return nil
    }

    /// Names the verification failures in `status` (a `gnutls_certificate_status_t` bit set), most telling first.
    static func reasons(_ status: UInt32) -> [String] {
        let named: [(gnutls_certificate_status_t, String)] = [
            (GNUTLS_CERT_SIGNER_NOT_FOUND, "not issued by the federation CA"),
            (GNUTLS_CERT_EXPIRED, "expired"),
            (GNUTLS_CERT_NOT_ACTIVATED, "not yet valid"),
            (GNUTLS_CERT_REVOKED, "revoked"),
            (GNUTLS_CERT_SIGNATURE_FAILURE, "signature does not verify"),
            (GNUTLS_CERT_SIGNER_NOT_CA, "issuer is not a CA"),
            (GNUTLS_CERT_INSECURE_ALGORITHM, "signed with an insecure algorithm"),
            (GNUTLS_CERT_PURPOSE_MISMATCH, "not valid for TLS client authentication"),
        ]
        let found = named.filter { status & $0.0.rawValue != 0 }.map(\.1)
        if !found.isEmpty { return found }
        var out = gnutls_datum_t()
        guard gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &out, 0) >= 0,
              let data = out.data else { return ["invalid (GnuTLS status \(status))"] }
        defer { cmhd_gnutls_free(data) }
        return [String(decoding: UnsafeBufferPointer(start: data, count: Int(out.size)), as: UTF8.self)]
    }
}

/// Owns one parsed X.509 certificate (`gnutls_x509_crt_t`); freed in `deinit`. Confined to the calling thread.
final class X509Certificate {
    private let handle: gnutls_x509_crt_t

    init(der datum: gnutls_datum_t) throws {
        var handle: gnutls_x509_crt_t?
        try GnuTLS.check(gnutls_x509_crt_init(&handle), "gnutls_x509_crt_init")
        guard let handle else { throw ServerError("gnutls_x509_crt_init returned no handle") }
        var copy = datum
        let code = gnutls_x509_crt_import(handle, &copy, GNUTLS_X509_FMT_DER)
        if code < 0 {
            gnutls_x509_crt_deinit(handle)
            throw ServerError("client certificate does not parse: \(GnuTLS.message(code))")
        }
        self.handle = handle
    }

    deinit { gnutls_x509_crt_deinit(handle) }

    /// The subject DN in RFC 4514 form (`gnutls_x509_crt_get_dn3`).
    var subject: String {
        var out = gnutls_datum_t()
        guard gnutls_x509_crt_get_dn3(handle, &out, 0) >= 0, let data = out.data else { return "" }
        defer { cmhd_gnutls_free(data) }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(out.size)), as: UTF8.self)
    }

    /// The first value of a subject attribute, or nil when the subject has none.
    func subjectAttribute(oid: String) -> String? { subjectAttribute(oid: oid, index: 0) }

    /// Every value of a subject attribute in the subject's order (at most 16 are read).
    func subjectAttributes(oid: String) -> [String] {
        var values: [String] = []
        while values.count < 16, let value = subjectAttribute(oid: oid, index: UInt32(values.count)) {
            values.append(value)
        }
        return values
    }

    /// The `index`th value of a subject attribute (`gnutls_x509_crt_get_dn_by_oid`), or nil when there is none.
    private func subjectAttribute(oid: String, index: UInt32) -> String? {
        var size = 0
        var code = gnutls_x509_crt_get_dn_by_oid(handle, oid, index, 0, nil, &size)
        guard code == GNUTLS_E_SHORT_MEMORY_BUFFER, size > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: size)
        code = gnutls_x509_crt_get_dn_by_oid(handle, oid, index, 0, &buffer, &size)
        guard code >= 0 else { return nil }
        return String(decoding: buffer.prefix(while: { $0 != 0 }), as: UTF8.self)
    }

    /// The public key's algorithm and size in bits (`gnutls_x509_crt_get_pk_algorithm`).
    var publicKey: (algorithm: gnutls_pk_algorithm_t, bits: UInt32) {
        var bits: UInt32 = 0
        let algorithm = gnutls_x509_crt_get_pk_algorithm(handle, &bits)
        return (gnutls_pk_algorithm_t(UInt32(bitPattern: max(algorithm, 0))), bits)
    }

    /// The extended key usage purposes (OIDs), or nil when the certificate has no such extension. Reading stops at
    /// the first purpose that cannot be read (an OID longer than 127 bytes, an extension that does not parse).
    var keyPurposes: [String]? {
        var purposes: [String] = []
        for index: UInt32 in 0..<64 {
            var buffer = [CChar](repeating: 0, count: 128)
            var size = buffer.count
            let code = gnutls_x509_crt_get_key_purpose_oid(handle, index, &buffer, &size, nil)
            if code == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE && index == 0 { return nil }
            guard code >= 0 else { break }
            purposes.append(String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) },
                                   as: UTF8.self))
        }
        return purposes
    }

    var serialHex: String? {
        var buffer = [UInt8](repeating: 0, count: 64)
        var size = buffer.count
        guard gnutls_x509_crt_get_serial(handle, &buffer, &size) >= 0 else { return nil }
        return hex(buffer.prefix(size))
    }

    var fingerprintSHA256: String? {
        var buffer = [UInt8](repeating: 0, count: 32)
        var size = buffer.count
        guard gnutls_x509_crt_get_fingerprint(handle, GNUTLS_DIG_SHA256, &buffer, &size) >= 0, size == 32 else {
            return nil
        }
        return hex(buffer)
    }

    var peerCertificate: PeerCertificate? {
        let notBefore = gnutls_x509_crt_get_activation_time(handle)
        let notAfter = gnutls_x509_crt_get_expiration_time(handle)
        guard let serialHex, let fingerprintSHA256, notBefore != -1, notAfter != -1 else { return nil }
        return PeerCertificate(subject: subject, commonName: subjectAttribute(oid: GnuTLS.commonNameOID),
                               organizationalUnit: subjectAttribute(oid: GnuTLS.organizationalUnitOID), serialHex: serialHex,
                               fingerprintSHA256: fingerprintSHA256, notBefore: Int64(notBefore),
                               notAfter: Int64(notAfter))
    }

    private func hex<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
