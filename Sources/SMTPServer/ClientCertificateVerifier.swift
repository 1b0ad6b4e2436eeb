import COpenSSL

/// The tls patch's client certificate check, with the system OpenSSL as the
/// patch uses it: the chain must verify against control/clientca.pem (for the
/// `ssl_client` purpose) and, when control/clientcrl.pem exists, be revoked
/// nowhere in it; then the certificate's e-mail addresses count.
///
/// The handshake itself accepts any certificate (tls.patch's `acceptany`),
/// so an unknown client still gets TLS, just no relaying.
public final class ClientCertificateVerifier: @unchecked Sendable {
    // An X509_STORE is safe to verify against from several threads once loaded.
    private let store: OpaquePointer

    /// What is wrong with clientca.pem or clientcrl.pem.
    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Loads the authorities and, if given, the revocation lists (PEM).
    public init(authorities: String, revocationLists: String?) throws {
        guard let store = X509_STORE_new() else { throw LoadError(description: "cannot create a certificate store") }
        self.store = store
        guard X509_STORE_load_file(store, authorities) == 1 else {
            throw LoadError(description: "cannot load \(authorities): \(Self.lastError())")
        }
        if let revocationLists {
            guard X509_STORE_load_file(store, revocationLists) == 1 else {
                throw LoadError(description: "cannot load \(revocationLists): \(Self.lastError())")
            }
            X509_STORE_set_flags(store, UInt(X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL))
        }
    }

    deinit { X509_STORE_free(store) }

    /// The e-mail addresses (rfc822Name SANs first, then subject
    /// emailAddress entries) of `chain[0]` if the chain (DER, leaf first)
    /// verifies; empty otherwise.
    public func verifiedEmails(chain: [[UInt8]]) -> [[UInt8]] {
        guard !chain.isEmpty, let untrusted = COpenSSL_certificates_new() else { return [] }
        defer { COpenSSL_certificates_free(untrusted) }
        for der in chain {
            let certificate: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
                var cursor = buffer.baseAddress
                return d2i_X509(nil, &cursor, buffer.count)
            }
            guard let certificate else { return [] }
            if COpenSSL_certificates_push(untrusted, certificate) <= 0 {
                X509_free(certificate)
                return []
            }
        }
        guard let leaf = COpenSSL_certificates_first(untrusted), let context = X509_STORE_CTX_new() else { return [] }
        defer { X509_STORE_CTX_free(context) }
        guard X509_STORE_CTX_init(context, store, leaf, untrusted) == 1,
              X509_STORE_CTX_set_default(context, "ssl_client") == 1,
              X509_verify_cert(context) == 1 else { return [] }
        return Self.emails(of: leaf)
    }

    private static func emails(of certificate: OpaquePointer) -> [[UInt8]] {
        var emails: [[UInt8]] = []
        if let names = COpenSSL_subject_alt_names(certificate) {
            defer { COpenSSL_names_free(names) }
            for index in 0..<COpenSSL_names_count(names) {
                if let email = COpenSSL_names_email(names, index) { emails.append(bytes(of: email)) }
            }
        }
        if let subject = X509_get_subject_name(certificate) {
            var index: Int32 = -1
            while true {
                index = X509_NAME_get_index_by_NID(subject, NID_pkcs9_emailAddress, index)
                guard index >= 0 else { break }
                if let data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index)) { emails.append(bytes(of: data)) }
            }
        }
        return emails
    }

    private static func bytes(of string: UnsafePointer<ASN1_STRING>) -> [UInt8] {
        guard let data = ASN1_STRING_get0_data(string) else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: Int(ASN1_STRING_length(string))))
    }

    private static func bytes(of string: UnsafeMutablePointer<ASN1_STRING>) -> [UInt8] {
        bytes(of: UnsafePointer(string))
    }

    private static func lastError() -> String {
        let code = ERR_get_error()
        guard code != 0 else { return "no such file or not PEM" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
