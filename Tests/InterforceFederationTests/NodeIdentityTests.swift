// A node knows who it is (issue 13, point 1): `serve` and `init` refuse a certificate that is another force's (CN
// and DNS name `<force>.node.interforce`) or that is not from the configured federation CA, with a message naming
// the file and the problem. Before this, a node initialised as kent with Hampshire's certificate synced as
// Hampshire and received Hampshire's entries.

import Foundation
import InterforceTestSupport
import Testing

@Suite struct NodeIdentityTests {
    /// `serve` for kent, configured with `certificate`/`key`, must exit 1 at once saying `expected`, and leave no
    /// socket behind; with its own certificate it then serves.
    @Test func serveRefusesAnotherForcesCertificateOrAnotherCA() throws {
        let fed = try Federation([("kent", ["south-east"]), ("hampshire", ["south-east"])],
                                 links: [("kent", "hampshire")], start: false)
        let kent = fed.member("kent"), hampshire = fed.member("hampshire")

        // Another CA issues a certificate that names kent properly.
        let otherDirectory = fed.tmp.file("other-pki")
        try FileManager.default.createDirectory(atPath: otherDirectory, withIntermediateDirectories: true)
        let other = try TestPKI(directory: otherDirectory)
        let (foreignCertificate, foreignKey) = try other.node("kent")
        // A certificate from the right CA with CN kent but without kent.node.interforce.
        let (bareCertificate, bareKey) = try issueWithoutForceName(fed, force: "kent")

        let cases: [(String, String, String)] = [
            (hampshire.certificate, hampshire.key,
             "\(hampshire.certificate) is a certificate for force 'hampshire' (CN=hampshire), not for this node's force 'kent'"),
            (foreignCertificate, foreignKey,
             "\(foreignCertificate) does not chain to the federation CA in \(fed.caCertificate) ('tlsCA'): not issued by the federation CA"),
            (bareCertificate, bareKey,
             "\(bareCertificate) does not name kent.node.interforce (its DNS names: localhost), the name peers verify"),
        ]
        for (certificate, key, expected) in cases {
            try fed.setConfig(kent, ["tlsCertificate": certificate, "tlsKey": key])
            let r = try fed.cli("kent", ["serve"], timeout: 20)
            #expect(r.status == 1, "\(r)")
            #expect(r.stderr.contains("interforce serve: " + expected), "\(r.stderr)")
            #expect(!FileManager.default.fileExists(atPath: kent.socket))
            let log = try fed.sqlite("kent", "SELECT count(*) FROM log WHERE kind = 'serve-start'")
            #expect(log == "0", "a refused start logs no serve-start")
        }

        // Its own certificate: it serves, and syncs with Hampshire as kent.
        try fed.setConfig(kent, ["tlsCertificate": kent.certificate, "tlsKey": kent.key])
        try fed.start("kent")
        try fed.start("hampshire")
        try fed.ok("kent", "sync")
        // A second serve on the running data directory says so, and leaves the first one serving.
        let second = try fed.cli("kent", ["serve"], timeout: 20)
        #expect(second.status == 1 && second.stderr.contains("node.sock is in use by a running server: a 'serve' "
                                                              + "already runs on"), "\(second)")
        try fed.ok("kent", "sync")
    }

    @Test func initRefusesAnotherForcesCertificateAndCreatesNothing() throws {
        let fed = try Federation([("hampshire", ["south-east"])], start: false)
        let hampshire = fed.member("hampshire")
        let data = fed.tmp.file("kent")
        let r = try fed.run(fed.binary, ["init", "--force", "kent", "--data", data, "--listen", "127.0.0.1:7401",
                                         "--tls-cert", hampshire.certificate, "--tls-key", hampshire.key,
                                         "--tls-ca", fed.caCertificate])
        #expect(r.status == 1, "\(r)")
        #expect(r.stderr.contains("is a certificate for force 'hampshire' (CN=hampshire), not for this node's force "
                                  + "'kent'"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: data + "/config.json"), "nothing is created")
        #expect(!FileManager.default.fileExists(atPath: data + "/node.key"))

        let noCA = try fed.run(fed.binary, ["init", "--force", "kent", "--data", data,
                                            "--tls-cert", hampshire.certificate, "--tls-key", hampshire.key])
        #expect(noCA.status == 64 && noCA.stderr.contains("--tls-cert needs --tls-ca"), "\(noCA)")
    }

    /// A certificate for `force` from the federation's CA whose only DNS name is localhost.
    private func issueWithoutForceName(_ fed: Federation, force: String) throws -> (String, String) {
        let dir = fed.pkiDirectory, key = fed.tmp.file("bare.key"), csr = fed.tmp.file("bare.csr")
        let certificate = fed.tmp.file("bare.pem"), ext = fed.tmp.file("bare.ext")
        try Data("subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n".utf8)
            .write(to: URL(fileURLWithPath: ext))
        try fed.require(fed.run("/usr/bin/env", ["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout",
                                                 "-out", key]))
        try fed.require(fed.run("/usr/bin/env", ["openssl", "req", "-new", "-key", key, "-out", csr,
                                                 "-subj", "/O=Interforce/OU=\(force)/CN=\(force)"]))
        try fed.require(fed.run("/usr/bin/env", ["openssl", "x509", "-req", "-in", csr, "-CA", dir + "/ca.pem",
                                                 "-CAkey", dir + "/ca.key", "-CAcreateserial", "-days", "30",
                                                 "-extfile", ext, "-out", certificate]))
        return (certificate, key)
    }
}
